// RFC 9728 protected resource metadata for /api/mcp (root form; the path-suffixed form is in api/mcp/).
import { oauthUrls } from "@/lib/oauth/config";
import { jsonResponse } from "@/lib/oauth/errors";
import { CORS_HEADERS, preflight } from "@/lib/oauth/http";
import { protectedResourceMetadata } from "@/lib/oauth/metadata";

export const dynamic = "force-dynamic";

export function GET(request: Request): Response {
  return jsonResponse(protectedResourceMetadata(oauthUrls(request.headers)), 200, { ...CORS_HEADERS, "Cache-Control": "public, max-age=300" });
}

export const OPTIONS = preflight;
