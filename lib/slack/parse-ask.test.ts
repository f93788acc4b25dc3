// The Slack ask parser: seed questions in Slack wording map to exactly the operations' inputs the
// semantic layer's seed tests use; follow-ups reuse the thread; anything it cannot place is refused.
import { describe, expect, it } from "vitest";
import { CERTIFIED_METRICS } from "@/lib/semantic";
import { METRIC_SYNONYMS, parseAsk, threadAskOf, type Vocabulary } from "./parse-ask";

const vocab: Vocabulary = {
  tier: ["Bronze", "Silver", "Gold"].map((name) => ({ id: name, name })),
  coupon_pool: ["Birthday", "Summer", "VIP", "Welcome", "Winback"].map((name) => ({ id: name, name })),
  store: [
    { id: "s07", code: "S07", name: "Chicago Wicker Park" },
    { id: "s11", code: "S11", name: "San Francisco Mission" },
    { id: "s05", code: "S05", name: "Chicago Loop" },
  ],
  region: ["Midwest", "Northeast", "West"].map((name) => ({ id: name, name })),
  channel: ["store", "online", "app"].map((name) => ({ id: name, name })),
};

describe("seed questions in Slack wording", () => {
  it("GMV last week by store", () => {
    expect(parseAsk("<@U0BOT> GMV last week by store", vocab)).toEqual({
      kind: "query",
      input: { metric: "gmv", window: "last_week", groupBy: ["store"], limit: 200 },
      defaultedWindow: false,
    });
  });
  it("why are redemptions down versus the prior week?", () => {
    const ask = parseAsk("<@U0BOT> why are redemptions down versus the prior week?", vocab);
    expect(ask).toMatchObject({ kind: "explain", input: { metric: "redemptions", window: "last_week", compareTo: "prior_week" } });
    expect(ask.kind === "explain" && ask.input.dimensions).toContain("coupon_pool");
  });
  it("redemption rate by pool for the last 14 days", () => {
    expect(parseAsk("redemption rate by pool for the last 14 days", vocab)).toMatchObject({
      kind: "query",
      input: { metric: "redemption_rate", window: "last_14_days", groupBy: ["coupon_pool"] },
    });
  });
  it("active members by tier vs last month (the last 30 days against the 30 before)", () => {
    expect(parseAsk("@SocialHub active members by tier vs last month", vocab)).toMatchObject({
      kind: "query",
      input: { metric: "active_members", window: "last_30_days", compareTo: "previous_period", groupBy: ["tier"] },
    });
  });
  it("which stores drove the Silver drop? follows the thread's ask", () => {
    const first = parseAsk("active members by tier vs last month", vocab);
    if (first.kind !== "query") throw new Error("expected a query");
    expect(parseAsk("which stores drove the Silver drop?", vocab, threadAskOf(first))).toEqual({
      kind: "explain",
      input: { metric: "active_members", window: "last_30_days", compareTo: "previous_period", dimensions: ["store"], filters: { tier: ["Silver"] }, limit: 10 },
      defaultedWindow: false,
    });
  });
  it("top up the summer coupon pool by 500 codes", () => {
    expect(parseAsk("@SocialHub top up the summer coupon pool by 500 codes", vocab)).toEqual({ kind: "top_up", input: { pool: "summer", codes: 500 } });
    expect(parseAsk("add 1,200 codes to the Summer pool", vocab)).toEqual({ kind: "top_up", input: { pool: "summer", codes: 1200 } });
  });
});

