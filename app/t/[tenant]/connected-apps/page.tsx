import type { Metadata } from "next";
import { describeWriteLimits } from "@/lib/governance/write-limits";
import { Badge, EmptyState, PageHeader, tableStyles } from "@/components/console/ui";
import { formatAgo, formatDateTime } from "@/components/console/format";
import { requireConsoleUser } from "@/lib/console/session";
import { getReadyDb } from "@/lib/db/ready";
import { listConnectedApps, seesAllGrants } from "@/lib/oauth/grants";
import { RevokeApp } from "./revoke-app";

export const metadata: Metadata = { title: "Connected apps" };
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ tenant: string }> };

export default async function ConnectedAppsPage({ params }: Props) {
  const { tenant } = await params;
  const access = await requireConsoleUser({ tenant, from: `/t/${tenant}/connected-apps` });
  const apps = await listConnectedApps(await getReadyDb(), access);
  const now = new Date();
  const all = seesAllGrants(access);

  return (
    <>
      <PageHeader
        title="Connected apps"
        description={
          all
            ? `Apps (MCP clients such as Claude Desktop) that members connected to ${access.tenant.name} with OAuth. Each acts as the member who connected it, with the access shown.`
            : `Apps you connected to ${access.tenant.name} with OAuth. Each acts as you, with the access shown.`
        }
      />
      {apps.length === 0 ? (
        <EmptyState title="No connected apps">Connect Claude Desktop, Claude Code or Cursor with this server&apos;s MCP URL; they will ask you to sign in and consent here.</EmptyState>
      ) : (
        <div className={tableStyles.wrap}>
          <table className={tableStyles.table} data-testid="connected-apps">
            <thead>
              <tr>
                <th className={tableStyles.th}>App</th>
                {all ? <th className={tableStyles.th}>Connected by</th> : null}
                <th className={tableStyles.th}>Access</th>
                <th className={tableStyles.th}>Connected</th>
                <th className={tableStyles.th}>Last used</th>
                <th className={tableStyles.th}>Status</th>
                <th className={tableStyles.th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {apps.map((a) => (
                <tr key={a.id} data-testid="connected-app-row">
                  <td className={tableStyles.td}>
                    <div className="font-medium">{a.clientName}</div>
                    <div className="break-all font-mono text-xs text-slate-500">{a.redirectUris.join(" ")}</div>
                  </td>
                  {all ? <td className={tableStyles.td}>{a.userEmail}</td> : null}
                  <td className={tableStyles.td}>
                    <div className="font-mono text-xs">{a.scopes.join(" ")}</div>
                    {describeWriteLimits(a.writeLimits).length ? (
                      <div className="mt-1 text-xs text-amber-800">Limits: {describeWriteLimits(a.writeLimits).join("; ")}</div>
                    ) : null}
                    {all && !a.revokedAt && a.scopes.some((s) => s.endsWith(":write")) ? (
                      <a href={`/t/${access.tenant.slug}/keys/${a.apiKeyId}`} className="mt-1 inline-block text-xs font-medium text-indigo-700 hover:underline">
                        Write limits
                      </a>
                    ) : null}
                  </td>
                  <td className={tableStyles.td}>{formatDateTime(a.createdAt)}</td>
                  <td className={tableStyles.td}>{formatAgo(a.lastUsedAt, now)}</td>
                  <td className={tableStyles.td}>
                    {a.revokedAt ? <Badge tone="red">revoked{a.revokedReason && a.revokedReason !== "user" ? ` (${a.revokedReason.replaceAll("_", " ")})` : ""}</Badge> : <Badge tone="green">active</Badge>}
                  </td>
                  <td className={tableStyles.td}>{a.revokedAt ? null : <RevokeApp tenant={access.tenant.slug} grantId={a.id} name={a.clientName} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
