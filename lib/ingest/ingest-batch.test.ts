// The ingest core against a real database: validation, idempotency, all-or-nothing, references,
// rollups following the facts, freshness and the one audit event per batch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/database";
import { queryMetric } from "@/lib/semantic/query-metric";
import { rebuildRollups } from "@/lib/semantic/rollups";
import { ingestBatch, type IngestBatchInput } from "./ingest-batch";
import type { IngestKindName } from "./records";

let t: TestDatabase;
let tenant: { id: string; slug: string; timeZone: string; currency: string };
const NOW = new Date("2026-11-24T15:00:00.000Z");

beforeAll(async () => {
  t = await createTestDatabase();
  const row = await t.db.tenant.create({ data: { slug: "ingest-core", name: "Ingest core", timeZone: "America/New_York", currency: "USD" } });
  tenant = { id: row.id, slug: row.slug, timeZone: row.timeZone, currency: row.currency };
}, 120_000);
afterAll(async () => {
  await t?.close();
});

function batch(kind: IngestKindName, records: unknown[], extra: Partial<IngestBatchInput> = {}) {
  return ingestBatch(t.db, {
    tenant,
    kind,
    source: "pos",
    rows: records.map((value, i) => ({ row: i + 1, value })),
    partial: false,
    actor: { type: "system", id: null, label: "test" },
    surface: "ingest",
    now: NOW,
    ...extra,
  });
}

const stores = [
  { id: "S01", name: "Downtown", region: "East" },
  { id: "S02", name: "Harbour", region: "West" },
];
const members = [
  { id: "M1", name: "Ada", tier: "Silver", tierRank: 1, homeStore: "S01", joinedAt: "2026-10-01T10:00:00Z" },
  { id: "M2", name: "Bo", tier: "Gold", tierRank: 2, joinedAt: "2026-10-02T10:00:00Z" },
];
const order = (id: string, extra: Record<string, unknown> = {}) => ({ id, store: "S01", member: "M1", placedAt: "2026-11-20T14:00:00Z", total: "12.50", currency: "USD", channel: "store", ...extra });

