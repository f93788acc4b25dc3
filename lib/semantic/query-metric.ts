// queryMetric: one certified metric over a window, optionally compared with another window, broken
// down by up to two dimensions (or a time grain), filtered, with provenance. Refuses with a
// GroundingError whatever it cannot ground.
import { z } from "zod";
import { generatedStatementName, preparedQuery } from "@/lib/db/prepared";
import type { DbOrTx } from "@/lib/db/transaction";
import { planActiveRange, readActiveRanges } from "./active-ranges";
import {
  compileCoverageQuery,
  compileSourceQuery,
  DISTINCT_WORK_MEM,
  type CompiledQuery,
  isTimeGrain,
  type Period,
  type PeriodTag,
  type QueryPath,
} from "./compile";
import {
  groundDimensionName,
  listDimensionValues,
  resolveFilterValues,
  type DimensionValue,
  type ResolvedFilter,
  type SemanticTenant,
} from "./dimensions";
import { currencyDigits, Fraction } from "./exact";
import { cachedForTenant } from "./semantic-cache";
import { closestOptions, GroundingError } from "./grounding";
import { ingestFreshnessAt, readIngestFeeds, type IngestFeedRow, type IngestFreshness } from "./source-freshness";
import {
  CERTIFIED_METRICS,
  ENTITY_DIMENSIONS,
  FACT_SOURCES,
  findMetric,
  metricMeasures,
  TIME_GRAINS,
  type CertifiedMetric,
  type EntityDimension,
  type GroupKey,
  type FactSource,
  type Measure,
  type SourceKey,
  type TimeGrain,
} from "./metrics";
import {
  addDays,
  addMonths,
  CompareSpecSchema,
  daysBetween,
  startOfIsoWeek,
  isoWeekLabel,
  resolveComparison,
  resolveWindow,
  WindowError,
  WindowSpecSchema,
  type ResolvedWindow,
} from "./resolve-window";

// ───────────── input ─────────────

export const QUERY_ORDERS = ["value_desc", "value_asc", "change_desc", "change_asc", "label"] as const;

const FilterValuesSchema = z.union([z.string().min(1).max(200), z.array(z.string().min(1).max(200)).min(1).max(50)]);

export const FiltersSchema = z
  .record(z.string().min(1).max(40), FilterValuesSchema)
  .describe('Dimension → value(s), matched by id, code or name, case-insensitively. E.g. {"tier": "Silver", "store": ["S12", "Downtown"]}');

export const QueryMetricInput = z.object({
  metric: z
    .string()
    .min(1)
    .max(80)
    .describe(`Certified metric key: ${CERTIFIED_METRICS.map((m) => m.key).join(", ")}`),
  window: WindowSpecSchema.describe("Named window (resolved in the tenant's time zone, ISO weeks) or {from, to} local dates, inclusive"),
  compareTo: CompareSpecSchema.optional().describe("Comparison window: previous_period, prior_week, prior_month, same_period_last_year, or {from, to}"),
  groupBy: z
    .union([z.string().min(1).max(40), z.array(z.string().min(1).max(40)).min(1).max(2)])
    .optional()
    .describe(`Up to two of: ${ENTITY_DIMENSIONS.join(", ")}, or a time grain (${TIME_GRAINS.join(", ")})`),
  filters: FiltersSchema.optional(),
  limit: z.number().int().min(1).max(1000).optional().describe("Maximum rows (default 100)"),
  order: z.enum(QUERY_ORDERS).optional().describe("Row order; default value_desc, or chronological for time grains"),
});
export type QueryMetricInput = z.input<typeof QueryMetricInput>;

export type QueryOptions = {
  /** The as-of instant (defaults to the current time). */
  now?: Date;
  /** Force a path; by default rollups are used when the tenant has current rollups. */
  path?: QueryPath;
};

// ───────────── output ─────────────

export type DimensionCell = { id: string | null; label: string };

