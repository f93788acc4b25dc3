// /api/mcp end to end: the built app on a real port, spoken to only through the official SDK client
// (and raw fetch for the transport-level refusals a client library would never send).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKeySecret, issueApiKey } from "@/lib/auth/api-keys";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { driverPool } from "@/lib/db/client";
import { seedDemo } from "@/lib/demo/seed-demo";
import { resolveConsoleAccess } from "@/lib/console/access";
import { updateKeyWriteLimits } from "@/lib/console/key-limits";
import { approveWriteRequest } from "@/lib/operations/approve-write-request";
import type { Preset, Scope } from "@/lib/governance/scopes";
import { startApp, waitForCacheEpochs, type RunningApp } from "@/test/app-server";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";

const METRIC_TOOLS = ["list_metrics", "describe_metric", "query_metric", "explain_change", "list_dimension_values"];

describe(`/api/mcp on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let app: RunningApp;
  let demoId: string;
  let demoBId: string;
  let httpRequests = 0;
  const countingFetch: typeof fetch = (input, init) => {
    httpRequests += 1;
    return fetch(input, init);
  };

  async function key(tenantId: string, preset: Preset, scopes: Scope[] = [], expiresAt: Date | null = null) {
    return (await issueApiKey(database.db, { tenantId, name: `test ${preset}`, preset, grantedScopes: scopes, expiresAt })).secret;
  }

  async function connect(secret: string, base = app) {
    const client = new Client({ name: "socode-tests", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(base.mcpUrl), {
      requestInit: { headers: { Authorization: `Bearer ${secret}` } },
      fetch: countingFetch,
    });
    await client.connect(transport);
    return client;
  }

  async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  }

  function raw(init: RequestInit & { headers?: Record<string, string> }, url = app.mcpUrl) {
    httpRequests += 1;
    return fetch(url, {
      method: "POST",
      ...init,
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...init.headers },
    });
  }

  const initialize = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } },
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    await seedDemo(database.db, { scale: "small" });
    demoId = (await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } })).id;
    demoBId = (await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo-b" } })).id;
    app = await startApp(database);
  });
  afterAll(async () => {
    await app?.stop();
    await database?.close();
  });

  it("initializes, names itself and lists only the metric tools for a metrics:read key", async () => {
    const client = await connect(await key(demoId, "metrics:read"));
    expect(client.getServerVersion()?.name).toBe("socode");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...METRIC_TOOLS].sort());
    for (const tool of tools) {
      expect(tool.annotations?.readOnlyHint).toBe(true);
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type).toBe("object");
    }
    const resources = await client.listResources();
    expect(resources.resources.map((r) => r.uri)).toContain("socode://metrics/gmv");
    const gmv = await client.readResource({ uri: "socode://metrics/gmv" });
    expect(JSON.stringify(gmv.contents)).toMatch(/completed orders/i);
    expect((await client.listPrompts()).prompts.map((p) => p.name)).toContain("redemption_drop_diagnosis");
    await client.close();
  });

  it("shows member and coupon tools to an analyst key", async () => {
    const client = await connect(await key(demoId, "analyst"));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining([...METRIC_TOOLS, "search_members", "get_member", "list_coupon_pools", "get_coupon_pool"]));
    await client.close();
  });

  it("answers the seed questions with certified numbers and provenance", async () => {
    const client = await connect(await key(demoId, "metrics:read"));
    const gmv = await call(client, "query_metric", { metric: "gmv", window: "last_week", groupBy: "store" });
    expect(gmv.isError).toBeFalsy();
    const gmvOut = gmv.structuredContent as { rows: unknown[]; provenance: { metric: string; version: number; timeZone: string; window: { from: string; to: string }; dataFreshness: string | null } };
    expect(gmvOut.rows).toHaveLength(12);
    expect(gmvOut.provenance).toMatchObject({ metric: "gmv", timeZone: "America/New_York" });
    expect(gmvOut.provenance.dataFreshness).not.toBeNull();

    const why = await call(client, "explain_change", { metric: "redemptions", window: "last_week", compareTo: "prior_week", dimensions: "coupon_pool" });
    const whyOut = why.structuredContent as { topDrivers: { label: string }[] };
    expect(whyOut.topDrivers[0]?.label).toMatch(/summer/i);

    const rate = await call(client, "query_metric", { metric: "redemption_rate", window: "last_14_days", groupBy: "coupon_pool" });
    expect((rate.structuredContent as { rows: unknown[] }).rows.length).toBeGreaterThan(2);

    const active = await call(client, "query_metric", { metric: "active_members", window: "last_30_days", compareTo: "previous_period", groupBy: "tier" });
    const tiers = (active.structuredContent as { rows: { dimensions: { tier: { label: string } }; change?: { relative: string | null } }[] }).rows;
    const silver = tiers.find((r) => r.dimensions.tier.label === "Silver");
    expect(Number(silver?.change?.relative)).toBeLessThan(-0.1);
    expect(active.content[0]).toMatchObject({ type: "text" });
    await client.close();
  });

  it("refuses what it cannot ground, with suggestions, as a tool error", async () => {
    const client = await connect(await key(demoId, "metrics:read"));
    const unknown = await call(client, "query_metric", { metric: "gmvv", window: "last_week" });
    expect(unknown.isError).toBe(true);
    const text = JSON.stringify(unknown.content);
    expect(text).toMatch(/not_grounded/);
    expect(text).toMatch(/gmv/);
    const badFilter = await call(client, "query_metric", { metric: "gmv", window: "last_week", filters: { tier: "Platinum" } });
    expect(badFilter.isError).toBe(true);
    expect(JSON.stringify(badFilter.content)).toMatch(/Platinum/);
    const smuggled = await call(client, "query_metric", { metric: "gmv", window: "last_week", tenantId: demoBId });
    expect(smuggled.isError).toBe(true);
    expect(JSON.stringify(smuggled.content)).toMatch(/unknown field.*tenantId/);
    await client.close();
  });

  it("holds a key to its write limits: refused when asked beyond a cap, and at execution after an admin lowered it", async () => {
    const mkUser = async (email: string, roles: ("admin" | "approver")[]) => {
      const user = await database.db.user.create({ data: { email, name: email } });
      await database.db.membership.create({ data: { tenantId: demoId, userId: user.id, roles } });
      return user.id;
    };
    const adminId = await mkUser("limits-admin@demo.test", ["admin"]);
    const approverId = await mkUser("limits-approver@demo.test", ["approver"]);
    const { key: row, secret } = await issueApiKey(database.db, {
      tenantId: demoId,
      name: "limited ops agent",
      preset: "analyst",
      grantedScopes: ["points:write", "coupons:write"],
      issuerId: adminId,
      writeLimits: { maxPointsPerRequest: 500, maxCodesPerRequest: 100, allowedPools: ["Summer"] },
    });
    const client = await connect(secret);
    const member = await database.db.member.findFirstOrThrow({ where: { tenantId: demoId, status: "active" } });

    // At request time: refused before anything is queued, the cap named, the denial audited.
    const tooMany = await call(client, "award_points", { member: member.id, points: 501, reason: "limit test" });
    expect(tooMany.isError).toBe(true);
    expect(JSON.stringify(tooMany.content)).toContain("This key may award at most 500 points per request (501 requested); ask an admin to raise the limit.");
    const otherPool = await call(client, "top_up_coupon_pool", { pool: "VIP", codes: 10 });
    expect(otherPool.isError).toBe(true);
    expect(JSON.stringify(otherPool.content)).toMatch(/may only write to the coupon pools Summer, not VIP/);
    expect(await database.db.writeRequest.count({ where: { requesterKeyId: row.id } })).toBe(0);
    expect(await database.db.auditEvent.findFirst({ where: { tenantId: demoId, actorId: row.id, action: "award_points" }, orderBy: { id: "desc" } })).toMatchObject({
      outcome: "denied",
      errorCode: "limit_exceeded",
    });

    // Within the caps: queued. Then the admin lowers the codes cap; the approver cannot execute beyond it.
    const asked = await call(client, "top_up_coupon_pool", { pool: "summer", codes: 100 });
    expect(asked.isError).toBeFalsy();
    const { requestId } = asked.structuredContent as { requestId: string };
    const access = await resolveConsoleAccess(database.db, adminId, "demo");
    if (!access.ok) throw new Error("admin access");
    await updateKeyWriteLimits(database.db, access, row.id, { maxCodesPerRequest: "50", allowedPools: "Summer" });
    expect(await database.db.auditEvent.findFirst({ where: { tenantId: demoId, action: "key.limits", target: `key:${row.id}` } })).toMatchObject({ outcome: "ok", actorId: adminId });

    const poolBefore = await database.db.couponPool.findFirstOrThrow({ where: { tenantId: demoId, name: "Summer" } });
    const decision = await approveWriteRequest(database.db, { tenantId: demoId, requestId, decider: { userId: approverId, surface: "console" } });
    expect(decision.outcome).toBe("failed");
    expect((await database.db.couponPool.findUniqueOrThrow({ where: { id: poolBefore.id } })).size).toBe(poolBefore.size);
    const status = await call(client, "get_write_request", { requestId });
    expect(status.structuredContent).toMatchObject({
      status: "failed",
      error: { code: "limit_exceeded", message: "This key may add at most 50 coupon codes per request (100 requested); ask an admin to raise the limit." },
    });
    await client.close();
  });

  it("refuses a tool outside the key's scopes, naming the missing scope, and audits it", async () => {
    const client = await connect(await key(demoId, "metrics:read"));
    const denied = await call(client, "search_members", { query: "a" });
    expect(denied.isError).toBe(true);
    expect(JSON.stringify(denied.content)).toMatch(/lacks the scope members:read/);
    const event = await database.db.auditEvent.findFirst({ where: { tenantId: demoId, action: "search_members" }, orderBy: { id: "desc" } });
    expect(event).toMatchObject({ outcome: "denied", errorCode: "missing_scope" });
    await client.close();
  });

  it("masks member contact details unless the key holds members:pii", async () => {
    const masked = await connect(await key(demoId, "analyst"));
    const found = await call(masked, "search_members", { limit: 1 });
    const member = (found.structuredContent as { members: { id: string; email: string | null }[] }).members[0];
    expect(member?.email).toMatch(/^\w\*\*\*@/);
    const pii = await connect(await key(demoId, "analyst", ["members:pii"]));
    const full = await call(pii, "get_member", { member: member?.id ?? "" });
    expect((full.structuredContent as { email: string }).email).not.toContain("***");
    await masked.close();
    await pii.close();
  });

  it("keeps a demo-b key inside demo-b whatever ids it sends", async () => {
    const demoMember = await database.db.member.findFirstOrThrow({ where: { tenantId: demoId } });
    const demoStore = await database.db.store.findFirstOrThrow({ where: { tenantId: demoId } });
    const demoPool = await database.db.couponPool.findFirstOrThrow({ where: { tenantId: demoId } });
    const client = await connect(await key(demoBId, "analyst"));
    const member = await call(client, "get_member", { member: demoMember.id });
    expect(member.isError).toBe(true);
    expect(JSON.stringify(member.content)).toMatch(/not_found/);
    const pool = await call(client, "get_coupon_pool", { pool: demoPool.id });
    expect(pool.isError).toBe(true);
    const byStore = await call(client, "query_metric", { metric: "gmv", window: "last_week", filters: { store: demoStore.id } });
    expect(byStore.isError).toBe(true);
    const stores = await call(client, "list_dimension_values", { dimension: "store" });
    const ids = (stores.structuredContent as { values: { id: string }[] }).values.map((v) => v.id);
    expect(ids).not.toContain(demoStore.id);
    const gmv = await call(client, "query_metric", { metric: "gmv", window: "last_week" });
    expect((gmv.structuredContent as { provenance: { timeZone: string } }).provenance.timeZone).toBe("Europe/Berlin");
    await client.close();
  });

  it("runs the operator loop: top up Summer by 500 → pending → approved → the next reads show it", async () => {
    const approver = await database.db.user.create({ data: { email: "approver@loop.test", name: "Approver" } });
    await database.db.membership.create({ data: { tenantId: demoId, userId: approver.id, roles: ["approver"] } });
    const client = await connect(await key(demoId, "analyst", ["coupons:write"]));
    const tools = (await client.listTools()).tools;
    const topUpTool = tools.find((t) => t.name === "top_up_coupon_pool");
    expect(topUpTool?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(tools.map((t) => t.name)).not.toContain("award_points");

    const before = (await call(client, "get_coupon_pool", { pool: "Summer" })).structuredContent as { size: number; remaining: number };
    const asked = await call(client, "top_up_coupon_pool", { pool: "the summer pool", codes: 500 });
    const receipt = asked.structuredContent as { requestId: string; status: string; preview: { changes: { field: string; before: number; after: number }[] } };
    expect(receipt.status).toBe("pending_approval");
    expect(receipt.preview.changes).toContainEqual({ target: "pool Summer", field: "remaining codes", before: before.remaining, after: before.remaining + 500 });
    expect(((await call(client, "get_coupon_pool", { pool: "Summer" })).structuredContent as { size: number }).size).toBe(before.size);

    await approveWriteRequest(database.db, { tenantId: demoId, requestId: receipt.requestId, decider: { userId: approver.id, surface: "console" } });
    const status = await call(client, "get_write_request", { requestId: receipt.requestId });
    expect(status.structuredContent).toMatchObject({ status: "executed", result: { added: 500 } });
    const after = (await call(client, "get_coupon_pool", { pool: "Summer" })).structuredContent as { size: number; remaining: number };
    expect(after).toMatchObject({ size: before.size + 500, remaining: before.remaining + 500 });

    // The metric layer sees the next issued coupon (rollups are kept current by the write).
    const issuedToday = async () => {
      const r = await call(client, "query_metric", { metric: "coupons_issued", window: "today", filters: { coupon_pool: "Summer" } });
      return r.isError ? 0 : Number((r.structuredContent as { total: { current: string } }).total.current);
    };
    const issuedBefore = await issuedToday();
    const someone = await database.db.member.findFirstOrThrow({ where: { tenantId: demoId, status: "active" } });
    const issue = await call(client, "issue_coupon", { pool: "Summer", member: someone.externalId });
    await approveWriteRequest(database.db, {
      tenantId: demoId,
      requestId: (issue.structuredContent as { requestId: string }).requestId,
      decider: { userId: approver.id, surface: "console" },
    });
    // Approved from this (test) process: the app's metric caches follow the semantic cache epoch.
    await waitForCacheEpochs();
    expect(await issuedToday()).toBe(issuedBefore + 1);
    await client.close();
  });

  it("answers 401 with WWW-Authenticate for missing, unknown, revoked and expired keys", async () => {
    const missing = await raw({ body: initialize });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer realm="socode"/);
    const unknown = await raw({ body: initialize, headers: { Authorization: "Bearer sc_live_" + "x".repeat(43) } });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);

    const secret = await key(demoId, "metrics:read");
    const client = await connect(secret);
    await client.listTools();
    const stored = await database.db.apiKey.findFirstOrThrow({ where: { tenantId: demoId }, orderBy: { createdAt: "desc" } });
    await database.db.apiKey.update({ where: { id: stored.id }, data: { revokedAt: new Date() } });
    // Revocation applies to every request once the credentials cache epoch is re-read (≤ 250 ms).
    await waitForCacheEpochs();
    await expect(client.listTools()).rejects.toThrow(/401|revoked/i);
    const revoked = await raw({ body: initialize, headers: { Authorization: `Bearer ${secret}` } });
    expect(revoked.status).toBe(401);
    expect(await revoked.text()).toMatch(/revoked/);

    const expired = await raw({ body: initialize, headers: { Authorization: `Bearer ${await key(demoId, "metrics:read", [], new Date(Date.now() - 1000))}` } });
    expect(expired.status).toBe(401);
    expect(await expired.text()).toMatch(/expired/);
    const denied = await database.db.auditEvent.findMany({ where: { action: "mcp.authenticate" } });
    expect(denied.map((e) => e.errorCode)).toEqual(expect.arrayContaining(["auth_missing", "auth_unknown", "auth_revoked", "auth_expired"]));
    expect(denied.find((e) => e.errorCode === "auth_revoked")?.tenantId).toBe(demoId);
  });

  it("refuses bad origins, keys in URLs, unknown protocol versions, oversized bodies, batches and GET", async () => {
    const auth = { Authorization: `Bearer ${await key(demoId, "metrics:read")}` };
    const origin = await raw({ body: initialize, headers: { ...auth, Origin: "https://evil.example" } });
    expect(origin.status).toBe(403);
    const inUrl = await raw({ body: initialize, headers: auth }, `${app.mcpUrl}?api_key=sc_live_abc`);
    expect(inUrl.status).toBe(400);
    const version = await raw({ body: initialize, headers: { ...auth, "MCP-Protocol-Version": "1999-01-01" } });
    expect(version.status).toBe(400);
    const big = await raw({ body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(2 * 1024 * 1024) } }), headers: auth });
    expect(big.status).toBe(413);
    const batch = await raw({ body: `[${initialize}]`, headers: auth });
    expect(batch.status).toBe(400);
    const malformed = await raw({ body: "{not json", headers: auth });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()) as unknown).toMatchObject({ error: { code: -32700 } });
    const get = await fetch(app.mcpUrl, { headers: { ...auth, Accept: "text/event-stream" } });
    httpRequests += 1;
    expect(get.status).toBe(405);
    // The server is still up and answering.
    expect((await raw({ body: initialize, headers: auth })).status).toBe(200);
  });

  it("answers a notification with 202 and no body, and a client that cannot take JSON and an event stream with an audited 406", async () => {
    const issued = await issueApiKey(database.db, { tenantId: demoId, name: "accept test", preset: "metrics:read" });
    const auth = { Authorization: `Bearer ${issued.secret}`, "MCP-Protocol-Version": "2025-06-18" };
    const notification = await raw({ body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), headers: auth });
    expect(notification.status).toBe(202);
    expect(await notification.text()).toBe("");
    const toolCall = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "list_metrics", arguments: {} } });
    for (const accept of ["application/json", "text/event-stream", "*/*"]) {
      const refused = await raw({ body: toolCall, headers: { ...auth, Accept: accept } });
      expect(refused.status).toBe(406);
      expect((await refused.json()) as unknown).toMatchObject({ error: { code: -32000, message: expect.stringContaining("application/json and text/event-stream") } });
    }
    const events = await database.db.auditEvent.findMany({ where: { actorId: issued.key.id }, orderBy: { seq: "asc" }, select: { action: true, outcome: true, errorCode: true } });
    expect(events).toEqual([
      { action: "notifications/initialized", outcome: "ok", errorCode: null },
      ...Array.from({ length: 3 }, () => ({ action: "tools/call", outcome: "denied", errorCode: "not_acceptable" })),
    ]);
    const answered = await raw({ body: toolCall, headers: auth });
    expect(answered.status).toBe(200);
    expect((await answered.json()) as unknown).toMatchObject({ jsonrpc: "2.0", id: 7, result: { structuredContent: expect.anything() } });
  });

  it("wrote one audit event per HTTP request, and the chains verify", async () => {
    const events = await database.db.auditEvent.count({ where: { surface: "mcp" } });
    expect(events).toBe(httpRequests);
    for (const tenantId of [demoId, demoBId, null]) {
      expect(await verifyAuditChain(database.db, tenantId)).toMatchObject({ ok: true });
    }
    const init = await database.db.auditEvent.findFirst({ where: { action: "initialize", clientName: "socode-tests" } });
    expect(init?.clientVersion).toBe("1.0.0");
  });

  it("with two app instances: a revocation stops the key on both within the cache epoch bound, and Redis shares the rate limit", async () => {
    const redis = { REDIS_URL: "redis://127.0.0.1:6379", SOCODE_RATE_LIMIT_PER_MINUTE: "4" };
    const [one, two] = await Promise.all([startApp(database, redis), startApp(database, redis)]);
    try {
      const secret = await key(demoId, "metrics:read");
      const auth = { Authorization: `Bearer ${secret}` };
      expect((await raw({ body: initialize, headers: auth }, one.mcpUrl)).status).toBe(200);
      expect((await raw({ body: initialize, headers: auth }, two.mcpUrl)).status).toBe(200);
      // Two more requests spread over both instances use up the shared limit of 4 per minute…
      const statuses = [];
      for (const app of [one, two, one, two]) statuses.push((await raw({ body: initialize, headers: auth }, app.mcpUrl)).status);
      // …unless the minute rolled over between requests, which resets the window once at most.
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);

      const other = await key(demoId, "metrics:read");
      const otherAuth = { Authorization: `Bearer ${other}` };
      expect((await raw({ body: initialize, headers: otherAuth }, two.mcpUrl)).status).toBe(200);
      await database.db.apiKey.updateMany({ where: { secretHash: hashKeySecret(other) }, data: { revokedAt: new Date() } });
      await waitForCacheEpochs();
      const after = await Promise.all([one, two].map((app) => raw({ body: initialize, headers: otherAuth }, app.mcpUrl)));
      expect(after.map((r) => r.status)).toEqual([401, 401]);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });

  it("rate-limits a key with 429 and Retry-After", async () => {
    const limited = await startApp(database, { SOCODE_RATE_LIMIT_PER_MINUTE: "3" });
    try {
      const auth = { Authorization: `Bearer ${await key(demoId, "metrics:read")}` };
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const res = await raw({ body: initialize, headers: auth }, limited.mcpUrl);
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get("retry-after");
      }
      // The window may roll over once between requests; at most 3 per window pass.
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      await limited.stop();
    }
  });
  // Only a PostgreSQL server has backends to terminate; PGlite runs in this process.
  it.skipIf(testRuntime() !== "postgres")("answers 503 + Retry-After when the database connection of an in-flight tool call goes away", async () => {
    const secret = await key(demoId, "metrics:read");
    const warm = await connect(secret);
    expect((await call(warm, "query_metric", { metric: "gmv", window: "last_week", groupBy: "store" })).isError).toBeFalsy();
    await warm.close();
    const pool = driverPool(database.db);
    const locker = await pool.connect();
    try {
      // Hold the rollup table so the tool call's query waits on it, then cut that query's connection
      // the way a PostgreSQL restart does (SQLSTATE 57P01). Found as the backend this lock blocks: a
      // named prepared statement waits in Bind, where pg_stat_activity still shows its previous query.
      await locker.query("BEGIN");
      await locker.query('LOCK TABLE "rollup_order_days" IN ACCESS EXCLUSIVE MODE');
      const answer = raw({
        body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "query_metric", arguments: { metric: "gmv", window: "last_week", groupBy: "store" } } }),
        headers: { Authorization: `Bearer ${secret}` },
      });
      let terminated = 0;
      for (let i = 0; i < 200 && terminated === 0; i++) {
        const rows = await locker.query(
          `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
            WHERE datname = current_database() AND pg_backend_pid() = ANY(pg_blocking_pids(pid))`,
        );
        terminated = rows.rowCount ?? 0;
        if (!terminated) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const activity = terminated ? [] : (await locker.query("SELECT wait_event_type, state, left(query, 80) AS query FROM pg_stat_activity WHERE datname = current_database()")).rows;
      expect({ terminated: terminated > 0, activity, logs: terminated ? "" : app.logs().slice(-3000) }).toEqual({ terminated: true, activity: [], logs: "" });
      await locker.query("ROLLBACK");
      const res = await answer;
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await res.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32603, message: expect.stringMatching(/database is unavailable/) } });
      // Audited as an error with its reason, and the next call works (the pool reconnected).
      expect(await database.db.auditEvent.findFirst({ where: { tenantId: demoId, action: "query_metric", errorCode: "database_unavailable" } })).toMatchObject({ outcome: "error" });
      const client = await connect(secret);
      expect((await call(client, "query_metric", { metric: "gmv", window: "last_week" })).isError).toBeFalsy();
      await client.close();
    } finally {
      await locker.query("ROLLBACK").catch(() => {});
      locker.release();
    }
  });
});