describe("ingestBatch", () => {
  it("creates stores and members (with new tiers), and a re-send is all duplicates", async () => {
    expect((await batch("stores", stores)).counts).toEqual({ received: 2, accepted: 2, duplicate: 0, rejected: 0 });
    const m = await batch("members", members);
    expect(m.outcome).toBe("accepted");
    expect(await t.db.tier.count({ where: { tenantId: tenant.id } })).toBe(2);
    const again = await batch("members", members);
    expect(again.counts).toMatchObject({ accepted: 0, duplicate: 2, rejected: 0 });
    expect(await t.db.member.count({ where: { tenantId: tenant.id } })).toBe(2);
  });

  it("all-or-nothing: one bad order and nothing is written; the report names row, field and reason", async () => {
    const r = await batch("orders", [order("O1"), order("O2", { store: "S99" }), order("O3", { total: "-1" }), "not an object", order("O4", { placedAt: "2027-01-01T00:00:00Z" })]);
    expect(r.outcome).toBe("rejected");
    expect(r.rejected.map((x) => [x.row, x.field, x.code])).toEqual([
      [3, "total", "invalid_record"],
      [4, null, "invalid_record"],
      [5, "placedAt", "future_date"],
    ]);
    // Database checks (unknown store) run only once the batch passed validation: partial shows them.
    expect(await t.db.order.count({ where: { tenantId: tenant.id } })).toBe(0);
    const partial = await batch("orders", [order("O1"), order("O2", { store: "S99" })], { partial: true });
    expect(partial.outcome).toBe("partial");
    expect(partial.rejected).toEqual([{ row: 2, id: "O2", field: "store", code: "unknown_store", reason: expect.stringContaining("S99") }]);
    expect(await t.db.order.count({ where: { tenantId: tenant.id } })).toBe(1);
  });

  it("an unknown reference rejects the whole batch unless partial", async () => {
    const r = await batch("orders", [order("O5"), order("O6", { member: "nobody" })]);
    expect(r.outcome).toBe("rejected");
    expect(r.rejected[0]).toMatchObject({ row: 2, field: "member", code: "unknown_member" });
    expect(await t.db.order.count({ where: { tenantId: tenant.id } })).toBe(1);
  });

  it("the same id with different content is refused; the same content is a duplicate", async () => {
    const r = await batch("orders", [order("O1"), order("O1", { total: "99.00" })], { partial: true });
    expect(r.duplicates).toEqual([{ row: 1, id: "O1" }]);
    expect(r.rejected[0]).toMatchObject({ row: 2, code: "changed_record" });
    const order1 = await t.db.order.findFirstOrThrow({ where: { tenantId: tenant.id } });
    expect(order1.totalMinor).toBe(1250n);
  });

  it("orders keep rollups current (built on the first fact batch), including late orders for past days", async () => {
    await batch("orders", [order("O7", { placedAt: "2026-10-03T12:00:00Z", total: "5.05", coupon: { code: "SUMMER-1", pool: "Summer" } })]);
    const rollup = await t.db.$queryRawUnsafe<{ day: string; gmv: string }[]>(
      `SELECT day::text, SUM(gmv_minor)::text AS gmv FROM rollup_order_days WHERE tenant_id = $1::uuid GROUP BY day ORDER BY day`,
      tenant.id,
    );
    expect(rollup).toEqual([
      { day: "2026-10-03", gmv: "505" },
      { day: "2026-11-20", gmv: "1250" },
    ]);
    const coupon = await t.db.coupon.findFirstOrThrow({ where: { tenantId: tenant.id, code: "SUMMER-1" } });
    expect(coupon.redeemedAt?.toISOString()).toBe("2026-10-03T12:00:00.000Z");
    const again = await batch("redemptions", [{ id: "R1", code: "SUMMER-1", pool: "Summer", redeemedAt: "2026-10-04T12:00:00Z" }]);
    expect(again.rejected[0]).toMatchObject({ code: "coupon_unusable", reason: expect.stringContaining("already redeemed") });
  });

  it("many small batches for one day: rollups take deltas, compact, and answer exactly as the raw facts", async () => {
    for (let i = 0; i < 70; i++) {
      const r = await batch("orders", [order(`D${i}`, { placedAt: "2026-11-21T15:00:00Z", member: i % 2 ? "M1" : "M2", total: "1.01" })]);
      expect(r.outcome).toBe("accepted");
    }
    const [day] = await t.db.$queryRawUnsafe<{ rows: number; orders: string; gmv: string }[]>(
      `SELECT COUNT(*)::int AS rows, SUM(orders)::text AS orders, SUM(gmv_minor)::text AS gmv FROM rollup_order_days WHERE tenant_id = $1::uuid AND day = '2026-11-21'`,
      tenant.id,
    );
    expect(day).toMatchObject({ orders: "70", gmv: "7070" });
    // Two keys (two tiers) that day; 70 delta rows were merged along the way.
    expect(day?.rows).toBeLessThanOrEqual(2 + 2 * 2 + 64);
    for (const metric of ["gmv", "active_members"]) {
      const input = { metric, window: { from: "2026-11-01", to: "2026-11-23" }, groupBy: "tier" };
      const viaRollups = await queryMetric(t.db, tenant, input, { now: NOW, path: "rollup" });
      const viaFacts = await queryMetric(t.db, tenant, input, { now: NOW, path: "raw" });
      expect(viaRollups.rows).toEqual(viaFacts.rows);
    }
  });

  it("points keep the balance equal to the ledger and never negative", async () => {
    const r = await batch(
      "points",
      [
        { id: "P1", member: "M1", kind: "award", points: 100, occurredAt: "2026-11-20T14:00:00Z" },
        { id: "P2", member: "M1", kind: "redeem", points: -150, occurredAt: "2026-11-20T15:00:00Z" },
        { id: "P3", member: "M1", kind: "redeem", points: -40, occurredAt: "2026-11-20T15:00:00Z" },
      ],
      { partial: true },
    );
    expect(r.rejected).toEqual([expect.objectContaining({ row: 2, code: "negative_balance" })]);
    const m1 = await t.db.member.findFirstOrThrow({ where: { tenantId: tenant.id, externalId: "M1" } });
    expect(m1.pointsBalance).toBe(60);
  });

  it("freshness per source and kind; one audit event per batch", async () => {
    const feeds = await t.db.ingestFeed.findMany({ where: { tenantId: tenant.id }, orderBy: { kind: "asc" } });
    const orders = feeds.find((f) => f.kind === "orders");
    expect(orders?.latestFactAt?.toISOString()).toBe("2026-11-21T15:00:00.000Z");
    const events = await t.db.auditEvent.findMany({ where: { tenantId: tenant.id, action: "ingest.batch" } });
    expect(events.length).toBe(80);
    expect(events.filter((e) => e.errorCode === "batch_rejected").length).toBe(3);
  });

  // After the audit count above: this batch is refused (and audited) too.
  it("an unknown field is refused with the field it probably meant, at the top level and inside lines", async () => {
    const { placedAt, ...rest } = order("O90");
    const r = await batch("orders", [{ ...rest, placed_at: placedAt }, order("O91", { lines: [{ sku: "A", quantity: 1, unit_price: "1.00" }] })]);
    expect(r.outcome).toBe("rejected");
    expect(r.rejected).toEqual([
      { row: 1, id: "O90", field: null, code: "invalid_record", reason: expect.stringContaining('unknown field(s) "placed_at" (did you mean "placedAt"?); the fields are id, store, member, placedAt') },
      { row: 2, id: "O91", field: "lines.0", code: "invalid_record", reason: 'unknown field(s) "unit_price" (did you mean "unitPrice"?); the fields are sku, quantity, unitPrice' },
    ]);
  });

  // Batches of one tenant add their rollup deltas side by side and queue only to publish them; a
  // rebuild may run in between. On PostgreSQL these really overlap (PGlite runs one at a time).
  it("concurrent order batches of one tenant, with a rebuild among them, leave the rollups equal to the facts", async () => {
    const days = ["2026-11-10", "2026-11-11", "2026-11-12"];
    const sends = ["pos-a", "pos-b", "pos-c", "pos-d"].map((source, s) =>
      batch(
        "orders",
        Array.from({ length: 40 }, (_, i) =>
          order(`${source}-${i}`, { placedAt: `${days[(s + i) % days.length]}T${String(10 + (i % 12)).padStart(2, "0")}:15:00Z`, member: i % 3 ? "M1" : i % 2 ? "M2" : null, total: `${s + 1}.${String(i).padStart(2, "0")}`, channel: i % 2 ? "online" : "store" }),
        ),
        { source },
      ),
    );
    const [reports] = await Promise.all([Promise.all(sends), rebuildRollups(t.db, tenant.id)]);
    expect(reports.map((r) => r.counts.accepted)).toEqual([40, 40, 40, 40]);
    for (const metric of ["gmv", "orders", "active_members"]) {
      for (const groupBy of ["store", "tier", "channel"]) {
        const input = { metric, window: { from: "2026-11-09", to: "2026-11-13" }, groupBy };
        const viaRollups = await queryMetric(t.db, tenant, input, { now: NOW, path: "rollup" });
        const viaFacts = await queryMetric(t.db, tenant, input, { now: NOW, path: "raw" });
        expect(viaRollups.rows).toEqual(viaFacts.rows);
      }
    }
  });
});
