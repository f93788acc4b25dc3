// Console users of a tenant: list, create (or add an existing user), change roles, deactivate.
// An admin's powers stop at their tenant: they cannot set the password of, or deactivate, a user
// who also belongs to another tenant.
import { z } from "zod";
import { hashPassword, MIN_PASSWORD_LENGTH } from "@/lib/auth/passwords";
import type { Db } from "@/lib/db/client";
import type { Tx } from "@/lib/db/transaction";
import type { ConsoleAccess } from "./access";
import { recordConsoleEvent } from "./console-audit";
import { ConsoleInputError } from "./input-error";
import { CONSOLE_ROLES, RoleSchema, type ConsoleRole } from "./roles";
import { endUserSessions, sessionStateChanged } from "./session-revocation";

export type MemberRow = {
  userId: string;
  email: string;
  name: string;
  roles: ConsoleRole[];
  active: boolean;
  lastSignInAt: Date | null;
  createdAt: Date;
  otherTenants: number;
};

export async function listTenantMembers(db: Db, tenantId: string): Promise<MemberRow[]> {
  const memberships = await db.membership.findMany({
    where: { tenantId },
    include: { user: { include: { _count: { select: { memberships: true } } } } },
    orderBy: { user: { email: "asc" } },
  });
  return memberships.map((m) => ({
    userId: m.userId,
    email: m.user.email,
    name: m.user.name,
    roles: CONSOLE_ROLES.filter((r) => m.roles.includes(r)),
    active: m.user.active,
    lastSignInAt: m.user.lastSignInAt,
    createdAt: m.createdAt,
    otherTenants: m.user._count.memberships - 1,
  }));
}

const RolesSchema = z.array(RoleSchema).min(1, "Give the user at least one role.");

