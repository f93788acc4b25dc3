// The one place a Slack actor becomes a Credential for the guard. Scopes are the connection's: its read preset for
// everyone, plus its write scopes for a linked console user who may request changes (admin or
// approver of the tenant). An unlinked Slack user, or a link whose console user lost their
// membership, gets the read preset only and can never request a write. The linked console user is
// the issuer, so the four-eyes rule stops them approving their own request.
import type { Db } from "@/lib/db/client";
import type { SlackConnection } from "@/lib/generated/prisma/client";
import { PRESETS, WRITE_SCOPES, type Preset, type Scope } from "@/lib/governance/scopes";
import type { Credential } from "@/lib/governance/credential";
import { NO_WRITE_LIMITS, storedWriteLimits } from "@/lib/governance/write-limits";
import type { LinkWithUser } from "./connections";

const MAY_REQUEST_WRITES = ["admin", "approver"] as const;

export type SlackActor = { slackUserId: string; link: LinkWithUser | null; roles: readonly string[] };

export function slackCredential(connection: SlackConnection, actor: SlackActor): Credential {
  const preset = (connection.preset in PRESETS ? connection.preset : "metrics:read") as Preset;
  const read: Scope[] = [...PRESETS[preset].scopes];
  const linked = actor.link?.user.active ? actor.link : null;
  const mayWrite = linked !== null && actor.roles.some((r) => (MAY_REQUEST_WRITES as readonly string[]).includes(r));
  const writes = mayWrite ? WRITE_SCOPES.filter((s) => connection.writeScopes.includes(s)) : [];
  return {
    type: "slack",
    id: linked ? linked.apiKeyId : connection.apiKeyId,
    tenantId: connection.tenantId,
    scopes: [...read, ...writes],
    // The connection's write limits, copied onto the linked user's key row (what approval re-reads).
    limits: linked ? storedWriteLimits(linked.apiKey.writeLimits) : NO_WRITE_LIMITS,
    issuerId: linked ? linked.userId : null,
    label: linked ? `Slack ${actor.slackUserId} (${linked.user.email}) in ${connection.teamName}` : `Slack ${actor.slackUserId} (unlinked) in ${connection.teamName}`,
  };
}

/** The roles the linked console user holds in the connection's tenant (none when unlinked or removed). */
export async function linkedRoles(db: Db, connection: SlackConnection, link: LinkWithUser | null): Promise<string[]> {
  if (!link?.user.active) return [];
  const membership = await db.membership.findUnique({ where: { tenantId_userId: { tenantId: connection.tenantId, userId: link.userId } } });
  return membership ? [...membership.roles] : [];
}
