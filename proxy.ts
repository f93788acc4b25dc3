// Next.js proxy (formerly middleware): every page response gets a Content Security Policy with a
// fresh nonce, as Next documents. Next reads the nonce from the request's CSP header while it renders
// and puts it on its own scripts; an inline script without it does not run. API routes and build
// assets are left out (next.config.ts gives them a policy with no inline scripts at all), which also
// keeps this step off the MCP endpoint's path.
import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { contentSecurityPolicy, newNonce } from "@/lib/http/content-security-policy";

export function proxy(request: NextRequest): NextResponse {
  const nonce = newNonce();
  const policy = contentSecurityPolicy({ nonce, development: env().NODE_ENV === "development" });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", policy);
  return response;
}

export const config = {
  matcher: ["/((?!api/|_next/).*)"],
};
