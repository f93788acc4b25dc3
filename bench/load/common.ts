// Shared pieces of the load and fault scripts in bench/load: a fresh PostgreSQL database, machine
// facts, a closed-loop HTTP load driver for /api/mcp (N workers, each sends its next request when
// the previous one answered, so at the end every request sent has been answered: audit counts can
// be compared exactly), per-kind latency statistics, memory sampling of the app's process tree, and
// the audit invariants. Loopback only.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import pg from "pg";
import { verifyAuditChain, type ChainVerification } from "@/lib/audit/verify-audit-chain";
import { connect, type Db } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { startApp, type RunningApp } from "@/test/app-server";
import type { TestDatabase } from "@/test/database";

// ---------------------------------------------------------------------------------------------
// Machine and database

export function machineInfo() {
  const [one, five, fifteen] = os.loadavg();
  return {
    date: new Date().toISOString(),
    nproc: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "cpu",
    // Virtual machines of one kind name the same model ("AMD EPYC") on different generations.
    cpuGeneration: cpuGeneration(),
    memTotalGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    memFreeGiB: Number((os.freemem() / 2 ** 30).toFixed(1)),
    node: process.version,
    loadAverage: [one ?? 0, five ?? 0, fifteen ?? 0].map((l) => Number(l.toFixed(2))),
  };
}

/** "family 26, model 2" from /proc/cpuinfo (Linux), null elsewhere. */
function cpuGeneration(): string | null {
  try {
    const info = fs.readFileSync("/proc/cpuinfo", "utf8");
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, "m").exec(info)?.[1]?.trim();
    const family = field("cpu family");
    return family ? `family ${family}, model ${field("model") ?? "?"}` : null;
  } catch {
    return null;
  }
}

export function loadAverage(): number[] {
  return os.loadavg().map((l) => Number(l.toFixed(2)));
}

/**
 * Drops and recreates the database named by `url` (on its server), applies the migrations and opens
 * it. `schemaVariant`: an SQL file run after the migrations (several statements, function bodies
 * too), to measure a schema change without migrating it (bench/ingest/variants/).
 */
export async function freshDatabase(url: string, options: { schemaVariant?: string } = {}): Promise<TestDatabase> {
  if (!url.startsWith("postgres")) throw new Error("Set DATABASE_URL to a PostgreSQL database this script may drop and recreate.");
  const name = new URL(url).pathname.slice(1);
  if (!/^[a-z0-9_]+$/i.test(name)) throw new Error(`Refusing odd database name ${name}`);
  const adminUrl = new URL(url);
  adminUrl.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  await applyMigrations(url);
  if (options.schemaVariant) {
    // One simple-protocol query: it may hold several statements.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(fs.readFileSync(options.schemaVariant, "utf8"));
    } finally {
      await client.end();
    }
  }
  const handle = await connect({ kind: "server", url });
  return { ...handle, runtime: "postgres" };
}

/**
 * A database on embedded PGlite in `dataDir`: migrated when this process opens the folder first (it
 * then serves it on its local socket), a client of the owner's socket when another process (the app)
 * already serves it.
 */
export async function embeddedDatabase(dataDir: string): Promise<TestDatabase> {
  const handle = await connect({ kind: "embedded", dataDir });
  if (handle.embeddedOwner) await applyMigrations(handle.connectionString);
  return { ...handle, runtime: "pglite" };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Memory of a process tree

function children(pid: number): number[] {
  try {
    const out: number[] = [];
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
      const list = fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (list) out.push(...list.split(/\s+/).map(Number));
    }
    return out;
  } catch {
    return [];
  }
}

export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i] ?? 0));
  return all;
}

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// CPU time by process group

/** utime + stime of one process in clock ticks (/proc/PID/stat fields 14 and 15), 0 once it is gone. */
function cpuTicks(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function pidsNamed(comm: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, "utf8").trim() === comm) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * CPU seconds spent during a phase by the app's process tree, by every PostgreSQL process (the
 * server and its backends, whoever they serve) and by this process (the load generator).
 * Backends that exit during the phase are missed; the pools keep theirs open.
 */
