// The one place that reads process.env. Everything else imports `env()`.
import { z } from "zod";

const booleanFlag = z
  .enum(["1", "0", "true", "false", "yes", "no"])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** postgresql://… selects server mode; unset selects the embedded PGlite database. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must start with postgresql://")
    .optional(),
  /**
   * Connections per app instance to the PostgreSQL server (server mode). 20 serves 64 concurrent
   * MCP requests without queueing on the pool (a call holds a connection for ~3 short statements;
   * see docs/benchmarks.md), and leaves room for 4 instances under PostgreSQL's default 100.
   */
  SOCODE_DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  /** Folder for the embedded database and generated development secrets. */
  SOCODE_DATA_DIR: z.string().min(1).default(".data"),
  /** Public base URL of the app, used in client configuration snippets and OAuth metadata. */
  SOCODE_PUBLIC_URL: z.string().url().optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Secret for console sessions (next-auth). Required in production. */
  NEXTAUTH_SECRET: z.string().min(32, "NEXTAUTH_SECRET must be at least 32 characters").optional(),
  /** Extra origins allowed to call /api/mcp from a browser, comma separated. */
  SOCODE_ALLOWED_ORIGINS: z.string().default(""),
  /** Seed the demo tenants when the database is empty (default: yes for `dev`, no for `start`). */
  SOCODE_SEED_DEMO: booleanFlag.optional(),
  /** Redis for rate limits shared across instances (optional; in-process limits otherwise). */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "REDIS_URL must start with redis://").optional(),
  /** How long a pending write request waits for an approver before it expires. */
  SOCODE_WRITE_REQUEST_TTL_HOURS: z.coerce.number().min(0.01).max(24 * 30).default(24),
  /** Largest request body /api/ingest accepts, in MiB (bigger files: CLI or console import, which send batches). */
  SOCODE_INGEST_MAX_BODY_MB: z.coerce.number().min(0.01).max(256).default(16),
  /**
   * Serve /api/mcp through the Next.js router instead of ahead of it (lib/mcp/node-endpoint.ts reads
   * it; for comparison and diagnosis — the same handler either way, ~1 ms more CPU per request).
   */
  SOCODE_MCP_THROUGH_NEXT: booleanFlag.optional(),
  /** The same for the ingest batches, POST /api/ingest/v1/{kind} (lib/ingest/node-endpoint.ts). */
  SOCODE_INGEST_THROUGH_NEXT: booleanFlag.optional(),
  /** MCP requests allowed per key per minute. */
  SOCODE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(300),
  /** Chromium binary for Playwright (defaults to Playwright's own browser when unset). */
  CHROMIUM_PATH: z.string().optional(),
  /** Base URL next-auth builds callback URLs from (the launcher sets it from SOCODE_PUBLIC_URL). */
  NEXTAUTH_URL: z.string().url().optional(),
  /** Console session lifetime in hours (sign in again afterwards). */
  SOCODE_SESSION_MAX_AGE_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(8),
  /**
   * How long an instance may trust what it last read of a user's session version: a revoked console
   * session ends within this many seconds on every instance (0 reads it on every request).
   */
  SOCODE_SESSION_RECHECK_SECONDS: z.coerce.number().int().min(0).max(60).default(30),
  /** Optional OIDC sign-in for the console: issuer URL (its /.well-known/openid-configuration is used). */
  SOCODE_OIDC_ISSUER: z.string().url().optional(),
  SOCODE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  SOCODE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** Label on the sign-in button, e.g. "Okta". */
  SOCODE_OIDC_NAME: z.string().min(1).default("Single sign-on"),
  /**
   * Audit MAC keys, `id:base64secret` comma separated (e.g. `k2:…,k1:…`): the first signs new events
   * and checkpoints, all verify (rotation). Unset: a key generated in the data folder (see lib/secrets.ts).
   */
  SOCODE_AUDIT_KEYS: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]+={0,2}(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]+={0,2})*$/,
      "SOCODE_AUDIT_KEYS must be id:base64secret pairs separated by commas, e.g. k1:$(openssl rand -base64 32)",
    )
    .optional(),
  /** Folder for signed audit checkpoints (outside the database); default: audit-checkpoints in the data folder. */
  SOCODE_AUDIT_CHECKPOINT_DIR: z.string().min(1).optional(),
  /** Seconds between automatic audit checkpoints in a running app (0 turns them off). */
  SOCODE_AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  /** Audit events an instance may hold queued for group commit before callers wait (backpressure). */
  SOCODE_AUDIT_QUEUE_MAX: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Most events appended to one chain in one group-commit transaction. */
  SOCODE_AUDIT_BATCH_MAX: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Slack app signing secret: every request to /api/slack/* is verified with it (Slack surface off when unset). */
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  /** Single-workspace mode: the bot token of an app created from slack/manifest.json… */
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, "SLACK_BOT_TOKEN must be a bot token (xoxb-…)").optional(),
  /** …and the slug of the tenant that workspace serves. */
  SOCODE_SLACK_TENANT: z.string().min(1).optional(),
  /** "Add to Slack" (OAuth v2) from the console: the app's client id and secret. */
  SLACK_CLIENT_ID: z.string().min(1).optional(),
  SLACK_CLIENT_SECRET: z.string().min(1).optional(),
  /** Slack Web API base URL (tests point it at a local stand-in). */
  SLACK_API_URL: z.string().url().default("https://slack.com/api/"),
  /** 32-byte key (base64) sealing bot tokens at rest (AES-256-GCM); generated in the data folder in development. */
  SOCODE_SLACK_TOKEN_KEY: z
    .string()
    .refine((v) => Buffer.from(v, "base64").length === 32, "SOCODE_SLACK_TOKEN_KEY must be 32 bytes, base64 encoded (openssl rand -base64 32)")
    .optional(),
});

