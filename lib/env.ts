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
  /** Connections per app instance to the PostgreSQL server (server mode). */
  SOCODE_DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
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
  /** MCP requests allowed per key per minute. */
  SOCODE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(300),
  /** Chromium binary for Playwright (defaults to Playwright's own browser when unset). */
  CHROMIUM_PATH: z.string().optional(),
  /** Base URL next-auth builds callback URLs from (the launcher sets it from SOCODE_PUBLIC_URL). */
  NEXTAUTH_URL: z.string().url().optional(),
  /** Console session lifetime in hours (sign in again afterwards). */
  SOCODE_SESSION_MAX_AGE_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(8),
  /** Optional OIDC sign-in for the console: issuer URL (its /.well-known/openid-configuration is used). */
  SOCODE_OIDC_ISSUER: z.string().url().optional(),
  SOCODE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  SOCODE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** Label on the sign-in button, e.g. "Okta". */
  SOCODE_OIDC_NAME: z.string().min(1).default("Single sign-on"),
});

export type Env = z.infer<typeof EnvSchema>;

const EnvWithChecks = EnvSchema.superRefine((e, ctx) => {
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
