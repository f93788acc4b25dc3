// explainChange: which dimension values drove a metric's change between two windows.
//
// Additive metrics (sums, counts): a value's contribution is its own change; contributions add up to
// the total change exactly. Distinct counts (active_members): a member active in several stores
// counts once in the total but once in each store, so the parts need not add up; the difference is
// reported as an explicit residual. Ratio metrics (redemption_rate, aov): value i contributes
// n1ᵢ/D1 − n0ᵢ/D0 (numerator share of the total ratio), split into a rate effect w0ᵢ·(r1ᵢ − r0ᵢ)
// (its own ratio moved) and a mix effect (the rest: its weight in the denominator moved). Exact
// rational arithmetic throughout, so contributions sum to the total with zero residual.
import { z } from "zod";
import type { DbOrTx } from "@/lib/db/transaction";
import type { Period, QueryPath } from "./compile";
import type { DimensionValue, SemanticTenant } from "./dimensions";
import { currencyDigits, Fraction } from "./exact";
import { GroundingError } from "./grounding";
import type { EntityDimension } from "./metrics";
import {
  FiltersSchema,
  groundFilters,
  groundGroupKey,
  groundMetric,
  groundWindows,
  metricCoverage,
  metricFraction,
  metricHeader,
  parseInput,
  provenanceOf,
  runGrouped,
  valueDigits,
  windowHasData,
  type MetricValues,
  type Provenance,
} from "./query-metric";
import { listDimensionValues } from "./dimensions";
import { CompareSpecSchema, WindowSpecSchema } from "./resolve-window";

export const ExplainChangeInput = z.object({
  metric: z.string().min(1).max(80).describe("Certified metric key"),
  window: WindowSpecSchema.describe("The window whose value changed"),
  compareTo: CompareSpecSchema.default("previous_period").describe("The window it changed from (default previous_period)"),
  dimensions: z
    .union([z.string().min(1).max(40), z.array(z.string().min(1).max(40)).min(1).max(3)], {
      // zod's own message for a failed union is "Invalid input"; say what is expected instead.
      error: (issue) =>
        `${issue.input === undefined ? "required" : "expected"}: a dimension to attribute the change to, or a list of 1 to 3, such as "coupon_pool" or ["store", "tier"] (list_metrics shows each metric's dimensions)`,
    })
    .describe("Dimension(s) to attribute the change to, e.g. coupon_pool or store"),
  filters: FiltersSchema.optional(),
  limit: z.number().int().min(1).max(50).optional().describe("Contributors listed per dimension (default 10); the rest are summed as others"),
});
export type ExplainChangeInput = z.input<typeof ExplainChangeInput>;

export type Contributor = {
  id: string | null;
  label: string;
  current: string | null;
  comparison: string | null;
  /** This value's contribution to the total change, in the metric's unit. */
  contribution: string;
  /** contribution ÷ total change (null when the total did not change). */
  share: string | null;
  /** Ratio metrics only. */
  rateEffect?: string;
  mixEffect?: string;
};

export type DimensionExplanation = {
  dimension: EntityDimension;
  contributors: Contributor[];
  /** Values beyond `limit`, summed. */
  others: { count: number; contribution: string; share: string | null } | null;
  /** Total change minus the sum of all contributions (non-zero only for distinct counts). */
  residual: { value: string; share: string | null; explanation: string } | null;
  /** Ratio metrics: the sum of rate and mix effects over all values. */
  effects?: { rate: string; mix: string };
};

export type ExplainChangeResult = {
  metric: { key: string; label: string; unit: string; currency?: string };
  total: MetricValues;
  byDimension: DimensionExplanation[];
  /** The strongest contributors across all dimensions, in the direction of the change. */
  topDrivers: (Contributor & { dimension: EntityDimension })[];
  summary: string;
  provenance: Omit<Provenance, "rowCount" | "totalRows" | "groupBy"> & { dimensions: EntityDimension[] };
};

type Scored = Contributor & { value: Fraction; rate?: Fraction; mix?: Fraction };

