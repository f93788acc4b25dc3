// Stored (and reflected) XSS in the console. Payloads go in through the doors an attacker has: key
// and user names posted to server actions, an agent's write-request arguments and MCP client
// identity (clientInfo, User-Agent, resource URIs, made-up tool names) over /api/mcp, a self-registered
// OAuth client's name, a rejection reason, and — for data an operator or an import would hold —
// member, store, tier and tenant names written straight into the database. Every console page that
// shows them is then fetched over HTTP (the payload must appear only escaped) and opened in real
// Chromium, where no dialog may open, no window flag may be set and no payload may become an element,
// while the payload text is visibly there (so a page that failed to render it proves nothing).
import type { Browser, Page } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import { testRuntime } from "@/test/database";
import {
  actionsFromBuild,
  browserContextFor,
  callAction,
  get,
  launchChromium,
  mcp,
  requestWrite,
  resultOf,
  signIn,
  startTarget,
  type ActionRef,
  type Session,
  type Target,
} from "./console-attacker";

const ROOT = "root@shop.test";
const APPROVER = "approver@shop.test";

/** Each payload sets window.__xss to its own name and opens a dialog, if it ever runs. */
const P = {
  script: `<script>window.__xss='script';alert('script')</script>`,
  img: `<img src=x onerror="window.__xss='img';alert('img')">`,
  svg: `"><svg onload="window.__xss='svg';alert('svg')">`,
  js: `javascript:window.__xss='js';alert('js')`,
  close: `</script><script>window.__xss='close'</script>`,
  attr: `' autofocus onfocus='window.__xss=1' x='`,
} as const;
type PayloadName = keyof typeof P;

/** Raw markup that must never reach the HTML unescaped (the RSC payload escapes "<" too). */
const RAW_MARKUP = ["<script>window.__xss", "<img src=x onerror", "<svg onload", "</script><script>window.__xss"];

