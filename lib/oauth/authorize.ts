// The authorization endpoint's logic: validate the request (client, exact redirect URI, PKCE S256,
// RFC 8707 resource), then — after the signed-in user consents — issue a single-use 60 s code bound
// to the client, redirect URI, PKCE challenge, resource, tenant, user and scopes.
import crypto from "node:crypto";
import { z } from "zod";
import { audit, recordAuditEvent } from "@/lib/audit/record-audit-event";
import { resolveConsoleAccess } from "@/lib/console/access";
import type { Db } from "@/lib/db/client";
import { ConsoleInputError } from "@/lib/console/input-error";
import { planWriteLimits } from "@/lib/console/write-limits-plan";
import { Prisma, type OAuthClient } from "@/lib/generated/prisma/client";
import { ALL_SCOPES } from "@/lib/governance/scopes";
import type { WriteLimits } from "@/lib/governance/write-limits";
import { sessionSecret } from "@/lib/secrets";
import { redirectUriRegistered, resolveClient } from "./clients";
import { AUTHORIZATION_CODE_TTL_SECONDS, CODE_PREFIX, CONSENT_TOKEN_TTL_SECONDS, type OAuthUrls } from "./config";
import { planConsentScopes } from "./consent-rules";
import { OAuthError, type OAuthErrorCode } from "./errors";
import { generateSecret, hashSecret, PKCE_CHALLENGE } from "./secrets";

const Param = z.string().max(2000);

/** The authorization request's parameters as they arrive (query string or consent form). */
export const AuthorizationParamsSchema = z.object({
  response_type: Param.optional(),
  client_id: Param.optional(),
  redirect_uri: Param.optional(),
  code_challenge: Param.optional(),
  code_challenge_method: Param.optional(),
  state: z.string().max(1000).optional(),
  scope: z.string().max(1000).optional(),
  resource: Param.optional(),
});
export type AuthorizationParams = z.infer<typeof AuthorizationParamsSchema>;
export const AUTHORIZATION_PARAM_NAMES = Object.keys(AuthorizationParamsSchema.shape) as (keyof AuthorizationParams)[];

export type AuthorizationRequest = {
  client: OAuthClient;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state: string | undefined;
  requestedScopes: string[];
  resource: string;
};

export type AuthorizationValidation =
  | { ok: true; request: AuthorizationRequest }
  /** The client or redirect URI cannot be trusted: show the error, never redirect. */
  | { ok: false; redirect: false; error: OAuthError }
  /** Redirect the error to the (verified) redirect URI. */
  | { ok: false; redirect: true; error: OAuthError; location: string };

