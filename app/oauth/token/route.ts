// OAuth token endpoint: authorization_code (PKCE S256) and refresh_token (rotating). See lib/oauth/tokens.ts.
import crypto from "node:crypto";
import { getReadyDb } from "@/lib/db/ready";
import { oauthUrls } from "@/lib/oauth/config";
import { jsonResponse } from "@/lib/oauth/errors";
import { CORS_HEADERS, preflight, readForm, withOAuthErrors } from "@/lib/oauth/http";
import { handleTokenRequest } from "@/lib/oauth/tokens";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  return withOAuthErrors("/oauth/token", async () => {
    const form = await readForm(request);
    const db = await getReadyDb();
    const tokens = await handleTokenRequest(db, form, { urls: oauthUrls(request.headers), requestId: crypto.randomUUID(), clientName: request.headers.get("user-agent") });
    return jsonResponse(tokens, 200, CORS_HEADERS);
  });
}

export const OPTIONS = preflight;
