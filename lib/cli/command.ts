// The shape every `socode` CLI command has. Commands live one per file in ./commands and are
// listed in ./commands/index.ts; ./main.ts parses flags, validates them with the command's zod
// schema, opens the database when needed, and prints the result as text or JSON (--json).
import { z } from "zod";
import { parseExpiry } from "@/lib/auth/api-keys";
import type { Db } from "@/lib/db/client";
import { getTenantBySlug } from "@/lib/governance/tenants";

export type FlagSpec = {
  type: "string" | "boolean";
  description: string;
  /** Shown in --help, e.g. "metrics:read" or "YYYY-MM-DD". */
  placeholder?: string;
};

export type CliContext = {
  /** The database, opened on first use (embedded or server, as the environment selects). */
  db: () => Promise<Db>;
  /** Progress for long-running commands; goes to stderr, silent with --json. */
  progress: (message: string) => void;
};

export type CommandResult = {
  /** Machine-readable result printed with --json. */
  data: unknown;
  /** Human-readable result printed otherwise. */
  text: string;
};

export type Command<S extends z.ZodType = z.ZodType> = {
  name: string;
  summary: string;
  flags: Record<string, FlagSpec>;
  /** One positional argument (e.g. a file), passed to the schema under `name`. */
  positional?: { name: string; description: string };
  /** Validates the parsed flags (strings and booleans keyed by flag name). */
  schema: S;
  /** Extra lines for --help (examples). */
  examples?: string[];
  run: (ctx: CliContext, input: z.output<S>) => Promise<CommandResult>;
};

/** An error with a stable code and a message a user can act on; exit code 1 (2 for usage). */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export function defineCommand<S extends z.ZodType>(command: Command<S>): Command<S> {
  return command;
}

/** The tenant named by a --tenant flag, or a CLI error listing the tenants that exist. */
export async function tenantFlag(db: Db, slug: string) {
  return getTenantBySlug(db, slug).catch((e: Error) => {
    throw new CliError("tenant_not_found", e.message);
  });
}

/** An --expires flag ("12h", "30d", "8w") as the instant it names, with parseExpiry's message when it is not one. */
export const ExpiresFlagSchema = z.string().transform((value, ctx) => {
  try {
    return parseExpiry(value);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});
