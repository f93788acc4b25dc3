// RFC 7009 token revocation. See lib/oauth/tokens.ts revokeToken.
import crypto from "node:crypto";
import { getReadyDb } from "@/lib/db/ready";
import { oauthUrls } from "@/lib/oauth/config";
import { NO_STORE } from "@/lib/oauth/errors";
import { CORS_HEADERS, preflight, readForm, withOAuthErrors } from "@/lib/oauth/http";
import { revokeToken } from "@/lib/oauth/tokens";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  return withOAuthErrors("/oauth/revoke", async () => {
    const form = await readForm(request);
    const db = await getReadyDb();
    await revokeToken(db, form, { urls: oauthUrls(request.headers), requestId: crypto.randomUUID(), clientName: request.headers.get("user-agent") });
    return new Response(null, { status: 200, headers: { ...NO_STORE, ...CORS_HEADERS } });
  });
}

export const OPTIONS = preflight;
