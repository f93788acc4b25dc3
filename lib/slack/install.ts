// "Add to Slack": Slack's OAuth v2 install flow. The console (admin only) sends the browser to
// Slack's authorize page with a state bound to the admin and the tenant (HMAC with the session
// secret, 10 minutes); Slack redirects back with a code, which oauth.v2.access exchanges for the bot
// token; the token is sealed at rest and the workspace connected to exactly that tenant.
import crypto from "node:crypto";
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { OperationError } from "@/lib/errors";
import { sessionSecret } from "@/lib/secrets";
import { connectWorkspace } from "./connections";
import { slackWebClient } from "./web-client";

/** Bot scopes the app asks for; the same list as slack/manifest.json (docs/slack.md says why each). */
export const BOT_SCOPES = ["app_mentions:read", "chat:write", "commands", "im:history", "users:read", "users:read.email"] as const;

const STATE_TTL_MS = 10 * 60_000;
const StateSchema = z.object({ t: z.string().uuid(), u: z.string().uuid(), exp: z.number(), n: z.string() });

function sign(payload: string): string {
  return crypto.createHmac("sha256", sessionSecret()).update(`slack-install:${payload}`).digest("base64url");
}

export function installConfigured(): boolean {
  return Boolean(env().SLACK_CLIENT_ID && env().SLACK_CLIENT_SECRET);
}

export function redirectUri(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/api/slack/oauth/callback`;
}

/** Slack's authorize page: next to the Web API (https://slack.com/oauth/v2/authorize; the stand-in in tests). */
function authorizeUrl(): URL {
  return new URL("../oauth/v2/authorize", env().SLACK_API_URL.endsWith("/") ? env().SLACK_API_URL : `${env().SLACK_API_URL}/`);
}

export function installUrl(input: { tenantId: string; userId: string; baseUrl: string; now?: Date }): string {
  const clientId = env().SLACK_CLIENT_ID;
  if (!clientId) throw new OperationError("forbidden", "Add to Slack needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET; see docs/slack.md.");
  const payload = Buffer.from(JSON.stringify({ t: input.tenantId, u: input.userId, exp: (input.now ?? new Date()).getTime() + STATE_TTL_MS, n: crypto.randomBytes(8).toString("hex") })).toString("base64url");
  const url = authorizeUrl();
  url.searchParams.set("client_id", clientId);
  url.searchParams.set("scope", BOT_SCOPES.join(","));
  url.searchParams.set("redirect_uri", redirectUri(input.baseUrl));
  url.searchParams.set("state", `${payload}.${sign(payload)}`);
  return url.toString();
}

/** The tenant and admin an install state was issued for, or an error when forged, altered or expired. */
export function readInstallState(state: string, now: Date = new Date()): { tenantId: string; userId: string } {
  const [payload, mac] = state.split(".");
  const expected = payload ? sign(payload) : "";
  if (!payload || !mac || mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) {
    throw new OperationError("forbidden", "The install link is not valid; start again from the console's Slack page.");
  }
  const parsed = StateSchema.safeParse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
  if (!parsed.success || parsed.data.exp < now.getTime()) throw new OperationError("forbidden", "The install link has expired; start again from the console's Slack page.");
  return { tenantId: parsed.data.t, userId: parsed.data.u };
}

export async function completeInstall(db: Db, input: { code: string; tenantId: string; installer: { id: string; email: string }; baseUrl: string; requestId: string }) {
  const e = env();
  if (!e.SLACK_CLIENT_ID || !e.SLACK_CLIENT_SECRET) throw new OperationError("forbidden", "Add to Slack is not configured on this server.");
  let access;
  try {
    access = await slackWebClient().oauth.v2.access({ client_id: e.SLACK_CLIENT_ID, client_secret: e.SLACK_CLIENT_SECRET, code: input.code, redirect_uri: redirectUri(input.baseUrl) });
  } catch (err) {
    console.error("[socode] Slack oauth.v2.access failed:", err instanceof Error ? err.message : err);
    throw new OperationError("forbidden", "Slack refused the install code (expired or already used); try Add to Slack again.");
  }
  if (!access.ok || !access.access_token || access.token_type !== "bot" || !access.team?.id) {
    throw new OperationError("forbidden", "Slack did not return a bot token for a workspace; try Add to Slack again.");
  }
  return connectWorkspace(db, {
    tenantId: input.tenantId,
    teamId: access.team.id,
    teamName: access.team.name ?? access.team.id,
    botUserId: access.bot_user_id ?? null,
    botToken: access.access_token,
    installedBy: input.installer,
    requestId: input.requestId,
  });
}
