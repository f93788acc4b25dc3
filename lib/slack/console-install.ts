// The two browser legs of "Add to Slack": start (admin only, redirects to Slack) and callback
// (Slack redirects back; the same admin must still be signed in). Errors come back to the console's
// Slack page as a message, never a stack trace.
import crypto from "node:crypto";
import { publicBaseUrl } from "@/lib/console/base-url";
import { authorizeConsoleAction, ConsoleAccessError } from "@/lib/console/session";
import { getReadyDb } from "@/lib/db/ready";
import { OperationError } from "@/lib/errors";
import { completeInstall, installUrl, readInstallState } from "./install";

function back(base: string, slug: string | null, params: Record<string, string>): Response {
  const url = new URL(slug ? `/t/${encodeURIComponent(slug)}/slack` : "/t", base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return Response.redirect(url.toString(), 303);
}

function messageOf(err: unknown): string {
  if (err instanceof OperationError || err instanceof ConsoleAccessError) return err.message;
  console.error("[socode] Slack install failed:", err);
  return "Connecting the workspace failed on the server; it has been logged.";
}

export async function handleInstallStart(request: Request): Promise<Response> {
  const base = publicBaseUrl(request.headers);
  const slug = new URL(request.url).searchParams.get("tenant") ?? "";
  try {
    const access = await authorizeConsoleAction({ tenant: slug, need: "slack.manage", action: "slack.install", label: "Connecting Slack" });
    return Response.redirect(installUrl({ tenantId: access.tenant.id, userId: access.user.id, baseUrl: base }), 303);
  } catch (err) {
    return back(base, slug || null, { error: messageOf(err) });
  }
}

export async function handleInstallCallback(request: Request): Promise<Response> {
  const base = publicBaseUrl(request.headers);
  const params = new URL(request.url).searchParams;
  let slug: string | null = null;
  try {
    const { tenantId, userId } = readInstallState(params.get("state") ?? "");
    const db = await getReadyDb();
    slug = (await db.tenant.findUnique({ where: { id: tenantId }, select: { slug: true } }))?.slug ?? null;
    if (!slug) throw new OperationError("not_found", "The tenant of this install no longer exists.");
    if (params.get("error")) throw new OperationError("forbidden", `Slack reported "${params.get("error")}": the workspace was not connected.`);
    const access = await authorizeConsoleAction({ tenant: slug, need: "slack.manage", action: "slack.install", label: "Connecting Slack" });
    if (access.user.id !== userId) throw new OperationError("forbidden", "This install was started by another console user; start it again yourself.");
    const code = params.get("code") ?? "";
    if (!/^[\w.-]{1,300}$/.test(code)) throw new OperationError("invalid_arguments", "Slack returned no install code.");
    const connection = await completeInstall(db, { code, tenantId, installer: { id: access.user.id, email: access.user.email }, baseUrl: base, requestId: crypto.randomUUID() });
    return back(base, slug, { connected: connection.teamName });
  } catch (err) {
    return back(base, slug, { error: messageOf(err) });
  }
}
