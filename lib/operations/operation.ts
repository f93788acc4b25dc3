// The operation catalogue's shape. Every capability an agent (or later Slack) can use is declared
// once here — name, description for an agent, zod input and output schemas, required scope, read
// or write, handler — and every surface goes through invokeOperation (lib/operations/invoke.ts), so scope
// checks, tenant scoping and audit cannot be forgotten by a new surface.
import type { z } from "zod";
import type { Db } from "@/lib/db/client";
import type { Tenant } from "@/lib/generated/prisma/client";
import type { Credential } from "@/lib/governance/credential";
import type { Scope } from "@/lib/governance/scopes";
import type { WriteContext, WritePreview } from "@/lib/writes/write-operation";

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