export type MetricValues = {
  /** Exact decimal string in the metric's unit (currency in major units); null when undefined (ratio over zero). */
  current: string | null;
  comparison?: string | null;
  change?: { absolute: string | null; relative: string | null };
  /** Ratio metrics: the numerator and denominator behind each value. */
  parts?: { current: RatioParts; comparison?: RatioParts };
};
export type RatioParts = { numerator: string; denominator: string };

export type QueryRow = { dimensions: Record<string, DimensionCell> } & MetricValues;

export type WindowProvenance = ResolvedWindow & { noData?: boolean };

export type Provenance = {
  metric: string;
  version: number;
  certifiedAt: string;
  definition: string;
  unit: CertifiedMetric["unit"];
  currency?: string;
  timeZone: string;
  window: WindowProvenance;
  comparison?: WindowProvenance;
  groupBy: GroupKey[];
  filters: { dimension: EntityDimension; requested: string[]; values: { id: string; name: string; code?: string }[] }[];
  rowCount: number;
  /** Rows before `limit` was applied. */
  totalRows: number;
  /** Latest fact timestamp at or before `asOf` for this metric's facts (ISO), null when there are none. */
  dataFreshness: string | null;
  source: "rollups" | "raw facts";
  rollupsUpdatedAt?: string;
  /** Freshness of the ingest sources feeding this metric (absent when none feed it); `stale` with the age when one is silent. */
  ingest?: IngestFreshness;
  asOf: string;
};

export type QueryMetricResult = {
  metric: { key: string; label: string; unit: CertifiedMetric["unit"]; currency?: string };
  total: MetricValues;
  rows: QueryRow[];
  provenance: Provenance;
};

// ───────────── grounding helpers (shared with explainChange) ─────────────

export function groundMetric(key: string): CertifiedMetric {
  const metric = findMetric(key);
  if (metric) return metric;
  const keys = CERTIFIED_METRICS.map((m) => m.key);
  throw new GroundingError(
    "unknown_metric",
    `"${key}" is not a certified metric. Certified metrics: ${keys.join(", ")}.`,
    closestOptions(key.replace(/\s+/g, "_"), [...keys, ...CERTIFIED_METRICS.map((m) => m.label)]).map(
      (s) => CERTIFIED_METRICS.find((m) => m.label === s)?.key ?? s,
    ),
  );
}

export function groundGroupKey(metric: CertifiedMetric, input: string): GroupKey {
  const n = input.trim().toLowerCase();
  if ((TIME_GRAINS as readonly string[]).includes(n)) return n as TimeGrain;
  const dimension = groundDimensionName(input);
  return groundAllowed(metric, dimension, input);
}

function groundAllowed(metric: CertifiedMetric, dimension: EntityDimension, input: string): EntityDimension {
  if (metric.dimensions.includes(dimension)) return dimension;
  const allowed = [...metric.dimensions, ...TIME_GRAINS];
  throw new GroundingError(
    "dimension_not_allowed",
    `${metric.key} cannot be broken down or filtered by ${dimension}${input !== dimension ? ` ("${input}")` : ""}. ` +
      `Allowed: ${metric.dimensions.length ? metric.dimensions.join(", ") : "no dimensions"}; time grains: ${TIME_GRAINS.join(", ")}.`,
    allowed,
  );
}

export async function groundFilters(
  db: DbOrTx,
  tenant: SemanticTenant,
  metric: CertifiedMetric,
  filters: Record<string, string | string[]> | undefined,
  cache: Map<EntityDimension, DimensionValue[]>,
): Promise<ResolvedFilter[]> {
  const out: ResolvedFilter[] = [];
  for (const [name, raw] of Object.entries(filters ?? {})) {
    const dimension = groundAllowed(metric, groundDimensionName(name), name);
    const values = await dimensionValues(db, tenant, dimension, cache);
    const resolved = resolveFilterValues(dimension, Array.isArray(raw) ? raw : [raw], values);
    const existing = out.find((f) => f.dimension === dimension);
    if (existing) {
      existing.requested.push(...resolved.requested);
      for (const v of resolved.values) if (!existing.values.some((e) => e.id === v.id)) existing.values.push(v);
    } else out.push(resolved);
  }
  return out;
}

