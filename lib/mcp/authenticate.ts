// Who is calling /api/mcp: a Bearer API key or an OAuth access token (lib/oauth), verified against
// the database on every request so a revocation takes effect at once on every instance.
// last_used_at is refreshed at most once a minute per key instead of written on every call.
import type { Db } from "@/lib/db/client";
import { verifyApiKey, type KeyRejection } from "@/lib/auth/api-keys";
import type { Tenant } from "@/lib/generated/prisma/client";
import type { Credential } from "@/lib/governance/credential";
import { grantLabel, looksLikeAccessToken, verifyAccessToken, type AccessTokenRejection } from "@/lib/oauth/tokens";

const LAST_USED_RESOLUTION_MS = 60_000;

export type Authentication =
  | { ok: true; credential: Credential; tenant: Tenant }
  | { ok: false; reason: "missing" | "not_bearer" | KeyRejection | AccessTokenRejection; tenantId?: string; keyId?: string; oauth?: boolean };

export function bearerToken(header: string | null): { token?: string; problem?: "missing" | "not_bearer" } {
  if (!header) return { problem: "missing" };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ? { token: match[1] } : { problem: "not_bearer" };
}

/**
 * `resource` is this endpoint's URL: an OAuth access token must have been issued for it (RFC 8707
 * audience). Without it, OAuth access tokens are refused.
 */
export async function authenticate(db: Db, authorization: string | null, now: Date = new Date(), resource?: string): Promise<Authentication> {
  const { token, problem } = bearerToken(authorization);
  if (!token) return { ok: false, reason: problem ?? "missing" };
  if (looksLikeAccessToken(token)) return authenticateOAuth(db, token, now, resource);
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

async function authenticateOAuth(db: Db, token: string, now: Date, resource: string | undefined): Promise<Authentication> {
  if (!resource) return { ok: false, reason: "wrong_audience", oauth: true };
  const result = await verifyAccessToken(db, token, resource, now);
  if (!result.ok) return { ok: false, reason: result.reason, tenantId: result.grant?.tenantId, keyId: result.grant?.apiKeyId, oauth: true };
  const { grant } = result.token;
  const tenant = await db.tenant.findUniqueOrThrow({ where: { id: grant.tenantId } });
  return {
    ok: true,
    tenant,
    credential: {
      type: "oauth",
      // The grant acts through its key row, so write requests, four-eyes and rate limits work as for keys.
      id: grant.apiKeyId,
      tenantId: grant.tenantId,
      scopes: result.token.scopes,
      issuerId: grant.userId,
      label: grantLabel(result.token.userEmail, result.token.clientName),
    },
  };
}

export function describeRejection(reason: Exclude<Authentication, { ok: true }>["reason"], oauth = false): string {
  if (oauth) {
    switch (reason) {
      case "revoked":
        return "This access token or its grant has been revoked. Connect the app again.";
      case "expired":
        return "This access token has expired; use the refresh token to get a new one.";
      case "malformed":
      case "unknown":
        return "The access token is not valid.";
      default:
        break;
    }
  }
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
    case "wrong_audience":
      return "This access token was issued for another resource; request a token for this server's /api/mcp.";
  }
}
