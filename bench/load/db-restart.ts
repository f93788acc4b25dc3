// PostgreSQL restarted under load. Starts a throwaway PostgreSQL cluster of its own (never the
// shared server), the built app on it, and a closed-loop MCP load (metric queries, member reads,
// write requests) plus an approver executing pending requests in this process. Mid-run the server
// is stopped (pg_ctl -m fast or immediate), kept down for a few seconds, and started again.
//
// Invariants (exit 1 when one fails):
// - before the stop every request succeeds; while the database is down requests fail cleanly:
//   HTTP 503 with Retry-After and JSON-RPC code -32603 (a tool call already running when the
//   server went away: the generic JSON-RPC -32603 "not completed", or the guard's audited
//   internal_error), no 500, no internals in the message, none longer than the request timeout;
// - after the restart requests succeed again by themselves (same app process, no restart) within
//   --recovery seconds, and every request after that succeeds;
// - nothing half-written: every answered request is audited once (marked requests checked one by
//   one), every write request has its audit event, executed ones their approve/execute events and
//   exactly one effect, no effect without an executed request, and every audit chain verifies.
//
//   npm run build
//   npx tsx bench/load/db-restart.ts [--seconds 45] [--connections 16] [--down-at 12] [--down-for 6] [--mode fast|immediate] [--port 55432]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { issueApiKey } from "@/lib/auth/api-keys";
import { seedDemo } from "@/lib/demo/seed-demo";
import { approveWriteRequest } from "@/lib/operations/approve-write-request";
import type { TestDatabase } from "@/test/database";
import {
  effectsConsistency,
  effectsSnapshot,
  finish,
  freshDatabase,
  isExpected,
  loadAverage,
  machineInfo,
  mcpAuditCountByKey,
  runLoad,
  startApps,
  sleep,
  toolCall,
  transportStats,
  verifyAllChains,
  waitForAuditQuiet,
  writeRequestConsistency,
  type CallResult,
  type PlannedCall,
} from "./common";
import { createOwnPostgres } from "./own-postgres";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "45" },
    connections: { type: "string", default: "16" },
    "down-at": { type: "string", default: "12" },
    "down-for": { type: "string", default: "6" },
    mode: { type: "string", default: "fast" },
    port: { type: "string", default: "55432" },
    recovery: { type: "string", default: "10" },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const downAt = Number(values["down-at"]) * 1000;
const downFor = Number(values["down-for"]) * 1000;
const mode = values.mode === "immediate" ? "immediate" : "fast";
const recoveryMs = Number(values.recovery) * 1000;
const REQUEST_TIMEOUT_MS = 30_000;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

type Sample = { kind: string; marker: string | null; start: number; end: number; label: string; ok: boolean; status: number; code: number | string | null; message: string; retryAfter: string | null };

