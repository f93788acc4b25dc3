// Tenant isolation over MCP: a key of tenant `demo-b` holding every scope aims every tool in the
// catalogue (reads and writes, taken from the catalogue itself so a new tool cannot slip through)
// at the ids, codes and names of tenant `demo`, and at demo's resources and prompts. It must get
// refusals or its own data only: no identifier, name or email of `demo` in any answer (beyond what
// it sent), not one row of `demo` changed, and no write request anywhere but in `demo-b`.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATIONS } from "@/lib/operations/catalogue";
import { testRuntime } from "@/test/database";
import {
  callTool,
  connectMcp,
  issueKey,
  leakedSentinels,
  postRaw,
  rpc,
  startTarget,
  tenantChecksums,
  tenantSentinels,
  type IssuedTestKey,
  type Sentinels,
  type Target,
} from "./mcp-attacker";

/** What the attacker aims at: things of `demo`, plus a few of its own tenant to mix in. */
type Refs = {
  tenantId: string;
  member: { id: string; externalId: string; email: string; name: string };
  store: { id: string; code: string; name: string; region: string };
  tier: { id: string };
  pool: { id: string; name: string };
  coupon: { code: string };
  ambassadorCode: string;
  writeRequestId: string;
  keyId: string;
  auditRequestId: string;
  own: { memberExternalId: string; poolName: string };
};

/** not_found / not_grounded: refused; ok: answered (with demo-b's own data only). */
type Expect = "not_found" | "not_grounded" | "ok";
type Case = { args: Record<string, unknown>; expect: Expect };

const reason = "isolation probe";

/**
 * One or more attacks per tool. The test "has an isolation case for every tool" fails when a tool
 * is added to the catalogue without one here.
 */
