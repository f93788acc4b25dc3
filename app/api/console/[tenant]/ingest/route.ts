// POST /api/console/<tenant>/ingest?kind=…&format=ndjson|csv&firstRow=…: one chunk of a file the
// admin uploads on the ingest page. Session, admin role and same-origin are checked on every call;
// the tenant comes from the checked access.
import { getReadyDb } from "@/lib/db/ready";
import { authorizeConsoleAction, ConsoleAccessError } from "@/lib/console/session";
import { ConsoleImportQuerySchema, importConsoleChunk } from "@/lib/ingest/console-import";
import { webRequestView } from "@/lib/http/node-endpoints";
import { readIngestBody } from "@/lib/ingest/http";

export const dynamic = "force-dynamic";

function problem(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { "Cache-Control": "no-store" } });
}

export async function POST(request: Request, { params }: { params: Promise<{ tenant: string }> }): Promise<Response> {
  const { tenant } = await params;
  try {
    // Session cookies are SameSite=Lax already; a foreign Origin is refused outright as well.
    const origin = request.headers.get("origin");
    if (origin && URL.canParse(origin) && new URL(origin).host !== request.headers.get("host")) {
      return problem(403, "origin_not_allowed", "Cross-site uploads are refused.");
    }
    const access = await authorizeConsoleAction({ tenant, need: "ingest.manage", action: "ingest.import", label: "Importing data" });
    const query = ConsoleImportQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return problem(400, "invalid_query", query.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    const body = await readIngestBody(webRequestView(request), "console");
    if (!body.ok) return body.response;
    const result = await importConsoleChunk(await getReadyDb(), access.tenant, access.user, query.data, body.text);
    if (!result.ok) return problem(400, result.code, result.message);
    return Response.json(result.report, { status: result.report.outcome === "rejected" ? 422 : 200, headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    if (err instanceof ConsoleAccessError) return problem(err.status, err.code, err.message);
    console.error("console ingest failed", err);
    return problem(500, "internal", "The chunk could not be imported; nothing from it was written. Try again, and tell an operator if it keeps failing.");
  }
}
