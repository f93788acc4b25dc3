// The token endpoint (authorization_code with PKCE, refresh_token with rotation and reuse
// detection), revocation (RFC 7009) and access-token verification for /api/mcp. Tokens are opaque
// and stored as SHA-256. /api/mcp caches a verified token for a bounded time (lib/mcp/authenticate.ts);
// every revocation bumps the credentials cache epoch in its own transaction (a trigger), so it
// takes effect on every instance within EPOCH_MAX_AGE_MS.
import { z } from "zod";
import { forgetCachedCredentials } from "@/lib/auth/credential-cache";
import { audit, recordAuditEvent, type AuditEventInput } from "@/lib/audit/record-audit-event";
import type { Db } from "@/lib/db/client";
import { preparedQuery } from "@/lib/db/prepared";
import type { DbOrTx, Tx } from "@/lib/db/transaction";
import { Prisma, type OAuthClient, type OAuthGrant, type Tenant } from "@/lib/generated/prisma/client";
import type { ConsoleRole } from "@/lib/console/roles";
import { TENANT_SELECT_SQL, tenantFromRow, type TenantColumns } from "@/lib/governance/tenants";
import { resolveClient } from "./clients";
import { ACCESS_TOKEN_PREFIX, ACCESS_TOKEN_TTL_SECONDS, CODE_PREFIX, REFRESH_TOKEN_PREFIX, REFRESH_TOKEN_TTL_SECONDS, type OAuthUrls } from "./config";
import { effectiveGrantScopes } from "./consent-rules";
import { OAuthError } from "./errors";
import { generateSecret, hashSecret, hasSecretShape, PKCE_VERIFIER, verifyPkce } from "./secrets";

export type TokenResponse = {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  scope: string;
};

const Field = z.string().min(1).max(4000);
const AuthorizationCodeGrantSchema = z.object({
  grant_type: z.literal("authorization_code"),
  code: Field,
  redirect_uri: Field,
  client_id: Field,
  code_verifier: z.string().max(200).optional(),
  resource: Field.optional(),
});
const RefreshGrantSchema = z.object({
  grant_type: z.literal("refresh_token"),
  refresh_token: Field,
  client_id: Field,
  scope: z.string().max(1000).optional(),
  resource: Field.optional(),
});

export type TokenContext = { urls: OAuthUrls; now?: Date; requestId?: string; clientName?: string | null };

