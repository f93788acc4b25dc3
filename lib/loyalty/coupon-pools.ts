// Reading coupon pools: how many codes exist, are issued, redeemed, voided and still available.
import type { DbOrTx } from "@/lib/db/transaction";
import { isUuid } from "@/lib/ids";
import { OperationError } from "@/lib/errors";
import { literal } from "@/lib/db/like";

export type CouponPoolSummary = {
  id: string;
  name: string;
  campaign: string | null;
  discount: string;
  validFrom: string;
  validTo: string | null;
  size: number;
  issued: number;
  redeemed: number;
  voided: number;
  remaining: number;
};

type PoolCounts = { pool_id: string; issued: bigint; redeemed: bigint; voided: bigint; available: bigint };

async function counts(db: DbOrTx, tenantId: string, poolIds: string[]): Promise<Map<string, PoolCounts>> {
  if (!poolIds.length) return new Map();
  const rows = await db.$queryRaw<PoolCounts[]>`
    SELECT pool_id::text AS pool_id,
           count(*) FILTER (WHERE issued_at IS NOT NULL) AS issued,
           count(*) FILTER (WHERE redeemed_at IS NOT NULL) AS redeemed,
           count(*) FILTER (WHERE voided_at IS NOT NULL) AS voided,
           count(*) FILTER (WHERE issued_at IS NULL AND voided_at IS NULL) AS available
    FROM coupons
    WHERE tenant_id = ${tenantId}::uuid AND pool_id = ANY(${poolIds}::uuid[])
    GROUP BY pool_id`;
  return new Map(rows.map((r) => [r.pool_id, r]));
}

type PoolRow = { id: string; name: string; campaign: string | null; discountType: string; discountValue: number; validFrom: Date; validTo: Date | null; size: number };

function discountText(p: PoolRow, currency: string): string {
  return p.discountType === "percent" ? `${p.discountValue}% off` : `${(p.discountValue / 100).toFixed(2)} ${currency} off`;
}

function summarize(p: PoolRow, c: PoolCounts | undefined, currency: string): CouponPoolSummary {
  return {
    id: p.id,
    name: p.name,
    campaign: p.campaign,
    discount: discountText(p, currency),
    validFrom: p.validFrom.toISOString(),
    validTo: p.validTo?.toISOString() ?? null,
    size: p.size,
    issued: Number(c?.issued ?? 0),
    redeemed: Number(c?.redeemed ?? 0),
    voided: Number(c?.voided ?? 0),
    remaining: Number(c?.available ?? 0),
  };
}

export async function listCouponPools(db: DbOrTx, tenant: { id: string; currency: string }): Promise<CouponPoolSummary[]> {
  const pools = await db.couponPool.findMany({ where: { tenantId: tenant.id }, orderBy: { name: "asc" } });
  const byPool = await counts(db, tenant.id, pools.map((p) => p.id));
  return pools.map((p) => summarize(p, byPool.get(p.id), tenant.currency));
}

/** A pool by id or by name ("Summer", "the summer pool"), case-insensitively. */
export async function findCouponPool(db: DbOrTx, tenantId: string, ref: string) {
  const name = ref.trim().replace(/^the\s+/i, "").replace(/\s+pool$/i, "");
  const pool = await db.couponPool.findFirst({
    where: { tenantId, OR: [{ name: { equals: literal(name), mode: "insensitive" } }, ...(isUuid(ref) ? [{ id: ref }] : [])] },
  });
  if (pool) return pool;
  const known = await db.couponPool.findMany({ where: { tenantId }, select: { name: true }, orderBy: { name: "asc" } });
  throw new OperationError("not_found", `No coupon pool "${ref}" in this tenant. Pools: ${known.map((p) => p.name).join(", ") || "none"}.`, {
    suggestions: known.map((p) => p.name),
  });
}

export async function getCouponPool(db: DbOrTx, tenant: { id: string; currency: string }, ref: string): Promise<CouponPoolSummary> {
  const pool = await findCouponPool(db, tenant.id, ref);
  const byPool = await counts(db, tenant.id, [pool.id]);
  return summarize(pool, byPool.get(pool.id), tenant.currency);
}