async function dimensionValues(
  db: DbOrTx,
  tenant: SemanticTenant,
  dimension: EntityDimension,
  cache: Map<EntityDimension, DimensionValue[]>,
): Promise<DimensionValue[]> {
  let values = cache.get(dimension);
  if (!values) {
    values = await listDimensionValues(db, tenant, dimension);
    cache.set(dimension, values);
  }
  return values;
}

export function groundWindows(
  input: { window: z.infer<typeof WindowSpecSchema>; compareTo?: z.infer<typeof CompareSpecSchema> | undefined },
  tenant: SemanticTenant,
  now: Date,
): { current: ResolvedWindow; comparison?: ResolvedWindow } {
  try {
    const options = { timeZone: tenant.timeZone, now };
    const current = resolveWindow(input.window, options);
    const comparison = input.compareTo ? resolveComparison(current, input.compareTo, options) : undefined;
    return comparison ? { current, comparison } : { current };
  } catch (err) {
    if (err instanceof WindowError) throw new GroundingError("invalid_window", err.message, ["last_7_days", "last_week", "last_30_days"]);
    throw err;
  }
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`);
  throw new GroundingError("invalid_query", `Invalid query: ${issues.join("; ")}`);
}

// ───────────── execution ─────────────

/** Integer measure values of one group in one period, by measure index in metricMeasures(). */
type MeasureValues = Map<number, bigint>;

export type GroupedResult = {
  /** Group key tuple → period → measure values. */
  groups: Map<string, { keys: (string | null)[]; periods: Map<PeriodTag, MeasureValues> }>;
};

type Coverage = { first: string | null; last: string | null };

export type MetricContext = {
  db: DbOrTx;
  tenant: SemanticTenant;
  metric: CertifiedMetric;
  path: QueryPath;
};

export type MetricFacts = Coverage & { rollups: { usable: boolean; updatedAt: string | null }; ingest: IngestFreshness | null };

type CoverageRead = Coverage & { asOf: number; next: string | null; rollupTimeZone: string | null; rollupUpdatedAt: string | null; feeds: IngestFeedRow[] };

/**
 * Fact span (for freshness and "no data") and rollup state, in one round trip — or from the
 * per-tenant cache (./semantic-cache.ts) when the tenant has rollups: facts then change only with
 * a rollup refresh, which bumps the tenant's cache epoch. A span read at as-of T answers any later
 * as-of until the first fact after T.
 */
async function coverage(db: DbOrTx, tenant: SemanticTenant, metric: CertifiedMetric, asOf: Date): Promise<MetricFacts> {
  const sources = [...new Set(metricMeasures(metric).map((m) => m.source))].map((key) => FACT_SOURCES[key]);
  const at = asOf.getTime();
  const read = await cachedForTenant<CoverageRead>(db, tenant.id, `coverage:${sources.map((s) => s.key).join(",")}`, () => readCoverage(db, tenant, metric, sources, asOf), {
    reusable: (c) => c.rollupTimeZone === tenant.timeZone && at >= c.asOf && (c.next === null || Date.parse(c.next) > at),
    cacheable: (c) => c.rollupTimeZone !== null,
  });
  return {
    first: read.first,
    last: read.last,
    rollups: { usable: read.rollupTimeZone !== null && read.rollupTimeZone === tenant.timeZone, updatedAt: read.rollupUpdatedAt },
    // Ages are taken at this answer's as-of time; the feeds themselves change only with an ingest batch, which bumps the epoch.
    ingest: ingestFreshnessAt(read.feeds, asOf),
  };
}

async function readCoverage(db: DbOrTx, tenant: SemanticTenant, metric: CertifiedMetric, sources: (typeof FACT_SOURCES)[SourceKey][], asOf: Date): Promise<CoverageRead> {
  const q = compileCoverageQuery(tenant.id, sources, asOf.toISOString());
  const [rows, ingest] = await Promise.all([db.$queryRawUnsafe<Record<string, string | null>[]>(q.sql, ...q.params), readIngestFeeds(db, tenant.id, metric)]);
  const row = rows[0] ?? {};
  let first: string | null = null;
  let last: string | null = null;
  let next: string | null = null;
  for (const [k, v] of Object.entries(row)) {
    if (v === null) continue;
    if (k.startsWith("first") && (first === null || v < first)) first = v;
    if (k.startsWith("last") && (last === null || v > last)) last = v;
    if (k.startsWith("next") && (next === null || v < next)) next = v;
  }
  return { first, last, next, asOf: asOf.getTime(), rollupTimeZone: row.rollup_time_zone ?? null, rollupUpdatedAt: row.rollup_updated_at ?? null, feeds: ingest };
}

function overlaps(window: ResolvedWindow, cov: Coverage): boolean {
  if (cov.first === null || cov.last === null) return false;
  return window.start <= cov.last && window.end > cov.first;
}

type Row = Record<string, string | null>;

/** A raw-path distinct count over a long window can take longer than Prisma's 5 s default at 10 M orders. */
const DISTINCT_TRANSACTION = { timeout: 120_000, maxWait: 30_000 };

/**
 * Runs a compiled query: as a named prepared statement (planned once per connection; the same
 * question shape is asked again and again), except distinct counts, which get more work_mem in
 * their own short transaction.
 */
async function runCompiled(db: DbOrTx, q: CompiledQuery): Promise<Row[]> {
  if (q.memoryHungry && "$transaction" in db) {
    return db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL work_mem = '${DISTINCT_WORK_MEM}'`);
      return tx.$queryRawUnsafe<Row[]>(q.sql, ...q.params);
    }, DISTINCT_TRANSACTION);
  }
  return preparedQuery<Row>(db, generatedStatementName(q.sql), q.sql, q.params);
}

