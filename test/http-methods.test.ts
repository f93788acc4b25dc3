// Unsupported methods over real HTTP against the built app as `npx socode start` serves it: TRACE,
// CONNECT and PUT/PATCH/DELETE where a route has none are a 405 with an Allow header (never a 500,
// never a page rendered as if it were GET, never a dropped connection); supported methods still work.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "./app-server";
import { createTestDatabase, testRuntime, type TestDatabase } from "./database";

type Answer = { status: number; allow: string | null; body: string };

async function send(app: RunningApp, method: string, path: string): Promise<Answer> {
  const res = await fetch(`${app.baseUrl}${path}`, { method, redirect: "manual" });
  return { status: res.status, allow: res.headers.get("allow"), body: await res.text() };
}

/** fetch() refuses TRACE and CONNECT (forbidden methods), so those go over a plain socket. */
async function raw(app: RunningApp, method: string, target: string): Promise<Answer> {
  const { hostname, port } = new URL(app.baseUrl);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
    });
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (data += chunk));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
    socket.setTimeout(30_000, () => socket.destroy(new Error(`${method} ${target}: no answer`)));
  });
  const [head = "", body = ""] = text.split("\r\n\r\n");
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  const allow = /^allow: (.*)$/im.exec(head)?.[1]?.trim() ?? null;
  return { status, allow, body };
}

describe(`unsupported HTTP methods on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let app: RunningApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startApp(database);
  });
  afterAll(async () => {
    await app?.stop();
    await database?.close();
  });

  const PAGE = "GET, HEAD, POST, OPTIONS";
  const ROUTES: [path: string, allow: string][] = [
    ["/", PAGE],
    ["/sign-in", PAGE],
    ["/t/demo/keys", PAGE],
    ["/api/mcp", "GET, HEAD, POST, DELETE, OPTIONS"],
    ["/api/health", "GET, HEAD, OPTIONS"],
    ["/oauth/token", "POST, OPTIONS"],
  ];

  for (const [path, allow] of ROUTES) {
    it(`TRACE and CONNECT on ${path} are 405 with Allow: ${allow}`, async () => {
      for (const method of ["TRACE", "CONNECT"]) {
        const answer = await raw(app, method, path);
        expect(answer.status, `${method} ${path}: ${answer.body.slice(0, 200)}`).toBe(405);
        expect(answer.allow, `${method} ${path}`).toBe(allow);
        expect(JSON.parse(answer.body)).toMatchObject({ error: "method_not_allowed" });
      }
    });

    it(`PUT, PATCH and DELETE on ${path} are 405 with Allow where the route has none`, async () => {
      for (const method of ["PUT", "PATCH", "DELETE"]) {
        if (allow.split(", ").includes(method)) continue;
        const answer = await send(app, method, path);
        expect(answer.status, `${method} ${path}: ${answer.body.slice(0, 200)}`).toBe(405);
        expect(answer.allow, `${method} ${path}`).toBe(allow);
        expect(JSON.parse(answer.body)).toEqual({
          error: "method_not_allowed",
          message: `${method} is not supported on ${path}; use ${allow}.`,
        });
      }
    });
  }

  it("CONNECT in authority form (a proxy tunnel request) is 405 too", async () => {
    const { host } = new URL(app.baseUrl);
    const answer = await raw(app, "CONNECT", host);
    expect(answer.status).toBe(405);
    expect(answer.allow).toBe(PAGE);
  });

  it("supported methods still reach the app", async () => {
    expect((await send(app, "GET", "/api/health")).status).toBe(200);
    expect((await send(app, "HEAD", "/api/health")).status).toBe(200);
    expect((await send(app, "GET", "/sign-in")).status).toBe(200);
    // DELETE /api/mcp is the session teardown: without a key it is a 401, not a 405.
    expect((await send(app, "DELETE", "/api/mcp")).status).toBe(401);
    const token = await send(app, "POST", "/oauth/token");
    expect(token.status).toBe(400);
    const options = await send(app, "OPTIONS", "/");
    expect(options.status).toBe(204);
    expect(options.allow).toBe(PAGE);
    expect((await send(app, "OPTIONS", "/api/health")).allow).toBe("GET, HEAD, OPTIONS");
    // The server carries on after all of it.
    expect((await send(app, "GET", "/api/health")).status).toBe(200);
    expect(app.logs()).not.toMatch(/HTTP method is unsupported|uncaught|unhandled/i);
  });
});
