// Ingest throughput and ingest-to-visible latency through the HTTP API on PostgreSQL: orders sent in
// NDJSON batches of 1,000 to /api/ingest/v1/orders with rollups kept current in the same
// transaction, by a few concurrent senders (each its own source); then single small batches, each
// followed by query_metric through /api/mcp until the order shows, for the latency percentiles.
// Prints a JSON result, with the CPU time the app, PostgreSQL and this load generator spent per
// order while the batches were sent. Loopback only.
//
//   npm run build
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_bench_ingest npx tsx bench/ingest/throughput.ts [--orders 100000] [--senders 4] [--days 3] [--samples 40] [--cpu-prof .data/ingest-profiles]
//
// --cpu-prof starts the app with `node --cpu-prof` and adds where its CPU time went
// (bench/mcp/profile-summary.ts) to the result. --schema-variant FILE runs an SQL file on the fresh
// database before the app starts, to measure a schema change without migrating it
// (bench/ingest/variants/: what the foreign keys on orders cost, docs/benchmarks.md).
// --through-next serves the batches through the Next.js router (SOCODE_INGEST_THROUGH_NEXT=1)
// instead of ahead of it (lib/ingest/node-endpoint.ts), to measure what the router costs.
// The database named by DATABASE_URL is dropped and recreated (it must not be one you care about).
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { issueApiKey } from "@/lib/auth/api-keys";
import { issueIngestKey } from "@/lib/ingest/ingest-keys";
import { startApp } from "@/test/app-server";
import { cpuSplit, freshDatabase, httpPost, loadAverage, machineInfo, MemorySampler } from "../load/common";
import { summariseProfiles } from "../mcp/profile-summary";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "100000" },
    senders: { type: "string", default: "4" },
    batch: { type: "string", default: "1000" },
    days: { type: "string", default: "3" },
    samples: { type: "string", default: "40" },
    members: { type: "string", default: "20000" },
    "cpu-prof": { type: "string" },
    "schema-variant": { type: "string" },
    "through-next": { type: "boolean", default: false },
  },
});
const ORDERS = Number(values.orders);
const SENDERS = Number(values.senders);
const BATCH = Number(values.batch);
const DAYS = Number(values.days);
const SAMPLES = Number(values.samples);
const MEMBERS = Number(values.members);
const url = process.env.DATABASE_URL ?? "";

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function main() {
  const machine = machineInfo();
  const variant = values["schema-variant"];
  const database = await freshDatabase(url, { schemaVariant: variant });
  const tenant = await database.db.tenant.create({ data: { slug: "bench", name: "Bench", timeZone: "America/New_York", currency: "USD" } });
  const ingestKey = (await issueIngestKey(database.db, { tenantId: tenant.id, name: "bench" })).secret;
  const mcpKey = (await issueApiKey(database.db, { tenantId: tenant.id, name: "bench", preset: "metrics:read" })).secret;
  const profileDir = values["cpu-prof"] ? path.resolve(values["cpu-prof"]) : undefined;
  if (profileDir) {
    fs.rmSync(profileDir, { recursive: true, force: true });
    fs.mkdirSync(profileDir, { recursive: true });
  }
  const app = await startApp(database, values["through-next"] ? { SOCODE_INGEST_THROUGH_NEXT: "1" } : {}, { nodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [] });
  const memory = new MemorySampler(() => (app.pid ? [app.pid] : [])).start();
  // Node's own HTTP client on kept-alive connections (bench/load/common.ts), bodies as bytes: a
  // sender as lean as a POS exporter would be, so the load generator's share of the two cores stays small.
  const send = async (kind: string, body: string | Buffer, source: string) => {
    const headers = { authorization: `Bearer ${ingestKey}`, "content-type": "application/x-ndjson" };
    const reply = await httpPost(`${app.baseUrl}/api/ingest/v1/${kind}?source=${source}`, headers, typeof body === "string" ? Buffer.from(body) : body, { concurrency: SENDERS + 1, timeoutMs: 120_000 });
    if (reply.status !== 200) throw new Error(`${kind}: HTTP ${reply.status} ${reply.text.slice(0, 400)}`);
    return JSON.parse(reply.text) as { counts?: { accepted: number }; error?: unknown; rejected?: unknown[] };
  };
  try {
    const stores = Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `S${i + 1}`, name: `Store ${i + 1}`, region: i % 2 ? "East" : "West" })).join("\n");
    await send("stores", stores, "pos");
    const joined = new Date(Date.now() - 400 * 86_400_000).toISOString();
    for (let m = 0; m < MEMBERS; m += 5000) {
      const lines = Array.from({ length: Math.min(5000, MEMBERS - m) }, (_, i) =>
        JSON.stringify({ id: `M${m + i + 1}`, name: `Member ${m + i + 1}`, tier: ["Bronze", "Silver", "Gold"][(m + i) % 3], tierRank: ((m + i) % 3) + 1, joinedAt: joined }),
      );
      await send("members", lines.join("\n"), "pos");
    }

    // Throughput: ORDERS orders over the last DAYS days, SENDERS closed-loop senders.
    const now = Date.now() - 10 * 60_000;
    const order = (n: number) =>
      JSON.stringify({
        id: `O${n}`,
        store: `S${(n % 20) + 1}`,
        ...(n % 5 ? { member: `M${(n * 7919) % MEMBERS + 1}` } : {}),
        placedAt: new Date(now - ((n * 104729) % (DAYS * 86_400_000))).toISOString(),
        total: `${5 + Math.floor((n % 9000) / 100)}.${String(n % 100).padStart(2, "0")}`,
        currency: "USD",
        channel: ["store", "online", "app"][n % 3],
      });
    // The batches are written before the clock starts, as a source's export would be: the timed
    // window measures sending them, not this script generating JSON on the same two cores.
    const batches: { first: number; size: number; body: Buffer }[] = [];
    for (let first = 0; first < ORDERS; first += BATCH) {
      const lines = [];
      for (let n = first; n < Math.min(first + BATCH, ORDERS); n++) lines.push(order(n));
      batches.push({ first, size: lines.length, body: Buffer.from(lines.join("\n")) });
    }
    let next = 0;
    const batchMs: number[] = [];
    // WAL written and checkpoints taken during the window: a checkpoint makes the next change to
    // every page write the whole page to the WAL, which shows as PostgreSQL CPU per order.
    const walMark = async () =>
      (await database.db.$queryRawUnsafe<{ lsn: string; checkpoints: number }[]>(`SELECT pg_current_wal_lsn()::text AS lsn, (checkpoints_timed + checkpoints_req)::int AS checkpoints FROM pg_stat_bgwriter`))[0];
    const walBefore = await walMark();
    const cpu = cpuSplit(() => (app.pid ? [app.pid] : []));
    const started = performance.now();
    await Promise.all(
      Array.from({ length: SENDERS }, async (_, s) => {
        for (let batch = batches[next++]; batch; batch = batches[next++]) {
          const t0 = performance.now();
          const r = await send("orders", batch.body, `pos-${s}`);
          batchMs.push(performance.now() - t0);
          if (r.counts?.accepted !== batch.size) throw new Error(`batch at ${batch.first}: ${JSON.stringify(r).slice(0, 400)}`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpu();
    const loadDuring = loadAverage();
    const walAfter = await walMark();
    const [wal] = await database.db.$queryRawUnsafe<{ bytes: string }[]>(`SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint::text AS bytes`, walAfter?.lsn, walBefore?.lsn);

    // Rollups current: the rollup totals equal the raw facts.
    const [check] = await database.db.$queryRawUnsafe<{ raw: string; rollup: string }[]>(
      `SELECT (SELECT SUM(total_minor)::text FROM orders WHERE tenant_id = $1::uuid AND status = 'completed') AS raw,
              (SELECT SUM(gmv_minor)::text FROM rollup_order_days WHERE tenant_id = $1::uuid) AS rollup`,
      tenant.id,
    );

    // Ingest-to-visible: one small batch (10 orders placed now), then query_metric (today's GMV) until it shows.
    const gmvToday = async () => {
      const res = await fetch(app.mcpUrl, {
        method: "POST",
        headers: { Authorization: `Bearer ${mcpKey}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "query_metric", arguments: { metric: "orders", window: "today" } } }),
      });
      const body = (await res.json()) as { result?: { structuredContent?: { total?: { current?: string } } } };
      return Number(body.result?.structuredContent?.total?.current ?? "0");
    };
    const latencies: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const before = await gmvToday();
      const placedAt = new Date(Date.now() - 1000).toISOString();
      const lines = Array.from({ length: 10 }, (_, k) => JSON.stringify({ id: `V${i}-${k}`, store: "S1", placedAt, total: "10.00", currency: "USD", channel: "online" }));
      const t0 = performance.now();
      await send("orders", lines.join("\n"), "latency");
      while ((await gmvToday()) < before + 10) {
        if (performance.now() - t0 > 30_000) throw new Error("order not visible after 30 s");
      }
      latencies.push(performance.now() - t0);
    }
    const mem = memory.stop();
    // The profile is written when the app exits.
    await app.stop();
    console.log(
      JSON.stringify(
        {
          machine,
          loadAverageAfterThroughput: loadDuring,
          parameters: { orders: ORDERS, senders: SENDERS, batch: BATCH, days: DAYS, members: MEMBERS, samples: SAMPLES, schemaVariant: variant ?? null, throughNext: values["through-next"] },
          throughput: {
            seconds: Number(seconds.toFixed(1)),
            ordersPerSecond: Math.round(ORDERS / seconds),
            batchMs: { p50: Math.round(percentile(batchMs, 50)), p95: Math.round(percentile(batchMs, 95)), max: Math.round(Math.max(...batchMs)) },
            cpuSeconds,
            cpuMicrosecondsPerOrder: {
              app: Math.round((cpuSeconds.appCpuSeconds * 1e6) / ORDERS),
              postgres: Math.round((cpuSeconds.postgresCpuSeconds * 1e6) / ORDERS),
              loadGenerator: Math.round((cpuSeconds.loadGeneratorCpuSeconds * 1e6) / ORDERS),
            },
            walBytesPerOrder: Math.round(Number(wal?.bytes ?? 0) / ORDERS),
            checkpoints: (walAfter?.checkpoints ?? 0) - (walBefore?.checkpoints ?? 0),
          },
          rollupsCurrent: check?.raw === check?.rollup,
          ingestToVisibleMs: { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), max: Math.round(Math.max(...latencies)) },
          appMemory: mem,
          profile: profileDir ? summariseProfiles(profileDir) : undefined,
        },
        null,
        2,
      ),
    );
  } finally {
    memory.stop();
    await app.stop();
    await database.close();
  }
}

await main();
