import Link from "next/link";
import { PageHeader } from "@/components/console/ui";
import { CONSOLE_SECTIONS, sectionHref } from "@/lib/console/navigation";
import { ROLE_DESCRIPTIONS, can } from "@/lib/console/roles";
import { requireConsoleUser } from "@/lib/console/session";
import { OverviewDashboard } from "./_components/overview-dashboard";

export const dynamic = "force-dynamic";

const SECTION_TEXT: Record<string, string> = {
  approvals: "Review agents' pending write requests with a before → after preview; approve or reject.",
  keys: "Issue tenant-scoped keys for MCP clients, revoke and rotate them, see when each was last used.",
  users: "Create console users for this tenant, set their roles, deactivate them.",
  audit: "Filter, export and verify the tamper-evident log of every MCP call and console action.",
  metrics: "The certified metrics agents can query: definitions, SQL, change log and this tenant's data.",
};

export default async function TenantOverviewPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const access = await requireConsoleUser({ tenant });
  const sections = CONSOLE_SECTIONS.filter((s) => s.permission && can(access.roles, s.permission));
  return (
    <>
      <PageHeader title={access.tenant.name} description={`Tenant ${access.tenant.slug} · time zone ${access.tenant.timeZone} · ${access.tenant.currency}`} />
      <section className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        {sections.map((s) => (
          <Link key={s.segment} href={sectionHref(access.tenant.slug, s.segment)} className="rounded-lg border border-slate-200 bg-white p-4 hover:border-indigo-300 hover:shadow-sm">
            <h2 className="font-semibold">{s.label}</h2>
            <p className="mt-1 text-sm text-slate-600">{SECTION_TEXT[s.segment] ?? ""}</p>
          </Link>
        ))}
      </section>
      <OverviewDashboard access={access} />
      <section className="mt-6 rounded-lg border border-slate-200 bg-white p-4">
        <h2 className="text-sm font-semibold">Your roles here</h2>
        <ul className="mt-2 space-y-1 text-sm">
          {access.roles.map((r) => (
            <li key={r}>
              <span className="font-medium">{r}</span> — <span className="text-slate-600">{ROLE_DESCRIPTIONS[r]}</span>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