export function cpuSplit(appPids: () => number[]) {
  const ticksPerSecond = 100; // USER_HZ on Linux
  const take = () => {
    const pg = new Map(pidsNamed("postgres").map((pid) => [pid, cpuTicks(pid)]));
    const app = appPids().flatMap((root) => processTree(root)).reduce((sum, pid) => sum + cpuTicks(pid), 0);
    return { pg, app, self: process.cpuUsage() };
  };
  const start = take();
  return () => {
    const end = take();
    let pgTicks = 0;
    for (const [pid, ticks] of end.pg) pgTicks += ticks - (start.pg.get(pid) ?? 0);
    const self = process.cpuUsage(start.self);
    return {
      appCpuSeconds: Number(((end.app - start.app) / ticksPerSecond).toFixed(2)),
      postgresCpuSeconds: Number((pgTicks / ticksPerSecond).toFixed(2)),
      loadGeneratorCpuSeconds: Number(((self.user + self.system) / 1e6).toFixed(2)),
    };
  };
}

/** Samples VmRSS (summed over the tree) and VmHWM (per process) of a process and its descendants. */
export class MemorySampler {
  private timer?: NodeJS.Timeout;
  private peakTreeRssKb = 0;
  private readonly hwmKb = new Map<number, number>();
  private samples = 0;
  constructor(private readonly rootPids: () => number[]) {}

  sample() {
    let tree = 0;
    for (const root of this.rootPids()) {
      for (const pid of processTree(root)) {
        tree += statusKb(pid, "VmRSS");
        const hwm = statusKb(pid, "VmHWM");
        if (hwm > (this.hwmKb.get(pid) ?? 0)) this.hwmKb.set(pid, hwm);
      }
    }
    this.peakTreeRssKb = Math.max(this.peakTreeRssKb, tree);
    this.samples += 1;
  }

  start(intervalMs = 250) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    return this;
  }

  stop() {
    clearInterval(this.timer);
    this.sample();
    const hwm = [...this.hwmKb.values()];
    return {
      processes: this.hwmKb.size,
      samples: this.samples,
      /** Largest sum of VmRSS over the tree seen at one sample. */
      peakTreeRssMB: Math.round(this.peakTreeRssKb / 1024),
      /** The largest VmHWM (kernel-tracked peak RSS) of any process in the tree. */
      maxProcessHwmMB: Math.round(Math.max(0, ...hwm) / 1024),
      /** Sum of every process's own peak: an upper bound on the tree's peak. */
      sumProcessHwmMB: Math.round(hwm.reduce((a, b) => a + b, 0) / 1024),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// MCP calls over plain HTTP

export type CallOutcome =
  | { kind: "ok"; status: number; body: JsonRpcResponse }
  /** HTTP 200 with a tool result that has isError: the guard's error code is parsed from the text. */
  | { kind: "tool_error"; status: number; code: string; message: string; body: JsonRpcResponse }
  /** HTTP 200 (or other) with a JSON-RPC error object. */
  | { kind: "rpc_error"; status: number; code: number | null; message: string }
  | { kind: "http_error"; status: number; code: number | null; message: string; retryAfter: string | null }
  | { kind: "transport_error"; status: 0; message: string };

export type JsonRpcResponse = {
  result?: { isError?: boolean; structuredContent?: Record<string, unknown>; content?: { type: string; text?: string }[]; tools?: unknown[] };
  error?: { code?: number; message?: string };
};

export type CallResult = CallOutcome & { ms: number };

const agents = new Map<number, http.Agent>();
function agentFor(concurrency: number): http.Agent {
  let agent = agents.get(concurrency);
  if (!agent) {
    agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    agents.set(concurrency, agent);
  }
  return agent;
}

export function toolCall(name: string, args: Record<string, unknown> = {}) {
  return { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } };
}

export function rpc(method: string, params: Record<string, unknown> = {}) {
  return { jsonrpc: "2.0", id: 1, method, params };
}

/**
 * Requests resent because a kept-alive socket was closed by the server's idle timeout just as the
 * request was written to it (Node's documented keep-alive race: `reusedSocket` + ECONNRESET). The
 * server never read such a request, so it is not counted twice and left no audit event.
 */
export const transportStats = { keepAliveRetries: 0 };

export type HttpReply = { status: number; retryAfter: string | null; text: string };

/** The request never got an answer (refused, reset, timed out); `staleSocket`: the keep-alive race above. */
class TransportError extends Error {
  constructor(
    message: string,
    readonly staleSocket: boolean,
  ) {
    super(message);
  }
}

/**
 * One POST of `payload` on a kept-alive connection (shared per concurrency), resent once on a new
 * connection when the kept-alive one turned out closed. Rejects when no answer came.
 */
export async function httpPost(url: string, headers: Record<string, string>, payload: Buffer, options: { timeoutMs?: number; concurrency?: number } = {}): Promise<HttpReply> {
  try {
    return await postOnce(url, headers, payload, options);
  } catch (err) {
    if (!(err instanceof TransportError && err.staleSocket)) throw err;
    transportStats.keepAliveRetries += 1;
    // On a new connection, so it cannot meet another stale socket.
    return postOnce(url, headers, payload, { ...options, fresh: true });
  }
}

function postOnce(target: string, headers: Record<string, string>, payload: Buffer, options: { timeoutMs?: number; concurrency?: number; fresh?: boolean }): Promise<HttpReply> {
  const url = new URL(target);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: "POST",
        agent: options.fresh ? false : agentFor(options.concurrency ?? 64),
        headers: { ...headers, "content-length": payload.length },
        timeout: options.timeoutMs ?? 35_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => reject(new TransportError(err.message, false)));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers["retry-after"] as string | undefined) ?? null, text: Buffer.concat(chunks).toString("utf8") }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error("client timeout")));
    req.on("error", (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (err.code === "ECONNRESET" || err.message === "socket hang up");
      reject(new TransportError(`${err.code ?? ""} ${err.message}`.trim(), stale));
    });
    req.end(payload);
  });
}

