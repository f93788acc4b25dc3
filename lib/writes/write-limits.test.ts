// Per-key write limits against a real database: refused when the request is queued (nothing stored,
// the denial audited), and again when an approver executes it after an admin lowered the limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import type { Tenant } from "@/lib/generated/prisma/client";
import type { Scope } from "@/lib/governance/scopes";
import { storedWriteLimits, type WriteLimits } from "@/lib/governance/write-limits";
import { approveWriteRequest } from "@/lib/operations/approve-write-request";
import { invokeOperation, type InvocationContext } from "@/lib/operations/invoke";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { startOfTenantDay } from "./enforce-write-limits";
import type { WriteReceipt } from "./receipt";

describe(`write limits on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let tenant: Tenant;
  const users = { issuer: "", approver: "" };

  async function agent(scopes: Scope[], limits: WriteLimits): Promise<InvocationContext & { keyId: string }> {
    const { key } = await issueApiKey(database.db, { tenantId: tenant.id, name: "limited agent", preset: "analyst", grantedScopes: scopes, issuerId: users.issuer, writeLimits: limits });
    return {
      keyId: key.id,
      db: database.db,
      tenant,
      // As lib/mcp/authenticate.ts builds it: the limits read from the key row.
      credential: { type: "key", id: key.id, tenantId: tenant.id, scopes: key.scopes, limits: storedWriteLimits(key.writeLimits), issuerId: key.issuerId, label: "limited agent" },
      requestId: crypto.randomUUID(),
      now: new Date(),
      surface: "mcp",
    };
  }

  const call = (ctx: InvocationContext, name: string, args: Record<string, unknown>) => invokeOperation({ ...ctx, requestId: crypto.randomUUID(), now: new Date() }, name, args);
  const approve = (requestId: string) => approveWriteRequest(database.db, { tenantId: tenant.id, requestId, decider: { userId: users.approver, surface: "console" } });
  const queued = (keyId: string) => database.db.writeRequest.count({ where: { requesterKeyId: keyId } });

  beforeAll(async () => {
    database = await createTestDatabase();
    const { db } = database;
    tenant = await db.tenant.create({ data: { slug: "shop", name: "Shop", timeZone: "Pacific/Auckland", currency: "EUR" } });
    await db.tier.createMany({ data: [{ tenantId: tenant.id, name: "Bronze", rank: 1 }, { tenantId: tenant.id, name: "Silver", rank: 2 }, { tenantId: tenant.id, name: "Gold", rank: 3 }] });
    const tiers = await db.tier.findMany({ where: { tenantId: tenant.id } });
    const tierId = (name: string) => tiers.find((t) => t.name === name)?.id ?? "";
    for (const [externalId, tier] of [["bronze-1", "Bronze"], ["gold-1", "Gold"], ["silver-1", "Silver"]] as const) {
      await db.member.create({ data: { tenantId: tenant.id, externalId, name: externalId, tierId: tierId(tier), joinedAt: new Date("2026-01-01"), pointsBalance: 5_000 } });
    }
    for (const name of ["Summer", "Winter"]) {
      await db.couponPool.create({ data: { tenantId: tenant.id, name, discountType: "percent", discountValue: 10, validFrom: new Date("2026-01-01") } });
    }
    const mk = async (email: string, roles: ("admin" | "approver")[]) => {
      const u = await db.user.create({ data: { email, name: email } });
      await db.membership.create({ data: { tenantId: tenant.id, userId: u.id, roles } });
      return u.id;
    };
    users.issuer = await mk("admin@shop.test", ["admin"]);
    users.approver = await mk("approver@shop.test", ["approver"]);
  });
  afterAll(() => database?.close());

  it("refuses a request beyond each cap before anything is queued, naming the cap, and audits the denial", async () => {
    const ctx = await agent(["points:write", "coupons:write", "members:write"], {
      maxPointsPerRequest: 500,
      maxCodesPerRequest: 100,
      allowedTiers: ["Bronze", "Silver"],
      allowedPools: ["Summer"],
    });
    const cases: [string, Record<string, unknown>, string][] = [
      ["award_points", { member: "bronze-1", points: 501, reason: "goodwill" }, "This key may award at most 500 points per request (501 requested); ask an admin to raise the limit."],
      ["redeem_points", { member: "bronze-1", points: 600, reason: "reward" }, "This key may redeem at most 500 points per request (600 requested); ask an admin to raise the limit."],
      ["top_up_coupon_pool", { pool: "Summer", codes: 101 }, "This key may add at most 100 coupon codes per request (101 requested); ask an admin to raise the limit."],
      ["create_coupon_pool", { name: "Summer 2", discountType: "percent", discountValue: 5, initialCodes: 50 }, "This key may only write to the coupon pools Summer, not Summer 2; ask an admin to allow that pool."],
      ["top_up_coupon_pool", { pool: "winter", codes: 10 }, "This key may only write to the coupon pools Summer, not Winter; ask an admin to allow that pool."],
      ["award_points", { member: "gold-1", points: 10, reason: "goodwill" }, "This key may only write to members of the tiers Bronze, Silver, not Gold; ask an admin to allow that tier."],
      ["change_member_tier", { member: "silver-1", tier: "Gold", reason: "promotion" }, "This key may only write to members of the tiers Bronze, Silver, not Gold; ask an admin to allow that tier."],
    ];
    for (const [name, args, message] of cases) {
      const result = await call(ctx, name, args);
      expect(result.ok, name).toBe(false);
      if (!result.ok) expect(result.error.toJSON(), name).toMatchObject({ code: "limit_exceeded", message });
    }
    expect(await queued(ctx.keyId)).toBe(0);
    const denials = await database.db.auditEvent.findMany({ where: { tenantId: tenant.id, actorId: ctx.keyId }, orderBy: { seq: "asc" } });
    expect(denials.map((e) => [e.action, e.outcome, e.errorCode])).toEqual(cases.map(([name]) => [name, "denied", "limit_exceeded"]));

    // Within every cap: queued as usual.
    for (const [name, args] of [
      ["award_points", { member: "bronze-1", points: 500, reason: "goodwill" }],
      ["top_up_coupon_pool", { pool: "SUMMER", codes: 100 }],
      ["change_member_tier", { member: "bronze-1", tier: "Silver", reason: "promotion" }],
    ] as const) {
      const result = await call(ctx, name, args);
      expect(result.ok, name).toBe(true);
    }
    expect(await queued(ctx.keyId)).toBe(3);
  });

  it("refuses at execution when an admin lowered the limit after the request was queued: nothing changes, the refusal is recorded", async () => {
    const ctx = await agent(["points:write"], { maxPointsPerRequest: 1_000 });
    const result = await call(ctx, "award_points", { member: "silver-1", points: 800, reason: "apology" });
    expect(result.ok).toBe(true);
    const receipt = (result as { output: WriteReceipt }).output;
    await database.db.apiKey.update({ where: { id: ctx.keyId }, data: { writeLimits: { maxPointsPerRequest: 500 } } });

    const before = await database.db.member.findFirstOrThrow({ where: { tenantId: tenant.id, externalId: "silver-1" } });
    const decision = await approve(receipt.requestId);
    expect(decision.outcome).toBe("failed");
    expect(decision.request.error).toEqual({ code: "limit_exceeded", message: "This key may award at most 500 points per request (800 requested); ask an admin to raise the limit." });
    const after = await database.db.member.findUniqueOrThrow({ where: { id: before.id } });
    expect(after.pointsBalance).toBe(before.pointsBalance);
    expect(await database.db.pointsEntry.count({ where: { writeRequestId: receipt.requestId } })).toBe(0);
    const trail = await database.db.auditEvent.findMany({ where: { writeRequestId: receipt.requestId }, orderBy: { seq: "asc" } });
    expect(trail.map((e) => [e.action, e.outcome, e.errorCode])).toEqual([
      ["award_points", "pending", null],
      ["write.approve", "ok", null],
      ["award_points.execute", "denied", "limit_exceeded"],
    ]);

    // Raised again, a new request of the same size executes.
    await database.db.apiKey.update({ where: { id: ctx.keyId }, data: { writeLimits: { maxPointsPerRequest: 1_000 } } });
    const again = await call(ctx, "award_points", { member: "silver-1", points: 800, reason: "apology" });
    expect((await approve((again as { output: WriteReceipt }).output.requestId)).outcome).toBe("executed");
  });

  it("counts write requests per day in the tenant's time zone, at request and at execution", async () => {
    const ctx = await agent(["points:write"], { maxWritesPerDay: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const result = await call(ctx, "award_points", { member: "bronze-1", points: 1, reason: `day ${i}` });
      expect(result.ok).toBe(true);
      ids.push((result as { output: WriteReceipt }).output.requestId);
    }
    const third = await call(ctx, "award_points", { member: "bronze-1", points: 1, reason: "day 3" });
    expect(third.ok).toBe(false);
    if (!third.ok) {
      expect(third.error.code).toBe("limit_exceeded");
      expect(third.error.message).toBe("This key may request at most 2 writes per day and has reached it today; try again tomorrow, or ask an admin to raise the limit.");
    }
    expect(await queued(ctx.keyId)).toBe(2);

    // Lowered to 1 while both wait: the first executes, the second would be the key's second write today.
    await database.db.apiKey.update({ where: { id: ctx.keyId }, data: { writeLimits: { maxWritesPerDay: 1 } } });
    expect((await approve(ids[0] ?? "")).outcome).toBe("executed");
    const second = await approve(ids[1] ?? "");
    expect(second.outcome).toBe("failed");
    expect(second.request.error).toMatchObject({ code: "limit_exceeded", message: expect.stringContaining("may have at most 1 write executed per day") });
  });

  it("lets no more than the daily cap through when requests race", async () => {
    const ctx = await agent(["points:write"], { maxWritesPerDay: 3 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => call(ctx, "award_points", { member: "bronze-1", points: 1, reason: `race ${i}` })));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual(Array(5).fill("limit_exceeded"));
    expect(await queued(ctx.keyId)).toBe(3);
    expect(await verifyAuditChain(database.db, tenant.id)).toMatchObject({ ok: true });
  });

  it("starts the day at the tenant's local midnight", () => {
    // 11:30 UTC on 3 Dec is 00:30 on 4 Dec in Auckland (UTC+13 in summer).
    expect(startOfTenantDay(new Date("2026-12-03T11:30:00Z"), "Pacific/Auckland").toISOString()).toBe("2026-12-03T11:00:00.000Z");
    expect(startOfTenantDay(new Date("2026-12-03T10:30:00Z"), "Pacific/Auckland").toISOString()).toBe("2026-12-02T11:00:00.000Z");
    expect(startOfTenantDay(new Date("2026-12-03T10:30:00Z"), "UTC").toISOString()).toBe("2026-12-03T00:00:00.000Z");
  });
});
