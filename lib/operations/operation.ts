// The operation catalogue's shape. Every capability an agent (or later Slack) can use is declared
// once here — name, description for an agent, zod input and output schemas, required scope, read
// or write, handler — and every surface goes through lib/governance/guard.ts to run it, so scope
// checks, tenant scoping and audit cannot be forgotten by a new surface.
import type { z } from "zod";
import type { Db } from "@/lib/db/client";
import type { Tenant } from "@/lib/generated/prisma/client";
import type { Scope } from "@/lib/governance/scopes";

/** Who is calling: a credential bound to exactly one tenant. */
export type Credential = {
  type: "key";
  id: string;
  tenantId: string;
  scopes: readonly string[];
  /** Console user who issued the credential (four-eyes rule for writes). */
  issuerId: string | null;
  /** Human-readable label for audit and the console, e.g. "Claude Code (sc_live_ab12cd…)". */
  label: string;
};

export type OperationContext = {
  db: Db;
  /** The credential's tenant. Handlers never take a tenant from their arguments. */
  tenant: Tenant;
  credential: Credential;
  requestId: string;
  now: Date;
};

export type OperationKind = "read" | "write";

export type TypedOperation<I extends z.ZodType, O> = {
  name: string;
  title: string;
  /** Written for an agent: when to use it, what it returns, how to follow up. */
  description: string;
  kind: OperationKind;
  scope: Scope;
  input: I;
  /** Describes `structuredContent`; published as the tool's outputSchema. */
  output: z.ZodType;
  /** Answers of read operations are idempotent and never change anything. */
  idempotent?: boolean;
  handler: (ctx: OperationContext, input: z.output<I>) => Promise<O>;
  /** A short text rendering of the result for clients that show text. */
  render: (output: O) => string;
  /** What to record as the audit target, e.g. "metric:gmv". */
  target?: (input: z.output<I>) => string | null;
};

/** An operation as the guard and surfaces see it: input and output types erased. */
export type Operation = TypedOperation<z.ZodType, unknown>;

/**
 * Declares an operation with its types checked, and erases them for the catalogue. Erasing is
 * safe because the guard only ever calls `handler` with the output of parsing `input`, and passes
 * only `handler`'s result to `render`.
 */
export function defineOperation<I extends z.ZodType, O>(operation: TypedOperation<I, O>): Operation {
  return operation as unknown as Operation;
}
