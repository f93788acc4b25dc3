// One MCP server per request (stateless), bound to the authenticated credential. Tools are
// generated from the operation catalogue, filtered by the credential's scopes, and every call
// goes through the guard. Uses the SDK's low-level Server so that every call — including ones with
// invalid arguments or for tools the key may not use — reaches the guard and is audited.
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
  type CallToolResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { operationsFor } from "@/lib/operations/catalogue";
import { inputSchemaOf, invokeOperation, type InvocationContext } from "@/lib/operations/invoke";
import { WriteReceiptSchema } from "@/lib/writes/receipt";
import { hasScope } from "@/lib/governance/scopes";
import type { Operation } from "@/lib/operations/operation";
import { getPrompt, PROMPTS } from "./prompts";
import { listMetricResources, readMetricResource } from "./resources";
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

/**
 * `rawToolArguments`: the tool arguments exactly as sent (this request's one message). The SDK's
 * parsing drops a top-level "__proto__" from them; the guard must see and refuse what was sent.
 */
export function createMcpServer(ctx: InvocationContext, rawToolArguments?: unknown): Server {
  const mayReadMetrics = hasScope(ctx.credential.scopes, "metrics:read");
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: {}, ...(mayReadMetrics ? { resources: {}, prompts: {} } : {}) },
    instructions: INSTRUCTIONS,
  });

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: operationsFor(ctx.credential.scopes).map(toolDefinition),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    let result: Awaited<ReturnType<typeof invokeOperation>>;
    try {
      result = await invokeOperation(ctx, request.params.name, rawToolArguments ?? request.params.arguments ?? {});
    } catch (err) {
      // E.g. the audit event could not be written (fail closed). The SDK would send err.message to
      // the client; details stay in the server log.
      console.error(`[socode] tools/call ${request.params.name.slice(0, 100)} failed (request ${ctx.requestId}):`, err);
      throw new McpError(ErrorCode.InternalError, `Internal error (request ${ctx.requestId}). The request was not completed.`);
    }
    if (result.ok) {
      return {
        content: [{ type: "text", text: result.text }],
        structuredContent: result.output as Record<string, unknown>,
      };
    }
    // No structuredContent on errors: clients validate it against the tool's outputSchema.
    return {
      isError: true,
      content: [{ type: "text", text: `${result.error.message}\n${JSON.stringify({ error: result.error.toJSON() })}` }],
    };
  });

  if (mayReadMetrics) {
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
