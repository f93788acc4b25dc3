// Ingest end to end over HTTP against the built app: a fresh tenant with no demo data is fed stores,
// members and 30 days of orders (plus coupon redemptions and points) through /api/ingest/v1; each
// seed question asked through MCP then equals a computation over the raw records the test sent;
// re-sent batches change nothing; every bad input is a clear 4xx with nothing written.
import net from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { startApp, type RunningApp } from "@/test/app-server";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import type { BatchReport } from "./ingest-batch";
import { issueIngestKey } from "./ingest-keys";
import { shopifySignature } from "./shopify-webhook";
import { configureIngestSource } from "./sources";

const ZONE = "America/New_York";
const DAY_MS = 86_400_000;

/** A small deterministic generator: the data differs run to run only through the clock. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const localDate = (iso: string) => new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));

type Store = { id: string; name: string; region: string };
type Member = { id: string; name: string; tier: string; tierRank: number; homeStore: string; joinedAt: string };
type Order = { id: string; store: string; member?: string; placedAt: string; total: string; currency: string; channel: string; status: string; coupon?: { code: string; pool: string } };
type Redemption = { id: string; code: string; pool: string; member: string; issuedAt: string; redeemedAt: string };

function generate(now: Date) {
  const random = rng(20261203);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const stores: Store[] = Array.from({ length: 6 }, (_, i) => ({ id: `S0${i + 1}`, name: `Store ${i + 1}`, region: i < 3 ? "East" : "West" }));
  const tiers = [
    { tier: "Bronze", tierRank: 1 },
    { tier: "Silver", tierRank: 2 },
    { tier: "Gold", tierRank: 3 },
  ];
  const latest = now.getTime() - 15 * 60_000;
  const members: Member[] = Array.from({ length: 240 }, (_, i) => ({
    id: `M${String(i + 1).padStart(4, "0")}`,
    name: `Member ${i + 1}`,
    ...(tiers[i % 3] as { tier: string; tierRank: number }),
    homeStore: pick(stores).id,
    joinedAt: new Date(latest - Math.floor(random() * 70 * DAY_MS)).toISOString(),
  }));
  const orders: Order[] = [];
  const start = latest - 31 * DAY_MS;
  let coupon = 0;
  for (let i = 0; i < 1500; i++) {
    const placed = new Date(start + Math.floor(random() * (latest - start)));
    const member = random() < 0.8 ? pick(members) : undefined;
    // Members' orders come after they joined; guests any time.
    const placedAt = member && placed.toISOString() < member.joinedAt ? member.joinedAt : placed.toISOString();
    const status = random() < 0.9 ? "completed" : pick(["refunded", "cancelled"]);
    orders.push({
      id: `O${i + 1}`,
      store: pick(stores).id,
      ...(member ? { member: member.id } : {}),
      placedAt,
      total: (500 + Math.floor(random() * 20_000)) / 100 + "",
      currency: "USD",
      channel: pick(["store", "online", "app"]),
      status,
      ...(random() < 0.15 ? { coupon: { code: `ORD-${++coupon}`, pool: pick(["Summer", "Welcome"]) } } : {}),
    });
  }
  for (const o of orders) if (!o.total.includes(".")) o.total += ".00";
  const redemptions: Redemption[] = Array.from({ length: 120 }, (_, i) => {
    const redeemed = start + Math.floor(random() * (latest - start));
    return {
      id: `R${i + 1}`,
      code: `RED-${i + 1}`,
      pool: pick(["Summer", "Winback"]),
      member: pick(members).id,
      issuedAt: new Date(redeemed - Math.floor(random() * 20 * DAY_MS)).toISOString(),
      redeemedAt: new Date(redeemed).toISOString(),
    };
  });
  return { stores, members, orders, redemptions };
}

type Window = { from: string; to: string };
type Cell = { id: string | null; label: string };
type Values = { current: string | null; comparison?: string | null; parts: { current: { numerator: string; denominator: string } } };
/** Only the dimensions a test grouped by are present; reading another fails the test at run time. */
type Row = Values & { dimensions: { store: Cell; tier: Cell; coupon_pool: Cell; day: Cell } };
type MetricAnswer = {
  total: Values;
  rows: Row[];
  byDimension: [{ contributors: (Values & { label: string })[] }];
  provenance: { source: string; window: Window; comparison: Window; ingest: { stale: boolean; warning?: string; sources: { source: string; kind: string }[] } };
};
type HttpAnswer = BatchReport & { error: { code: string; message: string } };

