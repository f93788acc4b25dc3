// Audit group commit killed mid-batch. A child process (bench/load/audit-writer.ts) appends audit
// events from many concurrent writers through the group commit, printing an acknowledgement for
// each event once its batch committed; it is SIGKILLed at a random moment, over and over, while
// batches are in flight. After every kill: every acknowledged event is stored (exactly once), every
// chain verifies (no gap, no fork, every MAC valid), no (chain, seq) is duplicated, and no
// transaction of the killed process lingers. A final uninterrupted run shows appends carry on.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_load_audit_kill npx tsx bench/load/kill-during-audit-batch.ts [--rounds 20] [--writers 64] [--chains 2]
//
// The database named by DATABASE_URL is dropped and recreated. Exits 1 when an invariant fails.
import { spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Db } from "@/lib/db/client";
import { finish, freshDatabase, loadAverage, machineInfo, sleep, verifyAllChains } from "./common";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "20" },
    writers: { type: "string", default: "64" },
    chains: { type: "string", default: "2" },
  },
});
const url = process.env.DATABASE_URL ?? "";

type Child = { exit: Promise<NodeJS.Signals | number | null>; acks: string[]; ready: Promise<void>; kill: () => void; lastLine: () => string };

function writer(round: number, tenants: string[], seconds = 0): Child {
  const child = spawn(process.execPath, ["--import", "tsx", path.resolve("bench/load/audit-writer.ts"), String(round), values.writers, tenants.join(","), String(seconds)], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const acks: string[] = [];
  let last = "";
  let buffer = "";
  let markReady = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  child.stdout.on("data", (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? ""; // a line cut by the kill is not an acknowledgement
    for (const line of lines) {
      if (line === "ready") markReady();
      else if (line.startsWith("ack ")) acks.push(line.slice(4));
      else last = line;
    }
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on("exit", (code, signal) => {
      markReady();
      if (code) process.stderr.write(`writer exited ${code}: ${stderr.slice(-2000)}\n`);
      resolve(signal ?? code);
    }),
  );
  return { exit, acks, ready, kill: () => child.kill("SIGKILL"), lastLine: () => last };
}

async function openTransactions(db: Db, database: string): Promise<number> {
  const rows = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*)::bigint AS n FROM pg_stat_activity
    WHERE datname = ${database} AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND state <> 'idle'`;
  return Number(rows[0]?.n ?? 0n);
}

/** Acknowledged request ids missing from the log, and any stored more than once. */
async function missingAndDuplicated(db: Db, acks: string[]): Promise<{ missing: number; duplicated: number; stored: number }> {
  const rows = await db.$queryRaw<{ request_id: string; n: bigint }[]>`
    SELECT request_id, count(*)::bigint AS n FROM audit_events WHERE request_id = ANY(${acks}) GROUP BY request_id`;
  const found = new Map(rows.map((r) => [r.request_id, Number(r.n)]));
  return { missing: acks.filter((a) => !found.has(a)).length, duplicated: rows.filter((r) => r.n > 1n).length, stored: rows.length };
}

async function main() {
  const machine = machineInfo();
  const database = await freshDatabase(url);
  const dbName = new URL(url).pathname.slice(1);
  const { db } = database;
  try {
    const tenants: string[] = [];
    for (let i = 0; i < Number(values.chains); i++) tenants.push((await db.tenant.create({ data: { slug: `kill-audit-${i}`, name: `Kill ${i}` } })).id);
    const rounds: Record<string, unknown>[] = [];
    const failures: string[] = [];
    let killsInBatch = 0;
    let allAcks = 0;
    for (let round = 1; round <= Number(values.rounds); round++) {
      const child = writer(round, tenants);
      await child.ready;
      const delay = 300 + Math.random() * 1700;
      await sleep(delay);
      // A batch in flight is an open transaction of the writer's (BEGIN … INSERT … COMMIT).
      const open = await openTransactions(db, dbName);
      child.kill();
      const signal = await child.exit;
      if (open > 0) killsInBatch += 1;
      await sleep(150);
      const acks = [...child.acks];
      allAcks += acks.length;
      const { missing, duplicated, stored } = await missingAndDuplicated(db, acks);
      const chains = await verifyAllChains(db);
      const lingering = await openTransactions(db, dbName);
      const ok = missing === 0 && duplicated === 0 && chains.ok && lingering === 0;
      if (!ok) failures.push(`round ${round}: missing ${missing}, duplicated ${duplicated}, chains ${chains.ok}, dupSeq ${chains.duplicateSeqs}, lingering ${lingering}`);
      rounds.push({ round, killAfterMs: Math.round(delay), killed: signal === "SIGKILL", openTransactionsAtKill: open, acknowledged: acks.length, acknowledgedStored: stored, missing, duplicated, chainsVerify: chains.ok, lingering });
      process.stderr.write(`round ${round}: ${acks.length} acknowledged, ${missing} missing, chains ${chains.ok ? "ok" : "BROKEN"}, open at kill ${open}\n`);
    }

    // Carry on afterwards: an uninterrupted run of 5 s appends to the same chains.
    const final = writer(0, tenants, 5);
    const finalExit = await final.exit;
    const finalCheck = await missingAndDuplicated(db, final.acks);
    const finalChains = await verifyAllChains(db);
    const events = await db.auditEvent.count();
    finish(
      {
        script: "bench/load/kill-during-audit-batch.ts",
        machine,
        loadAverageEnd: loadAverage(),
        writers: Number(values.writers),
        chains: tenants.length,
        kills: rounds.length,
        killsWithABatchInFlight: killsInBatch,
        acknowledgedBeforeKills: allAcks,
        eventsStored: events,
        rounds,
        final: { exit: finalExit, acknowledged: final.acks.length, missing: finalCheck.missing, groupCommit: final.lastLine(), chains: finalChains.chains.map((c) => ({ chain: c.chain, ok: c.ok, checked: c.checked })) },
        failures,
      },
      {
        everyAcknowledgedEventStoredAfterEveryKill: failures.length === 0,
        killsHitBatchesInFlight: killsInBatch > 0,
        finalRunCompletes: finalExit === 0 && final.acks.length > 0 && finalCheck.missing === 0,
        chainsVerifyAtTheEnd: finalChains.ok,
      },
    );
  } finally {
    await database.close();
  }
}

await main();