/**
 * One source's rows (period, g0…, m0…) from the active-member range cache or its compiled query;
 * with `withTotals`, also each period's totals over all groups, as rows with `total_row` = "1" —
 * from the same statement when the measures allow (./compile.ts), else from a second one run
 * alongside.
 */
async function sourceRows(ctx: MetricContext, source: FactSource, measures: Measure[], periods: Period[], groupBy: GroupKey[], filters: ResolvedFilter[], withTotals: boolean): Promise<Row[]> {
  let totals: Promise<Row[]> | undefined;
  const separateTotals = () => (totals ??= sourceRows(ctx, source, measures, periods, [], filters, false).then((rows) => rows.map((r) => ({ ...r, total_row: "1" }))));
  // Distinct active members over complete days: read cached exact counts (./active-ranges.ts).
  const plan = ctx.path === "rollup" ? planActiveRange(source, groupBy, filters, periods) : null;
  if (plan) {
    const [rows, totalRows] = await Promise.all([readActiveRanges(ctx.db, ctx.tenant.id, plan), withTotals ? separateTotals() : []]);
    if (rows) return [...rows, ...totalRows];
  }
  const q = compileSourceQuery({ tenantId: ctx.tenant.id, timeZone: ctx.tenant.timeZone, source, measures, groupBy, filters, periods, path: ctx.path, withTotals });
  if (!withTotals || q.includesTotals) return runCompiled(ctx.db, q);
  const [rows, totalRows] = await Promise.all([runCompiled(ctx.db, q), separateTotals()]);
  return [...rows, ...totalRows];
}

function collect(into: GroupedResult["groups"], row: Row, keys: (string | null)[], list: { index: number }[]): void {
  const id = JSON.stringify(keys);
  let group = into.get(id);
  if (!group) {
    group = { keys, periods: new Map() };
    into.set(id, group);
  }
  const tag = row.period === "cmp" ? "cmp" : "cur";
  const values = group.periods.get(tag) ?? new Map<number, bigint>();
  list.forEach((l, i) => values.set(l.index, BigInt(row[`m${i}`] ?? "0")));
  group.periods.set(tag, values);
}

