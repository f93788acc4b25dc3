// Browser origins at /api/mcp, against the running app. A server reached over loopback accepts
// local clients on any loopback port (the MCP Inspector's page, a dev server on 127.0.0.1 while the
// public URL says localhost); a DNS-rebinding page and foreign origins are refused; a deployment
// whose public URL is not loopback keeps its strict allowlist.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "@/test/app-server";
import { testRuntime } from "@/test/database";
import { httpRaw, INITIALIZE, issueKey, type IssuedTestKey, startTarget, type Target } from "./mcp-attacker";

describe(`/api/mcp Origin checks, on ${testRuntime()}`, () => {
  let t: Target;
  let deployed: RunningApp;
  let key: IssuedTestKey;

  beforeAll(async () => {
    // Public URL on loopback but another port than the one the test reaches.
    t = await startTarget({ SOCODE_PUBLIC_URL: "http://localhost:1" });
    deployed = await startApp(t.database, { SOCODE_PUBLIC_URL: "https://socode.example.com", SOCODE_ALLOWED_ORIGINS: "https://inspector.example.com" });
    key = await issueKey(t.db, t.demoId);
  });
  afterAll(async () => {
    await deployed?.stop();
    await t?.stop();
  });

  const send = (app: RunningApp, headers: Record<string, string>) =>
    httpRaw(app.mcpUrl, {
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", Authorization: `Bearer ${key.secret}`, ...headers },
      body: Buffer.from(INITIALIZE),
    });

  it("accepts a loopback Origin on any port when Host is loopback and the public URL is loopback", async () => {
    const port = new URL(t.app.baseUrl).port;
    const cases: Record<string, string>[] = [
      { Origin: "http://127.0.0.1:3000" },
      { Origin: "http://localhost:6274" },
      { Origin: "http://[::1]:5173" },
      { Origin: "http://localhost:6274", Host: `localhost:${port}` },
    ];
    for (const headers of cases) {
      const answer = await send(t.app, headers);
      expect({ headers, status: answer.status }).toEqual({ headers, status: 200 });
      expect(answer.text).toContain('"protocolVersion"');
    }
  });

  it("refuses foreign origins, and a DNS-rebinding page (Host is the attacker's name), with 403, audited", async () => {
    const port = new URL(t.app.baseUrl).port;
    const cases: Record<string, string>[] = [
      { Origin: "https://evil.example" },
      { Origin: "http://127.0.0.1.evil.example" },
      { Origin: "null" },
      { Origin: `http://evil.example:${port}`, Host: `evil.example:${port}` },
      { Origin: "http://localhost:6274", Host: `evil.example:${port}` },
    ];
    for (const headers of cases) {
      const answer = await send(t.app, headers);
      expect({ headers, status: answer.status }).toEqual({ headers, status: 403 });
    }
    const refused = await t.db.auditEvent.count({ where: { action: "mcp.request", errorCode: "origin_not_allowed" } });
    expect(refused).toBeGreaterThanOrEqual(5);
  });

  it("keeps the strict allowlist when the public URL is not loopback", async () => {
    for (const origin of ["http://localhost:6274", "http://127.0.0.1:3000", deployed.baseUrl]) {
      expect((await send(deployed, { Origin: origin })).status).toBe(403);
    }
    for (const origin of ["https://socode.example.com", "https://inspector.example.com"]) {
      expect((await send(deployed, { Origin: origin })).status).toBe(200);
    }
    // No Origin at all: a non-browser client, not affected.
    expect((await send(deployed, {})).status).toBe(200);
  });
});
