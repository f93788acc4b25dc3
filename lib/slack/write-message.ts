// A write request's Slack message once it is decided: the buttons are replaced by the outcome, who
// decided, the executed result (or why it failed) and the audit reference. One call for every
// surface that decides — Slack's buttons, the console's Approvals page, `socode writes:approve` /
// `writes:reject` — so a request asked for in a channel shows its decision there whoever made it.
import type { Db } from "@/lib/db/client";
import { findWriteOperation } from "@/lib/operations/catalogue";
import { botTokenOf } from "./connections";
import { renderWriteDecision, type SlackMessage } from "./render-blocks";
import { slackWebClient } from "./web-client";

/** Text of a decided request for the message that replaces the buttons (console decisions use it too). */
export async function decidedMessage(db: Db, requestId: string): Promise<SlackMessage | null> {
  const request = await db.writeRequest.findUnique({ where: { id: requestId }, include: { decidedBy: { select: { email: true } } } });
  if (!request || request.status === "pending") return null;
  const op = findWriteOperation(request.operation);
  const result = request.status === "executed" && op && request.result !== null ? op.describeResult(request.result) : null;
  const failure = request.error && typeof request.error === "object" && "message" in request.error ? String(request.error.message) : null;
  const auditEvent = await db.auditEvent.findFirst({
    where: { writeRequestId: request.id, action: { in: ["write.approve", "write.reject", "write.expire"] }, outcome: "ok" },
    orderBy: { id: "desc" },
    select: { id: true, seq: true },
  });
  const preview = request.preview as { summary?: string } | null;
  return renderWriteDecision({
    summary: preview?.summary ?? request.operation,
    outcome: request.status,
    decidedBy: request.decidedBy?.email ?? null,
    result: result ?? failure ?? (request.reason ? `Reason: ${request.reason}` : null),
    requestId: request.id,
    auditRef: auditEvent ? `#${auditEvent.id} (seq ${auditEvent.seq})` : null,
  });
}

/**
 * Replaces a write request's Slack message (buttons) with its decision. Called after every decision
 * (Slack, console, CLI); false when the request was not asked for in Slack. Errors are logged: the
 * decision stands anyway.
 */
export async function refreshSlackWriteMessage(db: Db, requestId: string): Promise<boolean> {
  const placed = await db.slackWriteMessage.findUnique({ where: { writeRequestId: requestId } });
  if (!placed) return false;
  const connection = await db.slackConnection.findUnique({ where: { teamId: placed.teamId } });
  const message = await decidedMessage(db, requestId);
  if (!connection || !message) return false;
  try {
    await slackWebClient(botTokenOf(connection)).chat.update({ channel: placed.channelId, ts: placed.messageTs, text: message.text, blocks: message.blocks });
    return true;
  } catch (err) {
    console.error(`[socode] Slack chat.update for write request ${requestId} failed:`, err instanceof Error ? err.message : err);
    return false;
  }
}
