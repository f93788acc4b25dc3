// /api/mcp served straight from Node's HTTP server (bin/socode-server.mjs), ahead of the Next.js
// router (lib/http/node-endpoints.ts). The same handler as app/api/mcp/route.ts (answerMcpRequest:
// every check, the guard and the audit are in it), compiled by Next.js with the rest of the app and
// exposed once the server has started (instrumentation.ts): no second build, no second module graph
// beyond what Next.js already loads, and the process-wide state (database, caches, audit group
// commit, rate limiter) is the one the console's routes use. `next dev` keeps serving /api/mcp
// through the route.
import type { IncomingMessage, ServerResponse } from "node:http";
import { env } from "@/lib/env";
import { exposeNodeEndpoint, nodeRequestView, requestsPath, writeAnswer, writeFailure } from "@/lib/http/node-endpoints";
import { answerMcpRequest } from "./handle-request";

// HEAD and OPTIONS stay with Next.js, which derives them from route.ts's exports.
const METHODS = new Set(["POST", "GET", "DELETE"]);

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    writeAnswer(res, await answerMcpRequest(nodeRequestView(req)));
  } catch (err) {
    // answerMcpRequest answers every failure itself; reaching here is a bug in this adapter.
    console.error("[socode] /api/mcp (node endpoint) failed", err);
    writeFailure(res, JSON.stringify({ jsonrpc: "2.0", error: { code: -32603, message: "Internal error. The request was not completed." }, id: null }));
  }
}

/**
 * Makes the endpoint available to bin/socode-server.mjs (called once the database is ready), unless
 * SOCODE_MCP_THROUGH_NEXT asks for the route (lib/env.ts validates it).
 */
export function exposeNodeMcpEndpoint(): void {
  if (env().SOCODE_MCP_THROUGH_NEXT) return;
  exposeNodeEndpoint("mcp", { accepts: (req) => requestsPath(req, METHODS, "/api/mcp"), serve });
}
