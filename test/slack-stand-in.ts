// A local stand-in for the parts of Slack's Web API the app calls — the ONLY mock in the Slack
// tests, because Slack itself cannot be reached from these machines. It speaks the real wire format
// the official @slack/web-api client uses (POST /api/<method>, form-encoded arguments, bearer
// token, {ok, …} JSON answers) and records every call so tests can read what the app posted.
// Also signs requests exactly as Slack does, to send events and button presses to the app.
//
// As a process (for Playwright and benchmarks): npx tsx test/slack-stand-in.ts --port 3199
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";

export type SlackCall = { method: string; token: string | null; args: Record<string, unknown>; at: number };
export type StandInUser = { id: string; teamId: string; email: string | null; emailConfirmed: boolean; isBot?: boolean };
export type StandInTeam = { id: string; name: string; botUserId: string };

export type SlackStandIn = {
  /** Web API base URL for SLACK_API_URL, e.g. http://127.0.0.1:1234/api/ */
  apiUrl: string;
  calls: SlackCall[];
  /** Registers a bot token for a team (single-workspace mode, or what oauth.v2.access hands out). */
  addToken: (token: string, team: StandInTeam) => void;
  addUser: (user: StandInUser) => void;
  /** The team "Add to Slack" installs into next (what the authorize page grants). */
  setInstallTarget: (team: StandInTeam, token: string) => void;
  revokedTokens: Set<string>;
  /** Channels the bot is not a member of: chat.postMessage there fails with not_in_channel, as in Slack. */
  notInChannel: Set<string>;
  /** A slash command's response_url (Slack's hooks.slack.com/commands/…); posts to it are recorded as method "response_url". */
  responseUrl: (id: string) => string;
  /** Resolves with the first call matching, recorded at or after index `from` (calls.length before acting), waiting up to timeoutMs. */
  waitFor: (predicate: (call: SlackCall) => boolean, from?: number, timeoutMs?: number) => Promise<SlackCall>;
  close: () => Promise<void>;
};

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes("application/json")) return JSON.parse(raw || "{}") as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // The SDK JSON-encodes structured arguments (blocks) inside the form.
    args[k] = k === "blocks" || k === "attachments" ? JSON.parse(v) : v;
  }
  return args;
}

