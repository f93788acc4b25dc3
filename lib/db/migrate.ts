// Prisma-native migrations (prisma/migrations/*/migration.sql and the _prisma_migrations table),
// generated and applied through the WASM schema engine.
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { pgliteExtensions } from "./pglite-extensions";
import { startSchemaEngine, type MigrationList } from "./schema-engine";

// Read at run time from the app's folder (`npm start` runs there); the build need not trace them.
export const SCHEMA_PATH = path.join(process.cwd(), "prisma", "schema.prisma");
export const MIGRATIONS_DIR = path.join(process.cwd(), "prisma", "migrations");

const NO_FILTERS = { externalTables: [], externalEnums: [] };
// Arbitrary but fixed: every instance starting at once waits on the same advisory lock.
const MIGRATION_LOCK_KEY = 5_050_202_611;
const EMPTY_MIGRATION = /^\s*(--[^\n]*\n?\s*)*$/;

/** Reads the migrations folder in the shape the schema engine expects. */
export function readMigrations(dir: string = MIGRATIONS_DIR): MigrationList {
  const lockPath = path.join(dir, "migration_lock.toml");
  const directories = fs.existsSync(/* turbopackIgnore: true */ dir)
    ? fs
        .readdirSync(/* turbopackIgnore: true */ dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir: dir,
    lockfile: {
      path: "migration_lock.toml",
      content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, "utf8") : null,
    },
    shadowDbInitScript: "",
    migrationDirectories: directories.map((name) => {
      const file = path.join(dir, name, "migration.sql");
      return {
        path: name,
        migrationFile: {
          path: "migration.sql",
          content: fs.existsSync(file)
            ? { tag: "ok" as const, value: fs.readFileSync(file, "utf8") }
            : { tag: "error" as const, value: `${file} is missing` },
        },
      };
    }),
  };
}

/**
 * @prisma/adapter-pg runs a script by splitting it on every ";", which breaks function bodies
 * ($$ … $$) and applies a migration statement by statement. This adapter sends each script whole:
 * PostgreSQL runs a multi-statement simple query as one implicit transaction, so a migration
 * applies completely or not at all.
 */
function wholeScriptAdapter(pool: pg.Pool): SqlMigrationAwareDriverAdapterFactory {
  const inner = new PrismaPg(pool);
  const withWholeScripts = (adapter: SqlDriverAdapter): SqlDriverAdapter =>
    Object.assign(Object.create(adapter) as SqlDriverAdapter, {
      executeScript: async (script: string) => {
        await pool.query(script);
      },
    });
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => withWholeScripts(await inner.connect()),
    // Applying migrations never needs a shadow database; diffs use an in-memory PGlite instead.
    connectToShadowDb: () => Promise.reject(new Error("applyMigrations does not use a shadow database")),
  };
}

/** A failed migration, with the database's own words and the migration's name on the first line. */
export class MigrationError extends Error {
  readonly code = "migration_failed";
  constructor(cause: unknown) {
    const text = cause instanceof Error ? cause.message : String(cause);
    const dbLine = /Error querying the database: (.+)/.exec(text)?.[1];
    const migration = /migration_name="([^"]+)"/.exec(text)?.[1];
    super(
      `Migration ${migration ?? "(unknown)"} failed: ${dbLine ?? text.split("\n")[0]}. ` +
        "The database is left as it was before that migration; fix the cause and run `npx socode db:migrate` again.",
      { cause },
    );
  }
}

export type MigrateResult = { applied: string[] };

/** True when every migration folder is recorded as finished (and none rolled back) in the database. */
async function allMigrationsApplied(client: pg.Client): Promise<boolean> {
  const folders = readMigrations().migrationDirectories.map((d) => d.path);
  const exists = await client.query<{ present: boolean }>("SELECT to_regclass('public._prisma_migrations') IS NOT NULL AS present");
  if (!exists.rows[0]?.present) return false;
  const { rows } = await client.query<{ migration_name: string }>(
    "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
  );
  const applied = new Set(rows.map((r) => r.migration_name));
  return folders.every((name) => applied.has(name));
}

/**
 * Applies pending migrations to the database at `connectionString`. Safe when several instances
 * start at once: they queue on a PostgreSQL advisory lock and later ones find nothing to apply.
 */
export async function applyMigrations(connectionString: string): Promise<MigrateResult> {
  const lockClient = new pg.Client({ connectionString });
  await lockClient.connect();
  try {
    // Fast path for every start after the first: nothing pending, no need to load the engine.
    if (await allMigrationsApplied(lockClient)) return { applied: [] };
    await lockClient.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    const pool = new pg.Pool({ connectionString, max: 2 });
    const engine = await startSchemaEngine(wholeScriptAdapter(pool), SCHEMA_PATH);
    try {
      const { appliedMigrationNames } = await engine.applyMigrations({
        migrationsList: readMigrations(),
        filters: NO_FILTERS,
      }).catch((err: unknown) => {
        throw new MigrationError(err);
      });
      return { applied: appliedMigrationNames };
    } finally {
      engine.free();
      await pool.end();
    }
  } finally {
    await lockClient.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await lockClient.end();
  }
}

/**
 * SQL that would bring a database built from the migrations folder up to prisma/schema.prisma.
 * Empty when they agree. Runs against a throwaway in-memory PGlite (the shadow database).
 */
export async function pendingSchemaChanges(): Promise<string> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PrismaPGlite } = await import("pglite-prisma-adapter");
  const extensions = await pgliteExtensions();
  const scratch = await PGlite.create({ extensions });
  // The engine replays the migrations into a shadow database; the adapter's own shadow PGlite would
  // lack the extensions the migrations create.
  const adapter = new PrismaPGlite(scratch);
  adapter.connectToShadowDb = async () => new PrismaPGlite(await PGlite.create({ dataDir: "memory://shadow", extensions })).connect();
  const engine = await startSchemaEngine(adapter, SCHEMA_PATH);
  try {
    const result = await engine.diff({
      from: { tag: "migrations", ...readMigrations() },
      to: { tag: "schemaDatamodel", files: [{ path: SCHEMA_PATH, content: fs.readFileSync(SCHEMA_PATH, "utf8") }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    const sql = result.stdout ?? "";
    return EMPTY_MIGRATION.test(sql) ? "" : sql.trim() + "\n";
  } finally {
    engine.free();
    await scratch.close();
  }
}

/** The lock file names the provider; the engine needs it to read the migrations folder. */
function ensureMigrationLock(): void {
  const lockPath = path.join(MIGRATIONS_DIR, "migration_lock.toml");
  if (fs.existsSync(lockPath)) return;
  fs.mkdirSync(MIGRATIONS_DIR, { recursive: true });
  fs.writeFileSync(
    lockPath,
    '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
  );
}

export type CreatedMigration = { name: string; path: string; sql: string } | null;

/** Writes a new migration for the difference between the migrations folder and the schema. */
export async function createMigration(name: string, now: Date = new Date()): Promise<CreatedMigration> {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!slug) throw new Error("Migration name must contain letters or digits, e.g. add_rollups");
  ensureMigrationLock();
  const sql = await pendingSchemaChanges();
  if (!sql) return null;
  const stamp = now.toISOString().replace(/\D/g, "").slice(0, 14);
  const dirName = `${stamp}_${slug}`;
  const dir = path.join(MIGRATIONS_DIR, dirName);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "migration.sql"), sql);
  return { name: dirName, path: path.join(dir, "migration.sql"), sql };
}
