// The PGlite hazard: two processes opening one data folder silently diverge. These tests prove a
// second process (the CLI while the app runs) goes through the owner instead, and that a lock
// left by a dead process does not block the next start.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { connect } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrate";

const exec = promisify(execFile);

function cli(dataDir: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, SOCODE_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  return exec(process.execPath, ["bin/socode.mjs", ...args], { env, cwd: process.cwd() });
}

describe("embedded database shared between processes", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "socode-embedded-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it("lets the CLI in another process write through the running owner, without a second PGlite", async () => {
    const dataDir = tempDir();
    const app = await connect({ kind: "embedded", dataDir });
    try {
      expect(app.embeddedOwner).toBe(true);
      await applyMigrations(app.connectionString);
      await app.db.tenant.create({ data: { slug: "shared", name: "Shared" } });

      const { stdout } = await cli(dataDir, "key:create", "--tenant", "shared", "--name", "from another terminal", "--json");
      const created = JSON.parse(stdout) as { id: string };

      // The owner sees the CLI's write at once: both used the same database.
      const key = await app.db.apiKey.findUnique({ where: { id: created.id } });
      expect(key?.name).toBe("from another terminal");
      const lock = JSON.parse(fs.readFileSync(path.join(dataDir, "socode.lock"), "utf8")) as { pid: number };
      expect(lock.pid).toBe(process.pid);
    } finally {
      await app.close();
    }
    expect(fs.existsSync(path.join(dataDir, "socode.lock"))).toBe(false);
  });

  it("takes over a folder whose lock was left by a process that died", async () => {
    const dataDir = tempDir();
    const first = await connect({ kind: "embedded", dataDir });
    await applyMigrations(first.connectionString);
    await first.db.tenant.create({ data: { slug: "kept", name: "Kept" } });
    await first.close();
    // Simulate a crash: a lock naming a pid that no longer exists.
    fs.writeFileSync(path.join(dataDir, "socode.lock"), JSON.stringify({ pid: 2 ** 22 + 12345, socketDir: dataDir, startedAt: "x" }));

    const { stdout } = await cli(dataDir, "key:list", "--tenant", "kept", "--json");
    expect(JSON.parse(stdout)).toEqual([]);
    // The CLI became the owner, then released the folder when it exited.
    expect(fs.existsSync(path.join(dataDir, "socode.lock"))).toBe(false);
  });
});
