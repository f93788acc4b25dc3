#!/usr/bin/env node
// The production HTTP server (`npx socode start` runs it; so do the integration tests): Next.js's
// own request handler behind one check, made before Next.js sees the request, that a route answers
// the method (lib/http/allowed-methods.mjs). `next start` has no place for it: TRACE fails inside
// Next.js with a 500 before any app code runs, and CONNECT never reaches a request handler. Requests
// the HTTP parser refuses are answered so that the client can read the answer
// (lib/http/client-errors.mjs). The hot paths, /api/mcp and the ingest batches /api/ingest/v1/{kind},
// are served ahead of the Next.js router, by the same handlers as their routes
// (lib/http/node-endpoints.ts), once instrumentation.ts has made them available; until then (the
// first moments after start) Next.js serves them. SOCODE_MCP_THROUGH_NEXT=1 and
// SOCODE_INGEST_THROUGH_NEXT=1 leave them to the Next.js router always (to compare the two:
// bench/mcp/overhead.ts --through-next, bench/ingest/throughput.ts --through-next).
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

// lib/http/node-endpoints.ts's NODE_ENDPOINTS: a Map of name → { accepts(req), serve(req, res) }.
const NODE_ENDPOINTS = Symbol.for("socode.nodeEndpoints");

const server = http.createServer((req, res) => {
  if (answerUnsupportedMethod(req, res)) return;
  const endpoints = globalThis[NODE_ENDPOINTS];
  if (endpoints) for (const endpoint of endpoints.values()) if (endpoint.accepts(req)) return void endpoint.serve(req, res);
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
