// Semantic-layer benchmark on PostgreSQL: the seed's questions through the layer (rollup path and
// raw path) versus the same questions as naive SQL over the raw tables; p50/p95 per question.
//
//   npx tsx bench/semantic/run.ts --scale medium            # 50k members / ~1M orders
//   npx tsx bench/semantic/run.ts --scale large             # 1M members / ~10M orders
//   options: --url postgresql://postgres@127.0.0.1:5432      server (database created per scale)
//            --iterations 40 (rollup path)   --slow-iterations 20 (raw path and naive SQL)
//            --reuse (skip seeding when the database already holds the demo)
//            --db socode_bench_large (database name; default socode_bench_<scale>)
//            --prefill (precompute the active-member ranges of the named windows before timing,
//                       like `rollups:rebuild` does; without it the first ask of a range fills it)
//            --cold (first, time each question once with an empty active-member range cache)
//
// With --reuse the database is only migrated, never dropped or re-seeded, so a database seeded
// elsewhere (`npx socode demo:seed --scale large --as-of 2026-11-24`, default seed 42) can be used:
//   npx tsx bench/semantic/run.ts --scale large --reuse --db socode_bench_large --cold --prefill
//
// Each scale gets its own database (socode_bench_<scale>), seeded once with the deterministic demo
// generator (seed 42, as-of 2026-11-24) whose seedDemo() rebuilds the rollups at its end; then
// ANALYZE, a warm-up, and N timed runs of each question in rotation. Results are printed as a
// Markdown table and written to bench/semantic/results-<scale>.json.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { connect } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";
import { seedDemo } from "@/lib/demo/seed-demo";
import os from "node:os";
import { refreshActiveRanges } from "@/lib/semantic/active-ranges";
import { explainChange } from "@/lib/semantic/explain-change";
import { queryMetric } from "@/lib/semantic/query-metric";
import type { SemanticTenant } from "@/lib/semantic/dimensions";

const { values: args } = parseArgs({
  options: {
    scale: { type: "string", default: "medium" },
    url: { type: "string", default: "postgresql://postgres@127.0.0.1:5432" },
    iterations: { type: "string", default: "40" },
    "slow-iterations": { type: "string", default: "20" },
    reuse: { type: "boolean", default: false },
    db: { type: "string" },
    prefill: { type: "boolean", default: false },
    cold: { type: "boolean", default: false },
  },
});
const scale = args.scale === "large" ? "large" : args.scale === "small" ? "small" : "medium";
const iterations = Number(args.iterations);
/** Runs of the raw-path and naive variants (they take seconds each at the large scale). */
const slowIterations = Math.min(iterations, Number(args["slow-iterations"]));
const AS_OF = "2026-11-24";
const NOW = new Date("2026-11-24T15:00:00.000Z");
const dbName = args.db ?? `socode_bench_${scale}`;

async function ensureDatabase(): Promise<{ url: string; fresh: boolean }> {
  const admin = new pg.Client({ connectionString: `${args.url}/postgres` });
  await admin.connect();
  const exists = (await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [dbName])).rowCount === 1;
  let fresh = false;
  if (exists && !args.reuse) await admin.query(`DROP DATABASE "${dbName}" WITH (FORCE)`);
  if (!exists || !args.reuse) {
    await admin.query(`CREATE DATABASE "${dbName}"`);
    fresh = true;
  }
  await admin.end();
  return { url: `${args.url}/${dbName}`, fresh };
}

type Question = { name: string; layer: (path: "rollup" | "raw") => Promise<unknown>; naive: { sql: string; params: string[] } };

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? NaN;
}

