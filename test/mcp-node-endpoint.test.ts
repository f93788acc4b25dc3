// /api/mcp as `npx socode start` serves it: ahead of the Next.js router (lib/mcp/node-endpoint.ts),
// by the handler app/api/mcp/route.ts also exports. Proven against a second instance started with
// SOCODE_MCP_THROUGH_NEXT=1, on the same database: the same answers, the same security headers,
// and the methods and paths the endpoint does not take still reach Next.js.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import { seedDemo } from "@/lib/demo/seed-demo";
import { startApp, type RunningApp } from "./app-server";
import { createTestDatabase, testRuntime, type TestDatabase } from "./database";
import { API_SECURITY_HEADERS, servedByNext } from "./next-router";

describe(`/api/mcp ahead of the Next.js router on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let direct: RunningApp;
  let routed: RunningApp;
  let secret: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    await seedDemo(database.db, { scale: "small" });
    const tenant = await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
    secret = (await issueApiKey(database.db, { tenantId: tenant.id, name: "node endpoint", preset: "metrics:read" })).secret;
    direct = await startApp(database);
    routed = await startApp(database, { SOCODE_MCP_THROUGH_NEXT: "1" });
  });
  afterAll(async () => {
    await direct?.stop();
    await routed?.stop();
    await database?.close();
  });

  async function post(app: RunningApp, message: object, headers: Record<string, string> = { Authorization: `Bearer ${secret}` }, path = "/api/mcp") {
    const res = await fetch(`${app.baseUrl}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, ...message }),
    });
    return { status: res.status, headers: res.headers, body: await res.text() };
  }

  it("is what answers /api/mcp (and SOCODE_MCP_THROUGH_NEXT=1 turns it off)", async () => {
    const list = { method: "tools/list", params: {} };
    const [a, b] = [await post(direct, list), await post(routed, list)];
    expect(a.status).toBe(200);
    expect(servedByNext(a.headers)).toBe(false);
    expect(servedByNext(b.headers)).toBe(true);
    expect(JSON.parse(a.body)).toEqual(JSON.parse(b.body));
  });

  it("answers like the route: the same results, refusals and challenge", async () => {
    const query = { method: "tools/call", params: { name: "query_metric", arguments: { metric: "gmv", window: { from: "2026-11-01", to: "2026-11-07" }, groupBy: "store" } } };
    const [a, b] = [await post(direct, query), await post(routed, query)];
    expect(a.status).toBe(b.status);
    const answer = (body: string) => (JSON.parse(body) as { result: { structuredContent: { rows: unknown; total: unknown } } }).result.structuredContent;
    expect(answer(a.body).rows).toEqual(answer(b.body).rows);
    expect(answer(a.body).total).toEqual(answer(b.body).total);

    const missingOrWrong: Record<string, string>[] = [{}, { Authorization: "Bearer sc_live_not_a_key" }];
    for (const headers of missingOrWrong) {
      const [x, y] = [await post(direct, { method: "tools/list" }, headers), await post(routed, { method: "tools/list" }, headers)];
      expect(x.status).toBe(401);
      expect(y.status).toBe(401);
      expect(x.body).toBe(y.body);
      // The challenge names each instance's own URL (its port).
      const challenge = (h: Headers, app: RunningApp) => h.get("www-authenticate")?.replace(app.baseUrl, "<base>");
      expect(challenge(x.headers, direct)).toContain('resource_metadata="<base>/.well-known/oauth-protected-resource/api/mcp"');
      expect(challenge(x.headers, direct)).toBe(challenge(y.headers, routed));
    }
    const unknown = { method: "no/such_method", params: {} };
    const [u, v] = [await post(direct, unknown), await post(routed, unknown)];
    expect(u.status).toBe(v.status);
    expect(JSON.parse(u.body)).toEqual(JSON.parse(v.body));
  });

  it("carries the security headers and the static Content Security Policy Next.js adds to API routes", async () => {
    const a = await post(direct, { method: "tools/list" });
    const b = await post(routed, { method: "tools/list" });
    for (const name of API_SECURITY_HEADERS) {
      expect(a.headers.get(name), name).toBeTruthy();
      expect(a.headers.get(name), name).toBe(b.headers.get(name));
    }
    expect(a.headers.get("content-security-policy")).toContain("script-src 'self';");
  });

  it("leaves other methods and paths to Next.js: OPTIONS, HEAD, a trailing slash, a longer path", async () => {
    const options = await fetch(`${direct.baseUrl}/api/mcp`, { method: "OPTIONS" });
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")).toContain("POST");
    const head = await fetch(`${direct.baseUrl}/api/mcp`, { method: "HEAD" });
    expect(head.status).toBe(401);
    expect(servedByNext(head.headers)).toBe(true);
    const slash = await post(direct, { method: "tools/list" }, undefined, "/api/mcp/");
    expect(servedByNext(slash.headers) || [301, 308].includes(slash.status)).toBe(true);
    const longer = await post(direct, { method: "tools/list" }, undefined, "/api/mcpx");
    expect(longer.status).toBe(404);
    const withQuery = await post(direct, { method: "tools/list" }, undefined, "/api/mcp?client=test");
    expect(withQuery.status).toBe(200);
    expect(servedByNext(withQuery.headers)).toBe(false);
  });

  it("reads a body sent in chunks and refuses one over the limit with 413, as the route does", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < body.length; i += 7) controller.enqueue(new TextEncoder().encode(body.slice(i, i + 7)));
        controller.close();
      },
    });
    const chunked = await fetch(direct.mcpUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: `Bearer ${secret}` },
      body: stream,
      // @ts-expect-error: Node's fetch needs `duplex` for a streamed body; lib.dom's RequestInit lacks it.
      duplex: "half",
    });
    expect(chunked.status).toBe(200);
    expect(((await chunked.json()) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(0);

    const huge = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(1_100_000) } });
    const refused = await fetch(direct.mcpUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: `Bearer ${secret}` },
      body: huge,
    });
    expect(refused.status).toBe(413);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("exceeds");
  });

  it("does not depend on the Host header: a malformed one is answered, not a server error", async () => {
    const send = (host: string, path = "/api/mcp") =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });
        const req = http.request(`${direct.baseUrl}${path}`, {
          method: "POST",
          headers: { Host: host, "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: `Bearer ${secret}` },
        });
        req.on("response", (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on("error", reject);
        req.end(body);
      });
    for (const host of ["[", "a b", "exa mple.test:99999"]) {
      const answer = await send(host);
      expect(answer.status, host).toBe(200);
      expect((JSON.parse(answer.body) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(0);
    }
    // The query string is still read: a key in the URL is refused whatever the Host says.
    expect((await send("[", "/api/mcp?api_key=sc_live_x")).status).toBe(400);
  });
});