const ndjson = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join("\n") + "\n";
const chunks = <T,>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
const cents = (v: string | null | undefined) => BigInt((v ?? "0").replace(".", ""));
const toCents = (total: string) => BigInt(Math.round(Number(total) * 100));
const between = (iso: string, w: { from: string; to: string }) => {
  const d = localDate(iso);
  return d >= w.from && d <= w.to;
};

describe(`ingest over HTTP on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let app: RunningApp;
  let tenantId: string;
  let otherTenantId: string;
  let ingestKey: string;
  let otherIngestKey: string;
  let mcpKey: string;
  let data: ReturnType<typeof generate>;
  let mcp: Client;

  async function post(kind: string, body: string, options: { key?: string; type?: string; query?: string } = {}) {
    const res = await fetch(`${app.baseUrl}/api/ingest/v1/${kind}${options.query ? `?${options.query}` : ""}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${options.key ?? ingestKey}`, "Content-Type": options.type ?? "application/x-ndjson" },
      body,
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as HttpAnswer };
  }

  async function call(name: string, args: Record<string, unknown>) {
    const result = (await mcp.callTool({ name, arguments: args })) as CallToolResult;
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    return result as CallToolResult & { structuredContent: MetricAnswer };
  }

  /** Facts and rollups of the tenant, to prove a refused request wrote nothing. */
  async function fingerprint() {
    const rows = await database.db.$queryRawUnsafe<{ f: string }[]>(
      `SELECT concat_ws('|',
         (SELECT COUNT(*) FROM stores WHERE tenant_id = $1::uuid), (SELECT COUNT(*) FROM members WHERE tenant_id = $1::uuid),
         (SELECT COUNT(*) || ':' || COALESCE(SUM(total_minor), 0) FROM orders WHERE tenant_id = $1::uuid),
         (SELECT COUNT(*) || ':' || COUNT(redeemed_at) FROM coupons WHERE tenant_id = $1::uuid),
         (SELECT COUNT(*) FROM points_entries WHERE tenant_id = $1::uuid), (SELECT COUNT(*) FROM ingest_records r JOIN ingest_sources s ON s.id = r.source_id WHERE s.tenant_id = $1::uuid),
         (SELECT COALESCE(SUM(orders), 0) || ':' || COALESCE(SUM(gmv_minor), 0) FROM rollup_order_days WHERE tenant_id = $1::uuid),
         (SELECT COUNT(*) FROM rollup_member_days WHERE tenant_id = $1::uuid),
         (SELECT COALESCE(SUM(issued), 0) || ':' || COALESCE(SUM(redeemed), 0) FROM rollup_coupon_days WHERE tenant_id = $1::uuid)) AS f`,
      tenantId,
    );
    return rows[0]?.f;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const acme = await database.db.tenant.create({ data: { slug: "acme", name: "Acme", timeZone: ZONE, currency: "USD" } });
    const other = await database.db.tenant.create({ data: { slug: "other", name: "Other", timeZone: "UTC", currency: "USD" } });
    tenantId = acme.id;
    otherTenantId = other.id;
    ingestKey = (await issueIngestKey(database.db, { tenantId, name: "pos" })).secret;
    otherIngestKey = (await issueIngestKey(database.db, { tenantId: otherTenantId, name: "other pos" })).secret;
    mcpKey = (await issueApiKey(database.db, { tenantId, name: "analyst", preset: "metrics:read" })).secret;
    app = await startApp(database);
    data = generate(new Date());
    mcp = new Client({ name: "ingest-tests", version: "1.0.0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(app.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${mcpKey}` } } }));
  }, 180_000);
  afterAll(async () => {
    await mcp?.close();
    await app?.stop();
    await database?.close();
  });

  it("feeds a fresh tenant: stores (JSON envelope), members (JSON array), orders and redemptions (NDJSON batches)", async () => {
    const stores = await post("stores", JSON.stringify({ records: data.stores }), { type: "application/json", query: "source=pos&tenant=acme" });
    expect(stores.status).toBe(200);
    expect(stores.body.counts).toEqual({ received: 6, accepted: 6, duplicate: 0, rejected: 0 });
    const members = await post("members", JSON.stringify(data.members), { type: "application/json", query: "source=pos" });
    expect(members.status, JSON.stringify(members.body.rejected?.slice(0, 3))).toBe(200);
    expect(members.body.counts.accepted).toBe(240);
    for (const batch of chunks(data.orders, 500)) {
      const r = await post("orders", ndjson(batch), { query: "source=pos" });
      expect(r.status, JSON.stringify(r.body.rejected?.slice(0, 3))).toBe(200);
      expect(r.body.counts.accepted).toBe(batch.length);
    }
    const redemptions = await post("redemptions", ndjson(data.redemptions), { query: "source=pos" });
    expect(redemptions.status, JSON.stringify(redemptions.body.rejected?.slice(0, 3))).toBe(200);
    expect(await database.db.order.count({ where: { tenantId } })).toBe(1500);
    const audit = await database.db.auditEvent.findMany({ where: { tenantId, action: "ingest.batch" } });
    expect(audit).toHaveLength(6);
    expect(audit[0]).toMatchObject({ surface: "ingest", actorType: "key", outcome: "ok" });
  });

  it("GMV last week by store equals the sum of the completed orders sent", async () => {
    const r = await call("query_metric", { metric: "gmv", window: "last_week", groupBy: "store" });
    const p = r.structuredContent.provenance;
    expect(p.source).toBe("rollups");
    expect(p.ingest).toMatchObject({ stale: false, sources: [{ source: "pos", kind: "orders" }] });
    const expected = new Map<string, bigint>();
    for (const o of data.orders) if (o.status === "completed" && between(o.placedAt, p.window)) expected.set(o.store, (expected.get(o.store) ?? 0n) + toCents(o.total));
    const got = new Map<string, bigint>(r.structuredContent.rows.map((row) => [row.dimensions.store.label.match(/\((S\d+)\)$/)?.[1] ?? "", cents(row.current)]));
    expect(got).toEqual(expected);
    expect(cents(r.structuredContent.total.current)).toBe([...expected.values()].reduce((a, b) => a + b, 0n));
  });

  it("redemptions last week versus the prior week, explained by pool, equal the redemptions sent", async () => {
    const r = await call("explain_change", { metric: "redemptions", window: "last_week", compareTo: "prior_week", dimensions: "coupon_pool" });
    const p = r.structuredContent.provenance;
    const redeemed = [...data.redemptions.map((x) => ({ pool: x.pool, at: x.redeemedAt })), ...data.orders.filter((o) => o.coupon).map((o) => ({ pool: o.coupon?.pool ?? "", at: o.placedAt }))];
    const count = (w: { from: string; to: string }, pool?: string) => redeemed.filter((x) => between(x.at, w) && (!pool || x.pool === pool)).length;
    expect(Number(r.structuredContent.total.current)).toBe(count(p.window));
    expect(Number(r.structuredContent.total.comparison)).toBe(count(p.comparison));
    for (const c of r.structuredContent.byDimension[0].contributors) {
      expect([c.label, Number(c.current), Number(c.comparison)]).toEqual([c.label, count(p.window, c.label), count(p.comparison, c.label)]);
    }
  });

  it("redemption rate by coupon pool for the last 14 days equals redeemed ÷ issued over the records sent", async () => {
    const r = await call("query_metric", { metric: "redemption_rate", window: "last_14_days", groupBy: "coupon_pool" });
    const w = r.structuredContent.provenance.window;
    const coupons = [
      ...data.redemptions.map((x) => ({ pool: x.pool, issued: x.issuedAt, redeemed: x.redeemedAt })),
      ...data.orders.filter((o) => o.coupon).map((o) => ({ pool: o.coupon?.pool ?? "", issued: o.placedAt, redeemed: o.placedAt })),
    ];
    for (const row of r.structuredContent.rows) {
      const pool = row.dimensions.coupon_pool.label;
      const numerator = coupons.filter((c) => c.pool === pool && between(c.redeemed, w)).length;
      const denominator = coupons.filter((c) => c.pool === pool && between(c.issued, w)).length;
      expect({ pool, ...row.parts.current }).toEqual({ pool, numerator: String(numerator), denominator: String(denominator) });
    }
    expect(r.structuredContent.rows.length).toBeGreaterThanOrEqual(2);
  });

  it("active members by tier, last 30 days versus the previous period, equal the distinct members sent", async () => {
    const r = await call("query_metric", { metric: "active_members", window: "last_30_days", compareTo: "previous_period", groupBy: "tier" });
    const p = r.structuredContent.provenance;
    const tierOf = new Map(data.members.map((m) => [m.id, m.tier]));
    const active = (w: { from: string; to: string }, tier: string) =>
      new Set(data.orders.filter((o) => o.member && o.status === "completed" && tierOf.get(o.member) === tier && between(o.placedAt, w)).map((o) => o.member)).size;
    for (const row of r.structuredContent.rows) {
      const tier = row.dimensions.tier.label;
      expect({ tier, current: row.current, comparison: row.comparison }).toEqual({ tier, current: String(active(p.window, tier)), comparison: String(active(p.comparison, tier)) });
    }
    const joins = await call("query_metric", { metric: "new_members", window: "last_30_days" });
    const jw = joins.structuredContent.provenance.window;
    expect(joins.structuredContent.total.current).toBe(String(data.members.filter((m) => between(m.joinedAt, jw)).length));
  });

  it("which stores drove the Silver change: per-store active members equal the records sent", async () => {
    const r = await call("explain_change", { metric: "active_members", window: "last_30_days", compareTo: "previous_period", dimensions: "store", filters: { tier: "Silver" } });
    const p = r.structuredContent.provenance;
    const silver = new Set(data.members.filter((m) => m.tier === "Silver").map((m) => m.id));
    const active = (w: { from: string; to: string }, store?: string) =>
      new Set(data.orders.filter((o) => o.member && silver.has(o.member) && o.status === "completed" && (!store || o.store === store) && between(o.placedAt, w)).map((o) => o.member)).size;
    expect(Number(r.structuredContent.total.current)).toBe(active(p.window));
    for (const c of r.structuredContent.byDimension[0].contributors) {
      const code = c.label.match(/\((S\d+)\)$/)?.[1];
      expect([code, Number(c.current), Number(c.comparison)]).toEqual([code, active(p.window, code), active(p.comparison, code)]);
    }
  });

  it("re-sent batches change nothing: every record is a duplicate and the numbers stay the same", async () => {
    const before = await fingerprint();
    const gmvBefore = (await call("query_metric", { metric: "gmv", window: "last_30_days" })).structuredContent.total.current;
    const stores = await post("stores", JSON.stringify(data.stores), { type: "application/json", query: "source=pos" });
    expect(stores.body.counts).toMatchObject({ accepted: 0, duplicate: 6 });
    for (const batch of chunks(data.orders, 500)) {
      const r = await post("orders", ndjson(batch), { query: "source=pos" });
      expect(r.status).toBe(200);
      expect(r.body.counts).toMatchObject({ accepted: 0, duplicate: batch.length, rejected: 0 });
    }
    expect((await post("redemptions", ndjson(data.redemptions), { query: "source=pos" })).body.counts.duplicate).toBe(120);
    expect(await fingerprint()).toBe(before);
    expect((await call("query_metric", { metric: "gmv", window: "last_30_days" })).structuredContent.total.current).toBe(gmvBefore);
  });

  it("a late order for a past day is reflected in that day's GMV at once", async () => {
    const r0 = await call("query_metric", { metric: "gmv", window: "last_30_days", groupBy: "day" });
    const day = r0.structuredContent.rows[0]?.dimensions.day.id ?? "";
    const late = { id: "LATE-1", store: "S01", placedAt: `${day}T16:00:00Z`, total: "1000.00", currency: "USD", channel: "store" };
    expect((await post("orders", ndjson([late]), { query: "source=pos" })).status).toBe(200);
    const r1 = await call("query_metric", { metric: "gmv", window: "last_30_days", groupBy: "day" });
    const before = r0.structuredContent.rows.find((x) => x.dimensions.day.id === localDate(late.placedAt));
    const after = r1.structuredContent.rows.find((x) => x.dimensions.day.id === localDate(late.placedAt));
    expect(cents(after?.current) - cents(before?.current)).toBe(100_000n);
    expect(r1.structuredContent.provenance.source).toBe("rollups");
  });

  describe("bad input: a clear 4xx and nothing written", () => {
    const good = (id: string, extra: Record<string, unknown> = {}) => ({ id, store: "S01", placedAt: new Date(Date.now() - 3_600_000).toISOString(), total: "10.00", currency: "USD", channel: "store", ...extra });
    const cases: { name: string; send: () => Promise<{ status: number; body: HttpAnswer }>; status: number; code?: string; row?: { row: number; field: string | null; code: string } }[] = [
      { name: "malformed NDJSON", send: () => post("orders", `${JSON.stringify(good("B1"))}\n{"id": "B2", "store": \n`), status: 422, row: { row: 2, field: null, code: "invalid_json" } },
      { name: "wrong types", send: () => post("orders", ndjson([good("B3"), good("B4", { total: { amount: 5 } })])), status: 422, row: { row: 2, field: "total", code: "invalid_record" } },
      { name: "unknown store", send: () => post("orders", ndjson([good("B5"), good("B6", { store: "S99" })])), status: 422, row: { row: 2, field: "store", code: "unknown_store" } },
      { name: "negative amount", send: () => post("orders", ndjson([good("B7", { total: "-5.00" })])), status: 422, row: { row: 1, field: "total", code: "invalid_record" } },
      { name: "future date", send: () => post("orders", ndjson([good("B8", { placedAt: new Date(Date.now() + 2 * DAY_MS).toISOString() })])), status: 422, row: { row: 1, field: "placedAt", code: "future_date" } },
      { name: "unknown field", send: () => post("orders", ndjson([good("B9", { tenantId: "x" })])), status: 422, row: { row: 1, field: null, code: "invalid_record" } },
      { name: "changed record with a sent id", send: () => post("orders", ndjson([{ ...data.orders[0], total: "1.00" }]), { query: "source=pos" }), status: 422, row: { row: 1, field: "id", code: "changed_record" } },
      { name: "body that is not JSON", send: () => post("orders", "[{", { type: "application/json" }), status: 400, code: "invalid_json" },
      { name: "unsupported content type", send: () => post("orders", "id,store", { type: "text/csv" }), status: 415, code: "unsupported_media_type" },
      { name: "unknown kind", send: () => post("refunds", ndjson([good("B10")])), status: 404, code: "unknown_kind" },
      { name: "50 MB body", send: () => post("orders", " ".repeat(50 * 1024 * 1024)), status: 413, code: "body_too_large" },
      { name: "an MCP key", send: () => post("orders", ndjson([good("B11")]), { key: mcpKey }), status: 403, code: "auth_wrong_kind" },
      { name: "no key", send: () => post("orders", ndjson([good("B12")]), { key: "" }), status: 401, code: "auth_not_bearer" },
      { name: "another tenant's ingest key", send: () => post("orders", ndjson([good("B13")]), { key: otherIngestKey, query: "tenant=acme" }), status: 403, code: "tenant_mismatch" },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const before = await fingerprint();
        const r = await c.send();
        expect(r.status, JSON.stringify(r.body)).toBe(c.status);
        if (c.code) expect(r.body.error.code).toBe(c.code);
        if (c.row) {
          expect(r.body.outcome).toBe("rejected");
          expect(r.body.rejected).toContainEqual(expect.objectContaining(c.row));
          expect(r.body.rejected.every((x: { reason: string }) => x.reason.length > 0)).toBe(true);
        }
        expect(await fingerprint()).toBe(before);
      });
    }

    it("an ingest key is refused on /api/mcp", async () => {
      const res = await fetch(app.mcpUrl, {
        method: "POST",
        headers: { Authorization: `Bearer ${ingestKey}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "0" } } }),
      });
      expect(res.status).toBe(401);
    });

    it("an oversized body is read to its end while refused: the client sends all of it and reads the 413", async () => {
      // Closing the connection with the body still arriving would reset it, and the client could
      // lose the answer (it did, under load). The refusal is sent at once; the rest is drained.
      const url = new URL(app.baseUrl);
      const size = 50 * 1024 * 1024;
      const outcome = await new Promise<{ answer: string; errors: string[]; sent: number }>((resolve) => {
        const socket = net.connect(Number(url.port), url.hostname);
        const errors: string[] = [];
        let answer = "";
        let sent = 0;
        socket.on("data", (d) => {
          answer += d.toString();
          if (answer.includes("body_too_large") && sent >= size) socket.end();
        });
        socket.on("error", (e: NodeJS.ErrnoException) => errors.push(e.code ?? e.message));
        socket.on("close", () => resolve({ answer, errors, sent }));
        socket.write(`POST /api/ingest/v1/orders HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${ingestKey}\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${size}\r\n\r\n`);
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (sent < size && !socket.destroyed) {
            sent += chunk.length;
            if (!socket.write(chunk)) return void socket.once("drain", pump);
          }
          if (answer.includes("body_too_large")) socket.end();
        };
        pump();
      });
      expect(outcome.errors).toEqual([]);
      expect(outcome.sent).toBe(size);
      expect(outcome.answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(outcome.answer).toContain("body_too_large");
    });

    it("partial: true keeps the good records and reports the bad one by row, field and reason", async () => {
      const r = await post("orders", ndjson([good("P1"), good("P2", { store: "S99" })]), { query: "source=pos&partial=true" });
      expect(r.status).toBe(200);
      expect(r.body.outcome).toBe("partial");
      expect(r.body.accepted).toEqual([{ row: 1, id: "P1" }]);
      expect(r.body.rejected).toEqual([{ row: 2, id: "P2", field: "store", code: "unknown_store", reason: expect.stringContaining("S99") }]);
    });
  });

  describe("Shopify-style orders/create webhook", () => {
    let url: string;
    let secret: string;
    const payload = (id: number) =>
      JSON.stringify({
        id,
        created_at: new Date(Date.now() - 600_000).toISOString(),
        total_price: "42.50",
        currency: "USD",
        source_name: "web",
        financial_status: "paid",
        customer: { id: "M0001" },
        line_items: [{ sku: "TEE", quantity: 1, price: "42.50" }],
        discount_codes: [{ code: "WEB-10" }],
      });
    const send = (body: string, signature: string) =>
      fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": signature }, body });

    beforeAll(async () => {
      const source = await configureIngestSource(database.db, tenantId, { name: "shopify", defaultStoreCode: "S02", rotateWebhookSecret: true });
      secret = source.webhookSecret ?? "";
      url = `${app.baseUrl}/api/ingest/v1/webhooks/shopify/${source.id}`;
    });

    it("a signed order lands as an order of the member, with its coupon; a re-delivery is a duplicate", async () => {
      const body = payload(820982911946154500);
      const r = await send(body, shopifySignature(secret, body));
      expect(r.status).toBe(200);
      expect(((await r.json()) as { counts: unknown }).counts).toMatchObject({ accepted: 1 });
      const order = await database.db.order.findFirstOrThrow({ where: { tenantId, totalMinor: 4250n, channel: "online" }, include: { member: true, store: true, coupons: true } });
      expect([order.member?.externalId, order.store.code, order.coupons[0]?.code]).toEqual(["M0001", "S02", "WEB-10"]);
      // The 64-bit Shopify id is kept exactly (a JS number would round it).
      expect(await database.db.ingestRecord.count({ where: { externalId: "820982911946154500", kind: "orders" } })).toBe(1);
      const again = await send(body, shopifySignature(secret, body));
      expect(((await again.json()) as { counts: unknown }).counts).toMatchObject({ accepted: 0, duplicate: 1 });
    });

    it("a bad signature, another secret or a tampered body is refused with 401 and nothing written", async () => {
      const before = await fingerprint();
      const body = payload(1001);
      for (const signature of ["", "not-base64!!", shopifySignature("whsec_other", body), shopifySignature(secret, `${body} `)]) {
        const r = await send(body, signature);
        expect(r.status).toBe(401);
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe("invalid_signature");
      }
      expect(await fingerprint()).toBe(before);
    });
  });

  it("a source silent for longer than the tenant's threshold makes answers say stale, with the age", async () => {
    await database.db.tenant.update({ where: { id: tenantId }, data: { ingestStaleAfterMinutes: 60 } });
    await database.db.$executeRawUnsafe(`UPDATE ingest_feeds SET last_received_at = now() - interval '26 hours' WHERE tenant_id = $1::uuid`, tenantId);
    const r = await call("query_metric", { metric: "gmv", window: "last_7_days" });
    expect(r.structuredContent.provenance.ingest.stale).toBe(true);
    expect(r.structuredContent.provenance.ingest.warning).toMatch(/stale: source pos \(orders\) last fed 26 h 0 min ago/);
    expect(JSON.stringify(r.content)).toContain("stale");
  });

  it("every batch and refusal is audited, and the tenant's chain verifies", async () => {
    const events = await database.db.auditEvent.findMany({ where: { tenantId, surface: "ingest" } });
    expect(events.filter((e) => e.action === "ingest.batch" && e.outcome === "error").length).toBeGreaterThanOrEqual(7);
    expect(events.some((e) => e.action === "ingest.orders" && e.errorCode === "body_too_large")).toBe(true);
    expect((await verifyAuditChain(database.db, tenantId)).ok).toBe(true);
    expect(otherTenantId).toBeTruthy();
  });
});
