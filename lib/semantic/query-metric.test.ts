// Every certified metric, through queryMetric on both paths (raw facts and rollups), against
// independent hand-written SQL that buckets facts by local date with AT TIME ZONE.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/database";
import { queryMetric, type QueryMetricResult } from "./query-metric";
import { rebuildRollups } from "./rollups";
import { createFixture, NOW, type Fixture } from "./test-fixtures";
import type { QueryPath } from "./compile";

const TZ = "America/New_York";
type W = { from: string; to: string; cut?: string };

// Windows as of NOW (Tuesday 2026-11-24 10:00 New York), written out by hand.
const WINDOWS: { name: string; spec: Parameters<typeof queryMetric>[2]["window"]; w: W }[] = [
  { name: "last_week", spec: "last_week", w: { from: "2026-11-16", to: "2026-11-22" } },
  { name: "last_30_days", spec: "last_30_days", w: { from: "2026-10-25", to: "2026-11-23" } },
  { name: "this_month", spec: "this_month", w: { from: "2026-11-01", to: "2026-11-24", cut: NOW.toISOString() } },
  { name: "yesterday", spec: "yesterday", w: { from: "2026-11-23", to: "2026-11-23" } },
  { name: "today", spec: "today", w: { from: "2026-11-24", to: "2026-11-24", cut: NOW.toISOString() } },
  { name: "explicit across DST", spec: { from: "2026-10-31", to: "2026-11-02" }, w: { from: "2026-10-31", to: "2026-11-02" } },
  { name: "this_quarter", spec: "this_quarter", w: { from: "2026-10-01", to: "2026-11-24", cut: NOW.toISOString() } },
];

const local = (col: string) => `(${col} AT TIME ZONE '${TZ}')::date`;
const inWindow = (col: string, w: W) => `${local(col)} BETWEEN '${w.from}' AND '${w.to}'${w.cut ? ` AND ${col} < '${w.cut}'` : ""}`;

type Dim = "store" | "tier" | "channel" | "region" | "coupon_pool" | "week";
const ORDER_DIMS: Partial<Record<Dim, string>> = {
  store: "o.store_id::text",
  tier: "o.tier_id::text",
  channel: "o.channel::text",
  region: "(SELECT s.region FROM stores s WHERE s.id = o.store_id)",
  week: `to_char(date_trunc('week', ${local("o.placed_at")}::timestamp), 'YYYY-MM-DD')`,
};
const REDEEM_DIMS: Partial<Record<Dim, string>> = {
  coupon_pool: "c.pool_id::text",
  store: "o.store_id::text",
  tier: "o.tier_id::text",
  channel: "o.channel::text",
  region: "(SELECT s.region FROM stores s WHERE s.id = o.store_id)",
  week: `to_char(date_trunc('week', ${local("c.redeemed_at")}::timestamp), 'YYYY-MM-DD')`,
};
const ISSUE_DIMS: Partial<Record<Dim, string>> = { coupon_pool: "c.pool_id::text" };
const MEMBER_DIMS: Partial<Record<Dim, string>> = {
  store: "m.home_store_id::text",
  tier: "m.tier_id::text",
  region: "(SELECT s.region FROM stores s WHERE s.id = m.home_store_id)",
};

type Filter = { dim: Dim; ids: string[] };
type OracleQuery = { w: W; group?: Dim; filter?: Filter };

function clause(dims: Partial<Record<Dim, string>>, q: OracleQuery): { key: string; where: string; groupBy: string } {
  const key = q.group ? (dims[q.group] ?? "NULL") : "'total'";
  const where = q.filter ? ` AND ${dims[q.filter.dim]} IN (${q.filter.ids.map((id) => `'${id}'`).join(", ")})` : "";
  return { key, where, groupBy: q.group ? "GROUP BY 1" : "" };
}

