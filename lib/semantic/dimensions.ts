// Dimension values and filter grounding. Users name things loosely ("Silver", "store 12", "the
// summer pool"); a filter value is matched by id, code or name, case-insensitively, and refused with
// the closest valid options when it matches nothing or more than one thing. Never a guess.
import type { DbOrTx } from "@/lib/db/transaction";
import { closestOptions, GroundingError } from "./grounding";
import { cachedForTenant } from "./semantic-cache";
import { ENTITY_DIMENSIONS, TIME_GRAINS, type EntityDimension } from "./metrics";

export type DimensionValue = {
  /** Stable value used in queries: a uuid, or the value itself for region and channel. */
  id: string;
  code?: string;
  name: string;
  /** Extra facts worth showing (store region, tier rank, pool campaign). */
  detail?: string;
};

export type SemanticTenant = { id: string; timeZone: string; currency: string; slug?: string };

export const CHANNELS = ["store", "online", "app"] as const;

export async function listDimensionValues(
  db: DbOrTx,
  tenant: Pick<SemanticTenant, "id">,
  dimension: string,
): Promise<DimensionValue[]> {
  const key = groundDimensionName(dimension);
  if (key === "channel") return CHANNELS.map((c) => ({ id: c, name: c }));
  // Labels change only with the tenant's stores, tiers and pools: cached per semantic cache epoch.
  return cachedForTenant(db, tenant.id, `labels:${key}`, () => loadDimensionValues(db, tenant.id, key));
}

async function loadDimensionValues(db: DbOrTx, tenantId: string, key: EntityDimension): Promise<DimensionValue[]> {
  switch (key) {
    case "store": {
      const stores = await db.store.findMany({ where: { tenantId }, orderBy: { code: "asc" } });
      return stores.map((s) => ({ id: s.id, code: s.code, name: s.name, detail: `region ${s.region}` }));
    }
    case "region": {
      const regions = await db.store.findMany({ where: { tenantId }, select: { region: true }, distinct: ["region"], orderBy: { region: "asc" } });
      return regions.map((r) => ({ id: r.region, name: r.region }));
    }
    case "tier": {
      const tiers = await db.tier.findMany({ where: { tenantId }, orderBy: { rank: "asc" } });
      return tiers.map((t) => ({ id: t.id, name: t.name, detail: `rank ${t.rank}` }));
    }
    case "coupon_pool": {
      const pools = await db.couponPool.findMany({ where: { tenantId }, orderBy: { name: "asc" } });
      return pools.map((p) => ({ id: p.id, name: p.name, ...(p.campaign ? { detail: `campaign ${p.campaign}` } : {}) }));
    }
    case "channel":
      return CHANNELS.map((c) => ({ id: c, name: c }));
  }
}

/** Resolves a dimension name ("stores", "Tier", "pool") or refuses with the closest dimensions. */
export function groundDimensionName(input: string): EntityDimension {
  const n = input.trim().toLowerCase().replace(/[\s-]+/g, "_");
  const aliases: Record<string, EntityDimension> = {
    stores: "store",
    regions: "region",
    tiers: "tier",
    pool: "coupon_pool",
    pools: "coupon_pool",
    coupon_pools: "coupon_pool",
    channels: "channel",
  };
  // Own keys only: "constructor" or "__proto__" must not resolve to Object members.
  const found = (ENTITY_DIMENSIONS as readonly string[]).includes(n) ? (n as EntityDimension) : Object.hasOwn(aliases, n) ? aliases[n] : undefined;
  if (found) return found;
  throw new GroundingError(
    "unknown_dimension",
    `"${input}" is not a dimension. Dimensions: ${ENTITY_DIMENSIONS.join(", ")}; time grains: ${TIME_GRAINS.join(", ")}.`,
    closestOptions(input, [...ENTITY_DIMENSIONS, ...TIME_GRAINS]),
  );
}

