// Rollup maintenance. The rollups are derived, disposable tables (see prisma/schema.prisma):
//   rollup_order_days        completed orders per local day × store × tier at order × channel
//   rollup_member_days       member × local day × store × tier × channel with ≥1 completed order
//   rollup_coupon_days       coupons issued (per pool) and redeemed (per pool × order store/tier/channel)
//   rollup_points_days       points ledger per local day × kind (signed sum of deltas)
//   rollup_member_join_days  members joined per local day × home store × current tier
//   rollup_state             which tenants have rollups, bucketed in which time zone
//   rollup_active_member_ranges(+_rows)  exact distinct active members per day range × grouping set
//                            (./active-ranges.ts): deleted here whenever member-days inside them change
//
// Refreshing a day recomputes it from the facts (delete + insert under a per-tenant advisory lock),
// so it is idempotent: calling it twice, or for a day that did not change, is harmless.
import { pgArrayLiteral } from "@/lib/db/array-literal";
import type { Db } from "@/lib/db/client";
import type { DbOrTx, RawTx } from "@/lib/db/transaction";
import { invalidateActiveRanges, prefillActiveRanges, rollupLockKey, rollupLockSql } from "./active-ranges";
import { addDays, localDateOf, localToInstant } from "./resolve-window";
import { semanticEpochScope } from "./semantic-cache";

export type RollupFamily = "orders" | "coupons" | "points" | "members";

/**
 * Fact timestamps whose local days changed. Write operations call applyFactsToRollups with:
 * - orders:  placed_at of every order inserted, deleted, or whose status, total, store, tier,
 *            channel or member changed (refreshes order and member-activity rollups);
 * - coupons: issued_at and redeemed_at (old and new values) of every coupon issued, redeemed,
 *            voided or reassigned, and redeemed_at of coupons whose redeeming order changed;
 * - points:  created_at of every points entry inserted;
 * - members: joined_at of every member created, or whose home store or tier changed.
 */
export type FactChanges = Partial<Record<RollupFamily, readonly Date[]>>;

export type ApplyFactsResult =
  | { status: "applied"; days: Partial<Record<RollupFamily, string[]>> }
  | { status: "skipped"; reason: "no_rollups" | "time_zone_changed" };

type DayScope = { days: string[]; start: string; end: string } | null;

function isRoot(db: DbOrTx | RawTx): db is Db {
  return "$transaction" in db;
}

/** Runs `fn` in a transaction of its own on a root client, or inside the caller's transaction. */
async function inTransaction<T>(db: DbOrTx | RawTx, fn: (tx: RawTx) => Promise<T>): Promise<T> {
  if (isRoot(db)) return db.$transaction(fn, { timeout: 30 * 60_000, maxWait: 60_000 });
  return fn(db);
}

type UsableState = { status: "usable"; timeZone: string } | { status: "skipped"; reason: "no_rollups" | "time_zone_changed" };

/** Whether the tenant's rollups may be updated in place: they exist and are bucketed in its current time zone. */
async function usableState(tx: RawTx, tenantId: string): Promise<UsableState> {
  const [row] = await tx.$queryRawUnsafe<{ state_tz: string | null; tenant_tz: string }[]>(
    `SELECT s.time_zone AS state_tz, t.time_zone AS tenant_tz FROM "tenants" t LEFT JOIN "rollup_state" s ON s.tenant_id = t.id WHERE t.id = $1::uuid`,
    tenantId,
  );
  if (!row?.state_tz) return { status: "skipped", reason: "no_rollups" };
  if (row.state_tz !== row.tenant_tz) return { status: "skipped", reason: "time_zone_changed" };
  return { status: "usable", timeZone: row.state_tz };
}

async function touchState(tx: RawTx, tenantId: string): Promise<void> {
  await tx.$executeRawUnsafe(`UPDATE "rollup_state" SET updated_at = $2::timestamptz WHERE tenant_id = $1::uuid`, tenantId, new Date().toISOString());
}

/**
 * SQL fragments limiting a refresh to some local days: the instants bound keeps the index usable,
 * the day list makes the cut exact.
 */
function scopeSql(scope: DayScope, time: string, next: number): { sql: string; params: string[] } {
  if (!scope) return { sql: "", params: [] };
  return {
    sql:
      ` AND ${time} >= $${next}::timestamptz AND ${time} < $${next + 1}::timestamptz` +
      ` AND (${time} AT TIME ZONE $2::text)::date = ANY(string_to_array($${next + 2}::text, ',')::date[])`,
    params: [scope.start, scope.end, scope.days.join(",")],
  };
}

