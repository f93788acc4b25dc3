// The query compiler: registry definitions → parameterised SQL. SQL text comes only from the
// registry (./metrics.ts) and fixed fragments here; every caller-supplied value (tenant, time zone,
// dates, filter ids) is a bound parameter.
//
// Rollup path: complete local days are read from the daily rollups; the as-of day of a window that
// runs to "now" is read from the raw facts (a rollup day may hold facts after the as-of instant).
// Raw path: every day from the facts. Both produce the same base rows, so results are identical.
import type { ResolvedFilter } from "./dimensions";
import { FACT_SOURCES, type BaseColumn, type FactSource, type GroupKey, type Measure, type TimeGrain } from "./metrics";
import { addDays, localDateOf, localToInstant, type ResolvedWindow } from "./resolve-window";

export type PeriodTag = "cur" | "cmp";
export type Period = { tag: PeriodTag; window: ResolvedWindow };
export type QueryPath = "rollup" | "raw";

export type CompileRequest = {
  tenantId: string;
  timeZone: string;
  source: FactSource;
  measures: Measure[];
  groupBy: GroupKey[];
  filters: ResolvedFilter[];
  periods: Period[];
  path: QueryPath;
  /**
   * Also return each period's total over all groups, as rows with `total_row` = "1" (GROUPING SETS),
   * when the measures allow it (sums; a distinct count's total is not the sum of its groups and is
   * left to its own query: see CompiledQuery.includesTotals).
   */
  withTotals?: boolean;
};

export type CompiledQuery = {
  sql: string;
  /** True when the rows include the per-period totals asked for with `withTotals`. */
  includesTotals?: boolean;
  /** True for distinct counts, which hash many rows: run with DISTINCT_WORK_MEM when possible. */
  memoryHungry?: boolean;
  params: string[];
  /** A readable name per parameter ($1 → names[0]), for the console's SQL view. */
  paramNames: string[];
};

class Params {
  readonly values: string[] = [];
  readonly names: string[] = [];
  private tz?: string;
  constructor(private readonly timeZoneValue: string) {}
  /** The time zone placeholder, bound only when the statement needs it. */
  timeZone(): string {
    this.tz ??= this.add(this.timeZoneValue, "text", "time_zone");
    return this.tz;
  }
  add(value: string, cast: "uuid" | "text" | "date" | "timestamptz", name: string): string {
    this.values.push(value);
    this.names.push(name);
    return `$${this.values.length}::${cast}`;
  }
}

const TIME_GRAIN_SET: ReadonlySet<string> = new Set<TimeGrain>(["day", "week", "month"]);
export function isTimeGrain(key: GroupKey): key is TimeGrain {
  return TIME_GRAIN_SET.has(key);
}

type Segment = { kind: "rollup"; fromDay: string; toDay: string } | { kind: "raw"; start: string; end: string };

/** Splits a window into rollup days and raw instants for the chosen path. */
export function segmentsFor(window: ResolvedWindow, path: QueryPath): Segment[] {
  if (path === "raw") return [{ kind: "raw", start: window.start, end: window.end }];
  if (!window.partial) return [{ kind: "rollup", fromDay: window.from, toDay: window.to }];
  const cutDay = localDateOf(new Date(window.end), window.timeZone);
  const cutStart = localToInstant(cutDay, window.timeZone).toISOString();
  const segments: Segment[] = [];
  const lastComplete = addDays(cutDay, -1);
  if (lastComplete >= window.from) segments.push({ kind: "rollup", fromDay: window.from, toDay: lastComplete });
  const rawStart = cutStart > window.start ? cutStart : window.start;
  if (rawStart < window.end || segments.length === 0) segments.push({ kind: "raw", start: rawStart, end: window.end });
  return segments;
}

function column(source: FactSource, kind: "raw" | "rollup", col: BaseColumn): string {
  const expr = kind === "raw" ? source.rawColumns[col] : source.rollupColumns[col];
  if (!expr) throw new Error(`source ${source.key} has no ${kind} column ${col}`);
  return expr;
}

function inList(p: Params, values: string[], cast: "uuid" | "text", name: string): string {
  return values.map((v, i) => p.add(v, cast, `${name}_${i + 1}`)).join(", ");
}