export async function startSlackStandIn(options: { port?: number; clientId?: string; clientSecret?: string } = {}): Promise<SlackStandIn> {
  const tokens = new Map<string, StandInTeam>();
  const users = new Map<string, StandInUser>();
  const codes = new Map<string, { team: StandInTeam; token: string; redirectUri: string }>();
  const revokedTokens = new Set<string>();
  const notInChannel = new Set<string>();
  const calls: SlackCall[] = [];
  const waiters: { predicate: (c: SlackCall) => boolean; resolve: (c: SlackCall) => void }[] = [];
  let installTarget: { team: StandInTeam; token: string } | null = null;
  let tsCounter = 0;
  const clientId = options.clientId ?? "1234.5678";
  const clientSecret = options.clientSecret ?? "stand-in-client-secret";

  const record = (call: SlackCall) => {
    calls.push(call);
    for (const w of [...waiters]) {
      if (w.predicate(call)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(call);
      }
    }
  };

  const answer = (method: string, token: string | null, args: Record<string, unknown>): Record<string, unknown> => {
    if (method === "oauth.v2.access") {
      if (args.client_id !== clientId || args.client_secret !== clientSecret) return { ok: false, error: "invalid_client_id" };
      const code = codes.get(String(args.code ?? ""));
      if (!code) return { ok: false, error: "invalid_code" };
      codes.delete(String(args.code));
      if (args.redirect_uri !== code.redirectUri) return { ok: false, error: "bad_redirect_uri" };
      tokens.set(code.token, code.team);
      return { ok: true, access_token: code.token, token_type: "bot", scope: "app_mentions:read,chat:write,commands,im:history,users:read,users:read.email", bot_user_id: code.team.botUserId, app_id: "A0STANDIN", team: { id: code.team.id, name: code.team.name }, enterprise: null, is_enterprise_install: false };
    }
    const team = token ? tokens.get(token) : undefined;
    if (!token || !team) return { ok: false, error: "not_authed" };
    if (revokedTokens.has(token)) return { ok: false, error: "token_revoked" };
    switch (method) {
      case "auth.test":
        return { ok: true, url: `https://${team.name.toLowerCase().replace(/\W/g, "")}.slack.com/`, team: team.name, user: "socialhub", team_id: team.id, user_id: team.botUserId, bot_id: "B0STANDIN" };
      case "auth.revoke":
        revokedTokens.add(token);
        return { ok: true, revoked: true };
      case "chat.postMessage": {
        if (!args.channel) return { ok: false, error: "channel_not_found" };
        if (notInChannel.has(String(args.channel))) return { ok: false, error: "not_in_channel" };
        const ts = `${1_800_000_000 + Math.floor(tsCounter / 1000)}.${String(++tsCounter).padStart(6, "0")}`;
        return { ok: true, channel: args.channel, ts, message: { type: "message", text: args.text, ts, thread_ts: args.thread_ts, bot_id: "B0STANDIN" } };
      }
      case "chat.update":
        if (!args.channel || !args.ts) return { ok: false, error: "message_not_found" };
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case "users.info": {
        const user = users.get(String(args.user ?? ""));
        if (!user || user.teamId !== team.id) return { ok: false, error: "user_not_found" };
        return {
          ok: true,
          user: { id: user.id, team_id: user.teamId, name: user.id.toLowerCase(), deleted: false, is_bot: Boolean(user.isBot), is_email_confirmed: user.emailConfirmed, profile: { email: user.email ?? undefined, real_name: user.id } },
        };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://stand-in");
    if (req.method === "GET" && url.pathname === "/oauth/v2/authorize") {
      // Slack's consent page, with the user clicking Allow: redirect back with a fresh code.
      const redirectUri = url.searchParams.get("redirect_uri") ?? "";
      if (url.searchParams.get("client_id") !== clientId || !installTarget || !redirectUri) {
        res.writeHead(400).end("invalid install request");
        return;
      }
      const code = `code-${crypto.randomBytes(8).toString("hex")}`;
      codes.set(code, { ...installTarget, redirectUri });
      record({ method: "oauth.authorize", token: null, args: Object.fromEntries(url.searchParams), at: Date.now() });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      res.writeHead(302, { Location: back.toString() }).end();
      return;
    }
    if (req.method === "GET" && url.pathname === "/health") {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      return;
    }
    if (req.method === "GET" && url.pathname === "/_calls") {
      // For tests driving the stand-in as a separate process (Playwright): what the app called.
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(calls));
      return;
    }
    const hook = /^\/commands\/([A-Za-z0-9._-]+)$/.exec(url.pathname);
    if (req.method === "POST" && hook?.[1]) {
      // A slash command's response_url: JSON body ({response_type, text, blocks}), no token, answers "ok".
      let raw = "";
      req.on("data", (d: Buffer) => (raw += d.toString("utf8")));
      req.on("end", () => {
        record({ method: "response_url", token: null, args: { id: hook[1], ...parseBody(raw, req.headers["content-type"] ?? "") }, at: Date.now() });
        res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      });
      return;
    }
    const match = /^\/api\/([a-z0-9.]+)$/i.exec(url.pathname);
    if (req.method !== "POST" || !match?.[1]) {
      res.writeHead(404).end();
      return;
    }
    const method = match[1];
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString("utf8")));
    req.on("end", () => {
      const args = parseBody(raw, req.headers["content-type"] ?? "");
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? (typeof args.token === "string" ? args.token : null);
      if (method === "oauth.v2.access" && req.headers.authorization?.startsWith("Basic ")) {
        const [id, secret] = Buffer.from(req.headers.authorization.slice(6), "base64").toString().split(":");
        args.client_id ??= id;
        args.client_secret ??= secret;
      }
      const body = answer(method, auth, args);
      const { token: _omit, client_secret: _secret, ...recorded } = args;
      record({ method, token: auth, args: recorded, at: Date.now() });
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    revokedTokens,
    notInChannel,
    responseUrl: (id) => `http://127.0.0.1:${port}/commands/${id}`,
    addToken: (token, team) => tokens.set(token, team),
    addUser: (user) => users.set(user.id, user),
    setInstallTarget: (team, token) => (installTarget = { team, token }),
    waitFor: (predicate, from = 0, timeoutMs = 20_000) => {
      const found = calls.slice(from).find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve: (c: SlackCall) => (clearTimeout(timer), resolve(c)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching Slack call within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(", ")}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Headers Slack sends with a request: v0 signature over "v0:{timestamp}:{body}". */
export function slackSignedHeaders(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const ts = String(timestamp);
  const signature = `v0=${crypto.createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
  return { "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { port: { type: "string", default: "3199" } } });
  const standIn = await startSlackStandIn({ port: Number(values.port) });
  // The e2e install flow installs into this workspace.
  standIn.setInstallTarget({ id: "T0E2E", name: "E2E Workspace", botUserId: "U0BOT" }, "xoxb-e2e-token");
  console.log(`Slack stand-in listening: ${standIn.apiUrl}`);
}
