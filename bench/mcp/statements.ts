// Database round trips per MCP call, counted by PostgreSQL itself: the database's committed
// transactions (pg_stat_database.xact_commit; every autocommit statement is one) across N
// sequential calls of tools/list and of query_metric (rollup path), divided by N. Unlike req/s this
// does not depend on how busy the machine is. Loopback only.
//
//   npm run build
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_bench_statements npx tsx bench/mcp/statements.ts [--calls 200]
//
// The database named by DATABASE_URL is dropped and recreated (it must not be one you care about).
import { parseArgs } from "node:util";
import pg from "pg";
import { issueApiKey } from "@/lib/auth/api-keys";
import { seedDemo } from "@/lib/demo/seed-demo";
import { freshDatabase, machineInfo, sleep, startApps } from "../load/common";

const { values } = parseArgs({ options: { calls: { type: "string", default: "200" } } });
const calls = Number(values.calls);
const url = process.env.DATABASE_URL ?? "";

async function main() {
  const handle = await freshDatabase(url);
  await seedDemo(handle.db, { scale: "small" });
  const tenant = await handle.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
  const { secret } = await issueApiKey(handle.db, { tenantId: tenant.id, name: "bench", preset: "metrics:read" });
  const [app] = await startApps(handle, { SOCODE_RATE_LIMIT_PER_MINUTE: "100000" });
  if (!app) throw new Error("app did not start");
  const stats = new pg.Client({ connectionString: url });
  await stats.connect();
  const committed = async () => {
    // Statistics reach the shared counters within a second of a backend going idle.
    await sleep(1500);
    await stats.query("SELECT pg_stat_clear_snapshot()");
    const { rows } = await stats.query<{ n: string }>("SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()");
    return Number(rows[0]?.n ?? 0);
  };
  const post = async (message: object) => {
    const res = await fetch(app.mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${secret}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...message }),
    });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    await res.text();
  };
  const phases = {
    "tools/list": { method: "tools/list", params: {} },
    "query_metric gmv last_week by store": { method: "tools/call", params: { name: "query_metric", arguments: { metric: "gmv", window: "last_week", groupBy: "store" } } },
  };
  const result: Record<string, number> = {};
  try {
    for (const [label, message] of Object.entries(phases)) {
      for (let i = 0; i < 20; i++) await post(message); // warm caches and pools
      const before = await committed();
      const idle = (await committed()) - before; // the stats query's own commits and any background work
      const start = await committed();
      for (let i = 0; i < calls; i++) await post(message);
      const end = await committed();
      result[label] = Number(((end - start - idle) / calls).toFixed(2));
    }
    console.log(JSON.stringify({ machine: machineInfo(), calls, statementsPerCall: result }, null, 2));
  } finally {
    await stats.end();
    await app.stop();
    await handle.close();
  }
}

await main();
