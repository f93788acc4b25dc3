// The single database client factory. Server mode (DATABASE_URL) and embedded mode (PGlite served
// on a local socket, see ./embedded.ts) both reach PostgreSQL through @prisma/adapter-pg, so every
// query, transaction and migration runs on one code path.
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";
import { openEmbedded } from "./embedded";

export type Db = PrismaClient;

export type DatabaseTarget =
  | { kind: "server"; url: string }
  | { kind: "embedded"; dataDir: string };

export type DatabaseHandle = {
  db: Db;
  target: DatabaseTarget;
  /** Connection string the driver uses (the local socket in embedded mode). */
  connectionString: string;
  /** True when this process serves the embedded database. */
  embeddedOwner: boolean;
  close: () => Promise<void>;
};

/** Which database the environment selects. */
export function databaseTarget(): DatabaseTarget {
  const e = env();
  if (e.DATABASE_URL) return { kind: "server", url: e.DATABASE_URL };
  return { kind: "embedded", dataDir: path.resolve(e.SOCODE_DATA_DIR) };
}

/** Opens a client on `target`. Prefer `getReadyDb()` (lib/db/ready.ts); this is for tests and tools that need several. */
export async function connect(target: DatabaseTarget = databaseTarget()): Promise<DatabaseHandle> {
  let connectionString: string;
  let embeddedOwner = false;
  let closeEmbedded = async () => {};
  if (target.kind === "server") {
    connectionString = target.url;
  } else {
    const embedded = await openEmbedded(target.dataDir);
    connectionString = embedded.connectionString;
    embeddedOwner = embedded.owner;
    closeEmbedded = embedded.close;
  }
  const pool = new pg.Pool({
    connectionString,
    // The embedded server runs one query at a time; a small pool avoids needless queueing.
    max: target.kind === "embedded" ? 8 : env().SOCODE_DB_POOL_SIZE,
  });
  // An idle connection that the server drops (restart, embedded server closing) is an error event on
  // the pool; without a listener it would end the process. The next query opens a fresh connection.
  pool.on("error", () => {});
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  driverPools.set(db, pool);
  // Named (server-side prepared) statements live in a connection's session. The embedded server
  // multiplexes every socket onto PGlite's one session, where two connections preparing the same
  // name would collide, so only server mode gets them (lib/db/prepared.ts).
  if (target.kind === "server") namedStatementPools.add(pool);
  return {
    db,
    target,
    connectionString,
    embeddedOwner,
    close: async () => {
      await db.$disconnect();
      // Prisma disposes the pool only if it used it; the audit group commit and bulk statements use it directly.
      if (!pool.ended) await pool.end();
      await closeEmbedded();
    },
  };
}

// On globalThis like the handle itself (getDatabase): Next.js loads this module more than once (the
// instrumentation hook that opens the database, and each server bundle), and a per-module map left
// the console's server actions without the pool of the handle they share ("Verify integrity" failed).
const globalForPools = globalThis as unknown as { socodeDriverPools?: WeakMap<Db, pg.Pool> };
const driverPools = (globalForPools.socodeDriverPools ??= new WeakMap<Db, pg.Pool>());
const globalForNamed = globalThis as unknown as { socodeNamedStatementPools?: WeakSet<pg.Pool> };
const namedStatementPools = (globalForNamed.socodeNamedStatementPools ??= new WeakSet<pg.Pool>());

/** The `pg` pool under a client and whether it may use named prepared statements; undefined for a transaction client. */
export function driverPoolOf(db: unknown): { pool: pg.Pool; namedStatements: boolean } | undefined {
  const pool = driverPools.get(db as Db);
  return pool ? { pool, namedStatements: namedStatementPools.has(pool) } : undefined;
}

/**
 * The `pg` pool under a client from `connect()`, for bulk statements whose parameters are large
 * arrays (the demo generator): Prisma's client keeps the arguments of its last 100 debug calls
 * alive, which for multi-megabyte batches is a few hundred megabytes of heap.
 */
export function driverPool(db: Db): pg.Pool {
  const pool = driverPools.get(db);
  if (!pool) throw new Error("driverPool() needs a client opened by connect() (not a transaction client).");
  return pool;
}

/** True for a client from `connect()` (its own connections), false for a transaction client inside one. */
export function isRootClient(client: object): client is Db {
  return driverPools.has(client as Db);
}

const globalForDb = globalThis as unknown as { socodeDb?: Promise<DatabaseHandle> };

/** The process-wide database handle (kept on globalThis so dev reloads reuse it). */
export function getDatabase(): Promise<DatabaseHandle> {
  globalForDb.socodeDb ??= connect().catch((err: unknown) => {
    globalForDb.socodeDb = undefined;
    throw err;
  });
  return globalForDb.socodeDb;
}

/** Closes the process-wide handle (CLI exit, tests). */
export async function closeDatabase(): Promise<void> {
  const current = globalForDb.socodeDb;
  globalForDb.socodeDb = undefined;
  if (current) await (await current).close();
}
