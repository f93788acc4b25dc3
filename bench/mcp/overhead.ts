// MCP overhead, side by side in one run: a bare MCP SDK stateless server answering a constant tool
// (bench/mcp/bare-server.ts, in its own process),
// SoCode's tools/list, and SoCode's query_metric on the rollup path (key auth + guard + audit +
// rollup query), driven by the same autocannon client with the same request shape at each
// connection count. Loopback only, bounded in time. With --next-floor it also builds a one-route
// Next.js app (a route handler answering the bare server's constant) and measures it the same way:
// the framework's own floor, which every Next route handler sits on. With --through-next it also
// starts a second SoCode instance with SOCODE_MCP_THROUGH_NEXT=1 and measures query_metric served
// through the Next.js router (app/api/mcp/route.ts) instead of ahead of it (lib/mcp/node-endpoint.ts).
//
//   npm run build
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_bench_mcp npx tsx bench/mcp/overhead.ts \
//     [--seconds 15] [--connections 1,16,64] [--cpu-prof .data/bench-profiles] [--next-floor] [--through-next]
//
// --cpu-prof starts the app with `node --cpu-prof` and summarises where its
// CPU time went (bench/mcp/profile-summary.ts). The database named by DATABASE_URL is dropped and
// recreated (it must not be one you care about).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { issueApiKey } from "@/lib/auth/api-keys";
import { seedDemo } from "@/lib/demo/seed-demo";
import { cpuSplit, freshDatabase, loadAverage, machineInfo, MemorySampler, startApps } from "../load/common";
import { summariseProfiles } from "./profile-summary";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "15" },
    connections: { type: "string", default: "1,16,64" },
    "cpu-prof": { type: "string" },
    "next-floor": { type: "boolean", default: false },
    "through-next": { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const connectionCounts = values.connections.split(",").map(Number);
const url = process.env.DATABASE_URL ?? "";
if (!url.startsWith("postgres")) throw new Error("Set DATABASE_URL to a PostgreSQL database this benchmark may drop and recreate.");

/**
 * The baseline in its own process (bench/mcp/bare-server.ts), so that it has a core to itself as
 * SoCode's server does; until 2026-12-03 it ran inside this process, sharing one event loop with
 * the load generator, which capped it (see docs/benchmarks.md, "Hot path, part 2").
 */
async function startBaseline(): Promise<{ url: string; pid?: number; close: () => void }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve("bench/mcp/bare-server.ts")], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString("utf8").trim())));
    child.once("exit", (code) => reject(new Error(`the bare server exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}/mcp`, pid: child.pid, close: () => child.kill("SIGTERM") };
}

/**
 * The framework floor: a Next.js app (this repository's `next`) with one route handler that reads
 * the body and answers the bare server's constant result, built and served by `next start`.
 */
async function startNextFloor(): Promise<{ url: string; pid?: number; close: () => void }> {
  const dir = path.resolve(".data/bench/next-floor");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "app/mcp"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "app/mcp/route.js"),
    [
      `export const dynamic = "force-dynamic";`,
      `export async function POST(request) {`,
      `  const { id } = await request.json();`,
      `  return Response.json({ jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "42" }], structuredContent: { value: 42 } } });`,
      `}`,
    ].join("\n"),
  );
  const nextBin = path.resolve("node_modules/next/dist/bin/next");
  process.stderr.write("building the one-route Next.js app (framework floor)…\n");
  const built = spawnSync(process.execPath, [nextBin, "build", dir], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (built.status !== 0) throw new Error("next build of the floor app failed");
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [nextBin, "start", dir, "-p", String(port), "-H", "127.0.0.1"], { stdio: "ignore", env: { ...process.env, NODE_ENV: "production" } });
  const url = `http://127.0.0.1:${port}/mcp`;
  for (let i = 0; i < 100; i++) {
    const up = await fetch(url, { method: "POST", body: JSON.stringify({ id: 0 }) }).then((r) => r.ok, () => false);
    if (up) return { url, pid: child.pid, close: () => child.kill("SIGTERM") };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill("SIGKILL");
  throw new Error("the floor app did not start");
}

