// Audit log benchmarks: sustained audited appends (zero loss), chain verification speed per
// million events, and the console audit page's server work at 10 M events with filters.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_bench_audit npx tsx bench/audit/run.ts \
//     [--seconds 20] [--writers 1,16,64,256] [--verify-events 1000000] [--page-events 10000000] [--runs 20]
//   npx tsx bench/audit/run.ts --embedded --only appends --writers 1,16,64,256   # PGlite in a fresh temp folder
//
// The database named by DATABASE_URL is dropped and recreated (it must not be one you care about),
// unless --reuse is given and it already holds the page events from an earlier run. --only appends
// runs the first part alone (the other two take minutes to fill).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { audit, auditContentDigest, auditGroupCommit, auditLinkHash, GENESIS_HASH, type ContentFields } from "@/lib/audit/record-audit-event";
import { auditEventMac, auditKeyring } from "@/lib/audit/audit-keys";
import { AUDIT_PAGE_SIZE, queryAuditEvents, recentAuditFacets, type AuditFilter } from "@/lib/audit/query-audit-events";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { connect, driverPool } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { freshDatabase } from "../load/common";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    writers: { type: "string", default: "1,16,64" },
    "verify-events": { type: "string", default: "1000000" },
    "page-events": { type: "string", default: "10000000" },
    runs: { type: "string", default: "20" },
    reuse: { type: "boolean", default: false },
    embedded: { type: "boolean", default: false },
    only: { type: "string" },
  },
});
const url = process.env.DATABASE_URL ?? "";
if (!values.embedded && !url.startsWith("postgres")) throw new Error("Set DATABASE_URL to a PostgreSQL database this benchmark may drop and recreate (or pass --embedded).");
const seconds = Number(values.seconds);
const runs = Number(values.runs);
const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
const round = (n: number) => Math.round(n * 10) / 10;

async function embeddedDatabase() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "socode-bench-audit-"));
  const opened = await connect({ kind: "embedded", dataDir });
  await applyMigrations(opened.connectionString);
  return { ...opened, close: async () => { await opened.close(); fs.rmSync(dataDir, { recursive: true, force: true }); } };
}

const handle = values.embedded
  ? await embeddedDatabase()
  : values.reuse
    ? await applyMigrations(url).then(() => connect({ kind: "server", url }))
    : await freshDatabase(url);
const db = handle.db;
const sql = driverPool(db);

async function tenant(slug: string): Promise<string> {
  const row = await db.tenant.upsert({ where: { slug }, create: { slug, name: slug, timeZone: "Europe/Paris", currency: "EUR" }, update: {} });
  return row.id;
}

// ───────────── 1. sustained appends ─────────────

async function sustainedAppends(writers: number): Promise<Record<string, unknown>> {
  const tenantId = await tenant(`appends-${writers}`);
  const statsBefore = { ...auditGroupCommit(db).stats };
  const deadline = Date.now() + seconds * 1000;
  let ok = 0;
  let failed = 0;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const started = performance.now();
        try {
          await audit(db, { tenantId, actorType: "key", actorId: `key-${w}`, surface: "mcp", action: "query_metric", arguments: { metric: "gmv", window: "last_week", i }, outcome: "ok" });
          ok++;
          latencies.push(performance.now() - started);
        } catch {
          failed++;
        }
      }
    }),
  );
  const statsAfter = auditGroupCommit(db).stats;
  const batches = statsAfter.batches - statsBefore.batches;
  const stored = await db.auditEvent.count({ where: { tenantId } });
  const verification = await verifyAuditChain(db, tenantId);
  latencies.sort((a, b) => a - b);
  return {
    writers,
    appendsPerSecond: Math.round(ok / seconds),
    p50ms: round(percentile(latencies, 50)),
    p99ms: round(percentile(latencies, 99)),
    acknowledged: ok,
    failed,
    stored,
    lost: ok - stored,
    chainVerifies: verification.ok,
    batches,
    meanBatch: batches ? round((statsAfter.events - statsBefore.events) / batches) : null,
  };
}

// ───────────── 2. verification speed ─────────────

