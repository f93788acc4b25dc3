import { z } from "zod";
import { getTenantBySlug, TenantSlugSchema } from "@/lib/governance/tenants";
import { refreshActiveRanges } from "@/lib/semantic/active-ranges";
import { rebuildRollups } from "@/lib/semantic/rollups";
import { defineCommand } from "../command";
import { recordCliEvent } from "../cli-audit";

export const rollupsRebuild = defineCommand({
  name: "rollups:rebuild",
  summary: "Rebuild the semantic layer's rollup tables from the facts",
  flags: {
    tenant: { type: "string", description: "Only this tenant (default: every tenant)", placeholder: "slug" },
  },
  schema: z.object({ tenant: TenantSlugSchema.optional() }),
  examples: ["npx socode rollups:rebuild", "npx socode rollups:rebuild --tenant demo"],
  run: async (ctx, input) => {
    const db = await ctx.db();
    const tenant = input.tenant ? await getTenantBySlug(db, input.tenant) : undefined;
    ctx.progress(tenant ? `Rebuilding rollups for ${tenant.slug}…` : "Rebuilding rollups for every tenant…");
    const results = await rebuildRollups(db, tenant?.id);
    await db.$transaction(async (tx) => {
      for (const r of results) {
        await recordCliEvent(tx, { tenantId: r.tenantId, action: "rollups.rebuild", target: `tenant:${r.slug}`, arguments: { rows: r.rows }, outcome: "ok" });
      }
    });
    const lines = results.map(
      (r) =>
        `${r.slug} (${r.timeZone}): ${Object.entries(r.rows)
          .map(([table, n]) => `${table} ${n}`)
          .join(", ")} in ${r.ms} ms`,
    );
    return {
      data: { tenants: results },
      text: results.length ? `Rebuilt rollups:\n${lines.join("\n")}` : "No tenants; nothing to rebuild.",
    };
  },
});

export const rollupsRefresh = defineCommand({
  name: "rollups:refresh",
  summary: "Daily job: precompute today's active-member windows and drop cached ranges older than a week",
  flags: {
    tenant: { type: "string", description: "Only this tenant (default: every tenant)", placeholder: "slug" },
  },
  schema: z.object({ tenant: TenantSlugSchema.optional() }),
  examples: ["npx socode rollups:refresh", "5 0 * * * cd /srv/socode && npx socode rollups:refresh --json   # crontab, after midnight"],
  run: async (ctx, input) => {
    const db = await ctx.db();
    const tenants = input.tenant ? [await getTenantBySlug(db, input.tenant)] : await db.tenant.findMany({ orderBy: { slug: "asc" } });
    const results = [];
    for (const tenant of tenants) {
      ctx.progress(`Refreshing active-member ranges for ${tenant.slug}…`);
      const r = await refreshActiveRanges(db, tenant);
      await recordCliEvent(db, { tenantId: tenant.id, action: "rollups.refresh", target: `tenant:${tenant.slug}`, arguments: { filled: r.filled, pruned: r.pruned }, outcome: "ok" });
      results.push({ slug: tenant.slug, ...r });
    }
    return {
      data: { tenants: results },
      text: results.length
        ? results.map((r) => `${r.slug}: ${r.filled} range sets computed, ${r.pruned} pruned, in ${r.ms} ms`).join("\n")
        : "No tenants; nothing to refresh.",
    };
  },
});
