// Who is calling /api/mcp: a Bearer API key or an OAuth access token (lib/oauth). A credential is
// resolved in one statement (key or token, grant, user, membership and tenant together) and then
// cached in this process, keyed by the secret's hash, while the "credentials" cache epoch is
// unchanged (lib/db/cache-epochs.ts): every revocation, expiry change, scope change, user
// deactivation or membership change bumps it in its own transaction, so it takes effect on every
// instance within EPOCH_MAX_AGE_MS (250 ms) — with or without Redis, embedded or on a server.
// Expiry is checked against the clock on every use. Refusals are never cached. last_used_at is
// noted in memory and written in batches (lib/auth/last-used.ts).
import crypto from "node:crypto";
import type { Db } from "@/lib/db/client";
import { currentEpochs, epochOf } from "@/lib/db/cache-epochs";
import { CACHE_MAX_ENTRIES, CACHE_TTL_MS, CREDENTIALS_EPOCH, credentialCache } from "@/lib/auth/credential-cache";
import { bearerToken, verifyApiKey, type KeyRejection } from "@/lib/auth/api-keys";
import { noteUse } from "@/lib/auth/last-used";
import type { Tenant } from "@/lib/generated/prisma/client";
import type { Credential } from "@/lib/governance/credential";
import { storedWriteLimits } from "@/lib/governance/write-limits";
import { grantLabel, looksLikeAccessToken, verifyAccessToken, type AccessTokenRejection } from "@/lib/oauth/tokens";

export type Authentication =
  | { ok: true; credential: Credential; tenant: Tenant }
  | { ok: false; reason: "missing" | "not_bearer" | KeyRejection | AccessTokenRejection; tenantId?: string; keyId?: string; oauth?: boolean };

export type CachedCredential = {
  credential: Credential;
  tenant: Tenant;
  epoch: string;
  cachedAt: number;
  /** The credential's own expiry (key expiry; for OAuth the token's or its key row's). */
  validUntil: number | null;
  /** OAuth: the audience the token was issued for. */
  resource?: string;
  use: { keyId: string; grantId?: string; stored: Date | null };
};

/**
 * `resource` is this endpoint's URL: an OAuth access token must have been issued for it (RFC 8707
 * audience). Without it, OAuth access tokens are refused.
 */
export async function authenticate(db: Db, authorization: string | null, now: Date = new Date(), resource?: string): Promise<Authentication> {
  const { token, problem } = bearerToken(authorization);
  if (!token) return { ok: false, reason: problem ?? "missing" };
  const oauth = looksLikeAccessToken(token);
  if (oauth && !resource) return { ok: false, reason: "wrong_audience", oauth: true };

  const epochs = await currentEpochs(db);
  const epoch = epochOf(epochs, CREDENTIALS_EPOCH);
  const cache = credentialCache<CachedCredential>(db);
  const cacheKey = crypto.createHash("sha256").update(token).digest("base64url");
  const hit = cache.get(cacheKey);
  if (
    hit &&
    hit.epoch === epoch &&
    performance.now() - hit.cachedAt < CACHE_TTL_MS &&
    (hit.validUntil === null || now.getTime() < hit.validUntil) &&
    (!oauth || hit.resource === resource)
  ) {
    noteUse(db, hit.use, now);
    return { ok: true, credential: hit.credential, tenant: hit.tenant };
  }
  if (hit) cache.delete(cacheKey);

  const cachedAt = performance.now();
  const resolved = oauth ? await resolveAccessToken(db, token, now, resource ?? "") : await resolveApiKey(db, token, now);
  if (!resolved.ok) return resolved.rejection;
  noteUse(db, resolved.entry.use, now);
  // Cached under the epoch read *before* the lookup: a change committed in between makes it stale at once.
  if (cache.size >= CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(cacheKey, { ...resolved.entry, epoch, cachedAt });
  return { ok: true, credential: resolved.entry.credential, tenant: resolved.entry.tenant };
}

type Resolved = { ok: true; entry: Omit<CachedCredential, "epoch" | "cachedAt"> } | { ok: false; rejection: Exclude<Authentication, { ok: true }> };

async function resolveApiKey(db: Db, token: string, now: Date): Promise<Resolved> {
  const result = await verifyApiKey(db, token, now);
  if (!result.ok) return { ok: false, rejection: { ok: false, reason: result.reason, tenantId: result.key?.tenantId, keyId: result.key?.id } };
  const { key, tenant } = result;
  return {
    ok: true,
    entry: {
      tenant,
      validUntil: key.expiresAt?.getTime() ?? null,
      use: { keyId: key.id, stored: key.lastUsedAt },
      credential: {
        type: "key",
        id: key.id,
        tenantId: key.tenantId,
        scopes: key.scopes,
        limits: storedWriteLimits(key.writeLimits),
        issuerId: key.issuerId,
        label: `${key.name} (${key.displayPrefix}…)`,
      },
    },
  };
}

async function resolveAccessToken(db: Db, token: string, now: Date, resource: string): Promise<Resolved> {
  const result = await verifyAccessToken(db, token, resource, now);
  if (!result.ok) {
    return { ok: false, rejection: { ok: false, reason: result.reason, tenantId: result.grant?.tenantId, keyId: result.grant?.apiKeyId, oauth: true } };
  }
  const { grant } = result.token;
  return {
    ok: true,
    entry: {
      tenant: result.token.tenant,
      validUntil: result.token.validUntil.getTime(),
      resource: result.token.resource,
      use: { keyId: grant.apiKeyId, grantId: grant.id, stored: grant.lastUsedAt },
      credential: {
        type: "oauth",
        // The grant acts through its key row, so write requests, four-eyes and rate limits work as for keys.
        id: grant.apiKeyId,
        tenantId: grant.tenantId,
        scopes: result.token.scopes,
        // The grant's key row holds its limits (set at consent, changed on the key's page).
        limits: storedWriteLimits(result.token.writeLimits),
        issuerId: grant.userId,
        label: grantLabel(result.token.userEmail, result.token.clientName),
      },
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
