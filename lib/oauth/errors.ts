// OAuth errors with the codes RFC 6749 / 7591 / 7009 / 8707 define, as JSON responses. Messages are
// written for the person debugging a client; never a stack trace.
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "access_denied"
  | "invalid_target"
  | "invalid_redirect_uri"
  | "invalid_client_metadata"
  | "unsupported_token_type"
  | "temporarily_unavailable"
  | "server_error";

export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status: number = code === "invalid_client" ? 401 : code === "server_error" ? 500 : 400,
    /** A more specific code for the audit log, e.g. "code_reused" for an invalid_grant. */
    readonly auditCode: string = code,
  ) {
    super(description);
  }
}

export const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

export function oauthErrorResponse(error: OAuthError, extraHeaders: Record<string, string> = {}): Response {
  return Response.json(
    { error: error.code, error_description: error.description },
    { status: error.status, headers: { ...NO_STORE, ...extraHeaders } },
  );
}

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...NO_STORE, ...headers } });
}
