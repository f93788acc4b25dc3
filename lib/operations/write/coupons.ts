// Coupon writes. Codes are unique per tenant (a database constraint, not just a check), a code is
// issued to one member only (row locks with SKIP LOCKED), and an empty pool fails clearly.
import crypto from "node:crypto";
import { z } from "zod";
import type { Tx } from "@/lib/db/transaction";
import { findCouponPool } from "@/lib/loyalty/coupon-pools";
import { applyFactsToRollups } from "@/lib/semantic/rollups";
import { OperationError } from "@/lib/errors";
import { defineWriteOperation } from "@/lib/operations/operation";
import { findMember, memberLabel } from "@/lib/loyalty/lookups";
import { literal } from "@/lib/db/like";

export const MAX_TOP_UP = 10_000;
// No 0/O or 1/I/L: codes are read aloud and typed by hand.
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

function randomCode(prefix: string): string {
  const bytes = crypto.randomBytes(8);
  const body = Array.from(bytes, (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
  return `${prefix}-${body.slice(0, 4)}-${body.slice(4)}`;
}

function codePrefix(poolName: string): string {
  return (poolName.toUpperCase().replace(/[^A-Z0-9]/g, "").slice(0, 8) || "COUPON");
}

/** Adds `count` new unique codes to a pool; retries the few that collide with existing codes. */
async function generateCodes(tx: Tx, tenantId: string, pool: { id: string; name: string }, count: number, now: Date): Promise<number> {
  let inserted = 0;
  for (let round = 0; inserted < count && round < 10; round++) {
    const codes = Array.from({ length: count - inserted }, () => randomCode(codePrefix(pool.name)));
    inserted += await tx.$executeRawUnsafe(
      `INSERT INTO coupons (id, tenant_id, pool_id, code, created_at)
       SELECT gen_random_uuid(), $1::uuid, $2::uuid, c, $3::timestamptz FROM unnest($4::text[]) AS c
       ON CONFLICT (tenant_id, code) DO NOTHING`,
      tenantId,
      pool.id,
      now,
      codes,
    );
  }
  if (inserted < count) throw new OperationError("invariant_violated", "Could not generate enough unique codes; try again.");
  await tx.couponPool.update({ where: { id: pool.id }, data: { size: { increment: inserted } } });
  return inserted;
}

async function available(tx: Tx, poolId: string): Promise<number> {
  return tx.coupon.count({ where: { poolId, issuedAt: null, voidedAt: null } });
}

export const createCouponPoolOperation = defineWriteOperation({
  name: "create_coupon_pool",
  title: "Create a coupon pool",
  description: "Request a new coupon pool (name, campaign, percent or amount discount, validity) with an initial number of codes. Pending until an approver confirms.",
  kind: "write",
  scope: "coupons:write",
  input: z.object({
    name: z.string().trim().min(2).max(60),
    campaign: z.string().trim().min(1).max(120).optional(),
    discountType: z.enum(["percent", "amount"]),
    discountValue: z.number().int().min(1).max(1_000_000).describe("Percent 1–100, or an amount in minor units (cents)"),
    validFrom: z.iso.date().optional().describe("YYYY-MM-DD; default today"),
    validTo: z.iso.date().optional().describe("YYYY-MM-DD; default open-ended"),
    initialCodes: z.number().int().min(0).max(MAX_TOP_UP).default(0),
  }),
  target: (input) => `coupon_pool:${input.name}`,
  preview: async ({ tx, tenant }, input) => {
    await assertNewPool(tx, tenant.id, input);
    return {
      summary: `Create pool "${input.name}" (${input.discountType === "percent" ? `${input.discountValue}% off` : `${input.discountValue} minor units off`}) with ${input.initialCodes} codes.`,
      changes: [
        { target: `pool ${input.name}`, field: "exists", before: false, after: true },
        { target: `pool ${input.name}`, field: "size", before: 0, after: input.initialCodes },
      ],
    };
  },
  execute: async ({ tx, tenant, now }, input) => {
    await assertNewPool(tx, tenant.id, input);
    const pool = await tx.couponPool.create({
      data: {
        tenantId: tenant.id,
        name: input.name,
        campaign: input.campaign ?? null,
        discountType: input.discountType,
        discountValue: input.discountValue,
        validFrom: input.validFrom ? new Date(`${input.validFrom}T00:00:00Z`) : now,
        validTo: input.validTo ? new Date(`${input.validTo}T23:59:59.999Z`) : null,
      },
    });
    const codes = input.initialCodes ? await generateCodes(tx, tenant.id, pool, input.initialCodes, now) : 0;
    return { poolId: pool.id, name: pool.name, size: codes };
  },
  describeResult: (r) => `Created pool ${r.name} (${r.poolId}) with ${r.size} codes.`,
});

async function assertNewPool(tx: Tx, tenantId: string, input: { name: string; discountType: string; discountValue: number; validFrom?: string; validTo?: string }) {
  if (input.discountType === "percent" && input.discountValue > 100) throw new OperationError("invalid_arguments", "A percent discount must be 1–100.");
  if (input.validFrom && input.validTo && input.validTo < input.validFrom) throw new OperationError("invalid_arguments", "validTo is before validFrom.");
  if (await tx.couponPool.findFirst({ where: { tenantId, name: { equals: literal(input.name), mode: "insensitive" } } })) {
    throw new OperationError("conflict", `A coupon pool named "${input.name}" already exists; use top_up_coupon_pool to add codes.`);
  }
}

export const topUpCouponPoolOperation = defineWriteOperation({
  name: "top_up_coupon_pool",
  title: "Top up a coupon pool",
  description: `Request adding N new unique codes to a pool ("top up the summer pool by 500 codes"), at most ${MAX_TOP_UP} per request. Pending until an approver confirms.`,
  kind: "write",
  scope: "coupons:write",
  input: z.object({
    pool: z.string().trim().min(1).max(100).describe('Pool name or id, e.g. "Summer"'),
    codes: z.number().int().min(1).max(MAX_TOP_UP).describe(`How many codes to add, 1–${MAX_TOP_UP}`),
  }),
  target: (input) => `coupon_pool:${input.pool}`,
  preview: async ({ tx, tenant }, input) => {
    const pool = await findCouponPool(tx, tenant.id, input.pool);
    const remaining = await available(tx, pool.id);
    return {
      summary: `Add ${input.codes} new codes to pool "${pool.name}".`,
      changes: [
        { target: `pool ${pool.name}`, field: "size", before: pool.size, after: pool.size + input.codes },
        { target: `pool ${pool.name}`, field: "remaining codes", before: remaining, after: remaining + input.codes },
      ],
    };
  },
  execute: async ({ tx, tenant, now }, input) => {
    const pool = await findCouponPool(tx, tenant.id, input.pool);
    // Serialise top-ups of one pool so its size stays exact.
    await tx.$queryRaw`SELECT id FROM coupon_pools WHERE id = ${pool.id}::uuid FOR UPDATE`;
    const before = (await tx.couponPool.findUniqueOrThrow({ where: { id: pool.id } })).size;
    const added = await generateCodes(tx, tenant.id, pool, input.codes, now);
    return { poolId: pool.id, pool: pool.name, added, sizeBefore: before, sizeAfter: before + added };
  },
  describeResult: (r) => `Added ${r.added} codes to ${r.pool}: size ${r.sizeBefore} → ${r.sizeAfter}.`,
});

export const issueCouponOperation = defineWriteOperation({
  name: "issue_coupon",
  title: "Issue a coupon to a member",
  description: "Request assigning one available code from a pool to a member. Fails clearly when the pool has no codes left (top it up first) or has expired.",
  kind: "write",
  scope: "coupons:write",
  input: z.object({
    pool: z.string().trim().min(1).max(100).describe("Pool name or id"),
    member: z.string().trim().min(1).max(100).describe("Member id or external id"),
  }),
  target: (input) => `coupon_pool:${input.pool}`,
  preview: async ({ tx, tenant, now }, input) => {
    const { pool, member } = await issuable(tx, tenant.id, input, now);
    const remaining = await available(tx, pool.id);
    if (remaining === 0) throw new OperationError("invariant_violated", `Pool "${pool.name}" has no codes left. Top it up first (top_up_coupon_pool).`);
    return {
      summary: `Issue one "${pool.name}" coupon to ${memberLabel(member)}.`,
      changes: [{ target: `pool ${pool.name}`, field: "remaining codes", before: remaining, after: remaining - 1 }],
    };
  },
  execute: async ({ tx, tenant, now }, input) => {
    const { pool, member } = await issuable(tx, tenant.id, input, now);
    const free = await tx.$queryRaw<{ id: string; code: string }[]>`
      SELECT id::text, code FROM coupons
      WHERE pool_id = ${pool.id}::uuid AND issued_at IS NULL AND voided_at IS NULL
      ORDER BY created_at, code LIMIT 1 FOR UPDATE SKIP LOCKED`;
    const coupon = free[0];
    if (!coupon) throw new OperationError("invariant_violated", `Pool "${pool.name}" has no codes left. Top it up first (top_up_coupon_pool).`);
    await tx.coupon.update({ where: { id: coupon.id }, data: { memberId: member.id, issuedAt: now } });
    await applyFactsToRollups(tx, tenant.id, { coupons: [now] });
    return { couponId: coupon.id, code: coupon.code, pool: pool.name, memberId: member.id };
  },
  describeResult: (r) => `Issued ${r.code} from ${r.pool} to member ${r.memberId}.`,
});

async function issuable(tx: Tx, tenantId: string, input: { pool: string; member: string }, now: Date) {
  const pool = await findCouponPool(tx, tenantId, input.pool);
  if (pool.validTo && pool.validTo < now) throw new OperationError("invariant_violated", `Pool "${pool.name}" expired on ${pool.validTo.toISOString().slice(0, 10)}.`);
  const member = await findMember(tx, tenantId, input.member);
  if (member.status !== "active") throw new OperationError("invariant_violated", `${memberLabel(member)} is ${member.status}.`);
  return { pool, member };
}

export const voidCouponOperation = defineWriteOperation({
  name: "void_coupon",
  title: "Void a coupon",
  description: "Request voiding a coupon code so it can no longer be redeemed. A redeemed or already voided code cannot be voided.",
  kind: "write",
  scope: "coupons:write",
  input: z.object({
    code: z.string().trim().min(3).max(40).describe("The coupon code"),
    reason: z.string().trim().min(3).max(500),
  }),
  target: (input) => `coupon:${input.code}`,
  preview: async ({ tx, tenant }, input) => {
    const coupon = await voidable(tx, tenant.id, input.code);
    return {
      summary: `Void coupon ${coupon.code}: ${input.reason}`,
      changes: [{ target: `coupon ${coupon.code}`, field: "status", before: coupon.issuedAt ? "issued" : "available", after: "voided" }],
    };
  },
  execute: async ({ tx, tenant, now }, input) => {
    const coupon = await voidable(tx, tenant.id, input.code, true);
    await tx.coupon.update({ where: { id: coupon.id }, data: { voidedAt: now } });
    return { couponId: coupon.id, code: coupon.code };
  },
  describeResult: (r) => `Voided ${r.code}.`,
});

async function voidable(tx: Tx, tenantId: string, code: string, lock = false) {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id::text FROM coupons WHERE tenant_id = $1::uuid AND upper(code) = upper($2) ${lock ? "FOR UPDATE" : ""}`,
    tenantId,
    code,
  );
  const id = rows[0]?.id;
  if (!id) throw new OperationError("not_found", `No coupon with code ${code} in this tenant.`);
  const coupon = await tx.coupon.findUniqueOrThrow({ where: { id } });
  if (coupon.redeemedAt) throw new OperationError("invariant_violated", `Coupon ${coupon.code} was redeemed on ${coupon.redeemedAt.toISOString().slice(0, 10)}; it cannot be voided.`);
  if (coupon.voidedAt) throw new OperationError("conflict", `Coupon ${coupon.code} is already voided.`);
  return coupon;
}
