// The approvals queue on a real database: what an approver sees for an agent's request, the
// four-eyes explanation, reject-needs-a-reason, the executed result in words, and the history.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import type { Tenant } from "@/lib/generated/prisma/client";
import { invokeOperation } from "@/lib/operations/invoke";
import { WriteReceiptSchema, type WriteReceipt } from "@/lib/writes/receipt";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import type { ConsoleAccess } from "./access";
import {
  FOUR_EYES_EXPLANATION,
  approvalsSnapshot,
  countPendingApprovals,
  decideApproval,
  describeAge,
  describeExpiry,
  displayValue,
  listDecidedApprovals,
  listPendingApprovals,
} from "./approvals";

describe(`approvals queue on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let tenant: Tenant;
  let other: Tenant;
  const people: Record<"issuer" | "approver" | "otherApprover", ConsoleAccess["user"]> = {
    issuer: { id: "", email: "", name: "" },
    approver: { id: "", email: "", name: "" },
    otherApprover: { id: "", email: "", name: "" },
  };
  const as = (user: ConsoleAccess["user"], t: Tenant = tenant) => ({ user, tenant: { id: t.id, slug: t.slug, name: t.name, timeZone: t.timeZone, currency: t.currency } });

  async function ask(operation: string, args: Record<string, unknown>, scopes: ("coupons:write" | "points:write")[]): Promise<WriteReceipt> {
    const { key } = await issueApiKey(database.db, { tenantId: tenant.id, name: "Ops agent", preset: "analyst", grantedScopes: scopes, issuerId: people.issuer.id });
    const result = await invokeOperation(
      {
        db: database.db,
        tenant,
        credential: { type: "key", id: key.id, tenantId: tenant.id, scopes: key.scopes, issuerId: key.issuerId, label: "Ops agent" },
        requestId: crypto.randomUUID(),
        now: new Date(),
        surface: "mcp",
      },
      operation,
      args,
    );
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return WriteReceiptSchema.parse(result.output);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const { db } = database;
    tenant = await db.tenant.create({ data: { slug: "shop", name: "Shop", timeZone: "Europe/Berlin", currency: "EUR" } });
    other = await db.tenant.create({ data: { slug: "other", name: "Other" } });
    await db.tier.createMany({ data: [{ tenantId: tenant.id, name: "Bronze", rank: 1 }] });
    const mk = async (email: string, t: Tenant, roles: ("admin" | "approver")[]) => {
      const u = await db.user.create({ data: { email, name: email } });
      await db.membership.create({ data: { tenantId: t.id, userId: u.id, roles } });
      return { id: u.id, email, name: email };
    };
    people.issuer = await mk("issuer@shop.test", tenant, ["admin", "approver"]);
    people.approver = await mk("approver@shop.test", tenant, ["approver"]);
    people.otherApprover = await mk("approver@other.test", other, ["approver"]);
    await db.couponPool.create({ data: { tenantId: tenant.id, name: "Summer", discountType: "percent", discountValue: 10, validFrom: new Date("2026-01-01"), size: 0 } });
  });
  afterAll(() => database?.close());

  it("shows a pending request in plain words with key, issuer, arguments and the before → after preview", async () => {
    const receipt = await ask("top_up_coupon_pool", { pool: "Summer", codes: 500 }, ["coupons:write"]);
    const [item] = await listPendingApprovals(database.db, tenant.id, people.approver.id);
    expect(item).toMatchObject({
      id: receipt.requestId,
      operationTitle: "Top up a coupon pool",
      summary: 'Add 500 new codes to pool "Summer".',
      requester: { keyName: "Ops agent", issuerEmail: "issuer@shop.test" },
      status: "pending_approval",
      selfIssued: false,
    });
    expect(item?.requester?.keyPrefix).toMatch(/^sc_live_/);
    expect(item?.changes).toContainEqual({ target: "pool Summer", field: "size", before: "0", after: "500" });
    expect(JSON.parse(item?.argumentsJson ?? "null")).toMatchObject({ pool: "Summer", codes: 500 });
    expect(await countPendingApprovals(database.db, tenant.id)).toBe(1);
    // Another tenant's approver sees none of it.
    expect(await listPendingApprovals(database.db, other.id, people.otherApprover.id)).toEqual([]);
  });

  it("marks the issuer's own key's request and explains the four-eyes rule when they try", async () => {
    const [item] = await listPendingApprovals(database.db, tenant.id, people.issuer.id);
    expect(item?.selfIssued).toBe(true);
    const refused = await decideApproval(database.db, as(people.issuer), { decision: "approve", requestId: item?.id });
    expect(refused).toEqual({ status: "error", code: "four_eyes", message: FOUR_EYES_EXPLANATION });
    expect(await countPendingApprovals(database.db, tenant.id)).toBe(1);
  });

  it("never decides another tenant's request, whatever id is posted", async () => {
    const [item] = await listPendingApprovals(database.db, tenant.id, people.approver.id);
    const refused = await decideApproval(database.db, as(people.otherApprover, other), { decision: "approve", requestId: item?.id });
    expect(refused).toMatchObject({ status: "error", code: "not_found" });
    expect(await countPendingApprovals(database.db, tenant.id)).toBe(1);
  });

  it("approves and reports the executed result in the operation's words", async () => {
    const [item] = await listPendingApprovals(database.db, tenant.id, people.approver.id);
    const outcome = await decideApproval(database.db, as(people.approver), { decision: "approve", requestId: item?.id });
    expect(outcome).toMatchObject({ status: "decided", outcome: "executed" });
    if (outcome.status !== "decided") return;
    expect(outcome.message).toBe("Approved and executed. Added 500 codes to Summer: size 0 → 500.");
    expect(outcome.item).toMatchObject({ status: "executed", decidedBy: "approver@shop.test" });
    // Deciding twice changes nothing and says why.
    const again = await decideApproval(database.db, as(people.approver), { decision: "approve", requestId: item?.id });
    expect(again).toMatchObject({ status: "error", code: "request_not_pending" });
    expect(await database.db.coupon.count()).toBe(500);
  });

  it("requires a reason to reject, then records it for the history", async () => {
    const receipt = await ask("top_up_coupon_pool", { pool: "Summer", codes: 20 }, ["coupons:write"]);
    const noReason = await decideApproval(database.db, as(people.approver), { decision: "reject", requestId: receipt.requestId, reason: "  " });
    expect(noReason).toMatchObject({ status: "error", code: "invalid_input", message: expect.stringContaining("Give a reason") });
    expect(await countPendingApprovals(database.db, tenant.id)).toBe(1);

    const rejected = await decideApproval(database.db, as(people.approver), { decision: "reject", requestId: receipt.requestId, reason: "Campaign is over" });
    expect(rejected).toMatchObject({ status: "decided", outcome: "rejected" });

    const history = await listDecidedApprovals(database.db, tenant.id, people.approver.id);
    expect(history.map((h) => [h.status, h.outcomeText, h.decidedBy])).toEqual([
      ["rejected", "Rejected: Campaign is over", "approver@shop.test"],
      ["executed", "Added 500 codes to Summer: size 0 → 500.", "approver@shop.test"],
    ]);
    const snapshot = await approvalsSnapshot(database.db, tenant.id, people.approver.id);
    expect(snapshot.pending).toEqual([]);
    expect(snapshot.history).toHaveLength(2);
  });

  it("moves an expired request out of the queue into the history", async () => {
    const receipt = await ask("top_up_coupon_pool", { pool: "Summer", codes: 5 }, ["coupons:write"]);
    const later = new Date(Date.parse(receipt.expiresAt) + 1000);
    expect(await listPendingApprovals(database.db, tenant.id, people.approver.id, later)).toEqual([]);
    const [first] = await listDecidedApprovals(database.db, tenant.id, people.approver.id, later);
    expect(first).toMatchObject({ id: receipt.requestId, status: "expired", outcomeText: expect.stringContaining("Expired") });
  });

  it("says times and values in words", () => {
    const now = "2026-11-24T12:00:00.000Z";
    expect(describeAge("2026-11-24T11:59:30.000Z", now)).toBe("asked just now");
    expect(describeAge("2026-11-24T11:55:00.000Z", now)).toBe("asked 5 min ago");
    expect(describeAge("2026-11-24T09:30:00.000Z", now)).toBe("asked 2 h 30 min ago");
    expect(describeExpiry("2026-11-25T11:00:00.000Z", now)).toBe("expires in 23 h");
    expect(describeExpiry("2026-11-24T10:00:00.000Z", now)).toBe("expired 2 h ago");
    expect(displayValue("Gold")).toBe("Gold");
    expect(displayValue(500)).toBe("500");
    expect(displayValue(null)).toBe("—");
  });
});
