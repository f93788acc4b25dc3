// Seeds the two demo tenants: `demo` (Demo Coffee Co., with the planted stories of stories.ts) and
// `demo-b` (Demo B Bakery, smaller, there to prove tenant isolation). Deterministic: the same seed,
// as-of date and scale give byte-identical rows, ids included. No console users or API keys.
//
// Existing data: a tenant slug that already holds loyalty rows is refused (DemoSeedError
// "demo_data_exists") unless `replace` is set, which first deletes that tenant's loyalty rows
// (stores, tiers, members, orders, points, pools, coupons, ambassador codes and its rollups). The
// tenant row itself, its keys, memberships, write requests and audit events are kept. A tenant row
// that exists without loyalty data is reused (its name, time zone and currency are set to the demo's).
import type { Db } from "@/lib/db/client";
import { rebuildRollups } from "@/lib/semantic/rollups";
import { addLocalDays, isLocalDate, LocalDay, todayIn, HOUR_MS } from "./calendar";
import { generateTenantData, type GeneratedTenant } from "./generate-tenant";
import { SeededRandom } from "./random";
import { DEMO_PROFILES, DEMO_SCALES, HISTORY_DAYS, MEMBER_BEHAVIOUR, type ScaleName, type ScaleSize, type TenantProfile } from "./stories";

export type DemoScale = ScaleName | ScaleSize;

export type SeedDemoOptions = {
  /** PRNG seed (integer 0 … 2³²−1). Default 42. */
  seed?: number;
  /** The as-of date, YYYY-MM-DD; the history ends the day before. Default: today in each tenant's time zone. */
  asOf?: string;
  /** Default "small" (what the app seeds on first start). */
  scale?: DemoScale;
  /** Delete the demo tenants' existing loyalty rows first instead of refusing. */
  replace?: boolean;
  /** Rebuild the semantic-layer rollups of each seeded tenant afterwards. Default true. */
  rebuildRollups?: boolean;
  /**
   * Rows per INSERT batch. Default 4 000: larger batches gain little and keep more rows in memory.
   */
  batchRows?: number;
  onProgress?: (message: string) => void;
};

export type SeedDemoResult = {
  seed: number;
  scale: ScaleSize;
  tenants: GeneratedTenant[];
};

export class DemoSeedError extends Error {
  constructor(
    readonly code: "demo_data_exists" | "invalid_demo_options",
    message: string,
  ) {
    super(message);
  }
}

export const DEMO_TENANT_SLUGS = DEMO_PROFILES.map((p) => p.slug);
export const DEFAULT_DEMO_SEED = 42;

/** Loyalty tables in the order their rows can be deleted; each stage is vacuumed before the next. */
const DELETE_STAGES = [
  ["coupons", "ambassador_codes", "points_entries"],
  ["orders"],
  ["coupon_pools", "members"],
  ["tiers", "stores"],
] as const;
const ROLLUP_TABLES = [
  "rollup_order_days",
  "rollup_member_days",
  "rollup_coupon_days",
  "rollup_points_days",
  "rollup_member_join_days",
  "rollup_state",
] as const;

export function resolveScale(scale: DemoScale = "small"): ScaleSize {
  if (typeof scale === "string") {
    const size = DEMO_SCALES[scale];
    if (!size) throw new DemoSeedError("invalid_demo_options", `Unknown scale "${String(scale)}"; use small, medium or large.`);
    return size;
  }
  const ok = (n: number) => Number.isInteger(n) && n >= 50 && n <= 50_000_000;
  if (!ok(scale.members) || !ok(scale.orders)) {
    throw new DemoSeedError("invalid_demo_options", "An explicit scale needs whole numbers of members and orders between 50 and 50,000,000.");
  }
  return scale;
}

async function tenantWithData(db: Db, slug: string): Promise<string | null> {
  const rows = await db.$queryRawUnsafe<{ id: string; has_data: boolean }[]>(
    `SELECT t.id::text AS id,
            (EXISTS (SELECT 1 FROM stores s WHERE s.tenant_id = t.id)
             OR EXISTS (SELECT 1 FROM tiers r WHERE r.tenant_id = t.id)
             OR EXISTS (SELECT 1 FROM members m WHERE m.tenant_id = t.id)
             OR EXISTS (SELECT 1 FROM coupon_pools p WHERE p.tenant_id = t.id)) AS has_data
       FROM tenants t WHERE t.slug = $1`,
    slug,
  );
  const row = rows[0];
  return row?.has_data ? row.id : null;
}

