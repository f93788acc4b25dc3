import { z } from "zod";
import { CurrencySchema, TenantSlugSchema, TimeZoneSchema } from "@/lib/governance/tenants";
import { CliError, defineCommand } from "../command";
import { recordCliEvent } from "../cli-audit";

export const tenantCreate = defineCommand({
  name: "tenant:create",
  summary: "Create a tenant",
  flags: {
    slug: { type: "string", description: "URL-safe identifier", placeholder: "acme" },
    name: { type: "string", description: "Display name", placeholder: "Acme Ltd" },
    "time-zone": { type: "string", description: "IANA time zone for named windows (default UTC)", placeholder: "Europe/Berlin" },
    currency: { type: "string", description: "ISO 4217 currency (default USD)", placeholder: "EUR" },
  },
  schema: z.object({
    slug: TenantSlugSchema,
    name: z.string({ error: "is required" }).trim().min(1).max(120),
    "time-zone": TimeZoneSchema.default("UTC"),
    currency: CurrencySchema.default("USD"),
  }),
  examples: ['npx socode tenant:create --slug acme --name "Acme Ltd" --time-zone Europe/Berlin --currency EUR'],
  run: async (ctx, input) => {
    const db = await ctx.db();
    if (await db.tenant.findUnique({ where: { slug: input.slug } })) {
      throw new CliError("tenant_exists", `A tenant with slug "${input.slug}" already exists.`);
    }
    const tenant = await db.$transaction(async (tx) => {
      const created = await tx.tenant.create({
        data: { slug: input.slug, name: input.name, timeZone: input["time-zone"], currency: input.currency },
      });
      await recordCliEvent(tx, { tenantId: created.id, action: "tenant.create", target: `tenant:${created.slug}`, arguments: input, outcome: "ok" });
      return created;
    });
    return { data: tenant, text: `Created tenant ${tenant.slug} (${tenant.name}, ${tenant.timeZone}, ${tenant.currency}).` };
  },
});
