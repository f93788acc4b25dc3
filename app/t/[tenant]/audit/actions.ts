"use server";

import { getReadyDb } from "@/lib/db/ready";
import { actionError, formString, type ActionError } from "@/lib/console/action-result";
import { verifyTenantAuditLog } from "@/lib/console/audit-log";
import { authorizeConsoleAction } from "@/lib/console/session";

type CheckpointSeen = { seq: string; at: string } | null;

export type VerifyState =
  | { status: "idle" }
  | ActionError
  | { status: "verified"; ok: true; checked: number; keyed: number; checkpoint: CheckpointSeen; at: string }
  | { status: "verified"; ok: false; checked: number; brokenAtSeq: string; eventId: string | null; reason: string; checkpoint: CheckpointSeen; at: string };

export async function verifyAuditLogAction(_prev: VerifyState, form: FormData): Promise<VerifyState> {
  try {
    const access = await authorizeConsoleAction({ tenant: formString(form, "tenant"), need: "audit.verify", action: "audit.verify", label: "Verifying the audit log" });
    const result = await verifyTenantAuditLog(await getReadyDb(), access);
    const at = new Date().toISOString();
    const latest = result.checkpoint.latest;
    const checkpoint = latest ? { seq: latest.seq, at: latest.at } : null;
    return result.ok
      ? { status: "verified", ok: true, checked: result.checked, keyed: result.keyed, checkpoint, at }
      : { status: "verified", ok: false, checked: result.checked, brokenAtSeq: result.brokenAtSeq, eventId: result.eventId, reason: result.reason, checkpoint, at };
  } catch (err) {
    return actionError(err);
  }
}
