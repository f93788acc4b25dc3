// Slack workspaces ↔ tenants. A workspace (team id) is connected to exactly one tenant, and a tenant
// to at most one workspace. Each connection and each linked Slack user acts through an API-key row
// with no usable secret (as OAuth grants do), so write requests, the four-eyes rule and the audit
// log treat them exactly like keys. Two ways in: "Add to Slack" from the console (OAuth v2, bot token
// sealed at rest) or single-workspace mode from the environment (SLACK_BOT_TOKEN + SOCODE_SLACK_TENANT).
import { AUDITED_TX_OPTIONS, recordAuditEvent } from "@/lib/audit/record-audit-event";
import { planWriteLimits } from "@/lib/console/write-limits-plan";
import type { Db } from "@/lib/db/client";
import type { Tx } from "@/lib/db/transaction";
import { env } from "@/lib/env";
import { Prisma, type SlackConnection, type SlackUserLink, type Tenant } from "@/lib/generated/prisma/client";
import { DEFAULT_PRESET, PRESETS, WRITE_SCOPES, type Preset, type Scope } from "@/lib/governance/scopes";
import { generateSecret, hashSecret } from "@/lib/oauth/secrets";
import { OperationError } from "@/lib/errors";
import { openBotToken, sealBotToken } from "./token-vault";
import { slackWebClient } from "./web-client";

export type ConnectionWithTenant = SlackConnection & { tenant: Tenant };

/** Slack ids: team T…, user U…/W…, channel C…/D…/G…. Anything else is refused at the boundary. */
export const SLACK_ID = /^[A-Z0-9]{2,40}$/;

export function singleWorkspaceMode(): boolean {
  return Boolean(env().SLACK_BOT_TOKEN && env().SOCODE_SLACK_TENANT);
}

async function createIdentityKey(tx: Tx, tenantId: string, name: string, preset: string, scopes: readonly string[], issuerId: string | null, writeLimits: Prisma.JsonValue | null = null) {
  return tx.apiKey.create({
    data: {
      tenantId,
      name,
      displayPrefix: "slack",
      // The row only carries an identity for write requests, four-eyes and audit; its secret is discarded.
      secretHash: hashSecret(generateSecret("slack_unusable_")),
      preset,
      scopes: [...scopes],
      issuerId,
      writeLimits: writeLimits ?? Prisma.DbNull,
    },
  });
}

type ConnectInput = {
  tenantId: string;
  teamId: string;
  teamName: string;
  botUserId: string | null;
  /** null in single-workspace mode (the token stays in the environment). */
  botToken: string | null;
  installedBy: { id: string; email: string } | null;
  requestId: string;
};

export async function connectWorkspace(db: Db, input: ConnectInput): Promise<SlackConnection> {
  if (!SLACK_ID.test(input.teamId)) throw new OperationError("invalid_arguments", "Slack returned an invalid team id.");
  return db.$transaction(async (tx) => {
    const byTeam = await tx.slackConnection.findUnique({ where: { teamId: input.teamId } });
    if (byTeam && byTeam.tenantId !== input.tenantId) {
      throw new OperationError("conflict", `The Slack workspace ${input.teamName} is already connected to another tenant. Disconnect it there first: a workspace serves exactly one tenant.`);
    }
    const byTenant = await tx.slackConnection.findUnique({ where: { tenantId: input.tenantId } });
    if (byTenant && byTenant.teamId !== input.teamId) {
      throw new OperationError("conflict", `This tenant is already connected to the Slack workspace ${byTenant.teamName}. Disconnect it first.`);
    }
    let connection: SlackConnection;
    if (byTenant) {
      // Reinstalling the same workspace (new scopes or a new token): keep links and settings.
      connection = await tx.slackConnection.update({
        where: { id: byTenant.id },
        data: { teamName: input.teamName, botUserId: input.botUserId, botTokenSealed: input.botToken ? sealBotToken(input.botToken, byTenant.id) : null },
      });
    } else {
      const key = await createIdentityKey(tx, input.tenantId, `Slack workspace ${input.teamName}`, DEFAULT_PRESET, PRESETS[DEFAULT_PRESET].scopes, null);
      const id = crypto.randomUUID();
      connection = await tx.slackConnection.create({
        data: {
          id,
          tenantId: input.tenantId,
          teamId: input.teamId,
          teamName: input.teamName,
          botUserId: input.botUserId,
          botTokenSealed: input.botToken ? sealBotToken(input.botToken, id) : null,
          preset: DEFAULT_PRESET,
          writeScopes: [],
          apiKeyId: key.id,
          installedById: input.installedBy?.id ?? null,
        },
      });
    }
    await recordAuditEvent(tx, {
      tenantId: input.tenantId,
      actorType: input.installedBy ? "user" : "system",
      actorId: input.installedBy?.id ?? null,
      actorLabel: input.installedBy?.email ?? null,
      surface: input.installedBy ? "console" : "slack",
      action: "slack.connect",
      target: `slack_team:${input.teamId}`,
      arguments: { teamName: input.teamName, mode: input.botToken ? "oauth" : "single_workspace" },
      outcome: "ok",
      requestId: input.requestId,
    });
    return connection;
  }, AUDITED_TX_OPTIONS);
}

