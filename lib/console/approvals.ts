// The approvals queue as an approver sees it: pending write requests with the requesting key, its
// issuer, the exact arguments and the server's before → after preview; the history of decided
// requests with their outcome; and the decision itself, which goes through lib/writes (approver
// role, four-eyes, expiry and exactly-once are enforced there, not here).
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import type { DbOrTx } from "@/lib/db/transaction";
import type { Prisma } from "@/lib/generated/prisma/client";
import { findWriteOperation } from "@/lib/operations/catalogue";
import { OperationError } from "@/lib/errors";
import { approveWriteRequest } from "@/lib/operations/approve-write-request";
import { rejectWriteRequest, type DecisionResult } from "@/lib/writes/decide-write-request";
import { viewStatus } from "@/lib/writes/read-write-requests";
import { PreviewSchema } from "@/lib/writes/receipt";
import { effectiveStatus } from "@/lib/writes/status";
import type { ConsoleAccess } from "./access";
import { FOUR_EYES_EXPLANATION, type ApprovalItem, type ApprovalsSnapshot } from "./approvals-view";

export { FOUR_EYES_EXPLANATION, describeAge, describeExpiry, type ApprovalItem, type ApprovalsSnapshot } from "./approvals-view";

const HISTORY_LIMIT = 50;
const QUEUE_LIMIT = 200;

const requestInclude = {
  requesterKey: { select: { name: true, displayPrefix: true, issuerId: true, issuer: { select: { email: true } } } },
  decidedBy: { select: { email: true } },
} satisfies Prisma.WriteRequestInclude;

type RequestWithPeople = Prisma.WriteRequestGetPayload<{ include: typeof requestInclude }>;

/** A preview or argument value as a person reads it: strings bare, everything else as JSON. */
export function displayValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

const ErrorSchema = z.object({ code: z.string(), message: z.string() });

/** What happened, in words: the executed result, why it failed, or why nothing happened. */
export function outcomeText(request: Pick<RequestWithPeople, "operation" | "status" | "result" | "error" | "reason" | "expiresAt">, now: Date): string | null {
  const status = effectiveStatus(request, now);
  switch (status) {
    case "executed": {
      const op = findWriteOperation(request.operation);
      if (!op || request.result === null) return "Executed.";
      try {
        return op.describeResult(request.result);
      } catch {
        return "Executed.";
      }
    }
    case "failed": {
      const parsed = ErrorSchema.safeParse(request.error);
      return parsed.success ? `Not executed: ${parsed.data.message}` : "Not executed; nothing was changed.";
    }
    case "rejected":
      return request.reason ? `Rejected: ${request.reason}` : "Rejected.";
    case "expired":
      return "Expired before anyone decided; nothing was changed.";
    case "cancelled":
      return "Withdrawn by the requesting agent; nothing was changed.";
    default:
      return null;
  }
}

export function toApprovalItem(request: RequestWithPeople, viewerId: string, now: Date): ApprovalItem {
  const preview = PreviewSchema.safeParse(request.preview);
  const key = request.requesterKey;
  return {
    id: request.id,
    operation: request.operation,
    operationTitle: findWriteOperation(request.operation)?.title ?? request.operation,
    summary: preview.success ? preview.data.summary : "",
    changes: preview.success
      ? preview.data.changes.map((c) => ({ target: c.target, field: c.field, before: displayValue(c.before), after: displayValue(c.after) }))
      : [],
    warnings: preview.success ? (preview.data.warnings ?? []) : [],
    argumentsJson: JSON.stringify(request.arguments, null, 2),
    requester: key ? { keyName: key.name, keyPrefix: key.displayPrefix, issuerEmail: key.issuer?.email ?? null } : null,
    status: viewStatus(effectiveStatus(request, now)),
    createdAt: request.createdAt.toISOString(),
    expiresAt: request.expiresAt.toISOString(),
    selfIssued: key?.issuerId != null && key.issuerId === viewerId,
    decidedBy: request.decidedBy?.email ?? null,
    decidedAt: (request.decidedAt ?? request.executedAt)?.toISOString() ?? null,
    reason: request.reason,
    outcomeText: outcomeText(request, now),
  };
}

const pendingWhere = (tenantId: string, now: Date): Prisma.WriteRequestWhereInput => ({ tenantId, status: "pending", expiresAt: { gt: now } });

