// Bot tokens are sealed at rest with AES-256-GCM under SOCODE_SLACK_TOKEN_KEY: a database dump alone
// does not give anyone a token that can post in a customer's workspace. The connection id is bound as
// additional data, so a sealed token copied onto another connection's row does not open.
import crypto from "node:crypto";
import { slackTokenKey } from "@/lib/secrets";

const VERSION = "v1";

export function sealBotToken(token: string, connectionId: string, key: Buffer = slackTokenKey()): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(connectionId));
  const body = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

export class SealedTokenError extends Error {
  readonly code = "slack_token_unreadable";
}

export function openBotToken(sealed: string, connectionId: string, key: Buffer = slackTokenKey()): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || !body) throw new SealedTokenError("The stored Slack bot token has an unknown format; reconnect the workspace.");
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(connectionId));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SealedTokenError("The stored Slack bot token cannot be decrypted (was SOCODE_SLACK_TOKEN_KEY changed?); reconnect the workspace.");
  }
}
