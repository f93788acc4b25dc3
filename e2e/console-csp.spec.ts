// Content Security Policy in real Chromium: every console page loads and hydrates under a policy
// whose scripts need the response's nonce (no 'unsafe-inline'), without a single CSP violation; an
// inline script injected into a page's HTML, or an inline event handler added later, does not run.
import crypto from "node:crypto";
import { expect, test, type BrowserContext, type Page, type Response } from "@playwright/test";
import { USERS, signIn } from "./console-helpers";

test.describe.configure({ mode: "serial" });

type Violation = { directive: string; blocked: string; sample: string; page: string };

/** Records every securitypolicyviolation event and every CSP message on the console. */
async function watchViolations(context: BrowserContext): Promise<{ events: (page: Page) => Promise<Violation[]>; messages: string[] }> {
  // Installed through the DevTools protocol, which the page's CSP does not govern.
  await context.addInitScript(() => {
    const seen: unknown[] = [];
    (window as unknown as { __cspViolations: unknown[] }).__cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (e) => {
      seen.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, page: location.pathname });
    });
  });
  const messages: string[] = [];
  context.on("console", (msg) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(msg.text())) messages.push(`${msg.location().url}: ${msg.text()}`);
  });
  return {
    messages,
    events: (page) => page.evaluate(() => (window as unknown as { __cspViolations?: Violation[] }).__cspViolations ?? []),
  };
}

function scriptSources(response: Response | null): string {
  const policy = response?.headers()["content-security-policy"] ?? "";
  return /script-src ([^;]*)/.exec(policy)?.[1] ?? "";
}

/** The page's policy: a fresh nonce, 'strict-dynamic', never 'unsafe-inline' for scripts. */
function expectNoncePolicy(response: Response | null, path: string): string {
  const scripts = scriptSources(response);
  expect(scripts, path).toMatch(/'nonce-[A-Za-z0-9+/=]{16,}'/);
  expect(scripts, path).toContain("'strict-dynamic'");
  expect(scripts, path).not.toContain("unsafe-inline");
  expect(scripts, path).not.toContain("unsafe-eval");
  const headers = response?.headers() ?? {};
  expect(headers["x-frame-options"], path).toBe("DENY");
  expect(headers["x-content-type-options"], path).toBe("nosniff");
  expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
  return /'nonce-([^']+)'/.exec(scripts)?.[1] ?? "";
}

/** Next.js's client runtime sets window.next once its (nonced) scripts have run. */
async function expectHydrated(page: Page, path: string) {
  await expect.poll(() => page.evaluate(() => typeof (window as unknown as { next?: unknown }).next), { message: `${path} hydrated` }).toBe("object");
}

