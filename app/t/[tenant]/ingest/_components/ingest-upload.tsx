"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Notice, buttonStyles, inputStyles } from "@/components/console/ui";
import { rejectionReportCsv, type ReportedRejection } from "@/lib/ingest/rejection-report";

/** Records per request: the API's batch of 1,000. */
const CHUNK = 1000;

type Summary = { source: string; kind: string; accepted: number; duplicate: number; rejected: number; unwritten: number; batches: number; failedBatches: string[] };
type Chunk = { body: string; firstRow: number; lastRow: number };

/** Splits a file into request bodies of up to CHUNK records; CSV chunks repeat the header line. */
function chunksOf(text: string, format: "ndjson" | "csv"): Chunk[] {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const header = format === "csv" ? (lines[0] ?? "") : null;
  const chunks: Chunk[] = [];
  let current: { lines: string[]; firstRow: number; lastRow: number } | null = null;
  for (let i = header === null ? 0 : 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (!line.trim()) continue;
    current ??= { lines: [], firstRow: i + 1, lastRow: i + 1 };
    current.lines.push(line);
    current.lastRow = i + 1;
    if (current.lines.length === CHUNK) {
      chunks.push({ body: [...(header === null ? [] : [header]), ...current.lines].join("\n"), firstRow: current.firstRow, lastRow: current.lastRow });
      current = null;
    }
  }
  if (current) chunks.push({ body: [...(header === null ? [] : [header]), ...current.lines].join("\n"), firstRow: current.firstRow, lastRow: current.lastRow });
  return chunks;
}

type BatchAnswer = { counts?: { accepted: number; duplicate: number; rejected: number; received: number }; outcome?: string; rejected?: ReportedRejection[]; error?: { message: string } };

export function IngestUpload({ tenant, kinds }: { tenant: string; kinds: string[] }) {
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);
  const [rejections, setRejections] = useState<ReportedRejection[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const router = useRouter();

  async function upload(event: FormEvent<HTMLFormElement>) {
    // Not a form action: React resets an action's form afterwards, and the admin should still see what was imported.
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    setSummary(null);
    setRejections([]);
    const file = form.get("file");
    const kind = String(form.get("kind") ?? "");
    const partial = form.get("partial") === "on";
    if (!(file instanceof File) || file.size === 0) return setError("Choose a .ndjson or .csv file.");
    const name = file.name.toLowerCase();
    const format = name.endsWith(".csv") ? "csv" : name.endsWith(".ndjson") || name.endsWith(".jsonl") ? "ndjson" : null;
    if (!format) return setError("The file must end in .ndjson, .jsonl or .csv.");
    setBusy(true);
    const chunks = chunksOf(await file.text(), format);
    const total: Summary = { source: String(form.get("source") || "console"), kind, accepted: 0, duplicate: 0, rejected: 0, unwritten: 0, batches: chunks.length, failedBatches: [] };
    const found: ReportedRejection[] = [];
    setProgress({ done: 0, total: chunks.length });
    try {
      for (const [i, chunk] of chunks.entries()) {
        const params = new URLSearchParams({ kind, format, firstRow: String(chunk.firstRow), partial: String(partial), source: String(form.get("source") || "console") });
        const res = await fetch(`/api/console/${encodeURIComponent(tenant)}/ingest?${params}`, { method: "POST", body: chunk.body, headers: { "Content-Type": "text/plain" } });
        const answer = (await res.json().catch(() => ({}))) as BatchAnswer;
        if (answer.counts) {
          total.accepted += answer.counts.accepted;
          total.duplicate += answer.counts.duplicate;
          total.rejected += answer.counts.rejected;
          found.push(...(answer.rejected ?? []));
          if (answer.outcome === "rejected") {
            total.unwritten += answer.counts.received - answer.counts.rejected;
            total.failedBatches.push(`rows ${chunk.firstRow}–${chunk.lastRow}`);
          }
        } else {
          total.failedBatches.push(`rows ${chunk.firstRow}–${chunk.lastRow}: ${answer.error?.message ?? `HTTP ${res.status}`}`);
          if (res.status >= 500 || res.status === 401 || res.status === 403) break;
        }
        setProgress({ done: i + 1, total: chunks.length });
      }
    } catch {
      setError("The upload was interrupted; batches already answered are written (re-uploading the file is safe: sent ids are duplicates).");
    } finally {
      setBusy(false);
      setSummary(total);
      setRejections(found);
      // The sources table (server-rendered) shows the new freshness.
      router.refresh();
    }
  }

  function download() {
    const url = URL.createObjectURL(new Blob([rejectionReportCsv(rejections)], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "rejections.csv";
    a.click();
    URL.revokeObjectURL(url);
  }

  return (
    <div className="space-y-3">
      <form onSubmit={upload} className="flex flex-wrap items-end gap-3" data-testid="ingest-upload">
        <label className="text-sm font-medium">
          Kind
          <select name="kind" className={`mt-1 block ${inputStyles}`} defaultValue="orders">
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm font-medium">
          Source
          <input name="source" defaultValue="console" className={`mt-1 block ${inputStyles}`} />
        </label>
        <label className="text-sm font-medium">
          File (.ndjson or .csv)
          <input name="file" type="file" accept=".ndjson,.jsonl,.csv" className="mt-1 block text-sm" />
        </label>
        <label className="flex items-center gap-1 text-sm">
          <input type="checkbox" name="partial" /> Keep good records of a batch with bad ones
        </label>
        <button type="submit" className={buttonStyles.primary} disabled={busy}>
          {busy ? "Importing…" : "Import"}
        </button>
      </form>
      {progress ? (
        <div>
          <progress max={progress.total} value={progress.done} className="w-full" aria-label="Import progress" />
          <p className="text-xs text-slate-500" data-testid="ingest-progress">
            {progress.done} of {progress.total} batches
          </p>
        </div>
      ) : null}
      {error ? <Notice tone="error">{error}</Notice> : null}
      {summary ? (
        <Notice tone={summary.rejected || summary.failedBatches.length ? "warning" : "success"}>
          <p data-testid="ingest-summary">
            {summary.kind} from source {summary.source}: accepted {summary.accepted}, duplicates {summary.duplicate}, rejected {summary.rejected}
            {summary.unwritten ? `; ${summary.unwritten} good records not written because their batch was refused (tick "keep good records" to keep them)` : ""}.
          </p>
          {summary.failedBatches.length ? <p className="text-xs">Refused batches: {summary.failedBatches.join("; ")}</p> : null}
          {rejections.length ? (
            <button type="button" className={`${buttonStyles.secondary} mt-2`} onClick={download}>
              Download rejection report ({rejections.length})
            </button>
          ) : null}
        </Notice>
      ) : null}
    </div>
  );
}
