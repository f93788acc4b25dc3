// Bulk import through the CLI: writes an NDJSON file of N orders (plus the stores and members they
// reference), runs `node bin/socode.mjs ingest` on it against PostgreSQL as a user would, samples
// the CLI process's peak RSS, and reports orders/s. Prints a JSON result.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_bench_bulk npx tsx bench/ingest/bulk-import.ts [--orders 1000000] [--days 30]
//
// The database named by DATABASE_URL is dropped and recreated (it must not be one you care about).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { freshDatabase, machineInfo, MemorySampler } from "../load/common";

const { values } = parseArgs({ options: { orders: { type: "string", default: "1000000" }, days: { type: "string", default: "30" }, members: { type: "string", default: "50000" } } });
const ORDERS = Number(values.orders);
const DAYS = Number(values.days);
const MEMBERS = Number(values.members);
const url = process.env.DATABASE_URL ?? "";

async function write(file: string, count: number, line: (n: number) => string) {
  const out = fs.createWriteStream(file);
  for (let n = 0; n < count; n++) if (!out.write(`${line(n)}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
  await new Promise<void>((r) => out.end(() => r()));
}

function cli(args: string[], sampler?: (pid: number) => MemorySampler): Promise<{ code: number; output: string; memory?: ReturnType<MemorySampler["stop"]> }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/socode.mjs", ...args], { env: { ...process.env, DATABASE_URL: url }, stdio: ["ignore", "pipe", "pipe"] });
    const memory = sampler && child.pid ? sampler(child.pid).start(200) : undefined;
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => resolve({ code: code ?? 1, output, memory: memory?.stop() }));
  });
}

async function main() {
  const machine = machineInfo();
  const database = await freshDatabase(url);
  await database.db.tenant.create({ data: { slug: "bulk", name: "Bulk", timeZone: "UTC", currency: "USD" } });
  await database.close();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "socode-bulk-"));
  try {
    const now = Date.now() - 3_600_000;
    await write(path.join(dir, "stores.ndjson"), 50, (n) => JSON.stringify({ id: `S${n + 1}`, name: `Store ${n + 1}`, region: n % 2 ? "East" : "West" }));
    await write(path.join(dir, "members.ndjson"), MEMBERS, (n) => JSON.stringify({ id: `M${n + 1}`, name: `Member ${n + 1}`, tier: ["Bronze", "Silver", "Gold"][n % 3], tierRank: (n % 3) + 1, joinedAt: "2025-01-01T00:00:00Z" }));
    await write(path.join(dir, "orders.ndjson"), ORDERS, (n) =>
      JSON.stringify({
        id: `O${n}`,
        store: `S${(n % 50) + 1}`,
        ...(n % 5 ? { member: `M${((n * 7919) % MEMBERS) + 1}` } : {}),
        // In time order, as an export of history would be.
        placedAt: new Date(now - DAYS * 86_400_000 + Math.floor((n / ORDERS) * DAYS * 86_400_000)).toISOString(),
        total: `${5 + (n % 90)}.${String(n % 100).padStart(2, "0")}`,
        currency: "USD",
        channel: ["store", "online", "app"][n % 3],
      }),
    );
    for (const kind of ["stores", "members"]) {
      const r = await cli(["ingest", "--tenant", "bulk", "--kind", kind, "--source", "bench", path.join(dir, `${kind}.ndjson`)]);
      if (r.code !== 0) throw new Error(r.output);
    }
    const started = performance.now();
    const r = await cli(["ingest", "--tenant", "bulk", "--kind", "orders", "--source", "bench", "--json", path.join(dir, "orders.ndjson")], (pid) => new MemorySampler(() => [pid]));
    const seconds = (performance.now() - started) / 1000;
    if (r.code !== 0) throw new Error(r.output.slice(-2000));
    const summary = JSON.parse(r.output.slice(r.output.indexOf("{"))) as { accepted: number; batches: number };
    console.log(
      JSON.stringify(
        { machine, loadAverageAfter: os.loadavg().map((l) => Number(l.toFixed(2))), orders: ORDERS, days: DAYS, members: MEMBERS, accepted: summary.accepted, batches: summary.batches, seconds: Number(seconds.toFixed(1)), ordersPerSecond: Math.round(ORDERS / seconds), cliMemory: r.memory },
        null,
        2,
      ),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
