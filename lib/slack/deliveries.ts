// Slack deliveries handled, by id: claimed once across retries and app instances, forgotten after
// a day (Slack retries within minutes, so older ids can never come back).
import type { Db } from "@/lib/db/client";

export const DELIVERY_RETENTION_HOURS = 24;

/** Claims a delivery id; false when it was already handled (a retry, a replay, another instance). */
export async function claimDelivery(db: Db, key: string, teamId: string | null): Promise<boolean> {
  const inserted = await db.$executeRaw`INSERT INTO slack_deliveries (key, team_id) VALUES (${key}, ${teamId}) ON CONFLICT (key) DO NOTHING`;
  return inserted === 1;
}

/** Deletes delivery ids older than the retention (run at every start). */
export async function purgeSlackDeliveries(db: Db, now: Date = new Date()): Promise<number> {
  const { count } = await db.slackDelivery.deleteMany({ where: { receivedAt: { lt: new Date(now.getTime() - DELIVERY_RETENTION_HOURS * 3_600_000) } } });
  return count;
}