export async function explainChange(
  db: DbOrTx,
  tenant: SemanticTenant,
  rawInput: ExplainChangeInput,
  options: { now?: Date; path?: QueryPath } = {},
): Promise<ExplainChangeResult> {
  const input = parseInput(ExplainChangeInput, rawInput);
  const now = options.now ?? new Date();
  const metric = groundMetric(input.metric);
  const dimensionInputs = Array.isArray(input.dimensions) ? input.dimensions : [input.dimensions];
  const dimensions: EntityDimension[] = [];
  for (const d of dimensionInputs) {
    const key = groundGroupKey(metric, d);
    if (key === "day" || key === "week" || key === "month") {
      throw new GroundingError("invalid_query", "explainChange attributes change to dimensions, not time grains; use queryMetric with groupBy for a trend.", [...metric.dimensions]);
    }
    if (!dimensions.includes(key)) dimensions.push(key);
  }
  const cache = new Map<EntityDimension, DimensionValue[]>();
  const { current, comparison } = groundWindows(input, tenant, now);
  if (!comparison) throw new Error("unreachable: compareTo has a default");
  const [filters, cov] = await Promise.all([
    groundFilters(db, tenant, metric, input.filters, cache),
    metricCoverage(db, tenant, metric, now),
    ...dimensions.map(async (d) => cache.set(d, await listDimensionValues(db, tenant, d))),
  ]);
  for (const [w, what] of [
    [current, "window"],
    [comparison, "comparison window"],
  ] as const) {
    if (!windowHasData(w, cov)) {
      throw new GroundingError(
        "no_data",
        `No data for ${metric.key} in the ${what} ${w.label}; facts run from ${cov.first ?? "—"} to ${cov.last ?? "—"}. A change cannot be explained without both windows.`,
        ["last_week", "last_30_days"],
      );
    }
  }
  const status = cov.rollups;
  const path: QueryPath = options.path ?? (status.usable ? "rollup" : "raw");
  const ctx = { db, tenant, metric, path };
  const periods: Period[] = [
    { tag: "cur", window: current },
    { tag: "cmp", window: comparison },
  ];
  const digits = valueDigits(metric, tenant.currency);
  const effectDigits = metric.aggregation.kind === "ratio" ? digits + 2 : digits;
  const [totalResult, ...perDimension] = await Promise.all([
    runGrouped(ctx, periods, [], filters),
    ...dimensions.map((d) => runGrouped(ctx, periods, [d], filters)),
  ]);
  const totals = totalResult.groups.get("[]")?.periods;
  const cur = metricFraction(metric, totals?.get("cur"), tenant.currency);
  const cmp = metricFraction(metric, totals?.get("cmp"), tenant.currency);
  if (!cur || !cmp) {
    throw new GroundingError(
      "no_data",
      `${metric.key} is undefined in the ${!cur ? "current" : "comparison"} window (nothing in its denominator), so its change cannot be attributed.`,
    );
  }
  const totalChange = cur.sub(cmp);
  const share = (x: Fraction) => (totalChange.isZero() ? null : x.div(totalChange).toFixed(4));
  const direction = totalChange.compare(Fraction.ZERO);
  const limit = input.limit ?? 10;
  const scale = metric.unit === "currency" ? new Fraction(10n ** BigInt(currencyDigits(tenant.currency))) : new Fraction(1n);

  const byDimension: DimensionExplanation[] = [];
  const allScored: (Scored & { dimension: EntityDimension })[] = [];
  for (const [index, dimension] of dimensions.entries()) {
    const values = cache.get(dimension) ?? [];
    const grouped = perDimension[index];
    if (!grouped) continue;
    const scored: Scored[] = [];
    let rateSum = Fraction.ZERO;
    let mixSum = Fraction.ZERO;
    for (const g of grouped.groups.values()) {
      const id = g.keys[0] ?? null;
      const v = values.find((x) => x.id === id);
      const label = id === null ? "(none)" : v ? (v.code ? `${v.name} (${v.code})` : v.name) : id;
      const c1 = metricFraction(metric, g.periods.get("cur"), tenant.currency);
      const c0 = metricFraction(metric, g.periods.get("cmp"), tenant.currency);
      let value: Fraction;
      let rate: Fraction | undefined;
      let mix: Fraction | undefined;
      if (metric.aggregation.kind === "ratio") {
        const n1 = new Fraction(g.periods.get("cur")?.get(0) ?? 0n);
        const d1 = new Fraction(g.periods.get("cur")?.get(1) ?? 0n);
        const n0 = new Fraction(g.periods.get("cmp")?.get(0) ?? 0n);
        const d0 = new Fraction(g.periods.get("cmp")?.get(1) ?? 0n);
        const D1 = new Fraction(totals?.get("cur")?.get(1) ?? 0n);
        const D0 = new Fraction(totals?.get("cmp")?.get(1) ?? 0n);
        value = n1.div(D1).sub(n0.div(D0)).div(scale);
        rate = !d0.isZero() && !d1.isZero() ? d0.div(D0).mul(n1.div(d1).sub(n0.div(d0))).div(scale) : Fraction.ZERO;
        mix = value.sub(rate);
        rateSum = rateSum.add(rate);
        mixSum = mixSum.add(mix);
      } else {
        value = (c1 ?? Fraction.ZERO).sub(c0 ?? Fraction.ZERO);
      }
      scored.push({
        id,
        label,
        current: c1 ? c1.toFixed(digits) : null,
        comparison: c0 ? c0.toFixed(digits) : null,
        contribution: value.toFixed(effectDigits),
        share: share(value),
        // The shown mix effect is the shown contribution minus the shown rate effect, so the
        // printed numbers add up exactly despite rounding.
        ...(rate && mix
          ? {
              rateEffect: rate.toFixed(effectDigits),
              mixEffect: Fraction.of(value.toFixed(effectDigits)).sub(Fraction.of(rate.toFixed(effectDigits))).toFixed(effectDigits),
            }
          : {}),
        value,
        ...(rate ? { rate } : {}),
        ...(mix ? { mix } : {}),
      });
    }
    // Strongest movers in the direction of the total change first; ties by label.
    scored.sort((a, b) => {
      const ka = direction === 0 ? a.value.abs() : direction > 0 ? a.value : a.value.mul(new Fraction(-1n));
      const kb = direction === 0 ? b.value.abs() : direction > 0 ? b.value : b.value.mul(new Fraction(-1n));
      return kb.compare(ka) || a.label.localeCompare(b.label);
    });
    const sum = scored.reduce((acc, s) => acc.add(s.value), Fraction.ZERO);
    const residual = totalChange.sub(sum);
    const rest = scored.slice(limit);
    const restSum = rest.reduce((acc, s) => acc.add(s.value), Fraction.ZERO);
    byDimension.push({
      dimension,
      contributors: scored.slice(0, limit).map(strip),
      others: rest.length ? { count: rest.length, contribution: restSum.toFixed(effectDigits), share: share(restSum) } : null,
      residual: residual.isZero()
        ? null
        : {
            value: residual.toFixed(effectDigits),
            share: share(residual),
            explanation:
              metric.aggregation.kind === "count_distinct"
                ? `Members active in more than one ${dimension} count once in the total but once in each ${dimension}, so the ${dimension} changes do not add up to the total change.`
                : "Rounding.",
          },
      ...(metric.aggregation.kind === "ratio" ? { effects: { rate: rateSum.toFixed(effectDigits), mix: mixSum.toFixed(effectDigits) } } : {}),
    });
    for (const s of scored) allScored.push({ ...s, dimension });
  }
  const topDrivers = allScored
    .filter((s) => (direction === 0 ? !s.value.isZero() : s.value.compare(Fraction.ZERO) === direction))
    .sort((a, b) => b.value.abs().compare(a.value.abs()))
    .slice(0, 5)
    .map((s) => ({ ...strip(s), dimension: s.dimension }));

  const total: MetricValues = {
    current: cur.toFixed(digits),
    comparison: cmp.toFixed(digits),
    change: { absolute: totalChange.toFixed(digits), relative: cmp.isZero() ? null : totalChange.div(cmp).toFixed(4) },
  };
  const summary = summarise(metric.label, total, current.label, comparison.label, topDrivers, byDimension);
  return {
    metric: metricHeader(metric, tenant),
    total,
    byDimension,
    topDrivers,
    summary,
    provenance: { ...provenanceOf({ metric, tenant, window: current, filters, facts: cov, path, now }), comparison, dimensions },
  };
}

