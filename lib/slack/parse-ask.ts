// The Slack ask parser: plain words → the same typed input as the query_metric, explain_change,
// describe_metric and top_up_coupon_pool operations. Deterministic and grounded in the certified
// catalogue (metric keys, labels and the synonyms below, named windows, comparisons, dimensions)
// and the tenant's dimension values. What it cannot place is refused with suggestions — it never
// guesses a metric, a window or a filter. Numbers never come from here: only from the operations.
import { z } from "zod";
import { CERTIFIED_METRICS, ENTITY_DIMENSIONS, type EntityDimension } from "@/lib/semantic";
import { closestOptions } from "@/lib/semantic/grounding";
import type { DimensionValue } from "@/lib/semantic";

/**
 * Words people use in a channel for each certified metric. Keys must be certified metric keys (the
 * unit test checks it); each metric's key and label are added automatically.
 */
export const METRIC_SYNONYMS: Record<string, readonly string[]> = {
  gmv: ["gmv", "revenue", "sales", "gross sales", "turnover"],
  orders: ["orders", "order count", "number of orders", "transactions"],
  aov: ["aov", "average order value", "average order", "basket size", "average basket", "average ticket"],
  active_members: ["active members", "active customers", "actives", "active users"],
  new_members: ["new members", "signups", "sign ups", "sign-ups", "joins", "new customers", "enrolments", "enrollments"],
  redemptions: ["redemptions", "coupon redemptions", "redeemed coupons", "coupons redeemed"],
  coupons_issued: ["coupons issued", "issued coupons", "coupon issues"],
  redemption_rate: ["redemption rate", "redeem rate", "coupon redemption rate"],
  points_awarded: ["points awarded", "points earned", "points issued"],
  points_redeemed: ["points redeemed", "points burned", "points spent"],
};

const WINDOW_KEYS = ["today", "yesterday", "last_7_days", "last_14_days", "last_28_days", "last_30_days", "this_week", "last_week", "this_month", "last_month", "this_quarter", "last_quarter", "this_year", "last_year"] as const;
const COMPARE_KEYS = ["previous_period", "prior_week", "prior_month", "same_period_last_year"] as const;
type WindowKey = (typeof WINDOW_KEYS)[number];
type CompareKey = (typeof COMPARE_KEYS)[number];
type Grain = "day" | "week" | "month";

const FiltersSchema = z.record(z.string(), z.array(z.string()).min(1));

/** What a thread remembers: the last metric ask, in the operations' own terms. */
export const ThreadAskSchema = z.object({
  metric: z.string(),
  window: z.enum(WINDOW_KEYS),
  compareTo: z.enum(COMPARE_KEYS).optional(),
  groupBy: z.array(z.string()).max(2).optional(),
  filters: FiltersSchema.optional(),
});
export type ThreadAsk = z.infer<typeof ThreadAskSchema>;

export type QueryAsk = {
  kind: "query";
  input: { metric: string; window: WindowKey; compareTo?: CompareKey; groupBy?: string[]; filters?: Record<string, string[]>; limit: number };
  /** No window was named: the default was used (the answer says so). */
  defaultedWindow: boolean;
};
export type ExplainAsk = {
  kind: "explain";
  input: { metric: string; window: WindowKey; compareTo: CompareKey; dimensions: string[]; filters?: Record<string, string[]>; limit: number };
  defaultedWindow: boolean;
};
export type SlackAsk =
  | QueryAsk
  | ExplainAsk
  | { kind: "definition"; metric: string }
  | { kind: "top_up"; input: { pool: string; codes: number } }
  | { kind: "help" }
  | { kind: "not_understood"; code: "unknown_metric" | "unknown_window" | "unknown_filter" | "unsupported_write"; message: string; suggestions: string[] };

/** The tenant's dimension values by dimension, for recognising "in Silver" or "for the Summer pool". */
export type Vocabulary = Partial<Record<EntityDimension, readonly DimensionValue[]>>;

export const DEFAULT_WINDOW: WindowKey = "last_7_days";
/** Rows fetched for a breakdown; Slack shows the top few and sums the rest as "others". */
export const BREAKDOWN_ROWS = 200;