/** Requests waiting for a decision, newest first (expired ones are history, not queue). */
export async function listPendingApprovals(db: DbOrTx, tenantId: string, viewerId: string, now: Date = new Date()): Promise<ApprovalItem[]> {
  const rows = await db.writeRequest.findMany({ where: pendingWhere(tenantId, now), include: requestInclude, orderBy: { createdAt: "desc" }, take: QUEUE_LIMIT });
  return rows.map((r) => toApprovalItem(r, viewerId, now));
}

/** Decided (or expired, or withdrawn) requests, newest request first (an expired one has no decision time). */
export async function listDecidedApprovals(db: DbOrTx, tenantId: string, viewerId: string, now: Date = new Date()): Promise<ApprovalItem[]> {
  const rows = await db.writeRequest.findMany({
    where: { tenantId, OR: [{ status: { not: "pending" } }, { expiresAt: { lte: now } }] },
    include: requestInclude,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: HISTORY_LIMIT,
  });
  return rows.map((r) => toApprovalItem(r, viewerId, now));
}

export function countPendingApprovals(db: DbOrTx, tenantId: string, now: Date = new Date()): Promise<number> {
  return db.writeRequest.count({ where: pendingWhere(tenantId, now) });
}

export async function approvalsSnapshot(db: DbOrTx, tenantId: string, viewerId: string, now: Date = new Date()): Promise<ApprovalsSnapshot> {
  const [pending, history] = await Promise.all([listPendingApprovals(db, tenantId, viewerId, now), listDecidedApprovals(db, tenantId, viewerId, now)]);
  return { now: now.toISOString(), pending, history };
}

// ───────────── deciding ─────────────

const RequestIdSchema = z.string().uuid({ message: "That request id is not valid; reload the queue." });

export const ApprovalDecisionSchema = z.discriminatedUnion("decision", [
  z.object({ decision: z.literal("approve"), requestId: RequestIdSchema }),
  z.object({
    decision: z.literal("reject"),
    requestId: RequestIdSchema,
    reason: z
      .string()
      .trim()
      .min(3, { message: "Give a reason for rejecting (at least 3 characters) so the requester knows why." })
      .max(500, { message: "Keep the reason under 500 characters." }),
  }),
]);
export type ApprovalDecision = z.infer<typeof ApprovalDecisionSchema>;

export type DecisionOutcome =
  | { status: "decided"; outcome: DecisionResult["outcome"]; message: string; item: ApprovalItem }
  | { status: "error"; code: string; message: string };

/** A refusal from lib/writes in words an approver can act on. */
export function refusalMessage(err: OperationError): string {
  switch (err.code) {
    case "four_eyes":
      return FOUR_EYES_EXPLANATION;
    case "not_found":
      return "This request is not in this tenant's queue; reload the page.";
    case "forbidden":
      return "Only an approver of this tenant can decide write requests; ask a tenant admin for the approver role.";
    default:
      return err.message;
  }
}

function decidedMessage(result: DecisionResult, text: string | null): string {
  switch (result.outcome) {
    case "executed":
      return `Approved and executed. ${text ?? ""}`.trim();
    case "failed":
      return `Approved, but it could not be executed, so nothing was changed. ${text ?? ""}`.trim();
    case "rejected":
      return "Rejected. The requesting agent sees your reason.";
    case "expired":
      return "This request had expired before your decision; nothing was changed.";
  }
}

/**
 * Approves or rejects one request of the signed-in approver's tenant. The tenant comes from the
 * checked session access, never from the form. Refusals come back as an error in words.
 */
export async function decideApproval(db: Db, access: Pick<ConsoleAccess, "user" | "tenant">, input: unknown, now: Date = new Date()): Promise<DecisionOutcome> {
  const parsed = ApprovalDecisionSchema.safeParse(input);
  if (!parsed.success) return { status: "error", code: "invalid_input", message: parsed.error.issues[0]?.message ?? "Invalid decision." };
  const decision = parsed.data;
  const base = { tenantId: access.tenant.id, requestId: decision.requestId, decider: { userId: access.user.id, surface: "console" as const }, now };
  let result: DecisionResult;
  try {
    result = decision.decision === "approve" ? await approveWriteRequest(db, base) : await rejectWriteRequest(db, { ...base, reason: decision.reason });
  } catch (err) {
    if (err instanceof OperationError) return { status: "error", code: err.code, message: refusalMessage(err) };
    throw err;
  }
  const row = await db.writeRequest.findUniqueOrThrow({ where: { id: result.request.id }, include: requestInclude });
  const item = toApprovalItem(row, access.user.id, now);
  return { status: "decided", outcome: result.outcome, message: decidedMessage(result, item.outcomeText), item };
}
