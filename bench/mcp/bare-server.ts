// The baseline of bench/mcp/overhead.ts, in a process of its own (as SoCode's server is): the MCP
// SDK's own stateless pattern, one server + transport per request, answering a constant tool, on
// Node's HTTP server. Prints the port it listens on.
//
//   node --import tsx bench/mcp/bare-server.ts
import http from "node:http";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

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
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(typeof address === "object" && address ? address.port : 0);
});
process.once("SIGTERM", () => process.exit(0));