const CASES: Record<string, (r: Refs) => Case[]> = {
  list_metrics: () => [{ args: {}, expect: "ok" }],
  describe_metric: (r) => [
    { args: { metric: "gmv" }, expect: "ok" },
    { args: { metric: r.tenantId }, expect: "not_grounded" },
  ],
  query_metric: (r) => [
    { args: { metric: "gmv", window: "last_week" }, expect: "ok" },
    { args: { metric: "gmv", window: "last_week", groupBy: "store" }, expect: "ok" },
    { args: { metric: "redemptions", window: "last_week", groupBy: "coupon_pool" }, expect: "ok" },
    { args: { metric: "gmv", window: "last_week", filters: { store: r.store.id } }, expect: "not_grounded" },
    { args: { metric: "gmv", window: "last_week", filters: { store: r.store.code } }, expect: "not_grounded" },
    { args: { metric: "gmv", window: "last_week", filters: { store: r.store.name } }, expect: "not_grounded" },
    { args: { metric: "gmv", window: "last_week", filters: { region: r.store.region } }, expect: "not_grounded" },
    { args: { metric: "gmv", window: "last_week", filters: { tier: r.tier.id } }, expect: "not_grounded" },
    { args: { metric: "redemptions", window: "last_week", filters: { coupon_pool: r.pool.id } }, expect: "not_grounded" },
    { args: { metric: "redemptions", window: "last_week", filters: { coupon_pool: r.pool.name } }, expect: "not_grounded" },
  ],
  explain_change: (r) => [
    { args: { metric: "gmv", window: "last_week", compareTo: "prior_week", dimensions: ["store", "region", "tier"] }, expect: "ok" },
    { args: { metric: "gmv", window: "last_week", dimensions: "tier", filters: { store: r.store.id } }, expect: "not_grounded" },
    { args: { metric: "gmv", window: "last_week", dimensions: "store", filters: { region: r.store.region } }, expect: "not_grounded" },
    { args: { metric: "redemptions", window: "last_week", dimensions: "store", filters: { coupon_pool: r.pool.name } }, expect: "not_grounded" },
  ],
  list_dimension_values: () => ["store", "region", "tier", "coupon_pool", "channel"].map((dimension) => ({ args: { dimension }, expect: "ok" as const })),
  search_members: (r) => [
    { args: { query: r.member.name }, expect: "ok" },
    { args: { query: r.member.externalId }, expect: "ok" },
    { args: { query: r.member.email }, expect: "ok" },
    { args: { query: r.member.id }, expect: "ok" },
    { args: { store: r.store.code }, expect: "ok" },
    { args: { store: r.store.name }, expect: "ok" },
    { args: { tier: r.tier.id }, expect: "ok" },
    { args: { cursor: r.member.id, limit: 50 }, expect: "ok" },
  ],
  get_member: (r) => [
    { args: { member: r.member.id }, expect: "not_found" },
    { args: { member: r.member.externalId }, expect: "not_found" },
    { args: { member: r.member.email }, expect: "not_found" },
  ],
  list_coupon_pools: () => [{ args: {}, expect: "ok" }],
  get_coupon_pool: (r) => [
    { args: { pool: r.pool.id }, expect: "not_found" },
    { args: { pool: r.pool.name }, expect: "not_found" },
  ],
  create_member: (r) => [
    { args: { externalId: "ISO-NEW-1", name: "Iso Probe", homeStore: r.store.id }, expect: "not_found" },
    { args: { externalId: "ISO-NEW-2", name: "Iso Probe", homeStore: r.store.code }, expect: "not_found" },
    { args: { externalId: "ISO-NEW-3", name: "Iso Probe", tier: r.tier.id }, expect: "not_found" },
    // demo's external id is free in demo-b: answering "already exists" would be an oracle on demo.
    { args: { externalId: r.member.externalId, name: "Oracle Probe" }, expect: "ok" },
  ],
  update_member: (r) => [
    { args: { member: r.member.id, name: "Taken Over" }, expect: "not_found" },
    { args: { member: r.member.externalId, status: "closed" }, expect: "not_found" },
    { args: { member: r.own.memberExternalId, homeStore: r.store.id }, expect: "not_found" },
  ],
  change_member_tier: (r) => [
    { args: { member: r.member.id, tier: "Gold", reason }, expect: "not_found" },
    { args: { member: r.own.memberExternalId, tier: r.tier.id, reason }, expect: "not_found" },
  ],
  award_points: (r) => [
    { args: { member: r.member.id, points: 1000, reason }, expect: "not_found" },
    { args: { member: r.member.externalId, points: 1000, reason }, expect: "not_found" },
  ],
  redeem_points: (r) => [
    { args: { member: r.member.id, points: 1, reason }, expect: "not_found" },
    { args: { member: r.member.externalId, points: 1, reason }, expect: "not_found" },
  ],
  create_coupon_pool: (r) => [
    // demo's pool name is free in demo-b: no "already exists" oracle.
    { args: { name: r.pool.name, discountType: "percent", discountValue: 10 }, expect: "ok" },
  ],
  top_up_coupon_pool: (r) => [
    { args: { pool: r.pool.id, codes: 5 }, expect: "not_found" },
    { args: { pool: r.pool.name, codes: 5 }, expect: "not_found" },
  ],
  issue_coupon: (r) => [
    { args: { pool: r.pool.id, member: r.own.memberExternalId }, expect: "not_found" },
    { args: { pool: r.own.poolName, member: r.member.id }, expect: "not_found" },
  ],
  void_coupon: (r) => [{ args: { code: r.coupon.code, reason }, expect: "not_found" }],
  issue_ambassador_code: (r) => [
    { args: { member: r.member.id }, expect: "not_found" },
    { args: { member: r.member.externalId, code: "ISO-PROBE" }, expect: "not_found" },
    // demo's code is free in demo-b: refusing it as taken would reveal that demo uses it.
    { args: { member: r.own.memberExternalId, code: r.ambassadorCode }, expect: "ok" },
  ],
  get_write_request: (r) => [
    { args: { requestId: r.writeRequestId }, expect: "not_found" },
    { args: { requestId: r.keyId }, expect: "not_found" },
    { args: { requestId: r.auditRequestId }, expect: "not_found" },
  ],
  list_write_requests: (r) => [
    { args: {}, expect: "ok" },
    { args: { status: "pending_approval", limit: 50 }, expect: "ok" },
    { args: { cursor: "ffffffff-ffff-7fff-bfff-ffffffffffff", limit: 50 }, expect: "ok" },
    { args: { cursor: r.writeRequestId }, expect: "ok" },
  ],
  cancel_write_request: (r) => [
    { args: { requestId: r.writeRequestId }, expect: "not_found" },
    { args: { requestId: r.keyId }, expect: "not_found" },
  ],
};

