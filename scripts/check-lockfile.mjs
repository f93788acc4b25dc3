// CI (and anyone before committing): package-lock.json must be complete for every platform and in
// step with package.json, so that `npm ci` installs the same tree on Linux, macOS and Windows.
//
// Why a check of our own: npm 11 drops other platforms' optional packages (@next/swc-darwin-*,
// @tailwindcss/oxide-win32-*, the wasm32 fallbacks) from the lockfile when it rewrites the lockfile
// from a node_modules that lacks them, and it never adds them back on a later `npm install`: a
// missing optional edge counts as satisfied. `npm ci` on a clean clone then refuses the lockfile
// ("Missing: @tailwindcss/oxide-darwin-arm64@… from lock file"). This check catches that statically,
// on any machine, before anyone runs `npm ci`.
//
//   node scripts/check-lockfile.mjs [--lockfile package-lock.json] [--package package.json]
//
// Repair a lockfile that fails: in a scratch clone without node_modules, run
// `npm install --package-lock-only` (it keeps every locked version and adds the missing entries),
// then commit the lockfile it wrote.
import fs from "node:fs";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    lockfile: { type: "string", default: "package-lock.json" },
    package: { type: "string", default: "package.json" },
  },
});

const lock = JSON.parse(fs.readFileSync(values.lockfile, "utf8"));
const manifest = JSON.parse(fs.readFileSync(values.package, "utf8"));
const packages = lock.packages ?? {};
const problems = [];

if (lock.lockfileVersion !== 3) problems.push(`lockfileVersion is ${lock.lockfileVersion}; npm 11 writes 3`);

// 1. The root entry records exactly the ranges package.json asks for.
const root = packages[""] ?? {};
for (const field of ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"]) {
  const wanted = manifest[field] ?? {};
  const locked = root[field] ?? {};
  for (const name of new Set([...Object.keys(wanted), ...Object.keys(locked)])) {
    if (wanted[name] !== locked[name]) {
      problems.push(`${field}.${name}: package.json says ${wanted[name] ?? "nothing"}, the lockfile ${locked[name] ?? "nothing"}`);
    }
  }
}

// 2. Every dependency of every locked package, optional ones included, resolves to a locked entry the
//    way Node resolves it (the nearest node_modules folder upwards). Optional peers may be absent.
function resolve(fromPath, name) {
  let base = fromPath;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut === -1 ? "" : base.slice(0, cut);
  }
}
for (const [path, entry] of Object.entries(packages)) {
  if (entry.link) continue;
  const optionalPeers = entry.peerDependenciesMeta ?? {};
  const edges = [
    ...Object.keys(entry.dependencies ?? {}).map((name) => [name, "dependency"]),
    ...Object.keys(entry.optionalDependencies ?? {}).map((name) => [name, "optional dependency"]),
    ...Object.keys(path === "" ? (entry.devDependencies ?? {}) : {}).map((name) => [name, "dev dependency"]),
    ...Object.keys(entry.peerDependencies ?? {})
      .filter((name) => !optionalPeers[name]?.optional)
      .map((name) => [name, "peer dependency"]),
  ];
  for (const [name, kind] of edges) {
    if (!resolve(path, name)) problems.push(`${name}: ${kind} of ${path || "the project"} is missing from the lockfile`);
  }
  // 3. Every fetched package is pinned by its integrity hash (bundled ones ship inside their parent's
  //    tarball). No `resolved` URL is required: with omit-lockfile-registry-resolved npm leaves it out
  //    and fetches from whichever registry the installing machine is configured for.
  if (path !== "" && !entry.inBundle && !entry.integrity) problems.push(`${path}: no integrity hash`);
}

if (problems.length) {
  console.error(
    `${values.lockfile} is incomplete or out of step with ${values.package}:\n  ${problems.join("\n  ")}\n` +
      "Repair it in a scratch clone without node_modules: npm install --package-lock-only, then commit package-lock.json.",
  );
  process.exit(1);
}
console.log(`${values.lockfile}: complete for every platform and in step with ${values.package} (${Object.keys(packages).length - 1} packages)`);
