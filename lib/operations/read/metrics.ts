// The certified semantic layer as operations. Numbers come only from lib/semantic; a question it
// cannot ground is refused there (GroundingError → not_grounded with suggestions).
import { z } from "zod";
import {
  describeMetric,
  ENTITY_DIMENSIONS,
  ExplainChangeInput,
  explainChange,
  listDimensionValues,
  listMetrics,
  QueryMetricInput,
  queryMetric,
  type ExplainChangeResult,
  type MetricDescription,
} from "@/lib/semantic";
import type { MetricValues, QueryMetricResult } from "@/lib/semantic/query-metric";
import { defineOperation } from "../operation";

/** Rows per answer are capped so one answer stays well inside an agent's context. */
export const MAX_ROWS_PER_ANSWER = 200;

const Values = z.looseObject({
  current: z.string().nullable(),
  comparison: z.string().nullable().optional(),
  change: z.object({ absolute: z.string().nullable(), relative: z.string().nullable() }).optional(),
});

const WindowSchema = z.looseObject({ from: z.string(), to: z.string() });

export const ProvenanceSchema = z.looseObject({
  metric: z.string(),
  version: z.number(),
  certifiedAt: z.string(),
  definition: z.string(),
  unit: z.string(),
  timeZone: z.string(),
  window: WindowSchema,
  comparison: WindowSchema.optional(),
  rowCount: z.number(),
  dataFreshness: z.string().nullable(),
  source: z.string(),
  asOf: z.string(),
});

function formatValue(v: string | null | undefined): string {
  return v === null || v === undefined ? "n/a" : v;
}

function formatChange(values: MetricValues): string {
  if (values.comparison === undefined) return "";
  const rel = values.change?.relative;
  return ` vs ${formatValue(values.comparison)} (${rel === null || rel === undefined ? "n/a" : `${Number(rel) >= 0 ? "+" : ""}${(Number(rel) * 100).toFixed(1)}%`})`;
}

export function renderQueryResult(result: QueryMetricResult): string {
  const p = result.provenance;
  const unit = result.metric.currency ? ` ${result.metric.currency}` : "";
  const head = `${result.metric.label} (${p.metric} v${p.version}), ${p.window.from}…${p.window.to} ${p.timeZone}${
    p.comparison ? ` vs ${p.comparison.from}…${p.comparison.to}` : ""
  }: ${formatValue(result.total.current)}${unit}${formatChange(result.total)}`;
  const rows = result.rows.map(
    (r) => `  ${Object.values(r.dimensions).map((d) => d.label).join(" / ")}: ${formatValue(r.current)}${formatChange(r)}`,
  );
  const more = p.totalRows > p.rowCount ? [`  … ${p.totalRows - p.rowCount} more rows (raise limit)`] : [];
  const stale = p.ingest?.warning ? [`Warning — ${p.ingest.warning}: these numbers may be incomplete.`] : [];
  return [head, ...rows, ...more, `Definition: ${p.definition}`, `Data as of ${p.dataFreshness ?? "—"} (${p.source}).`, ...stale].join("\n");
}

export const queryMetricOperation = defineOperation({
  name: "query_metric",
  title: "Query a certified metric",
  description:
    "The only source of business numbers. Computes a certified metric (list_metrics shows them) over a window such as last_week or last_14_days, in the tenant's time zone, optionally compared with another window (compareTo: previous_period, prior_week, prior_month, same_period_last_year), broken down by up to two dimensions (store, region, tier, coupon_pool, channel) or a time grain, and filtered by dimension values (names, codes or ids). Every answer carries provenance (definition and version, exact dates, filters, data freshness): show it to the user. If the question cannot be grounded the tool refuses with suggestions instead of guessing. To ask why a number moved, call explain_change next.",
  kind: "read",
  scope: "metrics:read",
  idempotent: true,
  input: QueryMetricInput.extend({
    limit: z.number().int().min(1).max(MAX_ROWS_PER_ANSWER).optional().describe(`Maximum rows (default 100, at most ${MAX_ROWS_PER_ANSWER})`),
  }),
  output: z.object({
    metric: z.looseObject({ key: z.string(), label: z.string(), unit: z.string() }),
    total: Values,
    rows: z.array(Values.extend({ dimensions: z.record(z.string(), z.object({ id: z.string().nullable(), label: z.string() })) })),
    provenance: ProvenanceSchema,
  }),
  handler: (ctx, input) => queryMetric(ctx.db, ctx.tenant, input, { now: ctx.now }),
  render: renderQueryResult,
  target: (input) => `metric:${input.metric}`,
});

export const listDimensionValuesOperation = defineOperation({
  name: "list_dimension_values",
  title: "List a dimension's values",
  description: `The values a dimension can take in this tenant (${ENTITY_DIMENSIONS.join(", ")}), with ids, codes and names, to use in query_metric filters or to check what a user means by "store 12" or "the summer pool".`,
  kind: "read",
  scope: "metrics:read",
  idempotent: true,
  input: z.object({ dimension: z.string().min(1).max(40).describe(ENTITY_DIMENSIONS.join(" | ")) }),
  output: z.object({
    dimension: z.string(),
    values: z.array(z.looseObject({ id: z.string(), name: z.string(), code: z.string().optional(), detail: z.string().optional() })),
  }),
  handler: async (ctx, input) => ({ dimension: input.dimension, values: (await listDimensionValues(ctx.db, ctx.tenant, input.dimension)).slice(0, 500) }),
  render: (out) => `${out.dimension}: ${out.values.map((v) => (v.code ? `${v.code} ${v.name}` : v.name)).join(", ")}`,
  target: (input) => `dimension:${input.dimension}`,
});

