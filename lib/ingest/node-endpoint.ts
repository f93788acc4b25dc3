// The ingest batches, POST /api/ingest/v1/{kind}, served straight from Node's HTTP server ahead of
// the Next.js router (lib/http/node-endpoints.ts): the same handler as
// app/api/ingest/v1/[kind]/route.ts (handleIngestBatchRequest: the key check, the batch and its
// audit are in it), which still serves them under `next dev` and before instrumentation.ts has
// exposed this. The webhooks (/api/ingest/v1/webhooks/…) and every other method stay with Next.js.
import type { IncomingMessage, ServerResponse } from "node:http";
import { env } from "@/lib/env";
import { exposeNodeEndpoint, nodeRequestView, writeAnswer, writeFailure } from "@/lib/http/node-endpoints";
import { handleIngestBatchRequest } from "./handle-batch-request";

const PREFIX = "/api/ingest/v1/";

/** The {kind} segment of a batch request, decoded as Next.js decodes a route parameter; null for anything else. */
function kindOf(req: IncomingMessage): string | null {
  const url = req.url ?? "";
  if (req.method !== "POST" || !url.startsWith(PREFIX)) return null;
  const query = url.indexOf("?", PREFIX.length);
  const segment = url.slice(PREFIX.length, query === -1 ? undefined : query);
  if (!segment || segment.includes("/")) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const response = await handleIngestBatchRequest(nodeRequestView(req), kindOf(req) ?? "");
    writeAnswer(res, { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() });
  } catch (err) {
    // handleIngestBatchRequest answers every failure itself; reaching here is a bug in this adapter.
    console.error("[socode] /api/ingest (node endpoint) failed", err);
    writeFailure(res, JSON.stringify({ error: { code: "internal_error", message: "The batch could not be processed; nothing was written." } }));
  }
}

/**
 * Makes the endpoint available to bin/socode-server.mjs (called once the database is ready), unless
 * SOCODE_INGEST_THROUGH_NEXT asks for the route (lib/env.ts validates it).
 */
export function exposeNodeIngestEndpoint(): void {
  if (env().SOCODE_INGEST_THROUGH_NEXT) return;
  exposeNodeEndpoint("ingest", { accepts: (req) => kindOf(req) !== null, serve });
}
