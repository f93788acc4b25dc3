// Exact distinct active-member counts per day range: the fast path for `active_members`.
//
// A distinct count over a window cannot be summed from daily rows, so rollup_member_days (one row per
// member-day) still hashes every member-day of the window. Instead, for a range of complete local days
// [from_day, to_day] we store the exact answer for every grouping set of the metric's cube over
// store | region, tier and channel (region is implied by store, so 12 sets; bit mask below):
//
//   rollup_active_member_ranges      tenant × from_day × to_day × grouping  (header: "this set is cached")
//   rollup_active_member_range_rows  the set's groups with their distinct member counts
//
// computed from rollup_member_days with one GROUPING SETS query. A query whose windows are complete
// days, whose breakdown is entity dimensions and whose filters fit the cube reads a handful of rows.
// Filters match by id: a single-valued filter on a dimension adds it to the grouping set (tier =
// Silver + by store reads the (store, tier) set, keeps the Silver rows); a multi-valued filter is
// usable only when the set already determines it (stores IN (…) when grouping by store, regions when
// grouping by store); anything else keeps the member-day path, so answers never become approximate.
//
// Filled (a) when rollups are rebuilt, for PREFILL_WINDOWS and their previous_period comparisons as
// of the tenant's current day, all 12 sets, and (b) on the first query of a range, only the set that
// query needs. Invalidated exactly: whenever member-day rows of a day are recomputed (incremental
// refresh or rebuild), every cached range containing that day is deleted in the same transaction.
// Region sets also record the tenant's store → region map (stores_version) and are only read while
// it is unchanged. Fills take the tenant's rollup lock in shared mode, writers take it exclusively,
// so a fill never stores counts from member-days that a concurrent refresh is replacing.
import type { Db } from "@/lib/db/client";
import type { DbOrTx, RawTx } from "@/lib/db/transaction";
import type { Period } from "./compile";
import type { ResolvedFilter } from "./dimensions";
import type { FactSource, GroupKey } from "./metrics";
import { resolveComparison, resolveWindow, type NamedWindow, type ResolvedWindow } from "./resolve-window";

/** Bits of the grouping mask. */
export const RANGE_BITS = { store: 1, region: 2, tier: 4, channel: 8 } as const;
type RangeDimension = keyof typeof RANGE_BITS;
const RANGE_DIMENSIONS = Object.keys(RANGE_BITS) as RangeDimension[];

/** Every grouping set of the cube: subsets of {store | region | neither} × {tier} × {channel}. */
export const ALL_GROUPINGS: readonly number[] = [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14];

/** Named windows whose ranges (and previous_period comparisons) a rebuild precomputes. */
export const PREFILL_WINDOWS: readonly NamedWindow[] = ["yesterday", "last_7_days", "last_14_days", "last_28_days", "last_30_days", "last_week", "last_month"];

/** work_mem for a fill: it de-duplicates a range's member-days (see DISTINCT_WORK_MEM). */
const FILL_WORK_MEM = "128MB";

const LOCK_PREFIX = "socode:rollups:";
/** The per-tenant rollup lock: writers of rollups take it exclusively, range fills shared. */
export function rollupLockSql(mode: "exclusive" | "shared"): string {
  return `SELECT ${mode === "shared" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock"}(hashtext($1::text))::text AS locked`;
}
export function rollupLockKey(tenantId: string): string {
  return `${LOCK_PREFIX}${tenantId}`;
}

function isRangeDimension(d: GroupKey): d is RangeDimension {
  return (RANGE_DIMENSIONS as string[]).includes(d);
}

/** Whether a grouping set fixes a dimension's value in each of its rows (region follows store). */
function determines(mask: number, d: RangeDimension): boolean {
  return (mask & RANGE_BITS[d]) !== 0 || (d === "region" && (mask & RANGE_BITS.store) !== 0);
}

export type RangePlan = {
  grouping: number;
  groupBy: RangeDimension[];
  filters: ResolvedFilter[];
  periods: { tag: Period["tag"]; fromDay: string; toDay: string }[];
};

/**
 * Whether a distinct member count can be read from cached ranges, and from which grouping set.
 * Null when it cannot: another source, a time grain, a partial window (its as-of day is read from raw
 * facts), or a multi-valued filter the set does not determine.
 */
