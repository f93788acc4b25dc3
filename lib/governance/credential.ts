// Who is calling: a credential bound to exactly one tenant. Every surface turns its own proof of
// identity (an API key, an OAuth access token, a linked Slack user) into one of these, and the guard
// decides on it alone.
import type { WriteLimits } from "./write-limits";

export type Credential = {
  /** slack: a Slack workspace connection, or a Slack user linked to a console user (lib/slack/credential.ts). */
  type: "key" | "oauth" | "slack";
  id: string;
  tenantId: string;
  scopes: readonly string[];
  /**
   * Caps on writes the admin set with the write scopes (lib/governance/write-limits.ts); `{}` when
   * none. Read with the credential, so a change applies to the next request; an approver's
   * execution re-reads the requesting key's current limits.
   */
  limits: WriteLimits;
  /** Console user who issued the credential (four-eyes rule for writes). */
  issuerId: string | null;
  /** Human-readable label for audit and the console, e.g. "Claude Code (sc_live_ab12cd…)". */
  label: string;
};
