import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Badge, PageHeader, tableStyles } from "@/components/console/ui";
import { formatAgo, formatDateTime } from "@/components/console/format";
import { getReadyDb } from "@/lib/db/ready";
import { keyLimitsView } from "@/lib/console/key-limits";
import { requireConsoleUser } from "@/lib/console/session";
import { describeWriteLimits } from "@/lib/governance/write-limits";
import { KeyLimitsForm } from "../_components/key-limits-form";

export const metadata: Metadata = { title: "API key" };
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ tenant: string; keyId: string }> };

export default async function KeyPage({ params }: Props) {
  const { tenant, keyId } = await params;
  const access = await requireConsoleUser({ tenant, need: "keys.read", from: `/t/${tenant}/keys/${keyId}` });
  const now = new Date();
  const view = await keyLimitsView(await getReadyDb(), access, keyId, now);
  if (!view) notFound();
  const { key, limits } = view;
  const slug = access.tenant.slug;
  const lines = describeWriteLimits(limits);
  const active = key.status === "active" || key.status === "rotating";

  return (
    <>
      <p className="mb-2 text-sm">
        <a href={key.oauthClient ? `/t/${slug}/connected-apps` : `/t/${slug}/keys`} className="text-indigo-700 hover:underline">
          ← {key.oauthClient ? "Connected apps" : "API keys"}
        </a>
      </p>
      <PageHeader
        title={key.name}
        description={key.oauthClient ? `The key row an OAuth grant for ${key.oauthClient} acts through: its scopes come from the consent, its write limits are set here.` : `API key ${key.displayPrefix}… of ${access.tenant.name.replace(/\.$/, "")}.`}
      />
      <dl className="mb-6 grid max-w-3xl grid-cols-[max-content_1fr] gap-x-6 gap-y-1 text-sm">
        <dt className="text-slate-500">Status</dt>
        <dd>
          <Badge tone={active ? "green" : "slate"}>{key.status}</Badge>
        </dd>
        <dt className="text-slate-500">Scopes</dt>
        <dd className="flex flex-wrap gap-1">
          {key.scopes.map((s) => (
            <Badge key={s} tone={s.endsWith(":write") ? "amber" : "slate"}>
              {s}
            </Badge>
          ))}
        </dd>
        <dt className="text-slate-500">Issued by</dt>
        <dd>{key.issuer ?? "CLI"}</dd>
        <dt className="text-slate-500">Created</dt>
        <dd>{formatDateTime(key.createdAt)}</dd>
        <dt className="text-slate-500">Last used</dt>
        <dd>{formatAgo(key.lastUsedAt, now)}</dd>
      </dl>

      <section aria-labelledby="limits-heading" className="mb-6 max-w-3xl">
        <h2 id="limits-heading" className="text-base font-semibold">
          Write limits
        </h2>
        {view.hasWriteScope ? (
          <>
            <ul className="mt-1 list-disc pl-5 text-sm" data-testid="key-limits">
              {lines.length ? lines.map((l) => <li key={l}>{l}</li>) : <li>No limits: any write its scopes allow, as often as it asks.</li>}
            </ul>
            <p className="mt-1 text-sm text-slate-600" data-testid="writes-today">
              {view.writesToday} write request{view.writesToday === 1 ? "" : "s"} today ({access.tenant.timeZone})
              {limits.maxWritesPerDay !== undefined ? ` of ${limits.maxWritesPerDay} allowed` : ""}.
            </p>
            {active && access.roles.includes("admin") ? (
              <div className="mt-3">
                <KeyLimitsForm tenant={slug} keyId={key.id} tiers={view.tiers} limits={limits} />
              </div>
            ) : null}
          </>
        ) : (
          <p className="mt-1 text-sm text-slate-600">This key holds no write scope, so it cannot ask for writes and has no write limits.</p>
        )}
      </section>

      {view.refusals.length ? (
        <section aria-labelledby="refusals-heading" className="max-w-3xl">
          <h2 id="refusals-heading" className="text-base font-semibold">
            Recent refusals by a limit
          </h2>
          <div className={`mt-2 ${tableStyles.wrap}`}>
            <table className={tableStyles.table} data-testid="limit-refusals">
              <thead className="bg-slate-50">
                <tr>
                  <th className={tableStyles.th}>When</th>
                  <th className={tableStyles.th}>Operation</th>
                  <th className={tableStyles.th}>Refused</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {view.refusals.map((r, i) => (
                  <tr key={i}>
                    <td className={`${tableStyles.td} whitespace-nowrap text-xs`}>{formatDateTime(r.at)}</td>
                    <td className={`${tableStyles.td} font-mono text-xs`}>{r.action}</td>
                    <td className={`${tableStyles.td} text-xs`}>{r.when}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="mt-1 text-xs text-slate-500">
            Each refusal is in the <a className="text-indigo-700 hover:underline" href={`/t/${slug}/audit?actor=${key.id}&outcome=denied`}>audit log</a> with the cap it hit.
          </p>
        </section>
      ) : null}
    </>
  );
}