/**
 * Runs the compiled SQL for every source of the metric and collects integer measure values per
 * group; with `withTotals` (and a breakdown), also the totals over all groups (`totals`, one group
 * with keys []).
 */
export async function runGrouped(
  ctx: MetricContext,
  periods: Period[],
  groupBy: GroupKey[],
  filters: ResolvedFilter[],
  withTotals = false,
): Promise<GroupedResult & { totals?: GroupedResult }> {
  const measures = metricMeasures(ctx.metric);
  const bySource = new Map<SourceKey, { measure: Measure; index: number }[]>();
  measures.forEach((measure, index) => {
    const list = bySource.get(measure.source) ?? [];
    list.push({ measure, index });
    bySource.set(measure.source, list);
  });
  const totalsToo = withTotals && groupBy.length > 0;
  const groups: GroupedResult["groups"] = new Map();
  const totals: GroupedResult["groups"] = new Map();
  for (const [sourceKey, list] of bySource) {
    const rows = await sourceRows(ctx, FACT_SOURCES[sourceKey], list.map((l) => l.measure), periods, groupBy, filters, totalsToo);
    for (const row of rows) {
      if (row.total_row === "1") collect(totals, row, [], list);
      else collect(groups, row, groupBy.map((_, i) => row[`g${i}`] ?? null), list);
    }
  }
  return totalsToo ? { groups, totals: { groups: totals } } : { groups };
}

/** The metric's exact value from its integer measures; null when a ratio's denominator is zero. */
export function metricFraction(metric: CertifiedMetric, values: MeasureValues | undefined, currency: string): Fraction | null {
  const get = (i: number) => new Fraction(values?.get(i) ?? 0n);
  const scale = metric.unit === "currency" ? new Fraction(10n ** BigInt(currencyDigits(currency))) : new Fraction(1n);
  if (metric.aggregation.kind === "ratio") {
    const den = get(1);
    if (den.isZero()) return null;
    return get(0).div(den).div(scale);
  }
  return get(0).div(scale);
}

/** Fraction digits a metric's values are reported with. */
export function valueDigits(metric: CertifiedMetric, currency: string): number {
  if (metric.unit === "currency") return currencyDigits(currency);
  if (metric.unit === "ratio") return 4;
  return 0;
}

function ratioParts(metric: CertifiedMetric, values: MeasureValues | undefined): RatioParts | undefined {
  if (metric.aggregation.kind !== "ratio") return undefined;
  // Raw integer measures (minor units for money), so a reader can recompute the ratio exactly.
  return { numerator: (values?.get(0) ?? 0n).toString(), denominator: (values?.get(1) ?? 0n).toString() };
}

function buildValues(
  metric: CertifiedMetric,
  currency: string,
  periods: Map<PeriodTag, MeasureValues> | undefined,
  withComparison: boolean,
  comparisonHasData: boolean,
): MetricValues & { sortValue: Fraction | null; sortChange: Fraction | null } {
  const digits = valueDigits(metric, currency);
  const cur = metricFraction(metric, periods?.get("cur"), currency);
  const out: MetricValues & { sortValue: Fraction | null; sortChange: Fraction | null } = {
    current: cur ? cur.toFixed(digits) : null,
    sortValue: cur,
    sortChange: null,
  };
  const curParts = ratioParts(metric, periods?.get("cur"));
  if (withComparison) {
    const cmp = comparisonHasData ? metricFraction(metric, periods?.get("cmp"), currency) : null;
    out.comparison = cmp ? cmp.toFixed(digits) : null;
    const abs = cur && cmp ? cur.sub(cmp) : null;
    out.sortChange = abs;
    out.change = {
      absolute: abs ? abs.toFixed(digits) : null,
      relative: abs && cmp && !cmp.isZero() ? abs.div(cmp).toFixed(4) : null,
    };
    const cmpParts = comparisonHasData ? ratioParts(metric, periods?.get("cmp")) : undefined;
    if (curParts) out.parts = cmpParts ? { current: curParts, comparison: cmpParts } : { current: curParts };
  } else if (curParts) out.parts = { current: curParts };
  return out;
}

