// Approvals killed mid-flight. Creates many pending write requests (points awards and redemptions,
// large coupon-pool top-ups whose execution takes a while), then approves them in a child process
// that is SIGKILLed at a random moment, over and over: first the real CLI (`socode writes:approve`),
// then a worker running several approvals at once (bench/load/approve-worker.ts, the same
// approveWriteRequest). After every kill, and after a final uninterrupted run, checks that each
// request is either executed exactly once (status executed, one ledger entry / its codes, its
// approve + execute audit events) or still pending with no effect and no decision events — never
// both, never half — that balances and pool sizes moved by exactly the executed requests, and that
// every audit chain verifies.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_load_kill npx tsx bench/load/kill-during-approval.ts [--requests 400] [--rounds 25] [--cli-rounds 4] [--concurrency 4]
//
// The database named by DATABASE_URL is dropped and recreated. Exits 1 when an invariant fails.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import path from "node:path";
import { parseArgs } from "node:util";
import { issueApiKey } from "@/lib/auth/api-keys";
import type { Db } from "@/lib/db/client";
import { seedDemo } from "@/lib/demo/seed-demo";
import { invokeOperation } from "@/lib/operations/invoke";
import {
  effectsConsistency,
  effectsSnapshot,
  finish,
  freshDatabase,
  loadAverage,
  machineInfo,
  sleep,
  verifyAllChains,
  writeRequestConsistency,
  type EffectsSnapshot,
} from "./common";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "400" },
    rounds: { type: "string", default: "25" },
    "cli-rounds": { type: "string", default: "4" },
    concurrency: { type: "string", default: "4" },
  },
});
const requestCount = Number(values.requests);
const maxRounds = Number(values.rounds);
const cliRounds = Number(values["cli-rounds"]);
const concurrency = Number(values.concurrency);
const url = process.env.DATABASE_URL ?? "";
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

type Child = { exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; lines: string[]; ready: Promise<void>; kill: () => void; startedAt: number };

function run(command: string, args: string[], readyLine?: string): Child {
  const child = spawn(command, args, { env: { ...process.env, DATABASE_URL: url }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  let markReady = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  if (!readyLine) markReady();
  let buffer = "";
  child.stdout.on("data", (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      if (line === readyLine) markReady();
    }
  });
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      markReady();
      if (code && code !== 0 && !signal) process.stderr.write(`child exited ${code}: ${stderr.slice(-2000)}\n`);
      resolve({ code, signal });
    }),
  );
  return { exit, lines, ready, kill: () => child.kill("SIGKILL"), startedAt: performance.now() };
}

