import { z } from "zod";
import { issueApiKey, parseExpiry } from "@/lib/auth/api-keys";
import { listTenantKeys } from "@/lib/console/keys";
import { PresetSchema, ScopeSchema, DEFAULT_PRESET, ScopeGrantError } from "@/lib/governance/scopes";
import { TenantSlugSchema } from "@/lib/governance/tenants";
import { CliError, defineCommand, tenantFlag } from "../command";
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
    expires: z
      .string()
      .transform((value, ctx) => {
        try {
          return parseExpiry(value);
        } catch (e) {
          ctx.addIssue({ code: "custom", message: (e as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
    as: z.email().optional(),
  }),
  examples: [
    'npx socode key:create --tenant demo --name "Claude Code" --preset metrics:read',
    'npx socode key:create --tenant demo --name "Ops agent" --preset analyst --scopes coupons:write --expires 30d',
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
    try {
      const { key, secret } = await db.$transaction(async (tx) => {
        const issued = await issueApiKey(tx, {
          tenantId: tenant.id,
          name: input.name,
          preset: input.preset,
          grantedScopes: input.scopes,
          issuerId,
          expiresAt: input.expires ?? null,
        });
        await recordCliEvent(tx, {
          tenantId: tenant.id,
          action: "key.create",
          target: `key:${issued.key.id}`,
          arguments: { name: input.name, preset: input.preset, scopes: issued.key.scopes, expiresAt: input.expires ?? null },
          outcome: "ok",
        });
        return issued;
      });
      return {
        data: { id: key.id, tenant: tenant.slug, name: key.name, preset: key.preset, scopes: key.scopes, displayPrefix: key.displayPrefix, expiresAt: key.expiresAt, secret },
        text: [
          `Created key ${key.displayPrefix}… (${key.id}) for ${tenant.slug}: ${key.scopes.join(", ")}`,
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
      ? rows.map((r) => `${r.id}  ${r.displayPrefix}…  ${r.status.padEnd(7)}  ${r.name}  [${r.scopes.join(", ")}]  last used ${r.lastUsedAt?.toISOString() ?? "never"}`).join("\n")
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
