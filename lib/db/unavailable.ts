// Is this error the database being unreachable (down, restarting, shutting down, out of
// connections) rather than a bug or a bad query? Callers answer those with 503 + Retry-After: the
// request was not completed, and the pool reconnects by itself once the server is back.
// Looks through Prisma's error, its driver adapter error and their causes.

/** Prisma: can't reach / timed out / server closed the connection / pool timeout. */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
/** @prisma/adapter-pg error kinds for socket-level failures. */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
/** SQLSTATE: connection exceptions (08…), admin/crash shutdown, cannot connect now, too many connections. */
const SQLSTATE = /^(08[0-9A-Z]{3}|57P01|57P02|57P03|53300)$/;
const NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);
const MESSAGES =
  /Connection terminated|Can't reach database server|Server has closed the connection|Client has encountered a connection error|the database system is (shutting down|starting up|not yet accepting connections|in recovery mode)|timeout exceeded when trying to connect/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length && seen.size < 20) {
    const e = queue.shift();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const o = e as { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    const code = typeof o.code === "string" ? o.code : null;
    if (code && (PRISMA_CODES.has(code) || NODE_CODES.has(code) || SQLSTATE.test(code))) return true;
    if (typeof o.originalCode === "string" && SQLSTATE.test(o.originalCode)) return true;
    if (typeof o.kind === "string" && ADAPTER_KINDS.has(o.kind)) return true;
    if (typeof o.message === "string" && MESSAGES.test(o.message)) return true;
    queue.push(o.cause, o.meta?.driverAdapterError);
  }
  return false;
}