async function main() {
  const { url, fresh } = await ensureDatabase();
  await applyMigrations(url);
  const handle = await connect({ kind: "server", url });
  const db = handle.db;
  try {
    if (fresh || !(await db.tenant.findUnique({ where: { slug: "demo" } }))) {
      const started = Date.now();
      await seedDemo(db, { seed: 42, asOf: AS_OF, scale, replace: true, onProgress: (m) => process.stderr.write(`${m}\n`) });
      process.stderr.write(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    }
    await db.$executeRawUnsafe("ANALYZE");
    const row = await db.tenant.findUniqueOrThrow({ where: { slug: "demo" } });
    const demo: SemanticTenant = { id: row.id, timeZone: row.timeZone, currency: row.currency };
    const counts = await db.$queryRawUnsafe<{ members: string; orders: string; coupons: string }[]>(
      `SELECT (SELECT COUNT(*) FROM members)::text AS members, (SELECT COUNT(*) FROM orders)::text AS orders, (SELECT COUNT(*) FROM coupons)::text AS coupons`,
    );
    const tz = "America/New_York";
    const local = (col: string) => `(${col} AT TIME ZONE '${tz}')::date`;
    const questions: Question[] = [
      {
        name: "GMV last week by store",
        layer: (p) => queryMetric(db, demo, { metric: "gmv", window: "last_week", groupBy: "store" }, { now: NOW, path: p }),
        naive: {
          sql: `SELECT s.name, SUM(o.total_minor) FROM orders o JOIN stores s ON s.id = o.store_id
                WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND ${local("o.placed_at")} BETWEEN '2026-11-16' AND '2026-11-22'
                GROUP BY s.name`,
          params: [demo.id],
        },
      },
      {
        name: "Why are redemptions down vs prior week (by pool)",
        layer: (p) => explainChange(db, demo, { metric: "redemptions", window: "last_week", compareTo: "prior_week", dimensions: "coupon_pool" }, { now: NOW, path: p }),
        naive: {
          sql: `SELECT p.name,
                       COUNT(*) FILTER (WHERE ${local("c.redeemed_at")} BETWEEN '2026-11-16' AND '2026-11-22') -
                       COUNT(*) FILTER (WHERE ${local("c.redeemed_at")} BETWEEN '2026-11-09' AND '2026-11-15') AS change
                FROM coupons c JOIN coupon_pools p ON p.id = c.pool_id
                WHERE c.tenant_id = $1::uuid AND c.redeemed_at IS NOT NULL
                GROUP BY p.name ORDER BY change`,
          params: [demo.id],
        },
      },
      {
        name: "Redemption rate by pool, last 14 days",
        layer: (p) => queryMetric(db, demo, { metric: "redemption_rate", window: "last_14_days", groupBy: "coupon_pool" }, { now: NOW, path: p }),
        naive: {
          sql: `SELECT p.name,
                       COUNT(*) FILTER (WHERE ${local("c.redeemed_at")} BETWEEN '2026-11-10' AND '2026-11-23')::numeric /
                       NULLIF(COUNT(*) FILTER (WHERE ${local("c.issued_at")} BETWEEN '2026-11-10' AND '2026-11-23'), 0)
                FROM coupons c JOIN coupon_pools p ON p.id = c.pool_id
                WHERE c.tenant_id = $1::uuid GROUP BY p.name`,
          params: [demo.id],
        },
      },
      {
        name: "Active members last 30 days vs previous, by tier",
        layer: (p) => queryMetric(db, demo, { metric: "active_members", window: "last_30_days", compareTo: "previous_period", groupBy: "tier" }, { now: NOW, path: p }),
        naive: {
          sql: `SELECT t.name,
                       COUNT(DISTINCT o.member_id) FILTER (WHERE ${local("o.placed_at")} BETWEEN '2026-10-25' AND '2026-11-23'),
                       COUNT(DISTINCT o.member_id) FILTER (WHERE ${local("o.placed_at")} BETWEEN '2026-09-25' AND '2026-10-24')
                FROM orders o JOIN tiers t ON t.id = o.tier_id
                WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND o.member_id IS NOT NULL
                GROUP BY t.name`,
          params: [demo.id],
        },
      },
      {
        name: "Which stores drove the Silver drop",
        layer: (p) =>
          explainChange(db, demo, { metric: "active_members", window: "last_30_days", compareTo: "previous_period", dimensions: "store", filters: { tier: "Silver" } }, { now: NOW, path: p }),
        naive: {
          sql: `SELECT s.name,
                       COUNT(DISTINCT o.member_id) FILTER (WHERE ${local("o.placed_at")} BETWEEN '2026-10-25' AND '2026-11-23') -
                       COUNT(DISTINCT o.member_id) FILTER (WHERE ${local("o.placed_at")} BETWEEN '2026-09-25' AND '2026-10-24') AS change
                FROM orders o JOIN stores s ON s.id = o.store_id JOIN tiers t ON t.id = o.tier_id
                WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND t.name = 'Silver'
                GROUP BY s.name ORDER BY change`,
          params: [demo.id],
        },
      },
      {
        name: "Which stores drove the Silver drop (last month vs prior month)",
        layer: (p) =>
          explainChange(db, demo, { metric: "active_members", window: "last_month", compareTo: "prior_month", dimensions: "store", filters: { tier: "Silver" } }, { now: NOW, path: p }),
        naive: {
          sql: `SELECT s.name,
                       COUNT(DISTINCT o.member_id) FILTER (WHERE ${local("o.placed_at")} BETWEEN '2026-10-01' AND '2026-10-31') -
                       COUNT(DISTINCT o.member_id) FILTER (WHERE ${local("o.placed_at")} BETWEEN '2026-09-01' AND '2026-09-30') AS change
                FROM orders o JOIN stores s ON s.id = o.store_id JOIN tiers t ON t.id = o.tier_id
                WHERE o.tenant_id = $1::uuid AND o.status = 'completed' AND t.name = 'Silver'
                GROUP BY s.name ORDER BY change`,
          params: [demo.id],
        },
      },
    ];

    const clearRanges = () => db.$executeRawUnsafe(`DELETE FROM "rollup_active_member_ranges" WHERE tenant_id = $1::uuid`, demo.id);
    const cold: Record<string, number> = {};
    if (args.cold) {
      // First ask of each question with nothing cached: the range fill is paid here.
      for (const q of questions) {
        await clearRanges();
        const t0 = performance.now();
        await q.layer("rollup");
        cold[q.name] = performance.now() - t0;
        process.stderr.write(`cold ${q.name}: ${cold[q.name]?.toFixed(0)} ms\n`);
      }
      await clearRanges();
    }
    let prefill: { ranges: number; filled: number; pruned: number; ms: number } | undefined;
    if (args.prefill) {
      prefill = await refreshActiveRanges(db, demo, { now: NOW });
      process.stderr.write(`prefill: ${JSON.stringify(prefill)}\n`);
    }
    const loadBefore = os.loadavg();

    const variants = ["rollup", "raw", "naive"] as const;
    const timings = new Map<string, number[]>();
    const run = async (q: Question, v: (typeof variants)[number]) => {
      const t0 = performance.now();
      if (v === "naive") await db.$queryRawUnsafe(q.naive.sql, ...q.naive.params);
      else await q.layer(v);
      return performance.now() - t0;
    };
    for (const q of questions) for (const v of variants) await run(q, v); // warm-up
    for (let i = 0; i < iterations; i++) {
      for (const q of questions) {
        for (const v of variants) {
          if (v !== "rollup" && i >= slowIterations) continue;
          const key = `${q.name}|${v}`;
          const list = timings.get(key) ?? [];
          list.push(await run(q, v));
          timings.set(key, list);
        }
      }
    }
    const result = questions.map((q) => {
      const stats = Object.fromEntries(
        variants.map((v) => {
          const sorted = [...(timings.get(`${q.name}|${v}`) ?? [])].sort((a, b) => a - b);
          return [v, { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95) }];
        }),
      ) as Record<(typeof variants)[number], { n: number; p50: number; p95: number }>;
      return { question: q.name, ...stats, speedupP50: stats.naive.p50 / stats.rollup.p50 };
    });
    const meta = {
      scale,
      database: dbName,
      members: counts[0]?.members,
      orders: counts[0]?.orders,
      coupons: counts[0]?.coupons,
      iterations,
      slowIterations,
      at: new Date().toISOString(),
      loadAverageBefore: loadBefore.map((x) => Number(x.toFixed(2))),
      loadAverageAfter: os.loadavg().map((x) => Number(x.toFixed(2))),
      ...(prefill ? { prefill } : {}),
      ...(args.cold ? { coldFirstAskMs: Object.fromEntries(Object.entries(cold).map(([k, v]) => [k, Number(v.toFixed(1))])) } : {}),
    };
    const f = (n: number) => n.toFixed(1);
    const lines = [
      `Scale ${scale}: ${meta.members} members, ${meta.orders} orders, ${meta.coupons} coupons (all tenants), PostgreSQL, ${iterations} runs (rollup) / ${slowIterations} runs (raw, naive); load average ${meta.loadAverageBefore.join(" ")} → ${meta.loadAverageAfter.join(" ")}`,
      "",
      "| Question | rollup p50 / p95 ms | raw (layer) p50 / p95 ms | naive SQL p50 / p95 ms | naive ÷ rollup (p50) |",
      "|---|---|---|---|---|",
      ...result.map((r) => `| ${r.question} | ${f(r.rollup.p50)} / ${f(r.rollup.p95)} | ${f(r.raw.p50)} / ${f(r.raw.p95)} | ${f(r.naive.p50)} / ${f(r.naive.p95)} | ${r.speedupP50.toFixed(0)}× |`),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    fs.writeFileSync(path.resolve(`bench/semantic/results-${scale}.json`), `${JSON.stringify({ meta, result }, null, 2)}\n`);
  } finally {
    await handle.close();
  }
}

await main();
