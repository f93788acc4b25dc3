// Per-process cache of what a metric query reads besides the rollups themselves: the fact span of
// a metric's sources (for provenance freshness and "no data" refusals) with the rollup state, and
// dimension labels (stores, tiers, regions, coupon pools). Both change only when the tenant's
// rollups, stores, tiers or pools change, and each such change bumps the tenant's
// "semantic:<tenant id>" cache epoch in its own transaction (triggers; lib/db/cache-epochs.ts). An
// entry is used only under the epoch it was read under, confirmed within EPOCH_MAX_AGE_MS, so
// every instance sees a change within 250 ms. Entries also lapse after ENTRY_TTL_MS, which bounds
// staleness for facts loaded by hand without refreshing the rollups. Transaction clients bypass
// the cache (they may see their own uncommitted changes).
import { currentEpochs, epochOf } from "@/lib/db/cache-epochs";
import type { Db } from "@/lib/db/client";
import type { DbOrTx } from "@/lib/db/transaction";

const ENTRY_TTL_MS = 30_000;
const MAX_TENANTS = 1_000;

type TenantEntry = { epoch: string; createdAt: number; values: Map<string, unknown> };

const globalForSemantic = globalThis as unknown as { socodeSemanticCache?: WeakMap<Db, Map<string, TenantEntry>> };
const caches = (globalForSemantic.socodeSemanticCache ??= new WeakMap<Db, Map<string, TenantEntry>>());

/** The cache epoch a tenant's semantic entries are read under (bumped by triggers, and by lockTenant in ./rollups.ts). */
export function semanticEpochScope(tenantId: string): string {
  return `semantic:${tenantId}`;
}

function isRootClient(db: DbOrTx): db is Db {
  return "$transaction" in db;
}

/**
 * The value cached under `key` for the tenant, or `load()`'s (then cached) when there is none under
 * the current epoch. `reusable` may refuse a cached value for this call (e.g. another as-of instant).
 */
export async function cachedForTenant<T>(
  db: DbOrTx,
  tenantId: string,
  key: string,
  load: () => Promise<T>,
  options: { reusable?: (cached: T) => boolean; cacheable?: (value: T) => boolean } = {},
): Promise<T> {
  if (!isRootClient(db)) return load();
  const epoch = epochOf(await currentEpochs(db), semanticEpochScope(tenantId));
  let tenants = caches.get(db);
  if (!tenants) {
    tenants = new Map();
    caches.set(db, tenants);
  }
  let entry = tenants.get(tenantId);
  if (!entry || entry.epoch !== epoch || performance.now() - entry.createdAt > ENTRY_TTL_MS) {
    if (tenants.size >= MAX_TENANTS) tenants.delete(tenants.keys().next().value as string);
    entry = { epoch, createdAt: performance.now(), values: new Map() };
    tenants.set(tenantId, entry);
  }
  if (entry.values.has(key)) {
    const cached = entry.values.get(key) as T;
    if (!options.reusable || options.reusable(cached)) return cached;
  }
  const value = await load();
  // Stored under the epoch read *before* loading: a change committed meanwhile invalidates it.
  if (!options.cacheable || options.cacheable(value)) entry.values.set(key, value);
  return value;
}
