// The planted stories of the demo data, as named constants. The generator reads them, the tests
// assert them with plain SQL, and docs/demo-data.md explains them; change them here only.

/** Days of history before the as-of date (the as-of day itself has no data). 430 covers
 * "same period last year" for last_30_days, last_week and last_month. */
export const HISTORY_DAYS = 430;

export type ScaleName = "small" | "medium" | "large";
export type ScaleSize = { members: number; orders: number };

/** Sizes of the `demo` tenant; `demo-b` gets DEMO_B_SCALE_FACTOR of them. Orders are approximate. */
export const DEMO_SCALES: Record<ScaleName, ScaleSize> = {
  small: { members: 2_500, orders: 45_000 },
  medium: { members: 50_000, orders: 1_000_000 },
  large: { members: 1_000_000, orders: 10_000_000 },
};
export const DEMO_B_SCALE_FACTOR = 0.2;

export type TierProfile = {
  name: string;
  rank: number;
  minPoints: number;
  /** Relative order frequency. */
  orderWeight: number;
  /** Relative basket size. */
  ticketFactor: number;
  /** Share of members who stop ordering at a random day of the history (ordinary churn). */
  churnShare: number;
  /** Opening points balance range (migrated from before the history). */
  openingPoints: [number, number];
  /** store / online / app shares. */
  channelMix: [number, number, number];
};

export const TIERS: readonly TierProfile[] = [
  { name: "Bronze", rank: 1, minPoints: 0, orderWeight: 1, ticketFactor: 1, churnShare: 0.3, openingPoints: [0, 300], channelMix: [0.7, 0.1, 0.2] },
  { name: "Silver", rank: 2, minPoints: 500, orderWeight: 3.5, ticketFactor: 1.1, churnShare: 0.1, openingPoints: [200, 900], channelMix: [0.55, 0.15, 0.3] },
  { name: "Gold", rank: 3, minPoints: 2000, orderWeight: 5, ticketFactor: 1.25, churnShare: 0.06, openingPoints: [600, 2600], channelMix: [0.4, 0.15, 0.45] },
];
export const BRONZE = 0;
export const SILVER = 1;
export const GOLD = 2;

/** Tier mix of members who existed before the history starts (new members always join as Bronze). */
export const TIER_SHARES: [number, number, number] = [0.61, 0.27, 0.12];
export const GUEST_CHANNEL_MIX: [number, number, number] = [0.85, 0.15, 0];

/** Promotions happen only long before the story windows, so recent tier counts move only by the stories. */
export const PROMOTIONS = { bronzeToSilver: 0.1, silverToGold: 0.08, noLaterThanDaysBeforeAsOf: 150 } as const;

export const MEMBER_BEHAVIOUR = {
  /** Share of members who join during the history (at a steady daily rate, with a first order). */
  joinShare: 0.2,
  /** Members who existed before the history joined over this many years before it. */
  priorYears: 3,
  /** Share of a member's orders placed at their home store. */
  homeStoreShare: 0.9,
  refundedShare: 0.02,
  cancelledShare: 0.015,
  /** Points awarded per whole currency unit of a completed order. */
  pointsPerUnit: 1,
  rewardPoints: 500,
  /** Chance that a member with enough points redeems a reward on a completed order. */
  rewardChance: 0.2,
  /** Share of Silver and Gold members holding an ambassador code. */
  ambassadorShare: 0.02,
} as const;

/** Share of all orders placed by guests (no member). */
export const GUEST_ORDER_SHARE = 0.25;

/** Order volume by ISO weekday, Monday first: Saturdays and Sundays are busier and baskets larger. */
export const WEEKDAY_VOLUME = [0.88, 0.9, 0.93, 0.97, 1.07, 1.32, 1.18] as const;
export const WEEKEND_TICKET_FACTOR = 1.15;
/** Relative order volume by local hour 06:00–21:00 (morning coffee peak). */
export const HOUR_VOLUME = [4, 10, 12, 9, 6, 7, 8, 6, 5, 5, 6, 5, 4, 3, 2, 1] as const;
export const FIRST_HOUR = 6;

