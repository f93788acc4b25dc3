import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formatIssues } from "./invoke";

const Schema = z
  .object({
    metric: z.string(),
    groupBy: z.string().optional(),
    filters: z.object({ store: z.string().optional(), couponPool: z.string().optional() }).strict().optional(),
  })
  .strict();

const issuesOf = (value: unknown) => {
  const parsed = Schema.safeParse(value);
  if (parsed.success) throw new Error("expected a failure");
  return formatIssues(parsed.error, Schema);
};

describe("formatIssues", () => {
  it("names the field an unknown one is probably a misspelling of, and lists the fields", () => {
    expect(issuesOf({ metric: "gmv", group_by: "store" })).toBe('arguments: unknown field(s) "group_by" (did you mean "groupBy"?); the fields are metric, groupBy, filters');
    expect(issuesOf({ metric: "gmv", GROUPBY: "store", tenantId: "x" })).toBe(
      'arguments: unknown field(s) "GROUPBY" (did you mean "groupBy"?), "tenantId"; the fields are metric, groupBy, filters',
    );
  });

  it("finds the fields of a nested object through optional wrappers", () => {
    expect(issuesOf({ metric: "gmv", filters: { coupon_pool: "Summer" } })).toBe(
      'filters: unknown field(s) "coupon_pool" (did you mean "couponPool"?); the fields are store, couponPool',
    );
  });

  it("reports other issues as zod words them, and unknown fields without a schema as before", () => {
    expect(issuesOf({ metric: 7 })).toMatch(/^metric: /);
    const parsed = Schema.safeParse({ metric: "gmv", extra: 1 });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(formatIssues(parsed.error)).toBe('arguments: unknown field(s) "extra"');
  });
});
