// Slack request signing (https://api.slack.com/authentication/verifying-requests-from-slack):
// X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body)),
// refused when the timestamp is more than five minutes from now (a captured request cannot be
// replayed later) and compared in constant time. Runs before anything else reads the body.
import crypto from "node:crypto";

export const SIGNATURE_WINDOW_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: "signature_missing" | "timestamp_stale" | "signature_mismatch" };

export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${crypto.createHmac("sha256", secret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`;
}

export function verifySlackSignature(
  secret: string,
  headers: { signature: string | null; timestamp: string | null },
  rawBody: string,
  now: Date = new Date(),
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "signature_missing" };
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) return { ok: false, reason: "timestamp_stale" };
  const expected = Buffer.from(slackSignature(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return { ok: false, reason: "signature_mismatch" };
  return { ok: true };
}
