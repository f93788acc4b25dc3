// CI: after `npm install`, fail if package-lock.json changed in any way that matters. npm 11 on
// these machines adds or drops other platforms' optional packages (e.g. @next/swc-darwin-x64) from
// one install to the next, so a plain `git diff --exit-code` fails at random; any other change
// (a version, an integrity hash, a new or missing package for this platform) is dependency drift.
//   node scripts/check-lockfile.mjs   (compares the working copy with HEAD)
import { execFileSync } from "node:child_process";
import fs from "node:fs";

const committed = JSON.parse(execFileSync("git", ["show", "HEAD:package-lock.json"], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 }));
const installed = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));

/** Whether an os/cpu/libc list ("darwin", "!win32", …) admits this machine's value. */
function admits(list, mine) {
  if (!Array.isArray(list) || list.length === 0) return true;
  if (list.includes(`!${mine}`)) return false;
  const positive = list.filter((v) => !v.startsWith("!"));
  return positive.length === 0 || positive.includes(mine);
}

const libc = process.platform === "linux" ? (process.report.getReport().header.glibcVersionRuntime ? "glibc" : "musl") : undefined;

/** An optional package that can never be installed on this machine (another os, cpu or libc). */
function foreignOptional(entry) {
  if (!entry?.optional) return false;
  return !admits(entry.os, process.platform) || !admits(entry.cpu, process.arch) || (libc !== undefined && !admits(entry.libc, libc));
}

const problems = [];
const before = committed.packages ?? {};
const after = installed.packages ?? {};
for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
  const a = before[name];
  const b = after[name];
  if (a && b) {
    if (JSON.stringify(a) !== JSON.stringify(b)) problems.push(`${name || "(root)"}: changed`);
  } else if (!foreignOptional(a ?? b)) {
    problems.push(`${name}: ${a ? "removed" : "added"}`);
  }
}
if (problems.length) {
  console.error(`package-lock.json drifted from package.json or the registry:\n  ${problems.join("\n  ")}\nRun npm install and commit the lockfile.`);
  process.exit(1);
}
console.log("package-lock.json: no drift (other platforms' optional packages ignored)");
