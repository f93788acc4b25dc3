// RFC 8414 authorization server metadata.
import { oauthUrls } from "@/lib/oauth/config";
import { jsonResponse } from "@/lib/oauth/errors";
import { CORS_HEADERS, preflight } from "@/lib/oauth/http";
import { authorizationServerMetadata } from "@/lib/oauth/metadata";

export const dynamic = "force-dynamic";

export function GET(request: Request): Response {
  return jsonResponse(authorizationServerMetadata(oauthUrls(request.headers)), 200, { ...CORS_HEADERS, "Cache-Control": "public, max-age=300" });
}

export const OPTIONS = preflight;
