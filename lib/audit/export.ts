// Audit export as CSV or JSONL, streamed page by page (keyset), so an export of millions of rows
// never sits in memory. CSV cells are safe to open in a spreadsheet: a cell that would start a
// formula (= + - @ tab CR) is prefixed with a single quote.
import type { DbOrTx } from "@/lib/db/transaction";
import { decodeAuditCursor, queryAuditEvents, type AuditCursor, type AuditEventRow, type AuditFilter } from "./query-audit-events";

export const AUDIT_EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = "";
  else if (value instanceof Date) text = value.toISOString();
  else if (typeof value === "object") text = JSON.stringify(value);
  else text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

export const AUDIT_CSV_COLUMNS = [
  "occurred_at",
  "id",
  "seq",
  "actor_type",
  "actor_id",
  "actor_label",
  "surface",
  "action",
  "target",
  "outcome",
  "error_code",
  "latency_ms",
  "request_id",
  "write_request_id",
  "client_name",
  "client_version",
  "arguments",
  "hash",
] as const;

export function auditCsvRow(e: AuditEventRow): string {
  return csvLine([
    e.occurredAt,
    e.id,
    e.seq,
    e.actorType,
    e.actorId,
    e.actorLabel,
    e.surface,
    e.action,
    e.target,
    e.outcome,
    e.errorCode,
    e.latencyMs,
    e.requestId,
    e.writeRequestId,
    e.clientName,
    e.clientVersion,
    e.arguments,
    e.hash,
  ]);
}

export function auditJsonLine(e: AuditEventRow): string {
  return `${JSON.stringify({
    occurredAt: e.occurredAt.toISOString(),
    id: e.id,
    seq: e.seq,
    actorType: e.actorType,
    actorId: e.actorId,
    actorLabel: e.actorLabel,
    surface: e.surface,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    errorCode: e.errorCode,
    latencyMs: e.latencyMs,
    requestId: e.requestId,
    writeRequestId: e.writeRequestId,
    clientName: e.clientName,
    clientVersion: e.clientVersion,
    arguments: e.arguments,
    prevHash: e.prevHash,
    hash: e.hash,
    hashVersion: e.hashVersion,
    mac: e.mac,
    macKeyId: e.macKeyId,
  })}\n`;
}

const EXPORT_BATCH = 1000;

/** A stream of the whole filtered log, newest first, fetched one keyset page at a time. */
export function streamAuditExport(db: DbOrTx, tenantId: string, filter: AuditFilter, format: AuditExportFormat): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: AuditCursor | null = null;
  let started = false;
  let done = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        if (format === "csv") controller.enqueue(encoder.encode(csvLine(AUDIT_CSV_COLUMNS)));
      }
      if (done) {
        controller.close();
        return;
      }
      const page = await queryAuditEvents(db, tenantId, filter, { before: cursor, limit: EXPORT_BATCH });
      const chunk = page.events.map(format === "csv" ? auditCsvRow : auditJsonLine).join("");
      if (chunk) controller.enqueue(encoder.encode(chunk));
      cursor = decodeAuditCursor(page.nextCursor);
      if (!cursor) done = true;
    },
  });
}

export function exportFileName(tenantSlug: string, format: AuditExportFormat, now: Date = new Date()): string {
  return `socode-audit-${tenantSlug}-${now.toISOString().slice(0, 19).replace(/[:T]/g, "")}.${format}`;
}