describe(`stored XSS in the console on ${testRuntime()}`, () => {
  let t: Target;
  let root: Session;
  let approver: Session;
  let actions: Record<string, ActionRef>;
  let browser: Browser;
  const eventIds: Record<string, string> = {};
  let consentPath = "";

  async function act(session: Session, action: string, path: string, fields: Record<string, string | string[]>, noPrevState = false) {
    return resultOf(await callAction(session, { path, actionId: actions[action]?.id ?? "", fields, noPrevState }));
  }

  beforeAll(async () => {
    t = await startTarget([
      { email: ROOT, roles: { demo: ["admin", "approver", "auditor"] } },
      { email: APPROVER, roles: { demo: ["approver"] } },
    ]);
    actions = actionsFromBuild();
    root = await signIn(t.baseUrl, ROOT);
    approver = await signIn(t.baseUrl, APPROVER);
    const db = t.database.db;

    // Key names and user names, posted to the admin's own server actions.
    let agentSecret = "";
    for (const [name, payload] of Object.entries(P)) {
      const issued = await act(root, "issueKeyAction", "/t/demo/keys", { tenant: "demo", name: payload, preset: "analyst", scopes: name === "img" ? ["members:write"] : [] });
      expect(issued.status, name).toBe("issued");
      if (name === "img") agentSecret = String((issued.key as { secret: string }).secret);
      const created = await act(root, "createUserAction", "/t/demo/users", { tenant: "demo", email: `xss-${name}@shop.test`, name: payload, password: "a long enough password", roles: ["auditor"] });
      expect(created.status, name).toBe("done");
    }

    // Data an operator or an import holds: member, store, tier and tenant names.
    const member = await db.member.findFirstOrThrow({ where: { tenantId: t.tenants.demo }, orderBy: { externalId: "asc" } });
    await db.member.update({ where: { id: member.id }, data: { name: P.svg } });
    const stores = await db.store.findMany({ where: { tenantId: t.tenants.demo } });
    for (const store of stores) await db.store.update({ where: { id: store.id }, data: { name: `${P.img} ${store.code}` } });
    const tier = await db.tier.findFirstOrThrow({ where: { tenantId: t.tenants.demo }, orderBy: { rank: "desc" } });
    await db.tier.update({ where: { id: tier.id }, data: { name: P.close } });
    await db.tenant.update({ where: { id: t.tenants.demo }, data: { name: `Demo ${P.img}` } });

    // An agent's write requests, with payloads in their arguments; one rejected with a payload reason.
    const created = await requestWrite(t.baseUrl, agentSecret, "create_member", { externalId: "xss-new", name: P.script });
    await requestWrite(t.baseUrl, agentSecret, "update_member", { member: member.externalId, name: P.js });
    const rejected = await requestWrite(t.baseUrl, agentSecret, "create_member", { externalId: "xss-rejected", name: P.attr });
    const decided = await act(approver, "decideApprovalAction", "/t/demo/approvals", { tenant: "demo", requestId: rejected, decision: "reject", reason: P.img }, true);
    expect(decided.status).toBe("decided");
    eventIds.writeRequest = (await db.auditEvent.findFirstOrThrow({ where: { writeRequestId: created, action: "create_member" } })).id.toString();

    // MCP client identity and made-up names, all of which the audit log records.
    const reader = await issueApiKey(db, { tenantId: t.tenants.demo, name: P.attr, preset: "analyst" });
    const init = await mcp(t.baseUrl, reader.secret, "initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: P.script, version: P.svg } });
    expect(init.status).toBe(200);
    await mcp(t.baseUrl, reader.secret, "tools/list", {}, { "User-Agent": P.img });
    await mcp(t.baseUrl, reader.secret, "resources/read", { uri: P.svg });
    await mcp(t.baseUrl, reader.secret, "tools/call", { name: P.img, arguments: { note: P.close } });
    await mcp(t.baseUrl, reader.secret, "tools/call", { name: "query_metric", arguments: { metric: P.script, window: P.js } });
    const find = async (where: Record<string, unknown>) => (await db.auditEvent.findFirstOrThrow({ where: { tenantId: t.tenants.demo, ...where }, orderBy: { id: "desc" } })).id.toString();
    eventIds.initialize = await find({ action: "initialize" });
    eventIds.userAgent = await find({ action: "tools/list" });
    eventIds.resource = await find({ action: "resources/read" });
    eventIds.unknownTool = await find({ action: P.img });
    eventIds.metricArgs = await find({ action: "query_metric" });
    eventIds.keyCreate = await find({ action: "key.create" });
    eventIds.userCreate = await find({ action: "user.create" });
    eventIds.reject = await find({ action: "write.reject" });

    // A self-registered OAuth client (public endpoint) with a payload name, connected by root.
    const redirectUri = "http://127.0.0.1:45678/callback";
    const registered = await fetch(`${t.baseUrl}/oauth/register`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: P.svg, redirect_uris: [redirectUri], token_endpoint_auth_method: "none", grant_types: ["authorization_code", "refresh_token"] }),
    });
    expect(registered.status).toBe(201);
    const { client_id: clientId } = (await registered.json()) as { client_id: string };
    const client = await db.oAuthClient.findUniqueOrThrow({ where: { clientId } });
    const grantKey = await issueApiKey(db, { tenantId: t.tenants.demo, name: "oauth grant key", preset: "metrics:read", issuerId: t.users[ROOT] });
    await db.oAuthGrant.create({
      data: { tenantId: t.tenants.demo, userId: t.users[ROOT] ?? "", clientId: client.id, apiKeyId: grantKey.key.id, preset: "metrics:read", scopes: ["metrics:read"], resource: `${t.baseUrl}/api/mcp` },
    });
    consentPath = `/oauth/consent?${new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirectUri,
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
      state: P.close,
      scope: "metrics:read",
      resource: `${t.baseUrl}/api/mcp`,
    })}`;

    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  /** The pages, who looks at them, and which payloads each must visibly show as text. */
  function pages(): { path: string; as: Session | null; shows: PayloadName[] }[] {
    const reflected = new URLSearchParams({ q: P.script, actor: P.svg, action: P.img, from: P.close, outcome: P.attr });
    return [
      { path: "/t", as: root, shows: ["img"] },
      { path: "/t/demo", as: root, shows: ["img"] },
      { path: "/t/demo/keys", as: root, shows: ["script", "img", "svg", "js", "close", "attr"] },
      { path: `/t/demo/keys?q=${encodeURIComponent(P.svg)}`, as: root, shows: ["svg"] },
      { path: "/t/demo/users", as: root, shows: ["script", "img", "svg", "js", "close", "attr"] },
      { path: "/t/demo/approvals", as: root, shows: ["script", "img", "svg", "js"] },
      { path: "/t/demo/audit", as: root, shows: ["img", "svg", "attr"] },
      { path: `/t/demo/audit?${reflected}`, as: root, shows: [] },
      { path: `/t/demo/audit/${eventIds.initialize}`, as: root, shows: ["script", "svg", "attr"] },
      { path: `/t/demo/audit/${eventIds.userAgent}`, as: root, shows: ["img"] },
      { path: `/t/demo/audit/${eventIds.resource}`, as: root, shows: ["svg"] },
      { path: `/t/demo/audit/${eventIds.unknownTool}`, as: root, shows: ["img"] },
      { path: `/t/demo/audit/${eventIds.metricArgs}`, as: root, shows: [] },
      { path: `/t/demo/audit/${eventIds.writeRequest}`, as: root, shows: ["img"] },
      { path: `/t/demo/audit/${eventIds.keyCreate}`, as: root, shows: [] },
      { path: `/t/demo/audit/${eventIds.userCreate}`, as: root, shows: [] },
      { path: `/t/demo/audit/${eventIds.reject}`, as: root, shows: [] },
      { path: "/t/demo/metrics", as: root, shows: [] },
      { path: "/t/demo/metrics/gmv", as: root, shows: ["img"] },
      { path: "/t/demo/metrics/active_members", as: root, shows: [] },
      { path: `/t/demo/metrics/${encodeURIComponent(P.script)}`, as: root, shows: [] },
      { path: "/t/demo/connected-apps", as: root, shows: ["svg"] },
      { path: `/t/demo/forbidden?need=${encodeURIComponent(P.script)}`, as: root, shows: [] },
      { path: consentPath, as: root, shows: ["svg"] },
      { path: `/sign-in?${new URLSearchParams({ error: P.script, callbackUrl: P.js })}`, as: null, shows: [] },
    ];
  }

  it("serves every console page with a CSP and with each stored payload escaped in the HTML", async () => {
    for (const { path, as } of pages()) {
      const res = await get(as ?? { baseUrl: t.baseUrl }, path);
      expect(res.status, path).toBeLessThan(500);
      const csp = res.headers.get("content-security-policy") ?? "";
      for (const directive of ["default-src 'self'", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "form-action 'self'"]) {
        expect(csp, `${path} CSP`).toContain(directive);
      }
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? "";
      expect(scriptSrc, `${path} script-src`).not.toMatch(/unsafe-eval|\*|data:|http:|https:/);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      const html = await res.text();
      expect(RAW_MARKUP.filter((raw) => html.includes(raw)), `${path} contains raw markup`).toEqual([]);
      // React quotes attributes with " and escapes " inside them, so no payload opens an attribute of
      // its own: outside scripts and quoted values, no tag carries an event handler.
      const tags = html.replace(/<script[\s\S]*?<\/script>/gi, "").replace(/"[^"]*"/g, '""');
      expect(tags.match(/<[a-z][^>]*\son[a-z]+\s*=/gi), `${path} event handler attribute`).toBeNull();
      expect(/(href|src|action|formaction)\s*=\s*["']?\s*javascript:/i.test(html), `${path} javascript: URL`).toBe(false);
    }
    // The escaping is visible, not an accident of the payload being absent.
    const keysHtml = await (await get(root, "/t/demo/keys")).text();
    expect(keysHtml).toContain("&lt;img src=x onerror=");
    expect(keysHtml).toContain("&lt;/script&gt;&lt;script&gt;");
  });

  it("runs no payload in real Chromium on any console page, while showing each one as text", async () => {
    const dialogs: string[] = [];
    const contexts = new Map<Session | null, Awaited<ReturnType<typeof browserContextFor>>>();
    const pageFor = async (as: Session | null): Promise<Page> => {
      let context = contexts.get(as);
      if (!context) {
        context = await browserContextFor(browser, as);
        contexts.set(as, context);
      }
      const page = await context.newPage();
      page.on("dialog", (d) => {
        dialogs.push(`${page.url()}: ${d.message()}`);
        void d.dismiss();
      });
      return page;
    };
    try {
      for (const { path, as, shows } of pages()) {
        const page = await pageFor(as);
        await page.goto(`${t.baseUrl}${path}`, { waitUntil: "load" });
        await page.waitForTimeout(300);
        const seen = await page.evaluate(() => {
          const w = window as unknown as { __xss?: unknown };
          const attr = (e: Element) => e.getAttribute("href") ?? e.getAttribute("src") ?? e.getAttribute("action") ?? e.getAttribute("formaction") ?? "";
          return {
            flag: w.__xss ?? null,
            injected: document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload], [onfocus], [autofocus][onfocus], iframe[srcdoc]').length,
            jsUrls: [...document.querySelectorAll("a, form, iframe, button, input")].filter((e) => /^\s*javascript:/i.test(attr(e))).length,
            text: `${document.title}\n${document.body.innerText}`,
            inputs: [...document.querySelectorAll("input, textarea, option")].map((e) => (e as HTMLInputElement).value ?? "").join("\n"),
          };
        });
        expect(seen.flag, path).toBeNull();
        expect(seen.injected, `${path} injected elements`).toBe(0);
        expect(seen.jsUrls, `${path} javascript: URLs`).toBe(0);
        const visible = `${seen.text}\n${seen.inputs}`;
        expect(shows.filter((name) => !visible.includes(P[name])), `${path}: payloads not shown as text in ${JSON.stringify(seen.text.slice(0, 600))}`).toEqual([]);
        await page.close();
      }

      // Client-rendered views: the approvals queue re-rendered from its polling API, and a key's
      // revoke dialog that puts the name into a <dialog> title.
      const approvals = await pageFor(root);
      await approvals.goto(`${t.baseUrl}/t/demo/approvals`);
      await approvals.waitForResponse((r) => r.url().includes("/api/console/demo/approvals"), { timeout: 12_000 });
      await approvals.waitForTimeout(300);
      expect(await approvals.evaluate(() => (window as unknown as { __xss?: unknown }).__xss ?? null)).toBeNull();
      expect(await approvals.locator("body").innerText()).toContain(P.script);
      const keys = await pageFor(root);
      await keys.goto(`${t.baseUrl}/t/demo/keys`);
      await keys.getByRole("button", { name: `Revoke ${P.img}` }).click();
      await expect.poll(() => keys.locator('dialog[open][data-testid="revoke-dialog"]').getAttribute("aria-label")).toBe(`Revoke "${P.img}"?`);
      expect(await keys.evaluate(() => (window as unknown as { __xss?: unknown }).__xss ?? null)).toBeNull();

      // Canary: markup that does become an element is seen by the same checks, and its inline handler
      // is blocked by the CSP (scripts need the response's nonce; no 'unsafe-inline'): a second
      // control behind React's escaping.
      await keys.evaluate(() => document.body.insertAdjacentHTML("beforeend", `<img id="canary" src=x onerror="window.__xss='canary'">`));
      expect(await keys.locator("img#canary").count()).toBe(1);
      await keys.waitForTimeout(300);
      expect(await keys.evaluate(() => (window as unknown as { __xss?: unknown }).__xss ?? null)).toBeNull();
    } finally {
      for (const context of contexts.values()) await context.close();
    }
    expect(dialogs).toEqual([]);
    // Every console page in a real browser: ~40 s on a quiet two-core machine, more beside other suites.
  }, 180_000);
});
