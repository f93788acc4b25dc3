// Throttles failed console sign-ins in the database, so every app instance sees the same counts.
// Two buckets: email+IP (tight: a person mistyping, or one machine guessing) and email alone
// (looser: guessing one account from many addresses, or with a spoofed X-Forwarded-For). Without a
// trusted proxy the client can choose its X-Forwarded-For, which is why the email-only bucket exists.
// Unknown emails are counted exactly like known ones, so a lockout reveals nothing.
import crypto from "node:crypto";
import type { DbOrTx } from "@/lib/db/transaction";

export const THROTTLE_POLICY = {
  window: 15 * 60_000,
  lock: 15 * 60_000,
  emailAndIpLimit: 5,
  emailLimit: 20,
  /** Rows untouched this long are deleted opportunistically. */
  retention: 24 * 3_600_000,
} as const;

type Bucket = { key: string; limit: number };

function bucketKey(kind: string, value: string): string {
  return crypto.createHash("sha256").update(`${kind}:${value}`, "utf8").digest("hex");
}

function buckets(email: string, ip: string): Bucket[] {
  const normalised = email.trim().toLowerCase();
  return [
    { key: bucketKey("email+ip", `${normalised}|${ip}`), limit: THROTTLE_POLICY.emailAndIpLimit },
    { key: bucketKey("email", normalised), limit: THROTTLE_POLICY.emailLimit },
  ];
}

export type ThrottleState = { locked: false } | { locked: true; retryAfterSeconds: number };

/** Whether sign-in for this email from this address is currently locked. */
export async function signInThrottleState(db: DbOrTx, email: string, ip: string, now: Date = new Date()): Promise<ThrottleState> {
  const rows = await db.signInThrottle.findMany({
    where: { key: { in: buckets(email, ip).map((b) => b.key) }, lockedUntil: { gt: now } },
    select: { lockedUntil: true },
  });
  const until = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
  if (until <= now.getTime()) return { locked: false };
  return { locked: true, retryAfterSeconds: Math.ceil((until - now.getTime()) / 1000) };
}

/** Counts a failed attempt in both buckets (atomically, whatever the number of instances). */
export async function recordSignInFailure(db: DbOrTx, email: string, ip: string, now: Date = new Date()): Promise<ThrottleState> {
  const windowStart = new Date(now.getTime() - THROTTLE_POLICY.window);
  const lockedUntil = new Date(now.getTime() + THROTTLE_POLICY.lock);
  let state: ThrottleState = { locked: false };
  for (const bucket of buckets(email, ip)) {
    const rows = await db.$queryRaw<{ locked_until: Date | null }[]>`
      INSERT INTO sign_in_throttles (key, failures, window_start, locked_until, updated_at)
      VALUES (${bucket.key}, 1, ${now}, ${bucket.limit <= 1 ? lockedUntil : null}, ${now})
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN sign_in_throttles.window_start < ${windowStart} THEN 1 ELSE sign_in_throttles.failures + 1 END,
        window_start = CASE WHEN sign_in_throttles.window_start < ${windowStart} THEN ${now} ELSE sign_in_throttles.window_start END,
        locked_until = CASE
          WHEN sign_in_throttles.window_start >= ${windowStart} AND sign_in_throttles.failures + 1 >= ${bucket.limit} THEN ${lockedUntil}
          ELSE sign_in_throttles.locked_until END,
        updated_at = ${now}
      RETURNING locked_until`;
    const until = rows[0]?.locked_until;
    if (until && until > now) state = { locked: true, retryAfterSeconds: Math.ceil((until.getTime() - now.getTime()) / 1000) };
  }
  await db.signInThrottle.deleteMany({
    where: { updatedAt: { lt: new Date(now.getTime() - THROTTLE_POLICY.retention) }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
  });
  return state;
}

/** A successful sign-in forgets this address's failures (not the account-wide count). */
export async function clearSignInFailures(db: DbOrTx, email: string, ip: string): Promise<void> {
  const [emailAndIp] = buckets(email, ip);
  if (emailAndIp) await db.signInThrottle.deleteMany({ where: { key: emailAndIp.key } });
}
