// Turning a request body into numbered rows. Two formats: NDJSON (one JSON record per line; row =
// line number) and JSON (an array of records, or {"records": [...], "partial": true}; row = index + 1).
// A malformed NDJSON line is a rejection of that row; a JSON body that does not parse is a 400.
import { z } from "zod";

export type RawRow = { row: number; value: unknown } | { row: number; parseError: string };

export type ParsedBatch = { ok: true; rows: RawRow[]; partial?: boolean } | { ok: false; code: string; message: string };

/** Records per batch; larger files go through the CLI or console import, which send batches of 1,000. */
export const MAX_RECORDS_PER_BATCH = 10_000;

export type BatchFormat = "ndjson" | "json";

/** The format a Content-Type names, or null when it is neither. */
export function formatOf(contentType: string | null): BatchFormat | null {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-ndjson" || type === "application/ndjson" || type === "application/jsonl" || type === "application/x-jsonlines") return "ndjson";
  if (type === "application/json") return "json";
  return null;
}

const Envelope = z.strictObject({ records: z.array(z.unknown()), partial: z.boolean().optional() });

function tooMany(n: number): ParsedBatch {
  return { ok: false, code: "too_many_records", message: `A batch holds at most ${MAX_RECORDS_PER_BATCH} records (got ${n}); split it.` };
}

export function parseBatch(text: string, format: BatchFormat): ParsedBatch {
  if (format === "ndjson") {
    const rows: RawRow[] = [];
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] ?? "").trim();
      if (!line) continue;
      if (rows.length >= MAX_RECORDS_PER_BATCH) return tooMany(lines.filter((l) => l.trim()).length);
      try {
        rows.push({ row: i + 1, value: JSON.parse(line) });
      } catch (e) {
        rows.push({ row: i + 1, parseError: `line ${i + 1} is not valid JSON (${(e as Error).message.split("\n")[0]})` });
      }
    }
    if (!rows.length) return { ok: false, code: "empty_batch", message: "The batch has no records." };
    return { ok: true, rows };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    return { ok: false, code: "invalid_json", message: `The body is not valid JSON (${(e as Error).message.split("\n")[0]}). Send an array of records, or NDJSON with Content-Type application/x-ndjson.` };
  }
  let records: unknown[];
  let partial: boolean | undefined;
  if (Array.isArray(body)) records = body;
  else {
    const envelope = Envelope.safeParse(body);
    if (!envelope.success) return { ok: false, code: "invalid_batch", message: 'A JSON body is an array of records or {"records": [...], "partial": true}.' };
    records = envelope.data.records;
    partial = envelope.data.partial;
  }
  if (!records.length) return { ok: false, code: "empty_batch", message: "The batch has no records." };
  if (records.length > MAX_RECORDS_PER_BATCH) return tooMany(records.length);
  return { ok: true, rows: records.map((value, i) => ({ row: i + 1, value })), partial };
}
