// API keys for MCP clients. A key is 32 random bytes with a recognisable prefix; only its SHA-256
// is stored (a fast hash is right for a high-entropy secret: there is nothing to brute-force),
// with a short display prefix so people can tell keys apart. The secret is returned once.
import crypto from "node:crypto";
import type { Db } from "@/lib/db/client";
import { preparedQuery } from "@/lib/db/prepared";
import type { DbOrTx } from "@/lib/db/transaction";
import { Prisma, type ApiKey, type Tenant } from "@/lib/generated/prisma/client";
import { resolveScopes, type Preset, type Scope } from "@/lib/governance/scopes";
import { TENANT_SELECT_SQL, tenantFromRow, type TenantColumns } from "@/lib/governance/tenants";
import { writeLimitsColumn, type WriteLimits } from "@/lib/governance/write-limits";

export const KEY_PREFIX = "sc_live_";
const DISPLAY_LENGTH = KEY_PREFIX.length + 6;
const KEY_PATTERN = /^sc_live_[A-Za-z0-9_-]{43}$/;

export function generateKeySecret(): string {
  return KEY_PREFIX + crypto.randomBytes(32).toString("base64url");
}

export function hashKeySecret(secret: string): string {
  return crypto.createHash("sha256").update(secret, "utf8").digest("hex");
}

export function looksLikeKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

export type IssueKeyInput = {
  tenantId: string;
  name: string;
  preset: Preset;
  grantedScopes?: Scope[];
  issuerId?: string | null;
  expiresAt?: Date | null;
  /** Caps on the key's writes (lib/governance/write-limits.ts); none when absent. */
  writeLimits?: WriteLimits | null;
};

export type IssuedKey = { key: ApiKey; secret: string };

/** Creates a key; the returned secret is never retrievable again. */
export async function issueApiKey(db: Pick<Db, "apiKey">, input: IssueKeyInput): Promise<IssuedKey> {
  const secret = generateKeySecret();
  const key = await db.apiKey.create({
    data: {
      tenantId: input.tenantId,
      name: input.name,
      preset: input.preset,
      scopes: resolveScopes(input.preset, input.grantedScopes),
      displayPrefix: secret.slice(0, DISPLAY_LENGTH),
      secretHash: hashKeySecret(secret),
      issuerId: input.issuerId ?? null,
      expiresAt: input.expiresAt ?? null,
      writeLimits: writeLimitsColumn(input.writeLimits) ?? Prisma.DbNull,
    },
  });
  return { key, secret };
}

/** The credential in an `Authorization: Bearer …` header (MCP and ingest keys, OAuth access tokens), or what is wrong with the header. */
export function bearerToken(header: string | null): { token?: string; problem?: "missing" | "not_bearer" } {
  if (!header) return { problem: "missing" };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ? { token: match[1] } : { problem: "not_bearer" };
}

export type KeyRejection = "malformed" | "unknown" | "revoked" | "expired";

/** What verification reads of a key (everything but its secret hash). */
export type VerifiedKey = Pick<ApiKey, "id" | "tenantId" | "name" | "displayPrefix" | "preset" | "scopes" | "issuerId" | "expiresAt" | "revokedAt" | "lastUsedAt" | "writeLimits">;

export type KeyVerification =
  | { ok: true; key: VerifiedKey; tenant: Tenant }
  | { ok: false; reason: KeyRejection; /** Set for revoked and expired keys, so the refusal is audited in their tenant. */ key?: Pick<ApiKey, "id" | "tenantId" | "name"> };

type KeyRow = TenantColumns & {
  id: string;
  tenant_id: string;
  name: string;
  display_prefix: string;
  preset: string;
  scopes: string[];
  issuer_id: string | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  write_limits: unknown;
  kind: string;
};

// Key, tenant and scopes in one round trip (a prepared statement on a PostgreSQL server).
const RESOLVE_KEY_SQL = `SELECT k.id, k.tenant_id, k.name, k.display_prefix, k.preset, k.scopes, k.issuer_id, k.expires_at, k.revoked_at, k.last_used_at, k.write_limits, k.kind,
       ${TENANT_SELECT_SQL}
  FROM "api_keys" k JOIN "tenants" t ON t.id = k.tenant_id
 WHERE k.secret_hash = $1`;

/** A key of either kind (MCP or ingest) found by its presented secret's hash, with its tenant: one prepared statement. */
export type FoundKey = { key: VerifiedKey; kind: string; tenant: Tenant };

export async function findKeyBySecret(db: DbOrTx, secret: string): Promise<FoundKey | null> {
  const [row] = await preparedQuery<KeyRow>(db, "socode_resolve_api_key", RESOLVE_KEY_SQL, [hashKeySecret(secret)]);
  if (!row) return null;
  return {
    kind: row.kind,
    key: {
      id: row.id,
      tenantId: row.tenant_id,
      name: row.name,
      displayPrefix: row.display_prefix,
      preset: row.preset,
      scopes: row.scopes,
      issuerId: row.issuer_id,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      lastUsedAt: row.last_used_at,
      writeLimits: row.write_limits as ApiKey["writeLimits"],
    },
    tenant: tenantFromRow(row.tenant_id, row),
  };
}

/** Looks a presented secret up by its hash, with its tenant, and checks revocation and expiry at `now`. */
export async function verifyApiKey(db: DbOrTx, secret: string, now: Date = new Date()): Promise<KeyVerification> {
  if (!looksLikeKey(secret)) return { ok: false, reason: "malformed" };
  const found = await findKeyBySecret(db, secret);
  // Ingest keys (lib/ingest/ingest-keys.ts) live in the same table but never open /api/mcp.
  if (!found || found.kind !== "mcp") return { ok: false, reason: "unknown" };
  const { key, tenant } = found;
  const status = keyStatus(key, now);
  if (status !== "active") return { ok: false, reason: status, key: { id: key.id, tenantId: key.tenantId, name: key.name } };
  return { ok: true, key, tenant };
}

export function keyStatus(key: Pick<ApiKey, "revokedAt" | "expiresAt">, now: Date = new Date()): "active" | "revoked" | "expired" {
  if (key.revokedAt && key.revokedAt <= now) return "revoked";
  if (key.expiresAt && key.expiresAt <= now) return "expired";
  return "active";
}

const DURATION = /^(\d{1,5})([hdw])$/;

/** Parses "12h", "30d" or "8w" into an expiry instant after `from`. */
export function parseExpiry(value: string, from: Date = new Date()): Date {
  const match = DURATION.exec(value.trim());
  if (!match) throw new Error(`Invalid expiry "${value}": use a number followed by h, d or w, e.g. 30d`);
  const amount = Number(match[1]);
  const hours = { h: 1, d: 24, w: 24 * 7 }[match[2] as "h" | "d" | "w"];
  if (amount < 1) throw new Error("Expiry must be at least 1h");
  return new Date(from.getTime() + amount * hours * 3_600_000);
}