export function paramsFrom(source: URLSearchParams | FormData): AuthorizationParams {
  const raw: Record<string, string> = {};
  for (const name of AUTHORIZATION_PARAM_NAMES) {
    const value = source.get(name);
    if (typeof value === "string") raw[name] = value;
  }
  const parsed = AuthorizationParamsSchema.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

/** redirect_uri?error=…&state=…&iss=… (RFC 9207 iss, so a client can tell authorization servers apart). */
export function errorRedirect(redirectUri: string, code: OAuthErrorCode, description: string, state: string | undefined, issuer: string): string {
  const url = new URL(redirectUri);
  url.searchParams.set("error", code);
  url.searchParams.set("error_description", description);
  if (state !== undefined) url.searchParams.set("state", state);
  url.searchParams.set("iss", issuer);
  return url.toString();
}

export async function validateAuthorizationRequest(db: Pick<Db, "oAuthClient">, params: AuthorizationParams, urls: OAuthUrls, now: Date = new Date()): Promise<AuthorizationValidation> {
  let client: OAuthClient;
  try {
    client = await resolveClient(db, params.client_id ?? "", now);
  } catch (err) {
    const error = err instanceof OAuthError ? err : new OAuthError("invalid_client", "The client could not be identified.");
    return { ok: false, redirect: false, error };
  }
  const redirectUri = params.redirect_uri;
  if (!redirectUri) return { ok: false, redirect: false, error: new OAuthError("invalid_request", "redirect_uri is required.") };
  if (!redirectUriRegistered(client, redirectUri)) {
    return { ok: false, redirect: false, error: new OAuthError("invalid_request", "redirect_uri does not exactly match a redirect URI registered for this client.", 400, "redirect_uri_mismatch") };
  }
  const fail = (code: OAuthErrorCode, description: string): AuthorizationValidation => ({
    ok: false,
    redirect: true,
    error: new OAuthError(code, description),
    location: errorRedirect(redirectUri, code, description, params.state, urls.issuer),
  });
  if (params.response_type !== "code") return fail("unsupported_response_type", "response_type must be code.");
  if (!params.code_challenge) return fail("invalid_request", "PKCE is required: send code_challenge and code_challenge_method=S256.");
  if (params.code_challenge_method !== "S256") return fail("invalid_request", "code_challenge_method must be S256 (plain is not accepted).");
  if (!PKCE_CHALLENGE.test(params.code_challenge)) return fail("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier (43 characters).");
  if (!params.resource) return fail("invalid_target", `resource is required (RFC 8707): send resource=${urls.resource}.`);
  if (params.resource !== urls.resource) return fail("invalid_target", `This server issues tokens only for ${urls.resource}.`);
  const requestedScopes = (params.scope ?? "").split(" ").filter(Boolean);
  const unknown = requestedScopes.filter((s) => !(ALL_SCOPES as string[]).includes(s));
  if (unknown.length > 0) return fail("invalid_scope", `Unknown scope(s): ${unknown.join(", ")}. Known: ${ALL_SCOPES.join(" ")}.`);
  return {
    ok: true,
    request: { client, clientId: client.clientId, redirectUri, codeChallenge: params.code_challenge, state: params.state, requestedScopes, resource: params.resource },
  };
}

// ───────────── anti-CSRF token bound to the user and the authorization request ─────────────

function consentKey(): Buffer {
  return Buffer.from(crypto.hkdfSync("sha256", sessionSecret(), "socode", "oauth consent csrf v1", 32));
}

function requestDigest(userId: string, params: AuthorizationParams): string {
  const canonical = JSON.stringify([userId, ...AUTHORIZATION_PARAM_NAMES.map((n) => params[n] ?? null)]);
  return crypto.createHash("sha256").update(canonical).digest("base64url");
}

/** A token the consent form must send back: HMAC over the user, the exact request and the time it was shown. */
export function consentCsrfToken(userId: string, params: AuthorizationParams, now: Date = new Date()): string {
  const issued = Math.floor(now.getTime() / 1000).toString();
  const mac = crypto.createHmac("sha256", consentKey()).update(`${issued}.${requestDigest(userId, params)}`).digest("base64url");
  return `${issued}.${mac}`;
}

export function verifyConsentCsrfToken(token: string, userId: string, params: AuthorizationParams, now: Date = new Date()): boolean {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match?.[1] || !match[2]) return false;
  const age = Math.floor(now.getTime() / 1000) - Number(match[1]);
  if (age < -60 || age > CONSENT_TOKEN_TTL_SECONDS) return false;
  const expected = Buffer.from(crypto.createHmac("sha256", consentKey()).update(`${match[1]}.${requestDigest(userId, params)}`).digest("base64url"));
  const given = Buffer.from(match[2]);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}

// ───────────── the user's decision ─────────────

export type ConsentDecision = {
  userId: string | null;
  params: AuthorizationParams;
  csrfToken: string;
  decision: "allow" | "deny";
  tenant?: string;
  preset?: string;
  grantedScopes?: string[];
  /** Write limits as typed at consent (an admin granting write scopes); stored on the grant's key row. */
  writeLimits?: Record<string, unknown>;
};

export type ConsentOutcome =
  | { ok: true; location: string }
  /** Shown on the consent page; nothing is sent to the client. */
  | { ok: false; code: OAuthErrorCode | "unauthenticated" | "csrf"; message: string };

/**
 * Applies the user's decision. Allow: checks membership of the chosen tenant and the consent rule,
 * stores a code (hash only) and returns the redirect to the client. Deny: redirects access_denied.
 * Every outcome is audited (the user as actor, surface console).
 */