function dayFilter(scope: DayScope, next: number): { sql: string; params: string[] } {
  if (!scope) return { sql: "", params: [] };
  return { sql: ` AND day = ANY(string_to_array($${next}::text, ',')::date[])`, params: [scope.days.join(",")] };
}

async function refreshFamily(tx: RawTx, tenantId: string, timeZone: string, family: RollupFamily, scope: DayScope): Promise<void> {
  const base = [tenantId, timeZone];
  const run = async (sql: string, params: string[]) => {
    await tx.$executeRawUnsafe(sql, ...params);
  };
  const del = async (table: string) => {
    // $2 (the time zone) is unused by DELETE; pass only what the statement references.
    const f = dayFilter(scope, 2);
    await run(`DELETE FROM "${table}" WHERE tenant_id = $1::uuid${f.sql}`, [tenantId, ...f.params]);
  };
  switch (family) {
    case "orders": {
      await del("rollup_order_days");
      await del("rollup_member_days");
      // Cached distinct counts over any range containing a recomputed day are no longer known-good.
      await invalidateActiveRanges(tx, tenantId, scope ? scope.days : null);
      const s = scopeSql(scope, "o.placed_at", 3);
      await run(
        `INSERT INTO "rollup_order_days" (tenant_id, day, store_id, tier_id, channel, orders, gmv_minor)
         SELECT o.tenant_id, (o.placed_at AT TIME ZONE $2::text)::date, o.store_id, o.tier_id, o.channel, COUNT(*), SUM(o.total_minor)
         FROM "orders" o
         WHERE o.tenant_id = $1::uuid AND o.status = 'completed'${s.sql}
         GROUP BY 1, 2, 3, 4, 5`,
        [...base, ...s.params],
      );
      await run(
        `INSERT INTO "rollup_member_days" (tenant_id, day, member_id, store_id, tier_id, channel, orders)
         SELECT o.tenant_id, (o.placed_at AT TIME ZONE $2::text)::date, o.member_id, o.store_id, o.tier_id, o.channel, COUNT(*)
         FROM "orders" o
         WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND o.member_id IS NOT NULL${s.sql}
         GROUP BY 1, 2, 3, 4, 5, 6`,
        [...base, ...s.params],
      );
      return;
    }
    case "coupons": {
      await del("rollup_coupon_days");
      const issued = scopeSql(scope, "c.issued_at", 3);
      const redeemed = scopeSql(scope, "c.redeemed_at", 3);
      await run(
        `INSERT INTO "rollup_coupon_days" (tenant_id, day, pool_id, store_id, tier_id, channel, issued, redeemed)
         SELECT $1::uuid, x.day, x.pool_id, x.store_id, x.tier_id, x.channel, SUM(x.issued), SUM(x.redeemed)
         FROM (
           SELECT (c.issued_at AT TIME ZONE $2::text)::date AS day, c.pool_id, NULL::uuid AS store_id, NULL::uuid AS tier_id,
                  NULL::"Channel" AS channel, 1 AS issued, 0 AS redeemed
           FROM "coupons" c
           WHERE c.tenant_id = $1::uuid AND c.issued_at IS NOT NULL${issued.sql}
           UNION ALL
           SELECT (c.redeemed_at AT TIME ZONE $2::text)::date, c.pool_id, o.store_id, o.tier_id, o.channel, 0, 1
           FROM "coupons" c LEFT JOIN "orders" o ON o.id = c.order_id
           WHERE c.tenant_id = $1::uuid AND c.redeemed_at IS NOT NULL${redeemed.sql}
         ) x
         GROUP BY x.day, x.pool_id, x.store_id, x.tier_id, x.channel`,
        [...base, ...issued.params],
      );
      return;
    }
    case "points": {
      await del("rollup_points_days");
      const s = scopeSql(scope, "p.created_at", 3);
      await run(
        `INSERT INTO "rollup_points_days" (tenant_id, day, kind, points, entries)
         SELECT p.tenant_id, (p.created_at AT TIME ZONE $2::text)::date, p.kind, SUM(p.delta), COUNT(*)
         FROM "points_entries" p
         WHERE p.tenant_id = $1::uuid${s.sql}
         GROUP BY 1, 2, 3`,
        [...base, ...s.params],
      );
      return;
    }
    case "members": {
      await del("rollup_member_join_days");
      const s = scopeSql(scope, "m.joined_at", 3);
      await run(
        `INSERT INTO "rollup_member_join_days" (tenant_id, day, home_store_id, tier_id, members)
         SELECT m.tenant_id, (m.joined_at AT TIME ZONE $2::text)::date, m.home_store_id, m.tier_id, COUNT(*)
         FROM "members" m
         WHERE m.tenant_id = $1::uuid${s.sql}
         GROUP BY 1, 2, 3, 4`,
        [...base, ...s.params],
      );
      return;
    }
  }
}