type Result = {
  label: string;
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
  loadAverage: number[];
  /** CPU milliseconds per answered request, by process group ("app": the measured server's process tree). */
  cpuMsPerRequest: { app: number; postgres: number; loadGenerator: number };
};

/** The measured server's pid (SoCode or the Next floor): its tree's CPU time is the "app" share. */
let appPid: number | undefined;

async function load(label: string, target: string, headers: Record<string, string>, message: unknown, connections: number, duration = seconds): Promise<Result> {
  const cpu = cpuSplit(() => (appPid ? [appPid] : []));
  const result = await autocannon({
    url: target,
    method: "POST",
    connections,
    duration,
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...(message as object) }),
  });
  const out = {
    label,
    connections,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
    loadAverage: loadAverage(),
    cpuMsPerRequest: { app: 0, postgres: 0, loadGenerator: 0 },
  };
  const spent = cpu();
  const perRequest = (cpuSeconds: number) => Number(((cpuSeconds * 1000) / Math.max(1, result.requests.total)).toFixed(3));
  out.cpuMsPerRequest = { app: perRequest(spent.appCpuSeconds), postgres: perRequest(spent.postgresCpuSeconds), loadGenerator: perRequest(spent.loadGeneratorCpuSeconds) };
  process.stderr.write(
    `${label} @${connections}: ${out.requestsPerSecond} req/s, p50 ${out.p50} ms, p99 ${out.p99} ms, non-2xx ${out.non2xx}; ` +
      `CPU ms/request app ${out.cpuMsPerRequest.app}, postgres ${out.cpuMsPerRequest.postgres}, this process ${out.cpuMsPerRequest.loadGenerator}\n`,
  );
  return out;
}

