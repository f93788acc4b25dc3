import type { Metadata } from "next";
import { Badge, EmptyState, PageHeader, tableStyles } from "@/components/console/ui";
import { formatAgo, formatDateTime } from "@/components/console/format";
import { getReadyDb } from "@/lib/db/ready";
import { requireConsoleUser } from "@/lib/console/session";
import { INGEST_KINDS } from "@/lib/ingest/records";
import { listIngestSources, shopifyWebhookPath } from "@/lib/ingest/sources";
import { IngestSettings } from "./_components/ingest-settings";
import { IngestUpload } from "./_components/ingest-upload";

export const metadata: Metadata = { title: "Ingest" };
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ tenant: string }> };

export default async function IngestPage({ params }: Props) {
  const { tenant } = await params;
  const access = await requireConsoleUser({ tenant, need: "ingest.manage", from: `/t/${tenant}/ingest` });
  const db = await getReadyDb();
  const [sources, row] = await Promise.all([
    listIngestSources(db, access.tenant.id),
    db.tenant.findUniqueOrThrow({ where: { id: access.tenant.id }, select: { ingestStaleAfterMinutes: true } }),
  ]);
  const now = new Date();
  const threshold = row.ingestStaleAfterMinutes;
  const slug = access.tenant.slug;

  return (
    <>
      <PageHeader
        title="Ingest"
        description={`Bring ${access.tenant.name}'s own stores, members, orders, coupon redemptions and points in: upload a file here, send batches to /api/ingest/v1 with an ingest key, or point a Shopify-style webhook at a source. Formats: docs/ingest.md.`}
      />
      <section className="mb-8">
        <h2 className="mb-2 text-lg font-semibold">Import a file</h2>
        <IngestUpload tenant={slug} kinds={[...INGEST_KINDS]} />
      </section>
      <section className="mb-8">
        <h2 className="mb-2 text-lg font-semibold">Sources</h2>
        {sources.length === 0 ? (
          <EmptyState title="No data ingested yet">Sources appear here after their first batch.</EmptyState>
        ) : (
          <div className={tableStyles.wrap}>
            <table className={tableStyles.table} data-testid="ingest-sources">
              <thead className="bg-slate-50">
                <tr>
                  <th className={tableStyles.th}>Source</th>
                  <th className={tableStyles.th}>Kind</th>
                  <th className={tableStyles.th}>Records</th>
                  <th className={tableStyles.th}>Latest fact</th>
                  <th className={tableStyles.th}>Last fed</th>
                  <th className={tableStyles.th}>Webhook</th>
                </tr>
              </thead>
              <tbody>
                {sources.flatMap((s) =>
                  (s.feeds.length ? s.feeds : [null]).map((f, i) => {
                    const stale = f ? now.getTime() - f.lastReceivedAt.getTime() > threshold * 60_000 : false;
                    return (
                      <tr key={`${s.id}-${f?.kind ?? "none"}`}>
                        <td className={tableStyles.td}>{i === 0 ? s.name : ""}</td>
                        <td className={tableStyles.td}>{f?.kind ?? "—"}</td>
                        <td className={tableStyles.td}>{f?.accepted ?? "0"}</td>
                        <td className={tableStyles.td}>{formatDateTime(f?.latestFactAt ?? null)}</td>
                        <td className={tableStyles.td}>
                          {f ? formatAgo(f.lastReceivedAt, now) : "never"} {stale ? <Badge tone="amber">stale</Badge> : null}
                        </td>
                        <td className={tableStyles.td}>{i === 0 && s.webhook ? <code className="text-xs">{shopifyWebhookPath(s.id)}</code> : ""}</td>
                      </tr>
                    );
                  }),
                )}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <IngestSettings tenant={slug} thresholdHours={threshold / 60} />
    </>
  );
}
