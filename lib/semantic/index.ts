// The certified semantic layer's public surface. MCP tools, the console and Slack call these.
export { CERTIFIED_METRICS, ENTITY_DIMENSIONS, TIME_GRAINS, findMetric } from "./metrics";
export type { CertifiedMetric, EntityDimension, GroupKey, TimeGrain, Unit } from "./metrics";
export { GroundingError, type GroundingCode } from "./grounding";
export {
  NAMED_WINDOWS,
  COMPARISONS,
  WindowSpecSchema,
  CompareSpecSchema,
  resolveWindow,
  resolveComparison,
  type ResolvedWindow,
  type WindowSpec,
  type CompareSpec,
} from "./resolve-window";
export {
  QueryMetricInput,
  queryMetric,
  type QueryMetricResult,
  type QueryRow,
  type MetricValues,
  type Provenance,
  type QueryOptions,
} from "./query-metric";
export { ExplainChangeInput, explainChange, type ExplainChangeResult, type Contributor, type DimensionExplanation } from "./explain-change";
export { listMetrics, describeMetric, type MetricCatalogue, type MetricDescription } from "./discovery";
export { listDimensionValues, type DimensionValue, type SemanticTenant } from "./dimensions";
export { rebuildRollups, applyFactsToRollups, rollupStatus, type FactChanges, type ApplyFactsResult } from "./rollups";