export type StoreProfile = {
  code: string;
  name: string;
  region: string;
  /** Relative size: share of home members and guest traffic. */
  weight: number;
  /** Typical basket in minor units. */
  ticketMinor: number;
};

export type PoolAudience = "new_members" | "members" | "gold";

export type PoolProfile = {
  name: string;
  campaign: string | null;
  codePrefix: string;
  discountType: "percent" | "amount";
  discountValue: number;
  audience: PoolAudience;
  /** Coupons issued per member per day (ignored for new_members: one each on joining). */
  dailyIssuePerMember: number;
  /** Share of issued coupons that get redeemed. */
  redemptionRate: number;
  /** Weights of the redemption delay in days after issue: index 0 = same day. */
  redemptionDelay: readonly number[];
  /** A campaign pool starts this many weeks before last week's Monday; omitted = always on. */
  campaignStartWeeksBeforeLastWeek?: number;
  /** The pool runs out of codes last week: all its codes are issued by then. */
  runsOutLastWeek?: { isoWeekday: number; beforeLocalHour: number };
};

const QUICK_REDEMPTION = [0.3, 0.25, 0.2, 0.15, 0.1] as const;

// ─────────────── the `demo` tenant ───────────────

export const DEMO_TENANT = { slug: "demo", name: "Demo Coffee Co.", timeZone: "America/New_York", currency: "USD" } as const;

export const DEMO_STORES: readonly StoreProfile[] = [
  { code: "S01", name: "Boston Back Bay", region: "Northeast", weight: 1.4, ticketMinor: 1150 },
  { code: "S02", name: "New York Flatiron", region: "Northeast", weight: 1.6, ticketMinor: 1250 },
  { code: "S03", name: "Brooklyn Heights", region: "Northeast", weight: 1.1, ticketMinor: 1100 },
  { code: "S04", name: "Philadelphia Rittenhouse", region: "Northeast", weight: 0.9, ticketMinor: 1050 },
  { code: "S05", name: "Chicago Loop", region: "Midwest", weight: 1.3, ticketMinor: 1050 },
  { code: "S06", name: "Minneapolis North Loop", region: "Midwest", weight: 0.7, ticketMinor: 980 },
  { code: "S07", name: "Chicago Wicker Park", region: "Midwest", weight: 1.35, ticketMinor: 1080 },
  { code: "S08", name: "Detroit Corktown", region: "Midwest", weight: 0.6, ticketMinor: 950 },
  { code: "S09", name: "Seattle Capitol Hill", region: "West", weight: 1.2, ticketMinor: 1150 },
  { code: "S10", name: "Portland Pearl District", region: "West", weight: 0.8, ticketMinor: 1050 },
  { code: "S11", name: "San Francisco Mission", region: "West", weight: 1.45, ticketMinor: 1300 },
  { code: "S12", name: "Denver LoDo", region: "West", weight: 0.75, ticketMinor: 1000 },
];

/** Story 2: the "Summer" pool runs out of codes on Wednesday of last week, before 13:00 local time. */
export const SUMMER_POOL_NAME = "Summer";
export const SUMMER_RUNS_OUT = { isoWeekday: 3, beforeLocalHour: 13 } as const;

