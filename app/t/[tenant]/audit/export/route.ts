// GET /t/<tenant>/audit/export?format=csv|jsonl&<filter>: the filtered log, streamed.
import { AUDIT_EXPORT_FORMATS, exportFileName } from "@/lib/audit/export";
import { parseAuditFilter } from "@/lib/audit/query-audit-events";
import { getReadyDb } from "@/lib/db/ready";
import { exportAuditLog } from "@/lib/console/audit-log";
import { authorizeConsoleAction, ConsoleAccessError } from "@/lib/console/session";

export const dynamic = "force-dynamic";

function problem(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { "Cache-Control": "no-store" } });
}

export async function GET(req: Request, { params }: { params: Promise<{ tenant: string }> }): Promise<Response> {
  const { tenant } = await params;
  const url = new URL(req.url);
  const format = url.searchParams.get("format") ?? "csv";
  if (!(AUDIT_EXPORT_FORMATS as readonly string[]).includes(format)) {
    return problem(400, "invalid_format", `Unknown export format "${format}": use csv or jsonl.`);
  }
  const { filter, problems } = parseAuditFilter(url.searchParams);
  if (problems.length) return problem(400, "invalid_filter", problems.join(" "));
  try {
    const access = await authorizeConsoleAction({ tenant, need: "audit.export", action: "audit.export", label: "Exporting the audit log" });
    const typedFormat = format === "jsonl" ? "jsonl" : "csv";
    const stream = await exportAuditLog(await getReadyDb(), access, filter, typedFormat);
    return new Response(stream, {
      headers: {
        "Content-Type": typedFormat === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
        "Content-Disposition": `attachment; filename="${exportFileName(access.tenant.slug, typedFormat)}"`,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch (err) {
    if (err instanceof ConsoleAccessError) return problem(err.status, err.code, err.message);
    console.error("audit export failed", err);
    return problem(500, "internal", "The export failed on the server. Try again with a narrower filter, and tell an operator if it keeps happening.");
  }
}
