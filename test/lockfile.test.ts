// The lockfile must let `npm ci` install on every platform: scripts/check-lockfile.mjs is the guard CI
// runs before `npm ci`. These tests run it on the committed lockfile and on copies broken the two ways
// a lockfile breaks in practice.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "socode-lockfile-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

type Lockfile = { packages: Record<string, Record<string, unknown>> };
const committed = (): Lockfile => JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));

function check(lockfile: Lockfile, manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"))) {
  const lockPath = path.join(scratch, `lock-${Math.random().toString(36).slice(2)}.json`);
  const manifestPath = path.join(scratch, `package-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(lockPath, JSON.stringify(lockfile));
  fs.writeFileSync(manifestPath, JSON.stringify(manifest));
  try {
    const out = execFileSync(process.execPath, ["scripts/check-lockfile.mjs", "--lockfile", lockPath, "--package", manifestPath], {
      cwd: root,
      encoding: "utf8",
      stdio: "pipe",
    });
    return { ok: true, out };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: string }).stderr) };
  }
}

describe("package-lock.json", () => {
  it("holds every platform's optional binaries (npm ci on macOS and Windows needs them)", () => {
    const lock = committed();
    for (const name of [
      "node_modules/@next/swc-darwin-arm64",
      "node_modules/@next/swc-win32-x64-msvc",
      "node_modules/@tailwindcss/oxide-darwin-arm64",
      "node_modules/@tailwindcss/oxide-wasm32-wasi",
      "node_modules/lightningcss-darwin-arm64",
    ]) {
      expect(lock.packages[name], name).toMatchObject({ optional: true });
    }
    const result = check(lock);
    expect(result.out).toContain("complete for every platform");
    expect(result.ok).toBe(true);
  });

  it("the check refuses a lockfile that lost another platform's optional package", () => {
    const lock = committed();
    delete lock.packages["node_modules/@tailwindcss/oxide-darwin-arm64"];
    const result = check(lock);
    expect(result.ok).toBe(false);
    expect(result.out).toContain("@tailwindcss/oxide-darwin-arm64: optional dependency of node_modules/@tailwindcss/oxide is missing");
  });

  it("the check refuses a lockfile out of step with package.json", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    manifest.dependencies["left-pad"] = "^1.3.0";
    const result = check(committed(), manifest);
    expect(result.ok).toBe(false);
    expect(result.out).toContain("dependencies.left-pad: package.json says ^1.3.0, the lockfile nothing");
  });

  it("the check refuses an entry without an integrity hash", () => {
    const lock = committed();
    const zod = lock.packages["node_modules/zod"];
    expect(zod?.integrity).toBeTruthy();
    delete zod?.integrity;
    const result = check(lock);
    expect(result.ok).toBe(false);
    expect(result.out).toContain("node_modules/zod: no integrity hash");
  });
});
