// Slack's own Web API client, pointed at SLACK_API_URL (Slack in production, the local stand-in in
// tests). One short retry: a post that keeps failing is logged, never retried for minutes.
import { LogLevel, WebClient } from "@slack/web-api";
import { env } from "@/lib/env";

export function slackWebClient(token?: string): WebClient {
  const base = env().SLACK_API_URL;
  return new WebClient(token, {
    slackApiUrl: base.endsWith("/") ? base : `${base}/`,
    retryConfig: { retries: 1, factor: 1, minTimeout: 200, maxTimeout: 500 },
    timeout: 10_000,
    logLevel: LogLevel.ERROR,
    allowAbsoluteUrls: false,
  });
}

/**
 * A slash command's response_url is Slack's (https://hooks.slack.com/…), or in tests the stand-in's
 * (the origin of SLACK_API_URL). The address comes from a signed payload, but the answer carries the
 * tenant's figures: anything else is never called.
 */
export function isSlackResponseUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  if (parsed.protocol === "https:" && parsed.hostname === "hooks.slack.com") return true;
  return parsed.origin === new URL(env().SLACK_API_URL).origin;
}

/** Posts a message to a slash command's response_url (Slack accepts it for 30 minutes, 5 times). */
export async function postToResponseUrl(url: string, body: { response_type: "in_channel" | "ephemeral"; text: string; blocks: unknown[] }): Promise<void> {
  if (!isSlackResponseUrl(url)) throw new Error("Refusing to post to a response_url that is not Slack's.");
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), redirect: "error", signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`Slack's response_url answered HTTP ${res.status}.`);
}

/** The Web API's error code of a failed call (`not_in_channel`, `channel_not_found`…), if it is one. */
export function slackErrorCode(err: unknown): string | null {
  const data = typeof err === "object" && err && "data" in err ? (err as { data?: { error?: unknown } }).data : undefined;
  return typeof data?.error === "string" ? data.error : null;
}