/** Filter conditions on one segment's rows. */
function filterConditions(p: Params, req: CompileRequest, kind: "raw" | "rollup"): string[] {
  const out: string[] = [];
  for (const f of req.filters) {
    const col = req.source.dimensionColumns[f.dimension];
    if (!col) throw new Error(`dimension ${f.dimension} not available on ${req.source.key}`);
    const expr = column(req.source, kind, col);
    const ids = f.values.map((v) => v.id);
    if (f.dimension === "region") {
      out.push(
        `${expr} IN (SELECT st.id FROM "stores" st WHERE st.tenant_id = $1::uuid AND st.region IN (${inList(p, ids, "text", "region")}))`,
      );
    } else if (f.dimension === "channel") {
      out.push(`${expr} IN (${inList(p, ids, "text", "channel")})`);
    } else {
      out.push(`${expr} IN (${inList(p, ids, "uuid", f.dimension)})`);
    }
  }
  return out;
}

function neededColumns(req: CompileRequest): BaseColumn[] {
  const cols = new Set<BaseColumn>();
  for (const g of req.groupBy) {
    if (isTimeGrain(g)) continue;
    const col = req.source.dimensionColumns[g];
    if (!col) throw new Error(`dimension ${g} not available on ${req.source.key}`);
    cols.add(col);
  }
  for (const m of req.measures) cols.add(m.column);
  return [...cols];
}

function segmentSql(p: Params, req: CompileRequest, period: Period, seg: Segment, cols: BaseColumn[], withDay: boolean): string {
  const { source } = req;
  const select = [`'${period.tag}'::text AS period`];
  if (seg.kind === "raw") {
    if (withDay) select.push(`(${source.rawTime} AT TIME ZONE ${p.timeZone()})::date AS day`);
    for (const c of cols) select.push(`${column(source, "raw", c)} AS ${c}`);
    const where = [
      `f.tenant_id = $1::uuid`,
      `${source.rawTime} >= ${p.add(seg.start, "timestamptz", `${period.tag}_start`)}`,
      `${source.rawTime} < ${p.add(seg.end, "timestamptz", `${period.tag}_end`)}`,
      ...source.rawWhere,
      ...filterConditions(p, req, "raw"),
    ];
    return `SELECT ${select.join(", ")}\n  FROM ${source.rawFrom}\n  WHERE ${where.join("\n    AND ")}`;
  }
  if (withDay) select.push(`r.day AS day`);
  for (const c of cols) select.push(`${column(source, "rollup", c)} AS ${c}`);
  const where = [
    `r.tenant_id = $1::uuid`,
    `r.day >= ${p.add(seg.fromDay, "date", `${period.tag}_first_day`)}`,
    `r.day <= ${p.add(seg.toDay, "date", `${period.tag}_last_day`)}`,
    ...source.rollupWhere,
    ...filterConditions(p, req, "rollup"),
  ];
  return `SELECT ${select.join(", ")}\n  FROM "${source.rollupTable}" r\n  WHERE ${where.join("\n    AND ")}`;
}

/** `cast` false keeps uuids as uuids (cheaper to hash and sort); the outer query casts to text. */
function groupExpr(req: CompileRequest, g: GroupKey, cast = true): string {
  switch (g) {
    case "day":
      return `to_char(b.day, 'YYYY-MM-DD')`;
    case "week":
      return `to_char(date_trunc('week', b.day::timestamp), 'YYYY-MM-DD')`;
    case "month":
      return `to_char(date_trunc('month', b.day::timestamp), 'YYYY-MM-DD')`;
    case "region":
      return `s.region`;
    default: {
      const col = req.source.dimensionColumns[g];
      if (!col) throw new Error(`dimension ${g} not available on ${req.source.key}`);
      return cast ? `b.${col}::text` : `b.${col}`;
    }
  }
}

/**
 * One SQL statement per source: rows of (period, g0, g1, m0, m1) as text, grouped by period and
 * the requested dimensions. Measures are integers (sums or distinct counts) rendered as text.
 */