/** One POST to /api/mcp. Never throws: every failure is an outcome. */
export async function mcpPost(mcpUrl: string, secret: string, body: unknown, options: { timeoutMs?: number; concurrency?: number } = {}): Promise<CallResult> {
  const started = performance.now();
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${secret}` };
  const outcome = await httpPost(mcpUrl, headers, Buffer.from(JSON.stringify(body)), options).then(
    callOutcome,
    (err: Error): CallOutcome => ({ kind: "transport_error", status: 0, message: err.message }),
  );
  return { ...outcome, ms: performance.now() - started };
}

function callOutcome({ status, retryAfter, text }: HttpReply): CallOutcome {
  let json: JsonRpcResponse | null = null;
  try {
    json = JSON.parse(text) as JsonRpcResponse;
  } catch {
    json = null;
  }
  if (status < 200 || status >= 300) return { kind: "http_error", status, code: json?.error?.code ?? null, message: json?.error?.message ?? text.slice(0, 300), retryAfter };
  if (!json) return { kind: "rpc_error", status, code: null, message: `not JSON: ${text.slice(0, 200)}` };
  if (json.error) return { kind: "rpc_error", status, code: json.error.code ?? null, message: json.error.message ?? "" };
  if (json.result?.isError) {
    const errText = json.result.content?.[0]?.text ?? "";
    const m = /"code":"([a-z_]+)"/.exec(errText);
    return { kind: "tool_error", status, code: m?.[1] ?? "unknown", message: errText, body: json };
  }
  return { kind: "ok", status, body: json };
}

// ---------------------------------------------------------------------------------------------
// Closed-loop load

export type PlannedCall = {
  /** Label the statistics are grouped by. */
  kind: string;
  mcpUrl: string;
  secret: string;
  body: unknown;
  /** A deliberate tool error with this code is expected (counted separately, not as an error). */
  expectToolError?: string;
};

export type LoadOptions = {
  concurrency: number;
  seconds: number;
  plan: (worker: number, i: number) => PlannedCall;
  onResult?: (call: PlannedCall, result: CallResult, at: number) => void;
  timeoutMs?: number;
};

export class Latencies {
  private readonly values: number[] = [];
  add(ms: number) {
    this.values.push(ms);
  }
  get count() {
    return this.values.length;
  }
  summary() {
    const sorted = [...this.values].sort((a, b) => a - b);
    const at = (p: number) => (sorted.length ? Number((sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0).toFixed(1)) : null);
    return { count: sorted.length, p50: at(50), p90: at(90), p99: at(99), max: at(100) };
  }
}

export type LoadReport = {
  seconds: number;
  concurrency: number;
  sent: number;
  requestsPerSecond: number;
  outcomes: Record<string, number>;
  perKind: Record<string, { count: number; p50: number | null; p90: number | null; p99: number | null; max: number | null; outcomes: Record<string, number> }>;
  all: { count: number; p50: number | null; p90: number | null; p99: number | null; max: number | null };
  unexpected: { kind: string; outcome: string; status: number; detail: string }[];
  sentBySecret: Record<string, number>;
};

function outcomeLabel(call: PlannedCall, r: CallResult): string {
  if (r.kind === "tool_error") return call.expectToolError === r.code ? `expected_tool_error:${r.code}` : `tool_error:${r.code}`;
  if (r.kind === "http_error") return `http_${r.status}`;
  if (r.kind === "rpc_error") return `rpc_error:${r.code}`;
  if (r.kind === "transport_error") return "transport_error";
  return call.expectToolError ? "unexpected_ok" : "ok";
}

export function isExpected(call: PlannedCall, r: CallResult): boolean {
  const label = outcomeLabel(call, r);
  return label === "ok" || label.startsWith("expected_tool_error:");
}

/** Runs `concurrency` workers for `seconds`; each worker finishes its in-flight request before stopping. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const all = new Latencies();
  const perKind = new Map<string, { lat: Latencies; outcomes: Record<string, number> }>();
  const outcomes: Record<string, number> = {};
  const unexpected: LoadReport["unexpected"] = [];
  const sentBySecret: Record<string, number> = {};
  let sent = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const worker = async (w: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const call = options.plan(w, i);
      sent += 1;
      sentBySecret[call.secret] = (sentBySecret[call.secret] ?? 0) + 1;
      const result = await mcpPost(call.mcpUrl, call.secret, call.body, { timeoutMs: options.timeoutMs, concurrency: options.concurrency });
      const label = outcomeLabel(call, result);
      outcomes[label] = (outcomes[label] ?? 0) + 1;
      const k = perKind.get(call.kind) ?? { lat: new Latencies(), outcomes: {} };
      perKind.set(call.kind, k);
      k.lat.add(result.ms);
      k.outcomes[label] = (k.outcomes[label] ?? 0) + 1;
      all.add(result.ms);
      if (!isExpected(call, result) && unexpected.length < 50) {
        unexpected.push({ kind: call.kind, outcome: label, status: result.status, detail: "message" in result ? result.message.slice(0, 300) : "" });
      }
      options.onResult?.(call, result, performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1000;
  return {
    seconds: Number(elapsed.toFixed(1)),
    concurrency: options.concurrency,
    sent,
    requestsPerSecond: Number((sent / elapsed).toFixed(1)),
    outcomes,
    perKind: Object.fromEntries([...perKind].sort().map(([kind, v]) => [kind, { ...v.lat.summary(), outcomes: v.outcomes }])),
    all: all.summary(),
    unexpected,
    sentBySecret,
  };
}

// ---------------------------------------------------------------------------------------------
// Audit invariants

/** Verifies every tenant's chain and the global chain; also checks for duplicate (chain, seq). */
export async function verifyAllChains(db: Db): Promise<{ ok: boolean; chains: ChainVerification[]; duplicateSeqs: number }> {
  const tenants = await db.tenant.findMany({ select: { id: true } });
  const chains: ChainVerification[] = [];
  for (const id of [...tenants.map((t) => t.id), null]) chains.push(await verifyAuditChain(db, id));
  const dup = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*)::bigint AS n FROM (SELECT chain, seq FROM audit_events GROUP BY chain, seq HAVING count(*) > 1) d`;
  const duplicateSeqs = Number(dup[0]?.n ?? 0n);
  return { ok: chains.every((c) => c.ok) && duplicateSeqs === 0, chains, duplicateSeqs };
}

