// Plain-SQL readings of the planted stories, independent of the semantic layer, for the tests.
// Windows follow the product's semantics: local days in the tenant's time zone, last_N_days = the N
// complete days ending yesterday, last_week = the previous ISO week (Monday–Sunday).
import type { Db } from "@/lib/db/client";
import { addLocalDays, lastWeekMonday } from "./calendar";

export type Window = { from: string; to: string };

export function storyWindows(asOf: string) {
  const lastMonday = lastWeekMonday(asOf);
  return {
    lastWeek: { from: lastMonday, to: addLocalDays(lastMonday, 6) },
    priorWeek: { from: addLocalDays(lastMonday, -7), to: addLocalDays(lastMonday, -1) },
    last14: { from: addLocalDays(asOf, -14), to: addLocalDays(asOf, -1) },
    last30: { from: addLocalDays(asOf, -30), to: addLocalDays(asOf, -1) },
    previous30: { from: addLocalDays(asOf, -60), to: addLocalDays(asOf, -31) },
  };
}

/** SQL for "column is inside the window", with $1 tenant id, $2 time zone, $3 from, $4 to. */
const IN_WINDOW = (column: string) =>
  `${column} >= ($3::date::timestamp AT TIME ZONE $2) AND ${column} < (($4::date + 1)::timestamp AT TIME ZONE $2)`;

export async function tenantBySlug(db: Db, slug: string): Promise<{ id: string; timeZone: string }> {
  const t = await db.tenant.findUniqueOrThrow({ where: { slug }, select: { id: true, timeZone: true } });
  return t;
}

type Tenant = { id: string; timeZone: string };

export async function redemptionsByPool(db: Db, tenant: Tenant, w: Window): Promise<Map<string, number>> {
  const rows = await db.$queryRawUnsafe<{ pool: string; n: number }[]>(
    `SELECT p.name AS pool, COUNT(c.id)::int AS n
       FROM coupon_pools p LEFT JOIN coupons c ON c.pool_id = p.id AND ${IN_WINDOW("c.redeemed_at")}
      WHERE p.tenant_id = $1::uuid GROUP BY p.name`,
    tenant.id,
    tenant.timeZone,
    w.from,
    w.to,
  );
  return new Map(rows.map((r) => [r.pool, r.n]));
}

export async function redemptionRateByPool(db: Db, tenant: Tenant, w: Window): Promise<Map<string, number>> {
  const rows = await db.$queryRawUnsafe<{ pool: string; issued: number; redeemed: number }[]>(
    `SELECT p.name AS pool,
            (SELECT COUNT(*) FROM coupons c WHERE c.pool_id = p.id AND ${IN_WINDOW("c.issued_at")})::int AS issued,
            (SELECT COUNT(*) FROM coupons c WHERE c.pool_id = p.id AND ${IN_WINDOW("c.redeemed_at")})::int AS redeemed
       FROM coupon_pools p WHERE p.tenant_id = $1::uuid`,
    tenant.id,
    tenant.timeZone,
    w.from,
    w.to,
  );
  return new Map(rows.filter((r) => r.issued > 0).map((r) => [r.pool, r.redeemed / r.issued]));
}

/** Distinct members with ≥1 completed order in the window, by the order's tier snapshot. */
export async function activeMembersByTier(db: Db, tenant: Tenant, w: Window): Promise<Map<string, number>> {
  const rows = await db.$queryRawUnsafe<{ tier: string; n: number }[]>(
    `SELECT t.name AS tier, COUNT(DISTINCT o.member_id)::int AS n
       FROM orders o JOIN tiers t ON t.id = o.tier_id
      WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND ${IN_WINDOW("o.placed_at")}
      GROUP BY t.name`,
    tenant.id,
    tenant.timeZone,
    w.from,
    w.to,
  );
  return new Map(rows.map((r) => [r.tier, r.n]));
}

/** Members who joined in the window and ordered in it. */
export async function activeNewMembers(db: Db, tenant: Tenant, w: Window): Promise<number> {
  const rows = await db.$queryRawUnsafe<{ n: number }[]>(
    `SELECT COUNT(DISTINCT o.member_id)::int AS n
       FROM orders o JOIN members m ON m.id = o.member_id
      WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND ${IN_WINDOW("o.placed_at")} AND ${IN_WINDOW("m.joined_at")}`,
    tenant.id,
    tenant.timeZone,
    w.from,
    w.to,
  );
  return rows[0]?.n ?? 0;
}

/** Distinct active members of one tier per store (by the order's store). */
export async function activeTierMembersByStore(db: Db, tenant: Tenant, tier: string, w: Window): Promise<Map<string, number>> {
  const rows = await db.$queryRawUnsafe<{ code: string; n: number }[]>(
    `SELECT s.code, COUNT(DISTINCT o.member_id)::int AS n
       FROM orders o JOIN stores s ON s.id = o.store_id JOIN tiers t ON t.id = o.tier_id
      WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND t.name = $5 AND ${IN_WINDOW("o.placed_at")}
      GROUP BY s.code`,
    tenant.id,
    tenant.timeZone,
    w.from,
    w.to,
    tier,
  );
  return new Map(rows.map((r) => [r.code, r.n]));
}

export function change(now: number, before: number): number {
  return before === 0 ? 0 : (now - before) / before;
}
