// The embedded database: PGlite (PostgreSQL compiled to WebAssembly) in a data folder.
//
// PGlite does not stop a second process from opening the same folder, and two processes doing so
// silently diverge and can corrupt the files. So exactly one process — the first to take the lock
// file — opens the folder and serves it on a Unix socket inside it; every client (the app itself,
// the CLI in another terminal, a second Next worker) connects to that socket with the ordinary
// PostgreSQL driver. The socket server serialises queries and keeps each connection's transaction
// whole, which gives the embedded mode one code path with server mode (@prisma/adapter-pg).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { pgliteExtensions } from "./pglite-extensions";
import { SessionQueue } from "./pglite-session-queue";

const LOCK_FILE = "socode.lock";
const SOCKET_NAME = ".s.PGSQL.5432";
// Unix socket paths are limited to 107 bytes on Linux.
const MAX_SOCKET_PATH = 100;

type LockInfo = { pid: number; socketDir: string; startedAt: string };

type Owner = {
  dataDir: string;
  socketDir: string;
  /** Open handles in this process. */
  users: number;
  close: () => Promise<void>;
};

const globalForEmbedded = globalThis as unknown as {
  socodeEmbeddedOwners?: Map<string, Promise<Owner>>;
};
const owners = (globalForEmbedded.socodeEmbeddedOwners ??= new Map());

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(lockPath: string): LockInfo | undefined {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(lockPath, "utf8"));
    if (
      parsed &&
      typeof parsed === "object" &&
      "pid" in parsed &&
      typeof parsed.pid === "number" &&
      "socketDir" in parsed &&
      typeof parsed.socketDir === "string"
    ) {
      return parsed as LockInfo;
    }
  } catch {
    // Missing or half-written lock: treated as absent below.
  }
  return undefined;
}

function socketDirFor(dataDir: string): string {
  if (path.join(dataDir, SOCKET_NAME).length <= MAX_SOCKET_PATH) return dataDir;
  const digest = crypto.createHash("sha256").update(dataDir).digest("hex").slice(0, 16);
  const dir = path.join(os.tmpdir(), `socode-${digest}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Tries to become the owner of the data folder; returns the current owner's lock otherwise. */
function tryLock(dataDir: string): { acquired: true; socketDir: string } | { acquired: false; lock: LockInfo } {
  const lockPath = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 50; attempt++) {
    const socketDir = socketDirFor(dataDir);
    try {
      const fd = fs.openSync(lockPath, "wx", 0o600);
      const info: LockInfo = { pid: process.pid, socketDir, startedAt: new Date().toISOString() };
      fs.writeSync(fd, JSON.stringify(info));
      fs.closeSync(fd);
      return { acquired: true, socketDir };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const lock = readLock(lockPath);
    if (lock && lock.pid !== process.pid && isAlive(lock.pid)) {
      if (fs.existsSync(path.join(lock.socketDir, SOCKET_NAME))) return { acquired: false, lock };
    } else if (lock && lock.pid === process.pid) {
      // A previous owner in this process was closed without removing the lock.
      fs.rmSync(lockPath, { force: true });
      continue;
    } else if (lock) {
      // The owner died without cleaning up: take the folder over.
      fs.rmSync(lockPath, { force: true });
      fs.rmSync(path.join(lock.socketDir, SOCKET_NAME), { force: true });
      continue;
    }
    // Lock being written, or owner still starting its socket: wait briefly.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  throw new Error(
    `The embedded database in ${dataDir} is locked by another process that is not serving it. ` +
      `Stop other SoCode processes, or remove ${path.join(dataDir, LOCK_FILE)} if none is running.`,
  );
}

async function becomeOwner(dataDir: string, socketDir: string): Promise<Owner> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const lockPath = path.join(dataDir, LOCK_FILE);
  const socketPath = path.join(socketDir, SOCKET_NAME);
  try {
    fs.rmSync(socketPath, { force: true });
    const db = await PGlite.create({ dataDir: path.join(dataDir, "pglite"), extensions: await pgliteExtensions() });
    const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 64 });
    // Replace the per-message queue with one that keeps each connection's statements together
    // (see ./pglite-session-queue.ts). Handlers take the server's queue when they connect.
    (server as unknown as { queryQueue: SessionQueue }).queryQueue = new SessionQueue(db);
    await server.start();
    fs.chmodSync(socketPath, 0o600);
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
      fs.rmSync(socketPath, { force: true });
      if (readLock(lockPath)?.pid === process.pid) fs.rmSync(lockPath, { force: true });
    };
    const releaseOnExit = () => {
      fs.rmSync(socketPath, { force: true });
      if (readLock(lockPath)?.pid === process.pid) fs.rmSync(lockPath, { force: true });
    };
    process.once("exit", releaseOnExit);
    return { dataDir, socketDir, users: 0, close };
  } catch (err) {
    fs.rmSync(lockPath, { force: true });
    throw err;
  }
}

export type EmbeddedConnection = {
  /** Connection string for the PostgreSQL driver (Unix socket inside the data folder). */
  connectionString: string;
  /** True when this process opened the folder and serves it. */
  owner: boolean;
  /** Stops serving (owner only); a no-op for clients. */
  close: () => Promise<void>;
};

/**
 * Opens the embedded database in `dataDir`: as its owner when no live process holds it,
 * otherwise as a client of the process that does.
 */
export async function openEmbedded(dataDir: string): Promise<EmbeddedConnection> {
  const absolute = path.resolve(dataDir);
  // PGlite creates only the last folder of its path.
  fs.mkdirSync(absolute, { recursive: true, mode: 0o700 });

  const existing = owners.get(absolute);
  if (existing) return shareOwner(absolute, await existing);
  const attempt = tryLock(absolute);
  if (!attempt.acquired) {
    return { connectionString: socketUrl(attempt.lock.socketDir), owner: false, close: async () => {} };
  }
  const starting = becomeOwner(absolute, attempt.socketDir);
  owners.set(absolute, starting);
  try {
    return shareOwner(absolute, await starting);
  } catch (err) {
    owners.delete(absolute);
    throw err;
  }
}

/** Several handles in one process share the owner; the last one to close stops serving. */
function shareOwner(absolute: string, owner: Owner): EmbeddedConnection {
  owner.users += 1;
  let closed = false;
  return {
    connectionString: socketUrl(owner.socketDir),
    owner: true,
    close: async () => {
      if (closed) return;
      closed = true;
      owner.users -= 1;
      if (owner.users > 0) return;
      owners.delete(absolute);
      await owner.close();
    },
  };
}

function socketUrl(socketDir: string): string {
  return `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`;
}
