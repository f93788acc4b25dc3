// Ready-to-paste MCP client configuration for a freshly issued key.
export type ClientConfig = { id: "claude-code" | "mcp-json" | "cursor"; title: string; where: string; text: string };

export const MCP_SERVER_NAME = "socode";

export function mcpEndpoint(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/api/mcp`;
}

export function clientConfigs(baseUrl: string, secret: string): ClientConfig[] {
  const url = mcpEndpoint(baseUrl);
  const server = { type: "http", url, headers: { Authorization: `Bearer ${secret}` } };
  return [
    {
      id: "claude-code",
      title: "Claude Code",
      where: "Run in a terminal:",
      text: `claude mcp add --transport http ${MCP_SERVER_NAME} ${url} --header "Authorization: Bearer ${secret}"`,
    },
    {
      id: "mcp-json",
      title: ".mcp.json",
      where: "Or add to .mcp.json in your project (shared with your team: keep secrets out of git, e.g. use ${SOCODE_KEY}):",
      text: JSON.stringify({ mcpServers: { [MCP_SERVER_NAME]: server } }, null, 2),
    },
    {
      id: "cursor",
      title: "Cursor",
      where: "Add to ~/.cursor/mcp.json:",
      text: JSON.stringify({ mcpServers: { [MCP_SERVER_NAME]: { url, headers: server.headers } } }, null, 2),
    },
  ];
}
