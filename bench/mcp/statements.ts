// Cost per MCP call, tool by tool (every kind of call bench/load/mixed-load.ts sends): database
// round trips counted by PostgreSQL itself (the database's committed transactions,
// pg_stat_database.xact_commit; every autocommit statement is one) and the CPU time the app and
// PostgreSQL spent (from /proc), across N sequential calls, divided by N. Unlike req/s the round
// trips do not depend on how busy the machine is; the CPU figures do a little (a lone caller gets
// no audit batching). Loopback only.
//
//   npm run build
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_bench_statements npx tsx bench/mcp/statements.ts [--calls 200] [--only award_points]
//
// The database named by DATABASE_URL is dropped and recreated (it must not be one you care about).
import { parseArgs } from "node:util";
import pg from "pg";
import { issueApiKey } from "@/lib/auth/api-keys";
import { seedDemo } from "@/lib/demo/seed-demo";
import { cpuSplit, freshDatabase, machineInfo, sleep, startApps } from "../load/common";

// --only keeps the calls whose label contains the text (e.g. with log_statement = 'all' to read one tool's statements).
const { values } = parseArgs({ options: { calls: { type: "string", default: "200" }, only: { type: "string" } } });
const calls = Number(values.calls);
const url = process.env.DATABASE_URL ?? "";

async function main() {
  const handle = await freshDatabase(url);
  await seedDemo(handle.db, { scale: "small" });
  const tenant = await handle.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
  // The mixed load's writer key: an analyst that may also request points and coupon writes.
  const { secret } = await issueApiKey(handle.db, { tenantId: tenant.id, name: "bench", preset: "analyst", grantedScopes: ["points:write", "coupons:write"] });
  const member = (await handle.db.member.findFirstOrThrow({ where: { tenantId: tenant.id, status: "active" }, select: { externalId: true } })).externalId;
  const pool = (await handle.db.couponPool.findFirstOrThrow({ where: { tenantId: tenant.id }, select: { name: true } })).name;
  const [app] = await startApps(handle, { SOCODE_RATE_LIMIT_PER_MINUTE: "100000" });
  if (!app) throw new Error("app did not start");
  const stats = new pg.Client({ connectionString: url });
  await stats.connect();
  const committed = async () => {
    // A backend's counts reach the shared statistics when it has been idle for 10 s
    // (PGSTAT_IDLE_INTERVAL) or on a later transaction at least 1 s after its last flush: a shorter
    // wait let one tool's last second of statements count towards the next tool (get_member read
    // 0.26 round trips a call, against the 2 its statement log shows).
    await sleep(11_000);
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
    const text = await res.text();
    if (res.status !== 200 || text.includes('"isError":true')) throw new Error(`HTTP ${res.status}: ${text.slice(0, 400)}`);
  };
  const call = (name: string, args: object) => ({ method: "tools/call", params: { name, arguments: args } });
  const phases = {
    "tools/list": { method: "tools/list", params: {} },
    "query_metric gmv last_week by store": call("query_metric", { metric: "gmv", window: "last_week", groupBy: "store" }),
    "query_metric active_members last_30_days vs previous by tier": call("query_metric", { metric: "active_members", window: "last_30_days", compareTo: "previous_period", groupBy: "tier" }),
    "explain_change redemptions last_week vs prior_week by coupon_pool": call("explain_change", { metric: "redemptions", window: "last_week", compareTo: "prior_week", dimensions: "coupon_pool" }),
    list_metrics: call("list_metrics", {}),
    "describe_metric gmv": call("describe_metric", { metric: "gmv" }),
    'search_members "an"': call("search_members", { query: "an", limit: 20 }),
    get_member: call("get_member", { member }),
    get_coupon_pool: call("get_coupon_pool", { pool }),
    "award_points (pending request)": call("award_points", { member, points: 10, reason: "statements bench" }),
  };
  const result: Record<string, { statements: number; appCpuMs: number; postgresCpuMs: number }> = {};
  try {
    // The statistics queries' own commits and any background work, with no calls.
    const before = await committed();
    const idle = (await committed()) - before;
    for (const [label, message] of Object.entries(phases).filter(([l]) => !values.only || l.includes(values.only))) {
      for (let i = 0; i < 20; i++) await post(message); // warm caches and pools
      const start = await committed();
      const cpu = cpuSplit(() => (app.pid ? [app.pid] : []));
      for (let i = 0; i < calls; i++) await post(message);
      const { appCpuSeconds, postgresCpuSeconds } = cpu();
      const end = await committed();
      result[label] = {
        statements: Number(((end - start - idle) / calls).toFixed(2)),
        appCpuMs: Number(((appCpuSeconds * 1000) / calls).toFixed(2)),
        postgresCpuMs: Number(((postgresCpuSeconds * 1000) / calls).toFixed(2)),
      };
    }
    console.log(JSON.stringify({ machine: machineInfo(), calls, perCall: result }, null, 2));
  } finally {
    await stats.end();
    await app.stop();
    await handle.close();
  }
}

await main();
