// The MCP server, built once per process: tool definitions and their JSON Schemas, the tools/list of
// each scope set, the JSON Schema validator and the request handlers. A request only binds the
// caller's context (see RequestBinding) to a server taken from a small pool, each connected once to
// its own one-message transport. Tools are generated from the operation catalogue, filtered by the
// credential's scopes, and every call goes through lib/operations/invoke.ts. Uses the SDK's
// low-level Server so that every call — including ones with invalid arguments or for tools the key
// may not use — reaches the guard and is audited.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  McpError,
  ErrorCode,
  type CallToolRequest,
  type CallToolResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { z } from "zod";
import { operationsFor } from "@/lib/operations/catalogue";
import { inputSchemaOf, invokeOperation, type InvocationContext } from "@/lib/operations/invoke";
import { WriteReceiptSchema } from "@/lib/writes/receipt";
import { hasScope } from "@/lib/governance/scopes";
import type { Operation } from "@/lib/operations/operation";
import { getPrompt, PROMPTS } from "./prompts";
import { listMetricResources, readMetricResource } from "./resources";
import { SingleMessageTransport } from "./single-message-transport";
import pkg from "@/package.json" with { type: "json" };

export const SERVER_INFO = { name: "socode", title: "SoCode", version: pkg.version };

const INSTRUCTIONS =
  "SoCode answers questions about a loyalty program with certified metrics and lets you request operations that a human approves. " +
  "Never state a business number that did not come from query_metric or explain_change; show the provenance (window, definition version, freshness). " +
  "If a tool refuses to ground a question, tell the user what could not be grounded and offer its suggestions. " +
  "Write tools only create a pending request for a human approver: report the request id and preview, and never retry a pending write.";

type JsonSchemaObject = { type: "object"; [key: string]: unknown };

function objectSchema(schema: z.ZodType, io: "input" | "output"): JsonSchemaObject {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return { ...json, type: "object" };
}

const toolCache = new Map<string, Tool>();

/** The MCP tool definition of an operation (computed once per process). */
export function toolDefinition(op: Operation): Tool {
  const cached = toolCache.get(op.name);
  if (cached) return cached;
  const tool: Tool = {
    name: op.name,
    title: op.title,
    description: op.description,
    inputSchema: objectSchema(inputSchemaOf(op), "input"),
    outputSchema: objectSchema(op.kind === "write" ? WriteReceiptSchema : op.output, "output"),
    annotations: {
      title: op.title,
      readOnlyHint: op.kind === "read" && op.readOnly !== false,
      // Writes only queue a request; a human approves the change, which never deletes data.
      destructiveHint: false,
      idempotentHint: op.kind === "read" ? (op.idempotent ?? false) : false,
      openWorldHint: false,
    },
  };
  toolCache.set(op.name, tool);
  return tool;
}

/** What one request binds: the caller's context, and what the request's own handlers learned. */
export type RequestBinding = {
  ctx: InvocationContext;
  /**
   * The tool arguments exactly as sent (this request's one message). The SDK's parsing drops a
   * top-level "__proto__" from them; the guard must see and refuse what was sent.
   */
  rawToolArguments?: unknown;
  /** Set when the database went away during the call: the endpoint answers 503 + Retry-After. */
  databaseUnavailable?: boolean;
};

// The binding travels with the request through the SDK's transport as `authInfo.extra`, so the
// handlers below are defined once per process and servers are reused across requests without any
// request's context living on the server object.
const BINDING = Symbol.for("socode.mcp.binding");

/** The SDK's `authInfo` for a request: the credential's id and scopes, and our binding. */
export function authInfoFor(binding: RequestBinding): AuthInfo {
  return { token: "", clientId: binding.ctx.credential.id, scopes: [...binding.ctx.credential.scopes], extra: { [BINDING]: binding } };
}

function bindingOf(extra: { authInfo?: AuthInfo }): RequestBinding {
  const binding = (extra.authInfo?.extra as Record<symbol, unknown> | undefined)?.[BINDING] as RequestBinding | undefined;
  // Every request goes through answerMcpRequest, which binds one; reaching here without is a bug.
  if (!binding) throw new McpError(ErrorCode.InternalError, "Internal error: request without a bound credential.");
  return binding;
}

// One JSON Schema validator (Ajv) per process: the SDK builds a new one per Server otherwise, which
// was ~1.7 ms of CPU per request.
const jsonSchemaValidator = new AjvJsonSchemaValidator();

const toolLists = new Map<string, Tool[]>();

