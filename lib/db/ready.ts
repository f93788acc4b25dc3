// The database as the app and CLI use it: opened once per process, with pending migrations
// applied first (safe when several instances start together; see ./migrate.ts).
import { getDatabase, type DatabaseHandle, type Db } from "./client";
import { applyMigrations, type MigrateResult } from "./migrate";

type Ready = { handle: DatabaseHandle; migrated: MigrateResult };

const globalForReady = globalThis as unknown as { socodeReady?: { opened: Promise<DatabaseHandle>; ready: Promise<Ready> } };

export function prepareDatabase(): Promise<Ready> {
  // Tied to the handle it prepared: after closeDatabase() the next call opens and prepares anew.
  const opened = getDatabase();
  if (globalForReady.socodeReady?.opened !== opened) {
    const ready = (async () => {
      const handle = await opened;
      const migrated = await applyMigrations(handle.connectionString);
      return { handle, migrated };
    })();
    ready.catch(() => {
      if (globalForReady.socodeReady?.ready === ready) globalForReady.socodeReady = undefined;
    });
    globalForReady.socodeReady = { opened, ready };
  }
  return globalForReady.socodeReady.ready;
}

/** The migrated process-wide client. */
export async function getReadyDb(): Promise<Db> {
  return (await prepareDatabase()).handle.db;
}
