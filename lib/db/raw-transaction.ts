// A transaction straight on a `pg` connection, for bulk paths whose statements are all raw SQL
// (lib/ingest). Through Prisma, every raw statement's parameters are serialised to JSON and parsed
// back, every model call is planned by the query compiler, and every row is mapped; for a batch of
// 1,000 orders that was about a quarter of the app's CPU (docs/benchmarks.md, "Ingest"). Here a
// statement goes to the driver as it is, and on a PostgreSQL server as a named prepared statement,
// so each connection parses and plans it once. It offers the raw half of a Prisma transaction
// client (RawTx), so code written against RawTx runs in either.
import type pg from "pg";
import { driverPoolOf, type Db } from "./client";
import { generatedStatementName } from "./prepared";
import type { RawTx } from "./transaction";

export type RawTransactionOptions = {
  /**
   * Longest any one statement may run, lock waits included, before PostgreSQL cancels it and the
   * transaction rolls back (`SET LOCAL statement_timeout`; default 120 s). Bounds how long a stuck
   * batch can hold its connection and locks. Not enforced by the embedded database.
   */
  statementTimeoutMs?: number;
};

/**
 * Runs `fn` in one transaction on a connection of `db`'s driver pool: committed when it returns,
 * rolled back when it throws (and a connection that fails mid-transaction is discarded, not reused).
 * A client without a driver pool (not opened by connect()) runs it in a Prisma transaction instead,
 * with the statement limit as the whole transaction's.
 */
export async function rawTransaction<T>(db: Db, fn: (tx: RawTx) => Promise<T>, options: RawTransactionOptions = {}): Promise<T> {
  const statementTimeoutMs = Math.max(1, Math.floor(options.statementTimeoutMs ?? 120_000));
  const driver = driverPoolOf(db);
  if (!driver) return db.$transaction(fn, { timeout: statementTimeoutMs, maxWait: 60_000 });
  const client = await driver.pool.connect();
  const run = (text: string, values: unknown[]): Promise<pg.QueryResult> => {
    const name = driver.namedStatements ? generatedStatementName(text) : null;
    return client.query(name ? { name, text, values } : { text, values });
  };
  const tx: RawTx = {
    $queryRawUnsafe: <R>(text: string, ...values: unknown[]) => run(text, values).then((r) => r.rows as R),
    $executeRawUnsafe: (text: string, ...values: unknown[]) => run(text, values).then((r) => r.rowCount ?? 0),
  };
  try {
    // One round trip (simple protocol): the limit holds for this transaction only.
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${statementTimeoutMs}`);
  } catch (err) {
    client.release(true);
    throw err;
  }
  // Rolled back cleanly, the connection goes back to the pool; one that cannot roll back is discarded.
  let healthy = true;
  try {
    const result = await fn(tx);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {
      healthy = false;
    });
    throw err;
  } finally {
    client.release(healthy ? undefined : true);
  }
}