const FAMILIES: RollupFamily[] = ["orders", "coupons", "points", "members"];

/**
 * Takes the tenant's rollup lock exclusively — after its semantic cache epoch row. Everything that
 * changes rollups also bumps that epoch (the rollup_state trigger), and many writes bump it before
 * they reach the rollups (an ingest batch's freshness row, a new tier, a pool's size): taking the
 * epoch row first here keeps one lock order for all of them, so a rebuild and a batch cannot each
 * hold the lock the other waits for.
 */
async function lockTenant(tx: RawTx, tenantId: string): Promise<void> {
  await tx.$queryRawUnsafe(`SELECT socode_bump_cache_epoch($1::text)::text`, semanticEpochScope(tenantId));
  await tx.$queryRawUnsafe(rollupLockSql("exclusive"), rollupLockKey(tenantId));
}

export type RebuildResult = { tenantId: string; slug: string; timeZone: string; rows: Record<string, number>; ms: number };

export type RebuildOptions = {
  /** The instant whose local day the active-member ranges are precomputed for (default: now). */
  now?: Date;
  /** Precompute the named windows' active-member ranges (default true). */
  prefill?: boolean;
};

/**
 * Rebuilds every rollup of one tenant (or of all tenants) from the facts, in the tenant's current
 * time zone, and precomputes the active-member ranges of the named windows as of `now`. Run after
 * bulk loads, after a tenant's time zone changes, or to repair drift.
 */
export async function rebuildRollups(db: DbOrTx, tenantId?: string, options: RebuildOptions = {}): Promise<RebuildResult[]> {
  const tenants = await db.tenant.findMany({
    where: tenantId ? { id: tenantId } : {},
    select: { id: true, slug: true, timeZone: true },
    orderBy: { slug: "asc" },
  });
  const results: RebuildResult[] = [];
  for (const tenant of tenants) {
    const started = Date.now();
    await inTransaction(db, async (tx) => {
      // A fill de-duplicates each range's member-days; only in our own transaction.
      if (isRoot(db) && (options.prefill ?? true)) await tx.$executeRawUnsafe(`SET LOCAL work_mem = '128MB'`);
      await rebuildTenantRollups(tx, tenant, options);
    });
    const counts = await db.$queryRawUnsafe<{ t: string; n: string }[]>(
      `SELECT 'rollup_order_days' AS t, COUNT(*)::text AS n FROM "rollup_order_days" WHERE tenant_id = $1::uuid
       UNION ALL SELECT 'rollup_member_days', COUNT(*)::text FROM "rollup_member_days" WHERE tenant_id = $1::uuid
       UNION ALL SELECT 'rollup_coupon_days', COUNT(*)::text FROM "rollup_coupon_days" WHERE tenant_id = $1::uuid
       UNION ALL SELECT 'rollup_points_days', COUNT(*)::text FROM "rollup_points_days" WHERE tenant_id = $1::uuid
       UNION ALL SELECT 'rollup_member_join_days', COUNT(*)::text FROM "rollup_member_join_days" WHERE tenant_id = $1::uuid
       UNION ALL SELECT 'rollup_active_member_ranges', COUNT(*)::text FROM "rollup_active_member_ranges" WHERE tenant_id = $1::uuid`,
      tenant.id,
    );
    results.push({
      tenantId: tenant.id,
      slug: tenant.slug,
      timeZone: tenant.timeZone,
      rows: Object.fromEntries(counts.map((c) => [c.t, Number(c.n)])),
      ms: Date.now() - started,
    });
  }
  return results;
}

/** rebuildRollups for one tenant, inside the caller's transaction (which then holds the tenant's rollup lock). */
export async function rebuildTenantRollups(tx: RawTx, tenant: { id: string; timeZone: string }, options: RebuildOptions = {}): Promise<void> {
  await lockTenant(tx, tenant.id);
  for (const family of FAMILIES) await refreshFamily(tx, tenant.id, tenant.timeZone, family, null);
  if (options.prefill ?? true) await prefillActiveRanges(tx, tenant, options.now ?? new Date());
  const now = new Date().toISOString();
  await tx.$executeRawUnsafe(
    `INSERT INTO "rollup_state" (tenant_id, time_zone, built_at, updated_at) VALUES ($1::uuid, $2::text, $3::timestamptz, $3::timestamptz)
     ON CONFLICT (tenant_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, built_at = EXCLUDED.built_at, updated_at = EXCLUDED.updated_at`,
    tenant.id,
    tenant.timeZone,
    now,
  );
}

