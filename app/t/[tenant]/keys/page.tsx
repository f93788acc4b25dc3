import type { Metadata } from "next";
import { Badge, EmptyState, PageHeader, buttonStyles, inputStyles, tableStyles, type BadgeTone } from "@/components/console/ui";
import { formatAgo, formatDate, formatDateTime } from "@/components/console/format";
import { getReadyDb } from "@/lib/db/ready";
import {
  DEFAULT_KEY_EXPIRY,
  DEFAULT_ROTATION_GRACE,
  KEY_EXPIRY_CHOICES,
  ROTATION_GRACE_CHOICES,
  scopeChoices,
} from "@/lib/console/key-scope-rules";
import { tenantTierNames } from "@/lib/console/key-limits";
import { KeyListQuerySchema, listTenantKeys, type KeyRow } from "@/lib/console/keys";
import { requireConsoleUser } from "@/lib/console/session";
import { DEFAULT_PRESET, PRESETS, PRESET_NAMES } from "@/lib/governance/scopes";
import { describeWriteLimits } from "@/lib/governance/write-limits";
import { IssueKey } from "./_components/issue-key";
import { KeyActions } from "./_components/key-actions";

export const metadata: Metadata = { title: "API keys" };
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ tenant: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const STATUS_TONE: Record<KeyRow["status"], BadgeTone> = { active: "green", rotating: "amber", revoked: "red", expired: "slate" };

export default async function KeysPage({ params, searchParams }: Props) {
  const { tenant } = await params;
  const access = await requireConsoleUser({ tenant, need: "keys.read", from: `/t/${tenant}/keys` });
  const query = KeyListQuerySchema.parse(await searchParams);
  const now = new Date();
  const db = await getReadyDb();
  const [keys, tiers] = await Promise.all([listTenantKeys(db, access.tenant.id, query, now), tenantTierNames(db, access.tenant.id)]);
  const slug = access.tenant.slug;

  return (
    <>
      <PageHeader
        title="API keys"
        description={`Keys let MCP clients such as Claude Code and Cursor reach ${access.tenant.name}'s certified metrics. Each key belongs to this tenant only.`}
        actions={
          <IssueKey
            tenant={slug}
            presets={PRESET_NAMES.map((p) => ({ value: p, label: PRESETS[p].label, scopes: [...PRESETS[p].scopes] }))}
            scopeChoices={Object.fromEntries(PRESET_NAMES.map((p) => [p, scopeChoices(p)]))}
            expiries={Object.entries(KEY_EXPIRY_CHOICES).map(([value, c]) => ({ value, label: c.label }))}
            defaultPreset={DEFAULT_PRESET}
            defaultExpiry={DEFAULT_KEY_EXPIRY}
            tiers={tiers}
          />
        }
      />
      <form method="get" className="mb-3 flex flex-wrap items-end gap-2" role="search">
        <label className="w-72 max-w-full text-xs font-medium text-slate-600">
          Search
          <input name="q" defaultValue={query.q ?? ""} placeholder="Name, prefix, issuer or scope" className={`mt-0.5 ${inputStyles}`} />
        </label>
        <label className="text-xs font-medium text-slate-600">
          Status
          <select name="status" defaultValue={query.status ?? "all"} className={`mt-0.5 w-44 ${inputStyles.replace("w-full", "")}`}>
            <option value="all">All</option>
            <option value="active">Active</option>
            <option value="inactive">Revoked or expired</option>
          </select>
        </label>
        <button type="submit" className={buttonStyles.secondary}>
          Search
        </button>
        {query.q || query.status ? (
          <a href={`/t/${slug}/keys`} className={buttonStyles.link}>
            Clear
          </a>
        ) : null}
      </form>
      {keys.length === 0 ? (
        <EmptyState title={query.q || query.status ? "No keys match" : "No keys yet"}>
          {query.q || query.status ? "Try another search." : "Issue a key to connect Claude Code, Cursor or another MCP client."}
        </EmptyState>
      ) : (
        <div className={tableStyles.wrap}>
          <table className={tableStyles.table} data-testid="keys-table">
            <thead className="bg-slate-50">
              <tr>
                <th className={tableStyles.th}>Name</th>
                <th className={tableStyles.th}>Prefix</th>
                <th className={tableStyles.th}>Preset · scopes</th>
                <th className={tableStyles.th}>Issuer</th>
                <th className={tableStyles.th}>Created</th>
                <th className={tableStyles.th}>Expires</th>
                <th className={tableStyles.th}>Last used</th>
                <th className={tableStyles.th}>Status</th>
                <th className={tableStyles.th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {keys.map((k) => (
                <tr key={k.id} data-testid="key-row" data-key-name={k.name}>
                  <td className={`${tableStyles.td} font-medium`}>
                    <a href={`/t/${slug}/keys/${k.id}`} className="text-indigo-700 hover:underline">
                      {k.name}
                    </a>
                  </td>
                  <td className={`${tableStyles.td} whitespace-nowrap font-mono text-xs`}>{k.displayPrefix}…</td>
                  <td className={tableStyles.td}>
                    <span className="text-xs text-slate-500">{k.preset}</span>
                    <div className="mt-0.5 flex flex-wrap gap-1">
                      {k.scopes.map((s) => (
                        <Badge key={s} tone={s.endsWith(":write") ? "amber" : s === "members:pii" ? "indigo" : "slate"}>
                          {s}
                        </Badge>
                      ))}
                    </div>
                    {describeWriteLimits(k.writeLimits).length ? (
                      <p className="mt-1 text-xs text-amber-800" data-testid="key-limits-summary">
                        Limits: {describeWriteLimits(k.writeLimits).join("; ")}
                      </p>
                    ) : null}
                  </td>
                  <td className={`${tableStyles.td} text-xs`}>{k.issuer ?? <span className="text-slate-400">CLI</span>}</td>
                  <td className={`${tableStyles.td} whitespace-nowrap text-xs`} title={formatDateTime(k.createdAt)}>
                    {formatDate(k.createdAt)}
                  </td>
                  <td className={`${tableStyles.td} whitespace-nowrap text-xs`} title={formatDateTime(k.expiresAt)}>
                    {k.expiresAt ? formatDateTime(k.expiresAt) : "never"}
                  </td>
                  <td className={`${tableStyles.td} whitespace-nowrap text-xs`} title={formatDateTime(k.lastUsedAt)}>
                    {formatAgo(k.lastUsedAt, now)}
                  </td>
                  <td className={tableStyles.td}>
                    <Badge tone={STATUS_TONE[k.status]}>{k.status === "rotating" ? "rotated, in grace" : k.status}</Badge>
                  </td>
                  <td className={tableStyles.td}>
                    {k.status === "active" || k.status === "rotating" ? (
                      <KeyActions
                        tenant={slug}
                        keyId={k.id}
                        name={k.name}
                        prefix={k.displayPrefix}
                        canRotate={k.status === "active"}
                        graces={Object.entries(ROTATION_GRACE_CHOICES).map(([value, c]) => ({ value, label: c.label }))}
                        defaultGrace={DEFAULT_ROTATION_GRACE}
                      />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="mt-2 text-xs text-slate-500">Times are UTC. Showing up to 500 keys, newest first.</p>
    </>
  );
}
