// /api/mcp over Streamable HTTP, stateless: a pooled server, connected to its own transport, per request. Before
// the SDK sees a request this checks, in order: method, Origin, keys in the URL, MCP-Protocol-Version,
// the Bearer key, the key's rate limit, content type and body size, JSON, the message's shape and
// params, and Accept. Every request ends in an audit event — tool calls through the guard,
// everything else here — and a request whose audit event cannot be written fails closed.
import crypto from "node:crypto";
import { ClientRequestSchema, isJSONRPCRequest, type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { audit, type AuditEventInput } from "@/lib/audit/record-audit-event";
import type { Db } from "@/lib/db/client";
import { getReadyDb } from "@/lib/db/ready";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { env } from "@/lib/env";
import { mayUse, requiredScopes } from "@/lib/governance/guard";
import { findOperation } from "@/lib/operations/catalogue";
import { rateLimiter } from "@/lib/governance/rate-limit";
import { type HttpAnswer, type HttpRequestView, webRequestView } from "@/lib/http/node-endpoints";
import type { CappedBody } from "@/lib/http/read-body";
import { DEFAULT_CHALLENGE_SCOPE, oauthUrls } from "@/lib/oauth/config";
import { insufficientScopeChallenge, unauthorizedChallenge } from "@/lib/oauth/metadata";
import { authenticate, describeRejection } from "./authenticate";
import { originAllowed } from "./origin";
import { acquireMcpServer, authInfoFor, discardMcpServer, releaseMcpServer, type RequestBinding } from "./create-server";

/** Protocol versions this server speaks (2025-03-26 is what the spec assumes when the header is absent). */
export const SUPPORTED_PROTOCOL_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26"] as const;
export const MAX_BODY_BYTES = 1024 * 1024;
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * The schema of each method the SDK validates the params of (it answers malformed params with
 * -32603 and a schema dump). Looked up by method: parsing against the whole union costs ~0.3 ms.
 */
const CLIENT_REQUEST_SCHEMAS: ReadonlyMap<string, (typeof ClientRequestSchema.options)[number]> = new Map(ClientRequestSchema.options.map((o) => [o.shape.method.value, o]));
const KEY_PARAMS = /^(key|api[_-]?key|token|access[_-]?token|auth|authorization|bearer)$/i;

type JsonRpcErrorCode = -32700 | -32600 | -32601 | -32602 | -32603 | -32000 | -32001;

function jsonRpcError(status: number, code: JsonRpcErrorCode, message: string, headers: Record<string, string> = {}): HttpAnswer {
  return {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }),
  };
}

/** The server's answer to the one message: its response as JSON, or 202 with no body when there is nothing to answer. */
function rpcAnswer(response: JSONRPCMessage | null): HttpAnswer {
  return response ? { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(response) } : { status: 202, headers: {}, body: null };
}

async function readBody(request: HttpRequestView): Promise<{ ok: true; text: string } | { ok: false; response: HttpAnswer; errorCode: string }> {
  let body: CappedBody;
  try {
    body = await request.readBody(MAX_BODY_BYTES);
  } catch {
    // The client closed the connection mid-body: its mistake, not a server (or database) failure.
    return { ok: false, response: jsonRpcError(400, -32700, "The request body ended before it was complete."), errorCode: "body_incomplete" };
  }
  if (!body.ok) return { ok: false, response: jsonRpcError(413, -32600, `Request body exceeds ${MAX_BODY_BYTES} bytes.`), errorCode: "body_too_large" };
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(body.bytes) };
  } catch {
    return { ok: false, response: jsonRpcError(400, -32700, "Parse error: the body is not valid UTF-8."), errorCode: "parse_error" };
  }
}

/** PostgreSQL is down or restarting: the request was not completed; the pool reconnects by itself. */
function databaseUnavailable(): HttpAnswer {
  return jsonRpcError(503, -32603, "The service's database is unavailable; try again shortly.", { "Retry-After": "5" });
}

