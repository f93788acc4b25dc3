// Who is calling: a credential bound to exactly one tenant. Every surface turns its own proof of
// identity (an API key, an OAuth access token, a linked Slack user) into one of these, and the guard
// decides on it alone.
export type Credential = {
  type: "key" | "oauth";
  id: string;
  tenantId: string;
  scopes: readonly string[];
  /** Console user who issued the credential (four-eyes rule for writes). */
  issuerId: string | null;
  /** Human-readable label for audit and the console, e.g. "Claude Code (sc_live_ab12cd…)". */
  label: string;
};

