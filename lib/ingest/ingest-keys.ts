// Ingest keys: tenant-scoped credentials for /api/ingest (scope ingest:write). They share the
// api_keys table and its hashing with MCP keys but carry kind "ingest" and their own prefix, so a
// leaked ingest key reads no metric and an MCP key feeds no data: each endpoint refuses the other kind.
import crypto from "node:crypto";
import { bearerToken, findKeyBySecret, hashKeySecret, keyStatus, type VerifiedKey } from "@/lib/auth/api-keys";
import type { DbOrTx } from "@/lib/db/transaction";
import type { ApiKey, Tenant } from "@/lib/generated/prisma/client";

export const INGEST_KEY_PREFIX = "sc_ingest_";
export const INGEST_SCOPE = "ingest:write";
export const INGEST_KEY_KIND = "ingest";
const INGEST_KEY_PATTERN = /^sc_ingest_[A-Za-z0-9_-]{43}$/;
const DISPLAY_LENGTH = INGEST_KEY_PREFIX.length + 6;

export function looksLikeIngestKey(value: string): boolean {
  return INGEST_KEY_PATTERN.test(value);
}

export type IssueIngestKeyInput = { tenantId: string; name: string; issuerId?: string | null; expiresAt?: Date | null };

/** Creates an ingest key; the returned secret is never retrievable again. */
export async function issueIngestKey(db: Pick<DbOrTx, "apiKey">, input: IssueIngestKeyInput): Promise<{ key: ApiKey; secret: string }> {
  const secret = INGEST_KEY_PREFIX + crypto.randomBytes(32).toString("base64url");
  const key = await db.apiKey.create({
    data: {
      tenantId: input.tenantId,
      name: input.name,
      kind: INGEST_KEY_KIND,
      preset: INGEST_KEY_KIND,
      scopes: [INGEST_SCOPE],
      displayPrefix: secret.slice(0, DISPLAY_LENGTH),
      secretHash: hashKeySecret(secret),
      issuerId: input.issuerId ?? null,
      expiresAt: input.expiresAt ?? null,
    },
  });
  return { key, secret };
}

export type IngestKeyRejection = "missing" | "not_bearer" | "malformed" | "unknown" | "revoked" | "expired" | "wrong_kind" | "missing_scope";

export type IngestKeyVerification =
  | { ok: true; key: VerifiedKey; tenant: Tenant }
  | { ok: false; reason: IngestKeyRejection; key?: Pick<ApiKey, "id" | "tenantId"> };

/**
 * Verifies `Authorization: Bearer sc_ingest_…` against the database in one statement (key and
 * tenant; revocation and expiry take effect at once). Last use is the caller's to note (lib/auth/last-used.ts).
 */
export async function verifyIngestKey(db: DbOrTx, authorization: string | null, now: Date = new Date()): Promise<IngestKeyVerification> {
  const { token: secret, problem } = bearerToken(authorization);
  if (!secret) return { ok: false, reason: problem ?? "missing" };
  // An MCP key presented here is named as such, so the caller knows which key to use.
  if (secret.startsWith("sc_live_")) return { ok: false, reason: "wrong_kind" };
  if (!looksLikeIngestKey(secret)) return { ok: false, reason: "malformed" };
  const found = await findKeyBySecret(db, secret);
  if (!found) return { ok: false, reason: "unknown" };
  const { key, tenant } = found;
  const known = { id: key.id, tenantId: key.tenantId };
  if (found.kind !== INGEST_KEY_KIND) return { ok: false, reason: "wrong_kind", key: known };
  const status = keyStatus(key, now);
  if (status !== "active") return { ok: false, reason: status, key: known };
  if (!key.scopes.includes(INGEST_SCOPE)) return { ok: false, reason: "missing_scope", key: known };
  return { ok: true, key, tenant };
}

export function describeIngestKeyRejection(reason: IngestKeyRejection): { status: 401 | 403; message: string } {
  switch (reason) {
    case "missing":
      return { status: 401, message: "Authentication required: send an ingest key as `Authorization: Bearer sc_ingest_…`." };
    case "not_bearer":
      return { status: 401, message: "Unsupported Authorization scheme: send `Authorization: Bearer sc_ingest_…`." };
    case "malformed":
    case "unknown":
      return { status: 401, message: "The ingest key is not valid. Check it was copied whole, or ask an admin for a new one (`npx socode ingest-key:create`)." };
    case "revoked":
      return { status: 401, message: "This ingest key has been revoked. Ask an admin of the tenant for a new one." };
    case "expired":
      return { status: 401, message: "This ingest key has expired. Ask an admin of the tenant for a new one." };
    case "wrong_kind":
      return { status: 403, message: "This is an MCP key; /api/ingest accepts only ingest keys (sc_ingest_…, scope ingest:write)." };
    case "missing_scope":
      return { status: 403, message: "This key lacks the ingest:write scope; ask an admin for an ingest key." };
  }
}
