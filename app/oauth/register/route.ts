// RFC 7591 dynamic client registration (public clients only). Rate limited per IP: registration is
// unauthenticated and creates a row.
import { audit } from "@/lib/audit/record-audit-event";
import { getReadyDb } from "@/lib/db/ready";
import { rateLimiter } from "@/lib/governance/rate-limit";
import { registerClient } from "@/lib/oauth/clients";
import { jsonResponse, OAuthError } from "@/lib/oauth/errors";
import { CORS_HEADERS, preflight, readJson, requestClientIp, withOAuthErrors } from "@/lib/oauth/http";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  return withOAuthErrors("/oauth/register", async () => {
    const limit = await rateLimiter().hit(`oauth-register:${requestClientIp(request)}`);
    if (!limit.allowed) throw new OAuthError("temporarily_unavailable", `Too many registrations; retry in ${limit.retryAfterSeconds} s.`, 429);
    const body = await readJson(request);
    const db = await getReadyDb();
    try {
      const { client, response } = await registerClient(db, body);
      await audit(db, { tenantId: null, actorType: "anonymous", surface: "mcp", action: "oauth.register", target: `oauth_client:${client.clientId}`, outcome: "ok", arguments: { client_name: client.name, redirect_uris: client.redirectUris }, clientName: request.headers.get("user-agent") });
      return jsonResponse(response, 201, CORS_HEADERS);
    } catch (err) {
      if (err instanceof OAuthError) {
        await audit(db, { tenantId: null, actorType: "anonymous", surface: "mcp", action: "oauth.register", outcome: "denied", errorCode: err.code, clientName: request.headers.get("user-agent") });
      }
      throw err;
    }
  });
}

export const OPTIONS = preflight;
