// The metric pages' windows and their refusals in words.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findMetric } from "@/lib/semantic";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { formatMetricValue, formatRelativeChange } from "./metric-format";
import { breakdownDimension, metricBreakdown, metricCatalogue, metricTrend, trendWindow } from "./metrics";

describe("metric page windows and formats", () => {
  it("charts the last 13 complete ISO weeks in the tenant's time zone", () => {
    // Tuesday 2026-11-24 01:00 UTC is still Monday 2026-11-23 in New York: the last complete week ends Sunday 22nd.
    expect(trendWindow("America/New_York", new Date("2026-11-24T01:00:00Z"))).toEqual({ from: "2026-08-24", to: "2026-11-22" });
    // On a Monday the week just ended counts.
    expect(trendWindow("UTC", new Date("2026-11-23T12:00:00Z"))).toEqual({ from: "2026-08-24", to: "2026-11-22" });
  });

  it("breaks down by store when it can, else the first dimension, else not at all", () => {
    const dim = (key: string) => {
      const m = findMetric(key);
      if (!m) throw new Error(key);
      return breakdownDimension(m);
    };
    expect(dim("gmv")).toBe("store");
    expect(dim("coupons_issued")).toBe("coupon_pool");
    expect(dim("points_awarded")).toBeNull();
    expect(metricCatalogue().every((m) => m.owner && m.version >= 1 && /^\d{4}-\d{2}-\d{2}$/.test(m.certifiedAt))).toBe(true);
  });

  it("formats values by unit", () => {
    expect(formatMetricValue("1234.5", "currency", "EUR")).toBe("€1,234.50");
    expect(formatMetricValue("0.1234", "ratio")).toBe("12.3%");
    expect(formatMetricValue("12345", "count")).toBe("12,345");
    expect(formatMetricValue(null, "count")).toBe("—");
    expect(formatRelativeChange("-0.04")).toBe("−4.0%");
    expect(formatRelativeChange("0.1234")).toBe("+12.3%");
    expect(formatRelativeChange(null)).toBe("—");
  });
});

describe(`metric pages on ${testRuntime()}`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.close());

  it("refuses in words for a tenant without data instead of charting zeros", async () => {
    const t = await database.db.tenant.create({ data: { slug: "new", name: "New" } });
    const trend = await metricTrend(database.db, t, "gmv");
    expect(trend).toMatchObject({ ok: false, code: "no_data", message: expect.stringContaining("No data") });
    const gmv = findMetric("gmv");
    if (!gmv) throw new Error("gmv");
    expect(await metricBreakdown(database.db, t, gmv)).toMatchObject({ ok: false, code: "no_data" });
  });
});
