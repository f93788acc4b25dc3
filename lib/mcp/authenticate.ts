// Who is calling /api/mcp: a Bearer API key, verified against the database on every request so a
// revocation takes effect at once on every instance. last_used_at is refreshed at most once a
// minute per key instead of written on every call.
import type { Db } from "@/lib/db/client";
import { verifyApiKey, type KeyRejection } from "@/lib/auth/api-keys";
import type { Tenant } from "@/lib/generated/prisma/client";
import type { Credential } from "@/lib/operations/operation";

const LAST_USED_RESOLUTION_MS = 60_000;

export type Authentication =
  | { ok: true; credential: Credential; tenant: Tenant }
  | { ok: false; reason: "missing" | "not_bearer" | KeyRejection; tenantId?: string; keyId?: string };

export function bearerToken(header: string | null): { token?: string; problem?: "missing" | "not_bearer" } {
  if (!header) return { problem: "missing" };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ? { token: match[1] } : { problem: "not_bearer" };
}

export async function authenticate(db: Db, authorization: string | null, now: Date = new Date()): Promise<Authentication> {
  const { token, problem } = bearerToken(authorization);
  if (!token) return { ok: false, reason: problem ?? "missing" };
  const result = await verifyApiKey(db, token, now);
  if (!result.ok) return { ok: false, reason: result.reason, tenantId: result.key?.tenantId, keyId: result.key?.id };
  const key = result.key;
  const tenant = await db.tenant.findUniqueOrThrow({ where: { id: key.tenantId } });
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: now } });
  }
  return {
    ok: true,
    tenant,
    credential: {
      type: "key",
      id: key.id,
      tenantId: key.tenantId,
      scopes: key.scopes,
      issuerId: key.issuerId,
      label: `${key.name} (${key.displayPrefix}…)`,
    },
  };
}

export function describeRejection(reason: Exclude<Authentication, { ok: true }>["reason"]): string {
  switch (reason) {
    case "missing":
      return "Authentication required: send the API key as `Authorization: Bearer <key>`.";
    case "not_bearer":
      return "Unsupported Authorization scheme: send `Authorization: Bearer <key>`.";
    case "malformed":
    case "unknown":
      return "The API key is not valid. Check it was copied whole, or ask an admin for a new key.";
    case "revoked":
      return "This API key has been revoked. Ask an admin of the tenant for a new key.";
    case "expired":
      return "This API key has expired. Ask an admin of the tenant for a new key.";
  }
}
