// Reading write requests: an agent sees its own key's requests; the console sees the tenant's.
import { AUDITED_TX_OPTIONS, recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Db } from "@/lib/db/client";
import type { DbOrTx } from "@/lib/db/transaction";
import type { WriteRequest, WriteRequestStatus } from "@/lib/generated/prisma/client";
import { isUuid } from "@/lib/ids";
import { OperationError } from "@/lib/errors";
import type { Credential } from "@/lib/governance/credential";
import { effectiveStatus } from "./status";

/** Agents and people read "pending_approval" for a request waiting for a human. */
export type WriteRequestViewStatus = Exclude<WriteRequestStatus, "pending"> | "pending_approval";

export function viewStatus(status: WriteRequestStatus): WriteRequestViewStatus {
  return status === "pending" ? "pending_approval" : status;
}

export type WriteRequestView = {
  id: string;
  operation: string;
  status: WriteRequestViewStatus;
  arguments: unknown;
  preview: unknown;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  executedAt: string | null;
  reason: string | null;
  result: unknown;
  error: unknown;
};

export function viewOf(request: WriteRequest, now: Date = new Date()): WriteRequestView {
  return {
    id: request.id,
    operation: request.operation,
    status: viewStatus(effectiveStatus(request, now)),
    arguments: request.arguments,
    preview: request.preview,
    createdAt: request.createdAt.toISOString(),
    expiresAt: request.expiresAt.toISOString(),
    decidedAt: request.decidedAt?.toISOString() ?? null,
    executedAt: request.executedAt?.toISOString() ?? null,
    reason: request.reason,
    result: request.result,
    error: request.error,
  };
}

/** One request of the tenant (optionally only if `requesterKeyId` asked for it). */
export async function getWriteRequest(db: DbOrTx, tenantId: string, id: string, requesterKeyId?: string): Promise<WriteRequest> {
  const request = isUuid(id)
    ? await db.writeRequest.findFirst({ where: { id, tenantId, ...(requesterKeyId ? { requesterKeyId } : {}) } })
    : null;
  if (!request) throw new OperationError("not_found", `No write request ${id} for this key. list_write_requests shows yours.`);
  return request;
}

export type ListWriteRequestsInput = { status?: WriteRequestStatus; requesterKeyId?: string; limit: number; cursor?: string };

/** Newest first; `status: "pending"` excludes requests past their expiry and `expired` includes them. */
export async function listWriteRequests(db: DbOrTx, tenantId: string, input: ListWriteRequestsInput, now: Date = new Date()) {
  const statusWhere =
    input.status === "pending"
      ? { status: "pending" as const, expiresAt: { gt: now } }
      : input.status === "expired"
        ? { OR: [{ status: "expired" as const }, { status: "pending" as const, expiresAt: { lte: now } }] }
        : input.status
          ? { status: input.status }
          : {};
  const rows = await db.writeRequest.findMany({
    where: { tenantId, ...statusWhere, ...(input.requesterKeyId ? { requesterKeyId: input.requesterKeyId } : {}), ...(input.cursor ? { id: { lt: input.cursor } } : {}) },
    orderBy: { id: "desc" },
    take: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  return { requests: page, nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null };
}

/** The requesting key withdraws its own pending request. */
export async function cancelWriteRequest(db: Db, credential: Credential, id: string, requestId: string, now: Date = new Date()): Promise<WriteRequest> {
  return db.$transaction(async (tx) => {
    const request = await getWriteRequest(tx, credential.tenantId, id, credential.id);
    await tx.$queryRaw`SELECT id FROM write_requests WHERE id = ${request.id}::uuid FOR UPDATE`;
    const current = await tx.writeRequest.findUniqueOrThrow({ where: { id: request.id } });
    const status = effectiveStatus(current, now);
    if (status !== "pending") throw new OperationError("request_not_pending", `Write request ${id} is ${status}; only a pending request can be cancelled.`);
    const cancelled = await tx.writeRequest.update({ where: { id: current.id }, data: { status: "cancelled", decidedAt: now } });
    await recordAuditEvent(tx, {
      tenantId: credential.tenantId,
      actorType: credential.type,
      actorId: credential.id,
      actorLabel: credential.label,
      surface: "mcp",
      action: "write.cancel",
      target: `write_request:${current.id}`,
      outcome: "ok",
      requestId,
      writeRequestId: current.id,
    });
    return cancelled;
  }, AUDITED_TX_OPTIONS);
}
