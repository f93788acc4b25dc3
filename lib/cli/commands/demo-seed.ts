import { z } from "zod";
import { DEFAULT_DEMO_SEED, DemoSeedError, seedDemo } from "@/lib/demo/seed-demo";
import { isLocalDate } from "@/lib/demo/calendar";
import { DEMO_SCALES } from "@/lib/demo/stories";
import { CliError, defineCommand } from "../command";
import { recordCliEvent } from "../cli-audit";

export const demoSeed = defineCommand({
  name: "demo:seed",
  summary: "Seed the demo tenants (demo, demo-b) with deterministic loyalty data and planted stories",
  flags: {
    scale: { type: "string", description: "small (default, ~45k orders), medium (~1M) or large (~10M, PostgreSQL)", placeholder: "small" },
    "as-of": { type: "string", description: "As-of date; the history ends the day before (default: today in each tenant's zone)", placeholder: "YYYY-MM-DD" },
    seed: { type: "string", description: `Random seed (default ${DEFAULT_DEMO_SEED}); the same seed, date and scale give identical data`, placeholder: "N" },
    replace: { type: "boolean", description: "Delete the demo tenants' existing loyalty data first instead of refusing" },
  },
  schema: z.object({
    scale: z.enum(["small", "medium", "large"], { error: "use small, medium or large" }).default("small"),
    "as-of": z
      .string()
      .refine(isLocalDate, { error: "use a calendar date as YYYY-MM-DD, e.g. 2026-11-24" })
      .optional(),
    seed: z
      .string()
      .regex(/^\d{1,10}$/, "use a whole number, e.g. 42")
      .transform(Number)
      .refine((n) => n <= 0xffffffff, { error: `use a whole number from 0 to ${0xffffffff}` })
      .default(DEFAULT_DEMO_SEED),
    replace: z.boolean().default(false),
  }),
  examples: [
    "npx socode demo:seed",
    "npx socode demo:seed --as-of 2026-11-24 --seed 42 --replace",
    "DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench npx socode demo:seed --scale large",
  ],
  run: async (ctx, input) => {
    const db = await ctx.db();
    const started = performance.now();
    const result = await seedDemo(db, {
      seed: input.seed,
      asOf: input["as-of"],
      scale: input.scale,
      replace: input.replace,
      onProgress: ctx.progress,
    }).catch((err: unknown) => {
      if (err instanceof DemoSeedError) throw new CliError(err.code, err.message, err.code === "invalid_demo_options" ? 2 : 1);
      throw err;
    });
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    await db.$transaction(async (tx) => {
      for (const t of result.tenants) {
        await recordCliEvent(tx, {
          tenantId: t.tenantId,
          action: "demo.seed",
          target: `tenant:${t.slug}`,
          arguments: { scale: input.scale, seed: input.seed, asOf: t.asOf, replace: input.replace, counts: t.counts },
          outcome: "ok",
        });
      }
    });
    const size = DEMO_SCALES[input.scale];
    const lines = result.tenants.map(
      (t) =>
        `${t.slug}: history ${t.historyFrom} – ${t.historyTo} · ${t.counts.stores} stores · ${t.counts.members.toLocaleString("en-US")} members · ` +
        `${t.counts.orders.toLocaleString("en-US")} orders · ${t.counts.pointsEntries.toLocaleString("en-US")} points entries · ` +
        `${t.counts.coupons.toLocaleString("en-US")} coupons in ${t.counts.couponPools} pools · ${t.counts.ambassadorCodes} ambassador codes`,
    );
    return {
      data: { seed: result.seed, scale: input.scale, size, seconds, tenants: result.tenants },
      text: [`Seeded the demo tenants (scale ${input.scale}, seed ${result.seed}) in ${seconds} s:`, ...lines].join("\n"),
    };
  },
});
