// The console's view of the audit log. Reading, exporting and verifying are themselves audited.
import { auditFilterToSearchParams, getAuditEvent, queryAuditEvents, type AuditCursor, type AuditFilter, type AuditPage, type AuditEventRow } from "@/lib/audit/query-audit-events";
import { streamAuditExport, type AuditExportFormat } from "@/lib/audit/export";
import { latestAuditCheckpoint, type AuditCheckpoint } from "@/lib/audit/checkpoints";
import { verifyAuditChain, type ChainVerification } from "@/lib/audit/verify-audit-chain";
import type { Db } from "@/lib/db/client";
import type { ConsoleAccess } from "./access";
import { auditConsoleRead } from "./console-audit";

function filterArguments(filter: AuditFilter): Record<string, string> {
  return Object.fromEntries(auditFilterToSearchParams(filter));
}

export async function readAuditLog(db: Db, access: ConsoleAccess, filter: AuditFilter, before: AuditCursor | null): Promise<AuditPage> {
  const page = await queryAuditEvents(db, access.tenant.id, filter, { before });
  await auditConsoleRead(db, access, {
    action: "audit.read",
    target: `tenant:${access.tenant.slug}`,
    arguments: { filter: filterArguments(filter), page: before ? "older" : "first", rows: page.events.length },
    outcome: "ok",
  });
  return page;
}

export async function readAuditEvent(db: Db, access: ConsoleAccess, eventId: string): Promise<AuditEventRow | null> {
  const event = await getAuditEvent(db, access.tenant.id, eventId);
  await auditConsoleRead(db, access, {
    action: "audit.read",
    target: `audit_event:${eventId.slice(0, 20)}`,
    arguments: { found: Boolean(event) },
    outcome: event ? "ok" : "error",
    errorCode: event ? null : "not_found",
  });
  return event;
}

/** Audits the export (with its filter) before the first byte is sent, then streams it. */
export async function exportAuditLog(db: Db, access: ConsoleAccess, filter: AuditFilter, format: AuditExportFormat): Promise<ReadableStream<Uint8Array>> {
  await auditConsoleRead(db, access, {
    action: "audit.export",
    target: `tenant:${access.tenant.slug}`,
    arguments: { format, filter: filterArguments(filter) },
    outcome: "ok",
  });
  return streamAuditExport(db, access.tenant.id, filter, format);
}

export async function verifyTenantAuditLog(db: Db, access: ConsoleAccess): Promise<ChainVerification> {
  const result = await verifyAuditChain(db, access.tenant.id);
  await auditConsoleRead(db, access, {
    action: "audit.verify",
    target: `tenant:${access.tenant.slug}`,
    arguments: {
      checked: result.checked,
      keyed: result.keyed,
      checkpointSeq: result.checkpoint.latest?.seq ?? null,
      ...(result.ok ? {} : { brokenAtSeq: result.brokenAtSeq, reason: result.reason }),
    },
    outcome: result.ok ? "ok" : "error",
    errorCode: result.ok ? null : "chain_broken",
  });
  return result;
}

/** The tenant's latest signed checkpoint, shown next to "Verify integrity" (read from outside the database). */
export async function lastAuditCheckpoint(db: Db, access: ConsoleAccess): Promise<Pick<AuditCheckpoint, "seq" | "hash" | "at" | "keyId"> | null> {
  try {
    const { latest } = await latestAuditCheckpoint(db, access.tenant.id);
    return latest ? { seq: latest.seq, hash: latest.hash, at: latest.at, keyId: latest.keyId } : null;
  } catch (err) {
    // The page still shows the log; "Verify integrity" reports the problem in full.
    console.error(JSON.stringify({ level: "error", msg: "audit.checkpoint.unreadable", error: err instanceof Error ? err.message : String(err) }));
    return null;
  }
}