/** The bot token to call Slack with for this connection. */
export function botTokenOf(connection: SlackConnection): string {
  if (connection.botTokenSealed) return openBotToken(connection.botTokenSealed, connection.id);
  const token = env().SLACK_BOT_TOKEN;
  if (!token) throw new OperationError("forbidden", "This Slack workspace has no bot token; reconnect it from the console.");
  return token;
}

let singleWorkspaceTeam: Promise<{ teamId: string; teamName: string; botUserId: string | null } | null> | null = null;

/** In single-workspace mode: which team the env token belongs to (asked once per process with auth.test). */
async function singleWorkspaceIdentity() {
  singleWorkspaceTeam ??= slackWebClient(env().SLACK_BOT_TOKEN)
    .auth.test()
    .then((r) => (r.ok && r.team_id ? { teamId: r.team_id, teamName: r.team ?? r.team_id, botUserId: r.user_id ?? null } : null))
    .catch((err: unknown) => {
      singleWorkspaceTeam = null;
      console.error("[socode] Slack auth.test failed for SLACK_BOT_TOKEN:", err instanceof Error ? err.message : err);
      return null;
    });
  return singleWorkspaceTeam;
}

/** The connection serving a Slack team, or null when the workspace is not connected to any tenant. */
export async function findConnection(db: Db, teamId: string, requestId = "slack"): Promise<ConnectionWithTenant | null> {
  if (!SLACK_ID.test(teamId)) return null;
  const found = await db.slackConnection.findUnique({ where: { teamId }, include: { tenant: true } });
  if (found || !singleWorkspaceMode()) return found;
  const identity = await singleWorkspaceIdentity();
  if (!identity || identity.teamId !== teamId) return null;
  const tenant = await db.tenant.findUnique({ where: { slug: env().SOCODE_SLACK_TENANT ?? "" } });
  if (!tenant) {
    console.error(`[socode] SOCODE_SLACK_TENANT=${env().SOCODE_SLACK_TENANT} names no tenant; Slack requests are refused.`);
    return null;
  }
  try {
    await connectWorkspace(db, { tenantId: tenant.id, teamId, teamName: identity.teamName, botUserId: identity.botUserId, botToken: null, installedBy: null, requestId });
  } catch (err) {
    // Another instance connected it first (unique team id), or the tenant has another workspace.
    if (!(err instanceof OperationError) && !(typeof err === "object" && err && "code" in err && err.code === "P2002")) throw err;
  }
  return db.slackConnection.findUnique({ where: { teamId }, include: { tenant: true } });
}

export async function connectionOfTenant(db: Db, tenantId: string) {
  return db.slackConnection.findUnique({
    where: { tenantId },
    include: {
      links: { include: { user: { select: { id: true, email: true, name: true } } }, orderBy: { createdAt: "asc" } },
      apiKey: { select: { writeLimits: true } },
    },
  });
}

type Actor = { id: string; email: string };

/** Who made a console change to a tenant's Slack connection, as its audit event names them. */
function byConsoleUser(tenantId: string, actor: Actor, requestId: string) {
  return { tenantId, actorType: "user", actorId: actor.id, actorLabel: actor.email, surface: "console", outcome: "ok", requestId } as const;
}

