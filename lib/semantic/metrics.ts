// The certified metric registry. Every number the product reports is defined here, reviewed like
// code, versioned, and compiled to SQL only from these definitions (see ./compile.ts).
//
// Definitions in words (one place; docs/semantic-layer.md repeats them):
// - A *completed order* is an order with status = 'completed'; refunded and cancelled orders never
//   count towards GMV, orders, AOV or activity.
// - An *active member* in a window is a member with at least one completed order placed in that
//   window. This is the only definition of "active" in the product.
// - Days are local days in the tenant's time zone; see ./resolve-window.ts.

export const ENTITY_DIMENSIONS = ["store", "region", "tier", "coupon_pool", "channel"] as const;
export type EntityDimension = (typeof ENTITY_DIMENSIONS)[number];
export const TIME_GRAINS = ["day", "week", "month"] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];
export type GroupKey = EntityDimension | TimeGrain;

export type Unit = "currency" | "count" | "ratio" | "points";

/** A fact source: one fact table, its time column, the rows that count, and its rollup. */
export type SourceKey =
  | "completed_orders"
  | "member_activity"
  | "coupon_issues"
  | "coupon_redemptions"
  | "member_joins"
  | "points_awards"
  | "points_redemptions";

/** Columns a source's base rows expose; dimensions and measures refer to them. */
export type BaseColumn =
  | "store_id"
  | "tier_id"
  | "channel"
  | "pool_id"
  | "member_id"
  | "orders"
  | "gmv_minor"
  | "issued"
  | "redeemed"
  | "members"
  | "points";

export type FactSource = {
  key: SourceKey;
  /** The facts in words. */
  facts: string;
  /** Raw fact table (with alias f) and any joins. */
  rawFrom: string;
  /** Conditions on the raw rows besides tenant and time. */
  rawWhere: string[];
  /** Timestamp column deciding which window a fact falls in. */
  rawTime: string;
  rawColumns: Partial<Record<BaseColumn, string>>;
  rollupTable: string;
  rollupWhere: string[];
  rollupColumns: Partial<Record<BaseColumn, string>>;
  /** Which base column carries each entity dimension (region comes from the store). */
  dimensionColumns: Partial<Record<EntityDimension, BaseColumn>>;
  /** What each dimension means for this source, when it needs saying. */
  dimensionNotes: Partial<Record<EntityDimension, string>>;
  /** Timestamp columns whose earliest/latest values bound the data (freshness, "no data"). */
  coverage: { table: string; column: string }[];
};

const ORDER_TIME_COVERAGE = [{ table: "orders", column: "placed_at" }];
const COUPON_COVERAGE = [
  { table: "coupons", column: "issued_at" },
  { table: "coupons", column: "redeemed_at" },
];