export const CreateUserFormSchema = z.object({
  email: z.email({ error: "Enter a valid email address." }).trim().toLowerCase().max(320),
  name: z.string().trim().min(1, "Enter the person's name.").max(120),
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`)
    .max(256, "Use at most 256 characters."),
  roles: RolesSchema,
});

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ConsoleInputError("invalid_input", parsed.error.issues.map((i) => i.message).join(" "));
  return parsed.data;
}

export async function createTenantUser(
  db: Db,
  access: ConsoleAccess,
  /** Parsed here: form data arrives untyped. */
  input: z.input<typeof CreateUserFormSchema> | Record<string, unknown>,
): Promise<{ userId: string; email: string; existed: boolean }> {
  const form = parse(CreateUserFormSchema, input);
  const existing = await db.user.findUnique({ where: { email: form.email }, include: { memberships: { where: { tenantId: access.tenant.id } } } });
  if (existing?.memberships.length) {
    throw new ConsoleInputError("already_member", `${form.email} is already a member of ${access.tenant.slug}; change their roles in the list.`);
  }
  // Hash outside the transaction: argon2 is deliberately slow.
  const passwordHash = existing ? null : await hashPassword(form.password);
  return db.$transaction(async (tx) => {
    const user = existing ?? (await tx.user.create({ data: { email: form.email, name: form.name, passwordHash } }));
    await tx.membership.create({ data: { tenantId: access.tenant.id, userId: user.id, roles: form.roles } });
    await recordConsoleEvent(tx, access, {
      action: existing ? "user.add" : "user.create",
      target: `user:${user.id}`,
      arguments: { email: user.email, roles: form.roles },
      outcome: "ok",
    });
    return { userId: user.id, email: user.email, existed: Boolean(existing) };
  });
}

async function adminCount(tx: Tx, tenantId: string): Promise<number> {
  return tx.membership.count({ where: { tenantId, roles: { has: "admin" }, user: { active: true } } });
}

async function lockTenantMemberships(tx: Tx, tenantId: string): Promise<void> {
  // Two admins demoting each other at once must not leave the tenant without one.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`memberships:${tenantId}`}, 0))`;
}

export const SetRolesFormSchema = z.object({ userId: z.string().uuid("Choose a user."), roles: RolesSchema });

export async function setMemberRoles(
  db: Db,
  access: ConsoleAccess,
  input: z.input<typeof SetRolesFormSchema> | Record<string, unknown>,
): Promise<{ email: string; roles: ConsoleRole[]; sessionsEnded: boolean }> {
  const form = parse(SetRolesFormSchema, input);
  const roles = CONSOLE_ROLES.filter((r) => form.roles.includes(r));
  const result = await db.$transaction(async (tx) => {
    await lockTenantMemberships(tx, access.tenant.id);
    const membership = await tx.membership.findUnique({
      where: { tenantId_userId: { tenantId: access.tenant.id, userId: form.userId } },
      include: { user: { select: { email: true, active: true } } },
    });
    if (!membership) throw new ConsoleInputError("not_member", "That user is not a member of this tenant. Reload the list.");
    const losesAdmin = membership.roles.includes("admin") && !roles.includes("admin");
    if (losesAdmin && form.userId === access.user.id) {
      throw new ConsoleInputError("own_admin_role", "You cannot remove your own admin role. Ask another admin to do it.");
    }
    if (losesAdmin && membership.user.active && (await adminCount(tx, access.tenant.id)) <= 1) {
      throw new ConsoleInputError("last_admin", `${membership.user.email} is the last admin of ${access.tenant.slug}; make someone else an admin first.`);
    }
    await tx.membership.update({ where: { id: membership.id }, data: { roles } });
    // A removed role ends the user's live sessions: they sign in again and see what they may do now.
    const removed = membership.roles.filter((r) => !roles.includes(r));
    if (removed.length) await endUserSessions(tx, form.userId);
    await recordConsoleEvent(tx, access, {
      action: "user.roles.update",
      target: `user:${form.userId}`,
      arguments: { email: membership.user.email, from: membership.roles, to: roles, sessionsEnded: removed.length > 0 },
      outcome: "ok",
    });
    return { email: membership.user.email, roles, sessionsEnded: removed.length > 0 };
  });
  if (result.sessionsEnded) sessionStateChanged(form.userId);
  return result;
}

export const SetActiveFormSchema = z.object({ userId: z.string().uuid("Choose a user."), active: z.boolean() });

/** Deactivating blocks sign-in everywhere, so it is allowed only for users of this tenant alone. */
export async function setUserActive(db: Db, access: ConsoleAccess, input: z.input<typeof SetActiveFormSchema> | Record<string, unknown>): Promise<{ email: string; active: boolean }> {
  const form = parse(SetActiveFormSchema, input);
  const result = await db.$transaction(async (tx) => {
    await lockTenantMemberships(tx, access.tenant.id);
    const membership = await tx.membership.findUnique({
      where: { tenantId_userId: { tenantId: access.tenant.id, userId: form.userId } },
      include: { user: { include: { _count: { select: { memberships: true } } } } },
    });
    if (!membership) throw new ConsoleInputError("not_member", "That user is not a member of this tenant. Reload the list.");
    const user = membership.user;
    if (form.userId === access.user.id) throw new ConsoleInputError("self", "You cannot deactivate yourself. Ask another admin.");
    if (user._count.memberships > 1) {
      throw new ConsoleInputError(
        "other_tenants",
        `${user.email} also belongs to another tenant, so deactivating would lock them out there too. Ask an operator to deactivate them with the CLI, or reduce their roles here.`,
      );
    }
    if (!form.active && membership.roles.includes("admin") && user.active && (await adminCount(tx, access.tenant.id)) <= 1) {
      throw new ConsoleInputError("last_admin", `${user.email} is the last admin of ${access.tenant.slug}; make someone else an admin first.`);
    }
    if (user.active === form.active) return { email: user.email, active: user.active };
    await tx.user.update({ where: { id: user.id }, data: { active: form.active } });
    // Deactivation ends live sessions for good: reactivating later does not bring them back.
    if (!form.active) await endUserSessions(tx, user.id);
    await recordConsoleEvent(tx, access, {
      action: form.active ? "user.reactivate" : "user.deactivate",
      target: `user:${user.id}`,
      arguments: { email: user.email },
      outcome: "ok",
    });
    return { email: user.email, active: form.active };
  });
  // Either way this instance re-reads: deactivated ends sessions, reactivated lets new ones count.
  sessionStateChanged(form.userId);
  return result;
}
