// Small, hand-made, deterministic loyalty data for the semantic layer's tests. Facts are spread over
// ~5 months before NOW (crossing the 2026-11-01 DST change in America/New_York), with facts placed
// right at local midnights, guest orders, refunds, coupons redeemed without an order, voided coupons,
// and a few facts after NOW (which windows ending "now" must not count).
import type { Db } from "@/lib/db/client";
import type { CouponPool, Store, Tier } from "@/lib/generated/prisma/client";

export const NOW = new Date("2026-11-24T15:00:00.000Z"); // Tuesday 10:00 in New York

export type Fixture = {
  tenant: { id: string; slug: string; timeZone: string; currency: string };
  stores: { id: string; code: string; name: string; region: string }[];
  tiers: { id: string; name: string }[];
  pools: { id: string; name: string }[];
};

/** Mulberry32: a tiny seeded PRNG so fixtures are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function createFixture(
  db: Db,
  { slug = "acme", timeZone = "America/New_York", currency = "USD", seed = 7, scale = 1 } = {},
): Promise<Fixture> {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const tenant = await db.tenant.create({ data: { slug, name: `Tenant ${slug}`, timeZone, currency } });
  const storeSpecs = [
    { code: "S01", name: "Downtown", region: "East" },
    { code: "S02", name: "Mall", region: "East" },
    { code: "S12", name: "Airport", region: "West" },
    { code: "S13", name: "Harbor; DROP TABLE orders;--", region: "West" },
  ];
  const stores: Store[] = [];
  for (const s of storeSpecs) stores.push(await db.store.create({ data: { tenantId: tenant.id, ...s } }));
  const tiers: Tier[] = [];
  for (const [rank, name] of ["Bronze", "Silver", "Gold"].entries()) {
    tiers.push(await db.tier.create({ data: { tenantId: tenant.id, name, rank: rank + 1 } }));
  }
  const pools: CouponPool[] = [];
  for (const name of ["Summer Splash", "Welcome", "Winter"]) {
    pools.push(
      await db.couponPool.create({
        data: { tenantId: tenant.id, name, campaign: name.toLowerCase(), discountType: "percent", discountValue: 10, validFrom: new Date("2026-06-01T00:00:00Z") },
      }),
    );
  }
  const startMs = new Date("2026-06-20T00:00:00Z").getTime();
  const endMs = NOW.getTime() + 6 * 3_600_000; // a few facts after NOW
  const at = () => new Date(startMs + Math.floor(rand() * (endMs - startMs)));
  // Local midnights in New York around the DST change, and month/week edges.
  const edges = ["2026-11-01T04:00:00.000Z", "2026-11-01T05:00:00.000Z", "2026-11-02T05:00:00.000Z", "2026-11-16T04:59:59.999Z", "2026-11-16T05:00:00.000Z", "2026-10-31T03:59:59.999Z", "2026-11-24T05:00:00.000Z", "2026-11-24T14:59:59.999Z", "2026-11-24T15:00:00.000Z"].map((s) => new Date(s));

  const memberCount = 80 * scale;
  const members = Array.from({ length: memberCount }, (_, i) => ({
    tenantId: tenant.id,
    externalId: `M${String(i + 1).padStart(5, "0")}`,
    name: `Member ${i + 1}`,
    tierId: pick(tiers).id,
    homeStoreId: rand() < 0.9 ? pick(stores).id : null,
    joinedAt: i < edges.length ? (edges[i] as Date) : at(),
  }));
  await db.member.createMany({ data: members });
  const memberRows = await db.member.findMany({ where: { tenantId: tenant.id }, select: { id: true, tierId: true } });

  const orderCount = 1500 * scale;
  const orders = Array.from({ length: orderCount }, (_, i) => {
    const member = rand() < 0.85 ? pick(memberRows) : null;
    const r = rand();
    return {
      tenantId: tenant.id,
      storeId: pick(stores).id,
      memberId: member?.id ?? null,
      tierId: member ? (rand() < 0.9 ? member.tierId : pick(tiers).id) : null,
      totalMinor: BigInt(100 + Math.floor(rand() * 25_000)),
      currency,
      status: r < 0.85 ? ("completed" as const) : r < 0.93 ? ("refunded" as const) : ("cancelled" as const),
      channel: pick(["store", "online", "app"] as const),
      placedAt: i < edges.length ? (edges[i] as Date) : at(),
    };
  });
  await db.order.createMany({ data: orders });
  const orderRows = await db.order.findMany({ where: { tenantId: tenant.id }, select: { id: true, placedAt: true, memberId: true } });

  const couponCount = 500 * scale;
  const coupons = Array.from({ length: couponCount }, (_, i) => {
    const issuedAt = rand() < 0.95 ? (i < edges.length ? (edges[i] as Date) : at()) : null;
    const member = pick(memberRows);
    let redeemedAt: Date | null = null;
    let orderId: string | null = null;
    let voidedAt: Date | null = null;
    if (issuedAt && rand() < 0.55) {
      const order = pick(orderRows);
      if (rand() < 0.9) {
        orderId = order.id;
        redeemedAt = order.placedAt;
      } else {
        redeemedAt = new Date(issuedAt.getTime() + Math.floor(rand() * 20 * 86_400_000));
      }
    } else if (issuedAt && rand() < 0.1) {
      voidedAt = new Date(issuedAt.getTime() + 86_400_000);
    }
    return {
      tenantId: tenant.id,
      poolId: pick(pools).id,
      code: `${slug.toUpperCase()}-${String(i).padStart(6, "0")}`,
      memberId: issuedAt ? member.id : null,
      issuedAt,
      redeemedAt,
      orderId,
      voidedAt,
    };
  });
  await db.coupon.createMany({ data: coupons });

  const points = Array.from({ length: 900 * scale }, (_, i) => {
    const kind = pick(["award", "award", "redeem", "adjust", "expire"] as const);
    const size = 1 + Math.floor(rand() * 500);
    return {
      tenantId: tenant.id,
      memberId: pick(memberRows).id,
      kind,
      delta: kind === "award" ? size : kind === "adjust" ? size - 250 : -size,
      balanceAfter: 0,
      reason: "fixture",
      createdAt: i < edges.length ? (edges[i] as Date) : at(),
    };
  });
  await db.pointsEntry.createMany({ data: points });
  return {
    tenant: { id: tenant.id, slug: tenant.slug, timeZone: tenant.timeZone, currency: tenant.currency },
    stores: stores.map((s) => ({ id: s.id, code: s.code, name: s.name, region: s.region })),
    tiers: tiers.map((t) => ({ id: t.id, name: t.name })),
    pools: pools.map((p) => ({ id: p.id, name: p.name })),
  };
}
