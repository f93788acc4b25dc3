// /api/mcp served straight from Node's HTTP server (bin/socode-server.mjs), ahead of the Next.js
// router, which costs ~1 ms of CPU per request before a route handler runs (docs/benchmarks.md,
// "Hot path"). The same handler as app/api/mcp/route.ts (answerMcpRequest: every check, the guard
// and the audit are in it), compiled by Next.js with the rest of the app and exposed here once the
// server has started (instrumentation.ts): no second build, no second module graph beyond what
// Next.js already loads, and the process-wide state (database, caches, audit group commit, rate
// limiter) is the one the console's routes use. `next dev` keeps serving /api/mcp through the route.
//
// What Next.js added to this route's responses is added here: the security headers and the static
// Content Security Policy (lib/http/security-headers.ts). Not added: gzip (MCP answers are small
// JSON; a proxy in front may compress) and Next's RSC `Vary` header (this route renders no pages).
import type { IncomingMessage, ServerResponse } from "node:http";
import { env } from "@/lib/env";
import { nodeBodyChunks, readChunksCapped } from "@/lib/http/read-body";
import { SECURITY_HEADERS, staticContentSecurityPolicy } from "@/lib/http/security-headers";
import { answerMcpRequest, type McpHttpRequest } from "./handle-request";

/** What bin/socode-server.mjs looks up on globalThis (plain JavaScript: it has no TypeScript loader). */
export type NodeMcpEndpoint = {
  /** Whether this request is one the endpoint serves (path /api/mcp, a method route.ts exports). */
  accepts(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
};

export const NODE_MCP_ENDPOINT = Symbol.for("socode.mcp.nodeEndpoint");

const PATH = "/api/mcp";
// HEAD and OPTIONS stay with Next.js, which derives them from route.ts's exports.
const METHODS = new Set(["POST", "GET", "DELETE"]);
const FIXED_HEADERS: [string, string][] = [...SECURITY_HEADERS, staticContentSecurityPolicy(process.env.NODE_ENV === "development")].map(({ key, value }) => [key, value]);

function accepts(req: IncomingMessage): boolean {
  const url = req.url ?? "";
  return METHODS.has(req.method ?? "") && url.startsWith(PATH) && (url.length === PATH.length || url[PATH.length] === "?");
}

/**
 * The request as answerMcpRequest reads it. Header values as a Web Request's `Headers` gives them
 * (repeated headers joined with ", ", which Node's `req.headers` does not do for all of them, e.g.
 * Authorization), read from the raw headers once, when first asked for.
 */
function viewOf(req: IncomingMessage): McpHttpRequest {
  let byName: Map<string, string> | undefined;
  const headers = {
    get(name: string): string | null {
      if (!byName) {
        byName = new Map();
        const raw = req.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const key = (raw[i] as string).toLowerCase();
          const seen = byName.get(key);
          byName.set(key, seen === undefined ? (raw[i + 1] as string) : `${seen}, ${raw[i + 1] as string}`);
        }
      }
      return byName.get(name.toLowerCase()) ?? null;
    },
  };
  return {
    method: req.method ?? "GET",
    target: req.url ?? PATH,
    headers,
    readBody: (maxBytes) => readChunksCapped(headers.get("content-length"), nodeBodyChunks(req), maxBytes),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const answer = await answerMcpRequest(viewOf(req));
    const headers: string[] = FIXED_HEADERS.flat();
    for (const [key, value] of Object.entries(answer.headers)) headers.push(key, value);
    if (answer.body !== null) headers.push("content-length", String(Buffer.byteLength(answer.body)));
    res.writeHead(answer.status, headers);
    res.end(answer.body ?? undefined);
  } catch (err) {
    // answerMcpRequest answers every failure itself; reaching here is a bug in this adapter.
    console.error("[socode] /api/mcp (node endpoint) failed", err);
    if (!res.headersSent) {
      res.writeHead(500, [...FIXED_HEADERS, ["content-type", "application/json"], ["cache-control", "no-store"]].flat());
      res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32603, message: "Internal error. The request was not completed." }, id: null }));
    } else res.destroy();
  }
}

/**
 * Makes the endpoint available to bin/socode-server.mjs (called once the database is ready), unless
 * SOCODE_MCP_THROUGH_NEXT asks for the route (lib/env.ts validates it).
 */
export function exposeNodeMcpEndpoint(): void {
  if (env().SOCODE_MCP_THROUGH_NEXT) return;
  const endpoint: NodeMcpEndpoint = { accepts, serve };
  (globalThis as Record<symbol, unknown>)[NODE_MCP_ENDPOINT] = endpoint;
}
