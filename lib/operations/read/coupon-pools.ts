import { z } from "zod";
import { getCouponPool, listCouponPools, type CouponPoolSummary } from "@/lib/loyalty/coupon-pools";
import { defineOperation } from "../operation";

const PoolSchema = z.object({
  id: z.string(),
  name: z.string(),
  campaign: z.string().nullable(),
  discount: z.string(),
  validFrom: z.string(),
  validTo: z.string().nullable(),
  size: z.number().describe("Codes generated into the pool"),
  issued: z.number().describe("Codes assigned to members"),
  redeemed: z.number(),
  voided: z.number(),
  remaining: z.number().describe("Codes still available to issue"),
});

const line = (p: CouponPoolSummary) =>
  `${p.name}${p.campaign ? ` (${p.campaign})` : ""}: ${p.discount}; size ${p.size}, issued ${p.issued}, redeemed ${p.redeemed}, remaining ${p.remaining}`;

export const listCouponPoolsOperation = defineOperation({
  name: "list_coupon_pools",
  title: "List coupon pools",
  description: "All coupon pools of the tenant with size, issued, redeemed, voided and remaining codes. A pool with remaining 0 has run out.",
  kind: "read",
  scope: "coupons:read",
  idempotent: true,
  input: z.object({}),
  output: z.object({ pools: z.array(PoolSchema) }),
  handler: async (ctx) => ({ pools: await listCouponPools(ctx.db, ctx.tenant) }),
  render: (out) => (out.pools.length ? out.pools.map(line).join("\n") : "No coupon pools."),
  target: () => "coupon_pools",
});

export const getCouponPoolOperation = defineOperation({
  name: "get_coupon_pool",
  title: "Get a coupon pool",
  description: 'One coupon pool by name ("Summer", "the summer pool") or id: size, issued, redeemed, voided and remaining codes.',
  kind: "read",
  scope: "coupons:read",
  idempotent: true,
  input: z.object({ pool: z.string().trim().min(1).max(100).describe("Pool name or id") }),
  output: PoolSchema,
  handler: (ctx, input) => getCouponPool(ctx.db, ctx.tenant, input.pool),
  render: line,
  target: (input) => `coupon_pool:${input.pool}`,
});
