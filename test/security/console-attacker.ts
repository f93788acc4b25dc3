// The console attacker's toolkit for the adversarial suite: a fresh target (database, demo data,
// console users, the built app on a real port), next-auth sign-in over plain HTTP with a cookie jar,
// and server actions called the way an attacker calls them — a direct POST with the `Next-Action`
// header (what the React client sends) or a plain multipart form (what a cross-site <form> sends),
// with action ids read from the build's manifest or scraped from the public client chunks.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium, type Browser, type BrowserContext } from "@playwright/test";
import { issueApiKey } from "@/lib/auth/api-keys";
import { hashPassword } from "@/lib/auth/passwords";
import { seedDemo } from "@/lib/demo/seed-demo";
import { resetEnvCache } from "@/lib/env";
import type { Role } from "@/lib/generated/prisma/enums";
import { startApp, type RunningApp } from "@/test/app-server";
import { createTestDatabase, type TestDatabase } from "@/test/database";

export const PASSWORD = "correct horse battery staple";
export const EVIL_ORIGIN = "https://evil.example";
/** A whole API key secret (a page may show a key's display prefix, never this). */
export const KEY_SECRET = /sc_live_[A-Za-z0-9_-]{43}/;

// ───────────── target ─────────────

export type UserSpec = { email: string; name?: string; roles: Partial<Record<"demo" | "demo-b", Role[]>> };

export type Target = {
  database: TestDatabase;
  app: RunningApp;
  baseUrl: string;
  tenants: { demo: string; demoB: string };
  /** email → user id */
  users: Record<string, string>;
  stop: () => Promise<void>;
};

/** Console users are rows in `users` with an argon2id hash plus one membership per tenant (as `socode user:create` writes them). */
export async function createConsoleUser(database: TestDatabase, tenants: Target["tenants"], spec: UserSpec): Promise<string> {
  const user = await database.db.user.create({
    data: { email: spec.email.toLowerCase(), name: spec.name ?? spec.email.split("@")[0] ?? spec.email, passwordHash: await hashPassword(PASSWORD) },
  });
  for (const [slug, roles] of Object.entries(spec.roles)) {
    if (!roles?.length) continue;
    await database.db.membership.create({ data: { tenantId: slug === "demo" ? tenants.demo : tenants.demoB, userId: user.id, roles } });
  }
  return user.id;
}