export type Env = z.infer<typeof EnvSchema>;

const EnvWithChecks = EnvSchema.superRefine((e, ctx) => {
  if (Boolean(e.SLACK_BOT_TOKEN) !== Boolean(e.SOCODE_SLACK_TENANT)) {
    ctx.addIssue({ code: "custom", path: ["SLACK_BOT_TOKEN"], message: "set SLACK_BOT_TOKEN and SOCODE_SLACK_TENANT together (single-workspace mode), or neither" });
  }
  if (Boolean(e.SLACK_CLIENT_ID) !== Boolean(e.SLACK_CLIENT_SECRET)) {
    ctx.addIssue({ code: "custom", path: ["SLACK_CLIENT_ID"], message: "set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET together (or neither)" });
  }
  const oidc = [e.SOCODE_OIDC_ISSUER, e.SOCODE_OIDC_CLIENT_ID, e.SOCODE_OIDC_CLIENT_SECRET];
  if (oidc.some(Boolean) && !oidc.every(Boolean)) {
    ctx.addIssue({
      code: "custom",
      path: ["SOCODE_OIDC_ISSUER"],
      message: "set SOCODE_OIDC_ISSUER, SOCODE_OIDC_CLIENT_ID and SOCODE_OIDC_CLIENT_SECRET together (or none)",
    });
  }
});

export class EnvError extends Error {
  readonly code = "invalid_environment";
}

let cached: Env | undefined;

/** Parses and caches the environment. Throws EnvError with every problem listed. */
export function env(): Env {
  if (cached) return cached;
  // `NAME=` (as .env files and shells leave it) means unset, not an invalid empty value.
  const present = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== ""));
  const parsed = EnvWithChecks.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new EnvError(`Invalid environment:\n${problems}`);
  }
  cached = parsed.data;
  return cached;
}

/** For tests and the CLI, which change process.env before using the database. */
export function resetEnvCache(): void {
  cached = undefined;
}