/** MCP audit events whose actor is the given key ids (one per HTTP request that authenticated with it). */
export async function mcpAuditCountByKey(db: Db, keyIds: string[]): Promise<Record<string, number>> {
  const rows = await db.auditEvent.groupBy({ by: ["actorId"], where: { surface: "mcp", actorId: { in: keyIds } }, _count: { _all: true } });
  return Object.fromEntries(keyIds.map((id) => [id, rows.find((r) => r.actorId === id)?._count._all ?? 0]));
}

/**
 * Write-request consistency: every write request has its "pending" request event; every executed or
 * failed one has exactly one approve and one execute event; no audit event names a write request
 * that does not exist.
 */
export async function writeRequestConsistency(db: Db) {
  const rows = await db.$queryRaw<{ problem: string; n: bigint }[]>`
    WITH ev AS (
      SELECT write_request_id AS id,
             count(*) FILTER (WHERE outcome = 'pending') AS requested,
             count(*) FILTER (WHERE action = 'write.approve' AND outcome = 'ok') AS approved,
             count(*) FILTER (WHERE action LIKE '%.execute') AS executed
      FROM audit_events WHERE write_request_id IS NOT NULL GROUP BY write_request_id)
    SELECT 'request without its pending event' AS problem, count(*)::bigint AS n
      FROM write_requests w LEFT JOIN ev ON ev.id = w.id WHERE coalesce(ev.requested, 0) <> 1
    UNION ALL
    SELECT 'executed/failed without exactly one approve + execute event', count(*)::bigint
      FROM write_requests w LEFT JOIN ev ON ev.id = w.id
      WHERE w.status IN ('executed', 'failed') AND (coalesce(ev.approved, 0) <> 1 OR coalesce(ev.executed, 0) <> 1)
    UNION ALL
    SELECT 'pending with approve/execute events', count(*)::bigint
      FROM write_requests w JOIN ev ON ev.id = w.id WHERE w.status = 'pending' AND (ev.approved > 0 OR ev.executed > 0)
    UNION ALL
    SELECT 'audit event for a missing write request', count(*)::bigint
      FROM ev LEFT JOIN write_requests w ON w.id = ev.id WHERE w.id IS NULL`;
  const problems = Object.fromEntries(rows.map((r) => [r.problem, Number(r.n)]));
  return { ok: Object.values(problems).every((n) => n === 0), problems };
}