export const DEMO_POOLS: readonly PoolProfile[] = [
  { name: "Welcome", campaign: "New member welcome", codePrefix: "WELCOME", discountType: "amount", discountValue: 300, audience: "new_members", dailyIssuePerMember: 0, redemptionRate: 0.45, redemptionDelay: [0, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1] },
  { name: "Birthday", campaign: "Birthday treat", codePrefix: "BDAY", discountType: "percent", discountValue: 20, audience: "members", dailyIssuePerMember: 1 / 365, redemptionRate: 0.62, redemptionDelay: QUICK_REDEMPTION },
  { name: "Winback", campaign: "We miss you", codePrefix: "WINBACK", discountType: "amount", discountValue: 500, audience: "members", dailyIssuePerMember: 0.0015, redemptionRate: 0.1, redemptionDelay: QUICK_REDEMPTION },
  { name: "VIP", campaign: "Gold appreciation", codePrefix: "VIP", discountType: "percent", discountValue: 15, audience: "gold", dailyIssuePerMember: 0.002, redemptionRate: 0.78, redemptionDelay: QUICK_REDEMPTION },
  { name: SUMMER_POOL_NAME, campaign: "Summer refreshers", codePrefix: "SUMMER", discountType: "percent", discountValue: 10, audience: "members", dailyIssuePerMember: 0.01, redemptionRate: 0.35, redemptionDelay: QUICK_REDEMPTION, campaignStartWeeksBeforeLastWeek: 8, runsOutLastWeek: SUMMER_RUNS_OUT },
];

/**
 * Stories 4 and 5: Silver members of two stores stop coming 32–44 days before the as-of date, so
 * Silver active members fall in last_30_days versus the 30 days before, and most of the fall is at
 * these two stores. A few Silver members elsewhere lapse in the same weeks.
 */
export const SILVER_DROP_STORE_CODES = ["S07", "S11"] as const;
export const SILVER_DROP = {
  storeCodes: SILVER_DROP_STORE_CODES,
  /** Those stores have more Silver members than the rest. */
  silverShareAtStores: 0.38,
  /** Share of their Silver members who lapse. */
  lapseShareAtStores: 0.9,
  lapseShareElsewhere: 0.03,
  /** Lapse days, counted back from the as-of date (inclusive). */
  lapseFromDaysBeforeAsOf: 44,
  lapseToDaysBeforeAsOf: 32,
} as const;

/** What the tests hold the stories to (plain SQL over the seeded rows, default seed, small scale). */
export const STORY_EXPECTATIONS = {
  silverActiveChangeAtMost: -0.15,
  goldActiveChangeWithin: 0.05,
  silverDropStoresShareAbove: 0.5,
  poolRedemptionRateSpreadAtLeast: 0.3,
} as const;

const US_FIRST_NAMES = [
  "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "William", "Mia", "Benjamin",
  "Charlotte", "Lucas", "Amelia", "Henry", "Harper", "Alexander", "Evelyn", "Mason", "Abigail", "Michael", "Emily",
  "Ethan", "Ella", "Daniel", "Avery", "Jacob", "Sofia", "Logan", "Camila", "Jackson", "Aria", "Sebastian", "Scarlett",
  "Jack", "Victoria", "Aiden", "Madison", "Owen", "Luna", "Samuel", "Grace", "Matthew", "Chloe", "Joseph", "Penelope",
  "Levi", "Layla", "Mateo", "Riley", "David", "Zoey", "John", "Nora", "Wyatt", "Lily", "Carter", "Eleanor", "Julian",
  "Hannah", "Luke", "Lillian", "Grayson", "Addison", "Isaac", "Aubrey", "Jayden", "Ellie", "Theodore", "Stella",
  "Gabriel", "Natalie", "Anthony", "Zoe", "Dylan", "Leah", "Leo", "Hazel", "Lincoln", "Violet", "Jaxon", "Aurora",
  "Asher", "Savannah", "Christopher", "Audrey", "Josiah", "Brooklyn", "Andrew", "Bella", "Thomas", "Claire", "Joshua",
  "Skylar", "Ezra", "Lucy", "Hudson", "Paisley", "Charles",
] as const;
const US_LAST_NAMES = [
  "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez",
  "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez",
  "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
  "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
  "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker",
  "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez",
  "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward",
  "Richardson", "Watson", "Brooks", "Chavez", "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes",
  "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez",
] as const;

// ─────────────── the `demo-b` tenant (proves tenant isolation; no planted stories) ───────────────

export const DEMO_B_TENANT = { slug: "demo-b", name: "Demo B Bakery", timeZone: "Europe/Berlin", currency: "EUR" } as const;

