// An agent for the console journeys: keys and users made with the CLI against the running app's
// data folder, and MCP calls through the official SDK client, as Claude Code or Cursor would make them.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const DATA_DIR = path.resolve("e2e/.artifacts/data");

/** Runs `socode <args> --json` against the e2e database and returns its parsed output. */
export function socode(args: string[]): unknown {
  const out = execFileSync(process.execPath, ["bin/socode.mjs", ...args, "--json"], {
    env: { ...process.env, SOCODE_DATA_DIR: DATA_DIR },
    encoding: "utf8",
    timeout: 60_000,
  });
  return JSON.parse(out);
}

function own(value: unknown, field: string): unknown {
  if (!value || typeof value !== "object") return undefined;
  return Object.entries(value).find(([k]) => k === field)?.[1];
}

function findString(value: unknown, field: string): string | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = own(value, field);
  if (typeof v === "string") return v;
  for (const child of Object.values(value)) {
    const found = findString(child, field);
    if (found) return found;
  }
  return undefined;
}

/** Issues a key with the CLI and returns its secret. */
export function createKey(opts: { name: string; preset?: "metrics:read" | "analyst"; scopes?: string[]; as?: string; tenant?: string }): string {
  const args = ["key:create", "--tenant", opts.tenant ?? "demo", "--name", opts.name, "--preset", opts.preset ?? "metrics:read"];
  if (opts.scopes?.length) args.push("--scopes", opts.scopes.join(","));
  if (opts.as) args.push("--as", opts.as);
  const secret = findString(socode(args), "secret");
  if (!secret) throw new Error(`key:create printed no secret for ${opts.name}`);
  return secret;
}

export function createUser(opts: { email: string; password: string; name: string; roles: string[]; tenant?: string }): void {
  socode(["user:create", "--email", opts.email, "--password", opts.password, "--name", opts.name, "--tenant", opts.tenant ?? "demo", "--roles", opts.roles.join(",")]);
}

export type Agent = { call: (name: string, args?: Record<string, unknown>) => Promise<{ structured: unknown; text: string; isError: boolean }>; close: () => Promise<void> };

/** An MCP client connected to `${baseURL}/api/mcp` with the key. */
export async function connectAgent(baseURL: string, secret: string): Promise<Agent> {
  const client = new Client({ name: "e2e-agent", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL("/api/mcp", baseURL), { requestInit: { headers: { Authorization: `Bearer ${secret}` } } }));
  return {
    async call(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      const content = Array.isArray(result.content) ? result.content : [];
      const text = content.map((c: unknown) => (c && typeof c === "object" && "text" in c && typeof c.text === "string" ? c.text : "")).join("\n");
      return { structured: result.structuredContent, text, isError: result.isError === true };
    },
    close: () => client.close(),
  };
}

export function numberField(value: unknown, field: string): number {
  const v = own(value, field);
  if (typeof v === "number") return v;
  throw new Error(`No number ${field} in ${JSON.stringify(value)}`);
}

export function stringField(value: unknown, field: string): string {
  const found = findString(value, field);
  if (found === undefined) throw new Error(`No string ${field} in ${JSON.stringify(value)}`);
  return found;
}
