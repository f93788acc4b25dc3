// CLI actions are audited like console and MCP actions, with the operator as a "system" actor.
import os from "node:os";
import { recordAuditEvent, type AuditEventInput } from "@/lib/audit/record-audit-event";
import type { Tx } from "@/lib/db/transaction";

export function recordCliEvent(
  tx: Tx,
  event: Pick<AuditEventInput, "tenantId" | "action" | "target" | "arguments" | "outcome" | "errorCode" | "writeRequestId">,
) {
  return recordAuditEvent(tx, {
    ...event,
    actorType: "system",
    actorLabel: `cli:${os.userInfo().username}`,
    surface: "cli",
  });
}