/** Disconnects the tenant's workspace: revokes the bot token at Slack (auth.revoke), then forgets it. */
export async function disconnectWorkspace(db: Db, tenantId: string, actor: Actor, requestId: string): Promise<{ revoked: boolean }> {
  const connection = await db.slackConnection.findUnique({ where: { tenantId }, include: { links: true } });
  if (!connection) throw new OperationError("not_found", "This tenant has no connected Slack workspace.");
  let revoked = false;
  if (connection.botTokenSealed) {
    try {
      const r = await slackWebClient(botTokenOf(connection)).auth.revoke();
      revoked = Boolean(r.ok);
    } catch (err) {
      // Slack unreachable or the token already dead: the token is still destroyed here below.
      console.error("[socode] Slack auth.revoke failed:", err instanceof Error ? err.message : err);
    }
  }
  await db.$transaction(async (tx) => {
    const now = new Date();
    // Identity keys are revoked, not deleted: write requests and audit events keep pointing at them.
    await tx.apiKey.updateMany({ where: { id: { in: [connection.apiKeyId, ...connection.links.map((l) => l.apiKeyId)] } }, data: { revokedAt: now } });
    await tx.slackConnection.delete({ where: { id: connection.id } });
    await recordAuditEvent(tx, {
      ...byConsoleUser(tenantId, actor, requestId),
      action: "slack.disconnect",
      target: `slack_team:${connection.teamId}`,
      arguments: { tokenRevokedAtSlack: revoked },
    });
  }, AUDITED_TX_OPTIONS);
  return { revoked };
}

/**
 * The admin picks the connection's preset, write scopes and write limits, exactly as for a key. The
 * limits are stored on every key row the connection acts through, so the guard checks them when a
 * Slack user asks and lib/writes re-reads them when an approver executes.
 */
export async function updateConnectionScopes(
  db: Db,
  tenantId: string,
  input: { preset: Preset; writeScopes: Scope[]; writeLimits?: unknown },
  actor: Actor,
  requestId: string,
) {
  const writeScopes = WRITE_SCOPES.filter((s) => input.writeScopes.includes(s));
  if (writeScopes.length !== input.writeScopes.length) throw new OperationError("invalid_arguments", "Only write scopes can be granted here; read scopes come with the preset.");
  return db.$transaction(async (tx) => {
    const connection = await tx.slackConnection.findUnique({ where: { tenantId }, include: { links: true } });
    if (!connection) throw new OperationError("not_found", "This tenant has no connected Slack workspace.");
    const limits = await planWriteLimits(tx, tenantId, writeScopes, input.writeLimits);
    const writeLimits = limits ?? Prisma.DbNull;
    const updated = await tx.slackConnection.update({ where: { id: connection.id }, data: { preset: input.preset, writeScopes } });
    // Key rows mirror the grant (for the console and auditors); credentials are built from the connection.
    await tx.apiKey.update({ where: { id: connection.apiKeyId }, data: { preset: input.preset, scopes: [...PRESETS[input.preset].scopes], writeLimits } });
    await tx.apiKey.updateMany({
      where: { id: { in: connection.links.map((l) => l.apiKeyId) } },
      data: { preset: input.preset, scopes: [...PRESETS[input.preset].scopes, ...writeScopes], writeLimits },
    });
    await recordAuditEvent(tx, {
      ...byConsoleUser(tenantId, actor, requestId),
      action: "slack.scopes",
      target: `slack_team:${connection.teamId}`,
      arguments: { preset: input.preset, writeScopes, writeLimits: limits },
    });
    return { ...updated, writeLimits: limits };
  }, AUDITED_TX_OPTIONS);
}

export type LinkWithUser = SlackUserLink & { user: { id: string; email: string; active: boolean }; apiKey: { writeLimits: Prisma.JsonValue | null } };

/** What a link is read with: its console user, and its key row's write limits (the connection's, copied). */
const LINK_INCLUDE = { user: { select: { id: true, email: true, active: true } }, apiKey: { select: { writeLimits: true } } } as const;