function strip(s: Scored): Contributor {
  const { value: _v, rate: _r, mix: _m, ...rest } = s;
  void _v;
  void _r;
  void _m;
  return rest;
}

function percent(share: string | null): string {
  if (share === null) return "n/a";
  return `${(Number(share) * 100).toFixed(0)}%`;
}

function summarise(
  label: string,
  total: MetricValues,
  currentLabel: string,
  comparisonLabel: string,
  top: (Contributor & { dimension: EntityDimension })[],
  byDimension: DimensionExplanation[],
): string {
  const abs = total.change?.absolute ?? "0";
  const verb = abs.startsWith("-") ? "fell" : /^0(\.0+)?$/.test(abs) ? "did not change" : "rose";
  const rel = total.change?.relative ? ` (${(Number(total.change.relative) * 100).toFixed(1)}%)` : "";
  const lines = [`${label} ${verb} from ${total.comparison} to ${total.current}${rel}: ${currentLabel} vs ${comparisonLabel}.`];
  const first = top[0];
  if (first) {
    lines.push(
      `Main driver: ${first.dimension} ${first.label} (${first.contribution}, ${percent(first.share)} of the change)` +
        (top.length > 1 ? `; then ${top.slice(1, 3).map((t) => `${t.dimension} ${t.label} (${percent(t.share)})`).join(", ")}.` : "."),
    );
  }
  for (const d of byDimension) {
    if (d.effects) lines.push(`By ${d.dimension}: rate effect ${d.effects.rate}, mix effect ${d.effects.mix}.`);
    if (d.residual) lines.push(`By ${d.dimension}: residual ${d.residual.value} (${d.residual.explanation})`);
  }
  return lines.join(" ");
}
