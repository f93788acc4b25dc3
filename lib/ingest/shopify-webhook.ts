// Shopify-style `orders/create` webhooks: the body is verified against X-Shopify-Hmac-Sha256
// (base64 HMAC-SHA256 of the raw body with the source's webhook secret, compared in constant time)
// and mapped onto one order record, which goes through the same ingest path as an API batch (so
// re-deliveries are duplicates, and rollups, freshness and audit follow). Mapping: docs/ingest.md.
import crypto from "node:crypto";
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { webRequestView } from "@/lib/http/node-endpoints";
import { ingestBatch, type BatchReport } from "./ingest-batch";
import { ingestContext, ingestError, json, readIngestBody, refuse } from "./http";

export const SHOPIFY_HMAC_HEADER = "x-shopify-hmac-sha256";
export const SHOPIFY_TOPIC_HEADER = "x-shopify-topic";

/** Base64 HMAC-SHA256 of the raw body, as Shopify signs webhooks. */
export function shopifySignature(secret: string, body: Buffer | string): string {
  return crypto.createHmac("sha256", secret).update(body).digest("base64");
}

/** Constant-time comparison of the presented signature with the expected one. */
export function verifyShopifySignature(secret: string, body: Buffer, presented: string | null): boolean {
  if (!presented) return false;
  const expected = Buffer.from(shopifySignature(secret, body), "base64");
  let given: Buffer;
  try {
    given = Buffer.from(presented.trim(), "base64");
  } catch {
    return false;
  }
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

const Id = z.union([z.string().min(1).max(128), z.number().int()]).transform(String);

/** The fields of Shopify's order payload the mapping reads; everything else is ignored. */
export const ShopifyOrderSchema = z.looseObject({
  id: Id,
  created_at: z.string(),
  processed_at: z.string().nullish(),
  total_price: z.union([z.string(), z.number()]),
  currency: z.string(),
  source_name: z.string().nullish(),
  location_id: Id.nullish(),
  financial_status: z.string().nullish(),
  cancelled_at: z.string().nullish(),
  customer: z.looseObject({ id: Id }).nullish(),
  discount_codes: z.array(z.looseObject({ code: z.string() })).nullish(),
  line_items: z.array(z.looseObject({ sku: z.string().nullish(), quantity: z.number(), price: z.union([z.string(), z.number()]) })).nullish(),
});
export type ShopifyOrder = z.infer<typeof ShopifyOrderSchema>;

const CHANNEL_OF_SOURCE: Record<string, "store" | "online" | "app"> = { pos: "store", web: "online", shopify_draft_order: "online", iphone: "app", android: "app" };

/** Maps a Shopify order onto an ingest order record (see docs/ingest.md for the table). */
export function mapShopifyOrder(order: ShopifyOrder, options: { defaultStore: string | null; couponPool: string; knownMemberIds: Set<string> }): Record<string, unknown> {
  const customer = order.customer?.id ?? null;
  const code = order.discount_codes?.[0]?.code;
  return {
    id: order.id,
    store: order.location_id ?? options.defaultStore ?? "",
    // Shopify customers are not all loyalty members: an unknown customer is a guest order.
    member: customer && options.knownMemberIds.has(customer) ? customer : null,
    placedAt: order.processed_at ?? order.created_at,
    total: String(order.total_price),
    currency: order.currency,
    channel: CHANNEL_OF_SOURCE[order.source_name ?? "web"] ?? "online",
    status: order.cancelled_at ? "cancelled" : order.financial_status === "refunded" ? "refunded" : "completed",
    ...(order.line_items?.length
      ? { lines: order.line_items.map((l, i) => ({ sku: l.sku || `line-${i + 1}`, quantity: l.quantity, unitPrice: String(l.price) })) }
      : {}),
    ...(code ? { coupon: { code, pool: options.couponPool } } : {}),
  };
}

/** Pool for discount codes of webhook orders (Shopify's payload does not name one). */
export const SHOPIFY_COUPON_POOL = "Shopify discount codes";

async function knownMembers(db: Db, tenantId: string, id: string | null): Promise<Set<string>> {
  if (!id) return new Set();
  const member = await db.member.findUnique({ where: { tenantId_externalId: { tenantId, externalId: id } }, select: { externalId: true } });
  return new Set(member ? [member.externalId] : []);
}

/** POST /api/ingest/v1/webhooks/shopify/{sourceId}. */
export async function handleShopifyWebhook(request: Request, sourceId: string): Promise<Response> {
  const ctx = await ingestContext();
  if (ctx instanceof Response) return ctx;
  const { db, requestId } = ctx;
  try {
    const body = await readIngestBody(webRequestView(request), requestId);
    if (!body.ok) return body.response;
    // One answer for an unknown source and a bad signature: the URL alone reveals nothing.
    const source = /^[0-9a-f-]{36}$/i.test(sourceId)
      ? await db.ingestSource.findUnique({ where: { id: sourceId }, include: { tenant: true } })
      : null;
    if (!source?.webhookSecret || !verifyShopifySignature(source.webhookSecret, body.bytes, request.headers.get(SHOPIFY_HMAC_HEADER))) {
      return refuse(ctx, ingestError(401, "invalid_signature", "The X-Shopify-Hmac-Sha256 signature does not match this webhook's secret.", requestId), {
        tenantId: source?.tenantId ?? null,
        actorType: "anonymous",
        action: "ingest.webhook",
        target: `webhook:${sourceId.slice(0, 64)}`,
        errorCode: "invalid_signature",
      });
    }
    const actor = { tenantId: source.tenantId, actorType: "system" as const, actorId: source.id, actorLabel: `webhook ${source.name}`, action: "ingest.webhook" };
    const topic = request.headers.get(SHOPIFY_TOPIC_HEADER);
    if (topic !== null && topic !== "orders/create") {
      return refuse(ctx, ingestError(400, "unsupported_topic", `Topic ${topic} is not supported; subscribe this URL to orders/create only.`, requestId), { ...actor, errorCode: "unsupported_topic" });
    }
    let payload: unknown;
    try {
      // Shopify ids are 64-bit integers, beyond what a JS number holds exactly: read them as strings.
      payload = JSON.parse(body.text.replace(/"(id|location_id)"\s*:\s*(\d{16,})(?=\s*[,}])/g, '"$1":"$2"'));
    } catch {
      return refuse(ctx, ingestError(400, "invalid_json", "The webhook body is not valid JSON.", requestId), { ...actor, errorCode: "invalid_json" });
    }
    const order = ShopifyOrderSchema.safeParse(payload);
    if (!order.success) {
      const issue = order.error.issues[0];
      return refuse(ctx, ingestError(400, "invalid_payload", `Not a Shopify order payload: ${issue?.path.join(".")} ${issue?.message}`, requestId), { ...actor, errorCode: "invalid_payload" });
    }
    const record = mapShopifyOrder(order.data, {
      defaultStore: source.defaultStoreCode,
      couponPool: SHOPIFY_COUPON_POOL,
      knownMemberIds: await knownMembers(db, source.tenantId, order.data.customer?.id ?? null),
    });
    const report: BatchReport = await ingestBatch(db, {
      tenant: source.tenant,
      kind: "orders",
      source: source.name,
      rows: [{ row: 1, value: record }],
      partial: false,
      actor: { type: "system", id: source.id, label: actor.actorLabel },
      surface: "ingest",
      requestId,
    });
    return json(report.outcome === "rejected" ? 422 : 200, { ...report, requestId });
  } catch (err) {
    console.error(`[socode] shopify webhook ${requestId} failed`, err);
    return ingestError(500, "internal_error", `The webhook could not be processed; nothing was written (request ${requestId}).`, requestId);
  }
}
