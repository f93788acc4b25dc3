// CSRF against the console: every server action is a public POST endpoint, and the victim's browser
// holds a session cookie. A request carrying the victim's cookies but a foreign Origin (or the
// sandboxed "null" origin) must be refused before the action runs — checked over HTTP with the exact
// encodings a browser sends (React's fetch call and a JavaScript-free HTML form), and in real
// Chromium from an attacker's page on another site and on another origin of the same site. Every
// refusal is checked in the database, and the same requests from the app's own origin are shown to
// work, so a refusal is never an artefact of a malformed request.
import type { Request as PwRequest } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import { testRuntime } from "@/test/database";
import {
  EVIL_ORIGIN,
  KEY_SECRET,
  SESSION_COOKIE,
  actionsFromBuild,
  autoSubmitForm,
  browserContextFor,
  callAction,
  createOAuthGrant,
  get,
  launchChromium,
  noJsActionFields,
  postNoJsForm,
  request,
  requestWrite,
  resultOf,
  signIn,
  startEvilSite,
  startTarget,
  type ActionRef,
  type FormFields,
  type Session,
  type Target,
} from "./console-attacker";

const ADMIN = "admin@shop.test";
const APPROVER = "approver@shop.test";
const MALLORY = "mallory@shop.test";

describe(`console CSRF on ${testRuntime()}`, () => {
  let t: Target;
  let actions: Record<string, ActionRef>;
  let admin: Session;
  let approver: Session;
  let victimKeyId = "";
  let grantId = "";
  const pendingIds: string[] = [];

  /** One forged call per state-changing action, each naming the page it lives on and who it targets. */
  function forgeries(tag: string): { name: string; path: string; action: string; as: () => Session; fields: FormFields; prevState?: boolean }[] {
    return [
      { name: "issue a key with write and PII scopes", path: "/t/demo/keys", action: "issueKeyAction", as: () => admin, fields: { tenant: "demo", name: `csrf key ${tag}`, preset: "analyst", scopes: ["members:write", "points:write", "members:pii"], expiry: "never" }, prevState: true },
      { name: "revoke a key", path: "/t/demo/keys", action: "revokeKeyAction", as: () => admin, fields: { tenant: "demo", keyId: victimKeyId }, prevState: true },
      { name: "rotate a key", path: "/t/demo/keys", action: "rotateKeyAction", as: () => admin, fields: { tenant: "demo", keyId: victimKeyId }, prevState: true },
      { name: "create an admin user", path: "/t/demo/users", action: "createUserAction", as: () => admin, fields: { tenant: "demo", email: `csrf-${tag}@evil.test`, name: "CSRF", password: "attacker-password-123", roles: ["admin"] }, prevState: true },
      { name: "make the attacker an admin", path: "/t/demo/users", action: "setRolesAction", as: () => admin, fields: { tenant: "demo", userId: t.users[MALLORY] ?? "", roles: ["admin", "approver", "auditor"] }, prevState: true },
      { name: "deactivate the approver", path: "/t/demo/users", action: "setActiveAction", as: () => admin, fields: { tenant: "demo", userId: t.users[APPROVER] ?? "", active: "false" }, prevState: true },
      { name: "disconnect an app", path: "/t/demo/connected-apps", action: "revokeAppAction", as: () => admin, fields: { tenant: "demo", grantId }, prevState: true },
      { name: "approve a write request", path: "/t/demo/approvals", action: "decideApprovalAction", as: () => approver, fields: { tenant: "demo", requestId: pendingIds[0] ?? "", decision: "approve" } },
      { name: "reject a write request", path: "/t/demo/approvals", action: "decideApprovalAction", as: () => approver, fields: { tenant: "demo", requestId: pendingIds[0] ?? "", decision: "reject", reason: "csrf says no" } },
    ];
  }

  /** Everything the forgeries would change, to compare before and after. */
  async function snapshot() {
    const db = t.database.db;
    const [keys, users, mallory, approverUser, victim, grant, requests, consoleEvents] = await Promise.all([
      db.apiKey.count({ where: { tenantId: t.tenants.demo } }),
      db.user.count(),
      db.membership.findFirstOrThrow({ where: { userId: t.users[MALLORY], tenantId: t.tenants.demo } }),
      db.user.findUniqueOrThrow({ where: { id: t.users[APPROVER] } }),
      db.apiKey.findUniqueOrThrow({ where: { id: victimKeyId } }),
      db.oAuthGrant.findUniqueOrThrow({ where: { id: grantId } }),
      db.writeRequest.findMany({ where: { id: { in: pendingIds } }, select: { id: true, status: true }, orderBy: { id: "asc" } }),
      db.auditEvent.count({ where: { surface: "console", action: { notIn: ["audit.read", "audit.export", "audit.verify", "approvals.read"] } } }),
    ]);
    return {
      keys,
      users,
      malloryRoles: mallory.roles,
      approverActive: approverUser.active,
      victim: { revokedAt: victim.revokedAt, replacedById: victim.replacedById },
      grantRevoked: grant.revokedAt,
      requests,
      consoleEvents,
    };
  }

  beforeAll(async () => {
    t = await startTarget([
      { email: ADMIN, roles: { demo: ["admin"] } },
      { email: APPROVER, roles: { demo: ["approver"] } },
      { email: MALLORY, roles: { demo: ["auditor"] } },
    ]);
    actions = actionsFromBuild();
    const db = t.database.db;
    victimKeyId = (await issueApiKey(db, { tenantId: t.tenants.demo, name: "victim key", preset: "metrics:read", issuerId: t.users[ADMIN] })).key.id;
    grantId = (await createOAuthGrant(t, { tenantId: t.tenants.demo, userId: t.users[ADMIN] ?? "", clientName: "Victim's Claude" })).grantId;
    const agent = await issueApiKey(db, { tenantId: t.tenants.demo, name: "agent", preset: "analyst", grantedScopes: ["members:write"], issuerId: t.users[ADMIN] });
    for (const id of ["csrf-1", "csrf-2"]) pendingIds.push(await requestWrite(t.baseUrl, agent.secret, "create_member", { externalId: id, name: `Member ${id}` }));
    pendingIds.sort();
    admin = await signIn(t.baseUrl, ADMIN);
    approver = await signIn(t.baseUrl, APPROVER);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("keeps every console cookie HttpOnly and SameSite=Lax", async () => {
    const seen = [...admin.jar.seen, ...approver.jar.seen];
    const names = new Set(seen.map((c) => c.name));
    expect(names).toContain(SESSION_COOKIE);
    expect(names).toContain("next-auth.csrf-token");
    for (const c of seen) {
      expect(c.attributes.httponly, `${c.name} HttpOnly`).toBe(true);
      expect(String(c.attributes.samesite).toLowerCase(), `${c.name} SameSite`).toBe("lax");
      expect(c.attributes.path, `${c.name} Path`).toBe("/");
    }
    // The session cookie cannot be read by page scripts: GET /api/auth/session answers without the token.
    const session = await get(admin, "/api/auth/session");
    expect(await session.text()).not.toContain(admin.jar.get(SESSION_COOKIE) ?? "-");
  });

  it("refuses every state-changing server action sent with the victim's cookies and a foreign Origin", async () => {
    const before = await snapshot();
    const port = new URL(t.baseUrl).port;
    const foreignOrigins = [EVIL_ORIGIN, "null", `http://127.0.0.1:${Number(port) + 1}`, `http://127.0.0.1.evil.example:${port}`, `http://localhost:${port}`, `http://127.0.0.1:${port}.evil.example`];
    for (const [i, origin] of foreignOrigins.entries()) {
      for (const f of forgeries(`fetch-${i}`)) {
        const victim = f.as();
        const res = await callAction(victim, { path: f.path, actionId: actions[f.action]?.id ?? "", fields: f.fields, noPrevState: !f.prevState, origin });
        expect(res.status, `${f.name} from ${origin}`).toBe(500);
        // Next.js refuses before the action runs: no action result comes back, at most an error digest.
        expect(res.result === undefined || (res.result as { thrown?: unknown }).thrown !== undefined, `${f.name} from ${origin}: ${res.text.slice(0, 200)}`).toBe(true);
        expect(res.text).not.toMatch(KEY_SECRET);
      }
    }
    expect(await snapshot()).toEqual(before);
    expect(t.app.logs()).toContain("Aborting the action");
  });

  it("refuses the same forgeries sent as JavaScript-free cross-site HTML forms", async () => {
    const before = await snapshot();
    for (const origin of [EVIL_ORIGIN, "null"]) {
      for (const f of forgeries("form")) {
        const fields = noJsActionFields(actions[f.action]?.id ?? "", f.fields, f.prevState ? { status: "idle" } : undefined);
        const res = await postNoJsForm(f.as(), { path: f.path, fields, origin });
        expect(res.status, `${f.name} from ${origin}`).toBe(500);
        expect(res.text).not.toMatch(KEY_SECRET);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it("in real Chromium, an attacker's page on another site or another origin of the same site cannot make the victim act", async () => {
    const before = await snapshot();
    const evil = await startEvilSite();
    const browser = await launchChromium();
    try {
      const approve = { ...noJsActionFields(actions.decideApprovalAction?.id ?? "", { tenant: "demo", requestId: pendingIds[0] ?? "", decision: "approve" }) };
      const promote = noJsActionFields(actions.setRolesAction?.id ?? "", { tenant: "demo", userId: t.users[MALLORY] ?? "", roles: ["admin"] }, { status: "idle" });
      const issue = noJsActionFields(actions.issueKeyAction?.id ?? "", { tenant: "demo", name: "csrf browser key", preset: "analyst", scopes: ["members:write"] }, { status: "idle" });
      evil.pages.set("/approve", autoSubmitForm(`${t.baseUrl}/t/demo/approvals`, approve));
      evil.pages.set("/approve-no-referrer", autoSubmitForm(`${t.baseUrl}/t/demo/approvals`, approve, { noReferrer: true }));
      evil.pages.set("/promote", autoSubmitForm(`${t.baseUrl}/t/demo/users`, promote));
      evil.pages.set("/issue", autoSubmitForm(`${t.baseUrl}/t/demo/keys`, issue));
      const victims: Record<string, Session> = { "/approve": approver, "/approve-no-referrer": approver, "/promote": admin, "/issue": admin };

      for (const host of ["localhost", "127.0.0.1"]) {
        for (const [pagePath, victim] of Object.entries(victims)) {
          const context = await browserContextFor(browser, victim);
          const page = await context.newPage();
          const posts: PwRequest[] = [];
          page.on("request", (r) => {
            if (r.method() === "POST" && r.url().startsWith(t.baseUrl)) posts.push(r);
          });
          const landed = page.waitForResponse((r) => r.request().method() === "POST" && r.url().startsWith(t.baseUrl));
          await page.goto(`http://${host}:${evil.port}${pagePath}`);
          const response = await landed;
          const post = posts[0];
          expect(post, `${host}${pagePath} posted`).toBeDefined();
          const headers = await post?.allHeaders();
          // Browsers always name the origin of a cross-origin POST ("null" under no-referrer).
          expect(headers?.origin, `${host}${pagePath} Origin`).toBe(pagePath.includes("no-referrer") ? "null" : `http://${host}:${evil.port}`);
          const cookieSent = (headers?.cookie ?? "").includes(SESSION_COOKIE);
          // Another site: SameSite=Lax keeps the session home. Same site, other port: the cookie
          // travels, and the Origin check alone stops the request.
          expect(cookieSent, `${host}${pagePath} cookie sent`).toBe(host === "127.0.0.1");
          expect(response.status(), `${host}${pagePath}`).toBe(500);
          await context.close();
        }
      }
    } finally {
      await browser.close();
      await evil.stop();
    }
    expect(await snapshot()).toEqual(before);
  });

  it("lets no cross-origin page read console data: GET routes send no CORS grant, refuse other methods, and next-auth's POSTs need its token", async () => {
    for (const path of ["/t/demo/audit/export?format=csv", "/api/console/demo/approvals", "/api/console/demo/skill", "/api/auth/session", "/t/demo/keys"]) {
      const res = await get(path.includes("approvals") ? approver : admin, path, { Origin: EVIL_ORIGIN });
      expect(res.headers.get("access-control-allow-origin"), path).toBeNull();
      expect(res.headers.get("access-control-allow-credentials"), path).toBeNull();
      const preflight = await request(t.baseUrl, null, path, { method: "OPTIONS", headers: { Origin: EVIL_ORIGIN, "Access-Control-Request-Method": "POST" } });
      expect(preflight.headers.get("access-control-allow-origin"), `${path} preflight`).toBeNull();
    }
    for (const path of ["/t/demo/audit/export?format=csv", "/api/console/demo/approvals", "/api/console/demo/skill"]) {
      for (const method of ["POST", "PUT", "DELETE"]) {
        const res = await request(t.baseUrl, admin.jar, path, { method, headers: { Origin: EVIL_ORIGIN, "Content-Type": "application/x-www-form-urlencoded" }, body: "decision=approve" });
        expect(res.status, `${method} ${path}`).toBe(405);
      }
    }

    // Login CSRF: the attacker signs the victim's browser into the attacker's account. Without the
    // token bound to the victim's own csrf cookie, next-auth refuses and sets no session.
    const forgedLogin = await request(t.baseUrl, null, "/api/auth/callback/credentials", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: EVIL_ORIGIN },
      body: new URLSearchParams({ email: MALLORY, password: "correct horse battery staple", csrfToken: "forged", json: "true" }),
    });
    expect(forgedLogin.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    expect(JSON.stringify(await forgedLogin.json())).toContain("csrf=true");
    // The attacker's own valid token does not help: it is bound to the attacker's cookie, not the victim's.
    const attackerCsrf = (await (await request(t.baseUrl, null, "/api/auth/csrf")).json()) as { csrfToken: string };
    const victimJar = admin.jar.clone();
    victimJar.cookies.delete(SESSION_COOKIE);
    const swapped = await request(t.baseUrl, victimJar, "/api/auth/callback/credentials", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: EVIL_ORIGIN },
      body: new URLSearchParams({ email: MALLORY, password: "correct horse battery staple", csrfToken: attackerCsrf.csrfToken, json: "true" }),
    });
    expect(victimJar.cookies.has(SESSION_COOKIE)).toBe(false);
    expect(JSON.stringify(await swapped.json())).toContain("csrf=true");

    // Sign-out CSRF: a forged POST without the token leaves the victim signed in.
    const forgedSignOut = await request(t.baseUrl, admin.jar.clone(), "/api/auth/signout", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: EVIL_ORIGIN },
      body: new URLSearchParams({ json: "true" }),
    });
    expect(forgedSignOut.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=;`) || /session-token=[^;]*;.*Max-Age=0/i.test(c))).toBe(false);
    const still = (await (await get(admin, "/api/auth/session")).json()) as { user?: { email?: string } };
    expect(still.user?.email).toBe(ADMIN);
  });

  it("control: the very same requests from the app's own origin are accepted, so the refusals above are the Origin check", async () => {
    const key = resultOf(await callAction(admin, { path: "/t/demo/keys", actionId: actions.issueKeyAction?.id ?? "", fields: { tenant: "demo", name: "same-origin control", preset: "metrics:read" } }));
    expect(key.status, JSON.stringify(key)).toBe("issued");
    const approved = await postNoJsForm(approver, {
      path: "/t/demo/approvals",
      fields: noJsActionFields(actions.decideApprovalAction?.id ?? "", { tenant: "demo", requestId: pendingIds[1] ?? "", decision: "approve" }),
    });
    expect(approved.status).toBe(200);
    const formIssued = await postNoJsForm(admin, {
      path: "/t/demo/keys",
      fields: noJsActionFields(actions.issueKeyAction?.id ?? "", { tenant: "demo", name: "same-origin form control", preset: "metrics:read" }, { status: "idle" }),
    });
    expect(formIssued.status).toBe(200);
    const db = t.database.db;
    expect(await db.apiKey.count({ where: { tenantId: t.tenants.demo, name: "same-origin control" } })).toBe(1);
    expect(await db.apiKey.count({ where: { tenantId: t.tenants.demo, name: "same-origin form control" } })).toBe(1);
    expect((await db.writeRequest.findUniqueOrThrow({ where: { id: pendingIds[1] } })).status).toBe("executed");
    expect((await db.writeRequest.findUniqueOrThrow({ where: { id: pendingIds[0] } })).status).toBe("pending");
  });
});
