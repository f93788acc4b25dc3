// Button presses: Approve / Reject on a write request, and "Show definition". A decision is made by
// lib/writes (the same approve/reject functions as the console and CLI) as the linked console user,
// so the approver role, the four-eyes rule and exactly-once execution are theirs, not Slack's. The
// button value must name a request of this workspace's tenant, with the arguments hash it was
// posted with, on the very message it was posted on: an edited or transplanted payload is refused.
import crypto from "node:crypto";
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { invokeOperation } from "@/lib/operations/invoke";
import { isUuid } from "@/lib/ids";
import { OperationError } from "@/lib/errors";
import { approveWriteRequest } from "@/lib/operations/approve-write-request";
import type { MetricDescription } from "@/lib/semantic";
import { rejectWriteRequest, type DecisionResult } from "@/lib/writes/decide-write-request";
import { consoleMetricUrl } from "./answer-ask";
import { botTokenOf, resolveSlackUser, type ConnectionWithTenant } from "./connections";
import { linkedRoles, slackCredential } from "./credential";
import { renderDefinition, renderRefusal, SLACK_ACTIONS, type SlackMessage } from "./render-blocks";
import { auditSlack, slackRequestId, type SlackIds } from "./slack-audit";
import { slackWebClient } from "./web-client";
import { refreshSlackWriteMessage } from "./write-message";

export const BlockActionsPayload = z.object({
  type: z.literal("block_actions"),
  team: z.object({ id: z.string() }),
  user: z.object({ id: z.string() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ message_ts: z.string().optional(), thread_ts: z.string().optional() }).loose().optional(),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }).loose().optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(2000).optional(), action_ts: z.string() }).loose()).min(1),
}).loose();
export type BlockActionsPayload = z.infer<typeof BlockActionsPayload>;

const ButtonValue = z.object({ r: z.string(), h: z.string().regex(/^[0-9a-f]{64}$/) }).strict();

/** A stable id for one press, so a replayed payload is recognised. */
export function interactionDeliveryId(payload: BlockActionsPayload): string {
  const a = payload.actions[0];
  const digest = crypto.createHash("sha256").update(`${a?.action_id}|${a?.value ?? ""}|${payload.message?.ts ?? ""}`).digest("hex").slice(0, 16);
  return `action:${payload.team.id}:${payload.user.id}:${a?.action_ts ?? "-"}:${digest}`;
}

export type InteractionOutcome = { ok: boolean; code?: string; decision?: DecisionResult["outcome"] };

export async function handleBlockAction(db: Db, connection: ConnectionWithTenant, payload: BlockActionsPayload, deliveryId: string, now: Date): Promise<InteractionOutcome> {
  const action = payload.actions[0];
  const channelId = payload.channel?.id ?? null;
  const ids: SlackIds = { teamId: payload.team.id, userId: payload.user.id, channelId, deliveryId };
  const requestId = slackRequestId(ids);
  const client = slackWebClient(botTokenOf(connection));
  const messageTs = payload.message?.ts ?? payload.container?.message_ts ?? null;
  const threadTs = payload.message?.thread_ts ?? messageTs;
  const reply = async (message: SlackMessage) => {
    if (!channelId) return;
    await client.chat.postMessage({ channel: channelId, text: message.text, blocks: message.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) });
  };
  const link = await resolveSlackUser(db, connection, payload.user.id, requestId);
  const roles = await linkedRoles(db, connection, link);
  const credential = slackCredential(connection, { slackUserId: payload.user.id, link, roles });
  const actor = { type: "slack" as const, id: credential.id, label: credential.label };

  if (!action) return { ok: false, code: "invalid_payload" };
  if (action.action_id === SLACK_ACTIONS.showDefinition) {
    const metric = action.value ?? "";
    const r = await invokeOperation({ db, tenant: connection.tenant, credential, requestId, now, surface: "slack", client: { name: "slack" } }, "describe_metric", { metric });
    await reply(r.ok ? renderDefinition(r.output as MetricDescription, consoleMetricUrl(connection.tenant.slug, metric)) : renderRefusal(r.error.message));
    return { ok: r.ok };
  }
  if (action.action_id !== SLACK_ACTIONS.approve && action.action_id !== SLACK_ACTIONS.reject) {
    await auditSlack(db, { tenantId: connection.tenantId, ids, action: "slack.button", outcome: "denied", errorCode: "unknown_action", actor, arguments: { actionId: action.action_id } });
    return { ok: false, code: "unknown_action" };
  }
  const decisionAction = action.action_id === SLACK_ACTIONS.approve ? "write.approve" : "write.reject";
  const deny = async (code: string, message: string, writeRequestId: string | null = null) => {
    await auditSlack(db, { tenantId: connection.tenantId, ids, action: decisionAction, outcome: "denied", errorCode: code, actor, target: writeRequestId ? `write_request:${writeRequestId}` : null, writeRequestId, arguments: { value: action.value ?? null } });
    await reply(renderRefusal(message));
    return { ok: false, code };
  };

  // The payload must name, with its hash, a request of THIS tenant posted on THIS message.
  let value: z.infer<typeof ButtonValue>;
  try {
    value = ButtonValue.parse(JSON.parse(action.value ?? ""));
  } catch {
    return deny("tampered_payload", "This button's payload is not one SoCode posted; nothing was changed.");
  }
  const request = isUuid(value.r) ? await db.writeRequest.findFirst({ where: { id: value.r, tenantId: connection.tenantId } }) : null;
  const placed = request ? await db.slackWriteMessage.findUnique({ where: { writeRequestId: request.id } }) : null;
  if (!request || !placed || request.argumentsHash !== value.h || placed.teamId !== payload.team.id || placed.channelId !== channelId || placed.messageTs !== messageTs) {
    return deny("tampered_payload", "This button does not match the write request it names (edited, replayed elsewhere or from another workspace); nothing was changed.", request?.id ?? null);
  }
  if (!link) {
    return deny("slack_user_not_linked", "Only a console user with the approver role can decide write requests, and your Slack account is not linked to one. Ask an admin to link you on the Slack page of the console.", request.id);
  }

  try {
    const decider = { userId: link.userId, surface: "slack" as const };
    const decision =
      action.action_id === SLACK_ACTIONS.approve
        ? await approveWriteRequest(db, { tenantId: connection.tenantId, requestId: request.id, decider, now })
        : await rejectWriteRequest(db, { tenantId: connection.tenantId, requestId: request.id, decider, reason: `Rejected in Slack by ${link.user.email}`, now });
    await refreshSlackWriteMessage(db, request.id);
    return { ok: true, decision: decision.outcome };
  } catch (err) {
    if (!(err instanceof OperationError)) throw err;
    // lib/writes has already audited the refusal (four-eyes, not an approver, not pending).
    await reply(renderRefusal(err.message));
    return { ok: false, code: err.code };
  }
}
