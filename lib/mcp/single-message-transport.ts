// The transport between /api/mcp and the MCP SDK's server for one HTTP request that carries one
// JSON-RPC message, already read, parsed and checked by answerMcpRequest: the stateless,
// JSON-response form of Streamable HTTP. It stands where the SDK's
// WebStandardStreamableHTTPServerTransport stood, which for each call built a Web `Request` view
// of what had already been checked, parsed the message a second time, and answered with a Web
// `Response` that the endpoint then had to read back (about 0.1 ms of CPU per call; see
// docs/benchmarks.md). It implements the SDK's public `Transport` interface, so the SDK's server
// (protocol, handlers, validation) is unchanged. What the SDK's transport did in this mode, it does:
// a request is answered with the one response to it; a notification or a response gets nothing
// back (HTTP 202); messages the server sends about a request while handling it (progress, logging)
// have no stream to go to in JSON-response mode and are dropped. HTTP-level checks (Accept,
// Content-Type, MCP-Protocol-Version, size) are answerMcpRequest's.
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";

export class SingleMessageTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport["onmessage"];
  private awaiting: { id: RequestId; resolve: (response: JSONRPCMessage) => void } | undefined;
  private closed = false;

  async start(): Promise<void> {}

  /**
   * Hands `message` to the connected server, which handles one message at a time on this transport
   * (the server pool in create-server.ts lends it to one request at a time). Resolves with the server's response when the message
   * is a request (it has a method and an id), at once with null otherwise.
   */
  deliver(message: JSONRPCMessage, authInfo: AuthInfo): Promise<JSONRPCMessage | null> {
    const onmessage = this.onmessage;
    if (!onmessage || this.closed) return Promise.reject(new Error("The MCP transport is not connected."));
    if (!("method" in message && "id" in message)) {
      onmessage(message, { authInfo });
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      this.awaiting = { id: message.id, resolve };
      onmessage(message, { authInfo });
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    // Only a response (no method) answers the request; anything else the server sends here is dropped.
    if ("method" in message) return;
    const awaiting = this.awaiting;
    if (!awaiting || message.id !== awaiting.id) throw new Error(`No request with id ${String(message.id)} awaits a response on this transport.`);
    this.awaiting = undefined;
    awaiting.resolve(message);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.awaiting = undefined;
    this.onclose?.();
  }
}
