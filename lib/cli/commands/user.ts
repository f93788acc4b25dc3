import { z } from "zod";
import { hashPassword, MIN_PASSWORD_LENGTH } from "@/lib/auth/passwords";
import { TenantSlugSchema } from "@/lib/governance/tenants";
import { endUserSessions } from "@/lib/console/session-revocation";
import { Role } from "@/lib/generated/prisma/enums";
import { CliError, defineCommand, tenantFlag } from "../command";
import { recordCliEvent } from "../cli-audit";

const ROLES = Object.values(Role);

const RolesSchema = z
  .string({ error: "is required" })
  .transform((s) => s.split(",").map((r) => r.trim()).filter(Boolean))
  .pipe(
    z
      .array(z.enum(ROLES as [Role, ...Role[]], { error: (i) => `unknown role "${String(i.input)}" (roles: ${ROLES.join(", ")})` }))
      .min(1, "name at least one role"),
  );

export const userCreate = defineCommand({
  name: "user:create",
  summary: "Create a console user with roles on a tenant (or grant an existing user roles on another tenant)",
  flags: {
    email: { type: "string", description: "Sign-in email", placeholder: "ana@example.com" },
    password: { type: "string", description: `Password (at least ${MIN_PASSWORD_LENGTH} characters; omit for an existing user)`, placeholder: "password" },
    name: { type: "string", description: "Display name (defaults to the email's local part)", placeholder: "Ana" },
    tenant: { type: "string", description: "Tenant slug", placeholder: "demo" },
    roles: { type: "string", description: "Comma-separated: admin,approver,auditor", placeholder: "roles" },
  },
  schema: z.object({
    email: z.email({ error: "must be an email address" }).transform((e) => e.toLowerCase()),
    password: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(256).optional(),
    name: z.string().trim().min(1).max(120).optional(),
    tenant: TenantSlugSchema,
    roles: RolesSchema,
  }),
  examples: ["npx socode user:create --email ana@example.com --password 'correct horse battery' --tenant demo --roles admin,approver"],
  run: async (ctx, input) => {
    const db = await ctx.db();
    const tenant = await tenantFlag(db, input.tenant);
    const existing = await db.user.findUnique({ where: { email: input.email } });
    if (existing && input.password) {
      throw new CliError("user_exists", `User ${input.email} already exists. Omit --password to grant roles on tenant ${tenant.slug}.`);
    }
    if (!existing && !input.password) throw new CliError("password_required", "--password is required for a new user.", 2);
    const passwordHash = input.password ? await hashPassword(input.password) : undefined;
    const result = await db.$transaction(async (tx) => {
      const user =
        existing ??
        (await tx.user.create({ data: { email: input.email, name: input.name ?? input.email.split("@")[0] ?? input.email, passwordHash } }));
      const before = existing
        ? await tx.membership.findUnique({ where: { tenantId_userId: { tenantId: tenant.id, userId: user.id } }, select: { roles: true } })
        : null;
      // As in the console: a removed role ends the user's live console sessions.
      const removed = (before?.roles ?? []).filter((r) => !input.roles.includes(r));
      if (removed.length) await endUserSessions(tx, user.id);
      const membership = await tx.membership.upsert({
        where: { tenantId_userId: { tenantId: tenant.id, userId: user.id } },
        create: { tenantId: tenant.id, userId: user.id, roles: input.roles },
        update: { roles: input.roles },
      });
      await recordCliEvent(tx, {
        tenantId: tenant.id,
        action: existing ? "user.roles.update" : "user.create",
        target: `user:${user.email}`,
        arguments: { email: user.email, roles: input.roles, ...(removed.length ? { sessionsEnded: true } : {}) },
        outcome: "ok",
      });
      return { user: { id: user.id, email: user.email, name: user.name }, tenant: tenant.slug, roles: membership.roles };
    });
    return {
      data: result,
      text: `${existing ? "Updated" : "Created"} ${result.user.email} with roles ${result.roles.join(", ")} on ${tenant.slug}.`,
    };
  },
});