async function openTransactions(db: Db, database: string): Promise<number> {
  const rows = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*)::bigint AS n FROM pg_stat_activity
    WHERE datname = ${database} AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND state <> 'idle'`;
  return Number(rows[0]?.n ?? 0n);
}

async function check(db: Db, tenantId: string, before: EffectsSnapshot) {
  const [writes, effects, chains] = [await writeRequestConsistency(db), await effectsConsistency(db, tenantId, before), await verifyAllChains(db)];
  return { ok: writes.ok && effects.ok && chains.ok, writes, effects, chainsOk: chains.ok, duplicateSeqs: chains.duplicateSeqs };
}

async function main() {
  const machine = machineInfo();
  const database = await freshDatabase(url);
  const dbName = new URL(url).pathname.slice(1);
  const { db } = database;
  try {
    process.stderr.write("seeding demo tenants (small)…\n");
    await seedDemo(db, { scale: "small" });
    const tenant = await db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
    const { key } = await issueApiKey(db, { tenantId: tenant.id, name: "kill test", preset: "analyst", grantedScopes: ["points:write", "coupons:write"] });
    const approver = await db.user.create({ data: { email: "approver@kill.test", name: "Approver" } });
    await db.membership.create({ data: { tenantId: tenant.id, userId: approver.id, roles: ["approver"] } });
    const members = (await db.member.findMany({ where: { tenantId: tenant.id, status: "active" }, select: { externalId: true }, take: 200 })).map((m) => m.externalId);
    const pools = (await db.couponPool.findMany({ where: { tenantId: tenant.id }, select: { name: true } })).map((p) => p.name);
    const before = await effectsSnapshot(db, tenant.id);

    // The pending requests, asked for through the guard exactly as an MCP tool call would.
    const ctx = {
      db,
      tenant,
      credential: { type: "key" as const, id: key.id, tenantId: tenant.id, scopes: key.scopes, issuerId: null, label: "kill test" },
      surface: "mcp" as const,
    };
    const created: Record<string, number> = {};
    for (let i = 0; i < requestCount; i++) {
      const r = Math.random();
      const [name, args] =
        r < 0.6
          ? ["award_points", { member: pick(members), points: 1 + Math.floor(Math.random() * 1000), reason: "kill test award" }]
          : r < 0.75
            ? ["redeem_points", { member: pick(members), points: 1 + Math.floor(Math.random() * 100), reason: "kill test redeem" }]
            : ["top_up_coupon_pool", { pool: pick(pools), codes: 500 + Math.floor(Math.random() * 4500) }];
      const result = await invokeOperation({ ...ctx, requestId: crypto.randomUUID(), now: new Date() }, name, args);
      if (result.ok) created[name] = (created[name] ?? 0) + 1;
    }
    const pendingCount = () => db.writeRequest.count({ where: { tenantId: tenant.id, status: "pending" } });
    process.stderr.write(`${await pendingCount()} pending write requests created\n`);

    const rounds: Record<string, unknown>[] = [];
    const failures: string[] = [];
    const statusCounts = async () => Object.fromEntries((await db.writeRequest.groupBy({ by: ["status"], where: { tenantId: tenant.id }, _count: { _all: true } })).map((g) => [g.status, g._count._all]));

    // 1. The real CLI, SIGKILLed at a random point of its run (calibrated by one uninterrupted run).
    const cli = (id: string) => run(process.execPath, [path.resolve("bin/socode.mjs"), "writes:approve", "--id", id, "--as", approver.email, "--json"]);
    const firstId = (await db.writeRequest.findFirstOrThrow({ where: { tenantId: tenant.id, status: "pending" }, select: { id: true } })).id;
    const calibration = cli(firstId);
    const calibrationExit = await calibration.exit;
    const cliMs = performance.now() - calibration.startedAt;
    rounds.push({ round: "cli-calibration", ms: Math.round(cliMs), exit: calibrationExit.code, status: (await db.writeRequest.findUniqueOrThrow({ where: { id: firstId } })).status });
    for (let i = 0; i < cliRounds; i++) {
      const id = (await db.writeRequest.findFirst({ where: { tenantId: tenant.id, status: "pending", operation: "top_up_coupon_pool" }, select: { id: true } }))?.id;
      if (!id) break;
      const child = cli(id);
      const delay = cliMs * (0.55 + Math.random() * 0.45);
      await sleep(delay);
      const open = await openTransactions(db, dbName);
      child.kill();
      const exit = await child.exit;
      await sleep(200);
      const status = (await db.writeRequest.findUniqueOrThrow({ where: { id } })).status;
      const result = await check(db, tenant.id, before);
      if (!result.ok) failures.push(`cli round ${i}: ${JSON.stringify({ writes: result.writes.problems, effects: result.effects.problems })}`);
      rounds.push({ round: `cli-${i + 1}`, killAfterMs: Math.round(delay), killed: exit.signal === "SIGKILL", openTransactionsAtKill: open, requestStatusAfter: status, consistent: result.ok });
    }

    // 2. The worker with several approvals in flight, killed again and again.
    const worker = () => run(process.execPath, ["--import", "tsx", path.resolve("bench/load/approve-worker.ts"), tenant.id, approver.id, String(concurrency)], "ready");
    let killsWithOpenTransactions = 0;
    for (let i = 0; i < maxRounds && (await pendingCount()) > 0; i++) {
      const statusBefore = await statusCounts();
      const child = worker();
      await child.ready;
      const delay = 150 + Math.random() * 1850;
      await sleep(delay);
      const open = await openTransactions(db, dbName);
      if (open > 0) killsWithOpenTransactions += 1;
      child.kill();
      const exit = await child.exit;
      await sleep(200);
      const statusAfter = await statusCounts();
      const reported = child.lines.filter((l) => /^(executed|failed) /.test(l)).length;
      const decided = (statusAfter.executed ?? 0) + (statusAfter.failed ?? 0) - (statusBefore.executed ?? 0) - (statusBefore.failed ?? 0);
      const result = await check(db, tenant.id, before);
      if (!result.ok) failures.push(`worker round ${i}: ${JSON.stringify({ writes: result.writes.problems, effects: result.effects.problems, chains: result.chainsOk })}`);
      rounds.push({
        round: `worker-${i + 1}`,
        killAfterMs: Math.round(delay),
        killed: exit.signal === "SIGKILL",
        openTransactionsAtKill: open,
        decidedInDb: decided,
        reportedByWorker: reported,
        pendingAfter: statusAfter.pending ?? 0,
        consistent: result.ok,
      });
    }
    const lingering = await openTransactions(db, dbName);

    // 3. Approve whatever is left without interruption, then check everything once more.
    const final = worker();
    const finalExit = await final.exit;
    const finalCheck = await check(db, tenant.id, before);
    const pendingLeft = await pendingCount();
    if (!finalCheck.ok) failures.push(`final: ${JSON.stringify({ writes: finalCheck.writes.problems, effects: finalCheck.effects.problems })}`);

    const killed = rounds.filter((r) => r.killed === true).length;
    finish(
      {
        script: "bench/load/kill-during-approval.ts",
        machine,
        loadAverageEnd: loadAverage(),
        created,
        cliRunMs: Math.round(cliMs),
        kills: killed,
        killsWithOpenTransactions: killsWithOpenTransactions + rounds.filter((r) => String(r.round).startsWith("cli-") && Number(r.openTransactionsAtKill) > 0).length,
        rounds,
        lingeringOpenTransactionsAfterKills: lingering,
        final: { exit: finalExit.code, pendingLeft, statuses: await statusCounts(), effects: finalCheck.effects, writeConsistency: finalCheck.writes.problems, chainsOk: finalCheck.chainsOk },
        failures,
      },
      {
        consistentAfterEveryKill: failures.length === 0,
        killsHappened: killed > 0,
        noLingeringTransactions: lingering === 0,
        finalRunApprovesTheRest: finalExit.code === 0 && pendingLeft === 0,
        finalConsistent: finalCheck.ok,
      },
    );
  } finally {
    await database.close();
  }
}

await main();
