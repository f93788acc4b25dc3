// Shopify-style orders/create webhooks, verified by HMAC and mapped onto the ingest path (lib/ingest).
import { handleShopifyWebhook } from "@/lib/ingest/shopify-webhook";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function POST(request: Request, context: { params: Promise<{ sourceId: string }> }): Promise<Response> {
  return handleShopifyWebhook(request, (await context.params).sourceId);
}
