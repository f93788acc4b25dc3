// The operation catalogue's shape. Every capability an agent (or later Slack) can use is declared
// once here — name, description for an agent, zod input and output schemas, required scope, read
// or write, handler — and every surface goes through lib/governance/guard.ts to run it, so scope
// checks, tenant scoping and audit cannot be forgotten by a new surface.
import type { z } from "zod";
import type { Db } from "@/lib/db/client";
import type { Tenant } from "@/lib/generated/prisma/client";
import type { Scope } from "@/lib/governance/scopes";
import type { Tx } from "@/lib/db/transaction";

/** Who is calling: a credential bound to exactly one tenant (an API key, or an OAuth grant acting through its key row). */
export type Credential = {
  /** slack: a Slack workspace connection, or a Slack user linked to a console user (lib/slack/credential.ts). */
  type: "key" | "oauth" | "slack";
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

type Common<I extends z.ZodType, O> = {
  name: string;
  title: string;
  /** Written for an agent: when to use it, what it returns, how to follow up. */
  description: string;
  /** The credential needs this scope (or, for a list, any one of them). */
  scope: Scope | readonly Scope[];
  input: I;
  /** Describes `structuredContent`; published as the tool's outputSchema. */
  output: z.ZodType;
  /** A short text rendering of the result for clients that show text. */
  render: (output: O) => string;
  /** What to record as the audit target, e.g. "metric:gmv". */
  target?: (input: z.output<I>) => string | null;
};

export type TypedReadOperation<I extends z.ZodType, O> = Common<I, O> & {
  kind: "read";
  /** Same arguments, same answer (and no effect). */
  idempotent?: boolean;
  /** False for the rare non-write that changes state, e.g. cancelling one's own pending request. */
  readOnly?: boolean;
  handler: (ctx: OperationContext, input: z.output<I>) => Promise<O>;
};

/** One line of a write preview: what changes, from what, to what. */
export type PreviewChange = { target: string; field: string; before: unknown; after: unknown };
export type WritePreview = { summary: string; changes: PreviewChange[]; warnings?: string[] };

/** What a write's preview and execution see: the tenant, inside the approving transaction. */
export type WriteContext = { tx: Tx; tenant: Tenant; now: Date; writeRequestId: string | null };

export type TypedWriteOperation<I extends z.ZodType, R> = Omit<Common<I, unknown>, "render" | "output"> & {
  kind: "write";
  /**
   * Dry run against current data: what would change, before → after. Throws OperationError when
   * the request cannot succeed now (unknown member, empty pool, insufficient balance).
   */
  preview: (ctx: WriteContext, input: z.output<I>) => Promise<WritePreview>;
  /** Applies the change, re-checking every invariant against current data. */
  execute: (ctx: WriteContext, input: z.output<I>) => Promise<R>;
  /** Text for the executed result, shown to approvers and agents. */
  describeResult: (result: R) => string;
};

export type ReadOperation = TypedReadOperation<z.ZodType, unknown>;
export type WriteOperation = TypedWriteOperation<z.ZodType, unknown>;
/** An operation as the guard and surfaces see it: input and output types erased. */
export type Operation = ReadOperation | WriteOperation;

/**
 * Declares a read operation with its types checked, and erases them for the catalogue. Erasing is
 * safe because the guard only ever calls `handler` with the output of parsing `input`, and passes
 * only `handler`'s result to `render`.
 */
export function defineOperation<I extends z.ZodType, O>(operation: Omit<TypedReadOperation<I, O>, "kind"> & { kind: "read" }): Operation {
  return operation as unknown as ReadOperation;
}

/** Declares a write operation; same erasure argument as defineOperation (preview/execute get parsed input). */
export function defineWriteOperation<I extends z.ZodType, R>(operation: TypedWriteOperation<I, R>): Operation {
  return operation as unknown as WriteOperation;
}
