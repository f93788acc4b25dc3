// Cache epochs: how an app instance knows, without asking the database on every request, that
// something it caches in memory (credentials, a tenant's metric freshness and labels) has changed.
// Triggers bump a counter in `cache_epochs` in the same transaction as the change (migration
// 20261203130000_cache_epochs), so every path that revokes a key or changes a rollup — console,
// CLI, OAuth, a manual UPDATE — invalidates, and nothing can be lost between commit and a message.
// Each instance re-reads the (small) table at most every EPOCH_MAX_AGE_MS; a cached value is used
// only while the epochs it was read under are still current and were confirmed within that bound.
// Works the same on PostgreSQL, on the embedded database, and with any number of instances.
import type { Db } from "./client";
import { preparedQuery } from "./prepared";

/** A change committed in the database is seen by every instance within this bound (plus one request). */
export const EPOCH_MAX_AGE_MS = 250;
/** Past this age a request still uses the snapshot but starts a refresh in the background. */
const REFRESH_AHEAD_MS = 150;

export type EpochSnapshot = {
  /** scope → epoch (as text; bigint in the database). A missing scope is epoch "0". */
  epochs: ReadonlyMap<string, string>;
  /** performance.now() when the read that produced it was sent. */
  readAt: number;
};

type Watch = {
  snapshot?: EpochSnapshot;
  inflight?: { readAt: number; promise: Promise<EpochSnapshot> };
  /** Reads sent before this instant may predate a change this process made: not trusted. */
  notBefore: number;
};

const globalForEpochs = globalThis as unknown as { socodeCacheEpochs?: WeakMap<Db, Watch> };
const watches = (globalForEpochs.socodeCacheEpochs ??= new WeakMap<Db, Watch>());

function watchOf(db: Db): Watch {
  let watch = watches.get(db);
  if (!watch) {
    watch = { notBefore: 0 };
    watches.set(db, watch);
  }
  return watch;
}

function read(db: Db, watch: Watch): Promise<EpochSnapshot> {
  if (watch.inflight && watch.inflight.readAt >= watch.notBefore) return watch.inflight.promise;
  const readAt = performance.now();
  const promise = preparedQuery<{ scope: string; epoch: string }>(db, "socode_cache_epochs", `SELECT scope, epoch::text AS epoch FROM "cache_epochs"`, [])
    .then((rows) => {
      const snapshot = { epochs: new Map(rows.map((r) => [r.scope, r.epoch])), readAt };
      if (!watch.snapshot || watch.snapshot.readAt < readAt) watch.snapshot = snapshot;
      return snapshot;
    })
    .finally(() => {
      if (watch.inflight?.promise === promise) watch.inflight = undefined;
    });
  watch.inflight = { readAt, promise };
  return promise;
}

/**
 * The current epochs, confirmed within EPOCH_MAX_AGE_MS: from memory when fresh enough (the usual
 * case under load: at most one read per instance per bound), otherwise after one shared read.
 */
export async function currentEpochs(db: Db): Promise<EpochSnapshot> {
  const watch = watchOf(db);
  const snapshot = watch.snapshot && watch.snapshot.readAt >= watch.notBefore ? watch.snapshot : undefined;
  const age = snapshot ? performance.now() - snapshot.readAt : Infinity;
  if (snapshot && age < EPOCH_MAX_AGE_MS) {
    if (age > REFRESH_AHEAD_MS) read(db, watch).catch(() => {}); // the next request awaits it if it failed
    return snapshot;
  }
  return read(db, watch);
}

export function epochOf(snapshot: EpochSnapshot, scope: string): string {
  return snapshot.epochs.get(scope) ?? "0";
}

/** Forget the snapshot (this process just changed something): the next request reads anew. */
export function expireEpochs(db: Db): void {
  const watch = watchOf(db);
  watch.snapshot = undefined;
  watch.notBefore = performance.now();
}