/** Fresh database, small demo seed, the given console users, and the built app on a free port. */
export async function startTarget(users: UserSpec[], extraEnv: Record<string, string> = {}): Promise<Target> {
  process.env.NEXTAUTH_SECRET ??= "integration-test-secret-integration-test-secret";
  resetEnvCache();
  const database = await createTestDatabase();
  try {
    await seedDemo(database.db, { scale: "small" });
    const tenants = {
      demo: (await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } })).id,
      demoB: (await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo-b" } })).id,
    };
    const ids: Record<string, string> = {};
    for (const spec of users) ids[spec.email] = await createConsoleUser(database, tenants, spec);
    const app = await startApp(database, extraEnv);
    return {
      database,
      app,
      baseUrl: app.baseUrl,
      tenants,
      users: ids,
      stop: async () => {
        await app.stop();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

// ───────────── cookies ─────────────

export type SetCookie = { name: string; value: string; attributes: Record<string, string | true>; raw: string };

export function parseSetCookie(raw: string): SetCookie {
  const [pair = "", ...attrs] = raw.split(";");
  const eq = pair.indexOf("=");
  const attributes: Record<string, string | true> = {};
  for (const a of attrs) {
    const i = a.indexOf("=");
    const k = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    if (k) attributes[k] = i < 0 ? true : a.slice(i + 1).trim();
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes, raw };
}

export class CookieJar {
  readonly cookies = new Map<string, SetCookie>();
  /** Every Set-Cookie the server sent, for checking attributes. */
  readonly seen: SetCookie[] = [];

  store(res: Response): void {
    for (const raw of res.headers.getSetCookie()) {
      const c = parseSetCookie(raw);
      this.seen.push(c);
      const expired = c.attributes["max-age"] === "0" || (typeof c.attributes.expires === "string" && Date.parse(c.attributes.expires) < Date.now());
      if (expired || c.value === "") this.cookies.delete(c.name);
      else this.cookies.set(c.name, c);
    }
  }

  header(): string {
    return [...this.cookies.values()].map((c) => `${c.name}=${c.value}`).join("; ");
  }

  get(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  clone(): CookieJar {
    const copy = new CookieJar();
    for (const [k, v] of this.cookies) copy.cookies.set(k, v);
    return copy;
  }
}

export const SESSION_COOKIE = "next-auth.session-token";

// ───────────── HTTP as a browser-less client ─────────────

export type Session = { baseUrl: string; email: string; jar: CookieJar };

/** fetch with the jar's cookies (if any), no redirect following, cookies stored back. */
export async function request(baseUrl: string, jar: CookieJar | null, pathOrUrl: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${baseUrl}${pathOrUrl}`;
  const headers: Record<string, string> = { ...init.headers };
  if (jar && jar.cookies.size) headers.Cookie = jar.header();
  const res = await fetch(url, { ...init, headers, redirect: "manual" });
  jar?.store(res);
  return res;
}

export type SignInAttempt = { jar: CookieJar; response: Response; location: string | null; url: string | null; signedIn: boolean };

/**
 * next-auth v4 credentials sign-in, the way its client does it: GET /api/auth/csrf (token + its
 * cookie), then POST /api/auth/callback/credentials with the token, the credentials and the
 * callbackUrl. `json: true` asks for `{ url }` instead of a 302, like `signIn(…, { redirect: false })`.
 */
export async function attemptSignIn(
  baseUrl: string,
  email: string,
  opts: { password?: string; callbackUrl?: string; json?: boolean; jar?: CookieJar; origin?: string | null } = {},
): Promise<SignInAttempt> {
  const jar = opts.jar ?? new CookieJar();
  const csrf = await request(baseUrl, jar, "/api/auth/csrf");
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const body = new URLSearchParams({ csrfToken, email, password: opts.password ?? PASSWORD });
  if (opts.callbackUrl !== undefined) body.set("callbackUrl", opts.callbackUrl);
  if (opts.json ?? true) body.set("json", "true");
  const origin = opts.origin === undefined ? baseUrl : opts.origin;
  const response = await request(baseUrl, jar, "/api/auth/callback/credentials", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(origin ? { Origin: origin } : {}) },
    body,
  });
  const location = response.headers.get("location");
  let url: string | null = null;
  if ((response.headers.get("content-type") ?? "").includes("application/json")) {
    url = ((await response.json()) as { url?: string }).url ?? null;
  }
  return { jar, response, location, url, signedIn: jar.cookies.has(SESSION_COOKIE) };
}

export async function signIn(baseUrl: string, email: string, password = PASSWORD): Promise<Session> {
  const attempt = await attemptSignIn(baseUrl, email, { password });
  if (!attempt.signedIn) throw new Error(`sign-in as ${email} failed: ${attempt.response.status} ${attempt.url ?? attempt.location ?? ""}`);
  return { baseUrl, email, jar: attempt.jar };
}

export function get(session: Session | { baseUrl: string; jar?: null }, pathOrUrl: string, headers: Record<string, string> = {}): Promise<Response> {
  return request(session.baseUrl, session.jar ?? null, pathOrUrl, { headers });
}

// ───────────── server actions ─────────────

export type ActionRef = { id: string; exportedName: string; filename: string; page: string };

const ManifestPath = path.resolve(".next/server/server-reference-manifest.json");

/**
 * Server action ids of the build, by exported name. The app is self-hosted from public source, so
 * an attacker builds the same commit (or reads them off the client chunks, see actionIdsFromPage).
 */
export function actionsFromBuild(): Record<string, ActionRef> {
  const manifest = JSON.parse(fs.readFileSync(ManifestPath, "utf8")) as {
    node: Record<string, { workers: Record<string, unknown>; filename?: string; exportedName?: string }>;
  };
  const out: Record<string, ActionRef> = {};
  for (const [id, entry] of Object.entries(manifest.node)) {
    if (!entry.exportedName) continue;
    const page = Object.keys(entry.workers)[0] ?? "";
    out[entry.exportedName] = { id, exportedName: entry.exportedName, filename: entry.filename ?? "", page };
  }
  return out;
}

/** What an attacker sees with a browser: the page's <script> chunks name each action they can call. */
export async function actionIdsFromPage(session: Session, pagePath: string): Promise<Record<string, string>> {
  const html = await (await get(session, pagePath)).text();
  const scripts = [...html.matchAll(/<script[^>]+src="([^"]+\.js[^"]*)"/g)].map((m) => m[1] ?? "");
  const found: Record<string, string> = {};
  for (const src of new Set(scripts)) {
    const js = await (await get(session, src.replace(/&amp;/g, "&"))).text();
    for (const m of js.matchAll(/createServerReference\)\("([0-9a-f]{40,})",[^)]*?"(\w+)"\)/g)) found[m[2] ?? ""] = m[1] ?? "";
  }
  return found;
}

export type FormFields = Record<string, string | string[]>;

export type ActionResponse = { status: number; text: string; result: unknown; headers: Headers };

/** The action's return value from an RSC (flight) response: row 0 names it as "$@<row>". */
export function parseFlightResult(text: string): unknown {
  const rows = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+):(.*)$/.exec(line);
    if (m) rows.set(m[1] ?? "", m[2] ?? "");
  }
  const root = rows.get("0");
  if (!root) return undefined;
  try {
    const parsed = JSON.parse(root) as { a?: unknown };
    if (typeof parsed.a === "string" && parsed.a.startsWith("$@")) {
      const row = rows.get(parsed.a.slice(2));
      if (row === undefined) return undefined;
      if (row.startsWith("E")) return { thrown: JSON.parse(row.slice(1)) as unknown };
      return JSON.parse(row) as unknown;
    }
    return parsed.a;
  } catch {
    return undefined;
  }
}

/**
 * The React client's encoding (encodeReply) of `action(prevState, formData)` or `action(formData)`:
 * multipart, part "0" the JSON argument list with "$K1" standing for the form, whose fields are
 * sent as "_1_<name>". Headers: Next-Action (the id), Origin (as given; null omits it), cookies.
 */
export async function callAction(
  target: { baseUrl: string; jar?: CookieJar | null },
  opts: { path: string; actionId: string; fields: FormFields; prevState?: unknown; noPrevState?: boolean; origin?: string | null; headers?: Record<string, string> },
): Promise<ActionResponse> {
  const form = new FormData();
  for (const [k, v] of Object.entries(opts.fields)) for (const one of Array.isArray(v) ? v : [v]) form.append(`_1_${k}`, one);
  // The root goes last, as the browser sends it: the server resolves "$K1" from the parts read so far.
  form.append("0", JSON.stringify(opts.noPrevState ? ["$K1"] : [opts.prevState ?? { status: "idle" }, "$K1"]));
  const origin = opts.origin === undefined ? target.baseUrl : opts.origin;
  const res = await request(target.baseUrl, target.jar ?? null, opts.path, {
    method: "POST",
    headers: { "Next-Action": opts.actionId, Accept: "text/x-component", ...(origin !== null ? { Origin: origin } : {}), ...opts.headers },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, text, result: parseFlightResult(text), headers: res.headers };
}

/**
 * What a plain HTML <form method=post enctype=multipart/form-data> can send without JavaScript
 * (Next.js's progressive enhancement): `$ACTION_ID_<id>` for action(formData), or `$ACTION_REF_1`
 * with the bound previous state for action(prevState, formData).
 */
export function noJsActionFields(actionId: string, fields: FormFields, prevState?: unknown): FormFields {
  const base: FormFields =
    prevState === undefined
      ? { [`$ACTION_ID_${actionId}`]: "" }
      : { $ACTION_REF_1: "", "$ACTION_1:0": JSON.stringify({ id: actionId, bound: "$@1" }), "$ACTION_1:1": JSON.stringify([prevState]) };
  return { ...base, ...fields };
}

export async function postNoJsForm(
  target: { baseUrl: string; jar?: CookieJar | null },
  opts: { path: string; fields: FormFields; origin?: string | null },
): Promise<{ status: number; text: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(opts.fields)) for (const one of Array.isArray(v) ? v : [v]) form.append(k, one);
  const origin = opts.origin === undefined ? target.baseUrl : opts.origin;
  const res = await request(target.baseUrl, target.jar ?? null, opts.path, {
    method: "POST",
    headers: { Accept: "text/html", ...(origin !== null ? { Origin: origin } : {}) },
    body: form,
  });
  return { status: res.status, text: await res.text() };
}

/** The action result as a plain object, or throws with the raw response (for readable failures). */
export function resultOf(res: ActionResponse): Record<string, unknown> {
  if (res.result && typeof res.result === "object") return res.result as Record<string, unknown>;
  throw new Error(`no action result (HTTP ${res.status}): ${res.text.slice(0, 500)}`);
}

// ───────────── MCP as an agent ─────────────

export async function mcp(
  baseUrl: string,
  secret: string,
  method: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}/api/mcp`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${secret}`,
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": "2025-06-18",
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

/** tools/call a write tool; returns the pending request id from the receipt. */
export async function requestWrite(baseUrl: string, secret: string, tool: string, args: Record<string, unknown>): Promise<string> {
  const { status, body } = await mcp(baseUrl, secret, "tools/call", { name: tool, arguments: args });
  const structured = (body as { result?: { structuredContent?: { requestId?: string }; content?: { text?: string }[] } }).result;
  const id = structured?.structuredContent?.requestId;
  if (status !== 200 || !id) throw new Error(`write request ${tool} failed (${status}): ${JSON.stringify(body).slice(0, 500)}`);
  return id;
}

// ───────────── misc ─────────────

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ───────────── browsers and the attacker's own site ─────────────

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** The victim's browser, signed in with a session taken from an HTTP sign-in. */
export async function browserContextFor(browser: Browser, session: Session | null): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: session?.baseUrl });
  const token = session?.jar.cookies.get(SESSION_COOKIE);
  if (session && token) {
    await context.addCookies([{ name: token.name, value: token.value, url: session.baseUrl, httpOnly: true, sameSite: "Lax" }]);
  }
  return context;
}

export type EvilSite = { port: number; pages: Map<string, string>; stop: () => Promise<void> };

/**
 * A web site the attacker controls, on another port of this machine: reachable as
 * http://localhost:<port> (another site than 127.0.0.1, so SameSite=Lax cookies stay home) and as
 * http://127.0.0.1:<port> (same site, other origin: cookies travel, only the Origin check is left).
 */
export async function startEvilSite(): Promise<EvilSite> {
  const pages = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const html = pages.get((req.url ?? "/").split("?")[0] ?? "/");
    res.writeHead(html ? 200 : 404, { "Content-Type": "text/html; charset=utf-8" });
    res.end(html ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "::", ipv6Only: false }, resolve));
  const address = server.address();
  const port = address && typeof address === "object" ? address.port : 0;
  return { port, pages, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export function escapeHtml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** An auto-submitting cross-site form (what a CSRF page is). */
export function autoSubmitForm(action: string, fields: FormFields, opts: { noReferrer?: boolean } = {}): string {
  const inputs = Object.entries(fields)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(one)}">`))
    .join("");
  return `<!doctype html><html><head>${opts.noReferrer ? '<meta name="referrer" content="no-referrer">' : ""}</head><body>
<form id="f" method="post" enctype="multipart/form-data" action="${escapeHtml(action)}">${inputs}</form>
<script>document.getElementById("f").submit()</script></body></html>`;
}

/** An OAuth client and a user's grant to it (what consenting on /oauth/consent leaves behind). */
export async function createOAuthGrant(
  target: Pick<Target, "database" | "baseUrl">,
  opts: { tenantId: string; userId: string; clientName: string; redirectUri?: string },
): Promise<{ grantId: string; clientRowId: string; clientId: string }> {
  const db = target.database.db;
  const clientId = `sc_client_${crypto.randomBytes(8).toString("hex")}`;
  const redirectUri = opts.redirectUri ?? "http://127.0.0.1:45678/callback";
  const client = await db.oAuthClient.create({
    data: { clientId, kind: "dynamic", name: opts.clientName, redirectUris: [redirectUri], metadata: { client_name: opts.clientName, redirect_uris: [redirectUri] } },
  });
  const { key } = await issueApiKey(db, { tenantId: opts.tenantId, name: `oauth ${opts.clientName}`.slice(0, 80), preset: "metrics:read", issuerId: opts.userId });
  const grant = await db.oAuthGrant.create({
    data: { tenantId: opts.tenantId, userId: opts.userId, clientId: client.id, apiKeyId: key.id, preset: "metrics:read", scopes: ["metrics:read"], resource: `${target.baseUrl}/api/mcp` },
  });
  return { grantId: grant.id, clientRowId: client.id, clientId };
}
