// Secrets the app needs at run time. In production they must come from the environment (the audit
// MAC key has a documented fallback, below); in development they are generated once and kept in the
// data folder (git-ignored), so a fresh clone runs with no setup and sessions survive restarts.
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

export class InvalidSecretError extends Error {
  readonly code = "invalid_secret";
}

export type AuditKeyMaterial = { id: string; secret: Buffer };
export type AuditKeySource = { keys: AuditKeyMaterial[]; source: "environment" | "data-folder"; file?: string };

const AUDIT_KEY_MIN_BYTES = 32;
const DevAuditKeySchema = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), secret: z.string().min(43) });

/**
 * The generated audit key, created once per data folder. Several processes (test workers, the CLI
 * next to the app) may ask at the same moment, and a second key would make the first one's MACs
 * unverifiable: the file is published with link(), which refuses to replace an existing one, so
 * exactly one key wins and everyone reads it.
 */
function devAuditKey(): { key: AuditKeyMaterial; file: string } {
  const dir = path.resolve(env().SOCODE_DATA_DIR);
  const file = path.join(dir, "audit-key.json");
  const read = () => {
    const parsed = DevAuditKeySchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    if (!parsed.success) throw new InvalidSecretError(`${file} is not a valid audit key file; restore it from a backup (events signed with it cannot be verified without it).`);
    return { key: { id: parsed.data.id, secret: Buffer.from(parsed.data.secret, "base64") }, file };
  };
  if (fs.existsSync(file)) return read();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = crypto.randomBytes(32);
  // The id names the key (a fingerprint), so a replaced key file is reported as "unknown key", not as tampering.
  const id = `dev-${crypto.createHash("sha256").update(secret).digest("hex").slice(0, 8)}`;
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ id, secret: secret.toString("base64") }, null, 2), { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return read();
}

/**
 * The audit MAC keys (SOCODE_AUDIT_KEYS; the first signs, all verify). Without the variable, a
 * key generated in the data folder is used — in production too, where lib/audit/audit-keys.ts
 * logs a warning: the data folder is on the app's host, out of a database superuser's reach, but
 * a key in the environment (or a secret manager) survives a lost host and is shared by instances.
 */
export function auditKeySource(): AuditKeySource {
  const e = env();
  if (!e.SOCODE_AUDIT_KEYS) {
    const { key, file } = devAuditKey();
    return { keys: [key], source: "data-folder", file };
  }
  const keys: AuditKeyMaterial[] = [];
  for (const pair of e.SOCODE_AUDIT_KEYS.split(",")) {
    const at = pair.indexOf(":");
    const id = pair.slice(0, at);
    const secret = Buffer.from(pair.slice(at + 1), "base64");
    if (secret.length < AUDIT_KEY_MIN_BYTES) {
      throw new InvalidSecretError(`SOCODE_AUDIT_KEYS: key ${id} has ${secret.length} bytes; use at least ${AUDIT_KEY_MIN_BYTES} (openssl rand -base64 32).`);
    }
    if (keys.some((k) => k.id === id)) throw new InvalidSecretError(`SOCODE_AUDIT_KEYS: key id ${id} appears twice; give each key its own id.`);
    keys.push({ id, secret });
  }
  return { keys, source: "environment" };
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
