// Write limits on a key (or on the key row an OAuth grant acts through) in the console: the key's
// page shows them with today's usage and the latest refusals; an admin changes them there, audited
// with the limits before and after.
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { storedWriteLimits, type WriteLimits } from "@/lib/governance/write-limits";
import { startOfTenantDay } from "@/lib/writes/enforce-write-limits";
import type { ConsoleAccess } from "./access";
import { recordConsoleEvent } from "./console-audit";
import { ConsoleInputError } from "./input-error";
import { keyRowStatus, type KeyRow } from "./keys";
import { hasWriteScope, planWriteLimits } from "./write-limits-plan";

export async function tenantTierNames(db: Db, tenantId: string): Promise<string[]> {
  return (await db.tier.findMany({ where: { tenantId }, orderBy: { rank: "asc" }, select: { name: true } })).map((t) => t.name);
}

export type KeyLimitsView = {
  key: KeyRow & { oauthClient: string | null };
  limits: WriteLimits;
  hasWriteScope: boolean;
  /** Write requests the key made since midnight in the tenant's time zone. */
  writesToday: number;
  /** The latest refusals by a limit, newest first. */
  refusals: { at: Date; action: string; when: "requested" | "at approval" }[];
  tiers: string[];
};

const KeyIdSchema = z.uuid();

export async function keyLimitsView(db: Db, access: Pick<ConsoleAccess, "tenant">, keyId: string, now: Date = new Date()): Promise<KeyLimitsView | null> {
  const id = KeyIdSchema.safeParse(keyId);
  if (!id.success) return null;
  const key = await db.apiKey.findFirst({
    where: { id: id.data, tenantId: access.tenant.id },
    include: { issuer: { select: { email: true } }, oauthGrant: { select: { client: { select: { name: true } } } } },
  });
  if (!key) return null;
  const [writesToday, refusals, tiers] = await Promise.all([
    db.writeRequest.count({ where: { requesterKeyId: key.id, createdAt: { gte: startOfTenantDay(now, access.tenant.timeZone) } } }),
    db.auditEvent.findMany({
      where: { tenantId: access.tenant.id, actorId: key.id, errorCode: "limit_exceeded" },
      orderBy: { occurredAt: "desc" },
      take: 10,
      select: { occurredAt: true, action: true },
    }),
    tenantTierNames(db, access.tenant.id),
  ]);
  // Refusals at execution are recorded with the approver as actor; they are the key's failed requests.
  const executionRefusals = await db.writeRequest.findMany({
    where: { requesterKeyId: key.id, status: "failed", error: { path: ["code"], equals: "limit_exceeded" } },
    orderBy: { decidedAt: "desc" },
    take: 10,
    select: { decidedAt: true, operation: true },
  });
  const all = [
    ...refusals.map((e) => ({ at: e.occurredAt, action: e.action, when: "requested" as const })),
    ...executionRefusals.map((r) => ({ at: r.decidedAt ?? now, action: r.operation, when: "at approval" as const })),
  ]
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, 10);
  return {
    key: {
      id: key.id,
      name: key.name,
      displayPrefix: key.displayPrefix,
      preset: key.preset,
      scopes: key.scopes,
      issuer: key.issuer?.email ?? null,
      createdAt: key.createdAt,
      expiresAt: key.expiresAt,
      lastUsedAt: key.lastUsedAt,
      revokedAt: key.revokedAt,
      replacedById: key.replacedById,
      status: keyRowStatus(key, now),
      writeLimits: storedWriteLimits(key.writeLimits),
      oauthClient: key.oauthGrant?.client.name ?? null,
    },
    limits: storedWriteLimits(key.writeLimits),
    hasWriteScope: hasWriteScope(key.scopes),
    writesToday,
    refusals: all,
    tiers,
  };
}

/**
 * Sets a key's write limits (blank fields remove a cap). Takes effect on the key's next request and
 * on every pending request an approver executes from now on. Audited as key.limits with both sides.
 */
export async function updateKeyWriteLimits(db: Db, access: ConsoleAccess, keyId: string, raw: unknown): Promise<{ name: string; limits: WriteLimits | null }> {
  const id = KeyIdSchema.safeParse(keyId);
  return db.$transaction(async (tx) => {
    const key = id.success ? await tx.apiKey.findFirst({ where: { id: id.data, tenantId: access.tenant.id } }) : null;
    if (!key) throw new ConsoleInputError("key_not_found", "That key does not exist in this tenant. Reload the list.");
    if (keyRowStatus(key, new Date()) === "revoked") throw new ConsoleInputError("key_revoked", `Key "${key.name}" is revoked; its limits no longer matter.`);
    const limits = await planWriteLimits(tx, access.tenant.id, key.scopes, raw);
    await tx.apiKey.update({ where: { id: key.id }, data: { writeLimits: limits ?? Prisma.DbNull } });
    await recordConsoleEvent(tx, access, {
      action: "key.limits",
      target: `key:${key.id}`,
      arguments: { name: key.name, before: storedWriteLimits(key.writeLimits), after: limits ?? {} },
      outcome: "ok",
    });
    return { name: key.name, limits };
  });
}