/**
 * Brings a tenant's rollups up to date after facts changed, by recomputing the local days that
 * `changes` touch (see FactChanges for what to pass). Call it in the same transaction as the write
 * (pass the transaction client) so readers never see facts and rollups disagree. Does nothing when
 * the tenant has no rollups yet, or when its time zone changed since the last rebuild (queries then
 * read raw facts until `rollups:rebuild` runs).
 */
export async function applyFactsToRollups(db: DbOrTx | RawTx, tenantId: string, changes: FactChanges): Promise<ApplyFactsResult> {
  return inTransaction(db, async (tx) => {
    const state = await usableState(tx, tenantId);
    if (state.status === "skipped") return state;
    await lockTenant(tx, tenantId);
    const days: Partial<Record<RollupFamily, string[]>> = {};
    for (const family of FAMILIES) {
      const instants = changes[family];
      if (!instants?.length) continue;
      const list = [...new Set(instants.map((d) => localDateOf(d, state.timeZone)))].sort();
      const first = list[0];
      const last = list[list.length - 1];
      if (!first || !last) continue;
      const scope = {
        days: list,
        start: localToInstant(first, state.timeZone).toISOString(),
        end: localToInstant(addDays(last, 1), state.timeZone).toISOString(),
      };
      await refreshFamily(tx, tenantId, state.timeZone, family, scope);
      days[family] = list;
    }
    await touchState(tx, tenantId);
    return { status: "applied", days } as const;
  });
}

export type RollupStatus = { usable: boolean; timeZone: string | null; builtAt: string | null; updatedAt: string | null };

/** Whether queries for this tenant may read rollups (they exist and match the tenant's time zone). */
export async function rollupStatus(db: DbOrTx, tenant: { id: string; timeZone: string }): Promise<RollupStatus> {
  const state = await db.rollupState.findUnique({ where: { tenantId: tenant.id } });
  if (!state) return { usable: false, timeZone: null, builtAt: null, updatedAt: null };
  return {
    usable: state.timeZone === tenant.timeZone,
    timeZone: state.timeZone,
    builtAt: state.builtAt.toISOString(),
    updatedAt: state.updatedAt.toISOString(),
  };
}

/** Orders a batch has just inserted, as columns (one entry per order), for stageOrderRollups. */
export type InsertedOrders = {
  placedAt: string[];
  storeId: string[];
  tierId: (string | null)[];
  memberId: (string | null)[];
  channel: string[];
  status: string[];
  totalMinor: string[];
};

/**
 * Adds newly inserted orders to the order and member-activity rollups without recomputing their
 * days: one aggregated delta row per key, summed by every reader (order counts and GMV are sums,
 * active members are distinct counts, so extra rows for a key change no answer). The deltas are
 * aggregated from the batch's own values in one statement, not re-read from `orders` (whose
 * statistics lag behind a bulk load, and the planner then scans the tenant's orders). Order days
 * whose rows have piled up are then compacted from the rollup rows themselves; member days are
 * not (at most one delta row per order with a member, and keys rarely repeat; a recompute of the
 * day merges them), because finding their repeated keys means reading the whole day. So the cost
 * follows the batch, not the day's volume. For bulk feeds (lib/ingest) of orders that were only
 * inserted — anything that changes existing orders uses applyFactsToRollups.
 *
 * Two phases, so that concurrent batches of one tenant queue only for the short second one:
 * - stageOrderRollups inserts the delta rows without the tenant's rollup lock. Nothing else writes
 *   a row they could conflict with, and whoever holds the lock cannot see them before this
 *   transaction commits — which it does only after publishOrderRollups has taken the lock.
 * - publishOrderRollups takes the lock (exclusively: a rebuild, a refresh or an active-range fill
 *   may be running, and a fill that did not see the deltas must be finished before its ranges are
 *   dropped), checks that the rollups it staged into are still the tenant's, drops the active-member
 *   ranges of the days it touched, compacts them and marks the rollups updated.
 * Call both in one transaction; a rebuild that changed the rollups' time zone in between makes
 * publishOrderRollups throw RollupsChangedError, and the caller runs its transaction again.
 */
export type StagedOrderRollups = { status: "staged"; timeZone: string; days: string[] } | Extract<ApplyFactsResult, { status: "skipped" }>;

