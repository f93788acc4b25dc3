import { describe, expect, it } from "vitest";
import {
  checkWriteLimits,
  describeWriteLimits,
  hasWriteLimits,
  limitHolderNoun,
  storedWriteLimits,
  writeLimitsColumn,
  WriteLimitsInputSchema,
  WriteLimitsSchema,
  type WriteLimits,
} from "./write-limits";

const allowed = { allowed: true };

describe("write limit rules", () => {
  it("caps points per award and per redemption, naming the cap and how to raise it", () => {
    const limits: WriteLimits = { maxPointsPerRequest: 500 };
    expect(checkWriteLimits(limits, "award_points", { points: 500 }, null)).toEqual(allowed);
    const refused = checkWriteLimits(limits, "award_points", { points: 501 }, null);
    expect(refused).toEqual({
      allowed: false,
      code: "limit_exceeded",
      message: "This key may award at most 500 points per request (501 requested); ask an admin to raise the limit.",
      details: { limit: "maxPointsPerRequest", cap: 500, requested: 501 },
    });
    expect(checkWriteLimits(limits, "redeem_points", { points: 900 }, null)).toMatchObject({ allowed: false, message: expect.stringContaining("may redeem at most 500 points") });
    // Writes that move no points are not touched by the points cap.
    expect(checkWriteLimits(limits, "top_up_coupon_pool", { codes: 10_000 }, null)).toEqual(allowed);
  });

  it("caps codes per top-up or new pool", () => {
    const limits: WriteLimits = { maxCodesPerRequest: 200 };
    expect(checkWriteLimits(limits, "top_up_coupon_pool", { codes: 200, pool: "Summer" }, null)).toEqual(allowed);
    expect(checkWriteLimits(limits, "create_coupon_pool", { codes: 201, pool: "Winter" }, null)).toMatchObject({
      allowed: false,
      code: "limit_exceeded",
      message: "This key may add at most 200 coupon codes per request (201 requested); ask an admin to raise the limit.",
      details: { limit: "maxCodesPerRequest", cap: 200, requested: 201 },
    });
  });

  it("caps writes per day: the next one past the cap is refused, at request and at execution", () => {
    const limits: WriteLimits = { maxWritesPerDay: 3 };
    expect(checkWriteLimits(limits, "award_points", { points: 1 }, { writesToday: 2 })).toEqual(allowed);
    expect(checkWriteLimits(limits, "award_points", { points: 1 }, { writesToday: 3 })).toMatchObject({
      allowed: false,
      message: "This key may request at most 3 writes per day and has reached it today; try again tomorrow, or ask an admin to raise the limit.",
      details: { limit: "maxWritesPerDay", cap: 3, requested: 4 },
    });
    expect(checkWriteLimits(limits, "award_points", {}, { writesToday: 3 }, { phase: "execute" })).toMatchObject({
      allowed: false,
      message: expect.stringContaining("may have at most 3 writes executed per day"),
    });
    // 0 pauses writes altogether.
    expect(checkWriteLimits({ maxWritesPerDay: 0 }, "create_member", {}, { writesToday: 0 })).toMatchObject({ allowed: false });
  });

  it("allows only the listed tiers (every tier the write touches) and pools, case-insensitively", () => {
    const limits: WriteLimits = { allowedTiers: ["Bronze", "Silver"], allowedPools: ["Summer"] };
    expect(checkWriteLimits(limits, "award_points", { points: 10, tiers: ["silver"] }, null)).toEqual(allowed);
    expect(checkWriteLimits(limits, "change_member_tier", { tiers: ["Silver", "Gold"] }, null)).toMatchObject({
      allowed: false,
      message: "This key may only write to members of the tiers Bronze, Silver, not Gold; ask an admin to allow that tier.",
      details: { limit: "allowedTiers", cap: ["Bronze", "Silver"], requested: "Gold" },
    });
    expect(checkWriteLimits(limits, "top_up_coupon_pool", { codes: 5, pool: "SUMMER" }, null)).toEqual(allowed);
    expect(checkWriteLimits(limits, "top_up_coupon_pool", { codes: 5, pool: "Winter" }, null)).toMatchObject({
      allowed: false,
      details: { limit: "allowedPools", requested: "Winter" },
      message: expect.stringContaining("may only write to the coupon pools Summer, not Winter"),
    });
  });

  it("lets everything through without limits, and names the credential that holds them", () => {
    expect(checkWriteLimits({}, "award_points", { points: 1_000_000, tiers: ["Gold"], pool: "Any" }, { writesToday: 10_000 })).toEqual(allowed);
    expect(checkWriteLimits(null, "award_points", { points: 1 }, null)).toEqual(allowed);
    expect(checkWriteLimits({ maxPointsPerRequest: 1 }, "award_points", { points: 2 }, null, { credentialNoun: limitHolderNoun("oauth") })).toMatchObject({
      message: expect.stringMatching(/^This connected app may award at most 1 points/),
    });
    expect(limitHolderNoun("key")).toBe("key");
    expect(limitHolderNoun("key", true)).toBe("connected app");
    expect(limitHolderNoun("slack")).toBe("Slack connection");
  });

  it("validates the shape strictly and stores nothing for no limits", () => {
    expect(WriteLimitsSchema.safeParse({ maxPointsPerRequest: 0 }).success).toBe(false);
    expect(WriteLimitsSchema.safeParse({ maxPointsPerRequest: 1.5 }).success).toBe(false);
    expect(WriteLimitsSchema.safeParse({ maxPoints: 10 }).success).toBe(false);
    expect(WriteLimitsSchema.safeParse({ allowedTiers: [] }).success).toBe(false);
    expect(WriteLimitsSchema.parse({ allowedTiers: ["Gold", "gold", " Silver "] })).toEqual({ allowedTiers: ["gold", "Silver"] });
    expect(hasWriteLimits({})).toBe(false);
    expect(writeLimitsColumn({})).toBeNull();
    expect(writeLimitsColumn({ maxWritesPerDay: 5, maxPointsPerRequest: undefined })).toEqual({ maxWritesPerDay: 5 });
  });

  it("reads stored limits, and fails closed on unreadable ones (writes paused)", () => {
    expect(storedWriteLimits(null)).toEqual({});
    expect(storedWriteLimits({ maxCodesPerRequest: 50 })).toEqual({ maxCodesPerRequest: 50 });
    expect(storedWriteLimits({ maxCodesPerRequest: "lots" })).toEqual({ maxWritesPerDay: 0 });
  });

  it("describes the limits in one line each", () => {
    expect(describeWriteLimits({ maxPointsPerRequest: 500, maxCodesPerRequest: 100, maxWritesPerDay: 20, allowedTiers: ["Bronze"], allowedPools: ["Summer", "Winter"] })).toEqual([
      "at most 500 points per award or redemption",
      "at most 100 codes per top-up or new pool",
      "at most 20 write requests per day",
      "members of Bronze only",
      "pools Summer, Winter only",
    ]);
    expect(describeWriteLimits({})).toEqual([]);
    expect(describeWriteLimits({ maxWritesPerDay: 0 })).toEqual(["writes paused (0 write requests per day)"]);
  });
});

