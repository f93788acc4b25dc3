import type { Metadata } from "next";
import Link from "next/link";
import { Badge, PageHeader, tableStyles } from "@/components/console/ui";
import { metricCatalogue } from "@/lib/console/metrics";
import { requireConsoleUser } from "@/lib/console/session";

export const metadata: Metadata = { title: "Certified metrics" };
export const dynamic = "force-dynamic";

export default async function MetricsPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const access = await requireConsoleUser({ tenant, need: "metrics.read", from: `/t/${tenant}/metrics` });
  const metrics = metricCatalogue();
  return (
    <>
      <PageHeader
        title="Certified metrics"
        description="The only metrics agents can query: each has one certified definition, an owner and a version. Open one to see its SQL, change log and this tenant's data."
      />
      <div className={tableStyles.wrap}>
        <table className={tableStyles.table} data-testid="metrics-catalogue">
          <thead className="bg-slate-50">
            <tr>
              <th className={tableStyles.th}>Metric</th>
              <th className={tableStyles.th}>Definition</th>
              <th className={tableStyles.th}>Unit</th>
              <th className={tableStyles.th}>Dimensions</th>
              <th className={tableStyles.th}>Owner</th>
              <th className={tableStyles.th}>Version</th>
              <th className={tableStyles.th}>Certified</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {metrics.map((m) => (
              <tr key={m.key} data-testid="metric-row">
                <td className={tableStyles.td}>
                  <Link href={`/t/${access.tenant.slug}/metrics/${m.key}`} className="font-medium text-indigo-700 hover:underline">
                    {m.label}
                  </Link>
                  <p className="font-mono text-xs text-slate-500">{m.key}</p>
                </td>
                <td className={`${tableStyles.td} max-w-md text-slate-700`}>{m.description}</td>
                <td className={tableStyles.td}>{m.unit}</td>
                <td className={tableStyles.td}>
                  <div className="flex max-w-56 flex-wrap gap-1">
                    {m.dimensions.length ? m.dimensions.map((d) => <Badge key={d}>{d}</Badge>) : <span className="text-xs text-slate-400">none</span>}
                  </div>
                </td>
                <td className={`${tableStyles.td} whitespace-nowrap`}>{m.owner}</td>
                <td className={tableStyles.td}>v{m.version}</td>
                <td className={`${tableStyles.td} whitespace-nowrap`}>{m.certifiedAt}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