export const FACT_SOURCES: Record<SourceKey, FactSource> = {
  completed_orders: {
    key: "completed_orders",
    facts: "orders with status completed",
    rawFrom: `"orders" f`,
    rawWhere: [`f.status = 'completed'`],
    rawTime: "f.placed_at",
    rawColumns: { store_id: "f.store_id", tier_id: "f.tier_id", channel: "f.channel::text", orders: "1", gmv_minor: "f.total_minor" },
    rollupTable: "rollup_order_days",
    rollupWhere: [],
    rollupColumns: { store_id: "r.store_id", tier_id: "r.tier_id", channel: "r.channel::text", orders: "r.orders", gmv_minor: "r.gmv_minor" },
    dimensionColumns: { store: "store_id", region: "store_id", tier: "tier_id", channel: "channel" },
    dimensionNotes: {
      store: "store where the order was placed (orders.store_id)",
      tier: "member's tier when the order was placed (orders.tier_id); guest orders have no tier",
      region: "region of the order's store",
    },
    coverage: ORDER_TIME_COVERAGE,
  },
  member_activity: {
    key: "member_activity",
    facts: "completed orders placed by members (guest orders excluded)",
    rawFrom: `"orders" f`,
    rawWhere: [`f.status = 'completed'`, `f.member_id IS NOT NULL`],
    rawTime: "f.placed_at",
    rawColumns: { store_id: "f.store_id", tier_id: "f.tier_id", channel: "f.channel::text", member_id: "f.member_id" },
    rollupTable: "rollup_member_days",
    rollupWhere: [],
    rollupColumns: { store_id: "r.store_id", tier_id: "r.tier_id", channel: "r.channel::text", member_id: "r.member_id" },
    dimensionColumns: { store: "store_id", region: "store_id", tier: "tier_id", channel: "channel" },
    dimensionNotes: {
      store: "store of the member's completed orders; a member active in two stores counts once in each and once in the total",
      tier: "member's tier at the time of the order (orders.tier_id); a member who changed tier can count in both",
      region: "region of the order's store",
      channel: "channel of the member's completed orders",
    },
    coverage: ORDER_TIME_COVERAGE,
  },
  coupon_issues: {
    key: "coupon_issues",
    facts: "coupons issued to members (issued_at set), including coupons later voided",
    rawFrom: `"coupons" f`,
    rawWhere: [],
    rawTime: "f.issued_at",
    rawColumns: { pool_id: "f.pool_id", issued: "1" },
    rollupTable: "rollup_coupon_days",
    rollupWhere: ["r.issued > 0"],
    rollupColumns: { pool_id: "r.pool_id", issued: "r.issued" },
    dimensionColumns: { coupon_pool: "pool_id" },
    dimensionNotes: { coupon_pool: "pool the coupon belongs to (coupons.pool_id)" },
    coverage: COUPON_COVERAGE,
  },
  coupon_redemptions: {
    key: "coupon_redemptions",
    facts: "coupons redeemed (redeemed_at set); store, tier and channel come from the redeeming order",
    rawFrom: `"coupons" f LEFT JOIN "orders" o ON o.id = f.order_id`,
    rawWhere: [],
    rawTime: "f.redeemed_at",
    rawColumns: { pool_id: "f.pool_id", store_id: "o.store_id", tier_id: "o.tier_id", channel: "o.channel::text", redeemed: "1" },
    rollupTable: "rollup_coupon_days",
    rollupWhere: ["r.redeemed > 0"],
    rollupColumns: { pool_id: "r.pool_id", store_id: "r.store_id", tier_id: "r.tier_id", channel: "r.channel::text", redeemed: "r.redeemed" },
    dimensionColumns: { coupon_pool: "pool_id", store: "store_id", region: "store_id", tier: "tier_id", channel: "channel" },
    dimensionNotes: {
      coupon_pool: "pool the coupon belongs to (coupons.pool_id)",
      store: "store of the redeeming order (coupons.order_id → orders.store_id)",
      tier: "tier on the redeeming order (orders.tier_id)",
      channel: "channel of the redeeming order",
      region: "region of the redeeming order's store",
    },
    coverage: COUPON_COVERAGE,
  },
  member_joins: {
    key: "member_joins",
    facts: "members by the time they joined (members.joined_at)",
    rawFrom: `"members" f`,
    rawWhere: [],
    rawTime: "f.joined_at",
    rawColumns: { store_id: "f.home_store_id", tier_id: "f.tier_id", members: "1" },
    rollupTable: "rollup_member_join_days",
    rollupWhere: [],
    rollupColumns: { store_id: "r.home_store_id", tier_id: "r.tier_id", members: "r.members" },
    dimensionColumns: { store: "store_id", region: "store_id", tier: "tier_id" },
    dimensionNotes: {
      store: "member's home store (members.home_store_id)",
      region: "region of the member's home store",
      tier: "member's current tier (members.tier_id)",
    },
    coverage: [{ table: "members", column: "joined_at" }, ...ORDER_TIME_COVERAGE],
  },
  points_awards: {
    key: "points_awards",
    facts: "points ledger entries of kind award",
    rawFrom: `"points_entries" f`,
    rawWhere: [`f.kind = 'award'`],
    rawTime: "f.created_at",
    rawColumns: { points: "f.delta" },
    rollupTable: "rollup_points_days",
    rollupWhere: [`r.kind = 'award'`],
    rollupColumns: { points: "r.points" },
    dimensionColumns: {},
    dimensionNotes: {},
    coverage: [{ table: "points_entries", column: "created_at" }],
  },
  points_redemptions: {
    key: "points_redemptions",
    facts: "points ledger entries of kind redeem (deltas are negative; reported as positive points)",
    rawFrom: `"points_entries" f`,
    rawWhere: [`f.kind = 'redeem'`],
    rawTime: "f.created_at",
    rawColumns: { points: "-f.delta" },
    rollupTable: "rollup_points_days",
    rollupWhere: [`r.kind = 'redeem'`],
    rollupColumns: { points: "-r.points" },
    dimensionColumns: {},
    dimensionNotes: {},
    coverage: [{ table: "points_entries", column: "created_at" }],
  },
};

