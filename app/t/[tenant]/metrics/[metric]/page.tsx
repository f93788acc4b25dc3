import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { MetricTrendChart } from "@/components/charts/metric-trend-chart";
import { Badge, Notice, PageHeader, tableStyles } from "@/components/console/ui";
import { getReadyDb } from "@/lib/db/ready";
import { metricBreakdown, metricTrend, TREND_WEEKS } from "@/lib/console/metrics";
import { requireConsoleUser } from "@/lib/console/session";
import { describeMetric, findMetric } from "@/lib/semantic";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ tenant: string; metric: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { metric } = await params;
  return { title: findMetric(metric)?.label ?? "Metric" };
}

export default async function MetricPage({ params }: Props) {
  const { tenant, metric: key } = await params;
  const access = await requireConsoleUser({ tenant, need: "metrics.read", from: `/t/${tenant}/metrics/${key}` });
  const metric = findMetric(key);
  if (!metric) notFound();
  const description = describeMetric(metric.key);
  const db = await getReadyDb();
  const now = new Date();
  const [trend, breakdown] = await Promise.all([metricTrend(db, access.tenant, metric.key, now), metricBreakdown(db, access.tenant, metric, now)]);

  return (
    <>
      <p className="mb-2 text-sm">
        <Link href={`/t/${access.tenant.slug}/metrics`} className="text-indigo-700 hover:underline">
          ← Certified metrics
        </Link>
      </p>
      <PageHeader title={metric.label} description={metric.description} />
      <dl className="mb-5 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-3 lg:grid-cols-6">
        {[
          ["Key", <code key="k" className="font-mono">{metric.key}</code>],
          ["Unit", metric.unit === "currency" ? `currency (${access.tenant.currency})` : metric.unit],
          ["Owner", metric.owner],
          ["Version", `v${metric.version}`],
          ["Certified", metric.certifiedAt],
          ["Time column", <code key="t" className="font-mono text-xs">{metric.timeColumn}</code>],
        ].map(([label, value]) => (
          <div key={String(label)}>
            <dt className="text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</dt>
            <dd className="mt-0.5">{value}</dd>
          </div>
        ))}
      </dl>

      <section className="mb-5 rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="trend-heading">
        <h2 id="trend-heading" className="font-semibold">
          Last {TREND_WEEKS} weeks, by week
        </h2>
        {trend.ok ? (
          <>
            <p className="mb-3 text-xs text-slate-500">
              {trend.window.from} – {trend.window.to} ({access.tenant.timeZone}, ISO weeks) against{" "}
              {trend.comparison ? `${trend.comparison.from} – ${trend.comparison.to}` : "no comparison"}. Source: {trend.source}
              {trend.dataFreshness ? `; data up to ${trend.dataFreshness.slice(0, 16).replace("T", " ")} UTC` : ""}.
            </p>
            {trend.comparison?.noData ? (
              <div className="mb-2">
                <Notice tone="info">There is no data for the previous {TREND_WEEKS} weeks, so there is no comparison line (not a zero).</Notice>
              </div>
            ) : null}
            <MetricTrendChart
              points={trend.points}
              unit={trend.unit}
              {...(trend.currency ? { currency: trend.currency } : {})}
              currentLabel={`${trend.window.from} – ${trend.window.to}`}
              previousLabel={trend.comparison && !trend.comparison.noData ? `Previous ${TREND_WEEKS} weeks` : null}
            />
          </>
        ) : (
          <div className="mt-2" data-testid="trend-refusal">
            <Notice tone="warning">{trend.message}</Notice>
          </div>
        )}
      </section>

      <section className="mb-5" aria-labelledby="breakdown-heading">
        {breakdown.ok && breakdown.dimension ? (
          <>
            <h2 id="breakdown-heading" className="font-semibold">
              Last 30 days by {breakdown.dimension.replace("_", " ")}
            </h2>
            <p className="mb-2 text-xs text-slate-500">
              {breakdown.windowLabel} against {breakdown.comparisonLabel}.
              {breakdown.totalRows > breakdown.rows.length ? ` Top ${breakdown.rows.length} of ${breakdown.totalRows}.` : ""}
            </p>
            <div className={tableStyles.wrap}>
              <table className={tableStyles.table} data-testid="metric-breakdown">
                <thead className="bg-slate-50">
                  <tr>
                    <th className={tableStyles.th}>{breakdown.dimension.replace("_", " ")}</th>
                    <th className={`${tableStyles.th} text-right`}>Last 30 days</th>
                    <th className={`${tableStyles.th} text-right`}>Previous 30 days</th>
                    <th className={`${tableStyles.th} text-right`}>Change</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {breakdown.rows.map((r) => (
                    <tr key={r.label}>
                      <td className={tableStyles.td}>{r.label}</td>
                      <td className={`${tableStyles.td} text-right tabular-nums`}>{r.current}</td>
                      <td className={`${tableStyles.td} text-right tabular-nums text-slate-600`}>{r.previous}</td>
                      <td className={`${tableStyles.td} text-right tabular-nums ${r.change.startsWith("−") ? "text-red-700" : r.change.startsWith("+") ? "text-emerald-700" : ""}`}>
                        {r.change}
                      </td>
                    </tr>
                  ))}
                </tbody>
                <tfoot className="border-t border-slate-200 bg-slate-50 font-semibold">
                  <tr>
                    <td className={tableStyles.td}>{breakdown.total.label}</td>
                    <td className={`${tableStyles.td} text-right tabular-nums`}>{breakdown.total.current}</td>
                    <td className={`${tableStyles.td} text-right tabular-nums`}>{breakdown.total.previous}</td>
                    <td className={`${tableStyles.td} text-right tabular-nums`}>{breakdown.total.change}</td>
                  </tr>
                </tfoot>
              </table>
            </div>
          </>
        ) : breakdown.ok ? (
          <p className="text-sm text-slate-600">This metric has no dimensions to break it down by.</p>
        ) : (
          <>
            <h2 id="breakdown-heading" className="font-semibold">
              Breakdown
            </h2>
            <div className="mt-2">
              <Notice tone="warning">{breakdown.message}</Notice>
            </div>
          </>
        )}
      </section>

      <div className="grid gap-5 lg:grid-cols-2">
        <section className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="dimensions-heading">
          <h2 id="dimensions-heading" className="font-semibold">
            Dimensions
          </h2>
          {description.dimensionDetails.length ? (
            <ul className="mt-2 space-y-1 text-sm">
              {description.dimensionDetails.map((d) => (
                <li key={d.dimension}>
                  <Badge>{d.dimension}</Badge> <span className="text-slate-700">{d.meaning}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="mt-2 text-sm text-slate-600">None: only totals and time grains ({description.timeGrains.join(", ")}).</p>
          )}
          <p className="mt-3 text-xs text-slate-500">Facts: {description.facts.join("; ")}</p>
        </section>
        <section className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="changelog-heading">
          <h2 id="changelog-heading" className="font-semibold">
            Change log
          </h2>
          <ol className="mt-2 space-y-1 text-sm" data-testid="metric-changelog">
            {[...metric.changeLog].reverse().map((c) => (
              <li key={c.version}>
                <span className="font-medium">v{c.version}</span> <span className="text-slate-500">{c.date}</span> — {c.change}
              </li>
            ))}
          </ol>
        </section>
      </div>

      <section className="mt-5 rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="sql-heading">
        <h2 id="sql-heading" className="font-semibold">
          The SQL behind it
        </h2>
        <p className="mt-1 text-xs text-slate-500">Over the raw facts, with the tenant and a one-week window as parameters. Queries use the rollups ({description.rollupTables.join(", ")}) when they are current; the result is the same.</p>
        <pre className="mt-2 overflow-x-auto rounded bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100" data-testid="metric-sql">
          {description.sql.rawFacts}
        </pre>
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer text-slate-600 hover:text-slate-900">SQL over the rollups</summary>
          <pre className="mt-2 overflow-x-auto rounded bg-slate-900 p-3 font-mono text-xs leading-relaxed text-slate-100">{description.sql.rollups}</pre>
        </details>
      </section>
    </>
  );
}