describe("write limits as an admin types them", () => {
  it("reads blank fields as no cap and comma-separated names as lists", () => {
    expect(WriteLimitsInputSchema.parse({ maxPointsPerRequest: " 500 ", maxCodesPerRequest: "", maxWritesPerDay: "1,000", allowedTiers: "Bronze, Silver,", allowedPools: "" })).toEqual({
      maxPointsPerRequest: 500,
      maxWritesPerDay: 1000,
      allowedTiers: ["Bronze", "Silver"],
    });
    expect(WriteLimitsInputSchema.parse({ allowedTiers: ["Gold", "Silver"] })).toEqual({ allowedTiers: ["Gold", "Silver"] });
    expect(WriteLimitsInputSchema.parse({})).toEqual({});
  });

  it("names the field in its refusals", () => {
    const messages = (input: Record<string, unknown>) => {
      const r = WriteLimitsInputSchema.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => i.message);
    };
    expect(messages({ maxPointsPerRequest: "lots" })).toEqual(["Points per award or redemption must be a whole number"]);
    expect(messages({ maxCodesPerRequest: "0" })).toEqual(["Codes per top-up must be at least 1"]);
    expect(messages({ maxWritesPerDay: "2.5" })).toEqual(["Write requests per day must be a whole number"]);
    expect(messages({ maxPointsPerRequest: "2000000" })).toEqual(["Points per award or redemption must be at most 1,000,000"]);
  });
});
