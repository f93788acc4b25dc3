// Approving or rejecting a write request. Approval executes the operation in the same transaction
// that records the decision, under a row lock on the request, so concurrent approvals, double
// clicks and retries execute it exactly once; invariants are re-checked against current data and a
// failed execution leaves nothing half-applied (it is rolled back to a savepoint and recorded).
import { audit, recordAuditEvent, type AuditSurface } from "@/lib/audit/record-audit-event";
import type { Db } from "@/lib/db/client";
import type { Tx } from "@/lib/db/transaction";
import type { Prisma, WriteRequest } from "@/lib/generated/prisma/client";
import { isUuid } from "@/lib/ids";
import { OperationError } from "@/lib/errors";
import { limitHolderNoun, storedWriteLimits } from "@/lib/governance/write-limits";
import { writeArgumentsHash } from "./arguments-hash";
import { enforceWriteLimits } from "./enforce-write-limits";
import { effectiveStatus } from "./status";
import type { FindWrite } from "./write-operation";

export type Decider = { userId: string; surface: Exclude<AuditSurface, "mcp" | "system"> };

export type DecisionResult = { request: WriteRequest; outcome: "executed" | "failed" | "rejected" | "expired" };

const TX_OPTIONS = { timeout: 120_000, maxWait: 30_000 } as const;

