// CI: after `npm install`, fail if package-lock.json changed in any way that matters. npm 11 on
// these machines records optional packages (other platforms' binaries such as @next/swc-darwin-x64,
// fallbacks such as @tailwindcss/oxide-wasm32-wasi) in some installs and not in others, so a plain
// `git diff --exit-code` fails at random. Optional entries appearing or disappearing are ignored;
// any other change (a version, an integrity hash, a required package added or missing) is drift.
//   node scripts/check-lockfile.mjs   (compares the working copy with HEAD)
import { execFileSync } from "node:child_process";
import fs from "node:fs";

const committed = JSON.parse(execFileSync("git", ["show", "HEAD:package-lock.json"], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 }));
const installed = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));

const problems = [];
const before = committed.packages ?? {};
const after = installed.packages ?? {};
for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
  const a = before[name];
  const b = after[name];
  if (a && b) {
    if (JSON.stringify(a) !== JSON.stringify(b)) problems.push(`${name || "(root)"}: changed`);
  } else if (!(a ?? b)?.optional) {
    problems.push(`${name}: ${a ? "removed" : "added"}`);
  }
}
if (problems.length) {
  console.error(`package-lock.json drifted from package.json or the registry:\n  ${problems.join("\n  ")}\nRun npm install and commit the lockfile.`);
  process.exit(1);
}
console.log("package-lock.json: no drift (optional entries added or dropped by npm are ignored)");
