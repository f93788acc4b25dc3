// The scope guard over MCP: every tool that needs a write scope (taken from the catalogue), called
// with valid arguments by every credential that lacks that scope — each preset, each other write
// scope, an expired and a revoked key — is refused with a stable code, audited, and absent from
// tools/list; nothing is queued. And approval cannot be smuggled in through the arguments.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { mayUse, requiredScopes } from "@/lib/governance/guard";
import { WRITE_SCOPES, type Preset, type Scope } from "@/lib/governance/scopes";
import { OPERATIONS } from "@/lib/operations/catalogue";
import type { Operation } from "@/lib/operations/operation";
import { testRuntime } from "@/test/database";
import { callTool, connectMcp, issueKey, postRaw, rpc, startTarget, type IssuedTestKey, type Target } from "./mcp-attacker";
import { waitForCacheEpochs } from "@/test/app-server";

const isWriteScope = (s: string) => (WRITE_SCOPES as readonly string[]).includes(s);
/** Every tool that needs a write scope: the write operations and the write-request tools. */
const WRITE_SCOPED: Operation[] = OPERATIONS.filter((op) => requiredScopes(op).some(isWriteScope));
const WRITES: Operation[] = OPERATIONS.filter((op) => op.kind === "write");

type Refs = {
  member: string;
  richMember: string;
  pool: string;
  freeCoupon: string;
  /** A pending request of tenant demo (for the write-request tools). */
  requestId: string;
};

/** Valid arguments per tool, so the scope is the only reason for a refusal. */
const VALID: Record<string, (r: Refs) => Record<string, unknown>> = {
  create_member: () => ({ externalId: "SCOPE-NEW-1", name: "Scope Probe", email: "scope.probe@example.com" }),
  update_member: (r) => ({ member: r.member, name: "Renamed By Scope Probe" }),
  change_member_tier: (r) => ({ member: r.member, tier: "Gold", reason: "scope probe" }),
  award_points: (r) => ({ member: r.member, points: 10, reason: "scope probe" }),
  redeem_points: (r) => ({ member: r.richMember, points: 1, reason: "scope probe" }),
  create_coupon_pool: () => ({ name: "Scope Probe Pool", discountType: "percent", discountValue: 10, initialCodes: 5 }),
  top_up_coupon_pool: () => ({ pool: "Summer", codes: 5 }),
  issue_coupon: (r) => ({ pool: r.pool, member: r.member }),
  void_coupon: (r) => ({ code: r.freeCoupon, reason: "scope probe" }),
  issue_ambassador_code: (r) => ({ member: r.member }),
  get_write_request: (r) => ({ requestId: r.requestId }),
  list_write_requests: () => ({}),
  cancel_write_request: (r) => ({ requestId: r.requestId }),
};

/** Fields an agent might add to get a write approved or redirected; all must fail validation. */
const SMUGGLED: { label: string; extra: () => Record<string, unknown>; field: string }[] = [
  { label: "approved: true", extra: () => ({ approved: true }), field: "approved" },
  { label: 'status: "approved"', extra: () => ({ status: "approved" }), field: "status" },
  { label: 'status: "executed"', extra: () => ({ status: "executed" }), field: "status" },
  { label: "approvedBy", extra: () => ({ approvedBy: "admin@demo.example", approver: "admin" }), field: "approvedBy" },
  { label: "autoApprove / execute", extra: () => ({ autoApprove: true, execute: true, dryRun: false }), field: "autoApprove" },
  { label: "tenantId of demo-b", extra: () => ({ tenantId: "__DEMO_B__" }), field: "tenantId" },
  { label: 'tenant: "demo-b"', extra: () => ({ tenant: "demo-b", tenant_id: "__DEMO_B__" }), field: "tenant" },
  { label: "requesterKeyId", extra: () => ({ requesterKeyId: "00000000-0000-4000-8000-000000000000" }), field: "requesterKeyId" },
  { label: "__proto__", extra: () => JSON.parse('{"__proto__": {"approved": true, "status": "approved"}}') as Record<string, unknown>, field: "__proto__" },
  { label: "constructor.prototype", extra: () => ({ constructor: { prototype: { approved: true } } }), field: "constructor" },
  { label: "prototype", extra: () => ({ prototype: { approved: true } }), field: "prototype" },
  { label: "preview", extra: () => ({ preview: { summary: "nothing to see", changes: [] } }), field: "preview" },
];

