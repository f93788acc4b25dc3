// The one server-side guard for console pages, server actions and route handlers.
// Server actions are public POST endpoints: each one calls authorizeConsoleAction() itself.
import { getServerSession } from "next-auth";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { z } from "zod";
import { getReadyDb } from "@/lib/db/ready";
import { authOptions } from "./auth-options";
import { loadSignedInUser, resolveConsoleAccess, type AccessResult, type ConsoleAccess, type SignedInState } from "./access";
import { recordConsoleDenial } from "./console-audit";
import { RoleSchema, isConsolePermission, type ConsolePermission, type ConsoleRole } from "./roles";

const SessionSchema = z.object({ user: z.object({ id: z.string().uuid() }) });

/** The signed-in user's id from the session cookie, or null. Cached per request. */
export const currentUserId = cache(async (): Promise<string | null> => {
  const session = await getServerSession(authOptions());
  const parsed = SessionSchema.safeParse(session);
  return parsed.success ? parsed.data.user.id : null;
});

export type ConsoleRequirement = { tenant: string; need?: readonly ConsoleRole[] | ConsolePermission };

function parseNeed(key: string): readonly ConsoleRole[] | ConsolePermission {
  if (isConsolePermission(key)) return key;
  return key.split(",").flatMap((r) => {
    const role = RoleSchema.safeParse(r);
    return role.success ? [role.data] : [];
  });
}

// React's cache() dedupes by argument identity, so the requirement travels as a string key.
const resolveCached = cache(async (tenant: string, need: string): Promise<AccessResult> => {
  const db = await getReadyDb();
  return resolveConsoleAccess(db, await currentUserId(), tenant, parseNeed(need));
});

function needKey(need: ConsoleRequirement["need"]): string {
  if (!need) return "";
  return typeof need === "string" ? need : [...need].sort().join(",");
}

/**
 * For pages and layouts: the access, or a redirect to sign-in (no session), a 404 (not a member:
 * the tenant's existence is not revealed) or the tenant's "not allowed" page (missing role).
 */
export async function requireConsoleUser(req: ConsoleRequirement & { from?: string }): Promise<ConsoleAccess> {
  const access = await resolveCached(req.tenant, needKey(req.need));
  if (access.ok) return access;
  if (access.reason === "unauthenticated") redirect(`/sign-in?callbackUrl=${encodeURIComponent(req.from ?? `/t/${req.tenant}`)}`);
  if (access.reason === "not_member") notFound();
  redirect(`/t/${access.tenant.slug}/forbidden?need=${encodeURIComponent(access.needed.join(","))}`);
}

/**
 * For the tenant layout, which cannot see the URL: the access, null when signed out (the layout
 * then redirects from the browser, keeping the path), or a 404 when not a member.
 */
export async function consoleAccessForLayout(tenant: string): Promise<ConsoleAccess | null> {
  const access = await resolveCached(tenant, "");
  if (access.ok) return access;
  if (access.reason === "unauthenticated") return null;
  notFound();
}

/** For pages outside a tenant (the tenant chooser). */
export async function requireSignedIn(from = "/t"): Promise<Extract<SignedInState, { ok: true }>> {
  const db = await getReadyDb();
  const state = await loadSignedInUser(db, await currentUserId());
  if (!state.ok) redirect(`/sign-in?callbackUrl=${encodeURIComponent(from)}`);
  return state;
}

export class ConsoleAccessError extends Error {
  constructor(
    readonly code: "unauthenticated" | "not_member" | "forbidden",
    message: string,
    readonly status: 401 | 403 | 404,
  ) {
    super(message);
  }
}

export function accessErrorFor(access: Exclude<AccessResult, { ok: true }>, action: string): ConsoleAccessError {
  switch (access.reason) {
    case "unauthenticated":
      return new ConsoleAccessError("unauthenticated", "Your session has ended. Sign in again.", 401);
    case "not_member":
      return new ConsoleAccessError("not_member", "No such tenant, or you are not a member of it.", 404);
    case "forbidden":
      return new ConsoleAccessError(
        "forbidden",
        `${action} needs the ${access.needed.join(" or ")} role in ${access.tenant.slug}; ask a tenant admin to grant it.`,
        403,
      );
  }
}

/**
 * For server actions and route handlers: the access, or a ConsoleAccessError with a status and a
 * message a person can act on. A member lacking the role is audited as a denied console action.
 */
export async function authorizeConsoleAction(req: ConsoleRequirement & { action: string; label?: string }): Promise<ConsoleAccess> {
  const db = await getReadyDb();
  const access = await resolveConsoleAccess(db, await currentUserId(), req.tenant, req.need ?? []);
  if (access.ok) return access;
  if (access.reason === "forbidden") await recordConsoleDenial(db, access, req.action);
  throw accessErrorFor(access, req.label ?? "This action");
}
