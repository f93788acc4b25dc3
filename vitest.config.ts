import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["lib/**/*.test.ts", "test/**/*.test.ts", "app/**/*.test.ts", "components/**/*.test.ts?(x)"],
    exclude: ["e2e/**", "node_modules/**", "test/security/**"],
    // Each file gets its own database; two cores keep PGlite files from starving each other.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    environment: "node",
    globalSetup: ["test/global-setup.ts"],
  },
});
