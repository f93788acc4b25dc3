// Every kind of question the layer cannot ground is refused with a typed error and the closest
// valid options — never a silent zero or a guess.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/database";
import { explainChange } from "./explain-change";
import { closestOptions, editDistance, GroundingError, type GroundingCode } from "./grounding";
import { queryMetric, type QueryMetricInput } from "./query-metric";
import { createFixture, NOW, type Fixture } from "./test-fixtures";

let t: TestDatabase;
let fx: Fixture;

beforeAll(async () => {
  t = await createTestDatabase();
  fx = await createFixture(t.db);
});
afterAll(async () => {
  await t?.close();
});

async function refusal(input: QueryMetricInput | Record<string, unknown>): Promise<GroundingError> {
  try {
    await queryMetric(t.db, fx.tenant, input as QueryMetricInput, { now: NOW });
  } catch (err) {
    if (err instanceof GroundingError) return err;
    throw err;
  }
  throw new Error(`expected a refusal for ${JSON.stringify(input)}`);
}

async function expectRefusal(input: QueryMetricInput | Record<string, unknown>, code: GroundingCode, suggestion?: string) {
  const err = await refusal(input);
  expect(err.code, err.message).toBe(code);
  if (suggestion) expect(err.suggestions).toContain(suggestion);
  expect(err.toJSON()).toEqual({ code, message: err.message, suggestions: err.suggestions });
  return err;
}

describe("grounding refusals", () => {
  it("unknown metric: suggests the closest certified metrics", async () => {
    const err = await expectRefusal({ metric: "gvm", window: "last_week" }, "unknown_metric", "gmv");
    expect(err.suggestions[0]).toBe("gmv");
    expect(err.message).toContain("redemption_rate");
    expect((await refusal({ metric: "redemption rates", window: "last_week" })).suggestions[0]).toBe("redemption_rate");
    expect((await refusal({ metric: "active member", window: "last_week" })).suggestions[0]).toBe("active_members");
  });

  it("unknown dimension and a dimension the metric does not allow", async () => {
    await expectRefusal({ metric: "gmv", window: "last_week", groupBy: "colour" }, "unknown_dimension");
    await expectRefusal({ metric: "gmv", window: "last_week", groupBy: "stor" }, "unknown_dimension", "store");
    const err = await expectRefusal({ metric: "coupons_issued", window: "last_week", groupBy: "store" }, "dimension_not_allowed", "coupon_pool");
    expect(err.message).toContain("coupons_issued cannot be broken down or filtered by store");
    await expectRefusal({ metric: "redemption_rate", window: "last_week", filters: { tier: "Silver" } }, "dimension_not_allowed");
    await expectRefusal({ metric: "gmv", window: "last_week", groupBy: "coupon_pool" }, "dimension_not_allowed", "store");
    await expectRefusal({ metric: "points_awarded", window: "last_week", groupBy: "tier" }, "dimension_not_allowed", "week");
  });

  it("unknown or ambiguous filter values: suggestions from the tenant's own values", async () => {
    const err = await expectRefusal({ metric: "gmv", window: "last_week", filters: { tier: "Silvr" } }, "unknown_filter_value", "Silver");
    expect(err.suggestions[0]).toBe("Silver");
    await expectRefusal({ metric: "gmv", window: "last_week", filters: { tier: "Platinum" } }, "unknown_filter_value");
    await expectRefusal({ metric: "gmv", window: "last_week", filters: { store: "store 99" } }, "unknown_filter_value");
    await expectRefusal({ metric: "redemptions", window: "last_week", filters: { coupon_pool: "autumn" } }, "unknown_filter_value");
    await expectRefusal({ metric: "gmv", window: "last_week", filters: { channel: "fax" } }, "unknown_filter_value", "store");
    await expectRefusal({ metric: "gmv", window: "last_week", filters: { region: "North" } }, "unknown_filter_value");
    // "S1" is a prefix of nothing exact and matches no store number 1 → refused, not guessed as S12/S13.
    await expectRefusal({ metric: "gmv", window: "last_week", filters: { store: "S3" } }, "unknown_filter_value");
  });

  it("windows: a window with no facts is 'no data', distinct from a true zero", async () => {
    const err = await expectRefusal({ metric: "gmv", window: "last_year" }, "no_data");
    expect(err.message).toMatch(/not a zero/);
    await expectRefusal({ metric: "orders", window: { from: "2030-01-01", to: "2030-01-31" } }, "no_data");
    // A pool with no redemptions yesterday in a window that has coupon facts is a true zero.
    const quiet = await queryMetric(t.db, fx.tenant, { metric: "redemptions", window: { from: "2026-11-22", to: "2026-11-22" }, filters: { store: "S01" } }, { now: NOW });
    expect(quiet.total.current).toMatch(/^\d+$/);
    // A tenant with no facts at all.
    const empty = await t.db.tenant.create({ data: { slug: "empty", name: "Empty", timeZone: "UTC" } });
    const e = await queryMetric(t.db, { id: empty.id, timeZone: "UTC", currency: "USD" }, { metric: "gmv", window: "last_week" }, { now: NOW }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GroundingError);
    expect((e as GroundingError).code).toBe("no_data");
  });

  it("invalid windows and malformed input", async () => {
    await expectRefusal({ metric: "gmv", window: { from: "2026-02-30", to: "2026-03-01" } }, "invalid_query");
    await expectRefusal({ metric: "gmv", window: "last_fortnight" }, "invalid_query");
    await expectRefusal({ metric: "gmv", window: "last_week", groupBy: ["store", "tier", "channel"] }, "invalid_query");
    await expectRefusal({ metric: "gmv", window: "last_week", groupBy: ["week", "month"] }, "invalid_query");
    await expectRefusal({ metric: "gmv", window: "last_week", groupBy: ["store", "stores"] }, "invalid_query");
  });

  it("explainChange refuses the same way", async () => {
    const err = await explainChange(t.db, fx.tenant, { metric: "redemptions", window: "last_week", compareTo: "prior_week", dimensions: "colour" }, { now: NOW }).catch((x: unknown) => x);
    expect((err as GroundingError).code).toBe("unknown_dimension");
    const noData = await explainChange(t.db, fx.tenant, { metric: "gmv", window: "last_week", compareTo: "same_period_last_year", dimensions: "store" }, { now: NOW }).catch((x: unknown) => x);
    expect((noData as GroundingError).code).toBe("no_data");
  });
});

