// The MCP endpoint (Streamable HTTP, stateless). All checks and auditing live in lib/mcp.
import { handleMcpRequest } from "@/lib/mcp/handle-request";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export const POST = handleMcpRequest;
export const GET = handleMcpRequest;
export const DELETE = handleMcpRequest;
