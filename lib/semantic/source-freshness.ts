// Freshness of the systems that feed a metric's facts through ingest (lib/ingest): for every source
// that has sent the metric's kind of records, when it last sent a batch and the latest fact time it
// carried. A source silent for longer than the tenant's threshold makes the answer say "stale" with
// the age, instead of presenting old numbers as current. Tenants fed only by the demo generator or
// by operations have no ingest sources, and no claim is made.
import type { DbOrTx } from "@/lib/db/transaction";
import type { CertifiedMetric, SourceKey } from "./metrics";
import { metricMeasures } from "./metrics";

/** Which ingest record kinds carry each fact source's facts (orders can carry coupon redemptions). */
const INGEST_KINDS_OF: Record<SourceKey, string[]> = {
  completed_orders: ["orders"],
  member_activity: ["orders"],
  coupon_issues: ["redemptions", "orders"],
  coupon_redemptions: ["redemptions", "orders"],
  member_joins: ["members"],
  points_awards: ["points"],
  points_redemptions: ["points"],
};

export type SourceFreshness = {
  source: string;
  kind: string;
  /** Latest fact time (e.g. order placed) the source has sent. */
  latestFactAt: string | null;
  /** When the source last sent a batch. */
  lastReceivedAt: string;
  /** Minutes since lastReceivedAt at the answer's as-of time. */
  ageMinutes: number;
  stale: boolean;
};

export type IngestFreshness = {
  staleAfterMinutes: number;
  /** True when any source feeding the metric has been silent for longer than staleAfterMinutes. */
  stale: boolean;
  sources: SourceFreshness[];
  /** Set when stale: what to tell the user, e.g. "stale: source pos (orders) last fed 26 h ago". */
  warning?: string;
};

export function formatAge(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${Math.floor(minutes / 1440)} d ${Math.floor((minutes % 1440) / 60)} h`;
}

/** A feed as stored: what ingestFreshnessAt turns into ages at an as-of time. */
export type IngestFeedRow = { source: string; kind: string; latest_fact_at: Date | null; last_received_at: Date; threshold: number };

/** The tenant's feeds that carry the metric's facts, with the tenant's staleness threshold (one round trip). */
export async function readIngestFeeds(db: DbOrTx, tenantId: string, metric: CertifiedMetric): Promise<IngestFeedRow[]> {
  const kinds = [...new Set(metricMeasures(metric).flatMap((m) => INGEST_KINDS_OF[m.source]))];
  return db.$queryRawUnsafe<IngestFeedRow[]>(
    `SELECT s.name AS source, f.kind::text AS kind, f.latest_fact_at, f.last_received_at, t.ingest_stale_after_minutes AS threshold
     FROM ingest_feeds f JOIN ingest_sources s ON s.id = f.source_id JOIN tenants t ON t.id = f.tenant_id
     WHERE f.tenant_id = $1::uuid AND f.kind::text = ANY($2::text[])
     ORDER BY s.name, f.kind`,
    tenantId,
    kinds,
  );
}

/** Ages and the stale verdict of the feeds at `now` (null: no ingest source feeds this metric). */
export function ingestFreshnessAt(rows: readonly IngestFeedRow[], now: Date): IngestFreshness | null {
  const first = rows[0];
  if (!first) return null;
  const threshold = first.threshold;
  const sources = rows.map((r) => {
    const ageMinutes = Math.max(0, Math.floor((now.getTime() - r.last_received_at.getTime()) / 60_000));
    return {
      source: r.source,
      kind: r.kind,
      latestFactAt: r.latest_fact_at?.toISOString() ?? null,
      lastReceivedAt: r.last_received_at.toISOString(),
      ageMinutes,
      stale: ageMinutes > threshold,
    };
  });
  const stale = sources.filter((s) => s.stale);
  return {
    staleAfterMinutes: threshold,
    stale: stale.length > 0,
    sources,
    ...(stale.length
      ? { warning: `stale: ${stale.map((s) => `source ${s.source} (${s.kind}) last fed ${formatAge(s.ageMinutes)} ago`).join("; ")} (threshold ${formatAge(threshold)})` }
      : {}),
  };
}
