// Small helpers shared by the OAuth route handlers: bounded body reading, CORS for the endpoints
// public clients call from browsers (no cookies are involved there), and uniform error handling.
import { OAuthError, oauthErrorResponse } from "./errors";
import { readBodyCapped } from "@/lib/http/read-body";

export const MAX_OAUTH_BODY_BYTES = 64 * 1024;

/** Metadata, token, registration and revocation use no cookies: any origin may call them. */
export const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, Authorization, MCP-Protocol-Version",
  "Access-Control-Max-Age": "600",
} as const;

export function preflight(): Response {
  return new Response(null, { status: 204, headers: CORS_HEADERS });
}

async function readText(request: Request): Promise<string> {
  const body = await readBodyCapped(request, MAX_OAUTH_BODY_BYTES);
  if (!body.ok) throw new OAuthError("invalid_request", `The body exceeds ${MAX_OAUTH_BODY_BYTES} bytes.`, 413);
  return body.bytes.toString("utf8");
}

export async function readForm(request: Request): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers.get("content-type") ?? "")) {
    throw new OAuthError("invalid_request", "Content-Type must be application/x-www-form-urlencoded.");
  }
  return new URLSearchParams(await readText(request));
}

export async function readJson(request: Request): Promise<unknown> {
  if (!/^application\/json\b/i.test(request.headers.get("content-type") ?? "")) {
    throw new OAuthError("invalid_client_metadata", "Content-Type must be application/json.");
  }
  try {
    return JSON.parse(await readText(request)) as unknown;
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    throw new OAuthError("invalid_client_metadata", "The body is not valid JSON.");
  }
}

/** Runs a handler; OAuthErrors become their JSON answer, anything else a generic server_error (logged). */
export async function withOAuthErrors(name: string, handler: () => Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (err) {
    if (err instanceof OAuthError) return oauthErrorResponse(err, CORS_HEADERS);
    console.error(`[socode] ${name} failed`, err);
    return oauthErrorResponse(new OAuthError("server_error", "The request could not be completed; it has been logged."), CORS_HEADERS);
  }
}

export function requestClientIp(request: Request): string {
  const hops = (request.headers.get("x-forwarded-for") ?? request.headers.get("x-real-ip") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return hops.at(-1) ?? "unknown";
}