const NOISE_WORDS: Record<EntityDimension, string[]> = {
  store: ["store", "shop", "the", "#"],
  region: ["region", "the"],
  tier: ["tier", "the", "level"],
  coupon_pool: ["the", "pool", "coupon", "coupons", "campaign"],
  channel: ["channel", "the"],
};

function normalise(s: string): string {
  return s.trim().toLowerCase().replace(/\s+/g, " ");
}

function words(s: string, dimension: EntityDimension): string[] {
  return normalise(s)
    .replace(/#/g, " ")
    .split(/[\s_\-–,.:]+/)
    .filter((w) => w && !NOISE_WORDS[dimension].includes(w));
}

function codeNumber(s: string): { prefix: string; n: number } | undefined {
  const m = /^([a-z]*)0*(\d+)$/i.exec(s);
  return m ? { prefix: (m[1] ?? "").toLowerCase(), n: Number(m[2]) } : undefined;
}

/** Matches one user value to dimension values: exact id/code/name first, then a unique looser match. */
export function matchDimensionValue(dimension: EntityDimension, input: string, values: DimensionValue[]): DimensionValue[] {
  const raw = normalise(input);
  const exact = values.filter(
    (v) => v.id.toLowerCase() === raw || v.code?.toLowerCase() === raw || normalise(v.name) === raw,
  );
  if (exact.length) return exact;
  const w = words(input, dimension);
  if (w.length === 0) return [];
  const joined = w.join(" ");
  const byWords = values.filter((v) => v.code?.toLowerCase() === joined || words(v.name, dimension).join(" ") === joined);
  if (byWords.length) return byWords;
  // "store 12", "#12", "s12" → the store whose code carries the number 12 (S012, S12).
  const asked = dimension === "store" && w.length === 1 ? codeNumber(w[0] ?? "") : undefined;
  if (asked) {
    const byNumber = values.filter((v) => {
      const c = v.code ? codeNumber(v.code) : undefined;
      return c !== undefined && c.n === asked.n && (asked.prefix === "" || asked.prefix === c.prefix);
    });
    if (byNumber.length) return byNumber;
  }
  // A unique value whose name contains every word ("summer" → "Summer Splash").
  const contains = values.filter((v) => {
    const nameWords = words(v.name, dimension);
    return w.every((x) => nameWords.includes(x));
  });
  return contains;
}

export type ResolvedFilter = {
  dimension: EntityDimension;
  /** What the caller asked for. */
  requested: string[];
  /** The values matched, by id and name. */
  values: { id: string; name: string; code?: string }[];
};

/** Grounds every value of one filter, refusing unknown or ambiguous values with suggestions. */
export function resolveFilterValues(dimension: EntityDimension, requested: string[], values: DimensionValue[]): ResolvedFilter {
  const matched = new Map<string, { id: string; name: string; code?: string }>();
  for (const input of requested) {
    const hits = matchDimensionValue(dimension, input, values);
    const options = values.flatMap((v) => (v.code ? [v.code, v.name] : [v.name]));
    if (hits.length === 0) {
      throw new GroundingError(
        "unknown_filter_value",
        `No ${dimension} matches "${input}". ${values.length ? `Known ${dimension} values include: ${values.slice(0, 12).map(display).join(", ")}${values.length > 12 ? ", …" : ""}.` : `This tenant has no ${dimension} values.`}`,
        closestOptions(input, options),
      );
    }
    if (hits.length > 1) {
      throw new GroundingError(
        "unknown_filter_value",
        `"${input}" matches several ${dimension} values (${hits.map(display).join(", ")}); name one by its code or id.`,
        hits.map((h) => h.code ?? h.name),
      );
    }
    const hit = hits[0];
    if (hit) matched.set(hit.id, { id: hit.id, name: hit.name, ...(hit.code ? { code: hit.code } : {}) });
  }
  return { dimension, requested, values: [...matched.values()] };
}

export function display(v: Pick<DimensionValue, "name" | "code">): string {
  return v.code ? `${v.code} ${v.name}` : v.name;
}