export function compileSourceQuery(req: CompileRequest): CompiledQuery {
  const p = new Params(req.timeZone);
  p.add(req.tenantId, "uuid", "tenant_id");
  const withDay = req.groupBy.some(isTimeGrain);
  const cols = neededColumns(req);
  const segments = req.periods.flatMap((period) =>
    segmentsFor(period.window, req.path).map((seg) => segmentSql(p, req, period, seg, cols, withDay)),
  );
  const groups = req.groupBy.map((g, i) => `${groupExpr(req, g)} AS g${i}`);
  const joinStores = req.groupBy.includes("region") ? `\nLEFT JOIN "stores" s ON s.id = b.store_id` : "";
  const from = `FROM (\n  ${segments.join("\n  UNION ALL\n  ")}\n) b${joinStores}`;
  const groupBy = ["period", ...req.groupBy.map((_, i) => `g${i}`)].join(", ");
  const distinctColumn = req.measures[0]?.aggregate === "count_distinct" ? req.measures[0].column : undefined;
  let sql: string;
  if (distinctColumn && req.measures.every((m) => m.aggregate === "count_distinct" && m.column === distinctColumn)) {
    // COUNT(DISTINCT …) always sorts; de-duplicating first lets PostgreSQL hash instead.
    const rawGroups = req.groupBy.map((g, i) => `${groupExpr(req, g, false)} AS g${i}`);
    sql = [
      `SELECT period${req.groupBy.map((_, i) => `, g${i}::text AS g${i}`).join("")}, ${req.measures.map((_, i) => `COUNT(d.${distinctColumn})::text AS m${i}`).join(", ")}`,
      `FROM (\nSELECT DISTINCT b.period${rawGroups.length ? `, ${rawGroups.join(", ")}` : ""}, b.${distinctColumn}`,
      `${from}\n) d`,
      `GROUP BY ${groupBy}`,
    ].join("\n");
  } else {
    const aggregates = req.measures.map((m, i) =>
      m.aggregate === "count_distinct"
        ? `COUNT(DISTINCT b.${m.column})::text AS m${i}`
        : `COALESCE(SUM(b.${m.column}), 0)::text AS m${i}`,
    );
    if (req.withTotals && req.groupBy.length) {
      // One statement for the groups and the totals: one round trip and one scan instead of two.
      // Grouped by the uncast columns (uuids hash and sort faster than their text), cast in the SELECT.
      const exprs = req.groupBy.map((g) => groupExpr(req, g, false));
      sql = [
        `SELECT b.period, ${groups.join(", ")}, ${aggregates.join(", ")}, GROUPING(${exprs[0]})::text AS total_row`,
        from,
        `GROUP BY GROUPING SETS ((b.period, ${exprs.join(", ")}), (b.period))`,
      ].join("\n");
      return { sql, includesTotals: true, params: p.values, paramNames: p.names };
    }
    sql = [
      `SELECT b.period${groups.length ? `, ${groups.join(", ")}` : ""}, ${aggregates.join(", ")}`,
      from,
      `GROUP BY ${groupBy}`,
    ].join("\n");
  }
  return { sql, params: p.values, paramNames: p.names, ...(distinctColumn ? { memoryHungry: true } : {}) };
}

/**
 * work_mem for distinct-count queries: de-duplicating a month of member activity for a million
 * members needs ~120 MB of hash table; with PostgreSQL's 4 MB default it spills to disk and takes
 * 3× longer. Set per transaction (SET LOCAL), never for the session.
 */
export const DISTINCT_WORK_MEM = "128MB";

/** The SQL with each `$n::type` placeholder replaced by `:name`, for people to read. */
export function readableSql(q: CompiledQuery): string {
  return q.sql.replace(/\$(\d+)::\w+/g, (_, n: string) =>
    `:${(q.paramNames[Number(n) - 1] ?? `p${n}`).replace(/^cur_/, "window_").replace(/^cmp_/, "comparison_")}`,
  );
}

/**
 * One round trip for what every query needs first: per coverage column of the given sources, the
 * earliest fact timestamp and the latest one at or before the as-of instant (ISO strings, null when
 * none; both use the (tenant_id, time) indexes), plus the tenant's rollup state.
 */
export function compileCoverageQuery(tenantId: string, sources: FactSource[], asOf: string): CompiledQuery {
  const iso = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const columns = [...new Map(sources.flatMap((s) => s.coverage).map((c) => [`${c.table}.${c.column}`, c])).values()];
  const parts = columns.map(
    (c, i) =>
      `(SELECT ${iso(`MIN(t.${c.column})`)} FROM "${c.table}" t WHERE t.tenant_id = $1::uuid) AS first${i}, ` +
      `(SELECT ${iso(`MAX(t.${c.column})`)} FROM "${c.table}" t WHERE t.tenant_id = $1::uuid AND t.${c.column} <= $2::timestamptz) AS last${i}, ` +
      // The first fact after as-of: until then, the span read here holds for a later as-of too (lib/semantic/semantic-cache.ts).
      `(SELECT ${iso(`MIN(t.${c.column})`)} FROM "${c.table}" t WHERE t.tenant_id = $1::uuid AND t.${c.column} > $2::timestamptz) AS next${i}`,
  );
  parts.push(
    `(SELECT rs.time_zone FROM "rollup_state" rs WHERE rs.tenant_id = $1::uuid) AS rollup_time_zone`,
    `(SELECT ${iso("rs.updated_at")} FROM "rollup_state" rs WHERE rs.tenant_id = $1::uuid) AS rollup_updated_at`,
  );
  return { sql: `SELECT ${parts.join(",\n       ")}`, params: [tenantId, asOf], paramNames: ["tenant_id", "as_of"] };
}

export { FACT_SOURCES };
