#!/usr/bin/env node
// `prisma generate` offline. Generation never runs the schema engine, but the Prisma CLI tries to
// download one unless PRISMA_SCHEMA_ENGINE_BINARY names an existing file; the running Node binary
// is such a file. Migrations use Prisma's WASM schema engine instead (lib/db/migrate.ts).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const cli = require.resolve("prisma/build/index.js");
const result = spawnSync(process.execPath, [cli, "generate"], {
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
