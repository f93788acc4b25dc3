import { z } from "zod";
import { getDatabase } from "@/lib/db/client";
import { applyMigrations, createMigration, pendingSchemaChanges } from "@/lib/db/migrate";
import { CliError, defineCommand } from "../command";

export const dbMigrate = defineCommand({
  name: "db:migrate",
  summary: "Apply pending migrations to the configured database",
  flags: {},
  schema: z.object({}),
  run: async () => {
    const handle = await getDatabase();
    const { applied } = await applyMigrations(handle.connectionString);
    return {
      data: { applied, database: handle.target.kind },
      text: applied.length ? `Applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}`).join("\n")}` : "Database is up to date.",
    };
  },
});

export const dbMigrationCreate = defineCommand({
  name: "db:migration:create",
  summary: "Write a new migration from changes to prisma/schema.prisma",
  flags: { name: { type: "string", description: "Short name, e.g. add_rollups", placeholder: "name" } },
  schema: z.object({ name: z.string({ error: "is required" }).min(1) }),
  examples: ["npx socode db:migration:create --name add_member_notes"],
  run: async (_ctx, { name }) => {
    const created = await createMigration(name);
    if (!created) return { data: { created: null }, text: "No schema changes: the migrations already match prisma/schema.prisma." };
    return { data: { created: created.name, path: created.path }, text: `Wrote ${created.path}\nReview it, then run \`npx socode db:migrate\`.` };
  },
});

export const dbDrift = defineCommand({
  name: "db:drift",
  summary: "Check that prisma/migrations matches prisma/schema.prisma (exit 1 on drift)",
  flags: {},
  schema: z.object({}),
  run: async () => {
    const sql = await pendingSchemaChanges();
    if (sql) {
      throw new CliError(
        "schema_drift",
        `prisma/schema.prisma has changes no migration contains. Run \`npx socode db:migration:create --name <name>\`. Missing SQL:\n${sql}`,
      );
    }
    return { data: { drift: false }, text: "No drift: migrations match the schema." };
  },
});
