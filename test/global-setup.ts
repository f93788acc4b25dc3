// Builds the app once before the suite, so integration tests run the real server (`next start`).
// CI builds in its own step and sets SOCODE_TEST_USE_EXISTING_BUILD=1 to skip this.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export default function setup() {
  if (process.env.SOCODE_TEST_USE_EXISTING_BUILD === "1" && fs.existsSync(".next/BUILD_ID")) return;
  process.stdout.write("Building the app for integration tests (next build)…\n");
  execFileSync(process.execPath, [path.resolve("node_modules/next/dist/bin/next"), "build"], { stdio: "inherit" });
}
