// The in-process cache of verified credentials behind /api/mcp's authentication
// (lib/mcp/authenticate.ts), and the way a process that just revoked something empties it.
// Correctness across instances comes from the "credentials" cache epoch (lib/db/cache-epochs.ts),
// which a trigger bumps in the revoking transaction; forgetCachedCredentials only makes *this*
// process refuse on its very next request instead of within EPOCH_MAX_AGE_MS.
import type { Db } from "@/lib/db/client";
import { expireEpochs } from "@/lib/db/cache-epochs";

export const CREDENTIALS_EPOCH = "credentials";
/** Entries are dropped after this long even if nothing changed (bounds memory, not correctness). */
export const CACHE_TTL_MS = 60_000;
export const CACHE_MAX_ENTRIES = 10_000;

const globalForCredentials = globalThis as unknown as { socodeCredentialCache?: WeakMap<Db, Map<string, unknown>> };
const caches = (globalForCredentials.socodeCredentialCache ??= new WeakMap<Db, Map<string, unknown>>());

/** The cache of `db`'s verified credentials, keyed by a hash of the presented secret. */
export function credentialCache<Entry>(db: Db): Map<string, Entry> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  return cache as Map<string, Entry>;
}

/**
 * Called by this process right after it committed a revocation (console, OAuth revoke): drop every
 * cached credential and re-read the epochs, so this instance refuses on the very next request.
 * Other instances follow within EPOCH_MAX_AGE_MS through the epoch the revocation bumped.
 * Accepts a transaction client too (a no-op then: call it with the root client after commit).
 */
export function forgetCachedCredentials(db: unknown): void {
  const root = db as Db;
  caches.get(root)?.clear();
  expireEpochs(root);
}

