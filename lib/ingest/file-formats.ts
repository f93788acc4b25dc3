// Files of records (CLI and console imports): NDJSON, or CSV with a header row whose columns are
// the record's fields. CSV is flat, so nested fields have flat columns: `coupon_code` and
// `coupon_pool` for an order's coupon (line items are NDJSON-only). Empty cells are absent fields;
// numeric fields (points, tierRank) are converted; everything else is validated by the record schema.
import { parse as parseCsvSync } from "csv-parse/sync";
import type { RawRow } from "./parse-batch";
import type { IngestKindName } from "./records";

export type FileFormat = "ndjson" | "csv";

export function fileFormatOf(fileName: string): FileFormat | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith(".ndjson") || lower.endsWith(".jsonl")) return "ndjson";
  if (lower.endsWith(".csv")) return "csv";
  return null;
}

const NUMERIC: Partial<Record<IngestKindName, string[]>> = { points: ["points"], members: ["tierRank"] };

/** One CSV row (header → cell) as an ingest record. */
export function csvRowToRecord(kind: IngestKindName, row: Record<string, string>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(row)) {
    if (cell === "") continue;
    if (column === "coupon_code" || column === "coupon_pool") {
      const coupon = (record.coupon ??= {}) as Record<string, string>;
      coupon[column === "coupon_code" ? "code" : "pool"] = cell;
      continue;
    }
    record[column] = NUMERIC[kind]?.includes(column) && /^-?\d+$/.test(cell.trim()) ? Number(cell) : cell;
  }
  return record;
}

/** Parses a CSV chunk (header line first) into rows numbered from `firstRow` (the file line of the first data row). */
export function parseCsvChunk(kind: IngestKindName, text: string, firstRow: number): RawRow[] | { error: string } {
  try {
    const rows = parseCsvSync(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
    return rows.map((row, i) => ({ row: firstRow + i, value: csvRowToRecord(kind, row) }));
  } catch (e) {
    return { error: `not valid CSV: ${(e as Error).message.split("\n")[0]}` };
  }
}
