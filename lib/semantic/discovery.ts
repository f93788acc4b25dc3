// Discovery: a compact catalogue for an agent's context, and a full description per metric for the
// console (definition, dimensions and what they mean, readable SQL for both paths, version history).
import { compileSourceQuery, readableSql } from "./compile";
import { GroundingError } from "./grounding";
import { CERTIFIED_METRICS, FACT_SOURCES, metricMeasures, TIME_GRAINS, type CertifiedMetric, type EntityDimension } from "./metrics";
import { groundMetric } from "./query-metric";
import { COMPARISONS, NAMED_WINDOWS, type ResolvedWindow } from "./resolve-window";

export type MetricSummary = { key: string; label: string; unit: CertifiedMetric["unit"]; summary: string; dimensions: readonly EntityDimension[] };

export type MetricCatalogue = {
  metrics: MetricSummary[];
  windows: readonly string[];
  comparisons: readonly string[];
  timeGrains: readonly string[];
  notes: string;
};

/** The whole catalogue, compact (well under 2,000 tokens). */
export function listMetrics(): MetricCatalogue {
  return {
    metrics: CERTIFIED_METRICS.map((m) => ({ key: m.key, label: m.label, unit: m.unit, summary: m.summary, dimensions: m.dimensions })),
    windows: NAMED_WINDOWS,
    comparisons: COMPARISONS,
    timeGrains: TIME_GRAINS,
    notes:
      "Windows resolve in the tenant's time zone with ISO weeks (Mon–Sun); last_N_days = N complete days ending yesterday; this_* run to now. Also {from,to} dates. Filters match id, code or name. Every dimension may also be a filter.",
  };
}

export type MetricDescription = CertifiedMetric & {
  facts: string[];
  dimensionDetails: { dimension: EntityDimension; meaning: string }[];
  timeGrains: readonly string[];
  /** Readable SQL of the certified definition over the raw facts, and over the rollups. */
  sql: { rawFacts: string; rollups: string };
  rollupTables: string[];
};

const EXAMPLE_WINDOW: ResolvedWindow = {
  name: "window",
  kind: "custom",
  timeZone: "tenant time zone",
  from: "2026-01-01",
  to: "2026-01-07",
  start: "2026-01-01T00:00:00.000Z",
  end: "2026-01-08T00:00:00.000Z",
  partial: false,
  through: "2026-01-07",
  label: "window",
};

/** Everything the console's metric page shows. Throws GroundingError for an unknown key. */
export function describeMetric(key: string): MetricDescription {
  const metric = groundMetric(key);
  const measures = metricMeasures(metric);
  const sources = [...new Set(measures.map((m) => m.source))].map((s) => FACT_SOURCES[s]);
  const sqlFor = (path: "raw" | "rollup") =>
    sources
      .map((source) => {
        const q = compileSourceQuery({
          tenantId: "00000000-0000-0000-0000-000000000000",
          timeZone: "UTC",
          source,
          measures: measures.filter((m) => m.source === source.key),
          groupBy: [],
          filters: [],
          periods: [{ tag: "cur", window: EXAMPLE_WINDOW }],
          path,
        });
        return `-- ${source.facts}\n${readableSql(q)}`;
      })
      .join(";\n\n") + (metric.aggregation.kind === "ratio" ? `;\n\n-- ${metric.key} = ${metric.aggregation.numeratorLabel} ÷ ${metric.aggregation.denominatorLabel}` : "");
  const primary = sources[0];
  if (!primary) throw new GroundingError("unknown_metric", `${key} has no facts`);
  return {
    ...metric,
    facts: sources.map((s) => s.facts),
    dimensionDetails: metric.dimensions.map((dimension) => ({
      dimension,
      meaning: sources.map((s) => s.dimensionNotes[dimension]).find((n) => n !== undefined) ?? dimension,
    })),
    timeGrains: TIME_GRAINS,
    sql: { rawFacts: sqlFor("raw"), rollups: sqlFor("rollup") },
    rollupTables: [...new Set(sources.map((s) => s.rollupTable))],
  };
}
