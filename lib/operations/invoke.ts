// The one way an operation runs, from any surface (MCP, console, CLI, Slack): find it, check its
// arguments (strictly: unknown fields are refused, so nobody can smuggle "approved": true or another
// tenant's id), ask the guard, then run the read in the credential's tenant or hand the write to the
// approval lifecycle (lib/writes) — and audit the outcome, allowed, denied or failed.
import { z } from "zod";
import { describeUnknownFields } from "@/lib/unknown-fields";
import { audit, type AuditSurface } from "@/lib/audit/record-audit-event";
import { OperationError } from "@/lib/errors";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { authorize } from "@/lib/governance/guard";
import { GroundingError } from "@/lib/semantic/grounding";
import { renderReceipt } from "@/lib/writes/receipt";
import { requestWrite } from "@/lib/writes/request-write";
import { findOperation } from "./catalogue";
import type { Operation, OperationContext } from "./operation";

export type InvocationContext = OperationContext & {
  surface: AuditSurface;
  client?: { name?: string; version?: string };
};

export type InvocationResult =
  | { ok: true; operation: Operation; output: unknown; text: string }
  | { ok: false; error: OperationError };

/** An agent may send this with any write so that repeating the request returns the first one. */
export const IdempotencyKeySchema = z
  .string()
  .min(8)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, "letters, digits and . _ : - only")
  .describe("Optional: repeat a request with the same key to get the existing request back instead of a new one");

const inputSchemas = new Map<string, z.ZodType>();

/** The schema arguments are validated against: strict objects, plus idempotencyKey for writes. */
export function inputSchemaOf(op: Operation): z.ZodType {
  const cached = inputSchemas.get(op.name);
  if (cached) return cached;
  let schema = op.input;
  if (schema instanceof z.ZodObject) {
    schema = op.kind === "write" ? schema.extend({ idempotencyKey: IdempotencyKeySchema.optional() }).strict() : schema.strict();
  }
  inputSchemas.set(op.name, schema);
  return schema;
}

/** zod's issues as one line for the caller; `schema` (what was parsed) lets unknown fields name the known ones. */
export function formatIssues(error: z.ZodError, schema?: z.ZodType): string {
  return error.issues
    .slice(0, 8)
    .map((i) => {
      const where = i.path.length ? i.path.join(".") : "arguments";
      if (i.code !== "unrecognized_keys") return `${where}: ${i.message}`;
      return `${where}: ${describeUnknownFields(i.keys, schema, i.path)}`;
    })
    .join("; ");
}

/**
 * What schemas cannot see: text PostgreSQL cannot store or that is not Unicode (a NUL character, an
 * unpaired surrogate), and "__proto__" keys, which parsing drops silently (a filter would vanish).
 * Walks the arguments without recursion, so deeply nested JSON cannot exhaust the stack.
 */
export function unsafeArgument(args: unknown): string | null {
  const badText = (s: string) => s.includes("\u0000") || !s.isWellFormed();
  const stack: { value: unknown; path: string }[] = [{ value: args, path: "" }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, path } = item;
    if (typeof value === "string") {
      if (badText(value)) return `${path || "arguments"}: text must not contain NUL characters or unpaired surrogates`;
    } else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        if (key === "__proto__" || badText(key)) {
          return `${path || "arguments"}: field names must not be "__proto__" or contain NUL characters or unpaired surrogates`;
        }
        stack.push({ value: child, path: path ? `${path}.${key}` : key });
      }
    }
  }
  return null;
}

function toOperationError(err: unknown): OperationError {
  if (err instanceof OperationError) return err;
  if (isDatabaseUnavailable(err)) {
    return new OperationError("database_unavailable", "The service's database became unavailable before the request completed; try again shortly.");
  }
  if (err instanceof GroundingError) {
    return new OperationError("not_grounded", err.message, { grounding: err.code, suggestions: err.suggestions });
  }
  return new OperationError("internal_error", "The operation failed on the server. It has been logged; try again or contact an admin.");
}

export async function invokeOperation(ctx: InvocationContext, name: string, rawArgs: unknown): Promise<InvocationResult> {
  const started = performance.now();
  const operation = findOperation(name);
  let target: string | null = null;

  const finish = async (outcome: "ok" | "denied" | "error", error?: OperationError) => {
    // Fail closed: if the audit event cannot be written, the caller gets an error, not the result.
    await audit(ctx.db, {
      tenantId: ctx.tenant.id,
      actorType: ctx.credential.type,
      actorId: ctx.credential.id,
      actorLabel: ctx.credential.label,
      surface: ctx.surface,
      action: name,
      target,
      arguments: rawArgs,
      outcome,
      errorCode: error?.code ?? null,
      latencyMs: Math.round(performance.now() - started),
      requestId: ctx.requestId,
      clientName: ctx.client?.name ?? null,
      clientVersion: ctx.client?.version ?? null,
    });
  };
  const deny = async (error: OperationError): Promise<InvocationResult> => {
    await finish("denied", error);
    return { ok: false, error };
  };

  if (!operation) {
    return deny(new OperationError("unknown_operation", `There is no tool named "${name}". Call tools/list to see the tools this key may use.`));
  }
  const decision = authorize(ctx.credential, operation);
  if (!decision.allowed) return deny(new OperationError(decision.code, decision.message, decision.details));
  const unsafe = unsafeArgument(rawArgs);
  if (unsafe) return deny(new OperationError("invalid_arguments", `Invalid arguments for ${operation.name}: ${unsafe}.`));
  const schema = inputSchemaOf(operation);
  const parsed = schema.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    return deny(new OperationError("invalid_arguments", `Invalid arguments for ${operation.name}: ${formatIssues(parsed.error, schema)}.`));
  }
  target = operation.target?.(parsed.data) ?? null;

  let output: unknown;
  let text: string;
  try {
    if (operation.kind === "write") {
      // The pending request and its audit event are stored in one transaction by requestWrite, which
      // first applies the credential's write limits (lib/governance/write-limits.ts) to current data.
      const { idempotencyKey, ...args } = parsed.data as Record<string, unknown> & { idempotencyKey?: string };
      const receipt = await requestWrite(ctx, operation, args, idempotencyKey, {
        arguments: rawArgs,
        latencyMs: () => Math.round(performance.now() - started),
      });
      return { ok: true, operation, output: receipt, text: renderReceipt(receipt) };
    }
    output = await operation.handler(ctx, parsed.data);
    text = operation.render(output);
  } catch (err) {
    const error = toOperationError(err);
    if (error.code === "internal_error") console.error(`[socode] ${operation.name} failed (request ${ctx.requestId}):`, err);
    // A write beyond the credential's limits (checked by lib/writes as it queues) is a refusal.
    await finish(error.code === "limit_exceeded" ? "denied" : "error", error);
    return { ok: false, error };
  }
  await finish("ok");
  return { ok: true, operation, output, text };
}
