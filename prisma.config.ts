// Prisma CLI configuration. Migrations are generated and applied by `npx socode db:*`
// through Prisma's WebAssembly schema engine (see docs/architecture.md); the CLI is used for `generate`.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