export async function seedDemo(db: Db, options: SeedDemoOptions = {}): Promise<SeedDemoResult> {
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new DemoSeedError("invalid_demo_options", `Seed must be a whole number from 0 to ${0xffffffff}.`);
  }
  if (options.asOf !== undefined && !isLocalDate(options.asOf)) {
    throw new DemoSeedError("invalid_demo_options", `As-of date "${options.asOf}" is not a calendar date in YYYY-MM-DD form.`);
  }
  const scale = resolveScale(options.scale);
  const onProgress = options.onProgress ?? (() => {});
  const batchRows = options.batchRows ?? 4_000;

  const occupied: string[] = [];
  for (const profile of DEMO_PROFILES) if (await tenantWithData(db, profile.slug)) occupied.push(profile.slug);
  if (occupied.length && !options.replace) {
    throw new DemoSeedError(
      "demo_data_exists",
      `Tenant${occupied.length > 1 ? "s" : ""} ${occupied.map((s) => `"${s}"`).join(" and ")} already ha${occupied.length > 1 ? "ve" : "s"} ` +
        "loyalty data. Re-run with replace (CLI: --replace) to delete it and seed again.",
    );
  }

  if (occupied.length) await deleteDemoRows(db, onProgress);

  const tenants: GeneratedTenant[] = [];
  for (const profile of DEMO_PROFILES) {
    const asOf = options.asOf ?? todayIn(profile.timeZone, new Date());
    const tenantId = await prepareTenant(db, profile, seed, asOf);
    const size = {
      members: Math.max(50, Math.round(scale.members * profile.scaleFactor)),
      orders: Math.max(1000, Math.round(scale.orders * profile.scaleFactor)),
    };
    onProgress(`${profile.slug}: seeding ${size.members.toLocaleString("en-US")} members, ~${size.orders.toLocaleString("en-US")} orders, as of ${asOf}`);
    const generated = await generateTenantData({ db, profile, tenantId, seed, asOf, size, batchRows, onProgress });
    if (options.rebuildRollups ?? true) {
      onProgress(`${profile.slug}: rebuilding rollups`);
      await rebuildRollups(db, tenantId);
    }
    tenants.push(generated);
  }
  // Fresh statistics for what was just loaded, as after any bulk load: the planner otherwise plans
  // the first queries from an empty table's (autovacuum catches up only later, or never where it is off).
  onProgress("updating planner statistics");
  await db.$executeRawUnsafe(`ANALYZE ${[...DELETE_STAGES.flat(), ...ROLLUP_TABLES].map((t) => `"${t}"`).join(", ")}`);
  return { seed, scale, tenants };
}

/**
 * Deletes the demo tenants' loyalty rows and rollups, children first. Deleting an order or a member
 * makes PostgreSQL check that no coupon, order or points entry still refers to it; `coupons.order_id`,
 * `coupons.member_id` and `orders.member_id` have no index of their own, so each check scans the
 * referring table, dead rows included. Vacuuming each table after its rows are gone keeps those
 * scans down to the rows of other tenants.
 */
async function deleteDemoRows(db: Db, onProgress: (m: string) => void): Promise<void> {
  const tenants = await db.tenant.findMany({ where: { slug: { in: DEMO_TENANT_SLUGS } }, select: { id: true, slug: true } });
  const ids = tenants.map((t) => t.id);
  onProgress(`deleting the loyalty rows of ${tenants.map((t) => t.slug).join(", ")}`);
  for (const table of ROLLUP_TABLES) await db.$executeRawUnsafe(`DELETE FROM "${table}" WHERE tenant_id = ANY($1::uuid[])`, ids);
  for (const stage of DELETE_STAGES) {
    for (const table of stage) await db.$executeRawUnsafe(`DELETE FROM "${table}" WHERE tenant_id = ANY($1::uuid[])`, ids);
    await db.$executeRawUnsafe(`VACUUM (ANALYZE) ${stage.map((t) => `"${t}"`).join(", ")}`);
  }
}

/** Creates the tenant with a deterministic id, or brings an existing one's settings in line; returns its id. */
async function prepareTenant(db: Db, profile: TenantProfile, seed: number, asOf: string): Promise<string> {
  const existing = await db.tenant.findUnique({ where: { slug: profile.slug }, select: { id: true } });
  if (existing) {
    await db.tenant.update({
      where: { id: existing.id },
      data: { name: profile.name, timeZone: profile.timeZone, currency: profile.currency },
    });
    return existing.id;
  }
  const createdDate = addLocalDays(asOf, -HISTORY_DAYS - MEMBER_BEHAVIOUR.priorYears * 365 - 60);
  const createdMs = new LocalDay(createdDate, profile.timeZone).at(9 * HOUR_MS);
  const id = new SeededRandom(seed, `demo:${profile.slug}:tenant`).uuid7(createdMs);
  await db.$executeRawUnsafe(
    `INSERT INTO "tenants" ("id", "slug", "name", "time_zone", "currency", "created_at") VALUES ($1::uuid, $2, $3, $4, $5, $6::timestamptz)`,
    id,
    profile.slug,
    profile.name,
    profile.timeZone,
    profile.currency,
    new Date(createdMs).toISOString(),
  );
  return id;
}
