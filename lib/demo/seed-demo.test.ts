// The demo data generator against a real database: determinism, the planted stories (read with
// plain SQL, independent of the semantic layer), the points-ledger invariant and tenant isolation.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/database";
import { DemoSeedError, seedDemo, type SeedDemoResult } from "./seed-demo";
import {
  DEMO_B_TENANT,
  DEMO_STORES,
  DEMO_TENANT,
  SILVER_DROP_STORE_CODES,
  STORY_EXPECTATIONS,
  SUMMER_POOL_NAME,
  SUMMER_RUNS_OUT,
} from "./stories";
import {
  activeMembersByTier,
  activeNewMembers,
  activeTierMembersByStore,
  change,
  redemptionRateByPool,
  redemptionsByPool,
  storyWindows,
  tenantBySlug,
} from "./story-facts.test-helper";

const AS_OF = "2026-11-24";
const OPTIONS = { seed: 42, asOf: AS_OF, scale: "small", rebuildRollups: false } as const;
const TABLES = ["tenants", "stores", "tiers", "members", "orders", "points_entries", "coupon_pools", "coupons", "ambassador_codes"];

let a: TestDatabase;
let b: TestDatabase;
let seeded: SeedDemoResult;

async function fingerprints(database: TestDatabase): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const rows = await database.db.$queryRawUnsafe<{ n: number; digest: string | null }[]>(
      `SELECT COUNT(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t.id)) AS digest FROM "${table}" t`,
    );
    out[table] = `${rows[0]?.n}:${rows[0]?.digest}`;
  }
  return out;
}