/** Time buckets one answer may hold (about three years of days). */
export const MAX_TIME_BUCKETS = 1100;

/** How many buckets timeBuckets() would return, without listing them. */
export function timeBucketCount(window: ResolvedWindow, grain: TimeGrain): number {
  if (window.through < window.from) return 0;
  if (grain === "day") return daysBetween(window.from, window.through) + 1;
  if (grain === "week") return daysBetween(startOfIsoWeek(window.from), startOfIsoWeek(window.through)) / 7 + 1;
  const month = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7));
  return month(window.through) - month(window.from) + 1;
}

/** Bucket start dates of a time grain covering a window's days (from … through). */
export function timeBuckets(window: ResolvedWindow, grain: TimeGrain): string[] {
  const out: string[] = [];
  if (window.through < window.from) return out;
  let cursor: string;
  if (grain === "day") cursor = window.from;
  else if (grain === "week") cursor = addDays(window.from, 1 - isoWeekdayOf(window.from));
  else cursor = `${window.from.slice(0, 7)}-01`;
  while (cursor <= window.through) {
    out.push(cursor);
    cursor = grain === "day" ? addDays(cursor, 1) : grain === "week" ? addDays(cursor, 7) : addMonths(cursor, 1);
  }
  return out;
}

function isoWeekdayOf(date: string): number {
  const w = new Date(`${date}T00:00:00Z`).getUTCDay();
  return w === 0 ? 7 : w;
}

/** Bucket label; a bucket that starts before the window says where the window's part of it starts. */
function bucketLabel(grain: TimeGrain, bucket: string, windowFrom: string): string {
  const clipped = bucket < windowFrom ? ` (from ${windowFrom})` : "";
  if (grain === "day") return bucket;
  if (grain === "week") return `${isoWeekLabel(bucket)}${clipped}`;
  return `${bucket.slice(0, 7)}${clipped}`;
}

const NONE_LABEL = "(none)";

function labelFor(dimension: EntityDimension, id: string | null, values: DimensionValue[] | undefined): string {
  if (id === null) return NONE_LABEL;
  const v = values?.find((x) => x.id === id);
  if (!v) return id;
  return v.code ? `${v.name} (${v.code})` : v.name;
}

