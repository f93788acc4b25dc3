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