beforeAll(async () => {
  [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  seeded = await seedDemo(a.db, OPTIONS);
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

describe("seedDemo", () => {
  test("the same seed, as-of date and scale give byte-identical rows, ids included", async () => {
    await seedDemo(b.db, OPTIONS);
    const first = await fingerprints(a);
    expect(await fingerprints(b)).toEqual(first);
    expect(Number(first.orders?.split(":")[0])).toBeGreaterThan(30_000);

    expect(first.orders).toMatch(/:[0-9a-f]{32}$/);

    // Replacing deletes the old rows and writes the same ones again.
    await seedDemo(b.db, { ...OPTIONS, replace: true });
    expect(await fingerprints(b)).toEqual(first);
  }, 180_000);

  test("refuses to seed over existing demo data unless asked to replace it", async () => {
    const attempt = seedDemo(a.db, OPTIONS);
    await expect(attempt).rejects.toBeInstanceOf(DemoSeedError);
    await expect(attempt).rejects.toMatchObject({ code: "demo_data_exists" });
  });

  test("rejects a malformed as-of date", async () => {
    await expect(seedDemo(a.db, { asOf: "2026-02-30" })).rejects.toMatchObject({ code: "invalid_demo_options" });
  });

  test("creates the two tenants with their settings and reports what it wrote", async () => {
    const tenants = await a.db.tenant.findMany({ orderBy: { slug: "asc" } });
    expect(tenants.map((t) => [t.slug, t.name, t.timeZone, t.currency])).toEqual([
      [DEMO_TENANT.slug, DEMO_TENANT.name, DEMO_TENANT.timeZone, DEMO_TENANT.currency],
      [DEMO_B_TENANT.slug, DEMO_B_TENANT.name, DEMO_B_TENANT.timeZone, DEMO_B_TENANT.currency],
    ]);
    const demo = seeded.tenants.find((t) => t.slug === "demo");
    expect(demo?.historyTo).toBe("2026-11-23");
    expect(demo?.counts.members).toBe(2500);
    const orders = await a.db.order.count({ where: { tenantId: demo?.tenantId } });
    expect(demo?.counts.orders).toBe(orders);
    expect(await a.db.user.count()).toBe(0);
    expect(await a.db.apiKey.count()).toBe(0);
  });
});

describe("the demo tenant's stories", () => {
  const w = storyWindows(AS_OF);

  test("story 1: twelve stores in three regions; GMV differs by store and weekends differ from weekdays", async () => {
    const demo = await tenantBySlug(a.db, "demo");
    const stores = await a.db.$queryRawUnsafe<{ code: string; region: string; gmv: string }[]>(
      `SELECT s.code, s.region, COALESCE(SUM(o.total_minor) FILTER (WHERE o.status = 'completed'), 0)::text AS gmv
         FROM stores s LEFT JOIN orders o ON o.store_id = s.id WHERE s.tenant_id = $1::uuid GROUP BY s.code, s.region`,
      demo.id,
    );
    expect(stores.map((s) => s.code).sort()).toEqual(DEMO_STORES.map((s) => s.code));
    expect(new Set(stores.map((s) => s.region)).size).toBeGreaterThanOrEqual(3);
    const gmv = stores.map((s) => Number(s.gmv));
    expect(Math.max(...gmv) / Math.min(...gmv)).toBeGreaterThan(1.5);

    const byDay = await a.db.$queryRawUnsafe<{ weekend: boolean; per_day: number }[]>(
      `SELECT EXTRACT(ISODOW FROM o.placed_at AT TIME ZONE $2) >= 6 AS weekend,
              (SUM(o.total_minor) / COUNT(DISTINCT (o.placed_at AT TIME ZONE $2)::date))::float8 AS per_day
         FROM orders o WHERE o.tenant_id = $1::uuid AND o.status = 'completed' GROUP BY 1`,
      demo.id,
      demo.timeZone,
    );
    const weekend = byDay.find((r) => r.weekend)?.per_day ?? 0;
    const weekday = byDay.find((r) => !r.weekend)?.per_day ?? 1;
    expect(weekend / weekday).toBeGreaterThan(1.15);
  });

  test("story 2: the Summer pool ran out last week, and it drives the fall in redemptions", async () => {
    const demo = await tenantBySlug(a.db, "demo");
    const [summer] = await a.db.$queryRawUnsafe<{ size: number; codes: number; unissued: number; last_issued: string }[]>(
      `SELECT p.size, COUNT(c.id)::int AS codes, COUNT(c.id) FILTER (WHERE c.issued_at IS NULL)::int AS unissued,
              to_char(MAX(c.issued_at) AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI') AS last_issued
         FROM coupon_pools p JOIN coupons c ON c.pool_id = p.id
        WHERE p.tenant_id = $1::uuid AND p.name = $3 GROUP BY p.size`,
      demo.id,
      demo.timeZone,
      SUMMER_POOL_NAME,
    );
    expect(summer?.codes).toBe(summer?.size);
    expect(summer?.unissued).toBe(0);
    const lastIssued = summer?.last_issued ?? "";
    expect(lastIssued.slice(0, 10) >= w.lastWeek.from && lastIssued.slice(0, 10) <= w.lastWeek.to).toBe(true);
    expect(Number(lastIssued.slice(11, 13))).toBeLessThan(SUMMER_RUNS_OUT.beforeLocalHour);

    // Other pools keep issuing codes after Summer ran out, and still have codes left.
    const others = await a.db.$queryRawUnsafe<{ name: string; issued_after: number; unissued: number }[]>(
      `SELECT p.name,
              COUNT(c.id) FILTER (WHERE c.issued_at >= ($3::date::timestamp AT TIME ZONE $2))::int AS issued_after,
              COUNT(c.id) FILTER (WHERE c.issued_at IS NULL)::int AS unissued
         FROM coupon_pools p JOIN coupons c ON c.pool_id = p.id WHERE p.tenant_id = $1::uuid AND p.name <> $4 GROUP BY p.name`,
      demo.id,
      demo.timeZone,
      lastIssued.slice(0, 10),
      SUMMER_POOL_NAME,
    );
    expect(others.length).toBe(4);
    for (const pool of others) {
      expect(pool.issued_after, pool.name).toBeGreaterThan(0);
      expect(pool.unissued, pool.name).toBeGreaterThan(0);
    }

    const last = await redemptionsByPool(a.db, demo, w.lastWeek);
    const prior = await redemptionsByPool(a.db, demo, w.priorWeek);
    const total = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + n, 0);
    const totalDrop = total(prior) - total(last);
    expect(totalDrop).toBeGreaterThan(0);
    const drops = [...prior.keys()].map((pool) => ({ pool, drop: (prior.get(pool) ?? 0) - (last.get(pool) ?? 0) }));
    drops.sort((x, y) => y.drop - x.drop);
    expect(drops[0]?.pool).toBe(SUMMER_POOL_NAME);
    expect(drops[0]?.drop ?? 0).toBeGreaterThan(totalDrop * 0.5);
  });

  test("story 3: redemption rate differs clearly by pool over the last 14 days", async () => {
    const demo = await tenantBySlug(a.db, "demo");
    const rates = [...(await redemptionRateByPool(a.db, demo, w.last14)).values()];
    expect(rates.length).toBe(5);
    expect(Math.max(...rates) - Math.min(...rates)).toBeGreaterThanOrEqual(STORY_EXPECTATIONS.poolRedemptionRateSpreadAtLeast);
  });

  test("story 4: active members by tier — Silver down clearly, Gold and Bronze steady, new members steady", async () => {
    const demo = await tenantBySlug(a.db, "demo");
    const now = await activeMembersByTier(a.db, demo, w.last30);
    const before = await activeMembersByTier(a.db, demo, w.previous30);
    const delta = (tier: string) => change(now.get(tier) ?? 0, before.get(tier) ?? 0);
    expect(delta("Silver")).toBeLessThanOrEqual(STORY_EXPECTATIONS.silverActiveChangeAtMost);
    expect(delta("Silver")).toBeLessThan(delta("Gold"));
    expect(delta("Silver")).toBeLessThan(delta("Bronze"));
    expect(Math.abs(delta("Gold"))).toBeLessThanOrEqual(STORY_EXPECTATIONS.goldActiveChangeWithin);
    expect(Math.abs(delta("Bronze"))).toBeLessThanOrEqual(0.1);
    const newNow = await activeNewMembers(a.db, demo, w.last30);
    const newBefore = await activeNewMembers(a.db, demo, w.previous30);
    expect(newBefore).toBeGreaterThan(10);
    expect(Math.abs(change(newNow, newBefore))).toBeLessThanOrEqual(0.15);
  });

  test("story 5: two named stores carry most of Silver's drop", async () => {
    const demo = await tenantBySlug(a.db, "demo");
    const now = await activeTierMembersByStore(a.db, demo, "Silver", w.last30);
    const before = await activeTierMembersByStore(a.db, demo, "Silver", w.previous30);
    const dropAt = (code: string) => (before.get(code) ?? 0) - (now.get(code) ?? 0);
    const tiersNow = await activeMembersByTier(a.db, demo, w.last30);
    const tiersBefore = await activeMembersByTier(a.db, demo, w.previous30);
    const silverDrop = (tiersBefore.get("Silver") ?? 0) - (tiersNow.get("Silver") ?? 0);
    const named = SILVER_DROP_STORE_CODES.reduce((s, code) => s + dropAt(code), 0);
    const byStoreTotal = [...before.keys()].reduce((s, code) => s + dropAt(code), 0);
    expect(named / silverDrop).toBeGreaterThan(STORY_EXPECTATIONS.silverDropStoresShareAbove);
    expect(named / byStoreTotal).toBeGreaterThan(STORY_EXPECTATIONS.silverDropStoresShareAbove);
    const ranked = [...before.keys()].sort((x, y) => dropAt(y) - dropAt(x));
    expect(ranked.slice(0, 2).sort()).toEqual([...SILVER_DROP_STORE_CODES].sort());
  });
});

describe("consistency the rest of the product relies on", () => {
  test("members' points balances equal their ledgers, and every balance_after is the running sum", async () => {
    const [row] = await a.db.$queryRawUnsafe<{ members: number; mismatched: number; bad_running: number; negative: number }[]>(
      `SELECT (SELECT COUNT(*) FROM members)::int AS members,
              (SELECT COUNT(*) FROM members m
                WHERE m.points_balance <> COALESCE((SELECT SUM(e.delta) FROM points_entries e WHERE e.member_id = m.id), 0))::int AS mismatched,
              (SELECT COUNT(*) FROM (SELECT balance_after, SUM(delta) OVER (PARTITION BY member_id ORDER BY created_at, id) AS running
                                       FROM points_entries) x WHERE x.running <> x.balance_after)::int AS bad_running,
              (SELECT COUNT(*) FROM points_entries WHERE balance_after < 0)::int AS negative`,
    );
    expect(row?.members).toBe(3000);
    expect(row).toMatchObject({ mismatched: 0, bad_running: 0, negative: 0 });
  });

  test("orders carry the member's tier, mostly at the home store, in all three channels", async () => {
    const demo = await tenantBySlug(a.db, "demo");
    const [row] = await a.db.$queryRawUnsafe<
      { without_tier: number; home_share: number; channels: number; guest_app: number; not_completed_share: number }[]
    >(
      `SELECT COUNT(*) FILTER (WHERE o.member_id IS NOT NULL AND o.tier_id IS NULL)::int AS without_tier,
              (COUNT(*) FILTER (WHERE o.store_id = m.home_store_id)::float8 / COUNT(m.id)) AS home_share,
              COUNT(DISTINCT o.channel)::int AS channels,
              COUNT(*) FILTER (WHERE o.member_id IS NULL AND o.channel = 'app')::int AS guest_app,
              (COUNT(*) FILTER (WHERE o.status <> 'completed')::float8 / COUNT(*)) AS not_completed_share
         FROM orders o LEFT JOIN members m ON m.id = o.member_id WHERE o.tenant_id = $1::uuid`,
      demo.id,
    );
    expect(row?.without_tier).toBe(0);
    expect(row?.home_share).toBeGreaterThan(0.85);
    expect(row?.home_share).toBeLessThan(0.97);
    expect(row?.channels).toBe(3);
    expect(row?.guest_app).toBe(0);
    expect(row?.not_completed_share).toBeGreaterThan(0.01);
    expect(row?.not_completed_share).toBeLessThan(0.06);
  });

  test("every redeemed coupon points at a completed order of its member, placed when it was redeemed", async () => {
    const [row] = await a.db.$queryRawUnsafe<{ redeemed: number; broken: number }[]>(
      `SELECT COUNT(*)::int AS redeemed,
              COUNT(*) FILTER (WHERE o.id IS NULL OR o.status <> 'completed' OR o.member_id IS DISTINCT FROM c.member_id
                                OR o.placed_at <> c.redeemed_at OR c.issued_at > c.redeemed_at OR o.tenant_id <> c.tenant_id)::int AS broken
         FROM coupons c LEFT JOIN orders o ON o.id = c.order_id WHERE c.redeemed_at IS NOT NULL`,
    );
    expect(row?.redeemed).toBeGreaterThan(1000);
    expect(row?.broken).toBe(0);
    const ambassadors = await a.db.ambassadorCode.count();
    expect(ambassadors).toBeGreaterThan(0);
  });

  test("demo-b has its own stores, pools and members, and nothing points across tenants", async () => {
    const demoB = await tenantBySlug(a.db, "demo-b");
    const demo = await tenantBySlug(a.db, "demo");
    const [row] = await a.db.$queryRawUnsafe<Record<string, number>[]>(
      `SELECT
         (SELECT COUNT(*) FROM orders o JOIN stores s ON s.id = o.store_id WHERE o.tenant_id <> s.tenant_id)::int AS order_store,
         (SELECT COUNT(*) FROM orders o JOIN members m ON m.id = o.member_id WHERE o.tenant_id <> m.tenant_id)::int AS order_member,
         (SELECT COUNT(*) FROM orders o JOIN tiers t ON t.id = o.tier_id WHERE o.tenant_id <> t.tenant_id)::int AS order_tier,
         (SELECT COUNT(*) FROM members m JOIN tiers t ON t.id = m.tier_id WHERE m.tenant_id <> t.tenant_id)::int AS member_tier,
         (SELECT COUNT(*) FROM members m JOIN stores s ON s.id = m.home_store_id WHERE m.tenant_id <> s.tenant_id)::int AS member_store,
         (SELECT COUNT(*) FROM coupons c JOIN coupon_pools p ON p.id = c.pool_id WHERE c.tenant_id <> p.tenant_id)::int AS coupon_pool,
         (SELECT COUNT(*) FROM coupons c JOIN members m ON m.id = c.member_id WHERE c.tenant_id <> m.tenant_id)::int AS coupon_member,
         (SELECT COUNT(*) FROM points_entries e JOIN members m ON m.id = e.member_id WHERE e.tenant_id <> m.tenant_id)::int AS points_member,
         (SELECT COUNT(*) FROM ambassador_codes x JOIN members m ON m.id = x.member_id WHERE x.tenant_id <> m.tenant_id)::int AS ambassador_member`,
    );
    expect(Object.values(row ?? {}).every((n) => n === 0)).toBe(true);

    const names = async (tenantId: string) => {
      const stores = await a.db.store.findMany({ where: { tenantId }, select: { code: true, name: true } });
      const pools = await a.db.couponPool.findMany({ where: { tenantId }, select: { name: true } });
      return { codes: stores.map((s) => s.code), storeNames: stores.map((s) => s.name), pools: pools.map((p) => p.name) };
    };
    const [x, y] = await Promise.all([names(demo.id), names(demoB.id)]);
    expect(y.codes.length).toBeGreaterThan(0);
    expect(y.codes.filter((c) => x.codes.includes(c))).toEqual([]);
    expect(y.storeNames.filter((n) => x.storeNames.includes(n))).toEqual([]);
    expect(y.pools.filter((n) => x.pools.includes(n))).toEqual([]);
    expect(await a.db.order.count({ where: { tenantId: demoB.id } })).toBeGreaterThan(1000);
    const currencies = await a.db.order.groupBy({ by: ["tenantId", "currency"] });
    expect(currencies.map((c) => `${c.tenantId === demo.id ? "demo" : "demo-b"}:${c.currency}`).sort()).toEqual(["demo-b:EUR", "demo:USD"]);
  });
});
