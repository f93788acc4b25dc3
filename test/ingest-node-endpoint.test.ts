// The ingest batches as `npx socode start` serves them: ahead of the Next.js router
// (lib/ingest/node-endpoint.ts), by the handler app/api/ingest/v1/[kind]/route.ts also calls.
// Proven against a second instance started with SOCODE_INGEST_THROUGH_NEXT=1, on the same database:
// the same answers and refusals, the same security headers, and what the endpoint does not take
// (other methods, the webhooks, longer paths) still reaches Next.js.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueIngestKey } from "@/lib/ingest/ingest-keys";
import { startApp, type RunningApp } from "./app-server";
import { createTestDatabase, testRuntime, type TestDatabase } from "./database";
import { API_SECURITY_HEADERS, servedByNext } from "./next-router";

describe(`/api/ingest/v1/{kind} ahead of the Next.js router on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let direct: RunningApp;
  let routed: RunningApp;
  let secret: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const tenant = await database.db.tenant.create({ data: { slug: "acme", name: "Acme", timeZone: "UTC", currency: "USD" } });
    secret = (await issueIngestKey(database.db, { tenantId: tenant.id, name: "pos" })).secret;
    direct = await startApp(database, { SOCODE_INGEST_MAX_BODY_MB: "0.05" });
    routed = await startApp(database, { SOCODE_INGEST_MAX_BODY_MB: "0.05", SOCODE_INGEST_THROUGH_NEXT: "1" });
  }, 180_000);
  afterAll(async () => {
    await direct?.stop();
    await routed?.stop();
    await database?.close();
  });

  async function post(app: RunningApp, path: string, body: string, headers: Record<string, string> = { Authorization: `Bearer ${secret}` }) {
    const res = await fetch(`${app.baseUrl}${path}`, { method: "POST", redirect: "manual", headers: { "Content-Type": "application/x-ndjson", ...headers }, body });
    return { status: res.status, headers: res.headers, body: await res.text() };
  }
  /** The answer without its request id (each request gets its own). */
  const withoutRequestId = (body: string) => {
    const parsed = JSON.parse(body) as { requestId?: string };
    delete parsed.requestId;
    return parsed;
  };
  const stores = (prefix: string) => [1, 2].map((i) => JSON.stringify({ id: `${prefix}${i}`, name: `Store ${i}`, region: "East" })).join("\n");

  it("is what answers the batches (and SOCODE_INGEST_THROUGH_NEXT=1 turns it off), with the same report", async () => {
    const a = await post(direct, "/api/ingest/v1/stores?source=pos-a", stores("A"));
    const b = await post(routed, "/api/ingest/v1/stores?source=pos-b", stores("B"));
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(servedByNext(a.headers)).toBe(false);
    expect(servedByNext(b.headers)).toBe(true);
    const report = (body: string) => ({ ...withoutRequestId(body), source: undefined, accepted: undefined });
    expect(report(a.body)).toEqual(report(b.body));
    expect(JSON.parse(a.body)).toMatchObject({ outcome: "accepted", counts: { received: 2, accepted: 2 } });
    // Re-sent to the other instance: the same duplicates either way (one database, one ledger).
    expect(JSON.parse((await post(routed, "/api/ingest/v1/stores?source=pos-a", stores("A"))).body)).toMatchObject({ counts: { duplicate: 2 } });
  });

  it("refuses like the route: bad records, keys, kinds, queries and media types", async () => {
    const cases: [string, string, Record<string, string>?][] = [
      ["/api/ingest/v1/stores?source=pos-c", '{"id":"C1","name":"No region"}\nnot json'],
      ["/api/ingest/v1/stores", stores("D"), {}],
      ["/api/ingest/v1/stores", stores("D"), { Authorization: "Bearer sc_live_an_mcp_key" }],
      ["/api/ingest/v1/refunds", stores("D")],
      ["/api/ingest/v1/stores?source=Not%20A%20Source", stores("D")],
      ["/api/ingest/v1/stores", stores("D"), { Authorization: `Bearer ${secret}`, "Content-Type": "text/plain" }],
    ];
    for (const [path, body, headers] of cases) {
      const [x, y] = [await post(direct, path, body, headers), await post(routed, path, body, headers)];
      expect(x.status, path).toBeGreaterThanOrEqual(400);
      expect(x.status, path).toBe(y.status);
      expect(withoutRequestId(x.body), path).toEqual(withoutRequestId(y.body));
      expect(x.headers.get("www-authenticate"), path).toBe(y.headers.get("www-authenticate"));
    }
  });

  it("refuses a body over SOCODE_INGEST_MAX_BODY_MB with 413, as the route does", async () => {
    const big = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ id: `BIG${i}`, name: `Store ${i}`, region: "East" })).join("\n");
    const [x, y] = [await post(direct, "/api/ingest/v1/stores?source=big", big), await post(routed, "/api/ingest/v1/stores?source=big", big)];
    expect([x.status, y.status]).toEqual([413, 413]);
    expect(withoutRequestId(x.body)).toEqual(withoutRequestId(y.body));
    const left = await database.db.store.count({ where: { code: { startsWith: "BIG" } } });
    expect(left).toBe(0);
  });

  it("carries the security headers and the static Content Security Policy Next.js adds to API routes", async () => {
    const a = await post(direct, "/api/ingest/v1/stores?source=pos-a", stores("A"));
    const b = await post(routed, "/api/ingest/v1/stores?source=pos-a", stores("A"));
    for (const name of API_SECURITY_HEADERS) {
      expect(a.headers.get(name), name).toBeTruthy();
      expect(a.headers.get(name), name).toBe(b.headers.get(name));
    }
    expect(a.headers.get("content-type")).toBe(b.headers.get("content-type"));
    expect(a.headers.get("cache-control")).toBe("no-store");
  });

  it("leaves other methods and paths to Next.js: GET, a trailing slash, the webhooks, a longer path", async () => {
    const get = await fetch(`${direct.baseUrl}/api/ingest/v1/stores`);
    expect(get.status).toBe(405);
    const slash = await post(direct, "/api/ingest/v1/stores/", stores("E"));
    expect(servedByNext(slash.headers) || [301, 308].includes(slash.status)).toBe(true);
    const webhook = await post(direct, "/api/ingest/v1/webhooks/shopify/00000000-0000-0000-0000-000000000000", "{}", { "Content-Type": "application/json" });
    expect(webhook.status).toBe(401);
    expect(servedByNext(webhook.headers)).toBe(true);
    const longer = await post(direct, "/api/ingest/v1/stores/extra", stores("E"));
    expect(longer.status).toBe(404);
  });
});
