// OAuth 2.1 authorization server for MCP clients: lifetimes, URLs and token formats in one place.
import { publicBaseUrl } from "@/lib/console/base-url";

/** Access tokens are short-lived: a stolen one is useful for minutes, and every use is checked in the DB anyway. */
export const ACCESS_TOKEN_TTL_SECONDS = 10 * 60;
/** Refresh tokens rotate on every use; each new one is valid this long (a sliding window of inactivity). */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
/** Authorization codes: single use, 60 s. */
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;
/** How long a consent page may sit open before its anti-CSRF token expires. */
export const CONSENT_TOKEN_TTL_SECONDS = 10 * 60;

export const ACCESS_TOKEN_PREFIX = "sc_at_";
export const REFRESH_TOKEN_PREFIX = "sc_rt_";
export const CODE_PREFIX = "sc_ac_";
export const CLIENT_ID_PREFIX = "sc_client_";

/** The scope a client should ask for when it knows nothing else (advertised on 401). */
export const DEFAULT_CHALLENGE_SCOPE = "metrics:read";

export type OAuthUrls = {
  issuer: string;
  resource: string;
  resourceMetadata: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  registrationEndpoint: string;
  revocationEndpoint: string;
  consentPage: string;
};

/** Every URL the server publishes, from SOCODE_PUBLIC_URL (or the request's host when unset). */
export function oauthUrlsFromBase(base: string): OAuthUrls {
  const issuer = base.replace(/\/+$/, "");
  return {
    issuer,
    resource: `${issuer}/api/mcp`,
    resourceMetadata: `${issuer}/.well-known/oauth-protected-resource/api/mcp`,
    authorizationEndpoint: `${issuer}/oauth/authorize`,
    tokenEndpoint: `${issuer}/oauth/token`,
    registrationEndpoint: `${issuer}/oauth/register`,
    revocationEndpoint: `${issuer}/oauth/revoke`,
    consentPage: `${issuer}/oauth/consent`,
  };
}

export function oauthUrls(headers: Pick<Headers, "get">): OAuthUrls {
  return oauthUrlsFromBase(publicBaseUrl(headers));
}
