import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import type { Tenant } from "@/lib/generated/prisma/client";
import { invokeOperation, type InvocationContext } from "@/lib/operations/invoke";
import type { Preset, Scope } from "@/lib/governance/scopes";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { approveWriteRequest } from "@/lib/operations/approve-write-request";
import { rejectWriteRequest } from "./decide-write-request";
import type { WriteReceipt } from "./receipt";

describe(`governed writes on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let tenant: Tenant;
  let other: Tenant;
  const users: Record<"issuer" | "approver" | "auditor" | "otherApprover", string> = { issuer: "", approver: "", auditor: "", otherApprover: "" };
  let poolId: string;

  async function member(externalId: string, points = 0) {
    const tier = await database.db.tier.findFirstOrThrow({ where: { tenantId: tenant.id } });
    const m = await database.db.member.create({
      data: { tenantId: tenant.id, externalId, name: `Member ${externalId}`, tierId: tier.id, joinedAt: new Date("2026-01-01"), pointsBalance: points },
    });
    if (points) {
      await database.db.pointsEntry.create({ data: { tenantId: tenant.id, memberId: m.id, kind: "award", delta: points, balanceAfter: points, reason: "opening" } });
    }
    return m;
  }

  async function agent(scopes: Scope[], preset: Preset = "metrics:read", t: Tenant = tenant): Promise<InvocationContext> {
    const { key } = await issueApiKey(database.db, { tenantId: t.id, name: "agent", preset, grantedScopes: scopes, issuerId: users.issuer });
    return {
      db: database.db,
      tenant: t,
      credential: { type: "key", id: key.id, tenantId: t.id, scopes: key.scopes, issuerId: key.issuerId, label: "agent" },
      requestId: crypto.randomUUID(),
      now: new Date(),
      surface: "mcp",
    };
  }

  async function request(ctx: InvocationContext, name: string, args: Record<string, unknown>): Promise<WriteReceipt> {
    const result = await invokeOperation({ ...ctx, requestId: crypto.randomUUID(), now: new Date() }, name, args);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.output as WriteReceipt;
  }

  const approve = (requestId: string, userId = users.approver, tenantId = tenant.id) =>
    approveWriteRequest(database.db, { tenantId, requestId, decider: { userId, surface: "console" } });

  async function ledgerMatchesBalance(memberId: string) {
    const m = await database.db.member.findUniqueOrThrow({ where: { id: memberId } });
    const sum = await database.db.pointsEntry.aggregate({ where: { memberId }, _sum: { delta: true } });
    return { balance: m.pointsBalance, ledger: sum._sum.delta ?? 0 };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const { db } = database;
    tenant = await db.tenant.create({ data: { slug: "shop", name: "Shop", timeZone: "Europe/Berlin", currency: "EUR" } });
    other = await db.tenant.create({ data: { slug: "other", name: "Other" } });
    for (const t of [tenant, other]) {
      await db.tier.createMany({ data: [{ tenantId: t.id, name: "Bronze", rank: 1 }, { tenantId: t.id, name: "Silver", rank: 2 }, { tenantId: t.id, name: "Gold", rank: 3 }] });
    }
    await db.store.create({ data: { tenantId: tenant.id, code: "S01", name: "Main Street", region: "North" } });
    const mk = async (email: string, t: Tenant, roles: ("admin" | "approver" | "auditor")[]) => {
      const u = await db.user.create({ data: { email, name: email } });
      await db.membership.create({ data: { tenantId: t.id, userId: u.id, roles } });
      return u.id;
    };
    users.issuer = await mk("issuer@shop.test", tenant, ["admin", "approver"]);
    users.approver = await mk("approver@shop.test", tenant, ["approver"]);
    users.auditor = await mk("auditor@shop.test", tenant, ["auditor"]);
    users.otherApprover = await mk("approver@other.test", other, ["approver"]);
    const pool = await db.couponPool.create({ data: { tenantId: tenant.id, name: "Summer", discountType: "percent", discountValue: 10, validFrom: new Date("2026-01-01"), size: 0 } });
    poolId = pool.id;
  });
  afterAll(() => database?.close());

  it("tops up the Summer pool by 500 codes: pending with a preview, then executed exactly as approved", async () => {
    const ctx = await agent(["coupons:write"], "analyst");
    const receipt = await request(ctx, "top_up_coupon_pool", { pool: "the summer pool", codes: 500 });
    expect(receipt.status).toBe("pending_approval");
    expect(receipt.preview.changes).toContainEqual({ target: "pool Summer", field: "size", before: 0, after: 500 });
    // Asking changed nothing.
    expect(await database.db.coupon.count({ where: { poolId } })).toBe(0);

    const { outcome, request: done } = await approve(receipt.requestId);
    expect(outcome).toBe("executed");
    expect(done.result).toMatchObject({ added: 500, sizeBefore: 0, sizeAfter: 500 });
    const codes = await database.db.coupon.findMany({ where: { poolId }, select: { code: true } });
    expect(codes).toHaveLength(500);
    expect(new Set(codes.map((c) => c.code)).size).toBe(500);
    expect((await database.db.couponPool.findUniqueOrThrow({ where: { id: poolId } })).size).toBe(500);

    const trail = await database.db.auditEvent.findMany({ where: { writeRequestId: receipt.requestId }, orderBy: { seq: "asc" } });
    expect(trail.map((e) => [e.action, e.outcome])).toEqual([
      ["top_up_coupon_pool", "pending"],
      ["write.approve", "ok"],
      ["top_up_coupon_pool.execute", "ok"],
    ]);
    expect(await verifyAuditChain(database.db, tenant.id)).toMatchObject({ ok: true });
  });

  it("refuses self-approval, non-approvers and approvers of another tenant, changing nothing", async () => {
    const m = await member("self-1", 100);
    const ctx = await agent(["points:write"]);
    const receipt = await request(ctx, "award_points", { member: "self-1", points: 50, reason: "goodwill" });
    await expect(approve(receipt.requestId, users.issuer)).rejects.toMatchObject({ code: "four_eyes" });
    await expect(approve(receipt.requestId, users.auditor)).rejects.toMatchObject({ code: "forbidden" });
    await expect(approve(receipt.requestId, users.otherApprover, other.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(approve(receipt.requestId, users.otherApprover)).rejects.toMatchObject({ code: "forbidden" });
    expect((await database.db.member.findUniqueOrThrow({ where: { id: m.id } })).pointsBalance).toBe(100);
    expect((await database.db.writeRequest.findUniqueOrThrow({ where: { id: receipt.requestId } })).status).toBe("pending");
    const denials = await database.db.auditEvent.findMany({ where: { writeRequestId: receipt.requestId, outcome: "denied" } });
    expect(denials.map((d) => d.errorCode).sort()).toEqual(["forbidden", "forbidden", "four_eyes"]);
  });

  it("refuses a request whose stored arguments were tampered with", async () => {
    const m = await member("tamper-1", 0);
    const receipt = await request(await agent(["points:write"]), "award_points", { member: "tamper-1", points: 10, reason: "promo" });
    await database.db.$executeRaw`UPDATE write_requests SET arguments = jsonb_set(arguments, '{points}', '100000') WHERE id = ${receipt.requestId}::uuid`;
    const { outcome, request: failed } = await approve(receipt.requestId);
    expect(outcome).toBe("failed");
    expect(failed.error).toMatchObject({ code: "arguments_tampered" });
    expect((await database.db.member.findUniqueOrThrow({ where: { id: m.id } })).pointsBalance).toBe(0);
  });

  it("expires requests, and never executes a rejected or decided one", async () => {
    await member("late-1", 0);
    const ctx = await agent(["points:write"]);
    const stale = await invokeOperation({ ...ctx, now: new Date(Date.now() - 48 * 3_600_000) }, "award_points", { member: "late-1", points: 5, reason: "old" });
    if (!stale.ok) throw new Error(stale.error.message);
    const staleId = (stale.output as WriteReceipt).requestId;
    expect((await approve(staleId)).outcome).toBe("expired");
    await expect(approve(staleId)).rejects.toMatchObject({ code: "request_not_pending" });

    const receipt = await request(ctx, "award_points", { member: "late-1", points: 5, reason: "nope" });
    await expect(rejectWriteRequest(database.db, { tenantId: tenant.id, requestId: receipt.requestId, decider: { userId: users.approver, surface: "console" }, reason: "" })).rejects.toMatchObject({ code: "invalid_arguments" });
    expect((await rejectWriteRequest(database.db, { tenantId: tenant.id, requestId: receipt.requestId, decider: { userId: users.approver, surface: "console" }, reason: "not justified" })).outcome).toBe("rejected");
    await expect(approve(receipt.requestId)).rejects.toMatchObject({ code: "request_not_pending" });
    expect((await ledgerMatchesBalance((await database.db.member.findFirstOrThrow({ where: { externalId: "late-1" } })).id)).balance).toBe(0);
  });

  it.each([
    ["award_points", { member: "x", points: 0, reason: "zero" }, "invalid_arguments"],
    ["award_points", { member: "x", points: -5, reason: "negative" }, "invalid_arguments"],
    ["award_points", { member: "x", points: 5_000_000, reason: "too many" }, "invalid_arguments"],
    ["award_points", { member: "x", points: 5, reason: "ok", approved: true }, "invalid_arguments"],
    ["award_points", { member: "x", points: 5, reason: "ok", tenantId: "someone-else" }, "invalid_arguments"],
    ["award_points", { member: "nobody-here", points: 5, reason: "unknown" }, "not_found"],
    ["top_up_coupon_pool", { pool: "Winter", codes: 10 }, "not_found"],
    ["top_up_coupon_pool", { pool: "Summer", codes: 50_000 }, "invalid_arguments"],
    ["redeem_points", { member: "x", points: 5, reason: "needs points:write" }, "missing_scope"],
  ])("refuses %s %j with %s and stores nothing", async (name, args, code) => {
    const scopes: Scope[] = code === "missing_scope" ? ["coupons:write"] : ["points:write", "coupons:write"];
    const before = await database.db.writeRequest.count();
    const result = await invokeOperation(await agent(scopes), name, args);
    expect(result).toMatchObject({ ok: false, error: { code } });
    expect(await database.db.writeRequest.count()).toBe(before);
  });

  it("returns the existing request for a repeated idempotency key, and refuses the key for different arguments", async () => {
    await member("idem-1", 0);
    const ctx = await agent(["points:write"]);
    const first = await request(ctx, "award_points", { member: "idem-1", points: 7, reason: "retry-safe", idempotencyKey: "req-000001" });
    const again = await request(ctx, "award_points", { member: "idem-1", points: 7, reason: "retry-safe", idempotencyKey: "req-000001" });
    expect(again).toMatchObject({ requestId: first.requestId, existing: true });
    const different = await invokeOperation(ctx, "award_points", { member: "idem-1", points: 8, reason: "retry-safe", idempotencyKey: "req-000001" });
    expect(different).toMatchObject({ ok: false, error: { code: "conflict" } });
  });

  it("re-checks invariants at approval: a redemption whose preview no longer holds fails cleanly", async () => {
    const m = await member("redeem-1", 100);
    const ctx = await agent(["points:write"]);
    const a = await request(ctx, "redeem_points", { member: "redeem-1", points: 80, reason: "gift card" });
    const b = await request(ctx, "redeem_points", { member: "redeem-1", points: 80, reason: "gift card again" });
    expect((await approve(a.requestId)).outcome).toBe("executed");
    const second = await approve(b.requestId);
    expect(second.outcome).toBe("failed");
    expect(second.request.error).toMatchObject({ code: "invariant_violated" });
    expect(await ledgerMatchesBalance(m.id)).toEqual({ balance: 20, ledger: 20 });
  });

  it("executes one request once under 50 simultaneous approvals", async () => {
    const m = await member("once-1", 0);
    const receipt = await request(await agent(["points:write"]), "award_points", { member: "once-1", points: 10, reason: "double click" });
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => approve(receipt.requestId)));
    const executed = results.filter((r) => r.status === "fulfilled" && r.value.outcome === "executed");
    expect(executed).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "request_not_pending" });
    expect(await ledgerMatchesBalance(m.id)).toEqual({ balance: 10, ledger: 10 });
    expect(await database.db.auditEvent.count({ where: { writeRequestId: receipt.requestId, action: "award_points.execute" } })).toBe(1);
  });

  it("never drives a balance negative under 200 concurrent redemptions", async () => {
    const m = await member("rush-1", 1000);
    const ctx = await agent(["points:write"]);
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push((await request(ctx, "redeem_points", { member: "rush-1", points: 10, reason: `rush ${i}` })).requestId);
    const outcomes = await Promise.all(ids.map((id) => approve(id).then((r) => r.outcome)));
    expect(outcomes.filter((o) => o === "executed")).toHaveLength(100);
    expect(outcomes.filter((o) => o === "failed")).toHaveLength(100);
    expect(await ledgerMatchesBalance(m.id)).toEqual({ balance: 0, ledger: 0 });
    const negative = await database.db.pointsEntry.count({ where: { memberId: m.id, balanceAfter: { lt: 0 } } });
    expect(negative).toBe(0);
  });

  it("never produces a duplicate code under concurrent top-ups and issues", async () => {
    const ctx = await agent(["coupons:write"]);
    const members = await Promise.all(Array.from({ length: 40 }, (_, i) => member(`issue-${i}`)));
    const topUps = await Promise.all(Array.from({ length: 4 }, () => request(ctx, "top_up_coupon_pool", { pool: "Summer", codes: 250 })));
    const issues: WriteReceipt[] = [];
    for (const m of members) issues.push(await request(ctx, "issue_coupon", { pool: "Summer", member: m.externalId }));
    const outcomes = await Promise.all([...topUps, ...issues].map((r) => approve(r.requestId).then((d) => d.outcome)));
    expect(outcomes.every((o) => o === "executed")).toBe(true);
    const dupes = await database.db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM (SELECT code FROM coupons GROUP BY tenant_id, code HAVING count(*) > 1) d`;
    expect(Number(dupes[0]?.n)).toBe(0);
    const issued = await database.db.coupon.findMany({ where: { poolId, issuedAt: { not: null } }, select: { id: true, memberId: true } });
    expect(issued).toHaveLength(40);
    expect(new Set(issued.map((c) => c.memberId)).size).toBe(40);
    expect((await database.db.couponPool.findUniqueOrThrow({ where: { id: poolId } })).size).toBe(500 + 1000);
  });

  it("fails clearly when a pool is empty", async () => {
    await database.db.couponPool.create({ data: { tenantId: tenant.id, name: "Tiny", discountType: "amount", discountValue: 500, validFrom: new Date("2026-01-01") } });
    await member("empty-1");
    const result = await invokeOperation(await agent(["coupons:write"]), "issue_coupon", { pool: "Tiny", member: "empty-1" });
    expect(result).toMatchObject({ ok: false, error: { code: "invariant_violated" } });
    if (!result.ok) expect(result.error.message).toMatch(/no codes left.*top_up_coupon_pool/);
  });

  it("creates, updates and re-tiers members and issues ambassador codes, as previewed", async () => {
    const ctx = await agent(["members:write", "ambassadors:write"]);
    const created = await request(ctx, "create_member", { externalId: "new-1", name: "Ana Lima", email: "Ana@Example.com", tier: "silver", homeStore: "store S01" });
    expect((await approve(created.requestId)).outcome).toBe("executed");
    const ana = await database.db.member.findFirstOrThrow({ where: { tenantId: tenant.id, externalId: "new-1" }, include: { tier: true } });
    expect(ana).toMatchObject({ email: "ana@example.com", tier: { name: "Silver" } });

    const tier = await request(ctx, "change_member_tier", { member: "new-1", tier: "Gold", reason: "VIP event" });
    expect(tier.preview.changes).toEqual([{ target: "Ana Lima (new-1)", field: "tier", before: "Silver", after: "Gold" }]);
    await approve(tier.requestId);
    const update = await request(ctx, "update_member", { member: "new-1", phone: "+49 30 1234567" });
    await approve(update.requestId);
    const code = await request(ctx, "issue_ambassador_code", { member: "new-1" });
    const promised = code.preview.changes[0]?.after;
    expect(promised).toMatch(/^ANA-[A-Z2-9]{5}$/);
    const done = await approve(code.requestId);
    expect(done.request.result).toMatchObject({ code: promised });
    const final = await database.db.member.findUniqueOrThrow({ where: { id: ana.id }, include: { tier: true, ambassadors: true } });
    expect(final.tier.name).toBe("Gold");
    expect(final.phone).toBe("+49 30 1234567");
    expect(final.ambassadors.map((a) => a.code)).toEqual([promised]);
  });
});
