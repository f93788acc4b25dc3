// The certified-metrics pages: the catalogue, and for one metric the last 13 complete ISO weeks by
// week against the 13 weeks before (chart), and a breakdown of the last 30 days against the 30
// before (table). Everything goes through the semantic layer's queryMetric; a grounding refusal
// (e.g. no data) is returned in words, never as a zero.
import type { DbOrTx } from "@/lib/db/transaction";
import { CERTIFIED_METRICS, GroundingError, queryMetric, type CertifiedMetric, type EntityDimension, type SemanticTenant } from "@/lib/semantic";
import { addDays, localDateOf, startOfIsoWeek } from "@/lib/semantic/resolve-window";
import { formatMetricValue, formatRelativeChange, type MetricUnit } from "./metric-format";

export type MetricCatalogueEntry = Pick<
  CertifiedMetric,
  "key" | "label" | "summary" | "description" | "unit" | "dimensions" | "owner" | "version" | "certifiedAt"
>;

export function metricCatalogue(): MetricCatalogueEntry[] {
  return CERTIFIED_METRICS.map(({ key, label, summary, description, unit, dimensions, owner, version, certifiedAt }) => ({
    key,
    label,
    summary,
    description,
    unit,
    dimensions,
    owner,
    version,
    certifiedAt,
  }));
}

export type Refusal = { ok: false; code: string; message: string };

function refusal(err: unknown): Refusal {
  if (err instanceof GroundingError) return { ok: false, code: err.code, message: err.message };
  throw err;
}

/** One week of the chart: plain numbers for recharts (null = undefined, e.g. a ratio over zero). */
export type TrendPoint = { week: string; from: string; current: number | null; previous: number | null };

export type MetricTrend =
  | {
      ok: true;
      unit: MetricUnit;
      currency?: string;
      points: TrendPoint[];
      window: { from: string; to: string };
      comparison: { from: string; to: string; noData: boolean } | null;
      source: string;
      dataFreshness: string | null;
    }
  | Refusal;

export const TREND_WEEKS = 13;

/** The last 13 complete ISO weeks (Mon–Sun) in the tenant's time zone, ending last Sunday. */
export function trendWindow(timeZone: string, now: Date): { from: string; to: string } {
  const today = localDateOf(now, timeZone);
  const to = addDays(startOfIsoWeek(today), -1);
  return { from: addDays(to, -(TREND_WEEKS * 7 - 1)), to };
}

function num(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export async function metricTrend(db: DbOrTx, tenant: SemanticTenant, metricKey: string, now: Date = new Date()): Promise<MetricTrend> {
  const window = trendWindow(tenant.timeZone, now);
  try {
    const result = await queryMetric(db, tenant, { metric: metricKey, window, compareTo: "previous_period", groupBy: "week", limit: 100 }, { now });
    const cmp = result.provenance.comparison;
    return {
      ok: true,
      unit: result.metric.unit,
      ...(result.metric.currency ? { currency: result.metric.currency } : {}),
      points: result.rows.map((row) => {
        const cell = row.dimensions.week;
        const from = cell?.id ?? "";
        return { week: (cell?.label ?? from).replace(/ \(from .*\)$/, ""), from, current: num(row.current), previous: num(row.comparison) };
      }),
      window,
      comparison: cmp ? { from: cmp.from, to: cmp.to, noData: cmp.noData === true } : null,
      source: result.provenance.source,
      dataFreshness: result.provenance.dataFreshness,
    };
  } catch (err) {
    return refusal(err);
  }
}

export type BreakdownRow = { label: string; current: string; previous: string; change: string };

export type MetricBreakdown =
  | { ok: true; dimension: EntityDimension; windowLabel: string; comparisonLabel: string; rows: BreakdownRow[]; total: BreakdownRow; totalRows: number }
  | { ok: true; dimension: null }
  | Refusal;

/** Store when the metric has it, else its first dimension; null for metrics with no dimensions. */
export function breakdownDimension(metric: Pick<CertifiedMetric, "dimensions">): EntityDimension | null {
  return metric.dimensions.includes("store") ? "store" : (metric.dimensions[0] ?? null);
}

export const BREAKDOWN_LIMIT = 25;

export async function metricBreakdown(db: DbOrTx, tenant: SemanticTenant, metric: CertifiedMetric, now: Date = new Date()): Promise<MetricBreakdown> {
  const dimension = breakdownDimension(metric);
  if (!dimension) return { ok: true, dimension: null };
  try {
    const result = await queryMetric(
      db,
      tenant,
      { metric: metric.key, window: "last_30_days", compareTo: "previous_period", groupBy: dimension, limit: BREAKDOWN_LIMIT, order: "value_desc" },
      { now },
    );
    const unit = result.metric.unit;
    const currency = result.metric.currency;
    const row = (label: string, v: { current: string | null; comparison?: string | null; change?: { relative: string | null } }): BreakdownRow => ({
      label,
      current: formatMetricValue(v.current, unit, currency),
      previous: formatMetricValue(v.comparison ?? null, unit, currency),
      change: formatRelativeChange(v.change?.relative),
    });
    const cmp = result.provenance.comparison;
    return {
      ok: true,
      dimension,
      windowLabel: `${result.provenance.window.from} – ${result.provenance.window.to}`,
      comparisonLabel: cmp ? `${cmp.from} – ${cmp.to}${cmp.noData ? " (no data)" : ""}` : "—",
      rows: result.rows.map((r) => row(r.dimensions[dimension]?.label ?? "(none)", r)),
      total: row("Total", result.total),
      totalRows: result.provenance.totalRows,
    };
  } catch (err) {
    return refusal(err);
  }
}
