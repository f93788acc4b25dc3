// Audit events of the Slack surface that are not an operation call (the guard records those):
// refused requests, asks the parser could not ground, button presses. Each carries the Slack team,
// user and channel ids in its request id, so an auditor can follow one conversation.
import { audit, type AuditActorType } from "@/lib/audit/record-audit-event";
import type { Db } from "@/lib/db/client";
import type { AuditOutcome } from "@/lib/generated/prisma/client";

export type SlackIds = { teamId: string | null; userId?: string | null; channelId?: string | null; deliveryId?: string | null };

/** "slack:T1/C2/U3/Ev4": the correlation id of every audit event one Slack delivery causes. */
export function slackRequestId(ids: SlackIds): string {
  return `slack:${ids.teamId ?? "-"}/${ids.channelId ?? "-"}/${ids.userId ?? "-"}/${ids.deliveryId ?? "-"}`.slice(0, 200);
}

export async function auditSlack(
  db: Db,
  event: {
    tenantId: string | null;
    ids: SlackIds;
    action: string;
    outcome: AuditOutcome;
    errorCode?: string | null;
    actor?: { type: AuditActorType; id: string | null; label: string | null };
    target?: string | null;
    arguments?: unknown;
    writeRequestId?: string | null;
  },
): Promise<void> {
  await audit(db, {
    tenantId: event.tenantId,
    actorType: event.actor?.type ?? "anonymous",
    actorId: event.actor?.id ?? event.ids.userId ?? null,
    actorLabel: event.actor?.label ?? (event.ids.userId ? `Slack user ${event.ids.userId} in ${event.ids.teamId ?? "?"}` : null),
    surface: "slack",
    action: event.action,
    target: event.target ?? null,
    arguments: event.arguments,
    outcome: event.outcome,
    errorCode: event.errorCode ?? null,
    requestId: slackRequestId(event.ids),
    writeRequestId: event.writeRequestId ?? null,
    clientName: "slack",
  });
}
