// Injection into the semantic layer over MCP: SQL fragments, LIKE wildcards, escapes and unusual
// Unicode (RTL override, zero-width joiners, NUL, lone surrogates, emoji, 10,000-character strings)
// and prototype names, in every filter value and in dimension names, metric names and windows of
// query_metric, explain_change, list_dimension_values and describe_metric. Each must be refused
// with a grounding or validation error, or treated as plain data that matches nothing — never an
// internal error — and every table must still be there with the same rows afterwards. Lookups by
// name (members, pools, stores, tiers) must treat LIKE wildcards as data too.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime } from "@/test/database";
import { callTool, connectMcp, internalsIn, issueKey, rowCounts, startTarget, type Target, type ToolAnswer } from "./mcp-attacker";

const SQL = [
  "'; DROP TABLE orders; --",
  "1 OR 1=1",
  "' OR '1'='1",
  "S01' OR 'x'='x",
  '") OR ("1"="1',
  "1; SELECT pg_sleep(10); --",
  "' UNION SELECT id, name, slug FROM tenants --",
  "$1",
  "$1::uuid",
  "\\",
  "x\\",
  "%",
  "_",
  "S%",
  "S0_",
  "%' --",
  "/*",
  "*/",
  ";",
  "::text",
  "E'\\x00'",
];
const UNICODE = [
  "\u202egmv",
  "S\u200d01",
  "gm\u200bv",
  "st\ufeffore",
  "S01\u0000",
  "\u0000",
  "\ud800",
  "\udfff",
  "a\udc00b",
  "🚀💥",
  "Ｓ０１",
  "İ",
  "e\u0301",
  "x".repeat(10_000),
  "é".repeat(10_000),
];
const PROTOTYPE = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "prototype"];
const PAYLOADS = [...SQL, ...UNICODE, ...PROTOTYPE];

/** A place a payload goes: which tool, and the arguments with the payload in one position. */
type Slot = { tool: string; field: string; args: (p: string) => Record<string, unknown> };

const DIMENSIONS = ["store", "region", "tier", "coupon_pool", "channel"] as const;
const metricFor = (dimension: string) => (dimension === "coupon_pool" ? "redemptions" : "gmv");

const SLOTS: Slot[] = [
  { tool: "describe_metric", field: "metric", args: (p) => ({ metric: p }) },
  { tool: "list_dimension_values", field: "dimension", args: (p) => ({ dimension: p }) },
  { tool: "query_metric", field: "metric", args: (p) => ({ metric: p, window: "last_week" }) },
  { tool: "query_metric", field: "window", args: (p) => ({ metric: "gmv", window: p }) },
  { tool: "query_metric", field: "window.from", args: (p) => ({ metric: "gmv", window: { from: p, to: "2026-01-07" } }) },
  { tool: "query_metric", field: "compareTo", args: (p) => ({ metric: "gmv", window: "last_week", compareTo: p }) },
  { tool: "query_metric", field: "groupBy", args: (p) => ({ metric: "gmv", window: "last_week", groupBy: p }) },
  { tool: "query_metric", field: "groupBy[1]", args: (p) => ({ metric: "gmv", window: "last_week", groupBy: ["store", p] }) },
  { tool: "query_metric", field: "order", args: (p) => ({ metric: "gmv", window: "last_week", groupBy: "store", order: p }) },
  { tool: "query_metric", field: "filters key", args: (p) => ({ metric: "gmv", window: "last_week", filters: { [p]: "S01" } }) },
  ...DIMENSIONS.map((d) => ({ tool: "query_metric", field: `filters.${d}`, args: (p: string) => ({ metric: metricFor(d), window: "last_week", filters: { [d]: p } }) })),
  { tool: "query_metric", field: "filters.store[]", args: (p) => ({ metric: "gmv", window: "last_week", filters: { store: ["S01", p] } }) },
  { tool: "explain_change", field: "metric", args: (p) => ({ metric: p, window: "last_week", dimensions: "store" }) },
  { tool: "explain_change", field: "window", args: (p) => ({ metric: "gmv", window: p, dimensions: "store" }) },
  { tool: "explain_change", field: "compareTo", args: (p) => ({ metric: "gmv", window: "last_week", compareTo: p, dimensions: "store" }) },
  { tool: "explain_change", field: "dimensions", args: (p) => ({ metric: "gmv", window: "last_week", dimensions: p }) },
  { tool: "explain_change", field: "dimensions[1]", args: (p) => ({ metric: "gmv", window: "last_week", dimensions: ["store", p] }) },
  { tool: "explain_change", field: "filters key", args: (p) => ({ metric: "gmv", window: "last_week", dimensions: "store", filters: { [p]: "Gold" } }) },
  ...DIMENSIONS.map((d) => ({ tool: "explain_change", field: `filters.${d}`, args: (p: string) => ({ metric: metricFor(d), window: "last_week", dimensions: "tier", filters: { [d]: p } }) })),
];

