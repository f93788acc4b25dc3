import { z } from "zod";
import { issueApiKey } from "@/lib/auth/api-keys";
import { ConsoleInputError, listTenantKeys } from "@/lib/console/keys";
import { planWriteLimits, WRITE_LIMIT_FIELDS } from "@/lib/console/write-limits-plan";
import { describeWriteLimits, storedWriteLimits } from "@/lib/governance/write-limits";
import { PresetSchema, ScopeSchema, DEFAULT_PRESET, ScopeGrantError, resolveScopes } from "@/lib/governance/scopes";
import { TenantSlugSchema } from "@/lib/governance/tenants";
import { CliError, defineCommand, ExpiresFlagSchema, tenantFlag } from "../command";
import { recordCliEvent } from "../cli-audit";

export const keyCreate = defineCommand({
  name: "key:create",
  summary: "Issue an API key for MCP clients (the secret is printed once)",
  flags: {
    tenant: { type: "string", description: "Tenant slug", placeholder: "demo" },
    name: { type: "string", description: "What the key is for", placeholder: "name" },
    preset: { type: "string", description: "metrics:read (default) or analyst", placeholder: "preset" },
    scopes: { type: "string", description: "Extra scopes, comma-separated (members:pii and write scopes)", placeholder: "a,b" },
    expires: { type: "string", description: "Lifetime such as 12h, 30d or 8w (default: no expiry)", placeholder: "30d" },
    as: { type: "string", description: "Email of the console user recorded as issuer", placeholder: "email" },
    [WRITE_LIMIT_FIELDS.maxPointsPerRequest.flag]: { type: "string", description: "Write limit: at most N points per award or redemption", placeholder: "N" },
    [WRITE_LIMIT_FIELDS.maxCodesPerRequest.flag]: { type: "string", description: "Write limit: at most N codes per top-up or new pool", placeholder: "N" },
    [WRITE_LIMIT_FIELDS.maxWritesPerDay.flag]: { type: "string", description: "Write limit: at most N write requests per day (tenant's time zone; 0 pauses writes)", placeholder: "N" },
    [WRITE_LIMIT_FIELDS.allowedTiers.flag]: { type: "string", description: "Write limit: only members of these tiers", placeholder: "Bronze,Silver" },
    [WRITE_LIMIT_FIELDS.allowedPools.flag]: { type: "string", description: "Write limit: only these coupon pools", placeholder: "Summer" },
  },
  schema: z.object({
    tenant: TenantSlugSchema,
    name: z.string({ error: "is required" }).trim().min(1).max(120),
    preset: PresetSchema.default(DEFAULT_PRESET),
    scopes: z
      .string()
      .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(ScopeSchema))
      .default([]),
    expires: ExpiresFlagSchema.optional(),
    as: z.email().optional(),
    // Checked against WriteLimitsInputSchema (with the tenant's tiers) in run.
    [WRITE_LIMIT_FIELDS.maxPointsPerRequest.flag]: z.string().optional(),
    [WRITE_LIMIT_FIELDS.maxCodesPerRequest.flag]: z.string().optional(),
    [WRITE_LIMIT_FIELDS.maxWritesPerDay.flag]: z.string().optional(),
    [WRITE_LIMIT_FIELDS.allowedTiers.flag]: z.string().optional(),
    [WRITE_LIMIT_FIELDS.allowedPools.flag]: z.string().optional(),
  }),
  examples: [
    'npx socode key:create --tenant demo --name "Claude Code" --preset metrics:read',
    'npx socode key:create --tenant demo --name "Ops agent" --preset analyst --scopes coupons:write --expires 30d',
    'npx socode key:create --tenant demo --name "Points bot" --scopes points:write --max-points 500 --max-writes-per-day 20 --tiers Bronze,Silver',
  ],
  run: async (ctx, input) => {
    const db = await ctx.db();
    const tenant = await tenantFlag(db, input.tenant);
    let issuerId: string | null = null;
    if (input.as) {
      const issuer = await db.user.findUnique({ where: { email: input.as.toLowerCase() }, include: { memberships: { where: { tenantId: tenant.id } } } });
      if (!issuer?.memberships[0]?.roles.includes("admin")) {
        throw new CliError("issuer_not_admin", `${input.as} is not an admin of tenant ${tenant.slug}.`);
      }
      issuerId = issuer.id;
    }
    const rawLimits = Object.fromEntries(
      Object.entries(WRITE_LIMIT_FIELDS).flatMap(([field, spec]) => (input[spec.flag] === undefined ? [] : [[field, input[spec.flag]]])),
    );
    try {
      const { key, secret } = await db.$transaction(async (tx) => {
        const writeLimits = await planWriteLimits(tx, tenant.id, resolveScopes(input.preset, input.scopes), rawLimits).catch((e: unknown) => {
          if (e instanceof ConsoleInputError) throw new CliError(e.code, e.message, 2);
          throw e;
        });
        const issued = await issueApiKey(tx, {
          tenantId: tenant.id,
          name: input.name,
          preset: input.preset,
          grantedScopes: input.scopes,
          issuerId,
          expiresAt: input.expires ?? null,
          writeLimits,
        });
        await recordCliEvent(tx, {
          tenantId: tenant.id,
          action: "key.create",
          target: `key:${issued.key.id}`,
          arguments: { name: input.name, preset: input.preset, scopes: issued.key.scopes, expiresAt: input.expires ?? null, writeLimits: writeLimits ?? {} },
          outcome: "ok",
        });
        return issued;
      });
      return {
        data: { id: key.id, tenant: tenant.slug, name: key.name, preset: key.preset, scopes: key.scopes, writeLimits: key.writeLimits ?? {}, displayPrefix: key.displayPrefix, expiresAt: key.expiresAt, secret },
        text: [
          `Created key ${key.displayPrefix}… (${key.id}) for ${tenant.slug}: ${key.scopes.join(", ")}`,
          ...describeWriteLimits(storedWriteLimits(key.writeLimits)).map((l) => `  limit: ${l}`),
          "",
          `  ${secret}`,
          "",
          "This secret is shown once. Store it now; it cannot be recovered (issue a new key instead).",
        ].join("\n"),
      };
    } catch (e) {
      if (e instanceof ScopeGrantError) throw new CliError(e.code, e.message, 2);
      throw e;
    }
  },
});

