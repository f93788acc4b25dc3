// OAuth for MCP clients end to end at the HTTP level: the built app on a real port, a client that
// registers, is consented (decideConsent — the consent page's server action — run in-process on the
// same database; the browser journey is e2e/oauth.spec.ts), exchanges the code and calls tools with
// the SDK client. Then every refusal the spec asks for, each checked in the audit log.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { OAuthMetadataSchema, OAuthProtectedResourceMetadataSchema, OAuthTokensSchema } from "@modelcontextprotocol/sdk/shared/auth.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { seedDemo } from "@/lib/demo/seed-demo";
import { resetEnvCache } from "@/lib/env";
import type { Role } from "@/lib/generated/prisma/enums";
import { approveWriteRequest } from "@/lib/operations/approve-write-request";
import { startApp, type RunningApp } from "@/test/app-server";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { consentCsrfToken, decideConsent, type AuthorizationParams } from "./authorize";
import { resolveClient } from "./clients";
import { oauthUrlsFromBase, type OAuthUrls } from "./config";
import { listConnectedApps, revokeConnectedApp } from "./grants";
import { purgeExpiredOAuthSecrets } from "./tokens";

type Tokens = { access_token: string; refresh_token: string; scope: string; expires_in: number };

describe(`OAuth for /api/mcp on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let app: RunningApp;
  let urls: OAuthUrls;
  const tenants: Record<"demo" | "demoB", string> = { demo: "", demoB: "" };
  const users: Record<"admin" | "approver" | "auditorB" | "approver2", string> = { admin: "", approver: "", auditorB: "", approver2: "" };
  const REDIRECT = "http://127.0.0.1:45678/callback";
  let clientId = "";

  async function mkUser(email: string, memberships: [string, Role[]][]) {
    const user = await database.db.user.create({ data: { email, name: email } });
    for (const [tenantId, roles] of memberships) await database.db.membership.create({ data: { tenantId, userId: user.id, roles } });
    return user.id;
  }

  function pkce() {
    const verifier = crypto.randomBytes(32).toString("base64url");
    return { verifier, challenge: crypto.createHash("sha256").update(verifier).digest("base64url") };
  }

  function authParams(challenge: string, extra: Partial<AuthorizationParams> = {}): AuthorizationParams {
    return { response_type: "code", client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: "S256", state: "st-1", scope: "metrics:read", resource: urls.resource, ...extra };
  }

  async function consent(userId: string, params: AuthorizationParams, choice: { tenant: string; preset?: string; grantedScopes?: string[] }) {
    return decideConsent(database.db, { userId, params, csrfToken: consentCsrfToken(userId, params), decision: "allow", ...choice }, urls);
  }

  async function codeFor(userId: string, tenant: string, choice: { preset?: string; grantedScopes?: string[] } = {}, extra: Partial<AuthorizationParams> = {}) {
    const { verifier, challenge } = pkce();
    const outcome = await consent(userId, authParams(challenge, extra), { tenant, ...choice });
    if (!outcome.ok) throw new Error(`consent refused: ${outcome.message}`);
    const location = new URL(outcome.location);
    expect(location.searchParams.get("state")).toBe("st-1");
    expect(location.searchParams.get("iss")).toBe(urls.issuer);
    return { code: location.searchParams.get("code") ?? "", verifier };
  }

  function post(path: string, form: Record<string, string>) {
    return fetch(`${app.baseUrl}${path}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form) });
  }

  function exchange(code: string, verifier: string | undefined, extra: Record<string, string> = {}) {
    return post("/oauth/token", { grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: clientId, resource: urls.resource, ...(verifier ? { code_verifier: verifier } : {}), ...extra });
  }

  async function tokensFor(userId: string, tenant: string, choice: { preset?: string; grantedScopes?: string[] } = {}): Promise<Tokens> {
    const { code, verifier } = await codeFor(userId, tenant, choice);
    const res = await exchange(code, verifier);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    return OAuthTokensSchema.parse(await res.json()) as Tokens;
  }

  function mcp(token: string, body: unknown) {
    return fetch(app.mcpUrl, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify(body),
    });
  }
  const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "0" } } };

  async function connect(token: string) {
    const client = new Client({ name: "oauth-tests", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(app.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return client;
  }

  async function lastEvent(where: { action: string; errorCode?: string }) {
    return database.db.auditEvent.findFirst({ where, orderBy: { id: "desc" } });
  }

  beforeAll(async () => {
    process.env.NEXTAUTH_SECRET ??= "integration-test-secret-integration-test-secret";
    resetEnvCache();
    database = await createTestDatabase();
    await seedDemo(database.db, { scale: "small" });
    tenants.demo = (await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } })).id;
    tenants.demoB = (await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo-b" } })).id;
    users.admin = await mkUser("admin@shop.test", [[tenants.demo, ["admin"]]]);
    users.approver = await mkUser("approver@shop.test", [[tenants.demo, ["approver"]]]);
    users.approver2 = await mkUser("approver2@shop.test", [[tenants.demo, ["approver"]]]);
    users.auditorB = await mkUser("auditor-b@shop.test", [[tenants.demoB, ["auditor"]]]);
    app = await startApp(database);
    urls = oauthUrlsFromBase(app.baseUrl);
  });
  afterAll(async () => {
    await app?.stop();
    await database?.close();
  });

  it("publishes protected resource and authorization server metadata, and challenges with them", async () => {
    for (const path of ["/.well-known/oauth-protected-resource/api/mcp", "/.well-known/oauth-protected-resource"]) {
      const res = await fetch(`${app.baseUrl}${path}`);
      expect(res.status).toBe(200);
      expect(OAuthProtectedResourceMetadataSchema.parse(await res.json())).toMatchObject({ resource: urls.resource, authorization_servers: [urls.issuer] });
    }
    const as = OAuthMetadataSchema.parse(await (await fetch(`${app.baseUrl}/.well-known/oauth-authorization-server`)).json());
    expect(as).toMatchObject({ issuer: urls.issuer, token_endpoint: urls.tokenEndpoint, registration_endpoint: urls.registrationEndpoint, code_challenge_methods_supported: ["S256"] });

    const res = await fetch(app.mcpUrl, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" }, body: JSON.stringify(initialize) });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(`Bearer realm="socode", resource_metadata="${urls.resourceMetadata}", scope="metrics:read"`);
  });

  it("registers clients dynamically with validated metadata only", async () => {
    const register = (body: unknown) => fetch(urls.registrationEndpoint, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const ok = await register({ client_name: "Test Agent", redirect_uris: [REDIRECT], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"] });
    expect(ok.status).toBe(201);
    const info = (await ok.json()) as { client_id: string; token_endpoint_auth_method: string; client_name: string };
    expect(info).toMatchObject({ client_name: "Test Agent", token_endpoint_auth_method: "none" });
    clientId = info.client_id;

    for (const [body, code] of [
      [{ client_name: "x", redirect_uris: ["http://evil.example/cb"] }, "invalid_redirect_uri"],
      [{ client_name: "x", redirect_uris: ["javascript:alert(1)"] }, "invalid_redirect_uri"],
      [{ client_name: "x", redirect_uris: [] }, "invalid_redirect_uri"],
      [{ client_name: "x", redirect_uris: [REDIRECT], grant_types: ["client_credentials"] }, "invalid_client_metadata"],
    ] as const) {
      const res = await register(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: code });
    }
    expect(await lastEvent({ action: "oauth.register", errorCode: "invalid_client_metadata" })).toBeTruthy();
  });

  it("sends a valid authorization request to consent, and refuses bad ones without redirecting to unknown URIs", async () => {
    const { challenge } = pkce();
    const authorize = (params: AuthorizationParams) => fetch(`${urls.authorizationEndpoint}?${new URLSearchParams(params as Record<string, string>)}`, { redirect: "manual" });
    const good = await authorize(authParams(challenge));
    expect(good.status).toBe(302);
    expect(good.headers.get("location")).toMatch(new RegExp(`^${urls.consentPage}\\?`));

    const mismatched = await authorize(authParams(challenge, { redirect_uri: "http://127.0.0.1:45678/other" }));
    expect(mismatched.status).toBe(400);
    expect(mismatched.headers.get("location")).toBeNull();
    expect(await mismatched.text()).toContain("redirect_uri does not exactly match");
    expect(await lastEvent({ action: "oauth.authorize", errorCode: "redirect_uri_mismatch" })).toBeTruthy();

    const unknownClient = await authorize(authParams(challenge, { client_id: "sc_client_nope" }));
    expect(unknownClient.status).toBe(400);

    const cases: [Partial<AuthorizationParams>, string][] = [
      [{ code_challenge_method: "plain" }, "invalid_request"],
      [{ code_challenge: undefined }, "invalid_request"],
      [{ resource: undefined }, "invalid_target"],
      [{ resource: "https://other.example/api/mcp" }, "invalid_target"],
      [{ scope: "admin:everything" }, "invalid_scope"],
      [{ response_type: "token" }, "unsupported_response_type"],
    ];
    for (const [extra, code] of cases) {
      const params = Object.fromEntries(Object.entries(authParams(challenge, extra)).filter(([, v]) => v !== undefined)) as AuthorizationParams;
      const res = await authorize(params);
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get("location") ?? "");
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
      expect(location.searchParams.get("error")).toBe(code);
      expect(location.searchParams.get("state")).toBe("st-1");
    }
  });

  it("issues tokens for a consented code; the SDK client then sees the granted tools as the user via the client", async () => {
    const tokens = await tokensFor(users.approver, "demo", { preset: "analyst" });
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 600, scope: "metrics:read members:read coupons:read" });
    const client = await connect(tokens.access_token);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["query_metric", "search_members", "list_coupon_pools"]));
    expect(tools.map((t) => t.name)).not.toContain("award_points");
    const result = (await client.callTool({ name: "list_metrics", arguments: {} })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    await client.close();
    const event = await database.db.auditEvent.findFirstOrThrow({ where: { action: "list_metrics", actorType: "oauth" }, orderBy: { id: "desc" } });
    expect(event).toMatchObject({ tenantId: tenants.demo, outcome: "ok", actorLabel: "approver@shop.test via Test Agent" });

    const apps = await listConnectedApps(database.db, { roles: ["admin"], tenant: { id: tenants.demo, slug: "demo", name: "", timeZone: "UTC", currency: "USD" }, user: { id: users.admin, email: "", name: "" } });
    expect(apps.find((a) => a.userEmail === "approver@shop.test")).toMatchObject({ clientName: "Test Agent", scopes: ["metrics:read", "members:read", "coupons:read"], revokedAt: null });
    expect(apps[0]?.lastUsedAt).not.toBeNull();
  });

  it("refuses a wrong or missing PKCE verifier, a mismatched redirect URI, another resource, and a reused code (revoking its tokens)", async () => {
    const wrong = await codeFor(users.approver, "demo");
    const badVerifier = await exchange(wrong.code, pkce().verifier);
    expect(badVerifier.status).toBe(400);
    expect(await badVerifier.json()).toMatchObject({ error: "invalid_grant" });
    expect(await lastEvent({ action: "oauth.token", errorCode: "pkce_verifier_mismatch" })).toMatchObject({ tenantId: tenants.demo, outcome: "denied" });

    const missing = await codeFor(users.approver, "demo");
    const noVerifier = await exchange(missing.code, undefined);
    expect(await noVerifier.json()).toMatchObject({ error: "invalid_request" });
    expect(await lastEvent({ action: "oauth.token", errorCode: "pkce_verifier_missing" })).toBeTruthy();

    const redirect = await codeFor(users.approver, "demo");
    const badRedirect = await exchange(redirect.code, redirect.verifier, { redirect_uri: "http://127.0.0.1:45678/other" });
    expect(await badRedirect.json()).toMatchObject({ error: "invalid_grant" });
    expect(await lastEvent({ action: "oauth.token", errorCode: "redirect_uri_mismatch" })).toBeTruthy();

    const other = await codeFor(users.approver, "demo");
    const otherResource = await exchange(other.code, other.verifier, { resource: "https://other.example/api/mcp" });
    expect(await otherResource.json()).toMatchObject({ error: "invalid_target" });
    expect(await lastEvent({ action: "oauth.token", errorCode: "resource_mismatch" })).toBeTruthy();

    const once = await codeFor(users.approver, "demo");
    const first = await exchange(once.code, once.verifier);
    expect(first.status).toBe(200);
    const firstTokens = (await first.json()) as Tokens;
    expect((await mcp(firstTokens.access_token, initialize)).status).toBe(200);
    const second = await exchange(once.code, once.verifier);
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ error: "invalid_grant" });
    expect(await lastEvent({ action: "oauth.token", errorCode: "code_reused" })).toBeTruthy();
    const afterReuse = await mcp(firstTokens.access_token, initialize);
    expect(afterReuse.status).toBe(401);
    expect(afterReuse.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
  });

  it("refuses an expired code, an expired token, a token for another resource and a revoked grant (on the next request)", async () => {
    const stale = await codeFor(users.approver, "demo");
    await database.db.oAuthAuthorizationCode.updateMany({ where: { usedAt: null, expiresAt: { gt: new Date() } }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await (await exchange(stale.code, stale.verifier)).json()).toMatchObject({ error: "invalid_grant" });
    expect(await lastEvent({ action: "oauth.token", errorCode: "code_expired" })).toBeTruthy();

    const tokens = await tokensFor(users.approver, "demo");
    expect((await mcp(tokens.access_token, initialize)).status).toBe(200);
    const row = await database.db.oAuthToken.findUniqueOrThrow({ where: { tokenHash: crypto.createHash("sha256").update(tokens.access_token).digest("hex") } });

    await database.db.oAuthToken.update({ where: { id: row.id }, data: { resource: "https://other.example/api/mcp" } });
    const audience = await mcp(tokens.access_token, initialize);
    expect(audience.status).toBe(401);
    expect(await lastEvent({ action: "mcp.authenticate", errorCode: "auth_wrong_audience" })).toMatchObject({ actorType: "oauth", tenantId: tenants.demo });

    await database.db.oAuthToken.update({ where: { id: row.id }, data: { resource: urls.resource, expiresAt: new Date(Date.now() - 1000) } });
    expect((await mcp(tokens.access_token, initialize)).status).toBe(401);
    expect(await lastEvent({ action: "mcp.authenticate", errorCode: "auth_expired" })).toBeTruthy();

    const live = await tokensFor(users.approver, "demo");
    expect((await mcp(live.access_token, initialize)).status).toBe(200);
    const grant = await database.db.oAuthGrant.findFirstOrThrow({ where: { userId: users.approver, revokedAt: null }, orderBy: { createdAt: "desc" } });
    const revoked = await revokeConnectedApp(database.db, { roles: ["approver"], tenant: { id: tenants.demo, slug: "demo", name: "", timeZone: "UTC", currency: "USD" }, user: { id: users.approver, email: "approver@shop.test", name: "" } }, grant.id);
    expect(revoked).toEqual({ ok: true });
    const after = await mcp(live.access_token, initialize);
    expect(after.status).toBe(401);
    expect(await lastEvent({ action: "mcp.authenticate", errorCode: "auth_revoked" })).toBeTruthy();
    expect(await lastEvent({ action: "oauth.grant.revoke" })).toMatchObject({ actorType: "user", actorId: users.approver, outcome: "ok" });
    const refreshed = await post("/oauth/token", { grant_type: "refresh_token", refresh_token: live.refresh_token, client_id: clientId });
    expect(await refreshed.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("rotates refresh tokens, and a refresh token used twice revokes the whole family", async () => {
    const first = await tokensFor(users.approver, "demo");
    const rotate = (refresh: string) => post("/oauth/token", { grant_type: "refresh_token", refresh_token: refresh, client_id: clientId, resource: urls.resource });
    const r1 = await rotate(first.refresh_token);
    expect(r1.status).toBe(200);
    const second = (await r1.json()) as Tokens;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await mcp(second.access_token, initialize)).status).toBe(200);

    const escalate = await post("/oauth/token", { grant_type: "refresh_token", refresh_token: second.refresh_token, client_id: clientId, scope: "metrics:read points:write" });
    expect(await escalate.json()).toMatchObject({ error: "invalid_scope" });

    const reuse = await rotate(first.refresh_token);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: "invalid_grant" });
    expect(await lastEvent({ action: "oauth.token", errorCode: "refresh_token_reuse" })).toMatchObject({ actorType: "oauth", tenantId: tenants.demo });
    // The whole family is gone: the newest access and refresh tokens too.
    expect((await mcp(second.access_token, initialize)).status).toBe(401);
    expect(await (await rotate(second.refresh_token)).json()).toMatchObject({ error: "invalid_grant" });
  });

  it("revokes through RFC 7009: a refresh token ends the grant", async () => {
    const tokens = await tokensFor(users.approver, "demo");
    const res = await post("/oauth/revoke", { token: tokens.refresh_token, token_type_hint: "refresh_token", client_id: clientId });
    expect(res.status).toBe(200);
    expect((await mcp(tokens.access_token, initialize)).status).toBe(401);
    expect((await post("/oauth/revoke", { token: "sc_rt_unknown", client_id: clientId })).status).toBe(200);
  });

  it("lets only admins grant write and PII scopes at consent, and audits the attempt", async () => {
    const { challenge } = pkce();
    const refused = await consent(users.approver, authParams(challenge, { scope: "metrics:read points:write" }), { tenant: "demo", preset: "metrics:read", grantedScopes: ["points:write"] });
    expect(refused).toMatchObject({ ok: false, code: "invalid_scope" });
    expect(await lastEvent({ action: "oauth.consent", errorCode: "scope_escalation" })).toMatchObject({ tenantId: tenants.demo, actorId: users.approver, outcome: "denied" });

    const forged = await decideConsent(database.db, { userId: users.approver, params: authParams(challenge), csrfToken: consentCsrfToken(users.admin, authParams(challenge)), decision: "allow", tenant: "demo" }, urls);
    expect(forged).toMatchObject({ ok: false, code: "csrf" });
    expect(await lastEvent({ action: "oauth.consent", errorCode: "csrf_token_invalid" })).toBeTruthy();

    const denied = await decideConsent(database.db, { userId: users.approver, params: authParams(challenge), csrfToken: consentCsrfToken(users.approver, authParams(challenge)), decision: "deny" }, urls);
    expect(denied.ok && new URL(denied.location).searchParams.get("error")).toBe("access_denied");
  });

  it("answers 403 insufficient_scope to an OAuth client calling a tool beyond its grant", async () => {
    const tokens = await tokensFor(users.approver, "demo");
    const res = await mcp(tokens.access_token, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "search_members", arguments: { query: "a" } } });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="socode", error="insufficient_scope", scope="members:read", resource_metadata="/);
    expect(await lastEvent({ action: "search_members", errorCode: "missing_scope" })).toMatchObject({ actorType: "oauth", outcome: "denied" });
  });

  it("keeps a grant in its tenant: other tenants are not reachable, and losing membership ends it", async () => {
    const { challenge } = pkce();
    const outsider = await consent(users.auditorB, authParams(challenge), { tenant: "demo" });
    expect(outsider).toMatchObject({ ok: false, code: "access_denied" });
    expect(await lastEvent({ action: "oauth.consent", errorCode: "not_member" })).toMatchObject({ actorId: users.auditorB });

    const tokens = await tokensFor(users.auditorB, "demo-b", { preset: "analyst" });
    const client = await connect(tokens.access_token);
    const demoMember = await database.db.member.findFirstOrThrow({ where: { tenantId: tenants.demo } });
    const result = (await client.callTool({ name: "get_member", arguments: { member: demoMember.id } })) as CallToolResult;
    expect(result.isError).toBe(true);
    await client.close();
    expect(await database.db.auditEvent.findFirst({ where: { action: "get_member", actorType: "oauth", tenantId: tenants.demo } })).toBeNull();

    await database.db.membership.deleteMany({ where: { userId: users.auditorB } });
    expect((await mcp(tokens.access_token, initialize)).status).toBe(401);
    await database.db.membership.create({ data: { tenantId: tenants.demoB, userId: users.auditorB, roles: ["auditor"] } });
  });

  it("lets an admin's agent request writes that the admin cannot approve (four eyes)", async () => {
    const tokens = await tokensFor(users.admin, "demo", { preset: "analyst", grantedScopes: ["points:write"] });
    const client = await connect(tokens.access_token);
    const member = await database.db.member.findFirstOrThrow({ where: { tenantId: tenants.demo, status: "active" } });
    const asked = (await client.callTool({ name: "award_points", arguments: { member: member.id, points: 10, reason: "oauth test" } })) as CallToolResult;
    expect(asked.isError).toBeFalsy();
    const receipt = asked.structuredContent as { requestId: string; status: string };
    expect(receipt.status).toBe("pending_approval");
    await client.close();
    await database.db.membership.updateMany({ where: { userId: users.admin }, data: { roles: ["admin", "approver"] } });
    await expect(approveWriteRequest(database.db, { tenantId: tenants.demo, requestId: receipt.requestId, decider: { userId: users.admin, surface: "console" } })).rejects.toMatchObject({ code: "four_eyes" });
    await approveWriteRequest(database.db, { tenantId: tenants.demo, requestId: receipt.requestId, decider: { userId: users.approver2, surface: "console" } });
    const executed = await database.db.writeRequest.findUniqueOrThrow({ where: { id: receipt.requestId } });
    expect(executed.status).toBe("executed");
  });

  it("resolves Client ID Metadata Documents (fetched with a size cap; http only for loopback outside production)", async () => {
    let body = "";
    const server = http.createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const docUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client.json`;
    try {
      body = JSON.stringify({ client_id: docUrl, client_name: "Doc Client", redirect_uris: [REDIRECT] });
      const client = await resolveClient(database.db, docUrl);
      expect(client).toMatchObject({ kind: "metadata_document", name: "Doc Client", redirectUris: [REDIRECT] });

      body = JSON.stringify({ client_id: "https://someone-else.example/c.json", client_name: "Doc Client", redirect_uris: [REDIRECT] });
      await expect(resolveClient(database.db, `${docUrl}?v=2`)).rejects.toMatchObject({ code: "invalid_client" });
      body = JSON.stringify({ client_id: `${docUrl}?v=3`, client_name: "x".repeat(70_000), redirect_uris: [REDIRECT] });
      await expect(resolveClient(database.db, `${docUrl}?v=3`)).rejects.toMatchObject({ code: "invalid_client" });

      // The running app is a production build: an http metadata URL is refused there.
      const { challenge } = pkce();
      const res = await fetch(`${urls.authorizationEndpoint}?${new URLSearchParams(authParams(challenge, { client_id: docUrl }) as Record<string, string>)}`, { redirect: "manual" });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("must use https");
    } finally {
      server.close();
    }
  });

  it("ends a grant whose key row is revoked or expired from the API keys page, and purges old secrets", async () => {
    const tokens = await tokensFor(users.approver, "demo");
    expect((await mcp(tokens.access_token, initialize)).status).toBe(200);
    const grant = await database.db.oAuthGrant.findFirstOrThrow({ where: { userId: users.approver, revokedAt: null }, orderBy: { createdAt: "desc" } });
    await database.db.apiKey.update({ where: { id: grant.apiKeyId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await mcp(tokens.access_token, initialize)).status).toBe(401);

    const later = new Date(Date.now() + 31 * 86_400_000 + 8 * 86_400_000);
    const purged = await purgeExpiredOAuthSecrets(database.db, later);
    expect(purged.codes).toBeGreaterThan(0);
    expect(purged.tokens).toBeGreaterThan(0);
    expect(await database.db.oAuthToken.count()).toBe(0);
  });

  it("keeps API keys working unchanged next to OAuth, and the audit chains verify", async () => {
    const { secret } = await issueApiKey(database.db, { tenantId: tenants.demo, name: "pasted", preset: "metrics:read" });
    const client = await connect(secret);
    const res = (await client.callTool({ name: "search_members", arguments: { query: "a" } })) as CallToolResult;
    expect(res.isError).toBe(true); // API keys keep the tool error, not a 403
    await client.close();
    for (const chain of [tenants.demo, tenants.demoB, null]) {
      expect(await verifyAuditChain(database.db, chain)).toMatchObject({ ok: true });
    }
  });
});
