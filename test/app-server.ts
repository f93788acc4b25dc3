// Runs the real, built app (bin/socode-server.mjs, what `npx socode start` runs) on a free port against a test database, so integration
// tests speak HTTP to exactly what users run. Needs `npm run build` (test/global-setup.ts does it).
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { EPOCH_MAX_AGE_MS } from "@/lib/db/cache-epochs";
import type { TestDatabase } from "./database";

/**
 * The app caches credentials and metric provenance under cache epochs that triggers bump in the
 * changing transaction; a change made straight in the database by a test reaches a running app
 * within EPOCH_MAX_AGE_MS (lib/db/cache-epochs.ts). Tests that do that wait this long first.
 */
export function waitForCacheEpochs(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, EPOCH_MAX_AGE_MS + 100));
}

export type RunningApp = {
  baseUrl: string;
  mcpUrl: string;
  /** Process id of `next start` (benchmarks sample its memory). */
  pid?: number;
  stop: () => Promise<void>;
  logs: () => string;
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** `nodeArgs`: flags for the `next start` process itself (benchmarks: `--cpu-prof`, which NODE_OPTIONS refuses). */
export async function startApp(database: TestDatabase, extraEnv: Record<string, string> = {}, options: { nodeArgs?: string[] } = {}): Promise<RunningApp> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXTAUTH_SECRET: "integration-test-secret-integration-test-secret",
    NEXTAUTH_URL: baseUrl,
    SOCODE_PUBLIC_URL: baseUrl,
    ...extraEnv,
  };
  if (database.target.kind === "server") {
    env.DATABASE_URL = database.target.url;
  } else {
    delete env.DATABASE_URL;
    env.SOCODE_DATA_DIR = database.target.dataDir;
  }
  // The production server as `npx socode start` runs it: Next.js behind the method check.
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), path.resolve("bin/socode-server.mjs"), "--port", String(port), "--hostname", "127.0.0.1"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`next start did not become healthy within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    baseUrl,
    mcpUrl: `${baseUrl}/api/mcp`,
    pid: child.pid,
    logs: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