/** Hand-written SQL per metric: key → value text (or null). */
const ORACLE: Record<string, (q: OracleQuery) => string> = {
  gmv: (q) => {
    const c = clause(ORDER_DIMS, q);
    return `SELECT ${c.key} AS k, round(COALESCE(SUM(o.total_minor), 0)::numeric / 100, 2)::text AS v FROM orders o
            WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND ${inWindow("o.placed_at", q.w)}${c.where} ${c.groupBy}`;
  },
  orders: (q) => {
    const c = clause(ORDER_DIMS, q);
    return `SELECT ${c.key} AS k, COUNT(*)::text AS v FROM orders o
            WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND ${inWindow("o.placed_at", q.w)}${c.where} ${c.groupBy}`;
  },
  aov: (q) => {
    const c = clause(ORDER_DIMS, q);
    return `SELECT ${c.key} AS k, CASE WHEN COUNT(*) = 0 THEN NULL ELSE round(SUM(o.total_minor)::numeric / (COUNT(*) * 100), 2)::text END AS v
            FROM orders o WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND ${inWindow("o.placed_at", q.w)}${c.where} ${c.groupBy}`;
  },
  active_members: (q) => {
    const c = clause(ORDER_DIMS, q);
    return `SELECT ${c.key} AS k, COUNT(DISTINCT o.member_id)::text AS v FROM orders o
            WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND o.member_id IS NOT NULL AND ${inWindow("o.placed_at", q.w)}${c.where} ${c.groupBy}`;
  },
  new_members: (q) => {
    const c = clause(MEMBER_DIMS, q);
    return `SELECT ${c.key} AS k, COUNT(*)::text AS v FROM members m
            WHERE m.tenant_id = $1::uuid AND ${inWindow("m.joined_at", q.w)}${c.where} ${c.groupBy}`;
  },
  redemptions: (q) => {
    const c = clause(REDEEM_DIMS, q);
    return `SELECT ${c.key} AS k, COUNT(*)::text AS v FROM coupons c LEFT JOIN orders o ON o.id = c.order_id
            WHERE c.tenant_id = $1::uuid AND ${inWindow("c.redeemed_at", q.w)}${c.where} ${c.groupBy}`;
  },
  coupons_issued: (q) => {
    const c = clause(ISSUE_DIMS, q);
    return `SELECT ${c.key} AS k, COUNT(*)::text AS v FROM coupons c
            WHERE c.tenant_id = $1::uuid AND ${inWindow("c.issued_at", q.w)}${c.where} ${c.groupBy}`;
  },
  redemption_rate: (q) => {
    const c = clause(ISSUE_DIMS, q);
    return `WITH r AS (SELECT ${c.key} AS k, COUNT(*) AS n FROM coupons c WHERE c.tenant_id = $1::uuid AND ${inWindow("c.redeemed_at", q.w)}${c.where} ${c.groupBy}),
                 i AS (SELECT ${c.key} AS k, COUNT(*) AS d FROM coupons c WHERE c.tenant_id = $1::uuid AND ${inWindow("c.issued_at", q.w)}${c.where} ${c.groupBy})
            SELECT COALESCE(r.k, i.k) AS k, CASE WHEN COALESCE(i.d, 0) = 0 THEN NULL ELSE round(COALESCE(r.n, 0)::numeric / i.d, 4)::text END AS v
            FROM r FULL JOIN i ON r.k = i.k`;
  },
  points_awarded: (q) =>
    `SELECT 'total' AS k, COALESCE(SUM(p.delta), 0)::text AS v FROM points_entries p
     WHERE p.tenant_id = $1::uuid AND p.kind = 'award' AND ${inWindow("p.created_at", q.w)}`,
  points_redeemed: (q) =>
    `SELECT 'total' AS k, COALESCE(-SUM(p.delta), 0)::text AS v FROM points_entries p
     WHERE p.tenant_id = $1::uuid AND p.kind = 'redeem' AND ${inWindow("p.created_at", q.w)}`,
};

const ALLOWED: Record<string, Dim[]> = {
  gmv: ["store", "tier", "channel", "region"],
  orders: ["store", "tier", "channel", "region"],
  aov: ["store", "tier", "channel", "region"],
  active_members: ["store", "tier", "channel", "region"],
  new_members: ["store", "tier", "region"],
  redemptions: ["coupon_pool", "store", "tier", "channel", "region"],
  coupons_issued: ["coupon_pool"],
  redemption_rate: ["coupon_pool"],
  points_awarded: [],
  points_redeemed: [],
};