export async function decideConsent(db: Db, input: ConsentDecision, urls: OAuthUrls, now: Date = new Date()): Promise<ConsentOutcome> {
  if (!input.userId) return { ok: false, code: "unauthenticated", message: "Your session has ended. Sign in again." };
  if (!verifyConsentCsrfToken(input.csrfToken, input.userId, input.params, now)) {
    await audit(db, { tenantId: null, actorType: "user", actorId: input.userId, surface: "console", action: "oauth.consent", outcome: "denied", errorCode: "csrf_token_invalid", target: input.params.client_id ?? null });
    return { ok: false, code: "csrf", message: "This consent form has expired or was not issued to you. Start connecting the app again." };
  }
  const validation = await validateAuthorizationRequest(db, input.params, urls, now);
  if (!validation.ok) return { ok: false, code: validation.error.code, message: validation.error.description };
  const { request } = validation;
  const target = `oauth_client:${request.client.clientId}`;

  if (input.decision === "deny") {
    await audit(db, { tenantId: null, actorType: "user", actorId: input.userId, surface: "console", action: "oauth.consent", target, outcome: "denied", errorCode: "access_denied", arguments: { redirectUri: request.redirectUri } });
    return { ok: true, location: errorRedirect(request.redirectUri, "access_denied", "The user declined to connect the app.", request.state, urls.issuer) };
  }

  const access = await resolveConsoleAccess(db, input.userId, input.tenant ?? "");
  if (!access.ok) {
    if (access.reason === "unauthenticated") return { ok: false, code: "unauthenticated", message: "Your session has ended. Sign in again." };
    await audit(db, { tenantId: null, actorType: "user", actorId: input.userId, surface: "console", action: "oauth.consent", target, outcome: "denied", errorCode: "not_member" });
    return { ok: false, code: "access_denied", message: "Choose a tenant you are a member of." };
  }
  const actor = { tenantId: access.tenant.id, actorType: "user", actorId: access.user.id, actorLabel: access.user.email, surface: "console" } as const;
  const plan = planConsentScopes(access.roles, { preset: input.preset, grantedScopes: input.grantedScopes });
  if (!plan.ok) {
    await audit(db, { ...actor, action: "oauth.consent", target, outcome: "denied", errorCode: plan.reason, arguments: { preset: input.preset ?? null, grantedScopes: input.grantedScopes ?? [], roles: access.roles } });
    return { ok: false, code: plan.code, message: plan.message };
  }

  let writeLimits: WriteLimits | null;
  try {
    writeLimits = await planWriteLimits(db, access.tenant.id, plan.scopes, input.writeLimits);
  } catch (err) {
    if (!(err instanceof ConsoleInputError)) throw err;
    await audit(db, { ...actor, action: "oauth.consent", target, outcome: "denied", errorCode: err.code, arguments: { writeLimits: input.writeLimits ?? {} } });
    return { ok: false, code: "invalid_request", message: err.message };
  }

  const code = generateSecret(CODE_PREFIX);
  await db.$transaction(async (tx) => {
    await tx.oAuthAuthorizationCode.create({
      data: {
        codeHash: hashSecret(code),
        clientId: request.client.id,
        tenantId: access.tenant.id,
        userId: access.user.id,
        redirectUri: request.redirectUri,
        resource: request.resource,
        preset: plan.preset,
        scopes: plan.scopes,
        writeLimits: writeLimits ?? Prisma.DbNull,
        codeChallenge: request.codeChallenge,
        createdAt: now,
        expiresAt: new Date(now.getTime() + AUTHORIZATION_CODE_TTL_SECONDS * 1000),
      },
    });
    await recordAuditEvent(tx, { ...actor, action: "oauth.consent", target, outcome: "ok", arguments: { client: request.client.name, redirectUri: request.redirectUri, preset: plan.preset, scopes: plan.scopes, writeLimits: writeLimits ?? {} } });
  });
  const location = new URL(request.redirectUri);
  location.searchParams.set("code", code);
  if (request.state !== undefined) location.searchParams.set("state", request.state);
  location.searchParams.set("iss", urls.issuer);
  return { ok: true, location: location.toString() };
}
