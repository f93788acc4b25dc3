// The overview's dashboard (server component): MCP activity of the last 14 days from the audit
// log, the approvals queue and the keys. Figures link into the filtered audit log for those who
// may read it, and into the approvals queue for approvers.
import Link from "next/link";
import type { ReactNode } from "react";
import { CallsPerDayChart } from "@/components/charts/calls-per-day-chart";
import type { ConsoleAccess } from "@/lib/console/access";
import { DASHBOARD_DAYS, loadDashboard, type Ranked } from "@/lib/console/dashboard";
import { can } from "@/lib/console/roles";
import { getReadyDb } from "@/lib/db/ready";

function Figure({ label, value, href, hint, testId }: { label: string; value: number; href: string | null; hint: string; testId: string }) {
  const body = (
    <>
      <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums">{value.toLocaleString("en-US")}</p>
      <p className="mt-0.5 text-xs text-slate-500">{hint}</p>
    </>
  );
  const box = "block rounded-lg border border-slate-200 bg-white p-3";
  return href ? (
    <Link href={href} className={`${box} hover:border-indigo-300 hover:shadow-sm`} data-testid={testId}>
      {body}
    </Link>
  ) : (
    <div className={box} data-testid={testId}>
      {body}
    </div>
  );
}

function RankedList({ title, items, linked, empty, testId }: { title: string; items: Ranked[]; linked: boolean; empty: string; testId: string }) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4" data-testid={testId}>
      <h3 className="text-sm font-semibold">{title}</h3>
      {items.length ? (
        <ol className="mt-2 space-y-1 text-sm">
          {items.map((item) => {
            const name: ReactNode = <code className="font-mono text-xs">{item.name}</code>;
            return (
              <li key={item.name} className="flex items-center justify-between gap-2">
                {linked ? (
                  <Link href={item.auditHref} className="truncate text-indigo-700 hover:underline">
                    {name}
                  </Link>
                ) : (
                  <span className="truncate">{name}</span>
                )}
                <span className="tabular-nums text-slate-600">{item.calls.toLocaleString("en-US")}</span>
              </li>
            );
          })}
        </ol>
      ) : (
        <p className="mt-2 text-sm text-slate-500">{empty}</p>
      )}
    </section>
  );
}

export async function OverviewDashboard({ access }: { access: Pick<ConsoleAccess, "tenant" | "roles"> }) {
  const dashboard = await loadDashboard(await getReadyDb(), access.tenant);
  const audit = can(access.roles, "audit.read");
  const approver = can(access.roles, "approvals.decide");
  const slug = access.tenant.slug;
  return (
    <section className="mt-6" aria-labelledby="dashboard-heading" data-testid="dashboard">
      <h2 id="dashboard-heading" className="text-base font-semibold">
        Agent activity, last {DASHBOARD_DAYS} days
      </h2>
      <p className="mb-3 text-xs text-slate-500">
        {dashboard.range.from} – {dashboard.range.to}, days in {dashboard.range.timeZone}. {audit ? "Each figure opens the audit log filtered to it." : ""}
      </p>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
        <Figure label="MCP requests" value={dashboard.totals.calls} href={audit ? dashboard.links.calls : null} hint="tool calls and protocol messages" testId="figure-calls" />
        <Figure label="Denied" value={dashboard.totals.denied} href={audit ? dashboard.links.denied : null} hint="missing scope, bad arguments, rate limit, bad key" testId="figure-denied" />
        <Figure label="Errors" value={dashboard.totals.errors} href={audit ? dashboard.links.errors : null} hint="refused or failed calls" testId="figure-errors" />
        <Figure
          label="Waiting for approval"
          value={dashboard.pendingApprovals}
          href={approver ? `/t/${slug}/approvals` : null}
          hint={approver ? "open the queue" : "approvers decide these"}
          testId="figure-pending"
        />
        <Figure
          label="Active keys"
          value={dashboard.activeKeys}
          href={can(access.roles, "keys.read") ? `/t/${slug}/keys?status=active` : null}
          hint="not revoked or expired"
          testId="figure-keys"
        />
      </div>
      <div className="mt-3 grid gap-3 lg:grid-cols-3">
        <section className="rounded-lg border border-slate-200 bg-white p-4 lg:col-span-2">
          <h3 className="text-sm font-semibold">MCP requests per day by outcome</h3>
          {dashboard.totals.calls ? (
            <CallsPerDayChart points={dashboard.days} />
          ) : (
            <p className="mt-2 text-sm text-slate-500">No MCP calls in the last {DASHBOARD_DAYS} days. Issue a key and connect a client to see activity here.</p>
          )}
          {audit && dashboard.totals.calls ? (
            <p className="mt-2 flex flex-wrap gap-x-2 text-xs text-slate-500">
              Days in the audit log:
              {dashboard.days
                .filter((d) => d.ok + d.denied + d.error + d.pending > 0)
                .map((d) => (
                  <Link key={d.day} href={dashboard.dayLinks[d.day] ?? dashboard.links.calls} className="text-indigo-700 hover:underline">
                    {d.day.slice(5)}
                  </Link>
                ))}
            </p>
          ) : null}
        </section>
        <div className="grid gap-3">
          <RankedList title="Top tools" items={dashboard.topTools} linked={audit} empty="No tool calls yet." testId="top-tools" />
          <RankedList title="Top metrics asked for" items={dashboard.topMetrics} linked={audit} empty="No metric questions yet." testId="top-metrics" />
        </div>
      </div>
    </section>
  );
}