async function lockRequest(tx: Tx, tenantId: string, requestId: string): Promise<WriteRequest> {
  // Row lock: a second approver waits here until the first commits, then sees the new status.
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM write_requests WHERE id = ${requestId}::uuid AND tenant_id = ${tenantId}::uuid FOR UPDATE`;
  if (!locked.length) throw new OperationError("not_found", `No write request ${requestId} in this tenant.`);
  return tx.writeRequest.findUniqueOrThrow({ where: { id: requestId } });
}

async function requireApprover(tx: Tx, tenantId: string, userId: string) {
  const membership = await tx.membership.findUnique({ where: { tenantId_userId: { tenantId, userId } }, include: { user: true } });
  if (!membership || !membership.user.active || !membership.roles.includes("approver")) {
    throw new OperationError("forbidden", "Only an approver of this tenant can approve or reject write requests.");
  }
  return membership.user;
}

/** Pending in the database (possibly past its expiry, which the caller then records). */
function assertPending(request: WriteRequest, now: Date) {
  if (request.status === "pending") return;
  const status = effectiveStatus(request, now);
  const when = request.executedAt ?? request.decidedAt;
  throw new OperationError("request_not_pending", `Write request ${request.id} is already ${status}${when ? ` (since ${when.toISOString()})` : ""}; nothing was changed.`);
}

export type DecisionInput = { tenantId: string; requestId: string; decider: Decider; reason?: string | null; now?: Date };

/** Runs `decide`; a refusal (thrown OperationError) rolls back and is then audited as denied. */
async function withDeniedAudit<T>(db: Db, input: DecisionInput, action: string, decide: () => Promise<T>): Promise<T> {
  try {
    return await decide();
  } catch (err) {
    if (err instanceof OperationError && err.code !== "internal_error") {
      await audit(db, {
          tenantId: input.tenantId,
          actorType: "user",
          actorId: input.decider.userId,
          surface: input.decider.surface,
          action,
          target: `write_request:${input.requestId}`,
          outcome: "denied",
          errorCode: err.code,
          writeRequestId: isUuid(input.requestId) && err.code !== "not_found" ? input.requestId : null,
      });
    }
    throw err;
  }
}

async function markExpired(tx: Tx, request: WriteRequest, input: DecisionInput, now: Date): Promise<DecisionResult> {
  const expired = await tx.writeRequest.update({ where: { id: request.id }, data: { status: "expired" } });
  await recordAuditEvent(tx, {
    tenantId: request.tenantId,
    actorType: "system",
    surface: "system",
    action: "write.expire",
    target: `write_request:${request.id}`,
    outcome: "ok",
    writeRequestId: request.id,
    occurredAt: now,
  });
  return { request: expired, outcome: "expired" };
}

/** `findWrite` resolves the stored operation name (lib/operations binds it to the catalogue). */
export async function approveWriteRequestWith(db: Db, input: DecisionInput, findWrite: FindWrite): Promise<DecisionResult> {
  const now = input.now ?? new Date();
  return withDeniedAudit(db, input, "write.approve", () =>
    db.$transaction(async (tx) => {
      if (!isUuid(input.requestId)) throw new OperationError("not_found", `No write request ${input.requestId} in this tenant.`);
      const request = await lockRequest(tx, input.tenantId, input.requestId);
      const approver = await requireApprover(tx, input.tenantId, input.decider.userId);
      assertPending(request, now);
      if (effectiveStatus(request, now) === "expired") return markExpired(tx, request, input, now);

      const key = request.requesterKeyId
        ? await tx.apiKey.findUnique({ where: { id: request.requesterKeyId }, include: { oauthGrant: { select: { id: true } }, slackConnection: { select: { id: true } }, slackLink: { select: { id: true } } } })
        : null;
      if (key?.issuerId && key.issuerId === approver.id) {
        throw new OperationError(
          "four_eyes",
          "You issued the key that asked for this change, so you cannot approve it yourself (four-eyes rule). Ask another approver.",
        );
      }
      const audit = (action: string, outcome: "ok" | "error" | "denied", errorCode: string | null = null) =>
        recordAuditEvent(tx, {
          tenantId: request.tenantId,
          actorType: "user",
          actorId: approver.id,
          actorLabel: approver.email,
          surface: input.decider.surface,
          action,
          target: `write_request:${request.id}`,
          arguments: action === "write.approve" ? { reason: input.reason ?? null } : undefined,
          outcome,
          errorCode,
          writeRequestId: request.id,
        });

      const fail = async (code: string, message: string): Promise<DecisionResult> => {
        const failed = await tx.writeRequest.update({
          where: { id: request.id },
          data: { status: "failed", decidedById: approver.id, decidedAt: now, reason: input.reason ?? null, error: { code, message } },
        });
        await audit("write.approve", "ok");
        // A write beyond the requesting credential's limits is a refusal, not a failure of the write.
        await audit(`${request.operation}.execute`, code === "limit_exceeded" ? "denied" : "error", code);
        return { request: failed, outcome: "failed" };
      };

      const expectedHash = writeArgumentsHash({
        tenantId: request.tenantId,
        requesterKeyId: request.requesterKeyId,
        operation: request.operation,
        arguments: request.arguments,
      });
      if (expectedHash !== request.argumentsHash) {
        return fail("arguments_tampered", "The stored arguments no longer match the request's hash; it was not executed. Ask the agent to request it again.");
      }
      const operation = findWrite(request.operation);
      if (!operation) return fail("unknown_operation", `Operation ${request.operation} no longer exists.`);
      const parsed = operation.input.safeParse(request.arguments);
      if (!parsed.success) return fail("invalid_arguments", "The stored arguments are no longer valid for this operation.");

      const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: request.tenantId } });
      await tx.$executeRawUnsafe("SAVEPOINT execute_write");
      let result: unknown;
      try {
        // The requesting key's limits as they are now, not as they were when the request was queued:
        // an admin who lowers a cap (or pauses writes) stops pending requests beyond it too.
        await enforceWriteLimits(tx, {
          limits: storedWriteLimits(key?.writeLimits),
          keyId: key?.id ?? null,
          tenant,
          operation,
          args: parsed.data,
          now,
          phase: "execute",
          // Named as the requester knows it: a Slack user's request is capped by the Slack connection.
          credentialNoun: limitHolderNoun(key?.slackConnection || key?.slackLink ? "slack" : "key", !!key?.oauthGrant),
        });
        result = await operation.execute({ tx, tenant, now, writeRequestId: request.id }, parsed.data);
        await tx.$executeRawUnsafe("RELEASE SAVEPOINT execute_write");
      } catch (err) {
        if (!(err instanceof OperationError)) throw err;
        // The preview no longer holds (e.g. the balance changed): undo everything execute did.
        await tx.$executeRawUnsafe("ROLLBACK TO SAVEPOINT execute_write");
        return fail(err.code, err.message);
      }
      const executed = await tx.writeRequest.update({
        where: { id: request.id },
        data: {
          status: "executed",
          decidedById: approver.id,
          decidedAt: now,
          executedAt: now,
          reason: input.reason ?? null,
          result: (result ?? null) as Prisma.InputJsonValue,
        },
      });
      await audit("write.approve", "ok");
      await audit(`${request.operation}.execute`, "ok");
      return { request: executed, outcome: "executed" };
    }, TX_OPTIONS),
  );
}

export async function rejectWriteRequest(db: Db, input: DecisionInput & { reason: string }): Promise<DecisionResult> {
  const now = input.now ?? new Date();
  return withDeniedAudit(db, input, "write.reject", () =>
    db.$transaction(async (tx) => {
      if (input.reason.trim().length < 3) throw new OperationError("invalid_arguments", "A rejection needs a reason (at least 3 characters) so the requester knows why.");
      if (!isUuid(input.requestId)) throw new OperationError("not_found", `No write request ${input.requestId} in this tenant.`);
      const request = await lockRequest(tx, input.tenantId, input.requestId);
      const approver = await requireApprover(tx, input.tenantId, input.decider.userId);
      assertPending(request, now);
      if (effectiveStatus(request, now) === "expired") return markExpired(tx, request, input, now);
      const rejected = await tx.writeRequest.update({
        where: { id: request.id },
        data: { status: "rejected", decidedById: approver.id, decidedAt: now, reason: input.reason.trim() },
      });
      await recordAuditEvent(tx, {
        tenantId: request.tenantId,
        actorType: "user",
        actorId: approver.id,
        actorLabel: approver.email,
        surface: input.decider.surface,
        action: "write.reject",
        target: `write_request:${request.id}`,
        arguments: { reason: input.reason.trim() },
        outcome: "ok",
        writeRequestId: request.id,
      });
      return { request: rejected, outcome: "rejected" };
    }, TX_OPTIONS),
  );
}