async function main() {
  const machine = machineInfo();
  const handle = await freshDatabase(url);
  process.stderr.write("seeding demo tenants (small)…\n");
  await seedDemo(handle.db, { scale: "small" });
  const tenant = await handle.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
  // A key per measured load: the rate limit is per key and capped at 100,000 a minute, which one key
  // crossed on a fast machine (its refusals then counted as throughput).
  let keys = 0;
  const freshAuth = async () => {
    const { secret } = await issueApiKey(handle.db, { tenantId: tenant.id, name: `bench ${++keys}`, preset: "metrics:read" });
    return { authorization: `Bearer ${secret}` };
  };
  const profileDir = values["cpu-prof"] ? path.resolve(values["cpu-prof"]) : undefined;
  if (profileDir) {
    fs.rmSync(profileDir, { recursive: true, force: true });
    fs.mkdirSync(profileDir, { recursive: true });
  }
  // A high rate limit: this measures overhead, not the limiter's refusals.
  const [app] = await startApps(handle, { SOCODE_RATE_LIMIT_PER_MINUTE: "100000" }, 1, profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []);
  if (!app) throw new Error("app did not start");
  const [viaNext] = values["through-next"] ? await startApps(handle, { SOCODE_RATE_LIMIT_PER_MINUTE: "100000", SOCODE_MCP_THROUGH_NEXT: "1" }) : [];
  appPid = app.pid;
  const memory = new MemorySampler(() => (app.pid ? [app.pid] : [])).start();
  const baseline = await startBaseline();
  const floor = values["next-floor"] ? await startNextFloor() : undefined;
  const query = { method: "tools/call", params: { name: "query_metric", arguments: { metric: "gmv", window: "last_week", groupBy: "store" } } };
  const list = { method: "tools/list", params: {} };
  const results: Result[] = [];
  let answeredQueryMetric = 0;
  try {
    // Warm both servers up before measuring (JIT, pools, caches).
    const warmUp = await load("warm-up", app.mcpUrl, await freshAuth(), query, 16, 5);
    answeredQueryMetric += warmUp.total - warmUp.non2xx;
    const constant = { method: "tools/call", params: { name: "constant", arguments: {} } };
    appPid = baseline.pid;
    await load("warm-up", baseline.url, {}, constant, 16, 3);
    if (floor) {
      appPid = floor.pid;
      await load("warm-up", floor.url, {}, constant, 16, 3);
    }
    if (viaNext) {
      appPid = viaNext.pid;
      const warm = await load("warm-up", viaNext.mcpUrl, await freshAuth(), query, 16, 5);
      answeredQueryMetric += warm.total - warm.non2xx;
    }
    for (const connections of connectionCounts) {
      appPid = baseline.pid;
      results.push(await load("bare SDK stateless server, constant tool", baseline.url, {}, constant, connections));
      appPid = app.pid;
      if (floor) {
        appPid = floor.pid;
        results.push(await load("Next.js floor: one route handler, constant answer", floor.url, {}, constant, connections));
        appPid = app.pid;
      }
      results.push(await load("SoCode tools/list", app.mcpUrl, await freshAuth(), list, connections));
      const socode = await load("SoCode query_metric (auth + guard + audit + rollups)", app.mcpUrl, await freshAuth(), query, connections);
      answeredQueryMetric += socode.total - socode.non2xx;
      results.push(socode);
      if (viaNext) {
        appPid = viaNext.pid;
        const routed = await load("SoCode query_metric through the Next.js router", viaNext.mcpUrl, await freshAuth(), query, connections);
        answeredQueryMetric += routed.total - routed.non2xx;
        results.push(routed);
      }
    }
    const audited = await handle.db.auditEvent.count({ where: { tenantId: tenant.id, action: "query_metric" } });
    const ratios = connectionCounts.map((connections) => {
      const bare = results.find((r) => r.connections === connections && r.label.startsWith("bare"));
      const metric = results.find((r) => r.connections === connections && r.label.includes("query_metric") && !r.label.includes("Next.js router"));
      const routed = results.find((r) => r.connections === connections && r.label.includes("Next.js router"));
      const tools = results.find((r) => r.connections === connections && r.label.includes("tools/list"));
      const nextFloor = results.find((r) => r.connections === connections && r.label.startsWith("Next.js floor"));
      return {
        connections,
        nextFloorVsBare: bare && nextFloor ? Number((nextFloor.requestsPerSecond / bare.requestsPerSecond).toFixed(2)) : null,
        queryMetricVsNextFloor: nextFloor && metric ? Number((metric.requestsPerSecond / nextFloor.requestsPerSecond).toFixed(2)) : null,
        queryMetricVsBare: bare && metric ? Number((metric.requestsPerSecond / bare.requestsPerSecond).toFixed(2)) : null,
        toolsListVsBare: bare && tools ? Number((tools.requestsPerSecond / bare.requestsPerSecond).toFixed(2)) : null,
        queryMetricThroughNextVsBare: bare && routed ? Number((routed.requestsPerSecond / bare.requestsPerSecond).toFixed(2)) : null,
      };
    });
    const mem = memory.stop();
    await app.stop();
    await viaNext?.stop();
    const profile = profileDir ? summariseProfiles(profileDir) : undefined;
    const report = {
      machine,
      loadAverageAtEnd: loadAverage(),
      seconds,
      results,
      ratios,
      appMemory: mem,
      // Every answered call left exactly one audit event.
      auditedQueryMetricCalls: audited,
      answeredQueryMetricCalls: answeredQueryMetric,
      profile,
    };
    console.log(JSON.stringify(report, null, 2));
    // A refused request (429, 5xx) is not throughput: a run with any is not a measurement.
    const refused = results.filter((r) => r.non2xx > 0);
    if (refused.length) {
      process.stderr.write(`not a valid measurement: non-2xx answers in ${refused.map((r) => `${r.label} @${r.connections} (${r.non2xx})`).join(", ")}\n`);
      process.exitCode = 1;
    }
  } finally {
    baseline.close();
    floor?.close();
    await app.stop();
    await viaNext?.stop();
    await handle.close();
  }
}

await main();
