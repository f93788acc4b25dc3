// Connected apps in the console: the grants of a tenant (admins see all, others their own), and
// revocation (effective on this instance's next request, and on every other instance within the
// credentials cache epoch's bound, lib/db/cache-epochs.ts).
import { forgetCachedCredentials } from "@/lib/auth/credential-cache";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { ConsoleAccess } from "@/lib/console/access";
import type { Db } from "@/lib/db/client";
import { storedWriteLimits, type WriteLimits } from "@/lib/governance/write-limits";
import { revokeGrantInTx } from "./tokens";

export type ConnectedApp = {
  id: string;
  clientName: string;
  clientId: string;
  clientKind: "dynamic" | "metadata_document";
  redirectUris: string[];
  userEmail: string;
  userId: string;
  /** The key row the grant acts through: its page shows and changes the grant's write limits. */
  apiKeyId: string;
  writeLimits: WriteLimits;
  preset: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedReason: string | null;
};

export function seesAllGrants(access: Pick<ConsoleAccess, "roles">): boolean {
  return access.roles.includes("admin");
}

export async function listConnectedApps(db: Db, access: Pick<ConsoleAccess, "roles" | "tenant" | "user">, limit = 200): Promise<ConnectedApp[]> {
  const rows = await db.oAuthGrant.findMany({
    where: { tenantId: access.tenant.id, ...(seesAllGrants(access) ? {} : { userId: access.user.id }) },
    include: {
      client: { select: { name: true, clientId: true, kind: true, redirectUris: true } },
      user: { select: { email: true } },
      apiKey: { select: { writeLimits: true } },
    },
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
    take: limit,
  });
  return rows.map((g) => ({
    id: g.id,
    clientName: g.client.name,
    clientId: g.client.clientId,
    clientKind: g.client.kind,
    redirectUris: g.client.redirectUris,
    userEmail: g.user.email,
    userId: g.userId,
    apiKeyId: g.apiKeyId,
    writeLimits: storedWriteLimits(g.apiKey.writeLimits),
    preset: g.preset,
    scopes: g.scopes,
    createdAt: g.createdAt,
    lastUsedAt: g.lastUsedAt,
    revokedAt: g.revokedAt,
    revokedReason: g.revokedReason,
  }));
}

export type RevokeOutcome = { ok: true } | { ok: false; code: "not_found" | "already_revoked"; message: string };

/** Revokes a grant the user may manage (admins: any in the tenant; others: their own). Audited. */
export async function revokeConnectedApp(db: Db, access: Pick<ConsoleAccess, "roles" | "tenant" | "user">, grantId: string, now: Date = new Date()): Promise<RevokeOutcome> {
  const grant = await db.oAuthGrant.findFirst({ where: { id: grantId, tenantId: access.tenant.id }, include: { client: { select: { name: true, clientId: true } } } });
  if (!grant || (!seesAllGrants(access) && grant.userId !== access.user.id)) {
    return { ok: false, code: "not_found", message: "No such connected app in this tenant, or it is not yours to revoke." };
  }
  if (grant.revokedAt) return { ok: false, code: "already_revoked", message: "This app was already disconnected." };
  await db.$transaction(async (tx) => {
    await revokeGrantInTx(tx, grant.id, "user", now);
    await recordAuditEvent(tx, {
      tenantId: access.tenant.id,
      actorType: "user",
      actorId: access.user.id,
      actorLabel: access.user.email,
      surface: "console",
      action: "oauth.grant.revoke",
      target: `oauth_grant:${grant.id}`,
      outcome: "ok",
      arguments: { client: grant.client.name, clientId: grant.client.clientId },
    });
  });
  forgetCachedCredentials(db);
  return { ok: true };
}
