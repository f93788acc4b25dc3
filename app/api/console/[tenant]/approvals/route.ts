// GET /api/console/<tenant>/approvals: the approvals queue and history, polled by the approvals
// page (TanStack Query, every few seconds) so a new agent request shows up without a reload.
// Checks the session and the approver role on every call; the tenant comes from the checked access.
import { getReadyDb } from "@/lib/db/ready";
import { approvalsSnapshot } from "@/lib/console/approvals";
import { authorizeConsoleAction, ConsoleAccessError } from "@/lib/console/session";

export const dynamic = "force-dynamic";

function problem(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { "Cache-Control": "no-store" } });
}

export async function GET(_req: Request, { params }: { params: Promise<{ tenant: string }> }): Promise<Response> {
  const { tenant } = await params;
  try {
    const access = await authorizeConsoleAction({ tenant, need: "approvals.decide", action: "approvals.read", label: "Reading the approvals queue" });
    const snapshot = await approvalsSnapshot(await getReadyDb(), access.tenant.id, access.user.id);
    return Response.json(snapshot, { headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    if (err instanceof ConsoleAccessError) return problem(err.status, err.code, err.message);
    console.error("approvals queue failed", err);
    return problem(500, "internal", "The approvals queue could not be loaded. It retries by itself; tell an operator if it keeps failing.");
  }
}
