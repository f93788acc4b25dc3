// Slack event → posted answer: for each seed ask, the time from sending a signed app_mention to the
// built app until the app's chat.postMessage reaches the local Slack stand-in (signature check,
// dedupe insert, ack, parse, guard + audit, semantic query, Block Kit, Web API call). Sequential,
// one ask in flight, loopback only; the ack's own latency is reported too.
//
//   npm run build
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_bench_slack npx tsx bench/slack/latency.ts [--iterations 30]
//
// The database named by DATABASE_URL is dropped and recreated (it must not be one you care about).
import crypto from "node:crypto";
import { parseArgs } from "node:util";
import { seedDemo } from "@/lib/demo/seed-demo";
import { resetEnvCache } from "@/lib/env";
import { connectWorkspace, updateConnectionScopes } from "@/lib/slack/connections";
import { startApp } from "@/test/app-server";
import { slackSignedHeaders, startSlackStandIn } from "@/test/slack-stand-in";
import { freshDatabase, loadAverage, machineInfo } from "../load/common";

const { values } = parseArgs({ options: { iterations: { type: "string", default: "30" }, warmup: { type: "string", default: "3" } } });
const ITERATIONS = Number(values.iterations);
const WARMUP = Number(values.warmup);
const SECRET = "bench-signing-secret";
const TOKEN_KEY = crypto.randomBytes(32).toString("base64");
const TEAM = { id: "T0BENCH", name: "Bench", botUserId: "U0BOT" };

const ASKS = [
  "GMV last week by store",
  "why are redemptions down versus the prior week?",
  "redemption rate by pool for the last 14 days",
  "active members by tier vs last month",
];
const FOLLOW_UP = "which stores drove the Silver drop?";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const url = process.env.DATABASE_URL;
if (!url) throw new Error("Set DATABASE_URL to a PostgreSQL database this script may drop and recreate.");
const database = await freshDatabase(url);
await seedDemo(database.db, { scale: "small" });
const tenant = await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
const slack = await startSlackStandIn();
slack.addToken("xoxb-bench", TEAM);
process.env.SOCODE_SLACK_TOKEN_KEY = TOKEN_KEY;
resetEnvCache();
await connectWorkspace(database.db, { tenantId: tenant.id, teamId: TEAM.id, teamName: TEAM.name, botUserId: TEAM.botUserId, botToken: "xoxb-bench", installedBy: null, requestId: "bench" });
const admin = await database.db.user.create({ data: { email: "bench@demo.test", name: "bench" } });
await updateConnectionScopes(database.db, tenant.id, { preset: "analyst", writeScopes: [] }, { id: admin.id, email: admin.email }, "bench");
const app = await startApp(database, { SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, SOCODE_SLACK_TOKEN_KEY: TOKEN_KEY });

let seq = 0;
async function mention(text: string, threadTs?: string): Promise<{ ackMs: number; answerMs: number; ts: string }> {
  const ts = `${1_790_000_000 + ++seq}.000100`;
  const body = JSON.stringify({
    type: "event_callback",
    team_id: TEAM.id,
    event_id: `Ev${crypto.randomBytes(6).toString("hex").toUpperCase()}`,
    event: { type: "app_mention", user: "U0BENCH", text: `<@U0BOT> ${text}`, channel: "C0BENCH", ts, ...(threadTs ? { thread_ts: threadTs } : {}) },
  });
  const from = slack.calls.length;
  const started = performance.now();
  const res = await fetch(`${app.baseUrl}/api/slack/events`, { method: "POST", headers: { "Content-Type": "application/json", ...slackSignedHeaders(SECRET, body) }, body });
  const ackMs = performance.now() - started;
  if (res.status !== 200) throw new Error(`event refused: ${res.status} ${await res.text()}`);
  await slack.waitFor((c) => c.method === "chat.postMessage" && c.args.thread_ts === (threadTs ?? ts), from, 60_000);
  return { ackMs, answerMs: performance.now() - started, ts };
}

const results: Record<string, { ack: number[]; answer: number[] }> = {};
const record = (label: string, r: { ackMs: number; answerMs: number }, measured: boolean) => {
  if (!measured) return;
  results[label] ??= { ack: [], answer: [] };
  results[label].ack.push(r.ackMs);
  results[label].answer.push(r.answerMs);
};

const loadBefore = loadAverage();
for (let i = 0; i < WARMUP + ITERATIONS; i++) {
  const measured = i >= WARMUP;
  let tierThread = "";
  for (const ask of ASKS) {
    const r = await mention(ask);
    record(ask, r, measured);
    if (ask.startsWith("active members")) tierThread = r.ts;
  }
  record(`${FOLLOW_UP} (thread follow-up)`, await mention(FOLLOW_UP, tierThread), measured);
}
const loadAfter = loadAverage();

await app.stop();
await slack.close();
await database.close();

const rows = Object.entries(results).map(([ask, r]) => {
  const ack = [...r.ack].sort((a, b) => a - b);
  const answer = [...r.answer].sort((a, b) => a - b);
  return { ask, n: answer.length, ackP50: percentile(ack, 50), ackP95: percentile(ack, 95), answerP50: percentile(answer, 50), answerP95: percentile(answer, 95) };
});
console.log(JSON.stringify({ machine: machineInfo(), loadBefore, loadAfter, iterations: ITERATIONS, rows }, null, 2));
console.log("\n| ask | n | ack p50 / p95 (ms) | event → posted answer p50 / p95 (ms) |\n|---|---|---|---|");
for (const r of rows) console.log(`| ${r.ask} | ${r.n} | ${r.ackP50.toFixed(1)} / ${r.ackP95.toFixed(1)} | ${r.answerP50.toFixed(1)} / ${r.answerP95.toFixed(1)} |`);
