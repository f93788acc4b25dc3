// Console sections and who sees them. The navigation shows only what the user's roles allow; each
// page checks again on the server.
import { can, type ConsolePermission, type ConsoleRole } from "./roles";

export type ConsoleSection = { segment: string; label: string; permission: ConsolePermission | null };

export const CONSOLE_SECTIONS: ConsoleSection[] = [
  { segment: "", label: "Overview", permission: null },
  { segment: "approvals", label: "Approvals", permission: "approvals.decide" },
  { segment: "keys", label: "API keys", permission: "keys.read" },
  { segment: "users", label: "Users", permission: "users.read" },
  { segment: "audit", label: "Audit log", permission: "audit.read" },
  { segment: "metrics", label: "Metrics", permission: "metrics.read" },
  { segment: "ingest", label: "Ingest", permission: "ingest.manage" },
  { segment: "connected-apps", label: "Connected apps", permission: null },
  { segment: "slack", label: "Slack", permission: "slack.manage" },
];

export function sectionsFor(roles: readonly ConsoleRole[]): ConsoleSection[] {
  return CONSOLE_SECTIONS.filter((s) => s.permission === null || can(roles, s.permission));
}

export function sectionHref(tenant: string, segment: string): string {
  return segment ? `/t/${tenant}/${segment}` : `/t/${tenant}`;
}