export const DEMO_B_STORES: readonly StoreProfile[] = [
  { code: "B01", name: "Berlin Mitte", region: "Berlin", weight: 1.4, ticketMinor: 720 },
  { code: "B02", name: "Berlin Kreuzberg", region: "Berlin", weight: 1.1, ticketMinor: 680 },
  { code: "B03", name: "Hamburg Altona", region: "Hamburg", weight: 1.0, ticketMinor: 750 },
  { code: "B04", name: "München Schwabing", region: "Bayern", weight: 1.2, ticketMinor: 820 },
  { code: "B05", name: "Köln Ehrenfeld", region: "Rheinland", weight: 0.8, ticketMinor: 690 },
];

export const DEMO_B_POOLS: readonly PoolProfile[] = [
  { name: "Willkommen", campaign: "Neukunden", codePrefix: "HALLO", discountType: "amount", discountValue: 200, audience: "new_members", dailyIssuePerMember: 0, redemptionRate: 0.5, redemptionDelay: [0, 2, 3, 3, 2, 2, 1, 1] },
  { name: "Geburtstag", campaign: "Geburtstagsbrezel", codePrefix: "GEBURTSTAG", discountType: "percent", discountValue: 25, audience: "members", dailyIssuePerMember: 1 / 365, redemptionRate: 0.55, redemptionDelay: QUICK_REDEMPTION },
  { name: "Stammkunde", campaign: "Danke", codePrefix: "STAMM", discountType: "percent", discountValue: 10, audience: "gold", dailyIssuePerMember: 0.002, redemptionRate: 0.7, redemptionDelay: QUICK_REDEMPTION },
  { name: "Herbst", campaign: "Herbstgebäck", codePrefix: "HERBST", discountType: "amount", discountValue: 150, audience: "members", dailyIssuePerMember: 0.004, redemptionRate: 0.3, redemptionDelay: QUICK_REDEMPTION, campaignStartWeeksBeforeLastWeek: 10 },
];

const DE_FIRST_NAMES = [
  "Anna", "Lukas", "Lena", "Leon", "Marie", "Finn", "Sophie", "Jonas", "Emilia", "Paul", "Hannah", "Elias", "Mia",
  "Felix", "Lea", "Maximilian", "Laura", "Noah", "Julia", "Ben", "Clara", "Tim", "Lina", "Jan", "Sarah", "Moritz",
  "Johanna", "Niklas", "Katharina", "David",
] as const;
const DE_LAST_NAMES = [
  "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Schäfer",
  "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger",
  "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
] as const;

/** Everything the generator needs to know about one demo tenant. */
export type TenantProfile = {
  slug: string;
  name: string;
  timeZone: string;
  currency: string;
  /** Prefix of members' external ids, e.g. "DC" → "DC0000001". */
  memberPrefix: string;
  emailDomain: string;
  phonePrefix: string;
  rewardName: string;
  stores: readonly StoreProfile[];
  pools: readonly PoolProfile[];
  firstNames: readonly string[];
  lastNames: readonly string[];
  /** Share of the chosen scale this tenant gets. */
  scaleFactor: number;
  silverDrop?: typeof SILVER_DROP;
};

export const DEMO_PROFILES: readonly TenantProfile[] = [
  {
    ...DEMO_TENANT,
    memberPrefix: "DC",
    emailDomain: "demo-coffee.example",
    phonePrefix: "+1555",
    rewardName: "free drink",
    stores: DEMO_STORES,
    pools: DEMO_POOLS,
    firstNames: US_FIRST_NAMES,
    lastNames: US_LAST_NAMES,
    scaleFactor: 1,
    silverDrop: SILVER_DROP,
  },
  {
    ...DEMO_B_TENANT,
    memberPrefix: "DB",
    emailDomain: "demo-bakery.example",
    phonePrefix: "+49155",
    rewardName: "free pastry",
    stores: DEMO_B_STORES,
    pools: DEMO_B_POOLS,
    firstNames: DE_FIRST_NAMES,
    lastNames: DE_LAST_NAMES,
    scaleFactor: DEMO_B_SCALE_FACTOR,
  },
];
