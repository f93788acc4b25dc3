// Ingest sources as admins see and configure them: list with freshness, webhook secrets, the
// default store for webhook orders, and the tenant's staleness threshold.
import crypto from "node:crypto";
import type { DbOrTx } from "@/lib/db/transaction";
import { SOURCE_NAME_PATTERN } from "./ingest-batch";

export type SourceView = {
  id: string;
  name: string;
  webhook: boolean;
  defaultStoreCode: string | null;
  feeds: { kind: string; latestFactAt: Date | null; lastReceivedAt: Date; accepted: string }[];
};

export async function listIngestSources(db: DbOrTx, tenantId: string): Promise<SourceView[]> {
  const sources = await db.ingestSource.findMany({ where: { tenantId }, include: { feeds: { orderBy: { kind: "asc" } } }, orderBy: { name: "asc" } });
  return sources.map((s) => ({
    id: s.id,
    name: s.name,
    webhook: s.webhookSecret !== null,
    defaultStoreCode: s.defaultStoreCode,
    feeds: s.feeds.map((f) => ({ kind: f.kind, latestFactAt: f.latestFactAt, lastReceivedAt: f.lastReceivedAt, accepted: f.accepted.toString() })),
  }));
}

export class SourceInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Creates or updates a source; with `rotateWebhookSecret` a new signing secret is generated and
 * returned (shown once; paste it into the shop's webhook settings).
 */
export async function configureIngestSource(
  db: DbOrTx,
  tenantId: string,
  input: { name: string; defaultStoreCode?: string | null; rotateWebhookSecret?: boolean },
): Promise<{ id: string; name: string; webhookSecret: string | null }> {
  if (!SOURCE_NAME_PATTERN.test(input.name)) throw new SourceInputError("invalid_source", "A source name is 1–63 lowercase letters, digits, '.', '_' or '-', e.g. shopify.");
  const secret = input.rotateWebhookSecret ? `whsec_${crypto.randomBytes(32).toString("base64url")}` : null;
  const data = {
    ...(input.defaultStoreCode !== undefined ? { defaultStoreCode: input.defaultStoreCode } : {}),
    ...(secret ? { webhookSecret: secret } : {}),
  };
  const source = await db.ingestSource.upsert({
    where: { tenantId_name: { tenantId, name: input.name } },
    create: { tenantId, name: input.name, ...data },
    update: data,
  });
  return { id: source.id, name: source.name, webhookSecret: secret };
}

export async function setStaleThreshold(db: DbOrTx, tenantId: string, minutes: number): Promise<void> {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60 * 24 * 90) throw new SourceInputError("invalid_threshold", "The staleness threshold is 1 minute to 90 days.");
  await db.tenant.update({ where: { id: tenantId }, data: { ingestStaleAfterMinutes: minutes } });
}

/** The webhook URL of a source. */
export function shopifyWebhookPath(sourceId: string): string {
  return `/api/ingest/v1/webhooks/shopify/${sourceId}`;
}
