// Applies a credential's write limits (lib/governance/write-limits.ts) inside the transaction that
// queues or executes a write: resolves what the write would do from current data, counts the
// credential's writes today under a lock on its key row (so concurrent requests cannot both take
// the last one), and refuses with `limit_exceeded`, naming the cap.
import type { Tx } from "@/lib/db/transaction";
import { OperationError } from "@/lib/errors";
import type { Tenant } from "@/lib/generated/prisma/client";
import { checkWriteLimits, hasWriteLimits, type WriteLimits } from "@/lib/governance/write-limits";
import { localDateOf, localToInstant } from "@/lib/semantic/resolve-window";
import type { ExecutableWrite } from "./write-operation";

export type WriteLimitCheck = {
  limits: WriteLimits | null | undefined;
  /** The key row the credential acts through (keys, OAuth grants, Slack connections all have one). */
  keyId: string | null;
  tenant: Tenant;
  operation: ExecutableWrite;
  args: unknown;
  now: Date;
  /** request: counts requests queued today; execute: counts requests executed today. */
  phase: "request" | "execute";
  credentialNoun: string;
};

/** Midnight today in the tenant's time zone: a "day" for the daily write limit. */
export function startOfTenantDay(now: Date, timeZone: string): Date {
  return localToInstant(localDateOf(now, timeZone), timeZone);
}

async function writesToday(tx: Tx, keyId: string, since: Date, phase: "request" | "execute"): Promise<number> {
  // Serialises this key's counted writes until commit; NO KEY UPDATE does not block the foreign-key
  // checks of other transactions inserting write requests for the key.
  await tx.$queryRaw`SELECT id FROM api_keys WHERE id = ${keyId}::uuid FOR NO KEY UPDATE`;
  const rows =
    phase === "request"
      ? await tx.$queryRaw<{ n: bigint }[]>`
          SELECT count(*) AS n FROM write_requests WHERE requester_key_id = ${keyId}::uuid AND created_at >= ${since}`
      : await tx.$queryRaw<{ n: bigint }[]>`
          SELECT count(*) AS n FROM write_requests
          WHERE requester_key_id = ${keyId}::uuid AND status = 'executed' AND executed_at >= ${since}`;
  return Number(rows[0]?.n ?? 0);
}

/** Throws OperationError("limit_exceeded") when the write is beyond the credential's limits. */
export async function enforceWriteLimits(tx: Tx, check: WriteLimitCheck): Promise<void> {
  const { limits } = check;
  if (!hasWriteLimits(limits)) return;
  const subject = await check.operation.limitSubject({ tx, tenant: check.tenant, now: check.now, writeRequestId: null }, check.args);
  const usage =
    limits.maxWritesPerDay !== undefined && check.keyId
      ? { writesToday: await writesToday(tx, check.keyId, startOfTenantDay(check.now, check.tenant.timeZone), check.phase) }
      : null;
  const decision = checkWriteLimits(limits, check.operation.name, subject, usage, { credentialNoun: check.credentialNoun, phase: check.phase });
  if (!decision.allowed) throw new OperationError(decision.code, decision.message, decision.details);
}
