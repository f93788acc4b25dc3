// The rejection report of an import as CSV (row, id, field, code, reason): written by the CLI and
// downloaded from the console. No server-only imports: the console builds it in the browser.
export type ReportedRejection = { row: number; id: string | null; field: string | null; code: string; reason: string };

/** Rejections as a CSV report (row, id, field, code, reason), for downloads. */
export function rejectionReportCsv(rejections: ReportedRejection[]): string {
  const cell = (v: string | number | null) => {
    const s = v === null ? "" : String(v);
    // Leading = + - @ would run as formulas in a spreadsheet.
    const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  return ["row,id,field,code,reason", ...rejections.map((r) => [r.row, r.id, r.field, r.code, r.reason].map(cell).join(","))].join("\n") + "\n";
}
