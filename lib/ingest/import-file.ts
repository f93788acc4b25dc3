// Streaming import of an NDJSON or CSV file: records are read as the file streams in and sent in
// batches (default 1,000) through ingestBatch, so memory stays flat at any file size. Rejections are
// appended to a CSV report as they come. Each batch is all-or-nothing unless `partial`.
import fs from "node:fs";
import readline from "node:readline";
import { parse as parseCsv } from "csv-parse";
import type { Db } from "@/lib/db/client";
import { csvRowToRecord, type FileFormat } from "./file-formats";
import { ingestBatch, type IngestActor } from "./ingest-batch";
import type { RawRow } from "./parse-batch";
import type { IngestKindName } from "./records";
import { rejectionReportCsv } from "./rejection-report";

export type ImportProgress = { bytesRead: number; totalBytes: number; batches: number; accepted: number; duplicate: number; rejected: number };

export type ImportSummary = ImportProgress & {
  records: number;
  /** Good records not written because their batch was refused (all-or-nothing). */
  unwritten: number;
  refusedBatches: { firstRow: number; lastRow: number }[];
  reportPath: string | null;
};

export type ImportFileInput = {
  tenant: { id: string; timeZone: string; currency: string };
  kind: IngestKindName;
  source: string;
  file: string;
  format: FileFormat;
  partial: boolean;
  batchSize: number;
  reportPath: string;
  actor: IngestActor;
  onProgress?: (p: ImportProgress) => void;
};

async function* rowsOf(input: ImportFileInput, stream: fs.ReadStream): AsyncGenerator<RawRow> {
  if (input.format === "ndjson") {
    let line = 0;
    for await (const text of readline.createInterface({ input: stream, crlfDelay: Infinity })) {
      line++;
      if (!text.trim()) continue;
      try {
        yield { row: line, value: JSON.parse(text) };
      } catch (e) {
        yield { row: line, parseError: `line ${line} is not valid JSON (${(e as Error).message.split("\n")[0]})` };
      }
    }
    return;
  }
  const parser = stream.pipe(parseCsv({ columns: true, skip_empty_lines: true, trim: true, bom: true, info: true }));
  for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    yield { row: item.info.lines, value: csvRowToRecord(input.kind, item.record) };
  }
}

export async function importFile(db: Db, input: ImportFileInput): Promise<ImportSummary> {
  const totalBytes = fs.statSync(input.file).size;
  const stream = fs.createReadStream(input.file, { highWaterMark: 256 * 1024 });
  const summary: ImportSummary = { bytesRead: 0, totalBytes, batches: 0, accepted: 0, duplicate: 0, rejected: 0, records: 0, unwritten: 0, refusedBatches: [], reportPath: null };
  let report: fs.WriteStream | null = null;
  let batch: RawRow[] = [];

  const flush = async () => {
    if (!batch.length) return;
    const result = await ingestBatch(db, { tenant: input.tenant, kind: input.kind, source: input.source, rows: batch, partial: input.partial, actor: input.actor, surface: "cli" });
    summary.batches++;
    summary.records += batch.length;
    summary.accepted += result.counts.accepted;
    summary.duplicate += result.counts.duplicate;
    summary.rejected += result.counts.rejected;
    if (result.outcome === "rejected") {
      summary.unwritten += result.counts.received - result.counts.rejected;
      summary.refusedBatches.push({ firstRow: batch[0]?.row ?? 0, lastRow: batch[batch.length - 1]?.row ?? 0 });
    }
    if (result.rejected.length) {
      if (!report) {
        report = fs.createWriteStream(input.reportPath);
        summary.reportPath = input.reportPath;
        report.write(rejectionReportCsv([]));
      }
      report.write(rejectionReportCsv(result.rejected).split("\n").slice(1).join("\n"));
    }
    batch = [];
    summary.bytesRead = stream.bytesRead;
    input.onProgress?.(summary);
  };

  for await (const row of rowsOf(input, stream)) {
    batch.push(row);
    if (batch.length >= input.batchSize) await flush();
  }
  await flush();
  summary.bytesRead = totalBytes;
  const open = report as fs.WriteStream | null;
  if (open) await new Promise<void>((resolve) => open.end(resolve));
  return summary;
}
