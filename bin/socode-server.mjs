#!/usr/bin/env node
// The production HTTP server (`npx socode start` runs it; so do the integration tests): Next.js's
// own request handler behind one check, made before Next.js sees the request, that a route answers
// the method (lib/http/allowed-methods.mjs). `next start` has no place for it: TRACE fails inside
// Next.js with a 500 before any app code runs, and CONNECT never reaches a request handler. Requests
// the HTTP parser refuses are answered so that the client can read the answer
// (lib/http/client-errors.mjs). /api/mcp is served ahead of the Next.js router, by the same handler
// as its route (lib/mcp/node-endpoint.ts), once instrumentation.ts has made it available; until then
// (the first moments after start) Next.js serves it. SOCODE_MCP_THROUGH_NEXT=1 leaves it to the
// Next.js router always (to compare the two: bench/mcp/overhead.ts --through-next).
//   node bin/socode-server.mjs [--port 3000] [--hostname 127.0.0.1]
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import next from "next";
import { answerConnect, answerUnsupportedMethod } from "../lib/http/allowed-methods.mjs";
import { answerClientError } from "../lib/http/client-errors.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { port: { type: "string", default: "3000" }, hostname: { type: "string" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`--port must be a port number (1-65535), not "${values.port}"`);
  process.exit(2);
}

const app = next({ dev: false, dir: root, hostname: values.hostname ?? "localhost", port });
const handle = app.getRequestHandler();
await app.prepare();

// lib/mcp/node-endpoint.ts's NODE_MCP_ENDPOINT (not set when SOCODE_MCP_THROUGH_NEXT asks for the route).
const NODE_MCP_ENDPOINT = Symbol.for("socode.mcp.nodeEndpoint");

const server = http.createServer((req, res) => {
  if (answerUnsupportedMethod(req, res)) return;
  const mcp = globalThis[NODE_MCP_ENDPOINT];
  if (mcp?.accepts(req)) return void mcp.serve(req, res);
  void handle(req, res);
});
server.on("connect", answerConnect);
server.on("clientError", answerClientError);
server.listen(port, values.hostname, () => {
  console.log(`  ▲ Next.js production server ready on http://${values.hostname ?? "localhost"}:${port}`);
});

// Stop accepting, let requests in flight finish, then exit (as `next start` does on a signal).
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  });
}