async function main() {
  const machine = machineInfo();
  const pg = await createOwnPostgres(Number(values.port));
  let database: TestDatabase | undefined;
  let stopApp = async () => {};
  try {
    database = await freshDatabase(pg.url("socode_restart"));
    const { db } = database;
    process.stderr.write(`own PostgreSQL on port ${pg.port} (${pg.dir}); seeding (small)…\n`);
    await seedDemo(db, { scale: "small" });
    const demo = await db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
    const writer = await issueApiKey(db, { tenantId: demo.id, name: "restart load", preset: "analyst", grantedScopes: ["points:write"] });
    const approver = await db.user.create({ data: { email: "approver@restart.test", name: "Approver" } });
    await db.membership.create({ data: { tenantId: demo.id, userId: approver.id, roles: ["approver"] } });
    const members = (await db.member.findMany({ where: { tenantId: demo.id, status: "active" }, select: { externalId: true }, take: 300 })).map((m) => m.externalId);
    const before = await effectsSnapshot(db, demo.id);

    const [app] = await startApps(database, { SOCODE_RATE_LIMIT_PER_MINUTE: "100000" });
    if (!app) throw new Error("no app");
    stopApp = app.stop;
    let marker = 0;
    const plan = (): PlannedCall => {
      const r = Math.random();
      const base = { mcpUrl: app.mcpUrl, secret: writer.secret };
      if (r < 0.3) return { ...base, kind: "query_metric", body: toolCall("query_metric", pick([{ metric: "gmv", window: "last_week", groupBy: "store" }, { metric: "redemption_rate", window: "last_14_days", groupBy: "coupon_pool" }])) };
      if (r < 0.5) return { ...base, kind: "search_members (marked)", body: toolCall("search_members", { query: `zq${(marker += 1)}x`, limit: 5 }) };
      if (r < 0.7) return { ...base, kind: "get_member", body: toolCall("get_member", { member: pick(members) }) };
      if (r < 0.9) return { ...base, kind: "award_points (marked)", body: toolCall("award_points", { member: pick(members), points: 1 + Math.floor(Math.random() * 50), reason: "restart test", reference: `ref${(marker += 1)}x` }) };
      return { ...base, kind: "list_metrics", body: toolCall("list_metrics", {}) };
    };

    // The approver: executes pending requests as they arrive, through the outage.
    let running = true;
    const approvals = { executed: 0, failed: 0, errors: 0, errorMessages: new Set<string>() };
    const approverLoop = (async () => {
      while (running) {
        try {
          const pending = await db.writeRequest.findMany({ where: { tenantId: demo.id, status: "pending" }, select: { id: true }, take: 10, orderBy: { createdAt: "asc" } });
          for (const p of pending) {
            const result = await approveWriteRequest(db, { tenantId: demo.id, requestId: p.id, decider: { userId: approver.id, surface: "cli" } });
            if (result.outcome === "executed") approvals.executed += 1;
            else approvals.failed += 1;
          }
          if (!pending.length) await sleep(100);
        } catch (err) {
          approvals.errors += 1;
          approvals.errorMessages.add(String((err as Error).message).split("\n").slice(-1)[0]?.slice(0, 160) ?? "");
          await sleep(250);
        }
      }
    })();

    const samples: Sample[] = [];
    const t0 = performance.now();
    const times = { stopIssued: 0, stopped: 0, startIssued: 0, started: 0 };
    const fault = (async () => {
      await sleep(downAt);
      times.stopIssued = performance.now() - t0;
      process.stderr.write(`stopping PostgreSQL (-m ${mode}) at ${(times.stopIssued / 1000).toFixed(1)} s…\n`);
      await pg.stop(mode);
      times.stopped = performance.now() - t0;
      await sleep(downFor);
      times.startIssued = performance.now() - t0;
      process.stderr.write(`starting PostgreSQL at ${(times.startIssued / 1000).toFixed(1)} s…\n`);
      await pg.start();
      times.started = performance.now() - t0;
    })();
    const loadStarted = loadAverage();
    const load = await runLoad({
      concurrency: connections,
      seconds,
      timeoutMs: REQUEST_TIMEOUT_MS + 5000,
      plan,
      onResult: (call: PlannedCall, r: CallResult) => {
        const args = (call.body as { params: { arguments: { query?: string; reference?: string } } }).params.arguments;
        const end = performance.now() - t0;
        samples.push({
          kind: call.kind,
          marker: args.query?.startsWith("zq") ? args.query : (args.reference ?? null),
          start: end - r.ms,
          end,
          label: isExpected(call, r) ? "ok" : r.kind === "http_error" ? `http_${r.status}` : r.kind === "tool_error" ? `tool_error:${r.code}` : r.kind,
          ok: isExpected(call, r),
          status: r.status,
          code: r.kind === "http_error" || r.kind === "rpc_error" || r.kind === "tool_error" ? r.code : null,
          message: "message" in r ? r.message.slice(0, 240) : "",
          retryAfter: r.kind === "http_error" ? r.retryAfter : null,
        });
      },
    });
    await fault;
    running = false;
    await approverLoop;
    const loadEnded = loadAverage();

    // Phases (ms since t0). "down" spans from the stop command to the end of the start command.
    const beforeStop = samples.filter((s) => s.end < times.stopIssued);
    const disturbed = samples.filter((s) => s.end >= times.stopIssued && s.start < times.started + recoveryMs);
    const afterRecovery = samples.filter((s) => s.start >= times.started + recoveryMs);
    const failures = samples.filter((s) => !s.ok);
    // Clean: 503 + Retry-After + -32603 with a generic message; for a tool call that was already
    // running when the server went away, the generic JSON-RPC internal error (-32603, nothing
    // leaked) or the guard's internal_error tool error (audited) — the request was not completed.
    const leaks = (m: string) => /prisma|ECONN|postgres|stack|\bat \S+ \(|terminat|invocation/i.test(m);
    const clean = (s: Sample) =>
      s.ok ||
      (!leaks(s.message) &&
        ((s.label === "http_503" && s.code === -32603 && s.retryAfter !== null) ||
          (s.label === "rpc_error" && s.code === -32603 && /^MCP error -32603: Internal error \(request [0-9a-f-]+\)\. The request was not completed\.$/.test(s.message)) ||
          s.label === "tool_error:internal_error"));
    const unclean = failures.filter((s) => !clean(s));
    const firstOkAfterRestart = samples.filter((s) => s.ok && s.start >= times.started).sort((a, b) => a.end - b.end)[0];
    const lastFailure = failures.sort((a, b) => b.end - a.end)[0];
    const labels = (list: Sample[]) => list.reduce<Record<string, number>>((acc, s) => ((acc[s.label] = (acc[s.label] ?? 0) + 1), acc), {});
    const messages = [...new Set(failures.map((s) => `${s.label} ${s.code}: ${s.message.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, "<id>")}`))].slice(0, 8);

    // Audit: every answered request audited; marked requests one by one.
    await waitForAuditQuiet(db);
    const audited = (await mcpAuditCountByKey(db, [writer.key.id]))[writer.key.id] ?? 0;
    const okCount = samples.filter((s) => s.ok).length;
    const markedEvents = await db.$queryRaw<{ marker: string; n: bigint }[]>`
      SELECT coalesce(arguments->>'query', arguments->>'reference') AS marker, count(*)::bigint AS n FROM audit_events
      WHERE actor_id = ${writer.key.id} AND action IN ('search_members', 'award_points') GROUP BY 1`;
    const eventsByMarker = new Map(markedEvents.map((e) => [e.marker, Number(e.n)]));
    const marked = samples.filter((s) => s.marker);
    const markedOkNotAuditedOnce = marked.filter((s) => s.ok && eventsByMarker.get(s.marker ?? "") !== 1).length;
    const markedAuditedTwice = marked.filter((s) => (eventsByMarker.get(s.marker ?? "") ?? 0) > 1).length;
    // Requests that failed but left an audit event (e.g. an error outcome recorded): allowed, counted.
    const failedButAudited = marked.filter((s) => !s.ok && (eventsByMarker.get(s.marker ?? "") ?? 0) === 1).length;

    // Finish the approvals so every write request is decided, then check effects and chains.
    for (const p of await db.writeRequest.findMany({ where: { tenantId: demo.id, status: "pending" }, select: { id: true } })) {
      const result = await approveWriteRequest(db, { tenantId: demo.id, requestId: p.id, decider: { userId: approver.id, surface: "cli" } });
      if (result.outcome === "executed") approvals.executed += 1;
      else approvals.failed += 1;
    }
    const writes = await writeRequestConsistency(db);
    const effects = await effectsConsistency(db, demo.id, before);
    const chains = await verifyAllChains(db);
    const appLogFile = path.join(os.tmpdir(), "socode-db-restart-app.log");
    fs.writeFileSync(appLogFile, app.logs());

    finish(
      {
        script: "bench/load/db-restart.ts",
        machine,
        loadAverage: { start: loadStarted, end: loadEnded },
        postgres: { port: pg.port, mode, downForSeconds: downFor / 1000 },
        timeline: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Number((v / 1000).toFixed(2))])),
        load: { seconds: load.seconds, connections, sent: load.sent, requestsPerSecond: load.requestsPerSecond, all: load.all, outcomes: labels(samples), keepAliveRetries: transportStats.keepAliveRetries },
        phases: {
          beforeStop: { count: beforeStop.length, outcomes: labels(beforeStop) },
          disturbed: { count: disturbed.length, outcomes: labels(disturbed), maxLatencyMs: Math.round(Math.max(0, ...disturbed.map((s) => s.end - s.start))) },
          afterRecovery: { count: afterRecovery.length, outcomes: labels(afterRecovery) },
        },
        recovery: {
          firstOkAfterStartSeconds: firstOkAfterRestart ? Number(((firstOkAfterRestart.end - times.started) / 1000).toFixed(2)) : null,
          lastFailureEndSeconds: lastFailure ? Number((lastFailure.end / 1000).toFixed(2)) : null,
          lastFailureAfterStartSeconds: lastFailure ? Number(((lastFailure.end - times.started) / 1000).toFixed(2)) : null,
        },
        failureMessages: messages,
        uncleanFailures: unclean.slice(0, 5),
        approvals: { ...approvals, errorMessages: [...approvals.errorMessages].slice(0, 6) },
        audit: { sent: load.sent, answeredOk: okCount, audited, markedRequests: marked.length, markedOkNotAuditedOnce, markedAuditedTwice, failedButAudited },
        writeConsistency: writes.problems,
        effects,
        chains: chains.chains.map((c) => ({ chain: c.chain, ok: c.ok, checked: c.checked })),
        appLogFile,
      },
      {
        allSucceedBeforeStop: beforeStop.every((s) => s.ok),
        failuresAreClean503s: unclean.length === 0,
        noRequestBeyondTimeout: samples.every((s) => s.end - s.start <= REQUEST_TIMEOUT_MS + 2000),
        recoversWithoutAppRestart: !!firstOkAfterRestart && firstOkAfterRestart.end - times.started <= recoveryMs,
        allSucceedAfterRecovery: afterRecovery.length > 0 && afterRecovery.every((s) => s.ok),
        answeredRequestsAudited: audited >= okCount && audited <= load.sent && markedOkNotAuditedOnce === 0 && markedAuditedTwice === 0,
        writeRequestsAudited: writes.ok,
        effectsMatchExecutedRequests: effects.ok,
        auditChainsVerify: chains.ok,
      },
    );
  } finally {
    await stopApp();
    await database?.db.$disconnect().catch(() => {});
    pg.destroy();
  }
}

await main();