/** Writes a valid version-3 chain of `count` events directly, in batches (hashes and MACs computed here as the app does). */
async function writeValidChain(tenantId: string, count: number): Promise<void> {
  const key = auditKeyring().signing;
  let prevHash = GENESIS_HASH;
  const start = Date.parse("2026-08-01T00:00:00.000Z");
  const BATCH = 20_000;
  for (let from = 1; from <= count; from += BATCH) {
    const cols: (string | number | null)[][] = Array.from({ length: 11 }, () => []);
    for (let seq = from; seq < Math.min(count + 1, from + BATCH); seq++) {
      const content: ContentFields = {
        chain: tenantId,
        tenantId,
        occurredAt: new Date(start + seq * 1000).toISOString(),
        actorType: "key",
        actorId: `key-${seq % 50}`,
        actorLabel: `Agent ${seq % 50}`,
        surface: "mcp",
        action: seq % 10 === 0 ? "explain_change" : "query_metric",
        target: null,
        arguments: { metric: "gmv", window: "last_week" },
        outcome: "ok",
        errorCode: null,
        latencyMs: 12,
        requestId: null,
        writeRequestId: null,
        clientName: "bench",
        clientVersion: null,
      };
      const hash = auditLinkHash(prevHash, String(seq), auditContentDigest(content));
      const row = [seq, content.occurredAt, content.actorId, content.actorLabel, content.action, JSON.stringify(content.arguments), content.latencyMs, content.clientName, prevHash, hash, auditEventMac(key.secret, hash)];
      row.forEach((v, i) => cols[i]?.push(v));
      prevHash = hash;
    }
    await sql.query(
      `INSERT INTO audit_events (chain, tenant_id, actor_type, surface, outcome, seq, occurred_at, actor_id, actor_label, action, arguments, latency_ms, client_name, prev_hash, hash, mac, hash_version, mac_key_id)
       SELECT $1::text, $1::text::uuid, 'key', 'mcp', 'ok', u.*, 3, $13 FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::int[], $9::text[], $10::text[], $11::text[], $12::text[]) AS u`,
      [tenantId, ...cols, key.id],
    );
  }
}

async function verificationSpeed(count: number): Promise<Record<string, unknown>> {
  const tenantId = await tenant("verify");
  const existing = await db.auditEvent.count({ where: { tenantId } });
  if (existing > 0 && existing !== count) throw new Error(`The verify chain holds ${existing} events, not ${count}: run without --reuse.`);
  if (existing === 0) {
    log(`writing a valid chain of ${count.toLocaleString("en-US")} events…`);
    await writeValidChain(tenantId, count);
  }
  const started = performance.now();
  const result = await verifyAuditChain(db, tenantId);
  const ms = performance.now() - started;
  return { events: count, ok: result.ok, seconds: round(ms / 1000), secondsPerMillion: round(ms / 1000 / (count / 1e6)), eventsPerSecond: Math.round(count / (ms / 1000)) };
}

// ───────────── 3. the audit page at 10 M events ─────────────

/**
 * Fills the page tenant's log with `count` events over the 90 days before 2026-11-24 in SQL (a
 * mix of tools, console actions, outcomes and 200 keys). These rows are not a valid chain: the
 * page does not verify, and writing 10 M valid links takes far longer than the page benchmark.
 */
async function fillPageEvents(tenantId: string, count: number): Promise<void> {
  const existing = await db.auditEvent.count({ where: { tenantId } });
  const CHUNK = 1_000_000;
  for (let from = existing + 1; from <= count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK - 1);
    log(`page events ${from.toLocaleString("en-US")}–${to.toLocaleString("en-US")}…`);
    await sql.query(
      `INSERT INTO audit_events (chain, seq, tenant_id, occurred_at, actor_type, actor_id, actor_label, surface, action, target, arguments, outcome, error_code, latency_ms, prev_hash, hash, hash_version)
       SELECT $1::text, g, $1::text::uuid,
              timestamptz '2026-11-24T00:00:00Z' - interval '90 days' + (g::float8 / $4) * interval '90 days',
              CASE WHEN h % 100 < 97 THEN 'key' ELSE 'user' END,
              CASE WHEN h % 100 < 97 THEN 'key-' || (h % 200) ELSE 'user-' || (h % 7) END,
              CASE WHEN h % 100 < 97 THEN 'Agent ' || (h % 200) || ' (sc_live_ab…)' ELSE 'person' || (h % 7) || '@example.com' END,
              CASE WHEN h % 100 < 97 THEN 'mcp' ELSE 'console' END,
              CASE WHEN h % 100 >= 97 THEN (ARRAY['audit.read','key.create','write.approve','metric.read'])[1 + (h / 100) % 4]
                   WHEN h % 1000 < 700 THEN 'query_metric' WHEN h % 1000 < 850 THEN 'explain_change'
                   WHEN h % 1000 < 950 THEN 'list_metrics' WHEN h % 1000 < 990 THEN 'get_member' ELSE 'top_up_coupon_pool' END,
              CASE WHEN h % 1000 >= 990 THEN 'coupon_pool:Summer ' || (h % 97) ELSE 'metric:gmv' END,
              jsonb_build_object('metric', 'gmv', 'window', 'last_week'),
              (CASE WHEN h % 100 < 95 THEN 'ok' WHEN h % 100 < 99 THEN 'denied' ELSE 'error' END)::"AuditOutcome",
              CASE WHEN h % 100 BETWEEN 95 AND 98 THEN 'missing_scope' END,
              (h % 50)::int,
              repeat('0', 64), md5(g::text) || md5(h::text), 2
         FROM (SELECT g, ((g * 2654435761) % 4294967296)::bigint AS h FROM generate_series($2::bigint, $3::bigint) AS g) s`,
      [tenantId, from, to, count],
    );
  }
  await sql.query("ANALYZE audit_events");
}