let t: TestDatabase;
let fx: Fixture;

async function oracle(metric: string, q: OracleQuery): Promise<Map<string | null, string | null>> {
  const fn = ORACLE[metric];
  if (!fn) throw new Error(`no oracle for ${metric}`);
  const rows = await t.db.$queryRawUnsafe<{ k: string | null; v: string | null }[]>(fn(q), fx.tenant.id);
  return new Map(rows.map((r) => [r.k, r.v]));
}

function resultMap(r: QueryMetricResult, dim?: Dim): Map<string | null, string | null> {
  if (!dim) return new Map([["total", r.total.current]]);
  return new Map(r.rows.map((row) => [row.dimensions[dim]?.id ?? null, row.current]));
}

function isZero(v: string | null): boolean {
  return v !== null && /^0(\.0+)?$/.test(v);
}

beforeAll(async () => {
  t = await createTestDatabase();
  fx = await createFixture(t.db);
  await rebuildRollups(t.db, fx.tenant.id);
});
afterAll(async () => {
  await t?.close();
});

const PATHS: QueryPath[] = ["raw", "rollup"];

describe("every metric agrees with hand-written SQL", () => {
  for (const metric of Object.keys(ORACLE)) {
    it(`${metric}: totals and every allowed breakdown, several windows, both paths`, async () => {
      let compared = 0;
      for (const { spec, w, name } of WINDOWS) {
        for (const group of [undefined, ...(ALLOWED[metric] ?? [])]) {
          const expected = await oracle(metric, { w, ...(group ? { group } : {}) });
          for (const path of PATHS) {
            const r = await queryMetric(t.db, fx.tenant, { metric, window: spec, ...(group ? { groupBy: group, limit: 1000 } : {}) }, { now: NOW, path });
            expect(resultMap(r, group), `${metric} ${name} by ${group ?? "total"} (${path})`).toEqual(
              group ? expected : new Map([["total", expected.get("total") ?? null]]),
            );
            expect(r.provenance.source).toBe(path === "rollup" ? "rollups" : "raw facts");
            compared++;
          }
        }
      }
      expect(compared).toBeGreaterThan(10);
    });
  }
});

