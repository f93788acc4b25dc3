// MCP overhead: query_metric through /api/mcp (key auth + guard + audit + rollup query) versus a
// bare MCP SDK stateless server answering a constant tool, same machine, same load generator and
// request shape, in one run. Loopback only, bounded in time.
//
//   npm run build
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_bench npx tsx bench/mcp/overhead.ts [--seconds 20] [--connections 16]
//
// The database named by DATABASE_URL is dropped and recreated (it must not be one you care about).
import http from "node:http";
import os from "node:os";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { issueApiKey } from "@/lib/auth/api-keys";
import { seedDemo } from "@/lib/demo/seed-demo";
import { startApp } from "@/test/app-server";
import { freshDatabase } from "../load/common";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "20" }, connections: { type: "string", default: "16" } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const url = process.env.DATABASE_URL ?? "";
if (!url.startsWith("postgres")) throw new Error("Set DATABASE_URL to a PostgreSQL database this benchmark may drop and recreate.");

/** The baseline: the SDK's own stateless pattern, one server + transport per request, a constant tool. */
function startBaseline(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const mcp = new Server({ name: "baseline", version: "1.0.0" }, { capabilities: { tools: {} } });
    mcp.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [{ name: "constant", inputSchema: { type: "object" } }] }));
    mcp.setRequestHandler(CallToolRequestSchema, () => ({ content: [{ type: "text", text: "42" }], structuredContent: { value: 42 } }));
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    await mcp.connect(transport);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const response = await transport.handleRequest(new Request(`http://127.0.0.1${req.url}`, { method: "POST", headers }), { parsedBody: body });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
    await transport.close();
    await mcp.close();
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    resolve({ url: `http://127.0.0.1:${port}/mcp`, close: () => server.close() });
  }));
}

type Result = { label: string; requestsPerSecond: number; p50: number; p99: number; errors: number; non2xx: number; total: number };

async function load(label: string, target: string, headers: Record<string, string>, toolCall: unknown, duration = seconds): Promise<Result> {
  const result = await autocannon({
    url: target,
    method: "POST",
    connections,
    duration,
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: toolCall }),
  });
  return {
    label,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

async function main() {
  const handle = await freshDatabase(url);
  process.stderr.write("seeding demo tenants (small)…\n");
  await seedDemo(handle.db, { scale: "small" });
  const tenant = await handle.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
  const { secret } = await issueApiKey(handle.db, { tenantId: tenant.id, name: "bench", preset: "metrics:read" });
  // A high rate limit: this measures overhead, not the limiter's refusals.
  const app = await startApp(handle, { SOCODE_RATE_LIMIT_PER_MINUTE: "100000" });
  const baseline = await startBaseline();
  try {
    const query = { name: "query_metric", arguments: { metric: "gmv", window: "last_week", groupBy: "store" } };
    // Warm both servers up before measuring.
    const warmUp = await load("warm-up", app.mcpUrl, { authorization: `Bearer ${secret}` }, query, 5);
    const bare = await load("bare SDK stateless server, constant tool", baseline.url, {}, { name: "constant", arguments: {} });
    const socode = await load("SoCode /api/mcp query_metric (auth + guard + audit + rollups)", app.mcpUrl, { authorization: `Bearer ${secret}` }, query);
    const audited = await handle.db.auditEvent.count({ where: { tenantId: tenant.id, action: "query_metric" } });
    const report = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      seconds,
      connections,
      results: [bare, socode],
      ratio: Number((socode.requestsPerSecond / bare.requestsPerSecond).toFixed(2)),
      // Every answered call left exactly one audit event.
      auditedQueryMetricCalls: audited,
      answeredQueryMetricCalls: warmUp.total - warmUp.non2xx + socode.total - socode.non2xx,
    };
    console.log(JSON.stringify(report, null, 2));
  } finally {
    baseline.close();
    await app.stop();
    await handle.close();
  }
}

await main();
