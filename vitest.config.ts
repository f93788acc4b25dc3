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
    // One audit key for the test process, the apps it starts and the CLIs it spawns (they inherit the
    // environment): otherwise each data folder would generate its own and the chains written by one
    // could not be verified by another. A test key, not a secret.
    env: { SOCODE_AUDIT_KEYS: "test:dGVzdC1hdWRpdC1rZXktZm9yLXRoZS10ZXN0LXN1aXRlcy1vbmx5LTMyYg==" },
  },
});
