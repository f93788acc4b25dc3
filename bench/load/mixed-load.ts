// Mixed MCP load against the built app on PostgreSQL: metric queries with various windows and
// breakdowns, change explanations, discovery, member and coupon reads, write requests, and a few
// deliberate refusals (counted separately), for a fixed time at a fixed concurrency. Checks that
// nothing failed, that every request left exactly one audit event (per key), that every write
// request has its audit event, and that every audit chain verifies. Samples the app's peak RSS.
//
//   npm run build
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_load npx tsx bench/load/mixed-load.ts [--seconds 60] [--connections 64] [--scale small|medium] [--mix all|query_metric] [--pool N] [--cpu-prof DIR]
//   npx tsx bench/load/mixed-load.ts --embedded [same options]
//
// --embedded runs on embedded PGlite in a fresh temporary data folder instead of DATABASE_URL: the
// script seeds it, then hands the folder to the app, which serves it as `npx socode start` does
// with no DATABASE_URL; the script's checks read it through the app's local socket.
// --mix query_metric keeps only the query_metric calls (the hot path of issue 13: certified metrics
// from the rollups, both tenants, the same weights and arguments); the default is the whole mix.
// The database named by DATABASE_URL is dropped and recreated (it must not be one you care about).
// Exits 1 when an invariant fails; prints a JSON summary.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { summariseProfiles } from "../mcp/profile-summary";
import { issueApiKey } from "@/lib/auth/api-keys";
import { seedDemo } from "@/lib/demo/seed-demo";
import { resetEnvCache } from "@/lib/env";
import {
  cpuSplit,
  embeddedDatabase,
  finish,
  freshDatabase,
  loadAverage,
  machineInfo,
  mcpAuditCountByKey,
  MemorySampler,
  rpc,
  runLoad,
  startApps,
  toolCall,
  transportStats,
  verifyAllChains,
  waitForAuditQuiet,
  writeRequestConsistency,
  type PlannedCall,
} from "./common";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    connections: { type: "string", default: "64" },
    scale: { type: "string", default: "small" },
    mix: { type: "string", default: "all" },
    // Default 600 on PostgreSQL (issue 13's limit); 1,000 with --embedded, where PGlite's WASM
    // PostgreSQL lives in the app process (665–913 MB at cold start, docs/benchmarks.md "Memory").
    "rss-limit-mb": { type: "string" },
    // The app's connections to PostgreSQL (SOCODE_DB_POOL_SIZE; the app's default is 20).
    pool: { type: "string" },
    // Profile the app (`node --cpu-prof`) and summarise where its CPU time went (bench/mcp/profile-summary.ts).
    "cpu-prof": { type: "string" },
    embedded: { type: "boolean", default: false },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const scale = values.scale as "small" | "medium";
const rssLimitMb = Number(values["rss-limit-mb"] ?? (values.embedded ? 1000 : 600));
if (values.mix !== "all" && values.mix !== "query_metric") throw new Error(`--mix must be all or query_metric, not ${values.mix}`);
const mixName = values.mix;
const url = process.env.DATABASE_URL ?? "";

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/** Metrics and the breakdowns the semantic layer certifies for them. */
const GROUPABLE: readonly (readonly [string, readonly (string | string[])[]])[] = [
  ["orders", ["store", "region", "tier", "channel", ["region", "channel"], "day", "week"]],
  ["aov", ["store", "region", "tier", "channel", "week"]],
  ["points_awarded", ["day", "week", "month"]],
  ["coupons_issued", ["coupon_pool", "day", "week"]],
  ["new_members", ["store", "region", "tier", "day"]],
];

