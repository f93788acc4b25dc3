// Key management from the console: list, issue, revoke, rotate. Every change is audited in the
// same transaction, with the signed-in admin as the actor.
import { z } from "zod";
import { forgetCachedCredentials } from "@/lib/auth/credential-cache";
import { issueApiKey, keyStatus } from "@/lib/auth/api-keys";
import type { Db } from "@/lib/db/client";
import { literal } from "@/lib/db/like";
import type { ApiKey, Prisma } from "@/lib/generated/prisma/client";
import { storedWriteLimits, type WriteLimits } from "@/lib/governance/write-limits";
import type { ConsoleAccess } from "./access";
import { recordConsoleEvent } from "./console-audit";
import { ConsoleInputError } from "./input-error";
import { planWriteLimits } from "./write-limits-plan";
import {
  DEFAULT_KEY_EXPIRY,
  DEFAULT_ROTATION_GRACE,
  KEY_EXPIRY_CHOICES,
  ROTATION_GRACE_CHOICES,
  expiryFrom,
  grantedScopesOf,
  planKeyScopes,
  type KeyExpiryChoice,
  type RotationGraceChoice,
} from "./key-scope-rules";

export { ConsoleInputError } from "./input-error";

export type KeyRow = {
  id: string;
  name: string;
  displayPrefix: string;
  preset: string;
  scopes: string[];
  issuer: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  status: "active" | "revoked" | "expired" | "rotating";
  replacedById: string | null;
  writeLimits: WriteLimits;
};

export function keyRowStatus(key: Pick<ApiKey, "revokedAt" | "expiresAt" | "replacedById">, now: Date): KeyRow["status"] {
  const status = keyStatus(key, now);
  return status === "active" && key.replacedById ? "rotating" : status;
}

export const KeyListQuerySchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  status: z.enum(["all", "active", "inactive"]).optional().catch(undefined),
});

export async function listTenantKeys(
  db: Db,
  tenantId: string,
  query: z.infer<typeof KeyListQuerySchema> = {},
  now: Date = new Date(),
): Promise<KeyRow[]> {
  // Keys behind OAuth grants are listed under "connected apps", not here.
  // Keys behind a Slack connection or a linked Slack user are listed on the Slack page.
  const where: Prisma.ApiKeyWhereInput = { tenantId, oauthGrant: null, slackConnection: null, slackLink: null };
  if (query.q) {
    where.OR = [
      { name: { contains: literal(query.q), mode: "insensitive" } },
      { displayPrefix: { startsWith: literal(query.q) } },
      { issuer: { email: { contains: literal(query.q), mode: "insensitive" } } },
      { scopes: { has: query.q } },
    ];
  }
  const keys = await db.apiKey.findMany({
    where,
    include: { issuer: { select: { email: true } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 500,
  });
  const rows = keys.map((k) => ({
    id: k.id,
    name: k.name,
    displayPrefix: k.displayPrefix,
    preset: k.preset,
    scopes: k.scopes,
    issuer: k.issuer?.email ?? null,
    createdAt: k.createdAt,
    expiresAt: k.expiresAt,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
    replacedById: k.replacedById,
    status: keyRowStatus(k, now),
    writeLimits: storedWriteLimits(k.writeLimits),
  }));
  if (query.status === "active") return rows.filter((r) => r.status === "active" || r.status === "rotating");
  if (query.status === "inactive") return rows.filter((r) => r.status === "revoked" || r.status === "expired");
  return rows;
}

const expiryKeys = Object.keys(KEY_EXPIRY_CHOICES) as [KeyExpiryChoice, ...KeyExpiryChoice[]];
const graceKeys = Object.keys(ROTATION_GRACE_CHOICES) as [RotationGraceChoice, ...RotationGraceChoice[]];

export const IssueKeyFormSchema = z.object({
  name: z.string().trim().min(1, "Give the key a name, e.g. the person or tool that will use it.").max(80, "Use at most 80 characters."),
  preset: z.string().default("metrics:read"),
  grantedScopes: z.array(z.string()).default([]),
  expiry: z.enum(expiryKeys, { error: "Choose an expiry from the list." }).default(DEFAULT_KEY_EXPIRY),
  /** Write limits as typed (lib/governance/write-limits.ts WriteLimitsInputSchema); checked by planWriteLimits. */
  writeLimits: z.record(z.string(), z.unknown()).optional(),
});

export type IssuedConsoleKey = { id: string; name: string; displayPrefix: string; scopes: string[]; expiresAt: Date | null; secret: string };

export async function issueConsoleKey(
  db: Db,
  access: ConsoleAccess,
  /** Parsed here with IssueKeyFormSchema: form data arrives untyped. */
  input: z.input<typeof IssueKeyFormSchema> | Record<string, unknown>,
  now: Date = new Date(),
): Promise<IssuedConsoleKey> {
  const form = IssueKeyFormSchema.safeParse(input);
  if (!form.success) throw new ConsoleInputError("invalid_input", form.error.issues.map((i) => i.message).join(" "));
  const plan = planKeyScopes(access.roles, { preset: form.data.preset, grantedScopes: form.data.grantedScopes });
  if (!plan.ok) throw new ConsoleInputError(plan.code, plan.message);
  const expiresAt = expiryFrom(form.data.expiry, now);
  return db.$transaction(async (tx) => {
    const writeLimits = await planWriteLimits(tx, access.tenant.id, plan.scopes, form.data.writeLimits);
    const { key, secret } = await issueApiKey(tx, {
      tenantId: access.tenant.id,
      name: form.data.name,
      preset: plan.preset,
      grantedScopes: plan.grantedScopes,
      issuerId: access.user.id,
      expiresAt,
      writeLimits,
    });
    await recordConsoleEvent(tx, access, {
      action: "key.create",
      target: `key:${key.id}`,
      arguments: { name: key.name, preset: key.preset, scopes: key.scopes, expiresAt: key.expiresAt?.toISOString() ?? null, writeLimits: writeLimits ?? {} },
      outcome: "ok",
    });
    return { id: key.id, name: key.name, displayPrefix: key.displayPrefix, scopes: key.scopes, expiresAt: key.expiresAt, secret };
  });
}

async function tenantKey(db: Pick<Db, "apiKey">, access: ConsoleAccess, keyId: string): Promise<ApiKey> {
  const id = z.string().uuid().safeParse(keyId);
  const key = id.success ? await db.apiKey.findFirst({ where: { id: id.data, tenantId: access.tenant.id } }) : null;
  if (!key) throw new ConsoleInputError("key_not_found", "That key does not exist in this tenant (it may have been deleted). Reload the list.");
  return key;
}

export async function revokeConsoleKey(db: Db, access: ConsoleAccess, keyId: string, now: Date = new Date()): Promise<{ name: string }> {
  const revoked = await db.$transaction(async (tx) => {
    const key = await tenantKey(tx, access, keyId);
    if (key.revokedAt) throw new ConsoleInputError("already_revoked", `Key "${key.name}" is already revoked.`);
    await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: now } });
    await recordConsoleEvent(tx, access, {
      action: "key.revoke",
      target: `key:${key.id}`,
      arguments: { name: key.name, displayPrefix: key.displayPrefix },
      outcome: "ok",
    });
    return { name: key.name };
  });
  // Refused on this instance's next request; other instances follow through the cache epoch.
  forgetCachedCredentials(db);
  return revoked;
}

