// Discovery: a compact catalogue, full descriptions with readable SQL, dimension values; plus the
// registry's own consistency (every allowed dimension is available on both query paths).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/database";
import { rollupsRebuild } from "@/lib/cli/commands/rollups-rebuild";
import { listDimensionValues } from "./dimensions";
import { describeMetric, listMetrics } from "./discovery";
import { GroundingError } from "./grounding";
import { CERTIFIED_METRICS, FACT_SOURCES, metricMeasures } from "./metrics";
import { queryMetric } from "./query-metric";
import { createFixture, NOW, type Fixture } from "./test-fixtures";

describe("registry", () => {
  it("every metric is complete and every allowed dimension exists on the raw facts and the rollups", () => {
    const keys = new Set<string>();
    for (const m of CERTIFIED_METRICS) {
      expect(keys.has(m.key), m.key).toBe(false);
      keys.add(m.key);
      expect(m.description.length).toBeGreaterThan(30);
      expect(m.changeLog.at(-1)?.version).toBe(m.version);
      expect(m.certifiedAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const measure of metricMeasures(m)) {
        const source = FACT_SOURCES[measure.source];
        expect(source.rawColumns[measure.column], `${m.key} raw ${measure.column}`).toBeDefined();
        expect(source.rollupColumns[measure.column], `${m.key} rollup ${measure.column}`).toBeDefined();
        for (const d of m.dimensions) {
          const col = source.dimensionColumns[d];
          expect(col, `${m.key} ${d}`).toBeDefined();
          if (col) {
            expect(source.rawColumns[col], `${m.key} ${d} raw`).toBeDefined();
            expect(source.rollupColumns[col], `${m.key} ${d} rollup`).toBeDefined();
          }
        }
      }
    }
    for (const key of ["gmv", "orders", "aov", "active_members", "new_members", "redemptions", "redemption_rate", "coupons_issued", "points_awarded", "points_redeemed"]) {
      expect(keys.has(key), key).toBe(true);
    }
  });
});

describe("discovery", () => {
  it("the whole catalogue is compact (well under 2,000 tokens)", () => {
    const json = JSON.stringify(listMetrics());
    // ~4 characters per token for English and JSON: 4,000 characters ≈ 1,000 tokens.
    expect(json.length).toBeLessThan(4000);
    expect(listMetrics().metrics.map((m) => m.key)).toEqual(CERTIFIED_METRICS.map((m) => m.key));
  });

  it("describeMetric gives the definition, dimension meanings, readable SQL on both paths and version history", () => {
    for (const m of CERTIFIED_METRICS) {
      const d = describeMetric(m.key);
      expect(d.sql.rawFacts).toContain("FROM");
      expect(d.sql.rawFacts).not.toMatch(/\$\d/);
      expect(d.sql.rawFacts).toContain(":tenant_id");
      expect(d.sql.rollups).toContain("rollup_");
      expect(d.changeLog.length).toBeGreaterThan(0);
      expect(d.dimensionDetails.map((x) => x.dimension)).toEqual([...m.dimensions]);
    }
    expect(describeMetric("active_members").sql.rawFacts).toMatch(/SELECT DISTINCT b.period, b.member_id[\s\S]*COUNT\(d.member_id\)|COUNT\(d.member_id\)[\s\S]*SELECT DISTINCT b.period, b.member_id/);
    expect(describeMetric("gmv").sql.rawFacts).toContain("f.status = 'completed'");
    expect(describeMetric("redemption_rate").sql.rawFacts).toContain("redemption_rate = redemptions ÷ coupons_issued");
    expect(() => describeMetric("revenue")).toThrow(GroundingError);
  });
});

describe("with a database", () => {
  let t: TestDatabase;
  let fx: Fixture;
  beforeAll(async () => {
    t = await createTestDatabase();
    fx = await createFixture(t.db);
    await createFixture(t.db, { slug: "other", timeZone: "Asia/Kolkata", currency: "INR", seed: 3 });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("listDimensionValues lists the tenant's own values only", async () => {
    expect((await listDimensionValues(t.db, fx.tenant, "store")).map((s) => s.code)).toEqual(["S01", "S02", "S12", "S13"]);
    expect((await listDimensionValues(t.db, fx.tenant, "region")).map((s) => s.name)).toEqual(["East", "West"]);
    expect((await listDimensionValues(t.db, fx.tenant, "tiers")).map((s) => s.name)).toEqual(["Bronze", "Silver", "Gold"]);
    expect((await listDimensionValues(t.db, fx.tenant, "pool")).map((s) => s.name)).toEqual(["Summer Splash", "Welcome", "Winter"]);
    expect((await listDimensionValues(t.db, fx.tenant, "channel")).map((s) => s.id)).toEqual(["store", "online", "app"]);
    const ids = new Set((await listDimensionValues(t.db, fx.tenant, "store")).map((s) => s.id));
    for (const s of fx.stores) expect(ids.has(s.id)).toBe(true);
    await expect(listDimensionValues(t.db, fx.tenant, "colour")).rejects.toBeInstanceOf(GroundingError);
  });

  it("tenants never see each other's facts or values", async () => {
    const other = await t.db.tenant.findUniqueOrThrow({ where: { slug: "other" } });
    const otherStore = await t.db.store.findFirstOrThrow({ where: { tenantId: other.id } });
    const err = await queryMetric(t.db, fx.tenant, { metric: "gmv", window: "last_week", filters: { store: otherStore.id } }, { now: NOW }).catch((e: unknown) => e);
    expect((err as GroundingError).code).toBe("unknown_filter_value");
    const mine = await queryMetric(t.db, fx.tenant, { metric: "orders", window: "last_30_days" }, { now: NOW });
    const expected = await t.db.order.count({
      where: { tenantId: fx.tenant.id, status: "completed", placedAt: { gte: new Date(mine.provenance.window.start), lt: new Date(mine.provenance.window.end) } },
    });
    expect(mine.total.current).toBe(String(expected));
    const theirs = await queryMetric(t.db, { id: other.id, timeZone: other.timeZone, currency: other.currency }, { metric: "gmv", window: "last_week" }, { now: NOW });
    expect(theirs.provenance).toMatchObject({ timeZone: "Asia/Kolkata", currency: "INR" });
  });

  it("the rollups:rebuild CLI command rebuilds one tenant or all and reports rows", async () => {
    const ctx = { db: async () => t.db, progress: () => {} };
    const one = await rollupsRebuild.run(ctx, rollupsRebuild.schema.parse({ tenant: fx.tenant.slug }));
    expect(one.text).toContain("acme (America/New_York): rollup_order_days");
    const all = await rollupsRebuild.run(ctx, rollupsRebuild.schema.parse({}));
    expect((all.data as { tenants: unknown[] }).tenants).toHaveLength(2);
    const r = await queryMetric(t.db, fx.tenant, { metric: "gmv", window: "last_week" }, { now: NOW });
    expect(r.provenance.source).toBe("rollups");
    await expect(rollupsRebuild.run(ctx, rollupsRebuild.schema.parse({ tenant: "nope" }))).rejects.toThrow(/No tenant "nope"/);
  });
});
