// Ingest batches (stores, members, orders, redemptions, points). All checks and auditing live in lib/ingest.
import { webRequestView } from "@/lib/http/node-endpoints";
import { handleIngestBatchRequest } from "@/lib/ingest/handle-batch-request";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function POST(request: Request, context: { params: Promise<{ kind: string }> }): Promise<Response> {
  return handleIngestBatchRequest(webRequestView(request), (await context.params).kind);
}
