// What /api/health reports: the app is up, which database it uses, and whether that database
// answers and is fully migrated.
import { databaseTarget } from "@/lib/db/client";
import { getReadyDb } from "@/lib/db/ready";

export type Health = {
  status: "ok" | "degraded";
  app: { version: string; uptimeSeconds: number };
  database: { mode: "embedded" | "server"; status: "ok" | "unavailable"; latencyMs?: number; migrations?: number; error?: string };
};

export async function checkHealth(version: string): Promise<Health> {
  const mode = databaseTarget().kind;
  const app = { version, uptimeSeconds: Math.round(process.uptime()) };
  const started = performance.now();
  try {
    const db = await getReadyDb();
    const rows = await db.$queryRaw<{ applied: bigint }[]>`SELECT count(*) AS applied FROM _prisma_migrations WHERE finished_at IS NOT NULL`;
    return {
      status: "ok",
      app,
      database: { mode, status: "ok", latencyMs: Math.round(performance.now() - started), migrations: Number(rows[0]?.applied ?? 0) },
    };
  } catch {
    // Never leak connection strings or stack traces; the server log has the details.
    return { status: "degraded", app, database: { mode, status: "unavailable", error: "The database did not answer." } };
  }
}
