// Secrets the app needs at run time. In production they must come from the environment; in
// development they are generated once and kept in the data folder (git-ignored), so a fresh clone
// runs with no setup and sessions survive restarts.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { env } from "@/lib/env";

const DevSecretsSchema = z.object({ sessionSecret: z.string().min(32) });
type DevSecrets = z.infer<typeof DevSecretsSchema>;

export class MissingSecretError extends Error {
  readonly code = "missing_secret";
}

function devSecrets(): DevSecrets {
  const dir = path.resolve(env().SOCODE_DATA_DIR);
  const file = path.join(dir, "dev-secrets.json");
  if (fs.existsSync(file)) {
    const parsed = DevSecretsSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    if (parsed.success) return parsed.data;
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secrets: DevSecrets = { sessionSecret: crypto.randomBytes(32).toString("base64url") };
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** The console session secret (NEXTAUTH_SECRET). */
export function sessionSecret(): string {
  const e = env();
  if (e.NEXTAUTH_SECRET) return e.NEXTAUTH_SECRET;
  if (e.NODE_ENV === "production") {
    throw new MissingSecretError(
      "NEXTAUTH_SECRET is not set. Production needs it: generate one with `openssl rand -base64 32` and set it in the environment.",
    );
  }
  return devSecrets().sessionSecret;
}

/**
 * The key that seals Slack bot tokens at rest (AES-256-GCM, lib/slack/token-vault.ts): 32 bytes from
 * SOCODE_SLACK_TOKEN_KEY, or in development generated once into the data folder. Kept apart from
 * dev-secrets.json so adding it never regenerates the session secret.
 */
export function slackTokenKey(): Buffer {
  const e = env();
  if (e.SOCODE_SLACK_TOKEN_KEY) return Buffer.from(e.SOCODE_SLACK_TOKEN_KEY, "base64");
  if (e.NODE_ENV === "production") {
    throw new MissingSecretError(
      "SOCODE_SLACK_TOKEN_KEY is not set. Connecting Slack workspaces needs it to encrypt bot tokens: generate one with `openssl rand -base64 32`.",
    );
  }
  const dir = path.resolve(e.SOCODE_DATA_DIR);
  const file = path.join(dir, "slack-token-key");
  if (fs.existsSync(file)) {
    const key = Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
    if (key.length === 32) return key;
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString("base64"), { mode: 0o600 });
  return key;
}
