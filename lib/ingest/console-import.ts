// The console's file import: the browser sends the file in chunks of up to 1,000 records (CSV
// chunks repeat the header line), each one a batch through the same ingest path, audited with the
// signed-in admin as the actor. Row numbers are file line numbers, so the rejection report points
// at the file.
import type { Db } from "@/lib/db/client";
import { z } from "zod";
import { ingestBatch, SOURCE_NAME_PATTERN, type BatchReport } from "./ingest-batch";
import { parseCsvChunk } from "./file-formats";
import { parseBatch } from "./parse-batch";
import { IngestKindSchema } from "./records";

export const ConsoleImportQuerySchema = z.object({
  kind: IngestKindSchema,
  format: z.enum(["ndjson", "csv"]),
  source: z.string().regex(SOURCE_NAME_PATTERN, "source is 1–63 lowercase letters, digits, '.', '_' or '-'").default("console"),
  /** File line number of the chunk's first record line. */
  firstRow: z.coerce.number().int().min(1).default(1),
  partial: z.enum(["true", "false"]).default("false"),
});
export type ConsoleImportQuery = z.infer<typeof ConsoleImportQuerySchema>;

export type ConsoleImportResult = { ok: true; report: BatchReport } | { ok: false; code: string; message: string };

export async function importConsoleChunk(
  db: Db,
  tenant: { id: string; timeZone: string; currency: string },
  user: { id: string; email: string },
  query: ConsoleImportQuery,
  text: string,
): Promise<ConsoleImportResult> {
  let rows;
  if (query.format === "csv") {
    const parsed = parseCsvChunk(query.kind, text, query.firstRow);
    if ("error" in parsed) return { ok: false, code: "invalid_csv", message: parsed.error };
    rows = parsed;
  } else {
    const parsed = parseBatch(text, "ndjson");
    if (!parsed.ok) return { ok: false, code: parsed.code, message: parsed.message };
    rows = parsed.rows.map((r) => ({ ...r, row: r.row + query.firstRow - 1 }));
  }
  const report = await ingestBatch(db, {
    tenant,
    kind: query.kind,
    source: query.source,
    rows,
    partial: query.partial === "true",
    actor: { type: "user", id: user.id, label: user.email },
    surface: "console",
  });
  return { ok: true, report };
}
