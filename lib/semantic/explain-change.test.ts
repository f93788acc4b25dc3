// explainChange: contributions add up to the total change (exactly for sums and ratios; with an
// explicit residual for distinct counts), ratios split into rate and mix effects, rankings follow
// the direction of the change. Checked against hand-written SQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/database";
import { Fraction } from "./exact";
import { explainChange, ExplainChangeInput, type ExplainChangeResult } from "./explain-change";
import { rebuildRollups } from "./rollups";
import { createFixture, NOW, type Fixture } from "./test-fixtures";

let t: TestDatabase;
let fx: Fixture;

beforeAll(async () => {
  t = await createTestDatabase();
  fx = await createFixture(t.db);
  await rebuildRollups(t.db, fx.tenant.id);
});
afterAll(async () => {
  await t?.close();
});

const sum = (xs: (string | undefined)[]) => xs.reduce((acc, x) => acc.add(Fraction.of(x ?? "0")), Fraction.ZERO);

function checkAddsUp(r: ExplainChangeResult) {
  const total = Fraction.of(r.total.change?.absolute ?? "0");
  for (const d of r.byDimension) {
    const parts = sum([...d.contributors.map((c) => c.contribution), d.others?.contribution, d.residual?.value]);
    // Contributions are shown with the metric's digits (+2 for ratios); they add up within rounding.
    expect(Math.abs(parts.sub(total).toNumber()), `${r.metric.key} by ${d.dimension}`).toBeLessThan(0.0001 * (d.contributors.length + 2));
  }
}

describe("explainChange", () => {
  it("says what dimensions it needs when they are missing or malformed, not zod's bare \"Invalid input\"", () => {
    const issue = (input: unknown) => {
      const parsed = ExplainChangeInput.safeParse(input);
      return parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    };
    expect(issue({ metric: "gmv", window: "last_week" })).toMatch(/^dimensions: required: a dimension to attribute the change to, or a list of 1 to 3, such as "coupon_pool"/);
    expect(issue({ metric: "gmv", window: "last_week", dimensions: ["store", "tier", "channel", "region"] })).toMatch(/^dimensions: expected: .*list of 1 to 3/);
    expect(issue({ metric: "gmv", window: "last_week", dimensions: 5 })).toMatch(/^dimensions: expected: /);
    expect(issue({ metric: "gmv", window: "last_week", dimensions: "store" })).toBeNull();
  });

  it("additive metric: per-store changes equal hand-written SQL and add up exactly", async () => {
    const r = await explainChange(t.db, fx.tenant, { metric: "orders", window: "last_week", compareTo: "prior_week", dimensions: ["store", "channel"] }, { now: NOW });
    const rows = await t.db.$queryRawUnsafe<{ k: string; d: string }[]>(
      `SELECT store_id::text AS k,
              (COUNT(*) FILTER (WHERE (placed_at AT TIME ZONE 'America/New_York')::date BETWEEN '2026-11-16' AND '2026-11-22')
             - COUNT(*) FILTER (WHERE (placed_at AT TIME ZONE 'America/New_York')::date BETWEEN '2026-11-09' AND '2026-11-15'))::text AS d
       FROM orders WHERE tenant_id = $1::uuid AND status = 'completed' GROUP BY 1`,
      fx.tenant.id,
    );
    const byStore = r.byDimension.find((d) => d.dimension === "store");
    for (const row of rows) {
      const c = byStore?.contributors.find((x) => x.id === row.k);
      if (row.d !== "0" || c) expect(c?.contribution ?? "0", row.k).toBe(row.d);
    }
    expect(byStore?.residual).toBeNull();
    const total = BigInt(r.total.change?.absolute ?? "0");
    expect(byStore?.contributors.reduce((acc, c) => acc + BigInt(c.contribution), 0n)).toBe(total);
    // Ranked in the direction of the change.
    const values = byStore?.contributors.map((c) => Number(c.contribution)) ?? [];
    const sorted = [...values].sort((a, b) => (total < 0n ? a - b : b - a));
    expect(values).toEqual(sorted);
    checkAddsUp(r);
    expect(r.summary).toContain("Orders");
  });

  it("limit folds the rest into 'others' without losing the total", async () => {
    const r = await explainChange(t.db, fx.tenant, { metric: "gmv", window: "last_30_days", compareTo: "previous_period", dimensions: "store", limit: 2 }, { now: NOW });
    const d = r.byDimension[0];
    expect(d?.contributors).toHaveLength(2);
    expect(d?.others?.count).toBe(2);
    checkAddsUp(r);
    const exact = sum([...(d?.contributors.map((c) => c.contribution) ?? []), d?.others?.contribution]);
    expect(exact.toFixed(2)).toBe(r.total.change?.absolute);
  });

  it("distinct counts: per-store changes plus an explicit residual equal the total change", async () => {
    const r = await explainChange(t.db, fx.tenant, { metric: "active_members", window: "last_30_days", compareTo: "previous_period", dimensions: "store", filters: { tier: "Silver" } }, { now: NOW });
    const d = r.byDimension[0];
    const parts = sum(d?.contributors.map((c) => c.contribution) ?? []);
    const residual = Fraction.of(d?.residual?.value ?? "0");
    expect(parts.add(residual).toFixed(0)).toBe(r.total.change?.absolute);
    // Members active in several stores make the store values overlap, so this fixture has a residual.
    expect(d?.residual?.explanation).toMatch(/more than one store/);
    expect(r.provenance.filters[0]?.values[0]?.name).toBe("Silver");
  });

  it("ratio metric: rate + mix effects per pool sum to each contribution and to the total change", async () => {
    for (const path of ["raw", "rollup"] as const) {
      const r = await explainChange(t.db, fx.tenant, { metric: "redemption_rate", window: "last_30_days", compareTo: "previous_period", dimensions: "coupon_pool" }, { now: NOW, path });
      const d = r.byDimension[0];
      for (const c of d?.contributors ?? []) {
        expect(Fraction.of(c.rateEffect ?? "0").add(Fraction.of(c.mixEffect ?? "0")).toFixed(6)).toBe(c.contribution);
      }
      expect(d?.effects).toBeDefined();
      const effects = Fraction.of(d?.effects?.rate ?? "0").add(Fraction.of(d?.effects?.mix ?? "0"));
      expect(Math.abs(effects.sub(Fraction.of(r.total.change?.absolute ?? "0")).toNumber())).toBeLessThanOrEqual(0.00005);
      expect(d?.residual).toBeNull();
      checkAddsUp(r);
    }
  });
});
