// JSON-RPC and HTTP abuse of /api/mcp: malformed and mistyped messages, unknown methods, batches,
// oversized and endless bodies, 100,000-level nesting, invalid UTF-8, bad Origin and protocol
// versions, keys in the URL, wrong content types and methods, huge headers. Every one must end in
// a 4xx or a JSON-RPC error — never a 500 or an "internal error", never a stack trace or a file
// path — and afterwards the server must still answer, with nothing in its log but handled refusals.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { testRuntime } from "@/test/database";
import { callTool, connectMcp, httpRaw, INITIALIZE, internalsIn, issueKey, postRaw, PROTOCOL_VERSION, rpc, startTarget, type IssuedTestKey, type Target } from "./mcp-attacker";

type Answer = { status: number; text: string; headers: Headers | http.IncomingHttpHeaders };
type Attack = {
  name: string;
  send: () => Promise<Answer>;
  /** The exact status expected, when there is one right answer. */
  status?: number;
  /** The JSON-RPC error code expected. */
  code?: number;
  /** A 2xx without an error is acceptable (the input is harmlessly ignored or legitimately served). */
  okAllowed?: boolean;
};

const nested = (depth: number, open: string, close: string, inner = "1") => `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
const DEEP = 100_000;
const MB = 1024 * 1024;

describe(`/api/mcp under JSON-RPC and HTTP abuse, on ${testRuntime()}`, () => {
  let t: Target;
  let key: IssuedTestKey;
  let auth: Record<string, string>;
  let url: string;
  const answered: string[] = [];

  const post = (body: string | Uint8Array, headers: Record<string, string> = {}) => postRaw(url, body, { ...auth, ...headers });
  const node = (options: Parameters<typeof httpRaw>[1], target = url) =>
    httpRaw(target, { ...options, headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...auth, ...options.headers } });
  const call = (name: unknown, args?: unknown) => rpc("tools/call", args === undefined ? { name } : { name, arguments: args });

  function attacks(): Attack[] {
    return [
      // ── malformed JSON and JSON-RPC ──
      { name: "malformed JSON", send: () => post("{not json"), status: 400, code: -32700 },
      { name: "empty body", send: () => post(""), status: 400, code: -32700 },
      { name: "truncated JSON", send: () => post(INITIALIZE.slice(0, -5)), status: 400, code: -32700 },
      { name: "JSON with trailing garbage", send: () => post(`${INITIALIZE}}}}`), status: 400, code: -32700 },
      ...["null", "42", '"initialize"', "true", "{}"].map((body) => ({ name: `non-message ${body}`, send: () => post(body), status: 400, code: -32600 })),
      ...[{}, [1], true, null, 1.5, "x".repeat(10_000)].map((id) => ({
        name: `id of type ${Array.isArray(id) ? "array" : id === null ? "null" : typeof id}${typeof id === "string" ? " (10k chars)" : ""}`,
        send: () => post(JSON.stringify({ jsonrpc: "2.0", id, method: "ping" })),
        okAllowed: typeof id === "string",
      })),
      { name: "id 1e309 (Infinity)", send: () => post('{"jsonrpc":"2.0","id":1e309,"method":"ping"}'), status: 400 },
      { name: "id -0 and 2^64", send: () => post('{"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"}'), okAllowed: true },
      ...[5, null, {}, ["tools/list"]].map((method) => ({ name: `method ${JSON.stringify(method)}`, send: () => post(JSON.stringify({ jsonrpc: "2.0", id: 1, method })), status: 400, code: -32600 })),
      ...["x", [], 5, true].map((params) => ({ name: `params ${JSON.stringify(params)}`, send: () => post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params })), status: 400, code: -32600 })),
      { name: "jsonrpc 1.0", send: () => post(JSON.stringify({ jsonrpc: "1.0", id: 1, method: "ping" })), status: 400, code: -32600 },
      { name: "no jsonrpc member", send: () => post(JSON.stringify({ id: 1, method: "ping" })), status: 400, code: -32600 },
      ...["foo/bar", "__proto__", "constructor", "toString", "hasOwnProperty", "tools/call/../../admin", "", "x".repeat(100_000), "tools/\u0000", "\ud800"].map((method) => ({
        name: `unknown method ${JSON.stringify(method.slice(0, 30))}`,
        send: () => post(rpc(method)),
        code: -32601,
      })),
      { name: "tools/call without params", send: () => post(rpc("tools/call")), code: -32602 },
      { name: "tools/call with a numeric name", send: () => post(call(5, {})), code: -32602 },
      { name: "tools/call with a null name", send: () => post(call(null, {})), code: -32602 },
      { name: "tools/call with string arguments", send: () => post(call("list_metrics", "x")), code: -32602 },
      { name: "tools/call with array arguments", send: () => post(call("list_metrics", [1, 2])), code: -32602 },
      { name: "resources/read without a uri", send: () => post(rpc("resources/read", {})), code: -32602 },
      { name: "resources/read with a numeric uri", send: () => post(rpc("resources/read", { uri: 5 })), code: -32602 },
      { name: "prompts/get with non-string arguments", send: () => post(rpc("prompts/get", { name: "weekly_gmv_review", arguments: { dimension: { $ne: 1 } } })), code: -32602 },
      { name: "initialize without params", send: () => post(rpc("initialize")), code: -32602 },
      ...["x".repeat(100_000), "\u0000", "\ud800\udc00\ud800", "../../../etc/passwd", "__proto__", "list_metrics\n"].map((name) => ({
        name: `tools/call of tool ${JSON.stringify(name.slice(0, 20))}`,
        send: () => post(call(name, {})),
      })),
      { name: "initialize with NUL and lone surrogates in clientInfo", send: () => post(rpc("initialize", { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "evil\u0000client", version: "\ud800" } })), okAllowed: true },
      { name: "a JSON-RPC response sent to the server", send: () => post(JSON.stringify({ jsonrpc: "2.0", id: 1, result: {} })), okAllowed: true },
      { name: "a JSON-RPC error sent to the server", send: () => post(JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32603, message: "x" } })), okAllowed: true },
      { name: "an unknown notification", send: () => post(JSON.stringify({ jsonrpc: "2.0", method: "notifications/evil", params: { x: 1 } })), okAllowed: true },

      // ── batches ──
      { name: "batch of one", send: () => post(`[${INITIALIZE}]`), status: 400, code: -32600 },
      { name: "empty batch", send: () => post("[]"), status: 400, code: -32600 },
      { name: "batch of 10,000", send: () => post(`[${Array.from({ length: 10_000 }, (_, i) => rpc("ping", undefined, i)).join(",")}]`), status: 400, code: -32600 },

      // ── size ──
      { name: "10 MB body with Content-Length", send: () => post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(10 * MB) } })), status: 413 },
      {
        name: "10 MB chunked body without Content-Length",
        send: () =>
          node({
            headers: { "Transfer-Encoding": "chunked" },
            body: async function* () {
              yield Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"');
              for (let i = 0; i < 160; i++) yield Buffer.alloc(64 * 1024, 0x78);
              yield Buffer.from('"}}');
            },
          }),
        status: 413,
      },
      { name: "1 MiB + 1 byte", send: () => post(`${" ".repeat(MB - INITIALIZE.length + 1)}${INITIALIZE}`), status: 413 },
      { name: "Content-Length of 100 GB over a short body", send: () => node({ headers: { "Content-Length": String(100 * 1024 * MB) }, body: Buffer.from(INITIALIZE) }), status: 413 },

      // ── nesting ──
      { name: "100k nested arrays", send: () => post(nested(DEEP, "[", "]")), status: 400, code: -32600 },
      { name: "100k nested objects", send: () => post(nested(DEEP, '{"a":', "}")), status: 400, code: -32600 },
      { name: "100k nested objects in tool arguments", send: () => post(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query_metric","arguments":{"metric":${nested(DEEP, '{"a":', "}")},"window":"last_week"}}}`) },
      { name: "100k nested arrays in a filter", send: () => post(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query_metric","arguments":{"metric":"gmv","window":"last_week","filters":{"store":${nested(DEEP, "[", "]", '"S01"')}}}}}`) },
      { name: "100k nested objects as an unknown argument", send: () => post(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_metrics","arguments":{"x":${nested(DEEP, '{"a":', "}")}}}}`) },
      { name: "100k nested objects in _meta", send: () => post(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${nested(DEEP, '{"a":', "}")}}}`), okAllowed: true },
      { name: "100k nested objects in clientInfo", send: () => post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"${PROTOCOL_VERSION}","capabilities":{},"clientInfo":{"name":"x","version":"1","extra":${nested(DEEP, '{"a":', "}")}}}}`), okAllowed: true },

      // ── encoding ──
      { name: "invalid UTF-8 bytes", send: () => post(Uint8Array.from([...Buffer.from('{"jsonrpc":"2.0","id":1,"method":"'), 0xff, 0xfe, ...Buffer.from('"}')])), status: 400, code: -32700 },
      { name: "overlong UTF-8", send: () => post(Uint8Array.from([...Buffer.from('{"jsonrpc":"2.0","id":1,"method":"'), 0xc0, 0xaf, ...Buffer.from('"}')])), status: 400, code: -32700 },
      { name: "UTF-8-encoded surrogate", send: () => post(Uint8Array.from([...Buffer.from('{"jsonrpc":"2.0","id":1,"method":"'), 0xed, 0xa0, 0x80, ...Buffer.from('"}')])), status: 400, code: -32700 },
      { name: "truncated multi-byte sequence", send: () => post(Uint8Array.from([...Buffer.from(INITIALIZE.slice(0, -2)), 0xe2, 0x82])), status: 400, code: -32700 },
      { name: "UTF-16 body", send: () => post(new Uint8Array(Buffer.from(`\ufeff${INITIALIZE}`, "utf16le"))), status: 400 },
      // A UTF-8 byte order mark is dropped by the decoder: served like any other initialize.
      { name: "UTF-8 BOM", send: () => post(new Uint8Array(Buffer.from(`\ufeff${INITIALIZE}`, "utf8"))), okAllowed: true },

      // ── headers ──
      // (A loopback Origin on another port is a legitimate local client here: test/security/mcp-origins.test.ts.)
      ...["https://evil.example", "null", "http://127.0.0.1.evil.example", "file://", "http://localhost.evil.example:1"].map((origin) => ({
        name: `Origin ${origin}`,
        send: () => post(INITIALIZE, { Origin: origin }),
        status: 403,
      })),
      ...["1999-01-01", "", "2025-06-18, 2025-03-26", "x".repeat(5000), "2025-06-18 extra"].map((version) => ({
        name: `MCP-Protocol-Version ${JSON.stringify(version.slice(0, 25))}`,
        send: () => post(INITIALIZE, { "MCP-Protocol-Version": version }),
        status: 400,
      })),
      { name: "key in ?api_key (and no header)", send: () => postRaw(`${url}?api_key=${key.secret}`, INITIALIZE), status: 400 },
      { name: "key in ?access_token", send: () => postRaw(`${url}?access_token=${key.secret}`, INITIALIZE, auth), status: 400 },
      { name: "key under another parameter name", send: () => postRaw(`${url}?q=${key.secret}`, INITIALIZE, auth), status: 400 },
      { name: "key as ?Authorization=Bearer…", send: () => postRaw(`${url}?Authorization=${encodeURIComponent(`Bearer ${key.secret}`)}`, INITIALIZE), status: 400 },
      ...["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json", "application/xml", ""].map((type) => ({
        name: `Content-Type ${JSON.stringify(type)}`,
        send: () => post(INITIALIZE, { "Content-Type": type }),
        status: 415,
      })),
      { name: "no Content-Type", send: () => httpRaw(url, { headers: { ...auth, Accept: "application/json, text/event-stream" }, body: Buffer.from(INITIALIZE) }), status: 415 },
      { name: "Accept: application/json only", send: () => post(INITIALIZE, { Accept: "application/json" }), status: 406 },
      { name: "Accept: */* missing event-stream", send: () => post(INITIALIZE, { Accept: "text/html" }), status: 406 },
      ...["GET", "DELETE"].map((method) => ({ name: `${method} with a key`, send: () => node({ method }), status: 405 })),
      ...["PUT", "PATCH", "HEAD"].map((method) => ({ name: method, send: () => node({ method, body: method === "HEAD" ? undefined : Buffer.from(INITIALIZE) }), status: 405 })),
      { name: "OPTIONS (CORS preflight from another origin)", send: () => node({ method: "OPTIONS", headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" } }), okAllowed: true },
      { name: "32 KB header", send: () => node({ headers: { "X-Pad": "a".repeat(32 * 1024) }, body: Buffer.from(INITIALIZE) }), status: 431 },
      { name: "1 MB cookie", send: () => node({ headers: { Cookie: `a=${"b".repeat(MB)}` }, body: Buffer.from(INITIALIZE) }), status: 431 },
      { name: "15 KB bearer token", send: () => node({ headers: { Authorization: `Bearer ${"a".repeat(15_000)}` }, body: Buffer.from(INITIALIZE) }), status: 401 },
      { name: "Basic authorization", send: () => node({ headers: { Authorization: `Basic ${Buffer.from("admin:admin").toString("base64")}` }, body: Buffer.from(INITIALIZE) }), status: 401 },
      { name: "empty Bearer", send: () => node({ headers: { Authorization: "Bearer " }, body: Buffer.from(INITIALIZE) }), status: 401 },
      { name: "two bearer tokens", send: () => node({ headers: { Authorization: `Bearer ${key.secret} Bearer ${key.secret}` }, body: Buffer.from(INITIALIZE) }), status: 401 },
      { name: "no Authorization", send: () => postRaw(url, INITIALIZE), status: 401 },
      { name: "500 headers", send: () => node({ headers: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`X-H${i}`, "v"])), body: Buffer.from(INITIALIZE) }), okAllowed: true },
      { name: "Content-Length shorter than the body", send: () => node({ headers: { "Content-Length": "10" }, body: Buffer.from(INITIALIZE) }), status: 400 },
      { name: "Content-Length and chunked together", send: () => node({ headers: { "Content-Length": "5", "Transfer-Encoding": "chunked" }, body: Buffer.from(`${INITIALIZE.length.toString(16)}\r\n${INITIALIZE}\r\n0\r\n\r\n`) }), status: 400 },
    ];
  }

  beforeAll(async () => {
    t = await startTarget({ SOCODE_RATE_LIMIT_PER_MINUTE: "100000" });
    key = await issueKey(t.db, t.demoId, { scopes: "all", name: "protocol attacker" });
    auth = { Authorization: `Bearer ${key.secret}` };
    url = t.app.mcpUrl;
  });
  afterAll(async () => {
    await t?.stop();
  });

  it.each(attacks())("$name: a 4xx or a JSON-RPC error, never a 500, an internal error or internals", async (attack) => {
    const logStart = t.app.logs().length;
    const answer = await Promise.race([
      attack.send(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer within 20 s")), 20_000)),
    ]);
    let body: { error?: { code?: number; message?: string }; result?: { isError?: boolean } } | undefined;
    try {
      body = JSON.parse(answer.text) as typeof body;
    } catch {
      body = undefined;
    }
    const code = body?.error?.code;
    const logs = t.app.logs().slice(logStart);
    answered.push(attack.name);
    const where = `HTTP ${answer.status} ${answer.text.slice(0, 300)}${logs ? `\n  server log: ${logs.slice(0, 800)}` : ""}`;
    expect(answer.status, where).toBeGreaterThanOrEqual(200);
    expect(answer.status, where).toBeLessThan(500);
    expect(code, where).not.toBe(-32603);
    if (attack.status !== undefined) expect(answer.status, where).toBe(attack.status);
    if (attack.code !== undefined) expect(code, where).toBe(attack.code);
    const refused = answer.status >= 400 || code !== undefined || body?.result?.isError === true;
    if (!attack.okAllowed) expect(refused, `accepted: ${where}`).toBe(true);
    expect(internalsIn(answer.text), where).toEqual([]);
    expect(logs, "the server logged a failure").not.toMatch(/\[socode\].*failed|unhandled|uncaught/i);
    expect(answer.text.includes(key.secret), "the answer echoes the key").toBe(false);
    const allowOrigin = answer.headers instanceof Headers ? answer.headers.get("access-control-allow-origin") : answer.headers["access-control-allow-origin"];
    expect(allowOrigin ?? null, "CORS opened").toBeNull();
  });

  // Next.js alone answers TRACE with a 500 (a Web Request cannot carry it, so it fails before any
  // route code runs); the production server refuses it first with a 405 (lib/http/allowed-methods.mjs).
  // Node's parser refuses TRACK itself.
  it.each([
    ["TRACE", 405],
    ["TRACK", 400],
  ])("%s never reaches the app and leaks nothing (%i)", async (method, status) => {
    const logStart = t.app.logs().length;
    const answer = await node({ method, headers: { "X-Probe": "<script>" } });
    expect(answer.status).toBe(status);
    expect(answer.text.length).toBeLessThan(120);
    expect(internalsIn(answer.text)).toEqual([]);
    expect(answer.text).not.toContain(key.secret);
    expect(answer.text).not.toContain("<script>");
    expect(t.app.logs().slice(logStart)).not.toMatch(/\[socode\]/);
    expect((await fetch(`${t.app.baseUrl}/api/health`)).status).toBe(200);
  });

  it("stored the refused keys nowhere: no key in the audit log", async () => {
    const events = await t.db.auditEvent.findMany({ select: { target: true, arguments: true, clientName: true, actorLabel: true } });
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(key.secret);
    const inUrl = await t.db.auditEvent.count({ where: { errorCode: "key_in_url" } });
    expect(inUrl).toBeGreaterThanOrEqual(4);
  });

  it("still serves: health, a real tool call over the SDK, a clean log and audit chains that verify", async () => {
    const health = await fetch(`${t.app.baseUrl}/api/health`);
    expect(health.status).toBe(200);
    const client = await connectMcp(t.app, key.secret);
    const gmv = await callTool(client, "query_metric", { metric: "gmv", window: "last_week" });
    expect(gmv.isError, gmv.text).toBe(false);
    expect(gmv.result.structuredContent).toMatchObject({ metric: { key: "gmv" } });
    await client.close();
    // A missing MCP-Protocol-Version means 2025-03-26 (the spec's default): served, not refused.
    const noVersion = await postRaw(url, rpc("tools/list"), auth);
    expect(noVersion.status).toBe(200);
    expect(noVersion.text).toContain("query_metric");
    const logs = t.app.logs();
    expect(logs).not.toMatch(/unhandled|uncaught|FATAL|out of memory|ERR_INTERNAL_ASSERTION/i);
    // Handled refusals log nothing; "failed" or "unavailable" would mean an attack reached the catch-all.
    expect(logs.split("\n").filter((line) => line.includes("[socode]") && /failed|unavailable/.test(line))).toEqual([]);
    for (const tenantId of [t.demoId, null]) expect(await verifyAuditChain(t.db, tenantId)).toMatchObject({ ok: true });
    expect(answered.length).toBe(attacks().length);
  });
});