describe("filters, comparisons and time grains", () => {
  it("filters by name, code, loose phrases and ids resolve to the same ids as hand-written SQL", async () => {
    const silver = fx.tiers.find((x) => x.name === "Silver")?.id ?? "";
    const s12 = fx.stores.find((x) => x.code === "S12")?.id ?? "";
    const summer = fx.pools.find((x) => x.name === "Summer Splash")?.id ?? "";
    const cases: { metric: string; filters: Record<string, string | string[]>; filter: Filter; group?: Dim }[] = [
      { metric: "gmv", filters: { tier: "silver" }, filter: { dim: "tier", ids: [silver] }, group: "store" },
      { metric: "orders", filters: { store: "store 12" }, filter: { dim: "store", ids: [s12] }, group: "channel" },
      { metric: "active_members", filters: { tier: "Silver" }, filter: { dim: "tier", ids: [silver] }, group: "store" },
      { metric: "active_members", filters: { store: ["S12", "Downtown"] }, filter: { dim: "store", ids: [s12, fx.stores[0]?.id ?? ""] }, group: "tier" },
      { metric: "redemptions", filters: { coupon_pool: "the summer pool" }, filter: { dim: "coupon_pool", ids: [summer] }, group: "store" },
      { metric: "redemptions", filters: { region: "west" }, filter: { dim: "region", ids: ["West"] }, group: "coupon_pool" },
      { metric: "redemption_rate", filters: { pool: "summer" }, filter: { dim: "coupon_pool", ids: [summer] } },
      { metric: "aov", filters: { channel: "APP" }, filter: { dim: "channel", ids: ["app"] }, group: "tier" },
      { metric: "new_members", filters: { tier: silver }, filter: { dim: "tier", ids: [silver] }, group: "store" },
    ];
    for (const c of cases) {
      for (const { spec, w } of WINDOWS.slice(0, 3)) {
        const expected = await oracle(c.metric, { w, filter: c.filter, ...(c.group ? { group: c.group } : {}) });
        for (const path of PATHS) {
          const r = await queryMetric(t.db, fx.tenant, { metric: c.metric, window: spec, filters: c.filters, ...(c.group ? { groupBy: c.group } : {}) }, { now: NOW, path });
          expect(resultMap(r, c.group), `${c.metric} ${JSON.stringify(c.filters)} (${path})`).toEqual(
            c.group ? expected : new Map([["total", expected.get("total") ?? null]]),
          );
          expect(r.provenance.filters[0]?.values.map((v) => v.id)).toEqual(c.filter.ids);
        }
      }
    }
  });

  it("comparison values equal the metric over the comparison window, with exact changes", async () => {
    const cases: { metric: string; window: "last_week" | "this_month" | "last_30_days"; compareTo: "prior_week" | "previous_period" | "same_period_last_year"; cw: W }[] = [
      { metric: "gmv", window: "last_week", compareTo: "prior_week", cw: { from: "2026-11-09", to: "2026-11-15" } },
      { metric: "active_members", window: "last_30_days", compareTo: "previous_period", cw: { from: "2026-09-25", to: "2026-10-24" } },
      { metric: "redemption_rate", window: "last_week", compareTo: "previous_period", cw: { from: "2026-11-09", to: "2026-11-15" } },
      // Month to date vs previous month to the same local day and time.
      { metric: "orders", window: "this_month", compareTo: "previous_period", cw: { from: "2026-10-01", to: "2026-10-24", cut: "2026-10-24T14:00:00.000Z" } },
    ];
    for (const c of cases) {
      for (const path of PATHS) {
        const r = await queryMetric(t.db, fx.tenant, { metric: c.metric, window: c.window, compareTo: c.compareTo }, { now: NOW, path });
        const expected = await oracle(c.metric, { w: c.cw });
        expect(r.total.comparison, `${c.metric} ${c.compareTo} (${path})`).toBe(expected.get("total") ?? null);
        expect(r.provenance.comparison?.from).toBe(c.cw.from);
        const cur = r.total.current;
        const cmp = r.total.comparison;
        if (cur !== null && cmp !== null && c.metric !== "redemption_rate") {
          // Integers and cents: the absolute change is exact.
          const scale = c.metric === "gmv" ? 100 : 1;
          expect(Math.round(Number(r.total.change?.absolute) * scale)).toBe(Math.round(Number(cur) * scale) - Math.round(Number(cmp) * scale));
        }
      }
    }
  });

  it("weekly trend rows equal hand-written weekly buckets; weeks without facts are true zeros", async () => {
    for (const metric of ["gmv", "active_members", "redemptions"]) {
      const w = WINDOWS[1]?.w as W;
      const expected = await oracle(metric, { w, group: "week" });
      for (const path of PATHS) {
        const r = await queryMetric(t.db, fx.tenant, { metric, window: "last_30_days", groupBy: "week" }, { now: NOW, path });
        const got = resultMap(r, "week");
        for (const [k, v] of got) expect(expected.has(k) ? expected.get(k) : isZero(v) ? v : "missing", `${metric} week ${k}`).toBe(v);
        for (const k of expected.keys()) expect(got.has(k)).toBe(true);
        expect(r.rows.map((x) => x.dimensions.week?.id)).toEqual([...got.keys()].sort());
        // ISO weeks; the first is clipped to the window (last_30_days starts Sunday 2026-10-25).
        expect(r.rows[0]?.dimensions.week).toEqual({ id: "2026-10-19", label: "2026-W43 (from 2026-10-25)" });
        expect(r.rows.at(-1)?.dimensions.week).toEqual({ id: "2026-11-23", label: "2026-W48" });
      }
    }
  });

  it("money never leaves as a float: values are exact decimal strings with the currency's digits", async () => {
    const r = await queryMetric(t.db, fx.tenant, { metric: "gmv", window: "last_30_days", groupBy: "store" }, { now: NOW });
    for (const row of [r.total, ...r.rows]) expect(row.current).toMatch(/^-?\d+\.\d{2}$/);
    expect(r.provenance.currency).toBe("USD");
  });
});
