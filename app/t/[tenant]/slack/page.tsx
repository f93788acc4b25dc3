import type { Metadata } from "next";
import { Badge, buttonStyles, EmptyState, inputStyles, Notice, PageHeader, tableStyles } from "@/components/console/ui";
import { formatDateTime } from "@/components/console/format";
import { WriteLimitsFields } from "@/components/console/write-limits-fields";
import { requireConsoleUser } from "@/lib/console/session";
import { getReadyDb } from "@/lib/db/ready";
import { PRESET_NAMES, PRESETS, SCOPES, WRITE_SCOPES } from "@/lib/governance/scopes";
import { storedWriteLimits } from "@/lib/governance/write-limits";
import { connectionOfTenant, singleWorkspaceMode } from "@/lib/slack/connections";
import { installConfigured } from "@/lib/slack/install";
import { disconnectSlackAction, linkSlackUserAction, unlinkSlackUserAction, updateSlackScopesAction } from "./actions";

export const metadata: Metadata = { title: "Slack" };
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ tenant: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

function one(v: string | string[] | undefined): string | null {
  return typeof v === "string" && v.length ? v.slice(0, 500) : null;
}

export default async function SlackPage({ params, searchParams }: Props) {
  const { tenant } = await params;
  const query = await searchParams;
  const access = await requireConsoleUser({ tenant, need: "slack.manage", from: `/t/${tenant}/slack` });
  const db = await getReadyDb();
  const connection = await connectionOfTenant(db, access.tenant.id);
  const tiers = (await db.tier.findMany({ where: { tenantId: access.tenant.id }, orderBy: { rank: "asc" }, select: { name: true } })).map((t) => t.name);
  const members = await db.membership.findMany({ where: { tenantId: access.tenant.id, user: { active: true } }, include: { user: { select: { id: true, email: true } } }, orderBy: { user: { email: "asc" } } });
  const error = one(query.error);
  const done = one(query.done);
  const connected = one(query.connected);

  return (
    <>
      <PageHeader
        title="Slack"
        description={`Ask certified metrics and approve write requests from the Slack workspace connected to this tenant (${access.tenant.name}). One workspace serves exactly one tenant; everything goes through the same scopes, approvals and audit log as the MCP endpoint.`}
      />
      <div className="space-y-6">
        {error ? <Notice tone="error">{error}</Notice> : null}
        {done ? <Notice tone="success">{done}</Notice> : null}
        {connected ? <Notice tone="success">Connected the Slack workspace {connected}.</Notice> : null}

        {!connection ? (
          <EmptyState title="No Slack workspace connected">
            {installConfigured() ? (
              <a href={`/api/slack/install?tenant=${encodeURIComponent(access.tenant.slug)}`} className={buttonStyles.primary} data-testid="add-to-slack">
                Add to Slack
              </a>
            ) : singleWorkspaceMode() ? (
              <span>Single-workspace mode is configured: the workspace connects itself on its first message to the bot.</span>
            ) : (
              <span>
                Set <code>SLACK_CLIENT_ID</code>, <code>SLACK_CLIENT_SECRET</code> and <code>SLACK_SIGNING_SECRET</code> to enable Add to Slack, or use single-workspace mode (see docs/slack.md).
              </span>
            )}
          </EmptyState>
        ) : (
          <>
            <section className="rounded-lg border border-slate-200 bg-white p-4" data-testid="slack-connection">
              <div className="flex items-start justify-between gap-4">
                <div>
                  <h2 className="text-base font-semibold">{connection.teamName}</h2>
                  <p className="text-sm text-slate-600">
                    Team <span className="font-mono">{connection.teamId}</span> · connected {formatDateTime(connection.createdAt)} ·{" "}
                    {connection.botTokenSealed ? <Badge tone="green">Add to Slack (token encrypted)</Badge> : <Badge tone="slate">single-workspace mode</Badge>}
                  </p>
                </div>
                <form action={disconnectSlackAction}>
                  <input type="hidden" name="tenant" value={access.tenant.slug} />
                  <button type="submit" className={buttonStyles.danger}>
                    Disconnect
                  </button>
                </form>
              </div>
            </section>

            <section className="rounded-lg border border-slate-200 bg-white p-4">
              <h2 className="mb-1 text-base font-semibold">Access</h2>
              <p className="mb-3 text-sm text-slate-600">
                Everyone in the workspace gets the preset&apos;s read scopes. Write scopes apply only to Slack users linked to an admin or approver below; unlinked users can never request a change.
              </p>
              <form action={updateSlackScopesAction} className="space-y-3">
                <input type="hidden" name="tenant" value={access.tenant.slug} />
                <label className="block text-sm font-medium">
                  Preset
                  <select name="preset" defaultValue={connection.preset} className={`${inputStyles} mt-1 block`}>
                    {PRESET_NAMES.map((p) => (
                      <option key={p} value={p}>
                        {PRESETS[p].label}
                      </option>
                    ))}
                  </select>
                </label>
                <fieldset>
                  <legend className="text-sm font-medium">Write scopes</legend>
                  {WRITE_SCOPES.map((s) => (
                    <label key={s} className="mt-1 flex items-center gap-2 text-sm">
                      <input type="checkbox" name="writeScopes" value={s} defaultChecked={connection.writeScopes.includes(s)} />
                      <span className="font-mono">{s}</span> <span className="text-slate-500">{SCOPES[s].description}</span>
                    </label>
                  ))}
                </fieldset>
                <WriteLimitsFields tiers={tiers} defaults={storedWriteLimits(connection.apiKey.writeLimits)} idPrefix="slack-limits" legend="Write limits (for linked users' requests)" />
                <button type="submit" className={buttonStyles.primary}>
                  Save access
                </button>
              </form>
            </section>

            <section className="rounded-lg border border-slate-200 bg-white p-4">
              <h2 className="mb-1 text-base font-semibold">Linked Slack users</h2>
              <p className="mb-3 text-sm text-slate-600">
                A Slack user whose verified Slack email matches a console user of this tenant is linked on their first message. Link others explicitly with their Slack member id.
              </p>
              {connection.links.length ? (
                <div className={tableStyles.wrap}>
                  <table className={tableStyles.table} data-testid="slack-links">
                    <thead>
                      <tr>
                        <th className={tableStyles.th}>Slack user</th>
                        <th className={tableStyles.th}>Console user</th>
                        <th className={tableStyles.th}>Linked by</th>
                        <th className={tableStyles.th}>Since</th>
                        <th className={tableStyles.th}>
                          <span className="sr-only">Actions</span>
                        </th>
                      </tr>
                    </thead>
                    <tbody className="divide-y divide-slate-100">
                      {connection.links.map((l) => (
                        <tr key={l.id} data-testid="slack-link-row">
                          <td className={`${tableStyles.td} font-mono`}>{l.slackUserId}</td>
                          <td className={tableStyles.td}>{l.user.email}</td>
                          <td className={tableStyles.td}>{l.linkedBy === "email" ? "verified email" : "admin"}</td>
                          <td className={tableStyles.td}>{formatDateTime(l.createdAt)}</td>
                          <td className={tableStyles.td}>
                            <form action={unlinkSlackUserAction}>
                              <input type="hidden" name="tenant" value={access.tenant.slug} />
                              <input type="hidden" name="linkId" value={l.id} />
                              <button type="submit" className="rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50" aria-label={`Unlink ${l.slackUserId}`}>
                                Unlink
                              </button>
                            </form>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : (
                <p className="text-sm text-slate-500">No linked users yet.</p>
              )}
              <form action={linkSlackUserAction} className="mt-4 flex flex-wrap items-end gap-3">
                <input type="hidden" name="tenant" value={access.tenant.slug} />
                <label className="text-sm font-medium">
                  Slack member id
                  <input name="slackUserId" required placeholder="U0123ABCD" className={`${inputStyles} mt-1 block font-mono`} />
                </label>
                <label className="text-sm font-medium">
                  Console user
                  <select name="userId" className={`${inputStyles} mt-1 block`}>
                    {members.map((m) => (
                      <option key={m.user.id} value={m.user.id}>
                        {m.user.email} ({m.roles.join(", ")})
                      </option>
                    ))}
                  </select>
                </label>
                <button type="submit" className={buttonStyles.secondary}>
                  Link user
                </button>
              </form>
            </section>
          </>
        )}
      </div>
    </>
  );
}
