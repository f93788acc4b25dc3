// Shopify webhook signatures and the payload mapping, without a server (the HTTP path is in
// ingest.integration.test.ts).
import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { mapShopifyOrder, shopifySignature, ShopifyOrderSchema, verifyShopifySignature } from "./shopify-webhook";

describe("Shopify webhook", () => {
  const body = Buffer.from('{"id":1}');

  it("signs like Shopify (base64 HMAC-SHA256 of the raw body) and verifies only the exact body and secret", () => {
    const expected = crypto.createHmac("sha256", "s3cret").update(body).digest("base64");
    expect(shopifySignature("s3cret", body)).toBe(expected);
    expect(verifyShopifySignature("s3cret", body, expected)).toBe(true);
    expect(verifyShopifySignature("s3cret", Buffer.from('{"id":2}'), expected)).toBe(false);
    expect(verifyShopifySignature("other", body, expected)).toBe(false);
    expect(verifyShopifySignature("s3cret", body, null)).toBe(false);
    expect(verifyShopifySignature("s3cret", body, expected.slice(0, 20))).toBe(false);
  });

  it("maps an order: location → store, customer → member when known, source → channel, status, coupon", () => {
    const order = ShopifyOrderSchema.parse({
      id: 5,
      created_at: "2026-11-20T10:00:00-05:00",
      total_price: "19.90",
      currency: "USD",
      source_name: "pos",
      location_id: 77,
      financial_status: "refunded",
      customer: { id: 9 },
      discount_codes: [{ code: "TEN" }],
    });
    expect(mapShopifyOrder(order, { defaultStore: "S01", couponPool: "Shopify", knownMemberIds: new Set(["9"]) })).toEqual({
      id: "5",
      store: "77",
      member: "9",
      placedAt: "2026-11-20T10:00:00-05:00",
      total: "19.90",
      currency: "USD",
      channel: "store",
      status: "refunded",
      coupon: { code: "TEN", pool: "Shopify" },
    });
    const guest = mapShopifyOrder({ ...order, location_id: null, cancelled_at: "2026-11-20T11:00:00Z", source_name: "iphone" }, { defaultStore: "S01", couponPool: "Shopify", knownMemberIds: new Set() });
    expect(guest).toMatchObject({ store: "S01", member: null, channel: "app", status: "cancelled" });
  });
});