/** A measure: an aggregate over one base column of one source. */
export type Measure = { source: SourceKey; column: BaseColumn; aggregate: "sum" | "count_distinct" };

export type Aggregation =
  | { kind: "sum"; measure: Measure }
  | { kind: "count_distinct"; measure: Measure }
  | { kind: "ratio"; numerator: Measure; denominator: Measure; numeratorLabel: string; denominatorLabel: string };

export type ChangeLogEntry = { version: number; date: string; change: string };

export type CertifiedMetric = {
  key: string;
  label: string;
  /** One line for catalogues. */
  summary: string;
  /** The definition in business words. */
  description: string;
  unit: Unit;
  /** Currency metrics are in minor units in SQL; `currency` values are converted to major units. */
  aggregation: Aggregation;
  /** The fact table and time column, in words (e.g. "orders.placed_at"). */
  timeColumn: string;
  dimensions: readonly EntityDimension[];
  owner: string;
  version: number;
  certifiedAt: string;
  changeLog: ChangeLogEntry[];
};

const sum = (source: SourceKey, column: BaseColumn): Measure => ({ source, column, aggregate: "sum" });
const ORDER_DIMENSIONS = ["store", "region", "tier", "channel"] as const;
const FIRST = (change: string): ChangeLogEntry[] => [{ version: 1, date: "2026-11-24", change }];