const DIMENSION_WORDS: Record<string, EntityDimension | Grain> = {
  store: "store", stores: "store", shop: "store", shops: "store", location: "store", locations: "store",
  tier: "tier", tiers: "tier", level: "tier", levels: "tier",
  pool: "coupon_pool", pools: "coupon_pool", "coupon pool": "coupon_pool", "coupon pools": "coupon_pool", coupon: "coupon_pool", coupons: "coupon_pool", campaign: "coupon_pool", campaigns: "coupon_pool",
  region: "region", regions: "region",
  channel: "channel", channels: "channel",
  day: "day", days: "day", daily: "day", week: "week", weeks: "week", weekly: "week", month: "month", months: "month", monthly: "month",
};

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Lower-case, Slack markup removed (mentions, links, formatting), whitespace collapsed. */
export function normaliseAsk(text: string): string {
  return text
    .replace(/<[@#!][^>]*>/g, " ")
    .replace(/<([^|>]+)\|([^>]+)>/g, "$2")
    .replace(/[*_~`]/g, "")
    .replace(/[’']/g, "'")
    .toLowerCase()
    .replace(/[?!.,;:]+(\s|$)/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

type Text = { s: string };

/** Finds the first matching pattern, removes it from the text (so its words are not read twice). */
function take(text: Text, pattern: RegExp): RegExpMatchArray | null {
  const m = text.s.match(pattern);
  if (!m || m.index === undefined) return null;
  text.s = `${text.s.slice(0, m.index)} ${text.s.slice(m.index + m[0].length)}`.replace(/\s+/g, " ").trim();
  return m;
}

function metricPhrases(): { phrase: string; key: string }[] {
  const phrases: { phrase: string; key: string }[] = [];
  for (const m of CERTIFIED_METRICS) {
    for (const p of [m.key.replace(/_/g, " "), m.label.toLowerCase(), ...(METRIC_SYNONYMS[m.key] ?? [])]) phrases.push({ phrase: p.toLowerCase(), key: m.key });
  }
  // Longest first, so "redemption rate" wins over "redemptions" and "coupon redemptions" over "coupons".
  return phrases.sort((a, b) => b.phrase.length - a.phrase.length);
}
const METRIC_PHRASES = metricPhrases();

function takeMetric(text: Text): string | null {
  for (const { phrase, key } of METRIC_PHRASES) {
    if (take(text, new RegExp(`(^|\\s)${escapeRegExp(phrase)}(?=\\s|$)`))) return key;
  }
  return null;
}

const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, fourteen: 14, thirty: 30 };

function takeComparison(text: Text): { compare: CompareKey; unit: "week" | "month" | "year" | "period" } | null {
  const vs = "(?:vs\\.?|versus|compared (?:to|with)|against|from)";
  const m =
    take(text, new RegExp(`${vs} (?:the )?(?:last|prior|previous) (week|month|year)`)) ??
    take(text, new RegExp(`${vs} (?:the )?(?:same period last year|a year ago|last year)`)) ??
    take(text, new RegExp(`${vs} (?:the )?(?:previous|prior|last) period`)) ??
    take(text, /(week|month|year) over \1/) ??
    take(text, /\b(wow|mom|yoy)\b/);
  if (!m) return null;
  const word = m[1] ?? (/year|yoy/.test(m[0]) ? "year" : /period/.test(m[0]) ? "period" : "");
  const unit = word === "wow" ? "week" : word === "mom" ? "month" : word === "yoy" ? "year" : (word as "week" | "month" | "year" | "period");
  if (unit === "year") return { compare: "same_period_last_year", unit };
  if (unit === "period") return { compare: "previous_period", unit };
  return { compare: unit === "week" ? "prior_week" : "prior_month", unit };
}

type WindowResult = { window: WindowKey } | { invalid: string } | null;

function takeWindow(text: Text): WindowResult {
  const days = take(text, /(?:in |over |for |during )?(?:the )?(?:last|past|previous) (\d+|[a-z]+) (days?|weeks?)/);
  if (days) {
    const raw = days[1] ?? "";
    const n = /^\d+$/.test(raw) ? Number(raw) : (NUMBER_WORDS[raw] ?? NaN);
    const total = days[2]?.startsWith("week") ? n * 7 : n;
    const key = `last_${total}_days`;
    if ((WINDOW_KEYS as readonly string[]).includes(key)) return { window: key as WindowKey };
    if (total === 1) return { window: "yesterday" };
    return { invalid: days[0].trim() };
  }
  const named = take(text, /(?:in |over |for |during )?(?:the )?(today|yesterday|this week|last week|previous week|prior week|this month|last month|previous month|this quarter|last quarter|this year|last year|week to date|month to date|year to date|wtd|mtd|ytd)(?=\s|$)/);
  if (!named) return null;
  const phrase = named[1] ?? "";
  const map: Record<string, WindowKey> = {
    today: "today", yesterday: "yesterday",
    "this week": "this_week", "week to date": "this_week", wtd: "this_week",
    "last week": "last_week", "previous week": "last_week", "prior week": "last_week",
    "this month": "this_month", "month to date": "this_month", mtd: "this_month",
    "last month": "last_month", "previous month": "last_month",
    "this quarter": "this_quarter", "last quarter": "last_quarter",
    "this year": "this_year", "year to date": "this_year", ytd: "this_year", "last year": "last_year",
  };
  const key = map[phrase];
  return key ? { window: key } : { invalid: phrase };
}

function takeBreakdown(text: Text): string[] {
  const words = Object.keys(DIMENSION_WORDS).sort((a, b) => b.length - a.length).map(escapeRegExp).join("|");
  const m = take(text, new RegExp(`(?:broken down |split )?(?:by|per|across|for each|for every|each) (?:the )?(${words})(?: (?:and|&|then) (?:by )?(?:the )?(${words}))?(?=\\s|$)`));
  if (!m) return [];
  return [m[1], m[2]].filter((w): w is string => Boolean(w)).map((w) => DIMENSION_WORDS[w] as string);
}

/** "which stores drove…", "what pools drove…": the dimension a why-question wants ranked. */
function takeDriverDimension(text: Text): string[] {
  const words = Object.keys(DIMENSION_WORDS).sort((a, b) => b.length - a.length).map(escapeRegExp).join("|");
  const m = take(text, new RegExp(`(?:which|what) (${words})(?=\\s)`));
  const dim = m?.[1] ? DIMENSION_WORDS[m[1]] : undefined;
  return dim && (ENTITY_DIMENSIONS as readonly string[]).includes(dim) ? [dim] : [];
}

type FilterMatch = { dimension: EntityDimension; value: string };

/**
 * Dimension values named in the ask: "in Silver", "for the Summer pool", "at Chicago Loop", "S12",
 * "in the West region", "online". A value is matched by its whole name or code; a bare channel name
 * counts only next to "channel" (or "online"), because "store" is also a dimension.
 */
function takeFilters(text: Text, vocab: Vocabulary): FilterMatch[] {
  const found: FilterMatch[] = [];
  const candidates: { dimension: EntityDimension; phrase: string; value: string }[] = [];
  for (const dimension of ENTITY_DIMENSIONS) {
    for (const v of vocab[dimension] ?? []) {
      const value = v.code ?? v.name;
      if (dimension === "channel") {
        candidates.push({ dimension, phrase: `${v.name.toLowerCase()} channel`, value: v.name });
        candidates.push({ dimension, phrase: `channel ${v.name.toLowerCase()}`, value: v.name });
        if (v.name !== "store") candidates.push({ dimension, phrase: v.name.toLowerCase(), value: v.name });
        continue;
      }
      const suffix = dimension === "coupon_pool" ? "(?: coupon)?(?: pool| campaign| coupons?)?" : dimension === "tier" ? "(?: tier| members)?" : dimension === "region" ? "(?: region)?" : "";
      candidates.push({ dimension, phrase: `${escapeRegExp(v.name.toLowerCase())}${suffix}`, value });
      if (v.code) candidates.push({ dimension, phrase: `(?:store )?${escapeRegExp(v.code.toLowerCase())}`, value });
    }
  }
  candidates.sort((a, b) => b.phrase.length - a.phrase.length);
  for (const c of candidates) {
    const re = new RegExp(`(?:(?:in|for|at|from|on|of|within) )?(?:the )?(?<![\\w-])${c.dimension === "channel" ? escapeRegExp(c.phrase) : c.phrase}(?![\\w-])`);
    while (take(text, re)) {
      if (!found.some((f) => f.dimension === c.dimension && f.value === c.value)) found.push({ dimension: c.dimension, value: c.value });
    }
  }
  return found;
}

/** A filter the ask names that matched nothing: "in Platinum", "for the Easter pool". */
function unmatchedFilter(text: Text): { phrase: string; dimension?: EntityDimension } | null {
  const m = text.s.match(/(?:^|\s)(?:in|for|at) (?:the )?([a-z0-9][\w-]*)(?: (pool|tier|store|region|channel|campaign))?(?=\s|$)/);
  if (!m?.[1]) return null;
  const ignore = new Set(["a", "an", "each", "every", "total", "all", "our", "my", "me", "us", "it", "this", "that", "general", "short", "detail", "details", "slack"]);
  if (ignore.has(m[1])) return null;
  const dimWord = m[2] ? DIMENSION_WORDS[m[2]] : undefined;
  return { phrase: m[1], dimension: dimWord && (ENTITY_DIMENSIONS as readonly string[]).includes(dimWord) ? (dimWord as EntityDimension) : undefined };
}

function mergeFilters(base: Record<string, string[]> | undefined, added: FilterMatch[]): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = { ...(base ?? {}) };
  for (const f of added) {
    // A new value for a dimension replaces the thread's (asking "in Gold" after "in Silver" switches tier).
    const prev = added.filter((a) => a.dimension === f.dimension).map((a) => a.value);
    out[f.dimension] = [...new Set(prev)];
  }
  return Object.keys(out).length ? out : undefined;
}

function metricSuggestions(words: string): string[] {
  const options = CERTIFIED_METRICS.flatMap((m) => [m.label.toLowerCase(), ...(METRIC_SYNONYMS[m.key] ?? []).slice(0, 1)]);
  return closestOptions(words || "metric", options, 4);
}

const DRIVER_PREFERENCE = ["coupon_pool", "store", "tier", "channel"] as const;

const WHY = /(^|\s)(why|what drove|what caused|drivers?|explain|which \w+ drove|what's behind|what is behind|reason)(\s|$)/;

/**
 * Parses one ask. `previous` is the thread's last ask: a follow-up without a metric ("which stores
 * drove the Silver drop?", "and by tier?") takes the metric, window and comparison from it.
 */
export function parseAsk(rawText: string, vocab: Vocabulary, previous?: ThreadAsk | null): SlackAsk {
  const text: Text = { s: normaliseAsk(rawText) };
  if (!text.s || /^(help|hi|hello|hey|\?)$/.test(text.s)) return { kind: "help" };

  // Writes: the catalogue's top_up_coupon_pool ("top up the summer coupon pool by 500 codes").
  const topUp = text.s.match(/\b(?:top[ -]?up|refill|add) (?:(?:the )?(.+?) (?:coupon )?pool (?:by|with) ([\d,]+)(?: (?:new )?(?:codes?|coupons?))?|([\d,]+) (?:new )?(?:codes?|coupons?) to (?:the )?(.+?)(?: coupon)? pool)(?=\s|$)/);
  if (topUp) {
    const pool = (topUp[1] ?? topUp[4] ?? "").trim();
    const codes = Number((topUp[2] ?? topUp[3] ?? "").replace(/,/g, ""));
    return { kind: "top_up", input: { pool, codes } };
  }
  if (/\b(award|redeem|void|issue|create|delete|change|update|cancel)\b.*\b(points?|coupons?|members?|tier|pool|codes?)\b/.test(text.s) && !/\b(how many|what|which|why|show|rate)\b/.test(text.s)) {
    return {
      kind: "not_understood",
      code: "unsupported_write",
      message: "In Slack I can request one kind of change: topping up a coupon pool (\"top up the Summer pool by 500 codes\"). Other changes go through an MCP client or the console.",
      suggestions: ["top up the Summer pool by 500 codes"],
    };
  }

  const definition = /^(?:what is|what's|whats|what are|define|definition of|meaning of|how (?:is|do we|do you) (?:calculate|compute|define|count))\b/.test(text.s) && !/\b(by|last|this|vs|versus|in|for)\b/.test(text.s.replace(/^what(?: is|'s) /, ""));

  const why = WHY.test(text.s);
  const comparison = takeComparison(text);
  const window = takeWindow(text);
  if (window && "invalid" in window) {
    return {
      kind: "not_understood",
      code: "unknown_window",
      message: `I can't use the window "${window.invalid}". Certified windows: last 7, 14, 28 or 30 days, yesterday, this or last week, month, quarter or year.`,
      suggestions: ["last 7 days", "last 14 days", "last 30 days", "last week", "last month"],
    };
  }
  const driverDims = why ? takeDriverDimension(text) : [];
  const breakdown = takeBreakdown(text);
  const metric = takeMetric(text);
  const filters = takeFilters(text, vocab);

  if (definition && metric) return { kind: "definition", metric };

  const base = metric ? null : (previous ?? null);
  if (!metric && !base) {
    const words = text.s.replace(/\b(what|what's|was|were|is|are|the|our|how|did|do|does|show|me|give|tell|about|much|many|of|to|and|a|why|down|up|drop|rise|go|went|by|in|for)\b/g, " ").replace(/\s+/g, " ").trim();
    return {
      kind: "not_understood",
      code: "unknown_metric",
      message: `I can't match "${words || text.s}" to a certified metric, so I won't guess a number.`,
      suggestions: metricSuggestions(words),
    };
  }

  const leftover = unmatchedFilter(text);
  if (leftover) {
    const pool = leftover.dimension ? [leftover.dimension] : (["tier", "coupon_pool", "store", "region"] as EntityDimension[]);
    const options = pool.flatMap((d) => (vocab[d] ?? []).map((v) => v.name));
    return {
      kind: "not_understood",
      code: "unknown_filter",
      message: `I can't find "${leftover.phrase}"${leftover.dimension ? ` among this tenant's ${leftover.dimension.replace("_", " ")}s` : " among this tenant's tiers, pools, stores or regions"}, so I won't guess.`,
      suggestions: closestOptions(leftover.phrase, options, 4),
    };
  }

  const metricKey = metric ?? (base as ThreadAsk).metric;
  // "vs last month" with no window of its own: the last 30 days against the 30 before (the seed
  // question's reading); "vs the prior week" alone: last week against the week before.
  let windowKey: WindowKey | undefined = window?.window;
  let compareTo: CompareKey | undefined = comparison?.compare;
  if (!windowKey && comparison) {
    windowKey = comparison.unit === "month" ? "last_30_days" : comparison.unit === "week" ? "last_week" : undefined;
    if (comparison.unit === "month" || comparison.unit === "week") compareTo = "previous_period";
    if (comparison.unit === "week") compareTo = "prior_week";
  } else if (windowKey && comparison && comparison.unit === "month" && /month/.test(windowKey)) {
    compareTo = "previous_period";
  }
  const defaultedWindow = !windowKey && !base;
  windowKey ??= base?.window ?? DEFAULT_WINDOW;
  if (!comparison && base && !window) compareTo = base.compareTo;
  const filterMap = mergeFilters(metric ? undefined : base?.filters, filters);

  if (why || driverDims.length) {
    const metricDef = CERTIFIED_METRICS.find((m) => m.key === metricKey);
    const allowed = (metricDef?.dimensions ?? []) as readonly string[];
    let dimensions = [...driverDims, ...breakdown].filter((d) => (ENTITY_DIMENSIONS as readonly string[]).includes(d));
    // No dimension named: rank the most telling ones the metric allows (pools first: campaigns move
    // coupon metrics; then stores, tiers, channels).
    if (!dimensions.length) dimensions = DRIVER_PREFERENCE.filter((d) => allowed.includes(d) && !filterMap?.[d]).slice(0, 3);
    return {
      kind: "explain",
      input: { metric: metricKey, window: windowKey, compareTo: compareTo ?? "previous_period", dimensions: [...new Set(dimensions)].slice(0, 3), ...(filterMap ? { filters: filterMap } : {}), limit: 10 },
      defaultedWindow,
    };
  }
  const groupBy = breakdown.length ? breakdown : metric ? [] : (base?.groupBy ?? []);
  return {
    kind: "query",
    input: {
      metric: metricKey,
      window: windowKey,
      ...(compareTo ? { compareTo } : {}),
      ...(groupBy.length ? { groupBy: [...new Set(groupBy)].slice(0, 2) } : {}),
      ...(filterMap ? { filters: filterMap } : {}),
      limit: BREAKDOWN_ROWS,
    },
    defaultedWindow,
  };
}

/** What a thread remembers after an answer. */
export function threadAskOf(ask: QueryAsk | ExplainAsk): ThreadAsk {
  const { metric, window, compareTo, filters } = ask.input;
  const groupBy = ask.kind === "query" ? ask.input.groupBy : undefined;
  return { metric, window, ...(compareTo ? { compareTo } : {}), ...(groupBy ? { groupBy } : {}), ...(filters ? { filters } : {}) };
}

/** Example asks shown with a refusal or for "help". */
export const EXAMPLE_ASKS = [
  "GMV last week by store",
  "why are redemptions down versus the prior week?",
  "redemption rate by pool for the last 14 days",
  "active members by tier vs last month",
  "top up the Summer pool by 500 codes",
];
