// Resolving what a signed-in user may do in a tenant, straight from the database on every request:
// a deactivated user or a removed role loses access at once, whatever their session cookie says.
import type { DbOrTx } from "@/lib/db/transaction";
import { TenantSlugSchema } from "@/lib/governance/tenants";
import { CONSOLE_PERMISSIONS, hasAnyRole, type ConsolePermission, type ConsoleRole } from "./roles";

export type ConsoleUser = { id: string; email: string; name: string };
export type ConsoleTenant = { id: string; slug: string; name: string; timeZone: string; currency: string };
export type ConsoleMembership = { tenant: ConsoleTenant; roles: ConsoleRole[] };

export type ConsoleAccess = {
  user: ConsoleUser;
  tenant: ConsoleTenant;
  roles: ConsoleRole[];
  /** All tenants the user belongs to, for the tenant switcher. */
  memberships: ConsoleMembership[];
};

export type AccessDenial =
  | { ok: false; reason: "unauthenticated" }
  | { ok: false; reason: "not_member" }
  | { ok: false; reason: "forbidden"; user: ConsoleUser; tenant: ConsoleTenant; roles: ConsoleRole[]; needed: readonly ConsoleRole[] };

export type AccessResult = ({ ok: true } & ConsoleAccess) | AccessDenial;

export type SignedInState = { ok: true; user: ConsoleUser; memberships: ConsoleMembership[] } | { ok: false; reason: "unauthenticated" };

/** The active user and their memberships, or unauthenticated when the user is gone or deactivated. */
export async function loadSignedInUser(db: DbOrTx, userId: string | null): Promise<SignedInState> {
  if (!userId) return { ok: false, reason: "unauthenticated" };
  const user = await db.user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      email: true,
      name: true,
      active: true,
      memberships: {
        select: { roles: true, tenant: { select: { id: true, slug: true, name: true, timeZone: true, currency: true } } },
        orderBy: { tenant: { slug: "asc" } },
      },
    },
  });
  if (!user || !user.active) return { ok: false, reason: "unauthenticated" };
  return {
    ok: true,
    user: { id: user.id, email: user.email, name: user.name },
    memberships: user.memberships.filter((m) => m.roles.length > 0),
  };
}

/**
 * Whether `userId` may act in tenant `slug` with one of `roles` (or a named permission).
 * A tenant the user does not belong to is "not_member", never a hint that it exists.
 */
export async function resolveConsoleAccess(
  db: DbOrTx,
  userId: string | null,
  slug: string,
  need: readonly ConsoleRole[] | ConsolePermission = [],
): Promise<AccessResult> {
  const signedIn = await loadSignedInUser(db, userId);
  if (!signedIn.ok) return signedIn;
  const validSlug = TenantSlugSchema.safeParse(slug);
  const membership = validSlug.success ? signedIn.memberships.find((m) => m.tenant.slug === validSlug.data) : undefined;
  if (!membership) return { ok: false, reason: "not_member" };
  const needed = typeof need === "string" ? CONSOLE_PERMISSIONS[need] : need;
  if (!hasAnyRole(membership.roles, needed)) {
    return { ok: false, reason: "forbidden", user: signedIn.user, tenant: membership.tenant, roles: membership.roles, needed };
  }
  return { ok: true, user: signedIn.user, tenant: membership.tenant, roles: membership.roles, memberships: signedIn.memberships };
}