export function planActiveRange(source: FactSource, groupBy: GroupKey[], filters: ResolvedFilter[], periods: Period[]): RangePlan | null {
  if (source.key !== "member_activity") return null;
  const dims: RangeDimension[] = [];
  for (const g of groupBy) {
    if (!isRangeDimension(g)) return null;
    dims.push(g);
  }
  let mask = 0;
  for (const d of dims) mask |= RANGE_BITS[d];
  for (const f of filters) {
    if (!isRangeDimension(f.dimension)) return null;
    if (f.values.length === 1) mask |= RANGE_BITS[f.dimension];
  }
  if (mask & RANGE_BITS.store) mask &= ~RANGE_BITS.region;
  for (const f of filters) if (!determines(mask, f.dimension as RangeDimension)) return null;
  const out: RangePlan["periods"] = [];
  for (const p of periods) {
    if (p.window.partial || p.window.from > p.window.to) return null;
    out.push({ tag: p.tag, fromDay: p.window.from, toDay: p.window.to });
  }
  return { grouping: mask, groupBy: dims, filters, periods: out };
}

class Params {
  readonly values: string[] = [];
  add(value: string, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

/** md5 of the tenant's store → region map ($1 = tenant id). */
const STORES_VERSION_SQL = `(SELECT md5(COALESCE(string_agg(st.id::text || '=' || COALESCE(st.region, ''), ',' ORDER BY st.id), '')) FROM "stores" st WHERE st.tenant_id = $1::uuid)`;

/** Reads a plan's rows: per period, whether the set is cached (range_id) and its matching groups. */
export function compileRangeRead(tenantId: string, plan: RangePlan): { sql: string; params: string[] } {
  const p = new Params();
  p.add(tenantId, "uuid");
  const mask = plan.grouping;
  const regionFromStore = (mask & RANGE_BITS.region) === 0;
  const values = plan.periods.map((period) => `('${period.tag}'::text, ${p.add(period.fromDay, "date")}, ${p.add(period.toDay, "date")})`);
  const groupExpr = (d: RangeDimension): string => {
    switch (d) {
      case "store":
        return "x.store_id::text";
      case "tier":
        return "x.tier_id::text";
      case "channel":
        return "x.channel::text";
      case "region":
        return regionFromStore ? "s.region" : "x.region";
    }
  };
  const conditions = plan.filters.map((f) => {
    const ids = f.values.map((v) => v.id);
    const list = (cast: string) => ids.map((id) => p.add(id, cast)).join(", ");
    switch (f.dimension) {
      case "store":
        return `x.store_id IN (${list("uuid")})`;
      case "tier":
        return `x.tier_id IN (${list("uuid")})`;
      case "channel":
        return `x.channel::text IN (${list("text")})`;
      case "region":
        return regionFromStore
          ? `x.store_id IN (SELECT st.id FROM "stores" st WHERE st.tenant_id = $1::uuid AND st.region IN (${list("text")}))`
          : `x.region IN (${list("text")})`;
      default:
        throw new Error(`dimension ${f.dimension} is not in the active-member cube`);
    }
  });
  const needsStores = plan.groupBy.includes("region") && regionFromStore;
  const sql = [
    `SELECT w.period, r.id::text AS range_id, x.id::text AS row_id${plan.groupBy.map((d, i) => `, ${groupExpr(d)} AS g${i}`).join("")}, x.members::text AS m0`,
    `FROM (VALUES ${values.join(", ")}) w(period, from_day, to_day)`,
    `LEFT JOIN "rollup_active_member_ranges" r ON r.tenant_id = $1::uuid AND r.from_day = w.from_day AND r.to_day = w.to_day AND r.grouping = ${mask}` +
      ((mask & RANGE_BITS.region) !== 0 ? ` AND r.stores_version = ${STORES_VERSION_SQL}` : ""),
    `LEFT JOIN "rollup_active_member_range_rows" x ON x.range_id = r.id${conditions.map((c) => `\n  AND ${c}`).join("")}`,
    ...(needsStores ? [`LEFT JOIN "stores" s ON s.id = x.store_id`] : []),
  ].join("\n");
  return { sql, params: p.values };
}

/**
 * One statement computing the given grouping sets of one range from rollup_member_days and storing
 * them (sets already cached are left alone: ON CONFLICT DO NOTHING). Caller holds the rollup lock.
 *
 * Each set is its own `SELECT DISTINCT member_id, <set columns>` then COUNT per group, joined with
 * UNION ALL: PostgreSQL hashes each within work_mem. (One GROUPING SETS over (member_id, …) emits a
 * row per member per set and spills: 10× slower at 1 M members.)
 */
export function compileRangeFill(tenantId: string, fromDay: string, toDay: string, groupings: readonly number[]): { sql: string; params: string[] } {
  const cols = [
    { bit: RANGE_BITS.store, expr: "m.store_id", name: "store_id", type: "uuid" },
    { bit: RANGE_BITS.region, expr: "s.region", name: "region", type: "text" },
    { bit: RANGE_BITS.tier, expr: "m.tier_id", name: "tier_id", type: "uuid" },
    { bit: RANGE_BITS.channel, expr: "m.channel", name: "channel", type: '"Channel"' },
  ];
  const perSet = groupings.map((g) => {
    const inSet = cols.filter((c) => (g & c.bit) !== 0);
    const join = (g & RANGE_BITS.region) !== 0 ? ` LEFT JOIN "stores" s ON s.id = m.store_id` : "";
    const inner = `SELECT DISTINCT m.member_id${inSet.map((c) => `, ${c.expr} AS ${c.name}`).join("")} FROM "rollup_member_days" m${join} WHERE m.tenant_id = $1::uuid AND m.day >= $2::date AND m.day <= $3::date`;
    const outer = cols.map((c) => ((g & c.bit) !== 0 ? `d.${c.name}` : `NULL::${c.type}`) + ` AS ${c.name}`).join(", ");
    return `SELECT ${g}::smallint AS grouping, ${outer}, COUNT(*)::int AS members FROM (${inner}) d${inSet.length ? ` GROUP BY ${inSet.map((c) => `d.${c.name}`).join(", ")}` : ""}`;
  });
  const sql = `WITH counts AS (
  ${perSet.join("\n  UNION ALL\n  ")}
), headers AS (
  INSERT INTO "rollup_active_member_ranges" (tenant_id, from_day, to_day, grouping, stores_version, built_at)
  SELECT $1::uuid, $2::date, $3::date, g, ${STORES_VERSION_SQL}, now()
  FROM unnest(string_to_array($4::text, ',')::smallint[]) g
  ON CONFLICT (tenant_id, from_day, to_day, grouping) DO NOTHING
  RETURNING id, grouping
)
INSERT INTO "rollup_active_member_range_rows" (range_id, store_id, region, tier_id, channel, members)
SELECT h.id, c.store_id, c.region, c.tier_id, c.channel, c.members
FROM counts c JOIN headers h ON h.grouping = c.grouping
WHERE c.members > 0`;
  return { sql, params: [tenantId, fromDay, toDay, groupings.join(",")] };
}

/** Computes and stores grouping sets of one range (dropping stale region sets first). Caller holds the lock. */
export async function fillRange(tx: RawTx, tenantId: string, fromDay: string, toDay: string, groupings: readonly number[]): Promise<void> {
  await tx.$executeRawUnsafe(
    `DELETE FROM "rollup_active_member_ranges"
     WHERE tenant_id = $1::uuid AND from_day = $2::date AND to_day = $3::date
       AND grouping = ANY(string_to_array($4::text, ',')::smallint[]) AND stores_version <> ${STORES_VERSION_SQL}`,
    tenantId,
    fromDay,
    toDay,
    groupings.join(","),
  );
  const q = compileRangeFill(tenantId, fromDay, toDay, groupings);
  await tx.$executeRawUnsafe(q.sql, ...q.params);
}

type Row = Record<string, string | null>;

function isRoot(db: DbOrTx): db is Db {
  return "$transaction" in db;
}

async function inFillTransaction(db: DbOrTx, tenantId: string, fn: (tx: DbOrTx) => Promise<void>): Promise<void> {
  if (isRoot(db)) {
    await db.$transaction(
      async (tx) => {
        await tx.$queryRawUnsafe(rollupLockSql("shared"), rollupLockKey(tenantId));
        await tx.$executeRawUnsafe(`SET LOCAL work_mem = '${FILL_WORK_MEM}'`);
        await fn(tx);
      },
      { timeout: 10 * 60_000, maxWait: 60_000 },
    );
    return;
  }
  // Inside the caller's transaction: the lock is held until it ends; its work_mem is left alone.
  await db.$queryRawUnsafe(rollupLockSql("shared"), rollupLockKey(tenantId));
  await fn(db);
}

/**
 * Answers a planned distinct count from cached ranges, filling missing ones first (only the set this
 * query needs). Rows are shaped like compileSourceQuery's: period, g0…, m0. Null if a range could not
 * be cached (the caller then uses the member-day path).
 */
export async function readActiveRanges(db: DbOrTx, tenantId: string, plan: RangePlan): Promise<Row[] | null> {
  const q = compileRangeRead(tenantId, plan);
  let rows = await db.$queryRawUnsafe<Row[]>(q.sql, ...q.params);
  const missing = plan.periods.filter((p) => rows.some((r) => r.period === p.tag && r.range_id === null));
  if (missing.length) {
    await inFillTransaction(db, tenantId, async (tx) => {
      for (const p of missing) await fillRange(tx, tenantId, p.fromDay, p.toDay, [plan.grouping]);
    });
    rows = await db.$queryRawUnsafe<Row[]>(q.sql, ...q.params);
    if (rows.some((r) => r.range_id === null)) return null;
  }
  return rows.filter((r) => r.row_id !== null);
}

/**
 * Deletes cached ranges containing any of `days` (every range of the tenant when null). Call in the
 * transaction that recomputes those days' member-day rows, holding the rollup lock.
 */
export async function invalidateActiveRanges(tx: RawTx, tenantId: string, days: readonly string[] | null): Promise<void> {
  if (days === null) {
    await tx.$executeRawUnsafe(`DELETE FROM "rollup_active_member_ranges" WHERE tenant_id = $1::uuid`, tenantId);
    return;
  }
  if (!days.length) return;
  const sorted = [...days].sort();
  await tx.$executeRawUnsafe(
    `DELETE FROM "rollup_active_member_ranges" r
     WHERE r.tenant_id = $1::uuid AND r.from_day <= $3::date AND r.to_day >= $2::date
       AND EXISTS (SELECT 1 FROM unnest(string_to_array($4::text, ',')::date[]) d WHERE d BETWEEN r.from_day AND r.to_day)`,
    tenantId,
    sorted[0],
    sorted[sorted.length - 1],
    sorted.join(","),
  );
}

/** The complete-day ranges of PREFILL_WINDOWS and their previous_period comparisons, as of `now`. */
export function prefillRanges(timeZone: string, now: Date, windows: readonly NamedWindow[] = PREFILL_WINDOWS): { fromDay: string; toDay: string }[] {
  const options = { timeZone, now };
  const out = new Map<string, { fromDay: string; toDay: string }>();
  const add = (w: ResolvedWindow) => {
    if (!w.partial && w.from <= w.to) out.set(`${w.from}|${w.to}`, { fromDay: w.from, toDay: w.to });
  };
  for (const name of windows) {
    const current = resolveWindow(name, options);
    add(current);
    add(resolveComparison(current, "previous_period", options));
  }
  return [...out.values()].sort((a, b) => (a.fromDay + a.toDay).localeCompare(b.fromDay + b.toDay));
}

/** Fills the missing grouping sets of the prefill ranges as of `now`. Caller holds the rollup lock. */
export async function prefillActiveRanges(tx: RawTx, tenant: { id: string; timeZone: string }, now: Date): Promise<{ ranges: number; filled: number }> {
  const ranges = prefillRanges(tenant.timeZone, now);
  const cached = await tx.$queryRawUnsafe<{ from_day: string; to_day: string; grouping: number }[]>(
    `SELECT to_char(from_day, 'YYYY-MM-DD') AS from_day, to_char(to_day, 'YYYY-MM-DD') AS to_day, grouping::int AS grouping
     FROM "rollup_active_member_ranges" WHERE tenant_id = $1::uuid AND stores_version = ${STORES_VERSION_SQL}`,
    tenant.id,
  );
  const have = new Set(cached.map((c) => `${c.from_day}|${c.to_day}|${c.grouping}`));
  let filled = 0;
  for (const r of ranges) {
    const missing = ALL_GROUPINGS.filter((g) => !have.has(`${r.fromDay}|${r.toDay}|${g}`));
    if (!missing.length) continue;
    await fillRange(tx, tenant.id, r.fromDay, r.toDay, missing);
    filled++;
  }
  return { ranges: ranges.length, filled };
}

/**
 * The daily job for a tenant whose rollups are current: drops cached ranges built more than
 * `keepDays` ago (ad-hoc ranges accumulate otherwise) and precomputes today's named windows, so the
 * first question of the day is fast too. Safe to run any time; writers wait while it fills.
 */
export async function refreshActiveRanges(
  db: Db,
  tenant: { id: string; timeZone: string },
  { now = new Date(), keepDays = 7 }: { now?: Date; keepDays?: number } = {},
): Promise<{ ranges: number; filled: number; pruned: number; ms: number }> {
  const started = Date.now();
  return db.$transaction(
    async (tx) => {
      await tx.$queryRawUnsafe(rollupLockSql("shared"), rollupLockKey(tenant.id));
      await tx.$executeRawUnsafe(`SET LOCAL work_mem = '${FILL_WORK_MEM}'`);
      const pruned = await tx.$executeRawUnsafe(
        `DELETE FROM "rollup_active_member_ranges" WHERE tenant_id = $1::uuid AND built_at < $2::timestamptz`,
        tenant.id,
        new Date(now.getTime() - keepDays * 86_400_000).toISOString(),
      );
      const { ranges, filled } = await prefillActiveRanges(tx, tenant, now);
      return { ranges, filled, pruned, ms: Date.now() - started };
    },
    { timeout: 30 * 60_000, maxWait: 60_000 },
  );
}
