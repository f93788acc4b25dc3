// Console roles per tenant membership. A user may hold several; pages and actions name the roles
// that may use them (any one suffices).
import { z } from "zod";
import { Role } from "@/lib/generated/prisma/enums";

export type ConsoleRole = Role;
export const CONSOLE_ROLES = Object.values(Role) as ConsoleRole[];
export const RoleSchema = z.enum(CONSOLE_ROLES as [ConsoleRole, ...ConsoleRole[]], {
  error: (i) => `Unknown role "${String(i.input)}". Roles: ${CONSOLE_ROLES.join(", ")}`,
});

export const ROLE_DESCRIPTIONS: Record<ConsoleRole, string> = {
  admin: "Issues and revokes keys, manages users.",
  approver: "Approves or rejects agents' write requests.",
  auditor: "Reads, exports and verifies the audit log.",
};

/** Who may do what in the console. One table, read by the guard and by the navigation. */
export const CONSOLE_PERMISSIONS = {
  "keys.read": ["admin"],
  "keys.manage": ["admin"],
  "users.read": ["admin"],
  "users.manage": ["admin"],
  "audit.read": ["auditor", "admin"],
  "audit.export": ["auditor", "admin"],
  "audit.verify": ["auditor", "admin"],
  "approvals.decide": ["approver"],
  "metrics.read": ["admin", "approver", "auditor"],
  "slack.manage": ["admin"],
  "ingest.manage": ["admin"],
} as const satisfies Record<string, readonly ConsoleRole[]>;

export type ConsolePermission = keyof typeof CONSOLE_PERMISSIONS;

export function isConsolePermission(value: string): value is ConsolePermission {
  return Object.hasOwn(CONSOLE_PERMISSIONS, value);
}

export function hasAnyRole(held: readonly ConsoleRole[], allowed: readonly ConsoleRole[]): boolean {
  return allowed.length === 0 || allowed.some((r) => held.includes(r));
}

export function can(held: readonly ConsoleRole[], permission: ConsolePermission): boolean {
  return hasAnyRole(held, CONSOLE_PERMISSIONS[permission]);
}
