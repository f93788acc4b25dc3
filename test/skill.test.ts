// The flash-operations skill must stay a valid Agent Skill and must not drift from the server: its
// front matter follows the Agent Skills rules, the files it links exist, the metric catalogue
// covers every certified metric as defined, every tool it names is one the server has (or one of
// the write tools the writes issue adds), and the worked examples' calls pass the tools' schemas.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { OPERATIONS } from "@/lib/operations/catalogue";
import { CERTIFIED_METRICS, ENTITY_DIMENSIONS, TIME_GRAINS } from "@/lib/semantic/metrics";
import { COMPARISONS, NAMED_WINDOWS } from "@/lib/semantic/resolve-window";

const SKILL_DIR = path.resolve(import.meta.dirname, "../skills/flash-operations");
const SKILL_FILE = path.join(SKILL_DIR, "SKILL.md");

/** Front-matter keys the Agent Skills format allows. */
const REQUIRED_KEYS = ["name", "description"] as const;
const OPTIONAL_KEYS = ["license", "allowed-tools", "metadata", "compatibility"] as const;

/** Write tools whose names are fixed by the writes issue; the skill may name them before they ship. */
const UPCOMING_WRITE_TOOLS = [
  "create_member",
  "update_member",
  "change_member_tier",
  "award_points",
  "redeem_points",
  "create_coupon_pool",
  "top_up_coupon_pool",
  "issue_coupon",
  "void_coupon",
  "issue_ambassador_code",
  "get_write_request",
  "list_write_requests",
  "cancel_write_request",
] as const;

/**
 * snake_case words the skill uses that are not tools: the semantic layer's vocabulary (taken from
 * the code) plus error codes, grounding codes and write statuses the tools return.
 */
const NOT_TOOLS = new Set<string>([
  ...NAMED_WINDOWS,
  ...COMPARISONS,
  ...ENTITY_DIMENSIONS,
  ...TIME_GRAINS,
  ...CERTIFIED_METRICS.map((m) => m.key),
  // OperationError codes (lib/errors.ts)
  "unknown_operation",
  "missing_scope",
  "invalid_arguments",
  "not_found",
  "not_grounded",
  "rate_limited",
  "internal_error",
  // GroundingError codes (lib/semantic/grounding.ts)
  "unknown_metric",
  "unknown_dimension",
  "dimension_not_allowed",
  "unknown_filter_value",
  "invalid_window",
  "invalid_query",
  "no_data",
  // write request statuses
  "pending_approval",
  // prompts (lib/mcp/prompts.ts)
  "tier_activity_check",
]);

type FrontMatter = { fields: Map<string, string>; body: string };

/**
 * A minimal front-matter reader: `---`, then `key: value` lines (a value may be quoted, and an
 * indented line continues the previous key, as under `metadata:`), then `---`. Anything else is
 * an error, so a malformed header fails the test rather than being half-read.
 */
function parseFrontMatter(text: string): FrontMatter {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== "---") throw new Error("SKILL.md must start with a '---' front-matter line");
  const end = lines.indexOf("---", 1);
  if (end < 0) throw new Error("front matter is not closed by a '---' line");
  const fields = new Map<string, string>();
  let last: string | null = null;
  for (const line of lines.slice(1, end)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (/^\s/.test(line)) {
      if (last === null) throw new Error(`indented line before any key: ${line}`);
      fields.set(last, `${fields.get(last) ?? ""}\n${line.trim()}`.trim());
      continue;
    }
    const match = /^([A-Za-z][A-Za-z0-9_-]*):(?:\s+(.*))?$/.exec(line);
    if (!match?.[1]) throw new Error(`not a 'key: value' line: ${line}`);
    const key = match[1];
    if (fields.has(key)) throw new Error(`duplicate key ${key}`);
    let value = (match[2] ?? "").trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) value = value.slice(1, -1);
    fields.set(key, value);
    last = key;
  }
  return { fields, body: lines.slice(end + 1).join("\n") };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function read(file: string): string {
  return fs.readFileSync(file, "utf8");
}