export const listMetricsOperation = defineOperation({
  name: "list_metrics",
  title: "List certified metrics",
  description:
    "The catalogue of certified metrics (key, label, unit, one-line meaning, allowed dimensions) plus the named windows, comparisons and time grains query_metric understands. Call it first when unsure which metric answers a question.",
  kind: "read",
  scope: "metrics:read",
  idempotent: true,
  input: z.object({}),
  output: z.looseObject({
    metrics: z.array(z.looseObject({ key: z.string(), label: z.string(), unit: z.string(), summary: z.string(), dimensions: z.array(z.string()) })),
    windows: z.array(z.string()),
    comparisons: z.array(z.string()),
    timeGrains: z.array(z.string()),
    notes: z.string(),
  }),
  handler: async () => listMetrics(),
  render: (c) =>
    [
      ...c.metrics.map((m) => `${m.key} (${m.unit}): ${m.summary}. By ${m.dimensions.join(", ")}`),
      `Windows: ${c.windows.join(", ")}. Comparisons: ${c.comparisons.join(", ")}.`,
      c.notes,
    ].join("\n"),
  target: () => "metrics",
});

export const describeMetricOperation = defineOperation({
  name: "describe_metric",
  title: "Describe a certified metric",
  description:
    "The full certified definition of one metric: meaning in business words, unit, allowed dimensions and what each means, owner, version, certification date, change log and the SQL behind it. Use it when the user asks what a metric means or how it is computed.",
  kind: "read",
  scope: "metrics:read",
  idempotent: true,
  input: z.object({ metric: z.string().min(1).max(80).describe("Metric key, e.g. gmv") }),
  output: z.looseObject({
    key: z.string(),
    label: z.string(),
    description: z.string(),
    unit: z.string(),
    owner: z.string(),
    version: z.number(),
    certifiedAt: z.string(),
    changeLog: z.array(z.looseObject({ version: z.number(), date: z.string(), change: z.string() })),
    sql: z.looseObject({ rawFacts: z.string(), rollups: z.string() }),
  }),
  handler: async (_ctx, input): Promise<MetricDescription> => describeMetric(input.metric),
  render: (m) => renderMetricDescription(m),
  target: (input) => `metric:${input.metric}`,
});

export function renderMetricDescription(m: MetricDescription): string {
  return [
    `# ${m.label} (${m.key}) — v${m.version}, certified ${m.certifiedAt}, owner ${m.owner}`,
    "",
    m.description,
    "",
    `Unit: ${m.unit}. Time column: ${m.timeColumn}.`,
    `Dimensions: ${m.dimensionDetails.map((d) => `${d.dimension} (${d.meaning})`).join("; ")}.`,
    "",
    "Change log:",
    ...m.changeLog.map((c) => `- v${c.version} ${c.date}: ${c.change}`),
    "",
    "SQL over the raw facts:",
    "```sql",
    m.sql.rawFacts,
    "```",
  ].join("\n");
}

export const explainChangeOperation = defineOperation({
  name: "explain_change",
  title: "Explain why a metric changed",
  description:
    "Why did a metric move? Compares a window with another (default previous_period) and ranks the values of one or more dimensions (e.g. coupon_pool, store, tier) by their contribution to the change, with each one's share of the total; for ratio metrics it splits rate and mix effects; any residual is reported. Follow the thread: drill into the top driver with query_metric filters or another explain_change.",
  kind: "read",
  scope: "metrics:read",
  idempotent: true,
  input: ExplainChangeInput,
  output: z.looseObject({
    metric: z.looseObject({ key: z.string(), label: z.string(), unit: z.string() }),
    total: Values,
    byDimension: z.array(z.looseObject({ dimension: z.string(), contributors: z.array(z.looseObject({ label: z.string(), contribution: z.string() })) })),
    topDrivers: z.array(z.looseObject({ dimension: z.string(), label: z.string(), contribution: z.string(), share: z.string().nullable() })),
    summary: z.string(),
    provenance: z.looseObject({ metric: z.string(), version: z.number(), timeZone: z.string(), window: WindowSchema }),
  }),
  handler: (ctx, input): Promise<ExplainChangeResult> => explainChange(ctx.db, ctx.tenant, input, { now: ctx.now }),
  render: (r) =>
    [
      r.summary,
      ...r.topDrivers.map((d) => `  ${d.dimension} ${d.label}: ${d.contribution}${d.share ? ` (${(Number(d.share) * 100).toFixed(0)}% of the change)` : ""}`),
      `Window ${r.provenance.window.from}…${r.provenance.window.to} ${r.provenance.timeZone}; ${r.metric.key} v${r.provenance.version}.`,
    ].join("\n"),
  target: (input) => `metric:${input.metric}`,
});
