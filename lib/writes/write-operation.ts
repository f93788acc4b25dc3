// What the write lifecycle needs of a write operation: a dry-run preview and an execution, both
// against the approving transaction's data. The catalogue (lib/operations) declares the writes;
// this room only runs them, so it depends on this contract and never on the catalogue itself.
import type { z } from "zod";
import type { Tx } from "@/lib/db/transaction";
import type { Tenant } from "@/lib/generated/prisma/client";

/** One line of a write preview: what changes, from what, to what. */
export type PreviewChange = { target: string; field: string; before: unknown; after: unknown };
export type WritePreview = { summary: string; changes: PreviewChange[]; warnings?: string[] };

/** What a write's preview and execution see: the tenant, inside the approving transaction. */
export type WriteContext = { tx: Tx; tenant: Tenant; now: Date; writeRequestId: string | null };

export type ExecutableWrite = {
  name: string;
  kind: "write";
  input: z.ZodType;
  target?: (input: unknown) => string | null;
  /**
   * Dry run against current data: what would change, before → after. Throws OperationError when
   * the request cannot succeed now (unknown member, empty pool, insufficient balance).
   */
  preview: (ctx: WriteContext, input: unknown) => Promise<WritePreview>;
  /** Applies the change, re-checking every invariant against current data. */
  execute: (ctx: WriteContext, input: unknown) => Promise<unknown>;
};

/** How the lifecycle finds the write a stored request names (the catalogue, bound by lib/operations). */
export type FindWrite = (name: string) => ExecutableWrite | undefined;