export const CERTIFIED_METRICS: readonly CertifiedMetric[] = [
  {
    key: "gmv",
    label: "Gross merchandise value",
    summary: "Revenue of completed orders",
    description:
      "Sum of the totals of completed orders placed in the window. Refunded and cancelled orders are excluded. Reported in the tenant's currency.",
    unit: "currency",
    aggregation: { kind: "sum", measure: sum("completed_orders", "gmv_minor") },
    timeColumn: "orders.placed_at",
    dimensions: ORDER_DIMENSIONS,
    owner: "Finance analytics",
    version: 1,
    certifiedAt: "2026-11-24",
    changeLog: FIRST("Certified: completed orders only, totals in minor units."),
  },
  {
    key: "orders",
    label: "Orders",
    summary: "Number of completed orders",
    description: "Number of completed orders placed in the window (member and guest orders). Refunded and cancelled orders are excluded.",
    unit: "count",
    aggregation: { kind: "sum", measure: sum("completed_orders", "orders") },
    timeColumn: "orders.placed_at",
    dimensions: ORDER_DIMENSIONS,
    owner: "Finance analytics",
    version: 1,
    certifiedAt: "2026-11-24",
    changeLog: FIRST("Certified."),
  },
  {
    key: "aov",
    label: "Average order value",
    summary: "GMV divided by completed orders",
    description: "GMV divided by the number of completed orders in the window, rounded to the currency's minor unit. Undefined (null) when there are no orders.",
    unit: "currency",
    aggregation: {
      kind: "ratio",
      numerator: sum("completed_orders", "gmv_minor"),
      denominator: sum("completed_orders", "orders"),
      numeratorLabel: "gmv",
      denominatorLabel: "orders",
    },
    timeColumn: "orders.placed_at",
    dimensions: ORDER_DIMENSIONS,
    owner: "Finance analytics",
    version: 1,
    certifiedAt: "2026-11-24",
    changeLog: FIRST("Certified: ratio of sums (not an average of per-store averages)."),
  },
  {
    key: "active_members",
    label: "Active members",
    summary: "Members with ≥1 completed order in the window",
    description:
      "Distinct members with at least one completed order placed in the window. Guest orders do not count. Broken down by store, tier or channel, a member counts once in every value they were active in, so parts can add up to more than the total.",
    unit: "count",
    aggregation: { kind: "count_distinct", measure: { source: "member_activity", column: "member_id", aggregate: "count_distinct" } },
    timeColumn: "orders.placed_at",
    dimensions: ORDER_DIMENSIONS,
    owner: "Loyalty analytics",
    version: 1,
    certifiedAt: "2026-11-24",
    changeLog: FIRST("Certified: active = at least one completed order in the window."),
  },
  {
    key: "new_members",
    label: "New members",
    summary: "Members who joined in the window",
    description: "Number of members whose join time (members.joined_at) falls in the window, whatever their status today.",
    unit: "count",
    aggregation: { kind: "sum", measure: sum("member_joins", "members") },
    timeColumn: "members.joined_at",
    dimensions: ["store", "region", "tier"],
    owner: "Loyalty analytics",
    version: 1,
    certifiedAt: "2026-11-24",
    changeLog: FIRST("Certified: by join time; store is the home store, tier the current tier."),
  },
  {
    key: "redemptions",
    label: "Coupon redemptions",
    summary: "Coupons redeemed in the window",
    description: "Number of coupons redeemed in the window (coupons.redeemed_at). Store, tier and channel are those of the redeeming order.",
    unit: "count",
    aggregation: { kind: "sum", measure: sum("coupon_redemptions", "redeemed") },
    timeColumn: "coupons.redeemed_at",
    dimensions: ["coupon_pool", "store", "region", "tier", "channel"],
    owner: "CRM",
    version: 1,
    certifiedAt: "2026-11-24",
    changeLog: FIRST("Certified."),
  },
  {
    key: "coupons_issued",
    label: "Coupons issued",
    summary: "Coupons issued to members in the window",
    description: "Number of coupons issued in the window (coupons.issued_at), including coupons voided later. Codes generated but never issued do not count.",
    unit: "count",
    aggregation: { kind: "sum", measure: sum("coupon_issues", "issued") },
    timeColumn: "coupons.issued_at",
    dimensions: ["coupon_pool"],
    owner: "CRM",
    version: 1,
    certifiedAt: "2026-11-24",
    changeLog: FIRST("Certified."),
  },
  {
    key: "redemption_rate",
    label: "Redemption rate",
    summary: "Redemptions in the window ÷ coupons issued in the window",
    description:
      "Coupons redeemed in the window divided by coupons issued in the same window (a flow ratio: a coupon issued before the window and redeemed in it counts in the numerator only). Undefined (null) when no coupons were issued. Only coupon_pool is allowed as a breakdown because issued coupons have no store, tier or channel.",
    unit: "ratio",
    aggregation: {
      kind: "ratio",
      numerator: sum("coupon_redemptions", "redeemed"),
      denominator: sum("coupon_issues", "issued"),
      numeratorLabel: "redemptions",
      denominatorLabel: "coupons_issued",
    },
    timeColumn: "coupons.redeemed_at / coupons.issued_at",
    dimensions: ["coupon_pool"],
    owner: "CRM",
    version: 1,
    certifiedAt: "2026-11-24",
    changeLog: FIRST("Certified: flow definition, both counts over the same window."),
  },
  {
    key: "points_awarded",
    label: "Points awarded",
    summary: "Points awarded in the window",
    description: "Sum of points ledger entries of kind award created in the window. Adjustments and expiries are excluded.",
    unit: "points",
    aggregation: { kind: "sum", measure: sum("points_awards", "points") },
    timeColumn: "points_entries.created_at",
    dimensions: [],
    owner: "Loyalty analytics",
    version: 1,
    certifiedAt: "2026-11-24",
    changeLog: FIRST("Certified."),
  },
  {
    key: "points_redeemed",
    label: "Points redeemed",
    summary: "Points redeemed in the window",
    description: "Points spent through ledger entries of kind redeem created in the window, reported as a positive number. Adjustments and expiries are excluded.",
    unit: "points",
    aggregation: { kind: "sum", measure: sum("points_redemptions", "points") },
    timeColumn: "points_entries.created_at",
    dimensions: [],
    owner: "Loyalty analytics",
    version: 1,
    certifiedAt: "2026-11-24",
    changeLog: FIRST("Certified."),
  },
];

export function findMetric(key: string): CertifiedMetric | undefined {
  return CERTIFIED_METRICS.find((m) => m.key === key.trim().toLowerCase());
}

/** The measures a metric reads (one, or two for ratios). */
export function metricMeasures(metric: CertifiedMetric): Measure[] {
  const a = metric.aggregation;
  return a.kind === "ratio" ? [a.numerator, a.denominator] : [a.measure];
}
