// The five seed questions, answered by the semantic layer on the seeded demo tenant (default seed,
// small scale, fixed as-of date), and checked against the planted stories and hand-written SQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/database";
import { seedDemo } from "@/lib/demo/seed-demo";
import { SILVER_DROP_STORE_CODES, STORY_EXPECTATIONS, SUMMER_POOL_NAME } from "@/lib/demo/stories";
import type { SemanticTenant } from "./dimensions";
import { explainChange } from "./explain-change";
import { queryMetric } from "./query-metric";

const AS_OF = "2026-11-24"; // a Tuesday; the demo history ends the day before
const NOW = new Date("2026-11-24T15:00:00.000Z"); // 10:00 in New York

let t: TestDatabase;
let demo: SemanticTenant;

beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemo(t.db, { seed: 42, asOf: AS_OF, scale: "small" });
  const row = await t.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
  demo = { id: row.id, timeZone: row.timeZone, currency: row.currency, slug: row.slug };
}, 600_000);
afterAll(async () => {
  await t?.close();
});

describe("seed questions on the demo tenant", () => {
  it("GMV last week by store", async () => {
    const r = await queryMetric(t.db, demo, { metric: "gmv", window: "last_week", groupBy: "store" }, { now: NOW });
    expect(r.provenance.window).toMatchObject({ from: "2026-11-16", to: "2026-11-22", timeZone: "America/New_York" });
    expect(r.provenance.source).toBe("rollups");
    expect(r.rows).toHaveLength(12);
    const expected = await t.db.$queryRawUnsafe<{ code: string; v: string }[]>(
      `SELECT s.code, round(SUM(o.total_minor)::numeric / 100, 2)::text AS v
       FROM orders o JOIN stores s ON s.id = o.store_id
       WHERE o.tenant_id = $1::uuid AND o.status = 'completed'
         AND (o.placed_at AT TIME ZONE 'America/New_York')::date BETWEEN '2026-11-16' AND '2026-11-22'
       GROUP BY s.code`,
      demo.id,
    );
    const got = Object.fromEntries(r.rows.map((row) => [row.dimensions.store?.label.match(/\((S\d+)\)$/)?.[1], row.current]));
    expect(got).toEqual(Object.fromEntries(expected.map((e) => [e.code, e.v])));
    // Sorted by value, largest first; the rows add up to the total to the cent.
    const cents = r.rows.map((row) => BigInt((row.current ?? "0").replace(".", "")));
    expect([...cents].sort((a, b) => (b > a ? 1 : b < a ? -1 : 0))).toEqual(cents);
    expect(cents.reduce((a, b) => a + b, 0n)).toBe(BigInt((r.total.current ?? "0").replace(".", "")));
  });

  it("Why are redemptions down versus the prior week? Summer is the main reason", async () => {
    const r = await explainChange(t.db, demo, { metric: "redemptions", window: "last_week", compareTo: "prior_week", dimensions: ["coupon_pool", "store"] }, { now: NOW });
    expect(Number(r.total.change?.absolute)).toBeLessThan(0);
    const byPool = r.byDimension.find((d) => d.dimension === "coupon_pool");
    expect(byPool?.contributors[0]?.label).toBe(SUMMER_POOL_NAME);
    expect(Number(byPool?.contributors[0]?.share)).toBeGreaterThan(0.5);
    expect(r.topDrivers[0]).toMatchObject({ dimension: "coupon_pool", label: SUMMER_POOL_NAME });
    expect(byPool?.residual).toBeNull();
    expect(r.summary).toContain(`coupon_pool ${SUMMER_POOL_NAME}`);
  });

  it("Redemption rate by coupon pool for the last 14 days", async () => {
    const r = await queryMetric(t.db, demo, { metric: "redemption_rate", window: "last_14_days", groupBy: "coupon_pool" }, { now: NOW });
    expect(r.provenance.window).toMatchObject({ from: "2026-11-10", to: "2026-11-23" });
    const expected = await t.db.$queryRawUnsafe<{ name: string; v: string | null }[]>(
      `WITH r AS (SELECT pool_id, COUNT(*) AS n FROM coupons WHERE tenant_id = $1::uuid
                    AND (redeemed_at AT TIME ZONE 'America/New_York')::date BETWEEN '2026-11-10' AND '2026-11-23' GROUP BY 1),
            i AS (SELECT pool_id, COUNT(*) AS d FROM coupons WHERE tenant_id = $1::uuid
                    AND (issued_at AT TIME ZONE 'America/New_York')::date BETWEEN '2026-11-10' AND '2026-11-23' GROUP BY 1)
       SELECT p.name, CASE WHEN COALESCE(i.d, 0) = 0 THEN NULL ELSE round(COALESCE(r.n, 0)::numeric / i.d, 4)::text END AS v
       FROM coupon_pools p LEFT JOIN r ON r.pool_id = p.id LEFT JOIN i ON i.pool_id = p.id
       WHERE p.tenant_id = $1::uuid AND (r.n IS NOT NULL OR i.d IS NOT NULL)`,
      demo.id,
    );
    const got = Object.fromEntries(r.rows.map((row) => [row.dimensions.coupon_pool?.label, row.current]));
    expect(got).toEqual(Object.fromEntries(expected.map((e) => [e.name, e.v])));
    const rates = r.rows.map((row) => Number(row.current)).filter((x) => Number.isFinite(x));
    expect(Math.max(...rates) - Math.min(...rates)).toBeGreaterThanOrEqual(STORY_EXPECTATIONS.poolRedemptionRateSpreadAtLeast);
    for (const row of r.rows) expect(row.parts?.current.denominator).toMatch(/^\d+$/);
  });

  it("Did active members drop versus last month, by tier? Silver down, Gold steady, new members fine", async () => {
    const r = await queryMetric(t.db, demo, { metric: "active_members", window: "last_30_days", compareTo: "previous_period", groupBy: "tier" }, { now: NOW });
    expect(r.provenance.comparison).toMatchObject({ from: "2026-09-25", to: "2026-10-24" });
    const byTier = Object.fromEntries(r.rows.map((row) => [row.dimensions.tier?.label, row]));
    expect(Number(byTier.Silver?.change?.relative)).toBeLessThanOrEqual(STORY_EXPECTATIONS.silverActiveChangeAtMost);
    expect(Math.abs(Number(byTier.Gold?.change?.relative))).toBeLessThanOrEqual(STORY_EXPECTATIONS.goldActiveChangeWithin);
    const expected = await t.db.$queryRawUnsafe<{ cur: string; cmp: string }[]>(
      `SELECT COUNT(DISTINCT member_id) FILTER (WHERE d BETWEEN '2026-10-25' AND '2026-11-23')::text AS cur,
              COUNT(DISTINCT member_id) FILTER (WHERE d BETWEEN '2026-09-25' AND '2026-10-24')::text AS cmp
       FROM (SELECT o.member_id, (o.placed_at AT TIME ZONE 'America/New_York')::date AS d
             FROM orders o JOIN tiers t ON t.id = o.tier_id
             WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND t.name = 'Silver') x`,
      demo.id,
    );
    expect({ cur: byTier.Silver?.current, cmp: byTier.Silver?.comparison }).toEqual(expected[0]);
    const joins = await queryMetric(t.db, demo, { metric: "new_members", window: "last_30_days", compareTo: "previous_period" }, { now: NOW });
    expect(Number(joins.total.current)).toBeGreaterThan(0);
    expect(Math.abs(Number(joins.total.change?.relative))).toBeLessThan(0.25);
  });

  it("Which stores drove the Silver drop? The two planted stores", async () => {
    const r = await explainChange(t.db, demo, { metric: "active_members", window: "last_30_days", compareTo: "previous_period", dimensions: "store", filters: { tier: "Silver" } }, { now: NOW });
    const top = r.byDimension[0]?.contributors.slice(0, 2) ?? [];
    const codes = top.map((c) => c.label.match(/\((S\d+)\)$/)?.[1]).sort();
    expect(codes).toEqual([...SILVER_DROP_STORE_CODES].sort());
    const share = top.reduce((acc, c) => acc + Number(c.share), 0);
    expect(share).toBeGreaterThan(STORY_EXPECTATIONS.silverDropStoresShareAbove);
    expect(r.provenance.filters).toEqual([{ dimension: "tier", requested: ["Silver"], values: [expect.objectContaining({ name: "Silver" })] }]);
  });

  it("answers are the same from raw facts", async () => {
    const input = { metric: "active_members", window: "last_30_days", compareTo: "previous_period", dimensions: "store", filters: { tier: "Silver" } } as const;
    const a = await explainChange(t.db, demo, input, { now: NOW, path: "rollup" });
    const b = await explainChange(t.db, demo, input, { now: NOW, path: "raw" });
    expect(a.byDimension).toEqual(b.byDimension);
    expect(a.total).toEqual(b.total);
  });
});
