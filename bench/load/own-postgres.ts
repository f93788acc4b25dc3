// A throwaway PostgreSQL cluster of our own (initdb into a temp folder, its own port and socket
// folder), so a fault script can stop and start the server without touching the shared one.
// Runs the server as the `postgres` OS user (initdb refuses root).
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "pg_ctl"))).sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error(`No PostgreSQL binaries under ${root}`);
  return path.join(root, versions[0], "bin");
}

export type OwnPostgres = {
  port: number;
  dir: string;
  /** postgresql://postgres@127.0.0.1:<port>/<database> */
  url: (database: string) => string;
  start: () => Promise<void>;
  stop: (mode: "fast" | "immediate") => Promise<void>;
  isRunning: () => boolean;
  /** Stops the server and deletes its folder. */
  destroy: () => void;
  log: () => string;
};

export async function createOwnPostgres(port = 55432): Promise<OwnPostgres> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "socode-own-pg-"));
  const data = path.join(dir, "data");
  const socketDir = path.join(dir, "sock");
  const logFile = path.join(dir, "server.log");
  fs.mkdirSync(socketDir);
  execFileSync("chown", ["-R", "postgres:postgres", dir]);
  const asPostgres = (cmd: string, args: string[]) =>
    execFileSync("runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args], { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 }).toString();
  asPostgres("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  const asPostgresAsync = async (cmd: string, args: string[]) => {
    await promisify(execFile)("runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args], { timeout: 60_000 });
  };
  const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200`;
  const pg: OwnPostgres = {
    port,
    dir,
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    start: () => asPostgresAsync("pg_ctl", ["-D", data, "-o", options, "-l", logFile, "-w", "-t", "60", "start"]),
    stop: (mode) => asPostgresAsync("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]),
    isRunning: () => {
      try {
        asPostgres("pg_ctl", ["-D", data, "status"]);
        return true;
      } catch {
        return false;
      }
    },
    destroy: () => {
      if (pg.isRunning()) asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : ""),
  };
  await pg.start();
  return pg;
}
