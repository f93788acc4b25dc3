// OAuth authorization endpoint. Validates the request (lib/oauth/authorize.ts); errors about the
// client or redirect URI are shown here and never redirected; other errors go back to the client's
// verified redirect URI; a valid request continues to the consent page (which signs the user in).
import { audit } from "@/lib/audit/record-audit-event";
import { getReadyDb } from "@/lib/db/ready";
import { AUTHORIZATION_PARAM_NAMES, paramsFrom, validateAuthorizationRequest } from "@/lib/oauth/authorize";
import { oauthUrls } from "@/lib/oauth/config";
import { NO_STORE } from "@/lib/oauth/errors";

export const dynamic = "force-dynamic";

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

function errorPage(code: string, description: string, status: number): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cannot connect the app</title></head><body style="font-family:system-ui;max-width:40rem;margin:4rem auto;padding:0 1rem"><h1>Cannot connect the app</h1><p><code>${escapeHtml(code)}</code>: ${escapeHtml(description)}</p><p>Nothing was shared. Check the app's configuration, or ask its developer.</p></body></html>`;
  return new Response(html, { status, headers: { "Content-Type": "text/html; charset=utf-8", ...NO_STORE } });
}

export async function GET(request: Request): Promise<Response> {
  const urls = oauthUrls(request.headers);
  const params = paramsFrom(new URL(request.url).searchParams);
  try {
    const db = await getReadyDb();
    const validation = await validateAuthorizationRequest(db, params, urls);
    if (!validation.ok) {
      await audit(db, { tenantId: null, actorType: "anonymous", surface: "console", action: "oauth.authorize", target: params.client_id ? `oauth_client:${params.client_id.slice(0, 300)}` : null, outcome: "denied", errorCode: validation.error.auditCode, clientName: request.headers.get("user-agent") });
      if (!validation.redirect) return errorPage(validation.error.code, validation.error.description, validation.error.status === 401 ? 400 : validation.error.status);
      return new Response(null, { status: 302, headers: { Location: validation.location, ...NO_STORE } });
    }
    const consent = new URL(urls.consentPage);
    for (const name of AUTHORIZATION_PARAM_NAMES) {
      const value = params[name];
      if (value !== undefined) consent.searchParams.set(name, value);
    }
    return new Response(null, { status: 302, headers: { Location: consent.toString(), ...NO_STORE } });
  } catch (err) {
    console.error("[socode] /oauth/authorize failed", err);
    return errorPage("server_error", "The request could not be completed; it has been logged.", 500);
  }
}
