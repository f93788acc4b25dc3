// Integration tests run the real server (`next start`), so they need a production build that
// matches the sources. Build only when there is none or a source file is newer than it; CI builds
// in its own step and sets SOCODE_TEST_USE_EXISTING_BUILD=1 to skip even the check.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const SOURCES = ["app", "lib", "components", "instrumentation.ts", "proxy.ts", "next.config.ts", "package.json", "prisma/schema.prisma", "postcss.config.mjs"];
const SKIP = new Set(["node_modules", ".next", "generated"]);

function newestMtime(entry: string): number {
  if (!fs.existsSync(entry)) return 0;
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return entry.endsWith(".test.ts") ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const child of fs.readdirSync(entry)) {
    if (!SKIP.has(child)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  }
  return newest;
}

export default function setup() {
  const buildId = ".next/BUILD_ID";
  const built = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  if (built && process.env.SOCODE_TEST_USE_EXISTING_BUILD === "1") return;
  if (built && Math.max(...SOURCES.map(newestMtime)) <= built) return;
  process.stdout.write("Building the app for integration tests (next build): the build is missing or older than the sources…\n");
  execFileSync(process.execPath, [path.resolve("node_modules/next/dist/bin/next"), "build"], { stdio: "inherit" });
}
