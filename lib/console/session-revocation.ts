// Revocable console sessions. Sessions are stateless next-auth JWTs, so a cookie cannot be deleted
// from another browser; instead every user has a session version, each session token carries the
// version it was issued under, and a token whose version is behind the user's (or whose user is
// deactivated or gone) no longer counts as signed in. "Sign out everywhere", deactivating a user and
// removing one of their roles raise the version.
//
// Checking costs a primary-key read. Each instance remembers the answer for at most
// SOCODE_SESSION_RECHECK_SECONDS (≤ 60), so a revocation made on another instance takes effect
// within that bound; the instance that made it forgets its copy at once.
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Db } from "@/lib/db/client";
import type { DbOrTx } from "@/lib/db/transaction";
import { env } from "@/lib/env";

export type SessionStamp = { uid: string; sv: number };
type UserSessionState = { active: boolean; sessionVersion: number } | null;

/** The rule: a session is live while its user exists, is active and has not moved past its version. */
export function sessionIsCurrent(user: UserSessionState, sessionVersion: number): boolean {
  return user !== null && user.active && user.sessionVersion === sessionVersion;
}

type Remembered = { state: UserSessionState; readAt: number };

/** Remembers each user's session state for a bounded time, so the check is not a query per request. */
export class SessionVersionCache {
  private readonly entries = new Map<string, Remembered>();
  private static readonly MAX_ENTRIES = 10_000;

  constructor(
    private readonly recheckMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async isCurrent(db: DbOrTx, stamp: SessionStamp): Promise<boolean> {
    const at = this.now();
    let entry = this.entries.get(stamp.uid);
    if (!entry || at - entry.readAt >= this.recheckMs) {
      const state = await db.user.findUnique({ where: { id: stamp.uid }, select: { active: true, sessionVersion: true } });
      entry = { state, readAt: at };
      // Oldest first: Map keeps insertion order, so re-inserting moves a user to the end.
      this.entries.delete(stamp.uid);
      const oldest = this.entries.keys().next();
      if (this.entries.size >= SessionVersionCache.MAX_ENTRIES && !oldest.done) this.entries.delete(oldest.value);
      this.entries.set(stamp.uid, entry);
    }
    return sessionIsCurrent(entry.state, stamp.sv);
  }

  forget(userId: string): void {
    this.entries.delete(userId);
  }
}

const globalForSessions = globalThis as unknown as { socodeSessionVersions?: SessionVersionCache };

/** This process's cache (kept on globalThis so dev reloads share it). */
export function sessionVersions(): SessionVersionCache {
  globalForSessions.socodeSessionVersions ??= new SessionVersionCache(env().SOCODE_SESSION_RECHECK_SECONDS * 1000);
  return globalForSessions.socodeSessionVersions;
}

/** The version a new session of this user is issued under. */
export async function currentSessionVersion(db: DbOrTx, userId: string): Promise<number | null> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { sessionVersion: true } });
  return user?.sessionVersion ?? null;
}

/**
 * Ends every live console session of the user: call it inside the transaction that deactivates them,
 * removes a role, or signs them out everywhere, and call sessionStateChanged() once that has committed.
 */
export async function endUserSessions(tx: DbOrTx, userId: string): Promise<void> {
  await tx.user.update({ where: { id: userId }, data: { sessionVersion: { increment: 1 } } });
}

/**
 * After the commit of anything that changes whether a user's sessions count (their version, or
 * whether they are active): this instance stops trusting what it remembered, so the change applies
 * here on the next request (earlier, a concurrent request could re-read the old state). Other
 * instances re-read within the recheck bound.
 */
export function sessionStateChanged(userId: string): void {
  globalForSessions.socodeSessionVersions?.forget(userId);
}

/** "Sign out everywhere": ends every session of the signed-in user, in every browser, audited. */
export async function signOutEverywhere(db: Db, user: { id: string; email: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    await endUserSessions(tx, user.id);
    await recordAuditEvent(tx, {
      tenantId: null,
      actorType: "user",
      actorId: user.id,
      actorLabel: user.email,
      surface: "console",
      action: "console.sign_out_everywhere",
      target: `user:${user.id}`,
      outcome: "ok",
    });
  });
  sessionStateChanged(user.id);
}