describe("values that look like SQL are data", () => {
  it("an injection-looking filter value is an unknown value, and the tables are intact", async () => {
    const before = await t.db.order.count({ where: { tenantId: fx.tenant.id } });
    for (const value of ["x'; DROP TABLE orders;--", "' OR 1=1 --", "00000000-0000-0000-0000-000000000000' OR '1'='1", "$1", "Silver'); DELETE FROM members; --"]) {
      await expectRefusal({ metric: "gmv", window: "last_week", filters: { tier: value } }, "unknown_filter_value");
      await expectRefusal({ metric: value, window: "last_week" }, "unknown_metric");
      await expectRefusal({ metric: "gmv", window: "last_week", groupBy: value.slice(0, 40) }, "unknown_dimension");
    }
    expect(await t.db.order.count({ where: { tenantId: fx.tenant.id } })).toBe(before);
  });

  it("a store whose name contains SQL is matched by name and queried as a bound value", async () => {
    const harbor = fx.stores.find((s) => s.code === "S13");
    const r = await queryMetric(t.db, fx.tenant, { metric: "orders", window: "last_30_days", filters: { store: "Harbor; DROP TABLE orders;--" } }, { now: NOW });
    expect(r.provenance.filters[0]?.values[0]?.id).toBe(harbor?.id);
    const direct = await t.db.order.count({
      where: { tenantId: fx.tenant.id, storeId: harbor?.id ?? "", status: "completed", placedAt: { gte: new Date(r.provenance.window.start), lt: new Date(r.provenance.window.end) } },
    });
    expect(r.total.current).toBe(String(direct));
  });
});

describe("suggestion ranking", () => {
  it("edit distance and containment", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(closestOptions("silvr", ["Bronze", "Silver", "Gold"])[0]).toBe("Silver");
    expect(closestOptions("summer", ["Winter", "Summer Splash", "Welcome"])[0]).toBe("Summer Splash");
  });
});