/** Answers a metric question. Throws GroundingError for anything it cannot ground. */
export async function queryMetric(
  db: DbOrTx,
  tenant: SemanticTenant,
  rawInput: QueryMetricInput,
  options: QueryOptions = {},
): Promise<QueryMetricResult> {
  const input = parseInput(QueryMetricInput, rawInput);
  const now = options.now ?? new Date();
  const metric = groundMetric(input.metric);
  const groupInputs = input.groupBy === undefined ? [] : Array.isArray(input.groupBy) ? input.groupBy : [input.groupBy];
  const groupBy = groupInputs.map((g) => groundGroupKey(metric, g));
  if (new Set(groupBy).size !== groupBy.length) {
    throw new GroundingError("invalid_query", `groupBy names the same dimension twice: ${groupInputs.join(", ")}.`);
  }
  if (groupBy.filter(isTimeGrain).length > 1) {
    throw new GroundingError("invalid_query", "groupBy may hold at most one time grain (day, week or month).", [...TIME_GRAINS]);
  }
  const cache = new Map<EntityDimension, DimensionValue[]>();
  const { current, comparison } = groundWindows(input, tenant, now);
  // Every bucket of a time grain gets a row (times each value of another dimension): bound them
  // before any work, or a century by day ties up the server for many seconds.
  for (const grain of groupBy.filter(isTimeGrain)) {
    const buckets = Math.max(timeBucketCount(current, grain), comparison ? timeBucketCount(comparison, grain) : 0);
    if (buckets > MAX_TIME_BUCKETS) {
      throw new GroundingError(
        "invalid_query",
        `groupBy ${grain} over this window gives ${buckets} ${grain}s; at most ${MAX_TIME_BUCKETS}. Use a coarser grain or a shorter window.`,
        TIME_GRAINS.filter((g) => g !== grain && timeBucketCount(current, g) <= MAX_TIME_BUCKETS),
      );
    }
  }
  const [filters, cov] = await Promise.all([
    groundFilters(db, tenant, metric, input.filters, cache),
    coverage(db, tenant, metric, now),
  ]);
  if (!overlaps(current, cov)) {
    throw new GroundingError(
      "no_data",
      cov.last === null
        ? `No data: this tenant has no facts for ${metric.key} yet (${metric.timeColumn}).`
        : `No data for ${metric.key} in ${current.label}: facts run from ${cov.first} to ${cov.last}. This is not a zero; choose a window inside that range.`,
      ["yesterday", "last_7_days", "last_30_days"],
    );
  }
  const comparisonHasData = comparison ? overlaps(comparison, cov) : false;

  const status = cov.rollups;
  const path: QueryPath = options.path ?? (status.usable ? "rollup" : "raw");
  const ctx: MetricContext = { db, tenant, metric, path };
  const periods: Period[] = [{ tag: "cur", window: current }];
  if (comparison && comparisonHasData) periods.push({ tag: "cmp", window: comparison });

  // The breakdown and the totals in one statement where the measures allow (see runGrouped).
  const [result] = await Promise.all([
    runGrouped(ctx, periods, groupBy, filters, true),
    ...groupBy.flatMap((g) => (isTimeGrain(g) ? [] : [dimensionValues(db, tenant, g, cache)])),
  ]);
  const grouped = groupBy.length ? result : undefined;
  const totals = result.totals ?? result;
  const totalPeriods = totals.groups.get("[]")?.periods;
  const { sortValue: _v, sortChange: _c, ...total } = buildValues(metric, tenant.currency, totalPeriods, !!comparison, comparisonHasData);
  void _v;
  void _c;


  type Built = QueryRow & { sortValue: Fraction | null; sortChange: Fraction | null; sortLabel: string };
  let rows: Built[] = [];
  if (grouped) {
    const grainIndex = groupBy.findIndex(isTimeGrain);
    const grain = grainIndex >= 0 ? (groupBy[grainIndex] as TimeGrain) : undefined;
    // Comparison buckets pair with current buckets by position (week 1 with week 1, …).
    const curBuckets = grain ? timeBuckets(current, grain) : [];
    const cmpBuckets = grain && comparison ? timeBuckets(comparison, grain) : [];
    const merged = new Map<string, { keys: (string | null)[]; periods: Map<PeriodTag, MeasureValues> }>();
    const ensure = (keys: (string | null)[]) => {
      const id = JSON.stringify(keys);
      let entry = merged.get(id);
      if (!entry) {
        entry = { keys, periods: new Map() };
        merged.set(id, entry);
      }
      return entry;
    };
    if (grain) {
      // Every bucket of the current window gets a row (a bucket without facts is a true zero).
      const others = new Set<string>();
      for (const g of grouped.groups.values()) others.add(JSON.stringify(g.keys.filter((_, i) => i !== grainIndex)));
      if (groupBy.length === 1) others.add("[]");
      for (const b of curBuckets) {
        for (const o of others) {
          const rest = JSON.parse(o) as (string | null)[];
          const keys = [...rest];
          keys.splice(grainIndex, 0, b);
          ensure(keys);
        }
      }
    }
    for (const g of grouped.groups.values()) {
      for (const [tag, values] of g.periods) {
        const keys = [...g.keys];
        if (grain) {
          const bucket = keys[grainIndex] ?? "";
          if (tag === "cmp") {
            const pos = cmpBuckets.indexOf(bucket);
            const mapped = curBuckets[pos];
            if (pos < 0 || mapped === undefined) continue;
            keys[grainIndex] = mapped;
          } else if (!curBuckets.includes(bucket)) continue;
        }
        ensure(keys).periods.set(tag, values);
      }
    }
    rows = [...merged.values()].map((entry) => {
      const dimensions: Record<string, DimensionCell> = {};
      groupBy.forEach((g, i) => {
        const id = entry.keys[i] ?? null;
        if (isTimeGrain(g)) dimensions[g] = { id, label: id ? bucketLabel(g, id, current.from) : NONE_LABEL };
        else dimensions[g] = { id, label: labelFor(g, id, cache.get(g)) };
      });
      const values = buildValues(metric, tenant.currency, entry.periods, !!comparison, comparisonHasData);
      const sortLabel = groupBy.map((g, i) => (isTimeGrain(g) ? (entry.keys[i] ?? "") : (dimensions[g]?.label ?? ""))).join(" ");
      return { dimensions, ...values, sortLabel };
    });
    const order = input.order ?? (grain ? "label" : "value_desc");
    const cmpNullable = (a: Fraction | null, b: Fraction | null) => (a && b ? a.compare(b) : a ? 1 : b ? -1 : 0);
    rows.sort((a, b) => {
      switch (order) {
        case "label":
          return a.sortLabel.localeCompare(b.sortLabel);
        case "value_asc":
          return -cmpNullable(b.sortValue, a.sortValue) || a.sortLabel.localeCompare(b.sortLabel);
        case "value_desc":
          return cmpNullable(b.sortValue, a.sortValue) || a.sortLabel.localeCompare(b.sortLabel);
        case "change_asc":
          return -cmpNullable(b.sortChange, a.sortChange) || a.sortLabel.localeCompare(b.sortLabel);
        case "change_desc":
          return cmpNullable(b.sortChange, a.sortChange) || a.sortLabel.localeCompare(b.sortLabel);
      }
    });
  }
  const totalRows = rows.length;
  const limited = rows.slice(0, input.limit ?? 100).map(({ sortValue: _a, sortChange: _b, sortLabel: _l, ...row }) => row);

  const provenance: Provenance = {
    ...provenanceOf({ metric, tenant, window: current, filters, facts: cov, path, now }),
    ...(comparison ? { comparison: comparisonHasData ? comparison : { ...comparison, noData: true } } : {}),
    groupBy,
    rowCount: limited.length,
    totalRows,
  };
  return {
    metric: metricHeader(metric, tenant),
    total,
    rows: limited,
    provenance,
  };
}