describe(`MCP tenant isolation: a demo-b key against demo's data, on ${testRuntime()}`, () => {
  let t: Target;
  let refs: Refs;
  let sentinels: Sentinels;
  let before: Record<string, string>;
  let attackerKey: IssuedTestKey;
  let attacker: Client;
  /** Everything the attacker has sent: an answer may echo it (its own earlier requests included). */
  let sentSoFar = "";

  beforeAll(async () => {
    t = await startTarget();
    const { db, demoId, demoBId } = t;
    // Give demo what an attacker would aim at: a key in use, pending write requests, audit events.
    const victimKey = await issueKey(db, demoId, { scopes: "all", name: "demo victim" });
    const victim = await connectMcp(t.app, victimKey.secret, "demo-victim");
    const member = await db.member.findFirstOrThrow({ where: { tenantId: demoId, status: "active", email: { not: null } }, orderBy: { externalId: "asc" } });
    for (const [tool, args] of [
      ["top_up_coupon_pool", { pool: "Summer", codes: 10 }],
      ["award_points", { member: member.externalId, points: 25, reason: "victim request" }],
      ["issue_ambassador_code", { member: member.externalId }],
    ] as const) {
      const answer = await callTool(victim, tool, args);
      expect(answer.isError, answer.text).toBe(false);
    }
    await victim.close();
    // The app writes "last used" in batches (within LAST_USED_FLUSH_MS): let it land before the
    // checksums, or it would land among the attacker's calls and look like a change to demo.
    for (let waited = 0; !(await db.apiKey.findUniqueOrThrow({ where: { id: victimKey.id } })).lastUsedAt; waited += 100) {
      if (waited > 10_000) throw new Error("the app never wrote the victim key's last use");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const store = await db.store.findFirstOrThrow({ where: { tenantId: demoId }, orderBy: { code: "asc" } });
    const coupon = await db.coupon.findFirstOrThrow({ where: { tenantId: demoId, issuedAt: { not: null }, redeemedAt: null, voidedAt: null } });
    const ambassador = await db.ambassadorCode.findFirstOrThrow({ where: { tenantId: demoId } });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { tenantId: demoId, requestId: { not: null } } });
    refs = {
      tenantId: demoId,
      member: { id: member.id, externalId: member.externalId, email: member.email ?? "", name: member.name },
      store: { id: store.id, code: store.code, name: store.name, region: store.region },
      tier: { id: (await db.tier.findFirstOrThrow({ where: { tenantId: demoId, name: "Gold" } })).id },
      pool: await db.couponPool.findFirstOrThrow({ where: { tenantId: demoId, name: "Summer" }, select: { id: true, name: true } }),
      coupon: { code: coupon.code },
      ambassadorCode: ambassador.code,
      writeRequestId: (await db.writeRequest.findFirstOrThrow({ where: { tenantId: demoId }, orderBy: { id: "desc" } })).id,
      keyId: victimKey.id,
      auditRequestId: audit.requestId ?? "",
      own: {
        memberExternalId: (await db.member.findFirstOrThrow({ where: { tenantId: demoBId, status: "active" }, orderBy: { externalId: "asc" } })).externalId,
        poolName: (await db.couponPool.findFirstOrThrow({ where: { tenantId: demoBId }, orderBy: { name: "asc" } })).name,
      },
    };
    sentinels = await tenantSentinels(db, demoId);
    before = await tenantChecksums(db, demoId);
    attackerKey = await issueKey(db, demoBId, { scopes: "all", name: "demo-b attacker" });
    attacker = await connectMcp(t.app, attackerKey.secret, "demo-b-attacker");
  });

  afterAll(async () => {
    await attacker?.close();
    await t?.stop();
  });

  it("has an isolation case for every tool in the catalogue", () => {
    const missing = OPERATIONS.map((op) => op.name).filter((name) => !CASES[name]);
    expect(missing, "tools without a tenant-isolation case in CASES").toEqual([]);
    const stale = Object.keys(CASES).filter((name) => !OPERATIONS.some((op) => op.name === name));
    expect(stale, "CASES for tools that no longer exist").toEqual([]);
  });

  it("the leak detector catches demo's ids, emails and names, but not what the attacker sent", () => {
    const answer = JSON.stringify({ text: `No member. Did you mean ${refs.member.name} <${refs.member.email}>, ${refs.store.code}, ${refs.pool.id}?` });
    expect(leakedSentinels(answer, "{}", sentinels)).toEqual(expect.arrayContaining([refs.member.email, refs.store.code, refs.pool.id, refs.member.name]));
    expect(leakedSentinels(`No member "${refs.member.id}".`, JSON.stringify({ member: refs.member.id }), sentinels)).toEqual([]);
  });

  it("the attacker key may use every tool, so each refusal below is isolation, not a missing scope", async () => {
    const listed = (await attacker.listTools()).tools.map((tool) => tool.name).sort();
    expect(listed).toEqual(OPERATIONS.map((op) => op.name).sort());
  });

  it.each(OPERATIONS.map((op) => op.name))("%s: demo's ids, codes and names are refused or unknown, and nothing of demo leaks", async (tool) => {
    const cases = CASES[tool]?.(refs) ?? [];
    expect(cases.length, `no isolation case for ${tool}`).toBeGreaterThan(0);
    for (const { args, expect: expected } of cases) {
      const answer = await callTool(attacker, tool, args);
      const sent = JSON.stringify(args);
      sentSoFar += `\n${sent}`;
      const where = `${tool} ${sent} → ${answer.text.slice(0, 400)}`;
      if (expected === "ok") {
        expect(answer.isError, where).toBe(false);
      } else {
        expect(answer.isError, where).toBe(true);
        expect(answer.errorCode, where).toBe(expected);
      }
      expect(leakedSentinels(answer.text, sentSoFar, sentinels), where).toEqual([]);
    }
  });

  it("answers with demo-b's own time zone, stores and pools", async () => {
    const gmv = await callTool(attacker, "query_metric", { metric: "gmv", window: "last_week", groupBy: "store" });
    const out = gmv.result.structuredContent as { provenance: { timeZone: string }; rows: { dimensions: { store: { id: string } } }[] };
    expect(out.provenance.timeZone).toBe("Europe/Berlin");
    const ownStores = new Set((await t.db.store.findMany({ where: { tenantId: t.demoBId } })).map((s) => s.id));
    expect(out.rows.length).toBeGreaterThan(0);
    for (const row of out.rows) expect(ownStores.has(row.dimensions.store.id)).toBe(true);
    const pools = (await callTool(attacker, "list_coupon_pools", {})).result.structuredContent as { pools: { id: string }[] };
    const ownPools = new Set((await t.db.couponPool.findMany({ where: { tenantId: t.demoBId } })).map((p) => p.id));
    for (const pool of pools.pools) expect(ownPools.has(pool.id)).toBe(true);
  });

  it("lists only demo-b's rows, even when paging from one of demo's ids", async () => {
    for (const args of [{ limit: 50 }, { cursor: refs.member.id, limit: 50 }, { query: refs.member.name.split(" ")[0] ?? "a", limit: 50 }]) {
      const page = (await callTool(attacker, "search_members", args)).result.structuredContent as { members: { id: string }[] };
      const rows = await t.db.member.findMany({ where: { id: { in: page.members.map((m) => m.id) } }, select: { tenantId: true } });
      expect(rows.length).toBe(page.members.length);
      for (const row of rows) expect(row.tenantId).toBe(t.demoBId);
    }
    for (const args of [{ limit: 50 }, { cursor: refs.writeRequestId, limit: 50 }, { cursor: "ffffffff-ffff-7fff-bfff-ffffffffffff", limit: 50 }]) {
      const page = (await callTool(attacker, "list_write_requests", args)).result.structuredContent as { requests: { id: string }[] };
      const rows = await t.db.writeRequest.findMany({ where: { id: { in: page.requests.map((r) => r.id) } }, select: { tenantId: true, requesterKeyId: true } });
      expect(rows.length).toBe(page.requests.length);
      for (const row of rows) expect(row).toEqual({ tenantId: t.demoBId, requesterKeyId: attackerKey.id });
    }
    const demoIds = new Set([...(await t.db.store.findMany({ where: { tenantId: t.demoId } })), ...(await t.db.tier.findMany({ where: { tenantId: t.demoId } })), ...(await t.db.couponPool.findMany({ where: { tenantId: t.demoId } }))].map((x) => x.id));
    for (const dimension of ["store", "tier", "coupon_pool"]) {
      const values = (await callTool(attacker, "list_dimension_values", { dimension })).result.structuredContent as { values: { id: string }[] };
      expect(values.values.length).toBeGreaterThan(0);
      for (const v of values.values) expect(demoIds.has(v.id), `${dimension} ${v.id}`).toBe(false);
    }
  });

  it("ignores tenant hints outside the arguments: _meta, extra params, headers", async () => {
    const auth = { Authorization: `Bearer ${attackerKey.secret}`, "X-Tenant": "demo", "X-Tenant-Id": refs.tenantId, "X-Socode-Tenant": "demo" };
    const attempts = [
      rpc("tools/call", { name: "query_metric", arguments: { metric: "gmv", window: "last_week" }, _meta: { tenantId: refs.tenantId, tenant: "demo" } }),
      rpc("tools/call", { name: "query_metric", arguments: { metric: "gmv", window: "last_week" }, tenantId: refs.tenantId, tenant: "demo" }),
    ];
    for (const body of attempts) {
      const res = await postRaw(t.app.mcpUrl, body, auth);
      expect(res.status, res.text).toBe(200);
      const parsed = JSON.parse(res.text) as { result?: { structuredContent?: { provenance?: { timeZone?: string } } } };
      expect(parsed.result?.structuredContent?.provenance?.timeZone, res.text).toBe("Europe/Berlin");
      expect(leakedSentinels(res.text, body, sentinels)).toEqual([]);
    }
    // A demo id in the tool arguments themselves is an unknown field, not a tenant switch.
    for (const field of ["tenantId", "tenant", "tenant_id", "tenantSlug"]) {
      const smuggled = await callTool(attacker, "query_metric", { metric: "gmv", window: "last_week", [field]: field === "tenantId" ? refs.tenantId : "demo" });
      expect(smuggled.errorCode, smuggled.text).toBe("invalid_arguments");
    }
  });

  it("resources and prompts: the same static catalogue, nothing of demo, demo URIs refused", async () => {
    const resources = (await attacker.listResources()).resources;
    expect(resources.length).toBeGreaterThan(0);
    expect(leakedSentinels(JSON.stringify(resources), "", sentinels)).toEqual([]);
    for (const resource of resources) {
      const read = await attacker.readResource({ uri: resource.uri });
      expect(leakedSentinels(JSON.stringify(read), "", sentinels), resource.uri).toEqual([]);
    }
    const demoUris = [
      `socode://metrics/gmv?tenant=${refs.tenantId}`,
      `socode://tenants/${refs.tenantId}`,
      `socode://members/${refs.member.id}`,
      `socode://metrics/../members/${refs.member.externalId}`,
      `socode://metrics/${refs.store.code}`,
      `socode://write-requests/${refs.writeRequestId}`,
      "file:///etc/passwd",
    ];
    for (const uri of demoUris) {
      const error = await attacker.readResource({ uri }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(error, uri).toBeInstanceOf(Error);
      expect(String(error), uri).toMatch(/-32602|Unknown resource/);
      expect(leakedSentinels(String(error), uri, sentinels)).toEqual([]);
    }
    const prompts = (await attacker.listPrompts()).prompts;
    expect(prompts.length).toBeGreaterThan(0);
    for (const prompt of prompts) {
      const args = Object.fromEntries((prompt.arguments ?? []).map((a) => [a.name, refs.store.id]));
      const got = await attacker.getPrompt({ name: prompt.name, arguments: args });
      expect(leakedSentinels(JSON.stringify(got), JSON.stringify(args), sentinels), prompt.name).toEqual([]);
    }
  });

  it("changed no row of demo, and every write request the attacker made is in demo-b", async () => {
    expect(await tenantChecksums(t.db, t.demoId)).toEqual(before);
    const made = await t.db.writeRequest.findMany({ where: { requesterKeyId: attackerKey.id } });
    expect(made.length).toBeGreaterThan(0); // the "ok" write cases above did queue requests…
    for (const request of made) expect(request.tenantId).toBe(t.demoBId); // …in demo-b only.
    const events = await t.db.auditEvent.findMany({ where: { actorId: attackerKey.id }, select: { tenantId: true } });
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((e) => e.tenantId))).toEqual(new Set([t.demoBId]));
  });
});