/** tools/list for a set of scopes, built once per distinct set. */
export function toolsFor(scopes: readonly string[]): Tool[] {
  const key = [...scopes].sort().join(" ");
  let tools = toolLists.get(key);
  if (!tools) {
    tools = operationsFor(scopes).map(toolDefinition);
    if (toolLists.size > 1000) toolLists.clear();
    toolLists.set(key, tools);
  }
  return tools;
}

async function callTool(request: CallToolRequest, extra: { authInfo?: AuthInfo }): Promise<CallToolResult> {
  const binding = bindingOf(extra);
  const { ctx } = binding;
  let result: Awaited<ReturnType<typeof invokeOperation>>;
  try {
    result = await invokeOperation(ctx, request.params.name, binding.rawToolArguments ?? request.params.arguments ?? {});
  } catch (err) {
    // E.g. the audit event could not be written (fail closed). The SDK would send err.message to
    // the client; details stay in the server log.
    if (isDatabaseUnavailable(err)) binding.databaseUnavailable = true;
    else console.error(`[socode] tools/call ${request.params.name.slice(0, 100)} failed (request ${ctx.requestId}):`, err);
    throw new McpError(ErrorCode.InternalError, `Internal error (request ${ctx.requestId}). The request was not completed.`);
  }
  if (result.ok) {
    return {
      content: [{ type: "text", text: result.text }],
      structuredContent: result.output as Record<string, unknown>,
    };
  }
  if (result.error.code === "database_unavailable") binding.databaseUnavailable = true;
  // No structuredContent on errors: clients validate it against the tool's outputSchema.
  return {
    isError: true,
    content: [{ type: "text", text: `${result.error.message}\n${JSON.stringify({ error: result.error.toJSON() })}` }],
  };
}

function buildServer(withMetrics: boolean): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: {}, ...(withMetrics ? { resources: {}, prompts: {} } : {}) },
    instructions: INSTRUCTIONS,
    jsonSchemaValidator,
  });
  server.setRequestHandler(ListToolsRequestSchema, (_request, extra) => ({ tools: toolsFor(bindingOf(extra).ctx.credential.scopes) }));
  server.setRequestHandler(CallToolRequestSchema, callTool);
  if (withMetrics) {
    server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: listMetricResources() }));
    server.setRequestHandler(ReadResourceRequestSchema, (request) => {
      const contents = readMetricResource(request.params.uri);
      if (!contents) throw new McpError(ErrorCode.InvalidParams, `Unknown resource ${request.params.uri}. Call resources/list.`);
      return { contents: [contents] };
    });
    server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: PROMPTS.map(({ render: _render, ...prompt }) => prompt) }));
    server.setRequestHandler(GetPromptRequestSchema, (request) => {
      const prompt = getPrompt(request.params.name, request.params.arguments ?? {});
      if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt ${request.params.name}. Call prompts/list.`);
      return prompt;
    });
  }
  return server;
}

/** A pooled server and the transport it stays connected to: a request delivers its message through it. */
export type ConnectedMcpServer = { server: Server; transport: SingleMessageTransport };

// Idle servers, by profile (a key with metrics:read also gets resources and prompts). A server
// serves one request at a time: taken here, handed that request's one message through its own
// transport (connected once, when the server is built), and returned. Connecting and closing per
// request cost more than the rest of the SDK's work for a call (the SDK aborts every handler it
// still tracks on close, and builds an error for it). Bounded: a burst beyond it builds servers
// that are then dropped.
const IDLE_SERVERS_MAX = 128;
const idle = { withMetrics: [] as ConnectedMcpServer[], toolsOnly: [] as ConnectedMcpServer[] };

/** A connected server for this credential's profile. Give it back with releaseMcpServer, or discardMcpServer. */
export async function acquireMcpServer(scopes: readonly string[]): Promise<ConnectedMcpServer> {
  const withMetrics = hasScope(scopes, "metrics:read");
  const pooled = (withMetrics ? idle.withMetrics : idle.toolsOnly).pop();
  if (pooled) return pooled;
  const server = buildServer(withMetrics);
  const transport = new SingleMessageTransport();
  await server.connect(transport);
  return { server, transport };
}

/** Keeps the server, still connected, for the next request of this profile. */
export function releaseMcpServer(connected: ConnectedMcpServer, scopes: readonly string[]): void {
  const list = hasScope(scopes, "metrics:read") ? idle.withMetrics : idle.toolsOnly;
  if (list.length < IDLE_SERVERS_MAX) list.push(connected);
  else void connected.server.close();
}

/** Closes a server whose handler may still be running (its request timed out): it is not reused. */
export async function discardMcpServer(connected: ConnectedMcpServer): Promise<void> {
  await connected.server.close();
}