/** Waits until the audit table stops growing (requests the server was still finishing). */
export async function waitForAuditQuiet(db: Db, quietMs = 1500, maxMs = 40_000): Promise<number> {
  let last = -1;
  let stableSince = Date.now();
  const until = Date.now() + maxMs;
  for (;;) {
    const n = await db.auditEvent.count();
    if (n !== last) {
      last = n;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) return n;
    if (Date.now() > until) return n;
    await sleep(250);
  }
}

/** Prints the JSON summary and sets the exit code from the invariants. */
export function finish(report: Record<string, unknown>, invariants: Record<string, boolean>): void {
  const failed = Object.entries(invariants).filter(([, ok]) => !ok).map(([name]) => name);
  console.log(JSON.stringify({ ...report, invariants, passed: failed.length === 0 }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
  if (failed.length) {
    process.stderr.write(`FAILED invariants: ${failed.join(", ")}\n`);
    process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Domain effects of executed write requests (points and coupon pools)

export type EffectsSnapshot = { balances: Map<string, number>; poolSizes: Map<string, number>; memberIdByExternal: Map<string, string>; poolIdByName: Map<string, string> };

export async function effectsSnapshot(db: Db, tenantId: string): Promise<EffectsSnapshot> {
  const members = await db.member.findMany({ where: { tenantId }, select: { id: true, externalId: true, pointsBalance: true } });
  const pools = await db.couponPool.findMany({ where: { tenantId }, select: { id: true, name: true, size: true } });
  return {
    balances: new Map(members.map((m) => [m.id, m.pointsBalance])),
    poolSizes: new Map(pools.map((p) => [p.id, p.size])),
    memberIdByExternal: new Map(members.flatMap((m) => [[m.externalId, m.id] as [string, string], [m.id, m.id] as [string, string]])),
    poolIdByName: new Map(pools.flatMap((p) => [[p.name.toLowerCase(), p.id] as [string, string], [p.id, p.id] as [string, string]])),
  };
}

/**
 * Checks that the domain moved by exactly the executed write requests since `before`: one ledger
 * entry per executed points request (none for any other status), balances moved by the sum of the
 * executed points, pool sizes by the sum of executed top-ups, and each pool's size equals its codes.
 */
export async function effectsConsistency(db: Db, tenantId: string, before: EffectsSnapshot) {
  const requests = await db.writeRequest.findMany({ where: { tenantId }, select: { id: true, operation: true, status: true, arguments: true } });
  const entries = await db.$queryRaw<{ id: string; n: bigint }[]>`
    SELECT write_request_id::text AS id, count(*)::bigint AS n FROM points_entries
    WHERE tenant_id = ${tenantId}::uuid AND write_request_id IS NOT NULL GROUP BY write_request_id`;
  const entryCount = new Map(entries.map((e) => [e.id, Number(e.n)]));
  const expectedBalance = new Map(before.balances);
  const expectedPool = new Map(before.poolSizes);
  let executedPoints = 0;
  let executedTopUps = 0;
  const problems: string[] = [];
  for (const r of requests) {
    const args = r.arguments as { member?: string; points?: number; pool?: string; codes?: number };
    const entriesForIt = entryCount.get(r.id) ?? 0;
    entryCount.delete(r.id);
    if (r.operation === "award_points" || r.operation === "redeem_points") {
      const want = r.status === "executed" ? 1 : 0;
      if (entriesForIt !== want) problems.push(`${r.operation} ${r.id} is ${r.status} but has ${entriesForIt} ledger entries`);
      if (r.status === "executed") {
        executedPoints += 1;
        const id = before.memberIdByExternal.get(args.member ?? "") ?? "?";
        expectedBalance.set(id, (expectedBalance.get(id) ?? 0) + (r.operation === "award_points" ? 1 : -1) * (args.points ?? 0));
      }
    } else if (r.operation === "top_up_coupon_pool" && r.status === "executed") {
      executedTopUps += 1;
      const id = before.poolIdByName.get((args.pool ?? "").toLowerCase()) ?? "?";
      expectedPool.set(id, (expectedPool.get(id) ?? 0) + (args.codes ?? 0));
    }
  }
  for (const [id, n] of entryCount) problems.push(`${n} ledger entries name write request ${id}, which does not exist`);
  const members = await db.member.findMany({ where: { tenantId }, select: { id: true, pointsBalance: true } });
  let balanceMismatches = 0;
  for (const m of members) if (m.pointsBalance !== (expectedBalance.get(m.id) ?? m.pointsBalance)) balanceMismatches += 1;
  if (balanceMismatches) problems.push(`${balanceMismatches} members' balances differ from before + executed requests`);
  const pools = await db.$queryRaw<{ id: string; size: number; codes: bigint }[]>`
    SELECT p.id::text, p.size, (SELECT count(*) FROM coupons c WHERE c.pool_id = p.id)::bigint AS codes FROM coupon_pools p WHERE p.tenant_id = ${tenantId}::uuid`;
  for (const p of pools) {
    if (p.size !== (expectedPool.get(p.id) ?? p.size)) problems.push(`pool ${p.id}: size ${p.size}, expected ${expectedPool.get(p.id)} from executed top-ups`);
    if (BigInt(p.size) !== p.codes) problems.push(`pool ${p.id}: size ${p.size} but ${p.codes} codes`);
  }
  const byStatus: Record<string, number> = {};
  for (const r of requests) byStatus[`${r.operation}:${r.status}`] = (byStatus[`${r.operation}:${r.status}`] ?? 0) + 1;
  return { ok: problems.length === 0, problems: problems.slice(0, 20), executedPoints, executedTopUps, byStatus };
}

// ---------------------------------------------------------------------------------------------
// The built app

function nextBuildRunning(): boolean {
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      // `next build` renames its process to "next-build (vX)".
      // Only a build of this checkout matters (other worktrees on the machine build their own .next).
      if (/\bnext(\/dist\/bin\/next)? build\b|^next-build\b/.test(cmd) && fs.readlinkSync(`/proc/${pid}/cwd`) === process.cwd()) return true;
    } catch {
      // gone
    }
  }
  return false;
}

/**
 * Other people build on this machine: wait (up to 10 min) until a production build exists and no
 * `next build` is running, so `next start` does not find a half-written .next folder.
 */
export async function waitForBuild(): Promise<void> {
  const until = Date.now() + 600_000;
  let said = false;
  while (!fs.existsSync(".next/BUILD_ID") || nextBuildRunning()) {
    if (Date.now() > until) throw new Error("No production build (.next/BUILD_ID) after 10 minutes: run npm run build.");
    if (!said) process.stderr.write("waiting for a running `next build` to finish…\n");
    said = true;
    await sleep(3000);
  }
}

/** Starts `count` instances one after another; stops the started ones if one fails. */
export async function startApps(database: TestDatabase, env: Record<string, string>, count = 1, nodeArgs?: string[]): Promise<RunningApp[]> {
  await waitForBuild();
  const apps: RunningApp[] = [];
  try {
    for (let i = 0; i < count; i++) apps.push(await startApp(database, env, { nodeArgs }));
  } catch (err) {
    await Promise.all(apps.map((a) => a.stop()));
    throw err;
  }
  return apps;
}