function formObject(form: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of form) {
    if (k in out) throw new OAuthError("invalid_request", `Parameter ${k} is repeated.`);
    out[k] = v;
  }
  return out;
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "request"}: ${issue.message}` : "invalid request";
}

/** Audit actor for events about a grant: the consenting user via the client, under the grant's key id. */
function grantActor(grant: Pick<OAuthGrant, "tenantId" | "apiKeyId">, label: string): Pick<AuditEventInput, "tenantId" | "actorType" | "actorId" | "actorLabel"> {
  return { tenantId: grant.tenantId, actorType: "oauth", actorId: grant.apiKeyId, actorLabel: label };
}

export function grantLabel(email: string, clientName: string): string {
  return `${email} via ${clientName}`;
}

async function issueTokenPair(tx: Tx, grant: OAuthGrant, now: Date, parentId: string | null): Promise<TokenResponse> {
  const access = generateSecret(ACCESS_TOKEN_PREFIX);
  const refresh = generateSecret(REFRESH_TOKEN_PREFIX);
  await tx.oAuthToken.createMany({
    data: [
      { tokenHash: hashSecret(access), kind: "access", grantId: grant.id, parentId, resource: grant.resource, scopes: grant.scopes, createdAt: now, expiresAt: new Date(now.getTime() + ACCESS_TOKEN_TTL_SECONDS * 1000) },
      { tokenHash: hashSecret(refresh), kind: "refresh", grantId: grant.id, parentId, resource: grant.resource, scopes: grant.scopes, createdAt: now, expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000) },
    ],
  });
  return { access_token: access, token_type: "Bearer", expires_in: ACCESS_TOKEN_TTL_SECONDS, refresh_token: refresh, scope: grant.scopes.join(" ") };
}

/** Revokes a grant in its own transaction; this instance forgets cached credentials at once. */
async function revokeGrant(db: Db, grantId: string, reason: string, now: Date): Promise<void> {
  await db.$transaction((tx) => revokeGrantInTx(tx, grantId, reason, now));
  forgetCachedCredentials(db);
}

/** Revokes a grant, every token of it and the key it acts through. */
export async function revokeGrantInTx(tx: Tx, grantId: string, reason: string, now: Date): Promise<void> {
  const grant = await tx.oAuthGrant.findUnique({ where: { id: grantId } });
  if (!grant) return;
  if (!grant.revokedAt) await tx.oAuthGrant.update({ where: { id: grantId }, data: { revokedAt: now, revokedReason: reason } });
  await tx.oAuthToken.updateMany({ where: { grantId, revokedAt: null }, data: { revokedAt: now } });
  await tx.apiKey.updateMany({ where: { id: grant.apiKeyId, revokedAt: null }, data: { revokedAt: now } });
}

async function exchangeCode(db: Db, body: Record<string, string>, ctx: TokenContext, now: Date): Promise<TokenResponse> {
  const parsed = AuthorizationCodeGrantSchema.safeParse(body);
  if (!parsed.success) throw new OAuthError("invalid_request", describe(parsed.error));
  const req = parsed.data;
  const client = await resolveClient(db, req.client_id, now);
  const code = hasSecretShape(req.code, CODE_PREFIX) ? await db.oAuthAuthorizationCode.findUnique({ where: { codeHash: hashSecret(req.code) } }) : null;
  const deny = async (error: OAuthError, extra: Partial<AuditEventInput> = {}) => {
    await audit(db, { tenantId: code?.tenantId ?? null, actorType: "anonymous", surface: "mcp", action: "oauth.token", target: `oauth_client:${client.clientId}`, outcome: "denied", errorCode: error.auditCode, requestId: ctx.requestId, clientName: ctx.clientName ?? client.name, ...extra });
    return error;
  };
  if (!code || code.clientId !== client.id) throw await deny(new OAuthError("invalid_grant", "The authorization code is invalid.", 400, "code_unknown"));
  if (code.usedAt) {
    // A code presented twice may have been intercepted: revoke what was issued for it (OAuth 2.1 §4.1.3).
    if (code.grantId) {
      const grantId = code.grantId;
      await revokeGrant(db, grantId, "code_reuse", now);
    }
    throw await deny(new OAuthError("invalid_grant", "The authorization code was already used; the tokens issued for it are revoked.", 400, "code_reused"));
  }
  if (code.expiresAt <= now) throw await deny(new OAuthError("invalid_grant", "The authorization code has expired (codes last 60 s).", 400, "code_expired"));
  if (code.redirectUri !== req.redirect_uri) throw await deny(new OAuthError("invalid_grant", "redirect_uri does not match the one the code was issued for.", 400, "redirect_uri_mismatch"));
  if (!req.code_verifier) throw await deny(new OAuthError("invalid_request", "code_verifier is required (PKCE).", 400, "pkce_verifier_missing"));
  if (!PKCE_VERIFIER.test(req.code_verifier) || !verifyPkce(req.code_verifier, code.codeChallenge)) {
    throw await deny(new OAuthError("invalid_grant", "code_verifier does not match the code_challenge.", 400, "pkce_verifier_mismatch"));
  }
  if (req.resource !== undefined && req.resource !== code.resource) {
    throw await deny(new OAuthError("invalid_target", `The code was issued for ${code.resource}, not ${req.resource}.`, 400, "resource_mismatch"));
  }
  const user = await db.user.findUnique({ where: { id: code.userId }, select: { email: true, active: true } });
  if (!user?.active) throw await deny(new OAuthError("invalid_grant", "The user who consented can no longer sign in.", 400, "user_inactive"));

  const issued = await db.$transaction(async (tx) => {
    // Single use even under concurrency: only one exchange flips used_at.
    const claimed = await tx.oAuthAuthorizationCode.updateMany({ where: { id: code.id, usedAt: null }, data: { usedAt: now } });
    if (claimed.count !== 1) return null;
    const key = await tx.apiKey.create({
      data: {
        tenantId: code.tenantId,
        name: `OAuth: ${client.name} (${user.email})`,
        displayPrefix: "oauth",
        // The key row only carries the grant's identity for writes and rate limits; its secret is discarded.
        secretHash: hashSecret(generateSecret("oauth_unusable_")),
        preset: code.preset,
        scopes: code.scopes,
        // The limits the admin chose at consent (lib/oauth/authorize.ts) become the grant's limits.
        writeLimits: code.writeLimits ?? Prisma.DbNull,
        issuerId: code.userId,
        createdAt: now,
      },
    });
    const grant = await tx.oAuthGrant.create({
      data: { tenantId: code.tenantId, userId: code.userId, clientId: client.id, apiKeyId: key.id, preset: code.preset, scopes: code.scopes, resource: code.resource, createdAt: now },
    });
    await tx.oAuthAuthorizationCode.update({ where: { id: code.id }, data: { grantId: grant.id } });
    const tokens = await issueTokenPair(tx, grant, now, null);
    await recordAuditEvent(tx, { ...grantActor(grant, grantLabel(user.email, client.name)), surface: "mcp", action: "oauth.token", target: `oauth_client:${client.clientId}`, outcome: "ok", arguments: { grant_type: "authorization_code", scopes: grant.scopes }, requestId: ctx.requestId, clientName: ctx.clientName ?? client.name });
    return tokens;
  });
  if (!issued) throw await deny(new OAuthError("invalid_grant", "The authorization code was already used.", 400, "code_reused"));
  return issued;
}

async function refresh(db: Db, body: Record<string, string>, ctx: TokenContext, now: Date): Promise<TokenResponse> {
  const parsed = RefreshGrantSchema.safeParse(body);
  if (!parsed.success) throw new OAuthError("invalid_request", describe(parsed.error));
  const req = parsed.data;
  const client = await resolveClient(db, req.client_id, now);
  const token = hasSecretShape(req.refresh_token, REFRESH_TOKEN_PREFIX)
    ? await db.oAuthToken.findUnique({ where: { tokenHash: hashSecret(req.refresh_token) }, include: { grant: { include: { user: { select: { email: true, active: true } } } } } })
    : null;
  const grant = token?.grant;
  const label = grant ? grantLabel(grant.user.email, client.name) : null;
  const deny = async (error: OAuthError) => {
    await audit(db, { ...(grant ? grantActor(grant, label ?? "") : { tenantId: null, actorType: "anonymous" as const }), surface: "mcp", action: "oauth.token", target: `oauth_client:${client.clientId}`, outcome: "denied", errorCode: error.auditCode, arguments: { grant_type: "refresh_token" }, requestId: ctx.requestId, clientName: ctx.clientName ?? client.name });
    return error;
  };
  if (!token || token.kind !== "refresh" || !grant || grant.clientId !== client.id) throw await deny(new OAuthError("invalid_grant", "The refresh token is invalid.", 400, "refresh_token_unknown"));
  if (token.usedAt) {
    // Reuse of a rotated refresh token: someone holds a copy. Revoke the whole family (the grant).
    await revokeGrant(db, grant.id, "refresh_token_reuse", now);
    throw await deny(new OAuthError("invalid_grant", "The refresh token was already used; every token of this grant is revoked. Connect the app again.", 400, "refresh_token_reuse"));
  }
  if (token.revokedAt || grant.revokedAt) throw await deny(new OAuthError("invalid_grant", "The grant has been revoked. Connect the app again.", 400, "grant_revoked"));
  if (token.expiresAt <= now) throw await deny(new OAuthError("invalid_grant", "The refresh token has expired. Connect the app again.", 400, "refresh_token_expired"));
  if (!grant.user.active) throw await deny(new OAuthError("invalid_grant", "The user who consented can no longer sign in.", 400, "user_inactive"));
  if (req.resource !== undefined && req.resource !== grant.resource) throw await deny(new OAuthError("invalid_target", `This grant is for ${grant.resource}, not ${req.resource}.`, 400, "resource_mismatch"));
  if (req.scope !== undefined) {
    const extra = req.scope.split(" ").filter((s) => s && !grant.scopes.includes(s));
    if (extra.length) throw await deny(new OAuthError("invalid_scope", `A refresh cannot add scopes (${extra.join(", ")}); connect the app again to change its access.`, 400, "scope_escalation"));
  }
  const rotated = await db.$transaction(async (tx) => {
    const claimed = await tx.oAuthToken.updateMany({ where: { id: token.id, usedAt: null, revokedAt: null }, data: { usedAt: now } });
    if (claimed.count !== 1) return null;
    // The access tokens issued with the previous refresh token stay valid until they expire (≤ 10 min).
    const tokens = await issueTokenPair(tx, grant, now, token.id);
    await recordAuditEvent(tx, { ...grantActor(grant, label ?? ""), surface: "mcp", action: "oauth.token", target: `oauth_client:${client.clientId}`, outcome: "ok", arguments: { grant_type: "refresh_token" }, requestId: ctx.requestId, clientName: ctx.clientName ?? client.name });
    return tokens;
  });
  if (!rotated) {
    // Lost a race with another use of the same refresh token: that is reuse too.
    await revokeGrant(db, grant.id, "refresh_token_reuse", now);
    throw await deny(new OAuthError("invalid_grant", "The refresh token was already used; every token of this grant is revoked.", 400, "refresh_token_reuse"));
  }
  return rotated;
}

/** POST /oauth/token with an application/x-www-form-urlencoded body. Throws OAuthError. */
export async function handleTokenRequest(db: Db, form: URLSearchParams, ctx: TokenContext): Promise<TokenResponse> {
  const now = ctx.now ?? new Date();
  const body = formObject(form);
  if (body.client_secret !== undefined) throw new OAuthError("invalid_client", "This server registers public clients only (token_endpoint_auth_method none); do not send a client_secret.");
  switch (body.grant_type) {
    case "authorization_code":
      return exchangeCode(db, body, ctx, now);
    case "refresh_token":
      return refresh(db, body, ctx, now);
    case undefined:
      throw new OAuthError("invalid_request", "grant_type is required.");
    default:
      throw new OAuthError("unsupported_grant_type", "Supported grant types: authorization_code, refresh_token.");
  }
}

/**
 * RFC 7009. Revoking a refresh token revokes the whole grant (and its access tokens); revoking an
 * access token revokes that token. Unknown tokens, and tokens of another client, are answered like
 * success (no oracle) but left alone.
 */
export async function revokeToken(db: Db, form: URLSearchParams, ctx: TokenContext): Promise<void> {
  const now = ctx.now ?? new Date();
  const parsed = z.object({ token: Field, token_type_hint: z.string().max(50).optional(), client_id: Field }).safeParse(formObject(form));
  if (!parsed.success) throw new OAuthError("invalid_request", describe(parsed.error));
  const client: OAuthClient = await resolveClient(db, parsed.data.client_id, now);
  const token = await db.oAuthToken.findUnique({ where: { tokenHash: hashSecret(parsed.data.token) }, include: { grant: { include: { user: { select: { email: true } } } } } });
  if (!token || token.grant.clientId !== client.id) return;
  await db.$transaction(async (tx) => {
    if (token.kind === "refresh") await revokeGrantInTx(tx, token.grantId, "client", now);
    else await tx.oAuthToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: now } });
    await recordAuditEvent(tx, { ...grantActor(token.grant, grantLabel(token.grant.user.email, client.name)), surface: "mcp", action: "oauth.revoke", target: `oauth_client:${client.clientId}`, outcome: "ok", arguments: { kind: token.kind }, requestId: ctx.requestId, clientName: ctx.clientName ?? client.name });
  });
  forgetCachedCredentials(db);
}

// ───────────── /api/mcp: verifying an access token ─────────────

export type AccessTokenRejection = "unknown" | "revoked" | "expired" | "wrong_audience";

export type VerifiedAccessToken = {
  grant: Pick<OAuthGrant, "id" | "tenantId" | "userId" | "apiKeyId" | "lastUsedAt">;
  tenant: Tenant;
  clientName: string;
  userEmail: string;
  /** The grant's scopes that still apply (admin-only scopes lapse when the user is no longer an admin). */
  scopes: string[];
  /** When the token stops being valid by itself (its own or its key row's expiry). */
  validUntil: Date;
  /** The token's audience (RFC 8707). */
  resource: string;
  /** The write limits stored on the grant's key row (unparsed JSON). */
  writeLimits: unknown;
};

export type AccessTokenVerification =
  | { ok: true; token: VerifiedAccessToken }
  | { ok: false; reason: AccessTokenRejection; grant?: Pick<OAuthGrant, "tenantId" | "apiKeyId"> };

export function looksLikeAccessToken(value: string): boolean {
  return value.startsWith(ACCESS_TOKEN_PREFIX);
}

type AccessTokenRow = TenantColumns & {
  kind: string;
  resource: string;
  scopes: string[];
  expires_at: Date;
  token_revoked_at: Date | null;
  grant_id: string;
  tenant_id: string;
  user_id: string;
  api_key_id: string;
  grant_revoked_at: Date | null;
  grant_last_used_at: Date | null;
  client_name: string;
  key_revoked_at: Date | null;
  key_expires_at: Date | null;
  key_write_limits: unknown;
  email: string;
  active: boolean;
  roles: string[] | null;
};

// Token, grant, client, key row, user, membership and tenant in one round trip.
const RESOLVE_ACCESS_TOKEN_SQL = `SELECT tok.kind::text AS kind, tok.resource, tok.scopes, tok.expires_at, tok.revoked_at AS token_revoked_at,
       g.id AS grant_id, g.tenant_id, g.user_id, g.api_key_id, g.revoked_at AS grant_revoked_at, g.last_used_at AS grant_last_used_at,
       c.name AS client_name, k.revoked_at AS key_revoked_at, k.expires_at AS key_expires_at, k.write_limits AS key_write_limits,
       u.email, u.active, m.roles::text[] AS roles,
       ${TENANT_SELECT_SQL}
  FROM "oauth_tokens" tok
  JOIN "oauth_grants" g ON g.id = tok.grant_id
  JOIN "oauth_clients" c ON c.id = g.client_id
  JOIN "api_keys" k ON k.id = g.api_key_id
  JOIN "users" u ON u.id = g.user_id
  JOIN "tenants" t ON t.id = g.tenant_id
  LEFT JOIN "memberships" m ON m.tenant_id = g.tenant_id AND m.user_id = g.user_id
 WHERE tok.token_hash = $1`;

/** Checks an access token against the database in one statement: hash, expiry, revocation of token/grant/key, audience, the user's membership. */
export async function verifyAccessToken(db: DbOrTx, token: string, resource: string, now: Date = new Date()): Promise<AccessTokenVerification> {
  if (!hasSecretShape(token, ACCESS_TOKEN_PREFIX)) return { ok: false, reason: "unknown" };
  const [row] = await preparedQuery<AccessTokenRow>(db, "socode_resolve_access_token", RESOLVE_ACCESS_TOKEN_SQL, [hashSecret(token)]);
  if (!row || row.kind !== "access") return { ok: false, reason: "unknown" };
  const known = { tenantId: row.tenant_id, apiKeyId: row.api_key_id };
  // The grant's key row can also be revoked or expired from the API keys page; either ends the grant.
  if (row.token_revoked_at || row.grant_revoked_at || row.key_revoked_at || !row.active) return { ok: false, reason: "revoked", grant: known };
  if (row.key_expires_at && row.key_expires_at <= now) return { ok: false, reason: "revoked", grant: known };
  if (row.expires_at <= now) return { ok: false, reason: "expired", grant: known };
  if (row.resource !== resource) return { ok: false, reason: "wrong_audience", grant: known };
  if (!row.roles || row.roles.length === 0) return { ok: false, reason: "revoked", grant: known };
  return {
    ok: true,
    token: {
      grant: { id: row.grant_id, tenantId: row.tenant_id, userId: row.user_id, apiKeyId: row.api_key_id, lastUsedAt: row.grant_last_used_at },
      tenant: tenantFromRow(row.tenant_id, row),
      clientName: row.client_name,
      userEmail: row.email,
      scopes: effectiveGrantScopes(row.scopes, row.roles as ConsoleRole[]),
      validUntil: row.key_expires_at && row.key_expires_at < row.expires_at ? row.key_expires_at : row.expires_at,
      resource: row.resource,
      writeLimits: row.key_write_limits,
    },
  };
}

/**
 * Deletes what can no longer be used: codes past their expiry, and tokens that expired or were
 * revoked more than `keepDays` ago (grants stay, for the console's history). Returns the counts.
 */
export async function purgeExpiredOAuthSecrets(db: Db, now: Date = new Date(), keepDays = 7): Promise<{ codes: number; tokens: number }> {
  const cutoff = new Date(now.getTime() - keepDays * 86_400_000);
  const codes = await db.oAuthAuthorizationCode.deleteMany({ where: { expiresAt: { lt: cutoff } } });
  const tokens = await db.oAuthToken.deleteMany({ where: { OR: [{ expiresAt: { lt: cutoff } }, { revokedAt: { lt: cutoff } }] } });
  return { codes: codes.count, tokens: tokens.count };
}
