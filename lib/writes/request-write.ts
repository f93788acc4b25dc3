// Asking for a write never changes domain data: it validates, previews against current data, and
// stores a pending request bound to a hash of its exact arguments — with its audit event, in one
// transaction. An idempotency key makes a repeated identical request return the first one.
import { AUDITED_TX_OPTIONS, recordAuditEvent, type AuditSurface } from "@/lib/audit/record-audit-event";
import type { Db } from "@/lib/db/client";
import type { Tx } from "@/lib/db/transaction";
import { env } from "@/lib/env";
import type { Tenant, WriteRequest } from "@/lib/generated/prisma/client";
import type { Credential } from "@/lib/governance/credential";
import { OperationError } from "@/lib/errors";
import { writeArgumentsHash } from "./arguments-hash";
import type { WriteReceipt } from "./receipt";
import { viewStatus } from "./read-write-requests";
import { effectiveStatus } from "./status";
import type { ExecutableWrite, WritePreview } from "./write-operation";

/** Who asks for the write, and through which surface (what invokeOperation hands over). */
export type WriteRequester = {
  db: Db;
  tenant: Tenant;
  credential: Credential;
  requestId: string;
  now: Date;
  surface: AuditSurface;
  client?: { name?: string; version?: string };
};

export function receiptOf(request: WriteRequest, existing: boolean, now: Date = new Date()): WriteReceipt {
  const status = viewStatus(effectiveStatus(request, now));
  return {
    requestId: request.id,
    operation: request.operation,
    status,
    preview: request.preview as WritePreview,
    expiresAt: request.expiresAt.toISOString(),
    existing,
    message:
      status === "pending_approval"
        ? `Queued for approval: a human approver of this tenant must confirm it in the SoCode console before anything changes. Do not retry; check its status with get_write_request.`
        : `This request is ${status}.`,
  };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && (err as { code: unknown }).code === "P2002";
}

export async function requestWrite(
  ctx: WriteRequester,
  operation: ExecutableWrite,
  args: Record<string, unknown>,
  idempotencyKey: string | undefined,
  auditInfo: { arguments: unknown; latencyMs: () => number },
): Promise<WriteReceipt> {
  const tenantId = ctx.tenant.id;
  const requesterKeyId = ctx.credential.id;
  const argumentsHash = writeArgumentsHash({ tenantId, requesterKeyId, operation: operation.name, arguments: args });
  const target = operation.target?.(args) ?? null;

  const recordRequestEvent = (tx: Tx, event: { outcome: "ok" | "pending"; errorCode?: string; writeRequestId: string }) =>
    recordAuditEvent(tx, {
      tenantId,
      actorType: ctx.credential.type,
      actorId: ctx.credential.id,
      actorLabel: ctx.credential.label,
      surface: ctx.surface,
      action: operation.name,
      target,
      arguments: auditInfo.arguments,
      latencyMs: auditInfo.latencyMs(),
      requestId: ctx.requestId,
      clientName: ctx.client?.name ?? null,
      clientVersion: ctx.client?.version ?? null,
      ...event,
    });

  const attempt = () =>
    ctx.db.$transaction(async (tx) => {
      if (idempotencyKey) {
        const existing = await tx.writeRequest.findUnique({
          where: { tenantId_requesterKeyId_idempotencyKey: { tenantId, requesterKeyId, idempotencyKey } },
        });
        if (existing) {
          if (existing.argumentsHash !== argumentsHash || existing.operation !== operation.name) {
            throw new OperationError("conflict", `idempotencyKey "${idempotencyKey}" was already used for a different request (${existing.id}). Use a new key for a new request.`);
          }
          await recordRequestEvent(tx, { outcome: "ok", errorCode: "idempotent_replay", writeRequestId: existing.id });
          return receiptOf(existing, true, ctx.now);
        }
      }
      const preview = await operation.preview({ tx, tenant: ctx.tenant, now: ctx.now, writeRequestId: null }, args);
      const request = await tx.writeRequest.create({
        data: {
          tenantId,
          operation: operation.name,
          arguments: args as object,
          argumentsHash,
          preview: preview as object,
          requesterKeyId,
          idempotencyKey: idempotencyKey ?? null,
          expiresAt: new Date(ctx.now.getTime() + env().SOCODE_WRITE_REQUEST_TTL_HOURS * 3_600_000),
        },
      });
      await recordRequestEvent(tx, { outcome: "pending", writeRequestId: request.id });
      return receiptOf(request, false, ctx.now);
    }, AUDITED_TX_OPTIONS);

  try {
    return await attempt();
  } catch (err) {
    // Two identical idempotent requests raced: the loser reads the winner's request.
    if (idempotencyKey && isUniqueViolation(err)) return attempt();
    throw err;
  }
}