type Cred = { label: string; key: IssuedTestKey; scopes: string[]; client: Client; tools: Set<string> };

describe(`MCP scope guard on ${testRuntime()}`, () => {
  let t: Target;
  let refs: Refs;
  const creds: Cred[] = [];

  async function credential(label: string, preset: Preset, scopes: Scope[] = []): Promise<Cred> {
    const key = await issueKey(t.db, t.demoId, { preset, scopes, name: label });
    const stored = await t.db.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    const client = await connectMcp(t.app, key.secret, `scope-${label}`);
    const tools = new Set((await client.listTools()).tools.map((tool) => tool.name));
    return { label, key, scopes: stored.scopes, client, tools };
  }

  const writeRequests = () => t.db.writeRequest.count();

  beforeAll(async () => {
    t = await startTarget();
    const { db, demoId } = t;
    const member = await db.member.findFirstOrThrow({ where: { tenantId: demoId, status: "active", tier: { name: "Bronze" } }, orderBy: { externalId: "asc" } });
    const rich = await db.member.findFirstOrThrow({ where: { tenantId: demoId, status: "active", pointsBalance: { gte: 10 } }, orderBy: { externalId: "asc" } });
    const free = await db.coupon.findFirstOrThrow({
      where: { tenantId: demoId, issuedAt: null, voidedAt: null, redeemedAt: null, pool: { OR: [{ validTo: null }, { validTo: { gt: new Date() } }] } },
      include: { pool: true },
    });
    const owner = await issueKey(db, demoId, { preset: "analyst", scopes: ["coupons:write"], name: "request owner" });
    const ownerClient = await connectMcp(t.app, owner.secret);
    const queued = await callTool(ownerClient, "top_up_coupon_pool", { pool: "Summer", codes: 1 });
    await ownerClient.close();
    refs = {
      member: member.externalId,
      richMember: rich.externalId,
      pool: free.pool.name,
      freeCoupon: free.code,
      requestId: (queued.result.structuredContent as { requestId: string }).requestId,
    };
    creds.push(await credential("preset metrics:read", "metrics:read"));
    creds.push(await credential("preset analyst", "analyst"));
    creds.push(await credential("analyst + members:pii", "analyst", ["members:pii"]));
    for (const scope of WRITE_SCOPES) creds.push(await credential(`analyst + ${scope}`, "analyst", [scope]));
  });

  afterAll(async () => {
    for (const cred of creds) await cred.client.close();
    await t?.stop();
  });

  it("knows valid arguments for every write-scoped tool in the catalogue", () => {
    expect(WRITE_SCOPED.length).toBeGreaterThan(WRITES.length);
    expect(WRITE_SCOPED.map((op) => op.name).filter((name) => !VALID[name])).toEqual([]);
  });

  it.each(WRITE_SCOPED.map((op) => op.name))("%s works with its scope (the arguments are valid)", async (name) => {
    const op = WRITE_SCOPED.find((o) => o.name === name) as Operation;
    const cred = creds.find((c) => c.scopes.filter(isWriteScope).length === 1 && mayUse(c.scopes, op)) as Cred;
    expect(cred.tools.has(name)).toBe(true);
    let args = VALID[name]?.(refs) ?? {};
    if (name === "get_write_request" || name === "cancel_write_request") {
      // Its own request: another key's request is not found (tested below).
      const own = WRITES.find((w) => mayUse(cred.scopes, w)) as Operation;
      const queued = await callTool(cred.client, own.name, VALID[own.name]?.(refs) ?? {});
      args = { requestId: (queued.result.structuredContent as { requestId: string }).requestId };
    }
    const answer = await callTool(cred.client, name, args);
    expect(answer.isError, answer.text).toBe(false);
    if (op.kind === "write") expect(answer.result.structuredContent).toMatchObject({ status: "pending_approval", operation: name });
  });

  it.each(WRITE_SCOPED.map((op) => op.name))("%s is hidden from and refused for every credential without its scope, and audited", async (name) => {
    const op = WRITE_SCOPED.find((o) => o.name === name) as Operation;
    const needed = requiredScopes(op).join(" or ");
    const lacking = creds.filter((c) => !mayUse(c.scopes, op));
    // Each preset and members:pii; for a write, also every other write scope.
    expect(lacking.length).toBe(op.kind === "write" ? 3 + WRITE_SCOPES.length - requiredScopes(op).length : 3);
    const queuedBefore = await writeRequests();
    for (const cred of lacking) {
      expect(cred.tools.has(name), `${cred.label} sees ${name} in tools/list`).toBe(false);
      const auditBefore = await t.db.auditEvent.count({ where: { tenantId: t.demoId, actorId: cred.key.id, action: name, outcome: "denied", errorCode: "missing_scope" } });
      const answer = await callTool(cred.client, name, VALID[name]?.(refs) ?? {});
      expect(answer.isError, `${cred.label}: ${answer.text}`).toBe(true);
      expect(answer.errorCode, `${cred.label}: ${answer.text}`).toBe("missing_scope");
      expect(answer.text).toContain(`lacks the scope ${needed}`);
      expect(answer.result.structuredContent).toBeUndefined();
      const auditAfter = await t.db.auditEvent.count({ where: { tenantId: t.demoId, actorId: cred.key.id, action: name, outcome: "denied", errorCode: "missing_scope" } });
      expect(auditAfter, `${cred.label}: the refusal of ${name} is audited`).toBe(auditBefore + 1);
    }
    expect(await writeRequests()).toBe(queuedBefore);
    // The other key's pending request is untouched by those calls.
    expect((await t.db.writeRequest.findUniqueOrThrow({ where: { id: refs.requestId } })).status).toBe("pending");
  });

  it.each(["expired", "revoked"] as const)("an %s key holding every scope is refused before any tool runs, and audited", async (kind) => {
    const key = await issueKey(t.db, t.demoId, { scopes: "all", name: `${kind} key`, expiresAt: kind === "expired" ? new Date(Date.now() - 1000) : null });
    if (kind === "revoked") await t.db.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    const auth = { Authorization: `Bearer ${key.secret}` };
    await expect(connectMcp(t.app, key.secret)).rejects.toThrow();
    const listed = await postRaw(t.app.mcpUrl, rpc("tools/list"), auth);
    expect(listed.status).toBe(401);
    for (const op of WRITE_SCOPED) {
      const res = await postRaw(t.app.mcpUrl, rpc("tools/call", { name: op.name, arguments: VALID[op.name]?.(refs) ?? {} }), auth);
      expect(res.status, `${op.name}: ${res.text}`).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
      const body = JSON.parse(res.text) as { error: { code: number; message: string } };
      expect(body.error.code).toBe(-32001);
      expect(body.error.message).toMatch(kind);
    }
    expect(await t.db.writeRequest.count({ where: { requesterKeyId: key.id } })).toBe(0);
    const events = await t.db.auditEvent.findMany({ where: { actorId: key.id } });
    // initialize (SDK), tools/list and one per tool: all refused at authentication, in demo's chain.
    expect(events.length).toBe(2 + WRITE_SCOPED.length);
    for (const event of events) expect(event).toMatchObject({ tenantId: t.demoId, action: "mcp.authenticate", outcome: "denied", errorCode: `auth_${kind}` });
  });

  it("re-checks the key: revoked or narrowed while connected, calls are refused once the change reaches the app (≤ 250 ms)", async () => {
    const revoked = await issueKey(t.db, t.demoId, { preset: "analyst", scopes: ["coupons:write"], name: "revoked while connected" });
    const client = await connectMcp(t.app, revoked.secret);
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("top_up_coupon_pool");
    await t.db.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    await waitForCacheEpochs();
    await expect(client.callTool({ name: "top_up_coupon_pool", arguments: { pool: "Summer", codes: 5 } })).rejects.toThrow(/401|revoked/i);
    await client.close();

    const narrowed = await issueKey(t.db, t.demoId, { preset: "analyst", scopes: ["coupons:write", "points:write"], name: "narrowed while connected" });
    const second = await connectMcp(t.app, narrowed.secret);
    expect((await second.listTools()).tools.map((tool) => tool.name)).toContain("top_up_coupon_pool");
    await t.db.apiKey.update({ where: { id: narrowed.id }, data: { scopes: ["metrics:read", "members:read", "coupons:read", "points:write"] } });
    await waitForCacheEpochs();
    const answer = await callTool(second, "top_up_coupon_pool", { pool: "Summer", codes: 5 });
    expect(answer.errorCode).toBe("missing_scope");
    expect((await second.listTools()).tools.map((tool) => tool.name)).not.toContain("top_up_coupon_pool");
    await second.close();
    expect(await t.db.writeRequest.count({ where: { requesterKeyId: { in: [revoked.id, narrowed.id] } } })).toBe(0);
  });

  it("never shows or reads another key's write request, even in the same tenant", async () => {
    const other = creds.find((c) => c.label === "analyst + coupons:write") as Cred;
    for (const tool of ["get_write_request", "cancel_write_request"]) {
      const answer = await callTool(other.client, tool, { requestId: refs.requestId });
      expect(answer.errorCode, answer.text).toBe("not_found");
    }
    const listed = (await callTool(other.client, "list_write_requests", { limit: 50 })).result.structuredContent as { requests: { id: string }[] };
    expect(listed.requests.map((r) => r.id)).not.toContain(refs.requestId);
    expect((await t.db.writeRequest.findUniqueOrThrow({ where: { id: refs.requestId } })).status).toBe("pending");
  });

  describe("smuggling approval or another tenant through the arguments", () => {
    let smuggler: IssuedTestKey;
    let client: Client;

    beforeAll(async () => {
      smuggler = await issueKey(t.db, t.demoId, { scopes: "all", name: "smuggler" });
      client = await connectMcp(t.app, smuggler.secret, "smuggler");
    });
    afterAll(async () => {
      await client?.close();
    });

    it.each(WRITES.map((op) => op.name))("%s: every smuggled field is refused by the schema, audited as sent, and queues nothing", async (name) => {
      for (const { label, extra, field } of SMUGGLED) {
        const added = JSON.parse(JSON.stringify(extra()).replaceAll("__DEMO_B__", t.demoBId)) as Record<string, unknown>;
        // Spread would drop an own "__proto__" key; build the object from entries instead.
        const args = Object.fromEntries([...Object.entries(VALID[name]?.(refs) ?? {}), ...Object.entries(added)]);
        expect(Object.keys(args)).toContain(field);
        const answer = await callTool(client, name, args);
        expect(answer.isError, `${name} + ${label}: ${answer.text}`).toBe(true);
        expect(answer.errorCode, `${name} + ${label}: ${answer.text}`).toBe("invalid_arguments");
        const event = await t.db.auditEvent.findFirstOrThrow({ where: { actorId: smuggler.id, action: name }, orderBy: { id: "desc" } });
        expect(event).toMatchObject({ tenantId: t.demoId, outcome: "denied", errorCode: "invalid_arguments" });
        expect(Object.keys(event.arguments as Record<string, unknown>), `${name} + ${label}: the audit shows what was sent`).toContain(field);
      }
      expect(await t.db.writeRequest.count({ where: { requesterKeyId: smuggler.id } })).toBe(0);
    });

    it("the same requests without the smuggled fields queue pending requests, and nothing is approved", async () => {
      for (const op of WRITES) {
        const answer = await callTool(client, op.name, VALID[op.name]?.(refs) ?? {});
        expect(answer.result.structuredContent, `${op.name}: ${answer.text}`).toMatchObject({ status: "pending_approval" });
      }
      const made = await t.db.writeRequest.findMany({ where: { requesterKeyId: smuggler.id } });
      expect(made.length).toBe(WRITES.length);
      for (const request of made) expect(request).toMatchObject({ tenantId: t.demoId, status: "pending", decidedAt: null, executedAt: null });
      // Only a human's decision moves a request on; the one cancelled request is the cancel test's own.
      expect(await t.db.writeRequest.count({ where: { status: { notIn: ["pending", "cancelled"] } } })).toBe(0);
    });

    it("offers no way to approve over MCP", async () => {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names.filter((n) => /approv|reject|decid|execut/i.test(n))).toEqual([]);
      for (const name of ["approve_write_request", "reject_write_request", "execute_write_request"]) {
        const answer = await callTool(client, name, { requestId: refs.requestId });
        expect(answer.errorCode).toBe("unknown_operation");
      }
      for (const method of ["writes/approve", "write_requests/approve", "tools/approve"]) {
        const res = await postRaw(t.app.mcpUrl, rpc(method, { requestId: refs.requestId }), { Authorization: `Bearer ${smuggler.secret}` });
        expect((JSON.parse(res.text) as { error?: { code: number } }).error?.code, res.text).toBe(-32601);
      }
      expect((await t.db.writeRequest.findUniqueOrThrow({ where: { id: refs.requestId } })).status).toBe("pending");
    });
  });

  it("left audit chains that still verify, refusals and smuggled fields included", async () => {
    for (const tenantId of [t.demoId, t.demoBId, null]) expect(await verifyAuditChain(t.db, tenantId)).toMatchObject({ ok: true });
  });
});