/** The tenant's rollups were rebuilt in another time zone (or removed) while a transaction staged deltas into them: run it again. */
export class RollupsChangedError extends Error {
  constructor(tenantId: string) {
    super(`the rollups of tenant ${tenantId} were rebuilt while this transaction added to them; run it again`);
    this.name = "RollupsChangedError";
  }
}

export async function stageOrderRollups(tx: RawTx, tenantId: string, orders: InsertedOrders): Promise<StagedOrderRollups> {
  const state = await usableState(tx, tenantId);
  if (state.status === "skipped") return state;
  // The local days come back from the insert: no per-order time-zone arithmetic in JavaScript.
  const inserted = await tx.$queryRawUnsafe<{ day: string }[]>(
    `WITH batch AS (
       SELECT (b.placed_at AT TIME ZONE $2::text)::date AS day, b.store_id, b.tier_id, b.member_id, b.channel::"Channel" AS channel, b.total_minor
       FROM unnest($3::timestamptz[], $4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::bigint[])
         AS b(placed_at, store_id, tier_id, member_id, channel, status, total_minor)
       WHERE b.status = 'completed'
     ), member_days AS (
       INSERT INTO "rollup_member_days" (tenant_id, day, member_id, store_id, tier_id, channel, orders)
       SELECT $1::uuid, day, member_id, store_id, tier_id, channel, COUNT(*) FROM batch WHERE member_id IS NOT NULL
       GROUP BY day, member_id, store_id, tier_id, channel
     )
     INSERT INTO "rollup_order_days" (tenant_id, day, store_id, tier_id, channel, orders, gmv_minor)
     SELECT $1::uuid, day, store_id, tier_id, channel, COUNT(*), SUM(total_minor) FROM batch
     GROUP BY day, store_id, tier_id, channel
     RETURNING day::text`,
    tenantId,
    state.timeZone,
    pgArrayLiteral(orders.placedAt),
    pgArrayLiteral(orders.storeId),
    pgArrayLiteral(orders.tierId),
    pgArrayLiteral(orders.memberId),
    pgArrayLiteral(orders.channel),
    pgArrayLiteral(orders.status),
    pgArrayLiteral(orders.totalMinor),
  );
  return { status: "staged", timeZone: state.timeZone, days: [...new Set(inserted.map((r) => r.day))].sort() };
}

export async function publishOrderRollups(tx: RawTx, tenantId: string, staged: Extract<StagedOrderRollups, { status: "staged" }>): Promise<ApplyFactsResult> {
  await lockTenant(tx, tenantId);
  const state = await usableState(tx, tenantId);
  if (state.status === "skipped" || state.timeZone !== staged.timeZone) throw new RollupsChangedError(tenantId);
  await invalidateActiveRanges(tx, tenantId, staged.days);
  await compactOrderDays(tx, tenantId, staged.days);
  await touchState(tx, tenantId);
  return { status: "applied", days: { orders: staged.days } };
}

/**
 * Merges a day's order rows with equal keys once delta rows outnumber the distinct keys (amortised:
 * rarely). A day has at most stores × tiers × channels keys, so the check reads a bounded number of rows.
 */
async function compactOrderDays(tx: RawTx, tenantId: string, days: readonly string[]): Promise<void> {
  const keys = "store_id, tier_id, channel";
  // Keys counted by grouping (hashed) rather than COUNT(DISTINCT (…)), which sorts row values
  // with generic record comparisons: about three times faster on the same rows.
  const fragmented = await tx.$queryRawUnsafe<{ day: string }[]>(
    `SELECT day::text FROM (
       SELECT day, COUNT(*) AS n FROM "rollup_order_days" WHERE tenant_id = $1::uuid AND day = ANY($2::date[]) GROUP BY day, ${keys}
     ) k GROUP BY day HAVING SUM(n) > 2 * COUNT(*) + 64`,
    tenantId,
    pgArrayLiteral([...days]),
  );
  if (!fragmented.length) return;
  await tx.$executeRawUnsafe(
    `WITH gone AS (DELETE FROM "rollup_order_days" WHERE tenant_id = $1::uuid AND day = ANY($2::date[]) RETURNING *)
     INSERT INTO "rollup_order_days" (tenant_id, day, ${keys}, orders, gmv_minor)
     SELECT tenant_id, day, ${keys}, SUM(orders), SUM(gmv_minor) FROM gone GROUP BY tenant_id, day, ${keys}`,
    tenantId,
    pgArrayLiteral(fragmented.map((f) => f.day)),
  );
}