/** Relative link targets in Markdown (`[text](target)`), without anchors; external links skipped. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] ?? "")
    .filter((t) => t !== "" && !t.startsWith("#") && !/^[a-z][a-z0-9+.-]*:/i.test(t))
    .map((t) => t.split("#")[0] ?? t);
}

/** Words in `backticks` that look like identifiers of the server (snake_case). */
function backtickedSnakeCase(markdown: string): string[] {
  return [...markdown.matchAll(/`([^`\n]+)`/g)].flatMap((m) => [...(m[1] ?? "").matchAll(/\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b/g)].map((w) => w[1] ?? ""));
}

const skillText = read(SKILL_FILE);
const { fields, body } = parseFrontMatter(skillText);
const operationNames = new Set(OPERATIONS.map((o) => o.name));
const knownTools = new Set<string>([...operationNames, ...UPCOMING_WRITE_TOOLS]);

describe("skills/flash-operations is a valid Agent Skill", () => {
  it("has front matter with exactly the allowed keys", () => {
    const keys = [...fields.keys()];
    for (const key of REQUIRED_KEYS) expect(keys, `missing ${key}`).toContain(key);
    const allowed: readonly string[] = [...REQUIRED_KEYS, ...OPTIONAL_KEYS];
    expect(keys.filter((k) => !allowed.includes(k)), "keys the Agent Skills format does not allow").toEqual([]);
  });

  it("has a valid name equal to its folder name", () => {
    const name = fields.get("name") ?? "";
    expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).not.toMatch(/anthropic|claude/);
    expect(name).toBe(path.basename(SKILL_DIR));
  });

  it("has a description that says what it does and when to use it, within 1024 characters", () => {
    const description = fields.get("description") ?? "";
    expect(description.trim().length).toBeGreaterThan(0);
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(description).not.toMatch(/<[^>]+>/);
    expect(description).toMatch(/\bUse when\b/);
    // Third person, not "I can…" / "You can…".
    expect(description).not.toMatch(/^(I|You)\b/);
    for (const trigger of ["GMV", "active", "redemption rate", "coupon pool", "why"]) expect(description.toLowerCase()).toContain(trigger.toLowerCase());
  });

  it("keeps the body under 500 lines", () => {
    expect(body.split("\n").length).toBeLessThan(500);
  });

  it("links only to files that exist", () => {
    const links = relativeLinks(body);
    expect(links.length).toBeGreaterThan(0);
    for (const target of links) expect(fs.existsSync(path.join(SKILL_DIR, target)), `SKILL.md links to missing ${target}`).toBe(true);
    for (const file of ["references/metric-catalogue.md", "references/worked-examples.md"]) expect(links).toContain(file);
  });
});

describe("the skill matches the server", () => {
  const catalogue = read(path.join(SKILL_DIR, "references/metric-catalogue.md"));

  it("lists every certified metric with its unit and dimensions", () => {
    for (const metric of CERTIFIED_METRICS) {
      const row = catalogue.split("\n").find((line) => line.startsWith(`| \`${metric.key}\` |`));
      expect(row, `metric-catalogue.md has no summary row for ${metric.key}`).toBeDefined();
      const cells = (row ?? "").split("|").map((c) => c.trim());
      // | key | label | meaning | unit | dimensions | version |
      expect(cells[2]).toBe(metric.label);
      expect(cells[3]).toBe(metric.summary);
      expect(cells[4]).toBe(metric.unit);
      expect(cells[5]).toBe(metric.dimensions.length ? metric.dimensions.join(", ") : "—");
      expect(cells[6]).toBe(`v${metric.version}`);
      expect(catalogue, `definition of ${metric.key}`).toContain(metric.description);
    }
  });

  it("names only tools the server has (or the announced write tools)", () => {
    const unknown = [...new Set(backtickedSnakeCase(body))].filter((w) => !NOT_TOOLS.has(w) && !knownTools.has(w));
    expect(unknown, "unknown snake_case identifiers in SKILL.md: a renamed tool, or a word to add to NOT_TOOLS").toEqual([]);
  });

  it("mentions every tool the server offers", () => {
    const mentioned = new Set(backtickedSnakeCase(body));
    expect([...operationNames].filter((n) => !mentioned.has(n)), "tools missing from SKILL.md").toEqual([]);
  });

  it("uses only known tools in the worked examples, with arguments their schemas accept", () => {
    const examples = read(path.join(SKILL_DIR, "references/worked-examples.md"));
    const calls = [...examples.matchAll(/^\s*([a-z][a-z0-9]*(?:_[a-z0-9]+)+) (\{.*\})\s*$/gm)];
    expect(calls.length).toBeGreaterThanOrEqual(8);
    for (const [, tool = "", json = ""] of calls) {
      expect(knownTools.has(tool), `unknown tool ${tool} in worked-examples.md`).toBe(true);
      const args: unknown = JSON.parse(json);
      const operation = OPERATIONS.find((o) => o.name === tool);
      if (!operation) continue; // an announced write tool that has not shipped yet
      // As the guard does: objects are strict, and writes also take an optional idempotencyKey.
      const input = operation.kind === "write" && isRecord(args) ? Object.fromEntries(Object.entries(args).filter(([k]) => k !== "idempotencyKey")) : args;
      const schema = operation.input instanceof z.ZodObject ? operation.input.strict() : operation.input;
      const parsed = schema.safeParse(input);
      expect(parsed.success, `${tool} ${json}: ${parsed.success ? "" : parsed.error.message}`).toBe(true);
    }
  });

  it("covers each launch question in the worked examples", () => {
    const examples = read(path.join(SKILL_DIR, "references/worked-examples.md"));
    for (const question of [
      "GMV last week by store",
      "Why are redemptions down versus the prior week?",
      "Show me redemption rate by coupon pool for the last 14 days",
      "Did active members drop versus last month, by tier?",
      "Which stores drove the Silver drop?",
      "Top up the summer coupon pool by 500 codes",
    ]) {
      expect(examples.toLowerCase()).toContain(question.toLowerCase());
    }
  });
});
