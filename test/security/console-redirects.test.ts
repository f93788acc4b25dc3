// Open redirects after sign-in: the callbackUrl of a sign-in link is attacker-chosen ("sign in to see
// the audit finding: https://socode.example/sign-in?callbackUrl=…"). Wherever it travels — next-auth's
// callback (JSON and 302), its callback-url cookie, sign-out, the sign-in page's server redirect for
// a signed-in visitor, and the sign-in form's client-side navigation in real Chromium — the user must
// land on the app's own origin, and a legitimate in-app path must survive.
import type { Page } from "@playwright/test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime } from "@/test/database";
import { CookieJar, PASSWORD, attemptSignIn, browserContextFor, get, launchChromium, request, signIn, startTarget, type Session, type Target } from "./console-attacker";

const USER = "admin@shop.test";

describe(`open redirects after sign-in on ${testRuntime()}`, () => {
  let t: Target;
  let port = "";
  let user: Session;

  /** Where attackers point callbackUrl (plain, relative-looking, scheme tricks, encodings, whitespace). */
  function payloads(): string[] {
    return [
      "https://evil.example",
      "https://evil.example/t/demo",
      "http://evil.example:80/",
      "//evil.example",
      "//evil.example/t/demo",
      "///evil.example",
      "////evil.example",
      "/\\evil.example",
      "\\/evil.example",
      "\\\\evil.example",
      "/\\/evil.example",
      "/\t/evil.example",
      "/%09/evil.example",
      "/%2F/evil.example",
      " //evil.example",
      "\n//evil.example",
      "\u0000//evil.example",
      "https:evil.example",
      "https:/evil.example",
      "http:\\\\evil.example",
      `http://127.0.0.1:${port}@evil.example`,
      `http://evil.example\\@127.0.0.1:${port}`,
      `http://127.0.0.1.evil.example:${port}`,
      `http://127.0.0.1:${port}.evil.example`,
      "javascript:alert(document.domain)",
      "JaVaScRiPt:alert(1)",
      "java\tscript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "%2F%2Fevil.example",
      "%252F%252Fevil.example",
      "/t/../..//evil.example",
      "/t/%2e%2e/%2e%2e//evil.example",
      "/t/..\\..\\/evil.example",
      "evil.example",
      "//%65vil.example",
      "//evil%2Eexample",
      "//evil.example%2F%2E%2E",
      "https://evil.example#@127.0.0.1",
    ];
  }

  /** The place a browser ends up for a redirect target, resolved the way a browser resolves it. */
  function landing(target: string | null): URL {
    if (!target) throw new Error("no redirect target");
    return new URL(target, t.baseUrl);
  }

  function expectOnSite(target: string | null, what: string): URL {
    const url = landing(target);
    expect(url.origin, `${what} → ${target}`).toBe(t.baseUrl);
    // A path that starts like a network path would be read as another host by the next hop.
    expect(url.pathname.startsWith("//") || url.pathname.startsWith("/\\"), `${what} → ${target}`).toBe(false);
    return url;
  }

  beforeAll(async () => {
    t = await startTarget([{ email: USER, roles: { demo: ["admin", "approver", "auditor"] } }]);
    port = new URL(t.baseUrl).port;
    user = await signIn(t.baseUrl, USER);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("sends a password sign-in back to this site only, as JSON and as a 302, whatever callbackUrl says", async () => {
    for (const callbackUrl of payloads()) {
      for (const json of [true, false]) {
        const attempt = await attemptSignIn(t.baseUrl, USER, { callbackUrl, json });
        expect(attempt.signedIn, `signed in with ${JSON.stringify(callbackUrl)}`).toBe(true);
        expectOnSite(json ? attempt.url : attempt.location, `callbackUrl ${JSON.stringify(callbackUrl)} (${json ? "json" : "302"})`);
      }
    }
    // Control: an in-app destination survives, relative or absolute on this origin.
    for (const [callbackUrl, expected] of [
      ["/t/demo/audit?outcome=denied", "/t/demo/audit?outcome=denied"],
      [`${t.baseUrl}/t/demo/keys?status=active`, "/t/demo/keys?status=active"],
    ]) {
      const attempt = await attemptSignIn(t.baseUrl, USER, { callbackUrl });
      const url = expectOnSite(attempt.url, callbackUrl ?? "");
      expect(`${url.pathname}${url.search}`).toBe(expected);
    }
  });

  it("redirects a signed-in visitor of /sign-in?callbackUrl=… on this site only", async () => {
    for (const callbackUrl of payloads()) {
      const res = await get(user, `/sign-in?callbackUrl=${encodeURIComponent(callbackUrl)}`);
      expect([303, 307, 308], JSON.stringify(callbackUrl)).toContain(res.status);
      expectOnSite(res.headers.get("location"), `signed-in /sign-in?callbackUrl=${JSON.stringify(callbackUrl)}`);
    }
    // Unencoded in the query string, as a careless link would carry it.
    for (const raw of ["//evil.example", "/\\evil.example", "https://evil.example", "/%5Cevil.example", "%2F%2Fevil.example", "/%2F%2Fevil.example"]) {
      const res = await get(user, `/sign-in?callbackUrl=${raw}`);
      expectOnSite(res.headers.get("location"), `raw ${raw}`);
    }
    const control = await get(user, `/sign-in?callbackUrl=${encodeURIComponent("/t/demo/approvals")}`);
    expect(control.headers.get("location")).toBe("/t/demo/approvals");
  });

  it("keeps next-auth's callback-url cookie and the sign-out redirect on this site", async () => {
    // next-auth stores a callbackUrl from its own routes in a cookie; it must store only a safe one.
    for (const callbackUrl of ["https://evil.example", "//evil.example", "/\\evil.example"]) {
      const jar = new CookieJar();
      await request(t.baseUrl, jar, `/api/auth/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`);
      await request(t.baseUrl, jar, `/api/auth/csrf?callbackUrl=${encodeURIComponent(callbackUrl)}`);
      const stored = jar.get("next-auth.callback-url");
      if (stored) expectOnSite(decodeURIComponent(stored), `callback-url cookie for ${callbackUrl}`);
    }
    // Even a planted cookie (set by a sibling subdomain, say) does not redirect a sign-in off-site.
    const planted = new CookieJar();
    planted.cookies.set("next-auth.callback-url", { name: "next-auth.callback-url", value: encodeURIComponent("https://evil.example/phish"), attributes: {}, raw: "" });
    const viaCookie = await attemptSignIn(t.baseUrl, USER, { jar: planted });
    expect(viaCookie.signedIn).toBe(true);
    expectOnSite(viaCookie.url, "planted callback-url cookie");

    // Sign-out with an attacker's callbackUrl (and its own valid token: the user clicked "sign out").
    const session = await signIn(t.baseUrl, USER);
    const { csrfToken } = (await (await request(t.baseUrl, session.jar, "/api/auth/csrf")).json()) as { csrfToken: string };
    for (const json of ["true", "false"]) {
      const signOut = await request(t.baseUrl, session.jar.clone(), "/api/auth/signout", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: t.baseUrl },
        body: new URLSearchParams({ csrfToken, callbackUrl: "https://evil.example/signed-out", json }),
      });
      const target = json === "true" ? ((await signOut.json()) as { url: string }).url : signOut.headers.get("location");
      expectOnSite(target, `sign-out (json ${json})`);
    }
  });

  it("in real Chromium, the sign-in form lands on this site whatever the link's callbackUrl", async () => {
    const browser = await launchChromium();
    const offSite: string[] = [];
    const dialogs: string[] = [];
    const signInThrough = async (page: Page, link: string) => {
      await page.goto(link);
      await page.getByLabel("Email").fill(USER);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      // Generous: argon2 and a cold page on a busy two-core machine.
      await page.waitForURL((url) => url.origin !== t.baseUrl || !url.pathname.startsWith("/sign-in"), { timeout: 45_000 });
      await page.waitForLoadState("load");
    };
    try {
      const links = [
        ...["https://evil.example", "//evil.example", "/\\evil.example", "/\t/evil.example", "javascript:alert(document.domain)", "https:evil.example", "%2F%2Fevil.example", "/t/..\\..\\/evil.example"].map(
          (p) => `/sign-in?callbackUrl=${encodeURIComponent(p)}`,
        ),
        "/sign-in?callbackUrl=//evil.example",
        "/sign-in?callbackUrl=/%5Cevil.example",
        "/sign-in?callbackUrl=https:%2F%2Fevil.example",
      ];
      for (const link of links) {
        const context = await browserContextFor(browser, null);
        // Nothing may ever leave for another host: record and block any such request.
        await context.route(
          (url) => url.origin !== t.baseUrl,
          (route) => {
            offSite.push(`${link} → ${route.request().url()}`);
            return route.abort();
          },
        );
        const page = await context.newPage();
        page.on("dialog", (d) => {
          dialogs.push(`${link}: ${d.message()}`);
          void d.dismiss();
        });
        await signInThrough(page, `${t.baseUrl}${link}`);
        const landed = new URL(page.url());
        expect(landed.origin, link).toBe(t.baseUrl);
        expect(landed.pathname.startsWith("//") || landed.pathname.startsWith("/\\"), link).toBe(false);
        await context.close();
      }

      // Control: the path a signed-out visitor was sent away from survives sign-in, query included.
      const context = await browserContextFor(browser, null);
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/t/demo/audit?outcome=denied`);
      await page.waitForURL(/\/sign-in\?callbackUrl=/);
      await page.getByLabel("Email").fill(USER);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.waitForURL((url) => url.pathname === "/t/demo/audit");
      expect(new URL(page.url()).search).toBe("?outcome=denied");
      await context.close();
    } finally {
      await browser.close();
    }
    expect(offSite).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