test("every console page runs its scripts under a nonce policy with no CSP violation", async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  const watch = await watchViolations(context);
  const page = await context.newPage();
  const nonces = new Set<string>();
  const visited: string[] = [];

  async function visit(path: string, ready: () => Promise<void>) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(200);
    nonces.add(expectNoncePolicy(response, path));
    await ready();
    await expectHydrated(page, path);
    await page.waitForLoadState("networkidle");
    expect(await watch.events(page), path).toEqual([]);
    visited.push(path);
  }

  await visit("/sign-in", () => expect(page.getByRole("heading", { name: "Sign in to the console" })).toBeVisible());
  await signIn(page, USERS.admin);
  await visit("/t/demo", () => expect(page.locator('[data-testid^="signed-in-as"]:visible')).toContainText(USERS.admin));
  await visit("/t/demo/keys", () => expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible());
  await visit("/t/demo/approvals", () => expect(page.getByRole("heading", { level: 1 })).toBeVisible());
  await visit("/t/demo/audit", () => expect(page.getByRole("heading", { level: 1 })).toBeVisible());
  const eventHref = await page.evaluate(() => [...document.querySelectorAll("a")].map((a) => a.getAttribute("href") ?? "").find((h) => /^\/t\/demo\/audit\/\d+$/.test(h)));
  expect(eventHref).toMatch(/^\/t\/demo\/audit\/\d+$/);
  await visit(eventHref ?? "", () => expect(page.getByRole("heading", { level: 1 })).toBeVisible());
  await visit("/t/demo/metrics", () => expect(page.getByRole("heading", { level: 1 })).toBeVisible());
  await visit("/t/demo/metrics/gmv", () => expect(page.getByRole("heading", { level: 1 })).toBeVisible());
  await visit("/t/demo/users", () => expect(page.getByTestId("user-row").first()).toBeVisible());
  await visit("/t/demo/connected-apps", () => expect(page.getByRole("heading", { level: 1 })).toBeVisible());
  await visit("/t/demo/forbidden?need=admin", () => expect(page.getByRole("heading", { level: 1 })).toBeVisible());

  // OAuth consent: a client registers itself and sends the user to authorize, as an MCP client does.
  const redirectUri = "http://127.0.0.1:9/callback";
  const registered = await page.request.post("/oauth/register", {
    data: { client_name: "CSP check", redirect_uris: [redirectUri], grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: "none" },
  });
  expect(registered.status()).toBe(201);
  const { client_id } = (await registered.json()) as { client_id: string };
  const verifier = crypto.randomBytes(32).toString("base64url");
  const authorize = new URLSearchParams({
    response_type: "code",
    client_id,
    redirect_uri: redirectUri,
    code_challenge: crypto.createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    state: "csp",
    scope: "metrics:read",
    resource: `${baseURL}/api/mcp`,
  });
  await page.goto(`/oauth/authorize?${authorize}`);
  await expect(page).toHaveURL(/\/oauth\/consent\?/);
  const consentPath = new URL(page.url()).pathname + new URL(page.url()).search;
  await visit(consentPath, () => expect(page.getByText("CSP check").first()).toBeVisible());

  // Client-side navigation loads further chunks through the nonced runtime ('strict-dynamic').
  await page.goto("/t/demo");
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Audit log" }).click();
  await expect(page).toHaveURL(/\/t\/demo\/audit$/);
  await page.waitForLoadState("networkidle");
  expect(await watch.events(page), "after client navigation").toEqual([]);

  expect(visited).toHaveLength(12);
  expect(nonces.size, "a fresh nonce for every response").toBe(visited.length);
  expect(watch.messages).toEqual([]);
  await context.close();
});

test("an inline script injected into the HTML, or an inline handler added later, does not run", async ({ browser }) => {
  const context = await browser.newContext();
  const watch = await watchViolations(context);
  const page = await context.newPage();
  await signIn(page, USERS.auditor);
  // What a stored XSS that got past escaping would put in the page: parser-inserted inline scripts,
  // one without a nonce and one with a guessed nonce. The server's own headers, nonce included, are kept.
  await page.route("**/t/demo/audit", async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace(
      "</body>",
      `<script>window.__injected = "plain"</script><script nonce="guessed-nonce-value">window.__injectedNonce = "guessed"</script></body>`,
    );
    await route.fulfill({ response, body: html });
  });
  const response = await page.goto("/t/demo/audit");
  expectNoncePolicy(response, "/t/demo/audit");
  // The page's own nonced scripts ran: it hydrated.
  await expectHydrated(page, "/t/demo/audit");
  expect(await page.evaluate(() => (window as unknown as { __injected?: string }).__injected ?? null)).toBeNull();
  expect(await page.evaluate(() => (window as unknown as { __injectedNonce?: string }).__injectedNonce ?? null)).toBeNull();

  // Markup added after load (innerHTML from a compromised response): the inline handler is blocked.
  await page.evaluate(() => document.body.insertAdjacentHTML("beforeend", `<img src="data:," onerror="window.__handler='ran'" onload="window.__handler='ran'">`));
  await page.waitForTimeout(200);
  expect(await page.evaluate(() => (window as unknown as { __handler?: string }).__handler ?? null)).toBeNull();

  const blocked = await watch.events(page);
  expect(blocked.map((v) => v.directive).sort()).toEqual(expect.arrayContaining(["script-src-elem", "script-src-elem", "script-src-attr"]));
  expect(blocked.filter((v) => v.directive === "script-src-elem")).toHaveLength(2);
  await context.close();
});
