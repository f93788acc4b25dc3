// "Last used" of keys and OAuth grants, batched: a use is noted in memory and written with many
// others in one statement, at most every FLUSH_MS per process, instead of an UPDATE on the request
// path. A key is noted only when its stored value is older than RESOLUTION_MS, so a busy key costs
// about one row update a minute. A process that dies loses at most FLUSH_MS of notes (the console
// shows "last used" to the minute; nothing depends on it for security).
import type { Db } from "@/lib/db/client";
import { preparedQuery } from "@/lib/db/prepared";

export const LAST_USED_RESOLUTION_MS = 60_000;
export const LAST_USED_FLUSH_MS = 1_000;

type Pending = { keys: Map<string, Date>; grants: Map<string, Date>; timer?: NodeJS.Timeout; written: Map<string, number> };

const globalForLastUsed = globalThis as unknown as { socodeLastUsed?: WeakMap<Db, Pending> };
const pendingByDb = (globalForLastUsed.socodeLastUsed ??= new WeakMap<Db, Pending>());

// One statement for every key and grant used since the last flush; never moves a value backwards.
const FLUSH_SQL = `WITH k AS (
  UPDATE "api_keys" a SET last_used_at = v.t
    FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, t)
   WHERE a.id = v.id AND (a.last_used_at IS NULL OR a.last_used_at < v.t)
  RETURNING 1
), g AS (
  UPDATE "oauth_grants" o SET last_used_at = v.t
    FROM unnest($3::uuid[], $4::timestamptz[]) AS v(id, t)
   WHERE o.id = v.id AND (o.last_used_at IS NULL OR o.last_used_at < v.t)
  RETURNING 1
)
SELECT (SELECT count(*) FROM k)::int AS keys, (SELECT count(*) FROM g)::int AS grants`;

/** Notes that a key (and, for OAuth, its grant) was used at `now`; `stored` is the value last read from the database. */
export function noteUse(db: Db, use: { keyId: string; grantId?: string; stored: Date | null }, now: Date): void {
  let pending = pendingByDb.get(db);
  if (!pending) {
    pending = { keys: new Map(), grants: new Map(), written: new Map() };
    pendingByDb.set(db, pending);
  }
  const last = Math.max(use.stored?.getTime() ?? 0, pending.written.get(use.keyId) ?? 0);
  if (now.getTime() - last <= LAST_USED_RESOLUTION_MS) return;
  pending.written.set(use.keyId, now.getTime());
  if (pending.written.size > 50_000) pending.written.clear();
  pending.keys.set(use.keyId, now);
  if (use.grantId) pending.grants.set(use.grantId, now);
  if (!pending.timer) {
    const p = pending;
    p.timer = setTimeout(() => void flushLastUsed(db).catch((err: unknown) => console.error("[socode] could not record last-used times", err)), LAST_USED_FLUSH_MS);
    p.timer.unref();
  }
}

/** Writes the noted uses now (also used by tests and at shutdown). */
export async function flushLastUsed(db: Db): Promise<void> {
  const pending = pendingByDb.get(db);
  if (!pending) return;
  clearTimeout(pending.timer);
  pending.timer = undefined;
  const keys = [...pending.keys];
  const grants = [...pending.grants];
  pending.keys.clear();
  pending.grants.clear();
  if (!keys.length && !grants.length) return;
  try {
    await preparedQuery(db, "socode_flush_last_used", FLUSH_SQL, [keys.map(([id]) => id), keys.map(([, t]) => t), grants.map(([id]) => id), grants.map(([, t]) => t)]);
  } catch (err) {
    // Retried with the next flush (a newer note for the same key replaces this one).
    for (const [id, t] of keys) if (!pending.keys.has(id)) pending.keys.set(id, t);
    for (const [id, t] of grants) if (!pending.grants.has(id)) pending.grants.set(id, t);
    for (const [id] of keys) pending.written.delete(id);
    throw err;
  }
}