export const keyList = defineCommand({
  name: "key:list",
  summary: "List a tenant's API keys (never their secrets)",
  flags: { tenant: { type: "string", description: "Tenant slug", placeholder: "demo" } },
  schema: z.object({ tenant: TenantSlugSchema }),
  run: async (ctx, input) => {
    const db = await ctx.db();
    const tenant = await tenantFlag(db, input.tenant);
    const rows = await listTenantKeys(db, tenant.id);
    const text = rows.length
      ? rows
          .map((r) => {
            const limits = describeWriteLimits(r.writeLimits);
            return `${r.id}  ${r.displayPrefix}…  ${r.status.padEnd(7)}  ${r.name}  [${r.scopes.join(", ")}]  last used ${r.lastUsedAt?.toISOString() ?? "never"}${limits.length ? `\n    limits: ${limits.join("; ")}` : ""}`;
          })
          .join("\n")
      : `No keys for ${tenant.slug}. Create one with \`npx socode key:create --tenant ${tenant.slug} --name …\`.`;
    return { data: rows, text };
  },
});

export const keyRevoke = defineCommand({
  name: "key:revoke",
  summary: "Revoke an API key at once",
  flags: { id: { type: "string", description: "Key id (from key:list)", placeholder: "uuid" } },
  schema: z.object({ id: z.uuid({ error: "must be a key id from `npx socode key:list`" }) }),
  run: async (ctx, { id }) => {
    const db = await ctx.db();
    const key = await db.apiKey.findUnique({ where: { id } });
    if (!key) throw new CliError("key_not_found", `No key with id ${id}.`);
    if (key.revokedAt) return { data: { id, revokedAt: key.revokedAt, alreadyRevoked: true }, text: `Key ${key.displayPrefix}… was already revoked at ${key.revokedAt.toISOString()}.` };
    const revoked = await db.$transaction(async (tx) => {
      const updated = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
      await recordCliEvent(tx, { tenantId: key.tenantId, action: "key.revoke", target: `key:${id}`, outcome: "ok" });
      return updated;
    });
    return { data: { id, revokedAt: revoked.revokedAt, alreadyRevoked: false }, text: `Revoked key ${key.displayPrefix}… (${key.name}).` };
  },
});