describe("windows, comparisons, breakdowns and filters", () => {
  it.each([
    ["orders yesterday", "yesterday"],
    ["orders in the past 7 days", "last_7_days"],
    ["orders last 2 weeks", "last_14_days"],
    ["orders this month", "this_month"],
    ["orders last quarter", "last_quarter"],
    ["orders ytd", "this_year"],
  ])("%s → %s", (text, window) => {
    expect(parseAsk(text, vocab)).toMatchObject({ kind: "query", input: { window } });
  });
  it("a comparison after a window keeps the window", () => {
    expect(parseAsk("gmv this week vs last week", vocab)).toMatchObject({ input: { window: "this_week", compareTo: "prior_week" } });
    expect(parseAsk("gmv this month vs last month", vocab)).toMatchObject({ input: { window: "this_month", compareTo: "previous_period" } });
    expect(parseAsk("gmv last week vs last year", vocab)).toMatchObject({ input: { window: "last_week", compareTo: "same_period_last_year" } });
  });
  it("two breakdowns and filters by name, code, pool, region and channel", () => {
    expect(parseAsk("orders last week by store and tier in Silver", vocab)).toMatchObject({ input: { groupBy: ["store", "tier"], filters: { tier: ["Silver"] } } });
    expect(parseAsk("redemptions for the Summer pool last week by store", vocab)).toMatchObject({ input: { metric: "redemptions", filters: { coupon_pool: ["Summer"] }, groupBy: ["store"] } });
    expect(parseAsk("gmv at S07 last week", vocab)).toMatchObject({ input: { filters: { store: ["S07"] } } });
    expect(parseAsk("gmv in Chicago Loop last week", vocab)).toMatchObject({ input: { filters: { store: ["S05"] } } });
    expect(parseAsk("gmv in the Midwest region last week by channel", vocab)).toMatchObject({ input: { filters: { region: ["Midwest"] }, groupBy: ["channel"] } });
    expect(parseAsk("orders online last week", vocab)).toMatchObject({ input: { filters: { channel: ["online"] } } });
  });
  it("no window named: the default, and the answer says so", () => {
    expect(parseAsk("aov by tier", vocab)).toMatchObject({ kind: "query", input: { metric: "aov", window: "last_7_days" }, defaultedWindow: true });
  });
  it("a follow-up with only a breakdown keeps the thread's metric, window and filters", () => {
    const first = parseAsk("gmv last week in Silver", vocab);
    if (first.kind !== "query") throw new Error("expected a query");
    expect(parseAsk("and by store?", vocab, threadAskOf(first))).toMatchObject({ kind: "query", input: { metric: "gmv", window: "last_week", groupBy: ["store"], filters: { tier: ["Silver"] } } });
    expect(parseAsk("what about Gold", vocab, threadAskOf(first))).toMatchObject({ input: { filters: { tier: ["Gold"] } } });
  });
  it("what is … asks for the definition", () => {
    expect(parseAsk("what is redemption rate?", vocab)).toEqual({ kind: "definition", metric: "redemption_rate" });
  });
});

describe("grounding: refuse, never guess", () => {
  it("an unknown metric is refused with suggestions", () => {
    const ask = parseAsk("churn by store last week", vocab);
    expect(ask).toMatchObject({ kind: "not_understood", code: "unknown_metric" });
    expect(ask.kind === "not_understood" && ask.suggestions.length).toBeGreaterThan(0);
  });
  it("a misspelt metric gets the right suggestion", () => {
    const ask = parseAsk("redemtion rat last week", vocab);
    expect(ask.kind === "not_understood" && ask.suggestions[0]).toBe("redemption rate");
  });
  it("an unknown filter value is refused, not dropped", () => {
    const ask = parseAsk("gmv last week in Platinum", vocab);
    expect(ask).toMatchObject({ kind: "not_understood", code: "unknown_filter" });
    expect(parseAsk("redemptions for the Easter pool", vocab)).toMatchObject({ kind: "not_understood", code: "unknown_filter" });
  });
  it("an uncertified window is refused", () => {
    expect(parseAsk("gmv last 9 days", vocab)).toMatchObject({ kind: "not_understood", code: "unknown_window" });
  });
  it("writes other than a top-up are refused in Slack", () => {
    expect(parseAsk("award 500 points to member M-1", vocab)).toMatchObject({ kind: "not_understood", code: "unsupported_write" });
  });
  it("every synonym names a certified metric", () => {
    const keys = new Set(CERTIFIED_METRICS.map((m) => m.key));
    for (const key of Object.keys(METRIC_SYNONYMS)) expect(keys.has(key)).toBe(true);
    for (const m of CERTIFIED_METRICS) expect(parseAsk(`${m.label} last week`, vocab)).toMatchObject({ kind: "query", input: { metric: m.key } });
  });
});
