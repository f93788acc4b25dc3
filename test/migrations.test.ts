import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pendingSchemaChanges, readMigrations } from "@/lib/db/migrate";
import { createTestDatabase, testRuntime, type TestDatabase } from "./database";

describe(`migrations on ${testRuntime()}`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.close());

  it("applies every migration folder from an empty database and records it in _prisma_migrations", async () => {
    const folders = readMigrations().migrationDirectories.map((d) => d.path);
    expect(folders.length).toBeGreaterThan(0);
    const rows = await database.db.$queryRaw<{ migration_name: string; finished_at: Date | null }[]>`
      SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name`;
    expect(rows.map((r) => r.migration_name)).toEqual(folders);
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });

  it("creates the tables the model declares", async () => {
    const tables = await database.db.$queryRaw<{ table_name: string }[]>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`;
    const names = tables.map((t) => t.table_name);
    for (const table of ["tenants", "users", "memberships", "api_keys", "write_requests", "audit_events", "stores", "tiers", "members", "orders", "points_entries", "coupon_pools", "coupons", "ambassador_codes"]) {
      expect(names).toContain(table);
    }
  });

  it("refuses UPDATE, DELETE and TRUNCATE on the audit table", async () => {
    const { db } = database;
    await db.$executeRaw`INSERT INTO audit_events (chain, seq, actor_type, surface, action, outcome, prev_hash, hash)
      VALUES ('_test', 1, 'system', 'system', 'probe', 'ok', 'x', 'y')`;
    await expect(db.$executeRaw`UPDATE audit_events SET action = 'forged'`).rejects.toThrow(/append-only/);
    await expect(db.$executeRaw`DELETE FROM audit_events`).rejects.toThrow(/append-only/);
    await expect(db.$executeRawUnsafe("TRUNCATE audit_events")).rejects.toThrow(/append-only/);
    const [row] = await db.$queryRaw<{ action: string }[]>`SELECT action FROM audit_events WHERE chain = '_test'`;
    expect(row?.action).toBe("probe");
  });
});

describe("schema drift", () => {
  it("finds no difference between prisma/schema.prisma and the migrations folder", async () => {
    // Fails when someone edits the schema without `npx socode db:migration:create`.
    expect(await pendingSchemaChanges()).toBe("");
  });
});