export { coverage as metricCoverage, overlaps as windowHasData };

/** The metric as every answer names it. */
export function metricHeader(metric: CertifiedMetric, tenant: SemanticTenant): QueryMetricResult["metric"] {
  return { key: metric.key, label: metric.label, unit: metric.unit, ...(metric.unit === "currency" ? { currency: tenant.currency } : {}) };
}

type ProvenanceInput = {
  metric: CertifiedMetric;
  tenant: SemanticTenant;
  window: ResolvedWindow;
  filters: ResolvedFilter[];
  facts: MetricFacts;
  path: QueryPath;
  now: Date;
};

/** Where an answer's number comes from: shared by queryMetric and explainChange. */
export function provenanceOf({ metric, tenant, window, filters, facts, path, now }: ProvenanceInput) {
  return {
    metric: metric.key,
    version: metric.version,
    certifiedAt: metric.certifiedAt,
    definition: metric.description,
    unit: metric.unit,
    ...(metric.unit === "currency" ? { currency: tenant.currency } : {}),
    timeZone: tenant.timeZone,
    window,
    filters: filters.map((f) => ({ dimension: f.dimension, requested: f.requested, values: f.values })),
    dataFreshness: facts.last,
    source: path === "rollup" ? ("rollups" as const) : ("raw facts" as const),
    ...(path === "rollup" && facts.rollups.updatedAt ? { rollupsUpdatedAt: facts.rollups.updatedAt } : {}),
    ...(facts.ingest ? { ingest: facts.ingest } : {}),
    asOf: now.toISOString(),
  };
}
