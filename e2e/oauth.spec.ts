// OAuth journey with the official MCP SDK client: it discovers the server (401 → protected resource
// metadata → authorization server metadata), registers itself, and hands the authorization URL to
// Chromium, where a person signs in to the console and consents. The redirect lands on a loopback
// callback served by this test; finishAuth exchanges the code, and the client calls tools with the
// token. Then the refusals only a browser can show: scope escalation at consent, framing, and
// disconnecting the app in the console.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { USERS, demoPassword, screenshot } from "./console-helpers";

test.describe.configure({ mode: "serial" });

type Callback = { code: string | null; state: string | null; error: string | null };

/** A loopback redirect URI (RFC 8252) that records what the authorization server sends back. */
async function startCallbackServer(): Promise<{ url: string; next: () => Promise<Callback>; close: () => Promise<void> }> {
  let waiting: ((c: Callback) => void) | undefined;
  const received: Callback[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/callback") {
      const cb = { code: url.searchParams.get("code"), state: url.searchParams.get("state"), error: url.searchParams.get("error") };
      if (waiting) waiting(cb);
      else received.push(cb);
      waiting = undefined;
    }
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end("<!doctype html><title>Connected</title><h1>You can close this window</h1>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    next: () => {
      const queued = received.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => (waiting = resolve));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The SDK's OAuthClientProvider, in memory; the authorization URL goes to the Playwright page. */
class TestProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  authorizationUrl: URL | undefined;
  constructor(readonly redirect: string) {}
  get redirectUrl(): string {
    return this.redirect;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: "E2E Agent", redirect_uris: [this.redirect], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" };
  }
  state(): string {
    return crypto.randomBytes(16).toString("base64url");
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

async function signInOnPage(page: Page, email: string) {
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(demoPassword());
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/oauth\/consent\?/);
}

/** A fresh authorization URL for an already registered client (for the negative journeys). */
function authorizationUrl(baseURL: string, clientId: string, redirect: string, scope: string): string {
  const verifier = crypto.randomBytes(32).toString("base64url");
  const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
  const params = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: redirect, code_challenge: challenge, code_challenge_method: "S256", state: "neg", scope, resource: `${baseURL}/api/mcp` });
  return `${baseURL}/oauth/authorize?${params}`;
}

let callback: Awaited<ReturnType<typeof startCallbackServer>>;
let provider: TestProvider;

test.beforeAll(async () => {
  callback = await startCallbackServer();
  provider = new TestProvider(callback.url);
});
test.afterAll(async () => {
  await callback?.close();
});

test("the SDK client connects through sign-in and consent in the browser, then calls tools with its token", async ({ page, baseURL }) => {
  const mcpUrl = new URL(`${baseURL}/api/mcp`);
  const first = new Client({ name: "e2e-oauth", version: "1.0.0" });
  // No token yet: 401 → discovery → dynamic registration → redirectToAuthorization → UnauthorizedError.
  await expect(first.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }))).rejects.toBeInstanceOf(UnauthorizedError);
  expect(provider.info?.client_id).toMatch(/^sc_client_/);
  const authUrl = provider.authorizationUrl;
  expect(authUrl?.searchParams.get("resource")).toBe(`${baseURL}/api/mcp`);
  expect(authUrl?.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authUrl?.searchParams.get("scope")).toBe("metrics:read");

  await page.goto(String(authUrl));
  await signInOnPage(page, USERS.admin);
  await expect(page.getByTestId("consent-client-name")).toHaveText("E2E Agent");
  await expect(page.getByTestId("consent-redirect-uri")).toHaveText(callback.url);
  await expect(page.getByLabel(/Metrics \(read-only\)/)).toBeChecked();
  await screenshot(page, "oauth-consent");
  const landed = callback.next();
  await page.getByRole("button", { name: "Allow" }).click();
  const result = await landed;
  expect(result.error).toBeNull();
  expect(result.code).toMatch(/^sc_ac_/);
  await expect(page).toHaveURL(new RegExp(`^${callback.url}`));

  const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  await transport.finishAuth(result.code ?? "");
  expect(provider.saved).toMatchObject({ token_type: "Bearer", scope: "metrics:read" });
  const client = new Client({ name: "e2e-oauth", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toContain("query_metric");
  expect(tools.map((t) => t.name)).not.toContain("search_members");
  const metrics = (await client.callTool({ name: "list_metrics", arguments: {} })) as CallToolResult;
  expect(metrics.isError).toBeFalsy();
  await client.close();
});

test("the consent page cannot be framed", async ({ page, baseURL }) => {
  const url = authorizationUrl(baseURL ?? "", provider.info?.client_id ?? "", callback.url, "metrics:read");
  await page.goto(url);
  await signInOnPage(page, USERS.admin);
  const response = await page.request.get(page.url());
  expect(response.status()).toBe(200);
  expect(response.headers()["x-frame-options"]).toBe("DENY");
  expect(response.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  // And a framing page really gets nothing: the browser refuses to render it.
  const consentUrl = page.url();
  await page.goto(`${baseURL}/api/health`);
  await page.setContent(`<iframe id="f" src="${consentUrl}" width="600" height="400"></iframe>`);
  await page.waitForTimeout(1000);
  const frame = page.frames().find((f) => f.url().includes("/oauth/consent"));
  const rendered = frame ? await frame.locator("[data-testid=consent-form]").count().catch(() => 0) : 0;
  expect(rendered).toBe(0);
});

test("a non-admin cannot grant a write scope, even by re-enabling the checkbox", async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(authorizationUrl(baseURL ?? "", provider.info?.client_id ?? "", callback.url, "metrics:read points:write"));
  await signInOnPage(page, USERS.approver);
  const box = page.getByRole("checkbox", { name: /points:write/ });
  await expect(box).toBeDisabled();
  await box.evaluate((el) => {
    (el as HTMLInputElement).disabled = false;
    (el as HTMLInputElement).checked = true;
  });
  await page.getByRole("button", { name: "Allow" }).click();
  await expect(page.getByTestId("consent-error")).toHaveAttribute("data-code", "invalid_scope");
  await expect(page.getByTestId("consent-error")).toContainText("Only a tenant admin");
  await expect(page).toHaveURL(/\/oauth\/consent\?/);
  await screenshot(page, "oauth-consent-escalation");
  await context.close();
});

test("the app is listed under Connected apps and disconnecting it stops its token at once", async ({ page, request, baseURL }) => {
  await page.goto(`${baseURL}/t/demo/connected-apps`);
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel("Email").fill(USERS.admin);
  await page.getByLabel("Password").fill(demoPassword());
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Connected apps", level: 1 })).toBeVisible();
  const row = page.getByTestId("connected-app-row").filter({ hasText: "E2E Agent" }).first();
  await expect(row).toContainText(USERS.admin);
  await expect(row).toContainText("metrics:read");
  await expect(row).toContainText("active");
  await screenshot(page, "oauth-connected-apps");

  const token = provider.saved?.access_token ?? "";
  const init = () =>
    request.post("/api/mcp", {
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      data: { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "e2e", version: "0" } } },
    });
  expect((await init()).status()).toBe(200);
  await row.getByRole("button", { name: "Disconnect E2E Agent" }).click();
  await expect(row).toContainText(/Disconnected|revoked/);
  const refused = await init();
  expect(refused.status()).toBe(401);
  expect(refused.headers()["www-authenticate"]).toContain('error="invalid_token"');
  expect(refused.headers()["www-authenticate"]).toContain("resource_metadata=");
});