export const RotateKeyFormSchema = z.object({
  keyId: z.string().uuid("Choose a key to rotate."),
  grace: z.enum(graceKeys, { error: "Choose a grace period from the list." }).default(DEFAULT_ROTATION_GRACE),
});

/**
 * A new secret with the same name, preset and scopes; the old key stays valid for the grace period
 * (its expiry moves to now + grace, never later than it already was) and points at its successor.
 */
export async function rotateConsoleKey(
  db: Db,
  access: ConsoleAccess,
  input: z.input<typeof RotateKeyFormSchema> | Record<string, unknown>,
  now: Date = new Date(),
): Promise<IssuedConsoleKey> {
  const form = RotateKeyFormSchema.safeParse(input);
  if (!form.success) throw new ConsoleInputError("invalid_input", form.error.issues.map((i) => i.message).join(" "));
  return db.$transaction(async (tx) => {
    const old = await tenantKey(tx, access, form.data.keyId);
    if (old.kind !== "mcp") {
      throw new ConsoleInputError("not_rotatable", `"${old.name}" is an ingest key: issue a new one on the Ingest page, switch the sender to it, then revoke this one.`);
    }
    const status = keyRowStatus(old, now);
    if (status !== "active") {
      throw new ConsoleInputError("not_rotatable", `Key "${old.name}" is ${status}; only an active key can be rotated. Issue a new key instead.`);
    }
    const plan = planKeyScopes(access.roles, { preset: old.preset, grantedScopes: grantedScopesOf(old.preset, old.scopes) });
    if (!plan.ok) throw new ConsoleInputError(plan.code, plan.message);
    // Keep the old key's lifetime: a 90-day key rotates into a new 90-day key.
    const lifetime = old.expiresAt ? old.expiresAt.getTime() - old.createdAt.getTime() : null;
    const { key, secret } = await issueApiKey(tx, {
      tenantId: access.tenant.id,
      name: old.name,
      preset: plan.preset,
      grantedScopes: plan.grantedScopes,
      issuerId: access.user.id,
      expiresAt: lifetime === null ? null : new Date(now.getTime() + lifetime),
      // The successor keeps the caps: rotating a secret must not lift them.
      writeLimits: storedWriteLimits(old.writeLimits),
    });
    const graceEnd = new Date(now.getTime() + ROTATION_GRACE_CHOICES[form.data.grace].hours * 3_600_000);
    const oldExpiresAt = old.expiresAt && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
    await tx.apiKey.update({ where: { id: old.id }, data: { replacedById: key.id, expiresAt: oldExpiresAt } });
    await recordConsoleEvent(tx, access, {
      action: "key.rotate",
      target: `key:${old.id}`,
      arguments: { name: old.name, newKeyId: key.id, grace: form.data.grace, oldKeyExpiresAt: oldExpiresAt.toISOString() },
      outcome: "ok",
    });
    return { id: key.id, name: key.name, displayPrefix: key.displayPrefix, scopes: key.scopes, expiresAt: key.expiresAt, secret };
  });
}