async function main() {
  const machineBefore = machineInfo();
  const dataDir = values.embedded ? fs.mkdtempSync(path.join(os.tmpdir(), "socode-load-")) : undefined;
  if (dataDir) {
    // The app signs audit events with the data folder's generated key; this script verifies them with it.
    process.env.SOCODE_DATA_DIR = dataDir;
    resetEnvCache();
  }
  let database = dataDir ? await embeddedDatabase(dataDir) : await freshDatabase(url);
  let { db } = database;
  process.stderr.write(`seeding demo tenants (${scale})…\n`);
  const seedStarted = performance.now();
  await seedDemo(db, { scale });
  const seedSeconds = Math.round((performance.now() - seedStarted) / 1000);
  const demo = await db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
  const demoB = await db.tenant.findUniqueOrThrow({ where: { slug: "demo-b" } });
  // demo: an analyst key that may also request points and coupon writes; demo-b: a read-only analyst key.
  const writer = await issueApiKey(db, { tenantId: demo.id, name: "load demo", preset: "analyst", grantedScopes: ["points:write", "coupons:write"] });
  const readerB = await issueApiKey(db, { tenantId: demoB.id, name: "load demo-b", preset: "analyst" });
  const membersA = (await db.member.findMany({ where: { tenantId: demo.id, status: "active" }, select: { externalId: true }, take: 400 })).map((m) => m.externalId);
  const membersB = (await db.member.findMany({ where: { tenantId: demoB.id }, select: { externalId: true }, take: 400 })).map((m) => m.externalId);
  const poolsA = (await db.couponPool.findMany({ where: { tenantId: demo.id }, select: { name: true } })).map((p) => p.name);
  const poolsB = (await db.couponPool.findMany({ where: { tenantId: demoB.id }, select: { name: true } })).map((p) => p.name);

  const profileDir = values["cpu-prof"] ? path.resolve(values["cpu-prof"]) : undefined;
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  // The app serves the embedded database itself, as in production: this process lets go of it first.
  if (dataDir) await database.close();
  const [app] = await startApps(
    database,
    { SOCODE_RATE_LIMIT_PER_MINUTE: "100000", ...(values.pool ? { SOCODE_DB_POOL_SIZE: values.pool } : {}) },
    1,
    profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
  );
  if (!app) throw new Error("no app");
  if (!app.pid) throw new Error("startApp gave no pid");
  if (dataDir) ({ db } = database = await embeddedDatabase(dataDir));
  const memory = new MemorySampler(() => [app.pid ?? 0]);
  memory.start(250);
  try {
    // The call mix: [weight, kind, arguments builder, expected tool error].
    type Mix = { weight: number; kind: string; tenant: "demo" | "demo-b"; build: () => unknown; expect?: string };
    const wholeMix: Mix[] = [
      { weight: 12, kind: "query_metric gmv last_week by store", tenant: "demo", build: () => toolCall("query_metric", { metric: "gmv", window: "last_week", groupBy: "store" }) },
      { weight: 6, kind: "query_metric redemption_rate last_14_days by coupon_pool", tenant: "demo", build: () => toolCall("query_metric", { metric: "redemption_rate", window: "last_14_days", groupBy: "coupon_pool" }) },
      { weight: 4, kind: "query_metric active_members last_30_days vs previous by tier", tenant: "demo", build: () => toolCall("query_metric", { metric: "active_members", window: "last_30_days", compareTo: "previous_period", groupBy: "tier" }) },
      { weight: 6, kind: "query_metric orders/aov/points windows × groupBys", tenant: "demo", build: () => {
          const [metric, groupBys] = pick(GROUPABLE);
          const window = pick(["yesterday", "last_7_days", "last_28_days", "this_month", "last_month", "last_quarter"]);
          return toolCall("query_metric", { metric, window, groupBy: pick(groupBys) });
        } },
      { weight: 6, kind: "query_metric demo-b", tenant: "demo-b", build: () => {
          const [metric, groupBy] = pick([["gmv", "store"], ["orders", "tier"], ["redemptions", "coupon_pool"], ["aov", "channel"]] as const);
          return toolCall("query_metric", { metric, window: pick(["last_week", "last_14_days", "last_month"]), groupBy });
        } },
      { weight: 8, kind: "explain_change redemptions last_week vs prior_week", tenant: "demo", build: () =>
          toolCall("explain_change", { metric: "redemptions", window: "last_week", compareTo: "prior_week", dimensions: pick(["coupon_pool", "store", ["tier", "region"]]) }) },
      { weight: 5, kind: "list_metrics", tenant: "demo", build: () => toolCall("list_metrics", {}) },
      { weight: 5, kind: "describe_metric", tenant: "demo", build: () => toolCall("describe_metric", { metric: pick(["gmv", "redemption_rate", "active_members", "aov"]) }) },
      { weight: 3, kind: "tools/list", tenant: "demo", build: () => rpc("tools/list") },
      { weight: 8, kind: "search_members", tenant: "demo", build: () => toolCall("search_members", { query: pick(["an", "ma", "jo", "li", "er", "M0"]), limit: 20 }) },
      { weight: 8, kind: "get_member", tenant: "demo", build: () => toolCall("get_member", { member: pick(membersA) }) },
      { weight: 3, kind: "get_member demo-b", tenant: "demo-b", build: () => toolCall("get_member", { member: pick(membersB) }) },
      { weight: 4, kind: "get_coupon_pool", tenant: "demo", build: () => toolCall("get_coupon_pool", { pool: pick(poolsA) }) },
      { weight: 2, kind: "get_coupon_pool demo-b", tenant: "demo-b", build: () => toolCall("get_coupon_pool", { pool: pick(poolsB) }) },
      { weight: 4, kind: "write award_points (pending request)", tenant: "demo", build: () =>
          toolCall("award_points", { member: pick(membersA), points: 1 + Math.floor(Math.random() * 500), reason: "load test goodwill" }) },
      { weight: 2, kind: "write top_up_coupon_pool (pending request)", tenant: "demo", build: () => toolCall("top_up_coupon_pool", { pool: pick(poolsA), codes: 10 }) },
      // Deliberate refusals, counted separately: ungrounded metric, a tool outside the key's scopes.
      { weight: 2, kind: "deliberate not_grounded", tenant: "demo", build: () => toolCall("query_metric", { metric: "gmvv", window: "last_week" }), expect: "not_grounded" },
      { weight: 1, kind: "deliberate missing_scope", tenant: "demo-b", build: () => toolCall("award_points", { member: pick(membersB), points: 5, reason: "not allowed" }), expect: "missing_scope" },
    ];
    const mix = mixName === "query_metric" ? wholeMix.filter((m) => m.kind.startsWith("query_metric")) : wholeMix;
    const totalWeight = mix.reduce((a, m) => a + m.weight, 0);
    const plan = (): PlannedCall => {
      let r = Math.random() * totalWeight;
      const m = mix.find((x) => (r -= x.weight) < 0) ?? mix[mix.length - 1];
      if (!m) throw new Error("empty mix");
      return { kind: m.kind, mcpUrl: app.mcpUrl, secret: m.tenant === "demo" ? writer.secret : readerB.secret, body: m.build(), expectToolError: m.expect };
    };

    process.stderr.write(`warm-up 5 s…\n`);
    const warmUp = await runLoad({ concurrency: 8, seconds: 5, plan });
    const loadBefore = loadAverage();
    process.stderr.write(`load: ${seconds} s at concurrency ${connections}…\n`);
    const loadAvgSamples: number[] = [];
    const loadTimer = setInterval(() => loadAvgSamples.push(loadAverage()[0] ?? 0), 5000);
    const cpu = cpuSplit(() => (app.pid ? [app.pid] : []));
    const load = await runLoad({ concurrency: connections, seconds, plan });
    const spent = cpu();
    clearInterval(loadTimer);
    const perCall = (cpuSeconds: number) => Number(((cpuSeconds * 1000) / Math.max(1, load.sent)).toFixed(3));
    const loadAfter = loadAverage();
    const mem = memory.stop();

    await waitForAuditQuiet(db);
    const audited = await mcpAuditCountByKey(db, [writer.key.id, readerB.key.id]);
    const sent = {
      [writer.key.id]: (warmUp.sentBySecret[writer.secret] ?? 0) + (load.sentBySecret[writer.secret] ?? 0),
      [readerB.key.id]: (warmUp.sentBySecret[readerB.secret] ?? 0) + (load.sentBySecret[readerB.secret] ?? 0),
    };
    const chains = await verifyAllChains(db);
    const writes = await writeRequestConsistency(db);
    const writeRequests = await db.writeRequest.count({ where: { requesterKeyId: writer.key.id } });
    const writeKinds = ["write award_points (pending request)", "write top_up_coupon_pool (pending request)"];
    const okWrites = [warmUp, load].reduce((n, r) => n + writeKinds.reduce((m, k) => m + (r.perKind[k]?.outcomes.ok ?? 0), 0), 0);

    const unexpectedCount = [warmUp, load].reduce(
      (n, r) => n + Object.entries(r.outcomes).filter(([k]) => k !== "ok" && !k.startsWith("expected_tool_error:")).reduce((a, [, c]) => a + c, 0),
      0,
    );
    const deliberate = Object.fromEntries(Object.entries(load.outcomes).filter(([k]) => k.startsWith("expected_tool_error:")));
    finish(
      {
        script: "bench/load/mixed-load.ts",
        machine: machineBefore,
        database: dataDir ? "embedded PGlite (served by the app)" : "PostgreSQL",
        scale,
        mix: mixName,
        seedSeconds,
        appDbPoolSize: values.pool ? Number(values.pool) : dataDir ? "default (8, embedded)" : "default (20)",
        load: {
          seconds: load.seconds,
          connections,
          sent: load.sent,
          requestsPerSecond: load.requestsPerSecond,
          all: load.all,
          outcomes: load.outcomes,
          deliberate,
          perKind: load.perKind,
          unexpected: load.unexpected.slice(0, 10),
          keepAliveRetries: transportStats.keepAliveRetries,
          // CPU milliseconds per call by process group, over the measured phase (two cores are 2,000 ms a second).
          cpuMsPerCall: { app: perCall(spent.appCpuSeconds), postgres: perCall(spent.postgresCpuSeconds), loadGenerator: perCall(spent.loadGeneratorCpuSeconds) },
        },
        loadAverage: { before: loadBefore, during1m: loadAvgSamples, after: loadAfter },
        appMemory: { ...mem, limitMB: rssLimitMb },
        audit: { sentPerKey: sent, auditedPerKey: audited, writeRequestsCreated: writeRequests, writeRequestsAnsweredOk: okWrites, chains: chains.chains.map((c) => ({ chain: c.chain, ok: c.ok, checked: c.checked })), duplicateSeqs: chains.duplicateSeqs },
        writeConsistency: writes.problems,
      },
      {
        noUnexpectedErrors: unexpectedCount === 0,
        auditRowsEqualRequestsPerKey: Object.keys(sent).every((k) => sent[k] === audited[k]),
        everyAnsweredWriteStored: writeRequests === okWrites,
        writeRequestsAudited: writes.ok,
        auditChainsVerify: chains.ok,
        peakRssWithinLimit: mem.peakTreeRssMB <= rssLimitMb,
      },
    );
  } finally {
    memory.stop();
    // A client of the app's socket closes before the app that serves it.
    await database.close();
    await app.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  // Written when the app exits; the whole run, warm-up included.
  if (profileDir) process.stderr.write(`${JSON.stringify(summariseProfiles(profileDir), null, 2)}\n`);
}

await main();
