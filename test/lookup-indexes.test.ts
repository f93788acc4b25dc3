// A member's coupons and orders, and an order's coupons, are found through their own indexes
// (migration 20261203140100_member_lookup_indexes), not by scanning a tenant's coupons or orders:
// the planner's choice, read from EXPLAIN on tables big enough for the choice to matter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testRuntime, type TestDatabase } from "./database";

type PlanNode = { "Node Type": string; "Index Name"?: string; Plans?: PlanNode[] };

function indexesUsed(node: PlanNode): string[] {
  return [...(node["Index Name"] ? [node["Index Name"]] : []), ...(node.Plans ?? []).flatMap(indexesUsed)];
}

describe(`member lookup indexes on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let tenantId = "";
  let memberId = "";
  let orderId = "";

  async function plan(sql: string, ...params: unknown[]): Promise<PlanNode> {
    const rows = await database.db.$queryRawUnsafe<{ "QUERY PLAN": [{ Plan: PlanNode }] }[]>(`EXPLAIN (FORMAT JSON) ${sql}`, ...params);
    const plan = rows[0]?.["QUERY PLAN"][0]?.Plan;
    if (!plan) throw new Error("no plan");
    return plan;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    // 40 tenants sharing 4,000 members, 60,000 orders and 60,000 coupons. (With few tenants,
    // PostgreSQL 18's skip scan can serve a member's orders from the (tenant_id, member_id, …) index.)
    const tenant = await db.tenant.create({ data: { slug: "big", name: "Big" } });
    tenantId = tenant.id;
    await db.$executeRawUnsafe(`INSERT INTO tenants (id, slug, name) SELECT gen_random_uuid(), 't' || i, 'T' || i FROM generate_series(1, 39) AS i`);
    const tier = await db.tier.create({ data: { tenantId, name: "Bronze", rank: 1 } });
    const store = await db.store.create({ data: { tenantId, code: "S01", name: "Main", region: "North" } });
    const pool = await db.couponPool.create({ data: { tenantId, name: "Summer", discountType: "percent", discountValue: 10, validFrom: new Date("2026-01-01") } });
    await db.$executeRawUnsafe(
      `WITH t AS (SELECT array_agg(id ORDER BY id) AS ids FROM tenants)
       INSERT INTO members (id, tenant_id, external_id, name, tier_id, joined_at)
       SELECT gen_random_uuid(), CASE WHEN i % 40 = 17 THEN $1::uuid ELSE t.ids[1 + i % 40] END, 'm' || i, 'Member ' || i, $2::uuid, now()
       FROM generate_series(1, 4000) AS i, t`,
      tenantId,
      tier.id,
    );
    await db.$executeRawUnsafe(
      `INSERT INTO orders (id, tenant_id, store_id, member_id, total_minor, currency, channel, placed_at)
       SELECT gen_random_uuid(), m.tenant_id, $1::uuid, m.id, 1000, 'USD', 'store', now() - (i || ' minutes')::interval
       FROM generate_series(1, 60000) AS i
       JOIN LATERAL (SELECT id, tenant_id FROM members WHERE external_id = 'm' || (1 + i % 4000)) m ON true`,
      store.id,
    );
    await db.$executeRawUnsafe(
      `INSERT INTO coupons (id, tenant_id, pool_id, code, member_id, order_id, issued_at)
       SELECT gen_random_uuid(), o.tenant_id, $1::uuid, 'C' || row_number() OVER (), o.member_id, o.id, o.placed_at FROM orders o`,
      pool.id,
    );
    await db.$executeRawUnsafe("ANALYZE tenants");
    await db.$executeRawUnsafe("ANALYZE members");
    await db.$executeRawUnsafe("ANALYZE orders");
    await db.$executeRawUnsafe("ANALYZE coupons");
    memberId = (await db.member.findFirstOrThrow({ where: { tenantId, externalId: "m17" } })).id;
    orderId = (await db.order.findFirstOrThrow({ where: { memberId } })).id;
  }, 300_000);
  afterAll(() => database?.close());

  it("finds a member's coupons through coupons_member_id_idx (the get_member counts too)", async () => {
    expect(indexesUsed(await plan("SELECT * FROM coupons WHERE member_id = $1::uuid", memberId))).toContain("coupons_member_id_idx");
    const counts = await plan(
      "SELECT count(*) FROM coupons WHERE tenant_id = $1::uuid AND member_id = $2::uuid AND redeemed_at IS NULL AND voided_at IS NULL",
      tenantId,
      memberId,
    );
    expect(indexesUsed(counts)).toContain("coupons_member_id_idx");
  });

  it("finds the coupons of an order through coupons_order_id_idx", async () => {
    expect(indexesUsed(await plan("SELECT * FROM coupons WHERE order_id = $1::uuid", orderId))).toContain("coupons_order_id_idx");
  });

  it("finds a member's orders through orders_member_id_idx", async () => {
    expect(indexesUsed(await plan("SELECT * FROM orders WHERE member_id = $1::uuid", memberId))).toContain("orders_member_id_idx");
  });
});
