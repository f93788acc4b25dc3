// Pure rules of the OAuth server: PKCE, redirect URIs, client ID URLs, the consent rule, the
// anti-CSRF token and the metadata documents (parsed with the MCP SDK's own schemas).
import crypto from "node:crypto";
import { OAuthMetadataSchema, OAuthProtectedResourceMetadataSchema } from "@modelcontextprotocol/sdk/shared/auth.js";
import { beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { consentCsrfToken, verifyConsentCsrfToken, type AuthorizationParams } from "./authorize";
import { metadataUrlProblem, redirectUriProblem } from "./clients";
import { oauthUrlsFromBase } from "./config";
import { effectiveGrantScopes, planConsentScopes, suggestedConsent } from "./consent-rules";
import { authorizationServerMetadata, insufficientScopeChallenge, protectedResourceMetadata, unauthorizedChallenge } from "./metadata";
import { generateSecret, hasSecretShape, verifyPkce } from "./secrets";

beforeAll(() => {
  process.env.NEXTAUTH_SECRET ??= "unit-test-secret-unit-test-secret-unit-test";
  resetEnvCache();
});

describe("PKCE S256", () => {
  const verifier = crypto.randomBytes(32).toString("base64url");
  const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
  it("accepts the verifier of the challenge and nothing else", () => {
    expect(verifyPkce(verifier, challenge)).toBe(true);
    expect(verifyPkce(`${verifier}x`, challenge)).toBe(false);
    expect(verifyPkce(challenge, challenge)).toBe(false); // "plain" is not S256
    expect(verifyPkce(verifier, "")).toBe(false);
  });
});

describe("secrets", () => {
  it("are 32 random bytes behind their prefix", () => {
    const a = generateSecret("sc_at_");
    expect(hasSecretShape(a, "sc_at_")).toBe(true);
    expect(hasSecretShape(a, "sc_rt_")).toBe(false);
    expect(generateSecret("sc_at_")).not.toBe(a);
  });
});

describe("redirect URIs", () => {
  it("accepts https anywhere and http only to loopback", () => {
    expect(redirectUriProblem("https://claude.ai/api/mcp/auth_callback")).toBeNull();
    expect(redirectUriProblem("http://127.0.0.1:33418/callback")).toBeNull();
    expect(redirectUriProblem("http://localhost:8080/cb")).toBeNull();
    expect(redirectUriProblem("http://[::1]:8080/cb")).toBeNull();
    expect(redirectUriProblem("http://evil.example/cb")).toMatch(/loopback/);
    expect(redirectUriProblem("cursor://anysphere.cursor/cb")).toMatch(/https/);
    expect(redirectUriProblem("javascript:alert(1)")).toMatch(/https/);
    expect(redirectUriProblem("https://a.example/cb#frag")).toMatch(/fragment/);
    expect(redirectUriProblem("https://user:pw@a.example/cb")).toMatch(/credentials/);
    expect(redirectUriProblem("/relative")).toMatch(/absolute/);
  });
  it("client ID metadata URLs need https and a path (http loopback only outside production)", () => {
    expect(metadataUrlProblem("https://app.example/oauth/client.json")).toBeNull();
    expect(metadataUrlProblem("https://app.example/")).toMatch(/path/);
    expect(metadataUrlProblem("http://app.example/client.json")).toMatch(/https/);
    expect(metadataUrlProblem("http://127.0.0.1:9999/client.json")).toBeNull(); // NODE_ENV=test
  });
});

describe("consent rule", () => {
  it("lets any member grant a read preset, only admins PII and write scopes", () => {
    expect(planConsentScopes(["auditor"], { preset: "metrics:read" })).toEqual({ ok: true, preset: "metrics:read", scopes: ["metrics:read"] });
    expect(planConsentScopes(["approver"], { preset: "analyst" })).toMatchObject({ ok: true, scopes: ["metrics:read", "members:read", "coupons:read"] });
    expect(planConsentScopes(["approver", "auditor"], { preset: "analyst", grantedScopes: ["points:write"] })).toMatchObject({ ok: false, code: "invalid_scope", reason: "scope_escalation" });
    expect(planConsentScopes(["auditor"], { preset: "analyst", grantedScopes: ["members:pii"] })).toMatchObject({ ok: false, reason: "scope_escalation" });
    expect(planConsentScopes(["admin"], { preset: "metrics:read", grantedScopes: ["points:write"] })).toMatchObject({ ok: true, scopes: ["metrics:read", "points:write"] });
    expect(planConsentScopes(["admin"], { preset: "metrics:read", grantedScopes: ["members:pii"] })).toMatchObject({ ok: false, reason: "invalid_scope" });
    expect(planConsentScopes(["admin"], { preset: "root" })).toMatchObject({ ok: false, reason: "invalid_scope" });
    expect(planConsentScopes(["admin"], { preset: "metrics:read", grantedScopes: ["members:read"] })).toMatchObject({ ok: false, reason: "invalid_scope" });
  });
  it("preselects what the client asked for, within what the user may grant", () => {
    expect(suggestedConsent(["auditor"], [])).toEqual({ preset: "metrics:read", grantedScopes: [] });
    expect(suggestedConsent(["auditor"], ["members:read", "points:write"])).toEqual({ preset: "analyst", grantedScopes: [] });
    expect(suggestedConsent(["admin"], ["metrics:read", "points:write"])).toEqual({ preset: "metrics:read", grantedScopes: ["points:write"] });
  });
  it("drops admin-only scopes from a grant once its user is no longer an admin", () => {
    expect(effectiveGrantScopes(["metrics:read", "points:write", "members:pii"], ["admin"])).toEqual(["metrics:read", "points:write", "members:pii"]);
    expect(effectiveGrantScopes(["metrics:read", "points:write", "members:pii"], ["approver"])).toEqual(["metrics:read"]);
  });
});

describe("anti-CSRF token on the consent form", () => {
  const params: AuthorizationParams = { client_id: "sc_client_x", redirect_uri: "http://127.0.0.1:1/cb", state: "s", code_challenge: "c", resource: "r" };
  const now = new Date("2026-11-24T10:00:00Z");
  it("is bound to the user, the exact request and a 10-minute window", () => {
    const token = consentCsrfToken("user-1", params, now);
    expect(verifyConsentCsrfToken(token, "user-1", params, now)).toBe(true);
    expect(verifyConsentCsrfToken(token, "user-2", params, now)).toBe(false);
    expect(verifyConsentCsrfToken(token, "user-1", { ...params, redirect_uri: "http://127.0.0.1:2/cb" }, now)).toBe(false);
    expect(verifyConsentCsrfToken(token, "user-1", { ...params, state: "t" }, now)).toBe(false);
    expect(verifyConsentCsrfToken(token, "user-1", params, new Date(now.getTime() + 11 * 60_000))).toBe(false);
    expect(verifyConsentCsrfToken("", "user-1", params, now)).toBe(false);
    expect(verifyConsentCsrfToken(`${token.split(".")[0]}.${"A".repeat(43)}`, "user-1", params, now)).toBe(false);
  });
});

describe("metadata", () => {
  const urls = oauthUrlsFromBase("https://socode.example.com/");
  it("publishes RFC 9728 and RFC 8414 documents the MCP SDK accepts", () => {
    const prm = OAuthProtectedResourceMetadataSchema.parse(protectedResourceMetadata(urls));
    expect(prm).toMatchObject({ resource: "https://socode.example.com/api/mcp", authorization_servers: ["https://socode.example.com"] });
    const as = OAuthMetadataSchema.parse(authorizationServerMetadata(urls));
    expect(as).toMatchObject({ issuer: "https://socode.example.com", code_challenge_methods_supported: ["S256"], token_endpoint_auth_methods_supported: ["none"] });
    expect(authorizationServerMetadata(urls).client_id_metadata_document_supported).toBe(true);
  });
  it("challenges with resource_metadata and scope", () => {
    expect(unauthorizedChallenge(urls, "metrics:read")).toBe(
      'Bearer realm="socode", resource_metadata="https://socode.example.com/.well-known/oauth-protected-resource/api/mcp", scope="metrics:read"',
    );
    expect(unauthorizedChallenge(urls, "metrics:read", { code: "invalid_token", description: 'bad "x"' })).toMatch(/error="invalid_token", error_description="bad x"$/);
    expect(insufficientScopeChallenge(urls, "members:read")).toMatch(/^Bearer realm="socode", error="insufficient_scope", scope="members:read"/);
  });
});
