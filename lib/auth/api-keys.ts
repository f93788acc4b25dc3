// API keys for MCP clients. A key is 32 random bytes with a recognisable prefix; only its SHA-256
// is stored (a fast hash is right for a high-entropy secret: there is nothing to brute-force),
// with a short display prefix so people can tell keys apart. The secret is returned once.
import crypto from "node:crypto";
import type { Db } from "@/lib/db/client";
import type { ApiKey } from "@/lib/generated/prisma/client";
import { resolveScopes, type Preset, type Scope } from "@/lib/governance/scopes";

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
    },
  });
  return { key, secret };
}

export type KeyRejection = "malformed" | "unknown" | "revoked" | "expired";

export type KeyVerification =
  | { ok: true; key: ApiKey }
  | { ok: false; reason: KeyRejection; /** Set for revoked and expired keys, so the refusal is audited in their tenant. */ key?: Pick<ApiKey, "id" | "tenantId" | "name"> };

/** Looks a presented secret up by its hash and checks revocation and expiry at `now`. */
export async function verifyApiKey(
  db: Pick<Db, "apiKey">,
  secret: string,
  now: Date = new Date(),
): Promise<KeyVerification> {
  if (!looksLikeKey(secret)) return { ok: false, reason: "malformed" };
  const key = await db.apiKey.findUnique({ where: { secretHash: hashKeySecret(secret) } });
  // Ingest keys (lib/ingest/ingest-keys.ts) live in the same table but never open /api/mcp.
  if (!key || key.kind !== "mcp") return { ok: false, reason: "unknown" };
  const known = { id: key.id, tenantId: key.tenantId, name: key.name };
  if (key.revokedAt && key.revokedAt <= now) return { ok: false, reason: "revoked", key: known };
  if (key.expiresAt && key.expiresAt <= now) return { ok: false, reason: "expired", key: known };
  return { ok: true, key };
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
