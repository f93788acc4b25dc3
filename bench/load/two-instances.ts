// Two app instances on one PostgreSQL and one Redis, load split across both:
// - every key's accepted requests (anything but 429) within one rate-limit window stay ≤ the
//   per-key limit (SOCODE_RATE_LIMIT_PER_MINUTE, small) although its requests alternate between
//   the instances; a "hammer" key driven far above the limit gets exactly the limit;
// - a key revoked mid-run is refused (401) on both instances for every request sent later than
//   the credentials cache epoch's bound (EPOCH_MAX_AGE_MS, 250 ms) after the revocation committed
//   (instances cache verified keys; lib/db/cache-epochs.ts);
// - every request is audited once (per key) and the audit chains verify with no gaps or duplicate
//   sequence numbers after concurrent appends from both instances.
// The run is aligned to start just after a minute boundary, so it stays inside one fixed window.
//
//   npm run build
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/socode_load_two REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/load/two-instances.ts [--seconds 45] [--limit 40] [--load-keys 32] [--hammer 8] [--no-redis]
//
// The database named by DATABASE_URL is dropped and recreated. Exits 1 when an invariant fails.
import { parseArgs } from "node:util";
import { issueApiKey } from "@/lib/auth/api-keys";
import { EPOCH_MAX_AGE_MS } from "@/lib/db/cache-epochs";
import { seedDemo } from "@/lib/demo/seed-demo";
import {
  finish,
  freshDatabase,
  loadAverage,
  machineInfo,
  mcpAuditCountByKey,
  MemorySampler,
  runLoad,
  startApps,
  sleep,
  toolCall,
  transportStats,
  verifyAllChains,
  waitForAuditQuiet,
  type CallResult,
  type PlannedCall,
} from "./common";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "45" },
    limit: { type: "string", default: "40" },
    "load-keys": { type: "string", default: "32" },
    hammer: { type: "string", default: "8" },
    victim: { type: "string", default: "4" },
    tolerance: { type: "string", default: "0" },
    // Control run: per-process counters instead of Redis. The limit then does NOT hold across the
    // instances (up to 2 × limit), so everyKeyWithinLimit must fail: proof the check can fail.
    "no-redis": { type: "boolean", default: false },
  },
});
const seconds = Math.min(55, Number(values.seconds));
const limit = Number(values.limit);
const loadKeys = Number(values["load-keys"]);
const hammerWorkers = Number(values.hammer);
const victimWorkers = Number(values.victim);
const tolerance = Number(values.tolerance);
const url = process.env.DATABASE_URL ?? "";
const noRedis = values["no-redis"] === true;
const redisUrl = noRedis ? null : (process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
if (noRedis) delete process.env.REDIS_URL;
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

type Sample = { secret: string; instance: number; sentAt: number; endAt: number; status: number; ok: boolean; label: string; message: string };

async function main() {
  const machine = machineInfo();
  const database = await freshDatabase(url);
  const { db } = database;
  process.stderr.write("seeding demo tenants (small)…\n");
  await seedDemo(db, { scale: "small" });
  const demo = await db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
  const demoB = await db.tenant.findUniqueOrThrow({ where: { slug: "demo-b" } });
  const issue = (tenantId: string, name: string) => issueApiKey(db, { tenantId, name, preset: "analyst" });
  // Load keys alternate between the tenants, so both chains get concurrent appends from both instances.
  const load = await Promise.all(Array.from({ length: loadKeys }, (_, i) => issue(i % 2 ? demoB.id : demo.id, `load ${i}`)));
  const hammer = await issue(demo.id, "hammer");
  const victim = await issue(demoB.id, "victim");
  const membersA = (await db.member.findMany({ where: { tenantId: demo.id }, select: { externalId: true }, take: 200 })).map((m) => m.externalId);
  const membersB = (await db.member.findMany({ where: { tenantId: demoB.id }, select: { externalId: true }, take: 200 })).map((m) => m.externalId);

  const env: Record<string, string> = { SOCODE_RATE_LIMIT_PER_MINUTE: String(limit), ...(redisUrl ? { REDIS_URL: redisUrl } : {}) };
  const apps = await startApps(database, env, 2);
  const first = apps[0];
  if (!first) throw new Error("no app");
  const memory = new MemorySampler(() => apps.map((a) => a.pid ?? 0)).start(500);
  try {
    // Warm both instances up (route compilation, connections) with a key that is not measured.
    const warm = await issue(demo.id, "warm-up");
    for (const app of apps) for (let i = 0; i < 3; i++) await runLoad({ concurrency: 2, seconds: 1, plan: () => ({ kind: "warm", mcpUrl: app.mcpUrl, secret: warm.secret, body: toolCall("list_metrics") }) });

    // Start just after a minute boundary: the whole run is inside one fixed rate-limit window.
    const msIntoMinute = Date.now() % 60_000;
    const waitMs = msIntoMinute < 500 ? 0 : 60_000 - msIntoMinute + 200;
    process.stderr.write(`waiting ${(waitMs / 1000).toFixed(1)} s for the next minute boundary…\n`);
    await sleep(waitMs);
    const windowStart = Date.now() - (Date.now() % 60_000);

    const samples: Sample[] = [];
    let revokedAt = Number.POSITIVE_INFINITY;
    const concurrency = loadKeys + hammerWorkers + victimWorkers;
    const counters = new Map<number, number>();
    const plan = (w: number): PlannedCall => {
      const n = (counters.get(w) ?? 0) + 1;
      counters.set(w, n);
      const app = apps[(w + n) % 2] ?? first; // every worker alternates between the instances
      const key = load[w];
      if (key) {
        const members = w % 2 ? membersB : membersA;
        const body = pick([
          toolCall("query_metric", { metric: "gmv", window: pick(["last_week", "last_14_days"]), groupBy: pick(["store", "tier"]) }),
          toolCall("get_member", { member: pick(members) }),
          toolCall("list_metrics"),
          toolCall("explain_change", { metric: "orders", window: "last_week", compareTo: "prior_week", dimensions: "store" }),
        ]);
        return { kind: "load", mcpUrl: app.mcpUrl, secret: key.secret, body };
      }
      if (w < loadKeys + hammerWorkers) return { kind: "hammer", mcpUrl: app.mcpUrl, secret: hammer.secret, body: toolCall("list_metrics") };
      return { kind: "victim", mcpUrl: app.mcpUrl, secret: victim.secret, body: toolCall("list_metrics") };
    };
    const t0 = performance.now();
    const instanceOf = new Map(apps.map((a, i) => [a.mcpUrl, i]));
    const revoke = (async () => {
      await sleep((seconds * 1000) / 2);
      await db.apiKey.update({ where: { id: victim.key.id }, data: { revokedAt: new Date() } });
      revokedAt = performance.now() - t0; // committed: every request sent from now on must be refused
    })();
    const loadBefore = loadAverage();
    const report = await runLoad({
      concurrency,
      seconds,
      plan,
      onResult: (call: PlannedCall, r: CallResult) => {
        const endAt = performance.now() - t0;
        samples.push({
          secret: call.secret,
          instance: instanceOf.get(call.mcpUrl) ?? -1,
          sentAt: endAt - r.ms,
          endAt,
          status: r.status,
          ok: r.kind === "ok",
          label: r.kind === "http_error" ? `http_${r.status}` : r.kind === "tool_error" ? `tool_error:${r.code}` : r.kind,
          message: "message" in r ? r.message.slice(0, 200) : "",
        });
      },
    });
    await revoke;
    const loadAfter = loadAverage();
    const windowEnd = Date.now();
    const mem = memory.stop();

    // Rate limits: per key, everything not refused with 429 (and not 401) passed the limiter.
    const secrets = [...load.map((k) => k.secret), hammer.secret, victim.secret];
    const acceptedBy = (secret: string) => samples.filter((s) => s.secret === secret && s.status !== 429 && s.status !== 401);
    const perKeyAccepted = secrets.map((s) => acceptedBy(s).length);
    const hammerSamples = samples.filter((s) => s.secret === hammer.secret);
    const hammerAccepted = acceptedBy(hammer.secret);
    const hammerByInstance = [0, 1].map((i) => ({
      accepted: hammerAccepted.filter((s) => s.instance === i).length,
      refused429: hammerSamples.filter((s) => s.instance === i && s.status === 429).length,
    }));

    // Revocation: requests sent after the revocation committed.
    const victimSamples = samples.filter((s) => s.secret === victim.secret);
    const afterRevocation = victimSamples.filter((s) => s.sentAt > revokedAt);
    const acceptedAfterRevocation = afterRevocation.filter((s) => s.status !== 401);
    const afterBound = afterRevocation.filter((s) => s.sentAt > revokedAt + EPOCH_MAX_AGE_MS);
    const acceptedAfterBound = afterBound.filter((s) => s.status !== 401);
    const firstRefusalPerInstance = [0, 1].map((i) => {
      const first = afterBound.filter((s) => s.instance === i).sort((a, b) => a.sentAt - b.sentAt)[0];
      return first ? { status: first.status, sentMsAfterRevocation: Math.round(first.sentAt - revokedAt) } : null;
    });
    const lastAccepted = acceptedAfterRevocation.reduce((max, s) => Math.max(max, s.sentAt - revokedAt), -1);

    // Other failures: anything except ok, 429 and the victim's 401s.
    const unexpected = samples.filter((s) => !s.ok && s.status !== 429 && !(s.secret === victim.secret && s.status === 401));

    await waitForAuditQuiet(db);
    const keyIds = [...load.map((k) => k.key.id), hammer.key.id, victim.key.id];
    const audited = await mcpAuditCountByKey(db, keyIds);
    const sentPerKey = Object.fromEntries(keyIds.map((id, i) => [id, report.sentBySecret[secrets[i] ?? ""] ?? 0]));
    const auditMismatches = keyIds.filter((id) => audited[id] !== sentPerKey[id]);
    const chains = await verifyAllChains(db);
    const byInstance = [0, 1].map((i) => samples.filter((s) => s.instance === i).length);
    const statuses = samples.reduce<Record<string, number>>((acc, s) => ((acc[s.label] = (acc[s.label] ?? 0) + 1), acc), {});

    finish(
      {
        script: "bench/load/two-instances.ts",
        machine,
        loadAverage: { before: loadBefore, after: loadAfter },
        config: { seconds, limitPerMinute: limit, loadKeys, hammerWorkers, victimWorkers, redis: redisUrl, window: { start: new Date(windowStart).toISOString(), runEnded: new Date(windowEnd).toISOString() } },
        load: { sent: report.sent, requestsPerSecond: report.requestsPerSecond, all: report.all, outcomes: statuses, perInstance: byInstance, keepAliveRetries: transportStats.keepAliveRetries },
        rateLimit: {
          maxAcceptedPerKey: Math.max(...perKeyAccepted),
          loadKeysAccepted: { min: Math.min(...perKeyAccepted.slice(0, loadKeys)), max: Math.max(...perKeyAccepted.slice(0, loadKeys)) },
          hammer: { sent: hammerSamples.length, accepted: hammerAccepted.length, byInstance: hammerByInstance },
        },
        revocation: {
          revokedAtSeconds: Number((revokedAt / 1000).toFixed(2)),
          victimSent: victimSamples.length,
          sentAfterRevocation: afterRevocation.length,
          boundMs: EPOCH_MAX_AGE_MS,
          acceptedWithinBound: acceptedAfterRevocation.length - acceptedAfterBound.length,
          lastAcceptedMsAfterRevocation: lastAccepted < 0 ? null : Math.round(lastAccepted),
          acceptedAfterBound: acceptedAfterBound.length,
          firstRequestAfterBoundPerInstance: firstRefusalPerInstance,
        },
        unexpected: unexpected.slice(0, 10).map(({ secret: _secret, ...rest }) => rest),
        audit: { keys: keyIds.length, auditMismatches: auditMismatches.length, hammerSent: sentPerKey[hammer.key.id], hammerAudited: audited[hammer.key.id], duplicateSeqs: chains.duplicateSeqs, chains: chains.chains.map((c) => ({ chain: c.chain, ok: c.ok, checked: c.checked })) },
        appMemory: mem,
      },
      {
        runInsideOneWindow: windowEnd - windowStart < 60_000,
        everyKeyWithinLimit: perKeyAccepted.every((n) => n <= limit + tolerance),
        hammerGetsTheLimitAcrossBoth: hammerAccepted.length >= limit - tolerance && hammerAccepted.length <= limit + tolerance && hammerByInstance.every((i) => i.accepted > 0 && i.refused429 > 0),
        revokedKeyRefusedOnBothWithinBound: acceptedAfterBound.length === 0 && firstRefusalPerInstance.every((f) => f?.status === 401),
        noUnexpectedErrors: unexpected.length === 0,
        everyRequestAuditedOncePerKey: auditMismatches.length === 0,
        auditChainsVerifyNoDuplicateSeq: chains.ok,
      },
    );
  } finally {
    memory.stop();
    await Promise.all(apps.map((a) => a.stop()));
    await database.close();
  }
}

await main();
