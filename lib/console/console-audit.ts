// Console actions are audited like MCP calls: actor = the signed-in user, surface = console,
// written in the same transaction as the change they record.
import { audit, recordAuditEvent, type AuditEventInput, type RecordedAuditEvent } from "@/lib/audit/record-audit-event";
import type { Db } from "@/lib/db/client";
import type { Tx } from "@/lib/db/transaction";
import type { AccessDenial, ConsoleAccess } from "./access";

type ConsoleEvent = Pick<AuditEventInput, "action" | "target" | "arguments" | "outcome" | "errorCode" | "requestId" | "latencyMs">;

function eventFor(access: Pick<ConsoleAccess, "user" | "tenant">, event: ConsoleEvent): AuditEventInput {
  return {
    ...event,
    tenantId: access.tenant.id,
    actorType: "user",
    actorId: access.user.id,
    actorLabel: access.user.email,
    surface: "console",
  };
}

export function recordConsoleEvent(tx: Tx, access: Pick<ConsoleAccess, "user" | "tenant">, event: ConsoleEvent): Promise<RecordedAuditEvent> {
  return recordAuditEvent(tx, eventFor(access, event));
}

/** For reads (no change to record alongside): its own transaction. */
export function auditConsoleRead(db: Db, access: Pick<ConsoleAccess, "user" | "tenant">, event: ConsoleEvent): Promise<RecordedAuditEvent> {
  return audit(db, eventFor(access, event));
}

export async function recordConsoleDenial(db: Db, denial: Extract<AccessDenial, { reason: "forbidden" }>, action: string): Promise<void> {
  await audit(
    db,
    eventFor(denial, { action, outcome: "denied", errorCode: "missing_role", arguments: { needed: denial.needed, held: denial.roles } }),
  );
}