type Outcome = { status: number; outcome: "ok" | "denied" | "error"; errorCode?: string };

/** The route's handler (app/api/mcp/route.ts): the answer as a Web Response. */
export async function handleMcpRequest(request: Request): Promise<Response> {
  const answer = await answerMcpRequest(webRequestView(request));
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

export async function answerMcpRequest(request: HttpRequestView): Promise<HttpAnswer> {
  const started = performance.now();
  const requestId = crypto.randomUUID();
  let db: Db;
  try {
    db = await getReadyDb();
  } catch (err) {
    console.error("[socode] /api/mcp: database unavailable", err);
    return databaseUnavailable();
  }
  const userAgent = request.headers.get("user-agent");

  // Events before authentication have no tenant; they go to the global chain.
  const record = (event: Omit<AuditEventInput, "surface" | "requestId" | "latencyMs">) =>
    audit(db, { ...event, surface: "mcp", requestId, latencyMs: Math.round(performance.now() - started), clientName: event.clientName ?? userAgent });
  const refuse = async (response: HttpAnswer, action: string, errorCode: string, extra: Partial<AuditEventInput> = {}) => {
    await record({ tenantId: null, actorType: "anonymous", action, outcome: "denied", errorCode, ...extra });
    return response;
  };

  try {
    const origin = request.headers.get("origin");
    const e = env();
    if (origin && !originAllowed(origin, request.headers.get("host"), { publicUrl: e.SOCODE_PUBLIC_URL, allowedOrigins: e.SOCODE_ALLOWED_ORIGINS })) {
      return refuse(jsonRpcError(403, -32000, `Origin ${origin} is not allowed to call this MCP endpoint.`), "mcp.request", "origin_not_allowed", { target: origin });
    }
    const url = new URL(request.target, "http://target.invalid");
    if ([...url.searchParams.keys()].some((k) => KEY_PARAMS.test(k)) || [...url.searchParams.values()].some((v) => v.startsWith("sc_live_"))) {
      return refuse(
        jsonRpcError(400, -32600, "Credentials in the URL are refused (URLs end up in logs). Send the key as `Authorization: Bearer <key>` and revoke the exposed key."),
        "mcp.request",
        "key_in_url",
      );
    }
    const protocolVersion = request.headers.get("mcp-protocol-version");
    if (protocolVersion !== null && !(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(protocolVersion)) {
      return refuse(
        jsonRpcError(400, -32000, `Unsupported MCP-Protocol-Version ${protocolVersion}. Supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}.`),
        "mcp.request",
        "unsupported_protocol_version",
      );
    }

    // OAuth (lib/oauth): the 401 names the protected resource metadata, and tokens must be for this URL.
    const urls = oauthUrls(request.headers);
    const auth = await authenticate(db, request.headers.get("authorization"), new Date(), urls.resource);
    if (!auth.ok) {
      const description = describeRejection(auth.reason, auth.oauth);
      const challenge = unauthorizedChallenge(urls, DEFAULT_CHALLENGE_SCOPE, auth.reason === "missing" ? undefined : { code: "invalid_token", description });
      return refuse(jsonRpcError(401, -32001, description, { "WWW-Authenticate": challenge }), "mcp.authenticate", `auth_${auth.reason}`, {
        tenantId: auth.tenantId ?? null,
        actorType: auth.keyId ? (auth.oauth ? "oauth" : "key") : "anonymous",
        actorId: auth.keyId ?? null,
      });
    }
    const { credential, tenant } = auth;
    const actor = { tenantId: tenant.id, actorType: credential.type, actorId: credential.id, actorLabel: credential.label } as const;

    if (request.method !== "POST") {
      // Stateless server: no standalone SSE stream (GET) and no sessions to delete (DELETE). Clients
      // probe with GET after initialize and expect this 405, so it is the protocol working, not a denial.
      await record({ ...actor, action: `mcp.${request.method.toLowerCase()}`, outcome: "ok", errorCode: "method_not_allowed" });
      return jsonRpcError(405, -32000, `${request.method} is not supported by this stateless MCP server; use POST.`, { Allow: "POST" });
    }

    const limit = await rateLimiter().hit(credential.id);
    if (!limit.allowed) {
      await record({ ...actor, action: "mcp.request", outcome: "denied", errorCode: "rate_limited" });
      return jsonRpcError(429, -32000, `Rate limit exceeded for this key; retry in ${limit.retryAfterSeconds} s.`, {
        "Retry-After": String(limit.retryAfterSeconds),
      });
    }

    const contentType = request.headers.get("content-type") ?? "";
    if (!/^application\/json\b/i.test(contentType)) {
      await record({ ...actor, action: "mcp.request", outcome: "denied", errorCode: "unsupported_media_type" });
      return jsonRpcError(415, -32600, "Content-Type must be application/json.");
    }
    const body = await readBody(request);
    if (!body.ok) {
      await record({ ...actor, action: "mcp.request", outcome: "denied", errorCode: body.errorCode });
      return body.response;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      await record({ ...actor, action: "mcp.request", outcome: "denied", errorCode: "parse_error" });
      return jsonRpcError(400, -32700, "Parse error: the body is not valid JSON.");
    }
    if (Array.isArray(parsed)) {
      await record({ ...actor, action: "mcp.request", outcome: "denied", errorCode: "batch_not_supported" });
      return jsonRpcError(400, -32600, "JSON-RPC batches are not supported; send one message per request.");
    }
    const message = JSONRPCMessageSchema.safeParse(parsed);
    if (!message.success) {
      await record({ ...actor, action: "mcp.request", outcome: "denied", errorCode: "invalid_request" });
      return jsonRpcError(400, -32600, "Invalid JSON-RPC message.");
    }

    const rpc: JSONRPCMessage = message.data;
    // A request (it has an id and a method), checked once: the SDK's guard is a zod parse.
    const rpcRequest = isJSONRPCRequest(rpc) ? rpc : undefined;
    const method = rpcRequest ? rpcRequest.method : "method" in rpc ? rpc.method : "response";
    const clientInfo =
      method === "initialize" && rpcRequest?.params && typeof rpcRequest.params.clientInfo === "object" && rpcRequest.params.clientInfo !== null
        ? (rpcRequest.params.clientInfo as { name?: unknown; version?: unknown })
        : undefined;
    const client = clientInfo
      ? { name: typeof clientInfo.name === "string" ? clientInfo.name.slice(0, 100) : undefined, version: typeof clientInfo.version === "string" ? clientInfo.version.slice(0, 50) : undefined }
      : undefined;

    // Malformed params of a known method (tools/call without a name, arguments that are not an
    // object) are the client's mistake: -32602, not the SDK's "internal error".
    const paramsSchema = rpcRequest ? CLIENT_REQUEST_SCHEMAS.get(rpcRequest.method) : undefined;
    if (rpcRequest && paramsSchema && !paramsSchema.safeParse(rpcRequest).success) {
      await record({ ...actor, action: method, outcome: "denied", errorCode: "invalid_params", clientName: client?.name ?? userAgent });
      return {
        status: 200,
        headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
        body: JSON.stringify({ jsonrpc: "2.0", id: rpcRequest.id, error: { code: -32602, message: `Invalid params for ${rpcRequest.method}; see the MCP specification.` } }),
      };
    }

    // OAuth clients learn about a missing scope from HTTP (403 insufficient_scope) so they can ask
    // the user for more; API keys keep the tool error an agent can read (the guard's missing_scope).
    if (credential.type === "oauth" && method === "tools/call" && typeof rpcRequest?.params?.name === "string") {
      const operation = findOperation(rpcRequest.params.name);
      if (operation && !mayUse(credential.scopes, operation)) {
        const needed = requiredScopes(operation)[0] ?? DEFAULT_CHALLENGE_SCOPE;
        await record({ ...actor, action: operation.name, arguments: rpcRequest.params.arguments, outcome: "denied", errorCode: "missing_scope", clientName: client?.name ?? userAgent });
        return jsonRpcError(403, -32000, `This token lacks the scope ${needed}, which ${operation.name} needs.`, { "WWW-Authenticate": insufficientScopeChallenge(urls, needed) });
      }
    }

    // Streamable HTTP: the client must accept both JSON and an event stream, whichever the server picks.
    const accept = request.headers.get("accept") ?? "";
    if (!accept.includes("application/json") || !accept.includes("text/event-stream")) {
      await record({ ...actor, action: method, outcome: "denied", errorCode: "not_acceptable", clientName: client?.name ?? userAgent });
      return jsonRpcError(406, -32000, "Not Acceptable: Client must accept both application/json and text/event-stream");
    }

    const binding: RequestBinding = {
      ctx: { db, tenant, credential, requestId, now: new Date(), surface: "mcp", client },
      rawToolArguments: method === "tools/call" ? (parsed as { params?: { arguments?: unknown } }).params?.arguments : undefined,
    };
    const connected = await acquireMcpServer(credential.scopes);
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      const timeout = new Promise<HttpAnswer>((resolve) => {
        timer = setTimeout(() => {
          timedOut = true;
          resolve(jsonRpcError(504, -32603, `The request took longer than ${REQUEST_TIMEOUT_MS / 1000} s and was abandoned.`));
        }, REQUEST_TIMEOUT_MS);
      });
      let errorCode: number | undefined;
      const delivered = connected.transport.deliver(rpc, authInfoFor(binding)).then((response) => {
        if (response && "error" in response) errorCode = response.error.code;
        return rpcAnswer(response);
      });
      const answer = await Promise.race([delivered, timeout]);
      if (binding.databaseUnavailable) {
        // The tool call could not complete (or not be audited) because PostgreSQL went away: a
        // retryable HTTP error, not a JSON-RPC error inside a 200.
        console.error(`[socode] /api/mcp request ${requestId}: database unavailable during ${method}`);
        return databaseUnavailable();
      }
      // tools/call is audited by the guard with its tool name and arguments; the rest here.
      if (method !== "tools/call") {
        const outcome = classify(answer, errorCode);
        await record({
          ...actor,
          action: method,
          target: method === "resources/read" && typeof rpcRequest?.params?.uri === "string" ? rpcRequest.params.uri : null,
          outcome: outcome.outcome,
          errorCode: outcome.errorCode ?? null,
          clientName: client?.name ?? userAgent,
          clientVersion: client?.version ?? null,
        });
      }
      return answer;
    } finally {
      clearTimeout(timer);
      // A server whose handler may still be running (timed out) is not reused.
      if (timedOut) await discardMcpServer(connected);
      else releaseMcpServer(connected, credential.scopes);
    }
  } catch (err) {
    // Includes a failure to write the audit event: fail closed.
    if (isDatabaseUnavailable(err)) {
      // Down or restarting: not a bug, and the pool reconnects by itself. Tell the client to retry.
      console.error(`[socode] /api/mcp request ${requestId}: database unavailable (${err instanceof Error ? err.message.trim().split("\n").pop() : String(err)})`);
      return databaseUnavailable();
    }
    console.error(`[socode] /api/mcp request ${requestId} failed`, err);
    return jsonRpcError(500, -32603, `Internal error (request ${requestId}). The request was not completed.`);
  }
}

/** The outcome of an answered request, from its HTTP status and the JSON-RPC error it carried. */
function classify(answer: HttpAnswer, errorCode: number | undefined): Outcome {
  if (answer.status >= 400) return { status: answer.status, outcome: answer.status < 500 ? "denied" : "error", errorCode: `http_${answer.status}` };
  if (errorCode !== undefined) return { status: answer.status, outcome: "error", errorCode: `jsonrpc_${String(errorCode)}` };
  return { status: answer.status, outcome: "ok" };
}