async function pageLoad(count: number): Promise<Record<string, unknown>[]> {
  const tenantId = await tenant("page");
  await fillPageEvents(tenantId, count);
  const deep = await queryAuditEvents(db, tenantId, { to: new Date("2026-10-10T00:00:00Z") }, { limit: 1 });
  const cases: { label: string; filter: AuditFilter; before?: boolean }[] = [
    { label: "no filter (first page)", filter: {} },
    { label: "action = key.create (rare)", filter: { action: "key.create" } },
    { label: "outcome = denied", filter: { outcome: "denied" } },
    { label: "actor = one key of 200", filter: { actor: "key-17" } },
    { label: "one day (from/to)", filter: { from: new Date("2026-10-20T00:00:00Z"), to: new Date("2026-10-21T00:00:00Z") } },
    { label: "surface = console + outcome = error", filter: { surface: "console", outcome: "error" } },
    { label: "text in target (q = \"summer 42\")", filter: { q: "summer 42" } },
    { label: "text in target, one week", filter: { q: "summer 42", from: new Date("2026-11-10T00:00:00Z"), to: new Date("2026-11-17T00:00:00Z") } },
    { label: "older page, 45 days back (cursor)", filter: {}, before: true },
  ];
  const results: Record<string, unknown>[] = [];
  for (const c of cases) {
    const before = c.before && deep.nextCursor ? { occurredAt: new Date(deep.events[0]?.occurredAt ?? 0), id: BigInt(deep.events[0]?.id ?? "0") } : null;
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs + 2; i++) {
      const started = performance.now();
      // What the audit page's server component does: the page, the filter suggestions and the read's own audit event.
      const [page] = await Promise.all([
        queryAuditEvents(db, tenantId, c.filter, { before }),
        recentAuditFacets(db, tenantId),
        audit(db, { tenantId: null, actorType: "user", actorId: "bench", surface: "console", action: "audit.read", outcome: "ok" }),
      ]);
      const ms = performance.now() - started;
      rows = page.events.length;
      if (i >= 2) times.push(ms);
    }
    times.sort((a, b) => a - b);
    results.push({ filter: c.label, rows, p50ms: round(percentile(times, 50)), p95ms: round(percentile(times, 95)) });
    log(`${c.label}: p50 ${round(percentile(times, 50))} ms, p95 ${round(percentile(times, 95))} ms (${rows} rows)`);
  }
  return results;
}

const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  loadAverageAtStart: os.loadavg().map(round),
  database: values.embedded ? "PGlite (embedded, served on its local socket)" : "PostgreSQL",
  pageSize: AUDIT_PAGE_SIZE,
};
try {
  const appends: Record<string, unknown>[] = [];
  for (const writers of values.writers.split(",").map(Number)) {
    log(`sustained appends with ${writers} writer(s) for ${seconds} s…`);
    appends.push(await sustainedAppends(writers));
  }
  report.sustainedAppends = appends;
  if (values.only !== "appends") {
  report.verification = await verificationSpeed(Number(values["verify-events"]));
  report.pageLoad = await pageLoad(Number(values["page-events"]));
  }
  report.loadAverageAtEnd = os.loadavg().map(round);
  console.log(JSON.stringify(report, null, 2));
} finally {
  await handle.close();
}