/** Explicit windows that are not dates, or absurd ones. */
const WINDOWS: unknown[] = [
  { from: "0001-01-01", to: "9999-12-31" },
  { from: "9999-12-31", to: "9999-12-31" },
  { from: "2026-02-30", to: "2026-03-01" },
  { from: "2026-13-01", to: "2026-13-02" },
  { from: "2026-01-07", to: "2026-01-01" },
  { from: "-2026-01-01", to: "2026-01-01" },
  { from: "2026-01-01T00:00:00Z", to: "2026-01-02" },
  { from: 20260101, to: 20260102 },
  { from: "2026-01-01" },
  { from: "2026-01-01", to: "2026-01-02", tz: "UTC" },
  "last_99999999_days",
  "last_week; DROP TABLE orders",
  "",
  null,
  [],
];

const REFUSALS: ReadonlySet<string> = new Set(["not_grounded", "invalid_arguments"]);
const LOOKUP_REFUSALS: ReadonlySet<string> = new Set([...REFUSALS, "not_found"]);

describe(`semantic-layer injection over MCP, on ${testRuntime()}`, () => {
  let t: Target;
  let client: Client;
  let before: Record<string, number>;
  let calls = 0;

  async function attempt(tool: string, args: Record<string, unknown>, refusals: ReadonlySet<string> = REFUSALS): Promise<ToolAnswer> {
    calls += 1;
    const answer = await callTool(client, tool, args); // a JSON-RPC error (e.g. -32603) rejects here
    const where = `${tool} ${JSON.stringify(args).slice(0, 160)} → ${answer.text.slice(0, 300)}`;
    if (answer.isError) expect(refusals.has(answer.errorCode ?? ""), `refused with an unexpected code: ${where}`).toBe(true);
    expect(internalsIn(answer.text), where).toEqual([]);
    return answer;
  }

  beforeAll(async () => {
    t = await startTarget({ SOCODE_RATE_LIMIT_PER_MINUTE: "100000" });
    const key = await issueKey(t.db, t.demoId, { scopes: "all", name: "injector" });
    client = await connectMcp(t.app, key.secret, "injector");
    before = await rowCounts(t.db);
  });
  afterAll(async () => {
    await client?.close();
    await t?.stop();
  });

  it("the clean forms of every slot are answered (so a refusal below is the payload's doing)", async () => {
    for (const slot of SLOTS) {
      const clean = slot.field.startsWith("filters key")
        ? slot.args(slot.tool === "explain_change" ? "tier" : "store")
        : slot.args(
            {
              metric: "gmv",
              dimension: "store",
              window: "last_week",
              "window.from": "2026-01-01",
              compareTo: "prior_week",
              groupBy: "store",
              "groupBy[1]": "tier",
              order: "label",
              dimensions: "store",
              "dimensions[1]": "tier",
              "filters.store": "S01",
              "filters.region": "Northeast",
              "filters.tier": "Gold",
              "filters.coupon_pool": "Summer",
              "filters.channel": "app",
              "filters.store[]": "S02",
            }[slot.field] ?? "",
          );
      const answer = await attempt(slot.tool, clean);
      expect(answer.isError, `${slot.tool} ${slot.field}: ${answer.text.slice(0, 300)}`).toBe(false);
    }
  });

  it.each(SLOTS.map((slot) => [`${slot.tool} ${slot.field}`, slot] as const))("%s: every payload is refused or matches nothing", async (_, slot) => {
    for (const payload of PAYLOADS) {
      const answer = await attempt(slot.tool, slot.args(payload));
      // Names, windows, dimensions and filter values that are not the tenant's are never answered:
      // a match would mean the payload was interpreted (as SQL, a pattern or a prototype member).
      expect(answer.isError, `answered: ${slot.tool} ${slot.field} = ${JSON.stringify(payload).slice(0, 60)} → ${answer.text.slice(0, 300)}`).toBe(true);
    }
  });

  it("refuses filters whose key is __proto__ instead of answering without the filter", async () => {
    for (const tool of ["query_metric", "explain_change"]) {
      const filters = JSON.parse('{"__proto__": "S01"}') as Record<string, unknown>;
      const args = tool === "query_metric" ? { metric: "gmv", window: "last_week", filters } : { metric: "gmv", window: "last_week", dimensions: "store", filters };
      const answer = await attempt(tool, args);
      expect(answer.errorCode, answer.text).toBe("invalid_arguments");
      expect(answer.text).toContain("__proto__");
      expect(answer.isError, answer.text).toBe(true);
    }
  });

  it("refuses absurd and malformed windows quickly, with a grounding or validation error", async () => {
    for (const window of WINDOWS) {
      for (const [tool, extra] of [
        ["query_metric", { groupBy: ["store", "day"] }],
        ["query_metric", { compareTo: window }],
        ["explain_change", { dimensions: ["store", "tier", "channel"] }],
      ] as const) {
        const started = Date.now();
        const answer = await attempt(tool, { metric: "active_members", window, ...extra });
        expect(answer.isError, `${tool} ${JSON.stringify(window)}: ${answer.text.slice(0, 300)}`).toBe(true);
        expect(Date.now() - started, `${tool} ${JSON.stringify(window)} took too long`).toBeLessThan(5_000);
      }
    }
  });

  it("bounds time buckets: a long window by day is refused with coarser grains suggested, by month answered", async () => {
    const window = { from: "2000-01-01", to: "2025-12-31" };
    const byDay = await attempt("query_metric", { metric: "gmv", window, groupBy: ["store", "day"] });
    expect(byDay.errorCode, byDay.text).toBe("not_grounded");
    expect(byDay.text).toMatch(/month/);
    const byMonth = await attempt("query_metric", { metric: "gmv", window, groupBy: "month" });
    expect(byMonth.isError, byMonth.text).toBe(false);
  });

  it("lookups by name treat LIKE wildcards and backslashes as data", async () => {
    for (const query of ["%", "_", "%%", "\\", "x\\", "%\\"]) {
      const found = await attempt("search_members", { query, limit: 50 }, LOOKUP_REFUSALS);
      expect(found.isError, found.text).toBe(false);
      expect((found.result.structuredContent as { members: unknown[] }).members, `search_members ${query}`).toEqual([]);
      for (const filter of [{ tier: query }, { store: query }]) {
        const filtered = await attempt("search_members", { ...filter, limit: 5 }, LOOKUP_REFUSALS);
        expect((filtered.result.structuredContent as { members: unknown[] }).members, `search_members ${JSON.stringify(filter)}`).toEqual([]);
      }
    }
    for (const pattern of ["%", "_%", "S%", "%er", "W_lcome", "\\", "Summer\\"]) {
      const pool = await attempt("get_coupon_pool", { pool: pattern }, LOOKUP_REFUSALS);
      expect(pool.errorCode, `get_coupon_pool ${pattern}: ${pool.text}`).toBe("not_found");
      for (const [tool, args] of [
        ["top_up_coupon_pool", { pool: pattern, codes: 1 }],
        ["issue_coupon", { pool: pattern, member: "DC0000001" }],
        ["create_member", { externalId: "LIKE-PROBE", name: "Like Probe", tier: pattern }],
        ["create_member", { externalId: "LIKE-PROBE", name: "Like Probe", homeStore: pattern }],
        ["change_member_tier", { member: "DC0000001", tier: pattern, reason: "like probe" }],
      ] as const) {
        const answer = await attempt(tool, args, LOOKUP_REFUSALS);
        expect(answer.errorCode, `${tool} ${JSON.stringify(args)}: ${answer.text}`).toBe("not_found");
      }
    }
    // A pool name with a wildcard is a new name, not a clash with every existing pool.
    const created = await attempt("create_coupon_pool", { name: "S%", discountType: "percent", discountValue: 5 }, LOOKUP_REFUSALS);
    expect(created.isError, created.text).toBe(false);
    expect(await t.db.writeRequest.count({ where: { operation: { not: "create_coupon_pool" } } })).toBe(0);
  });

  it("left every table in place with the same rows (only the audit log, read caches and the one queued request grew)", async () => {
    const after = await rowCounts(t.db);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const table of Object.keys(before)) {
      if (table === "audit_events" || table === "write_requests") continue;
      // Rollups may fill read caches (e.g. active-member ranges) on a query; they never shrink.
      if (table.startsWith("rollup_")) expect(after[table], table).toBeGreaterThanOrEqual(before[table] ?? 0);
      else expect(after[table], table).toBe(before[table]);
    }
    expect(after.write_requests).toBe((before.write_requests ?? 0) + 1);
    expect(after.audit_events).toBeGreaterThanOrEqual((before.audit_events ?? 0) + calls);
    const logs = t.app.logs();
    expect(logs.split("\n").filter((line) => line.includes("[socode]") && /failed/.test(line))).toEqual([]);
  });
});
