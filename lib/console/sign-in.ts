// Password sign-in for the console: throttled, timing-uniform, generic in what it tells the caller,
// and audited on the global chain (a sign-in belongs to no single tenant).
import { z } from "zod";
import { audit } from "@/lib/audit/record-audit-event";
import { maskEmail } from "@/lib/pii";
import { dummyPasswordHash, verifyPassword } from "@/lib/auth/passwords";
import type { Db } from "@/lib/db/client";
import { clearSignInFailures, recordSignInFailure, signInThrottleState } from "./sign-in-throttle";

export const PasswordSignInSchema = z.object({
  email: z.string().trim().toLowerCase().max(320),
  password: z.string().max(1024),
});

export type SignedInUser = { id: string; email: string; name: string };

export type PasswordSignInResult =
  | { ok: true; user: SignedInUser }
  | { ok: false; code: "invalid_credentials" }
  | { ok: false; code: "throttled"; retryAfterSeconds: number };


export async function signInWithPassword(
  db: Db,
  input: { email: unknown; password: unknown; ip: string },
  now: Date = new Date(),
): Promise<PasswordSignInResult> {
  const parsed = PasswordSignInSchema.safeParse(input);
  if (!parsed.success || !parsed.data.email || !parsed.data.password) return { ok: false, code: "invalid_credentials" };
  const { email, password } = parsed.data;

  const throttle = await signInThrottleState(db, email, input.ip, now);
  if (throttle.locked) {
    await recordSignIn(db, null, email, "denied", "throttled", input.ip);
    return { ok: false, code: "throttled", retryAfterSeconds: throttle.retryAfterSeconds };
  }

  const user = await db.user.findUnique({ where: { email } });
  // Always run one argon2 verification so unknown and known emails take the same time.
  const hash = user?.active && user.passwordHash ? user.passwordHash : await dummyPasswordHash();
  const matches = await verifyPassword(hash, password);
  if (!user || !user.active || !user.passwordHash || !matches) {
    const after = await recordSignInFailure(db, email, input.ip, now);
    await recordSignIn(db, user?.id ?? null, email, "denied", after.locked ? "throttled" : "invalid_credentials", input.ip);
    return after.locked ? { ok: false, code: "throttled", retryAfterSeconds: after.retryAfterSeconds } : { ok: false, code: "invalid_credentials" };
  }

  await clearSignInFailures(db, email, input.ip);
  await db.user.update({ where: { id: user.id }, data: { lastSignInAt: now } });
  await recordSignIn(db, user.id, email, "ok", null, input.ip);
  return { ok: true, user: { id: user.id, email: user.email, name: user.name } };
}

async function recordSignIn(
  db: Db,
  userId: string | null,
  email: string,
  outcome: "ok" | "denied",
  errorCode: string | null,
  ip: string,
): Promise<void> {
  await audit(db, {
    tenantId: null,
    actorType: userId ? "user" : "anonymous",
    actorId: userId,
    actorLabel: userId ? email : maskEmail(email),
    surface: "console",
    action: "console.sign_in",
    target: userId ? `user:${userId}` : null,
    arguments: { method: "password", ip },
    outcome,
    errorCode,
  });
}

/** The client address for throttling: the last X-Forwarded-For hop (the one our proxy or Next.js added). */
export function clientIp(headers: Record<string, string | string[] | undefined>): string {
  const raw = headers["x-forwarded-for"] ?? headers["x-real-ip"];
  const value = Array.isArray(raw) ? raw.join(",") : (raw ?? "");
  const hops = value.split(",").map((s) => s.trim()).filter(Boolean);
  return hops.at(-1) ?? "unknown";
}
