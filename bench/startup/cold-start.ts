// Cold start to first page on the embedded database: `socode start` on a data folder, timed from
// spawning the process to the first 200 of the sign-in page (/sign-in) and of /api/health, three ways:
//   first run   an empty folder: create PGlite, migrate, seed the demo tenants (small) and users;
//   restart     the same folder again (migrations already applied, data present);
//   restart+seed-check  as restart, with SOCODE_SEED_DEMO=true (first-run check finds data, skips).
//
//   npm run build
//   npx tsx bench/startup/cold-start.ts [--runs 3]
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(values.runs);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function firstOk(url: string, deadline: number, exited: () => boolean): Promise<void> {
  for (;;) {
    if (exited()) throw new Error("the server exited");
    try {
      const res = await fetch(url, { redirect: "manual" });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Timing = { kind: string; healthMs: number; firstPageMs: number; peakRssMb: number };

function rssOfTree(rootPid: number): number {
  // Sum of the resident sets of the CLI process and its children (the Next.js server).
  let total = 0;
  const pids = [rootPid];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (pids.includes(ppid)) pids.push(Number(entry));
    } catch {
      // exited
    }
  }
  for (const pid of pids) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // exited
    }
  }
  return total;
}

async function start(kind: string, dataDir: string, extraEnv: Record<string, string> = {}): Promise<Timing> {
  const port = await freePort();
  const started = performance.now();
  const { DATABASE_URL: _serverMode, ...inherited } = process.env;
  const child = spawn(process.execPath, ["bin/socode.mjs", "start", "--port", String(port), "--hostname", "127.0.0.1"], {
    env: { ...inherited, SOCODE_DATA_DIR: dataDir, NEXTAUTH_SECRET: "bench-secret-bench-secret-bench-secret-42", SOCODE_PUBLIC_URL: `http://127.0.0.1:${port}`, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, child.pid ? rssOfTree(child.pid) : 0)), 100);
  try {
    const deadline = Date.now() + 10 * 60_000;
    const exited = () => child.exitCode !== null;
    await firstOk(`http://127.0.0.1:${port}/api/health`, deadline, exited);
    const healthMs = performance.now() - started;
    await firstOk(`http://127.0.0.1:${port}/sign-in`, deadline, exited);
    const firstPageMs = performance.now() - started;
    return { kind, healthMs: Math.round(healthMs), firstPageMs: Math.round(firstPageMs), peakRssMb: Math.round(peak / 2 ** 20) };
  } catch (err) {
    throw new Error(`${kind}: ${(err as Error).message}\n${output}`);
  } finally {
    clearInterval(sampler);
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

const results: Timing[] = [];
for (let i = 0; i < runs; i++) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "socode-cold-"));
  try {
    results.push(await start("first run (empty folder: migrate + seed demo)", dataDir, { SOCODE_SEED_DEMO: "true" }));
    results.push(await start("restart (existing folder)", dataDir));
    results.push(await start("restart with the first-run check", dataDir, { SOCODE_SEED_DEMO: "true" }));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      loadAverage: os.loadavg().map((n) => Math.round(n * 10) / 10),
      results,
    },
    null,
    2,
  ),
);
