// Test databases: a fresh, migrated database per call, on the runtime the suite was started for.
// `npm test` uses embedded PGlite; with TEST_DATABASE_URL=postgresql://… each call creates (and
// afterwards drops) its own database on that server, so test files never see each other's rows.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import pg from "pg";
import { connect, type DatabaseHandle } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { applyMigrations } from "@/lib/db/migrate";

export type TestDatabase = DatabaseHandle & { runtime: "pglite" | "postgres" };

export function testRuntime(): "pglite" | "postgres" {
  return process.env.TEST_DATABASE_URL ? "postgres" : "pglite";
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) {
    const name = `socode_test_${crypto.randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    await applyMigrations(url.toString());
    const handle = await connect({ kind: "server", url: url.toString() });
    return {
      ...handle,
      runtime: "postgres",
      close: async () => {
        await handle.close();
        const dropper = new pg.Client({ connectionString: serverUrl });
        await dropper.connect();
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await dropper.end();
      },
    };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "socode-test-"));
  const handle = await connect({ kind: "embedded", dataDir });
  await applyMigrations(handle.connectionString);
  return {
    ...handle,
    runtime: "pglite",
    close: async () => {
      await handle.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Points this process's environment at `database`, so code that uses the process-wide client
 * (the CLI, route handlers) talks to it. Returns a function that restores the environment.
 */
export function useDatabaseEnvironment(database: TestDatabase): () => void {
  const saved = { url: process.env.DATABASE_URL, dir: process.env.SOCODE_DATA_DIR };
  if (database.target.kind === "server") {
    process.env.DATABASE_URL = database.target.url;
  } else {
    delete process.env.DATABASE_URL;
    process.env.SOCODE_DATA_DIR = database.target.dataDir;
  }
  resetEnvCache();
  return () => {
    if (saved.url === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved.url;
    if (saved.dir === undefined) delete process.env.SOCODE_DATA_DIR;
    else process.env.SOCODE_DATA_DIR = saved.dir;
    resetEnvCache();
  };
}