/** Links a Slack user to a console user who is a member of the connection's tenant. */
export async function linkSlackUser(
  db: Db,
  connection: SlackConnection,
  input: { slackUserId: string; userId: string; linkedBy: "email" | "console" },
  actor: { type: "user" | "slack"; id: string | null; label: string | null; surface: "console" | "slack" },
  requestId: string,
): Promise<LinkWithUser> {
  if (!SLACK_ID.test(input.slackUserId)) throw new OperationError("invalid_arguments", "A Slack user id looks like U0123ABCD (in Slack: profile → ⋯ → Copy member ID).");
  return db.$transaction(async (tx) => {
    const membership = await tx.membership.findUnique({ where: { tenantId_userId: { tenantId: connection.tenantId, userId: input.userId } }, include: { user: true } });
    if (!membership?.user.active) throw new OperationError("not_found", "That console user is not an active member of this tenant.");
    const existing = await tx.slackUserLink.findUnique({ where: { connectionId_slackUserId: { connectionId: connection.id, slackUserId: input.slackUserId } } });
    if (existing) throw new OperationError("conflict", `Slack user ${input.slackUserId} is already linked; unlink them first.`);
    // A linked user's key row carries the connection's write limits (set with its write scopes).
    const connectionKey = await tx.apiKey.findUniqueOrThrow({ where: { id: connection.apiKeyId }, select: { writeLimits: true } });
    const key = await createIdentityKey(
      tx,
      connection.tenantId,
      `Slack user ${input.slackUserId} (${membership.user.email})`,
      connection.preset,
      [...PRESETS[connection.preset as Preset].scopes, ...connection.writeScopes],
      membership.user.id,
      connectionKey.writeLimits,
    );
    const link = await tx.slackUserLink.create({
      data: { connectionId: connection.id, slackUserId: input.slackUserId, userId: membership.user.id, apiKeyId: key.id, linkedBy: input.linkedBy },
      include: LINK_INCLUDE,
    });
    await recordAuditEvent(tx, {
      tenantId: connection.tenantId,
      actorType: actor.type,
      actorId: actor.id,
      actorLabel: actor.label,
      surface: actor.surface,
      action: "slack.link_user",
      target: `slack_user:${input.slackUserId}`,
      arguments: { userId: membership.user.id, email: membership.user.email, linkedBy: input.linkedBy },
      outcome: "ok",
      requestId,
    });
    return link;
  }, AUDITED_TX_OPTIONS);
}

export async function unlinkSlackUser(db: Db, tenantId: string, linkId: string, actor: Actor, requestId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const link = await tx.slackUserLink.findFirst({ where: { id: linkId, connection: { tenantId } } });
    if (!link) throw new OperationError("not_found", "No such Slack user link in this tenant.");
    await tx.apiKey.update({ where: { id: link.apiKeyId }, data: { revokedAt: new Date() } });
    await tx.slackUserLink.delete({ where: { id: link.id } });
    await recordAuditEvent(tx, {
      ...byConsoleUser(tenantId, actor, requestId),
      action: "slack.unlink_user",
      target: `slack_user:${link.slackUserId}`,
    });
  }, AUDITED_TX_OPTIONS);
}

/**
 * The link for a Slack user, creating one when Slack vouches for their email (users.info with
 * is_email_confirmed) and that email is an active console member of the tenant. Otherwise null: the
 * user stays unlinked and gets the connection's read preset only.
 */
/**
 * Slack users that users.info could not match to a member, remembered for five minutes per
 * instance so a busy unlinked user does not cost a Slack call per message (Slack rate-limits
 * users.info). Bounded staleness: a new console member is recognised within five minutes, or at
 * once when an admin links them explicitly.
 */
const UNMATCHED_TTL_MS = 5 * 60_000;
const unmatched = new Map<string, number>();

export async function resolveSlackUser(db: Db, connection: ConnectionWithTenant, slackUserId: string, requestId: string): Promise<LinkWithUser | null> {
  const find = () =>
    db.slackUserLink.findUnique({
      where: { connectionId_slackUserId: { connectionId: connection.id, slackUserId } },
      include: LINK_INCLUDE,
    });
  const existing = await find();
  if (existing) return existing;
  const memo = `${connection.id}:${slackUserId}`;
  const checkedAt = unmatched.get(memo);
  if (checkedAt !== undefined && Date.now() - checkedAt < UNMATCHED_TTL_MS) return null;
  if (unmatched.size > 10_000) unmatched.clear();
  unmatched.set(memo, Date.now());
  let email: string | null = null;
  try {
    const info = await slackWebClient(botTokenOf(connection)).users.info({ user: slackUserId });
    const user = info.user;
    if (info.ok && user && !user.deleted && !user.is_bot && user.is_email_confirmed && user.profile?.email) email = user.profile.email.toLowerCase();
  } catch (err) {
    console.error("[socode] Slack users.info failed:", err instanceof Error ? err.message : err);
    return null;
  }
  if (!email) return null;
  const member = await db.membership.findFirst({ where: { tenantId: connection.tenantId, user: { email, active: true } } });
  if (!member) return null;
  unmatched.delete(memo);
  try {
    return await linkSlackUser(db, connection, { slackUserId, userId: member.userId, linkedBy: "email" }, { type: "slack", id: connection.apiKeyId, label: `Slack ${connection.teamName}`, surface: "slack" }, requestId);
  } catch (err) {
    if (err instanceof OperationError && err.code === "conflict") return find();
    throw err;
  }
}
