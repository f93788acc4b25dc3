// The database as the app and CLI use it: opened once per process, with pending migrations
// applied first (safe when several instances start together; see ./migrate.ts).
import { getDatabase, type DatabaseHandle, type Db } from "./client";
import { applyMigrations, type MigrateResult } from "./migrate";

const globalForReady = globalThis as unknown as { socodeReady?: Promise<{ handle: DatabaseHandle; migrated: MigrateResult }> };

export function prepareDatabase(): Promise<{ handle: DatabaseHandle; migrated: MigrateResult }> {
  globalForReady.socodeReady ??= (async () => {
    const handle = await getDatabase();
    const migrated = await applyMigrations(handle.connectionString);
    return { handle, migrated };
  })().catch((err: unknown) => {
    globalForReady.socodeReady = undefined;
    throw err;
  });
  return globalForReady.socodeReady;
}

/** The migrated process-wide client. */
export async function getReadyDb(): Promise<Db> {
  return (await prepareDatabase()).handle.db;
}
