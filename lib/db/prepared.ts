// Hot-path statements straight through the `pg` pool: no Prisma query compilation or row mapping
// per call, and on a PostgreSQL server a named prepared statement, so each connection parses and
// plans it once. Rows come back as the driver types them (timestamptz → Date, arrays → arrays).
// For anything else use Prisma; this is for a few small, fixed, parameterised statements.
import type { DbOrTx } from "./transaction";
import { driverPoolOf } from "./client";

/**
 * Runs `text` with `values` ($1, $2… placeholders). `name` identifies the statement per connection
 * and must always be used with the same text. A transaction client (no pool) runs it through Prisma.
 */
export async function preparedQuery<Row>(db: DbOrTx, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const driver = driverPoolOf(db);
  if (!driver) return (db as { $queryRawUnsafe: <T>(sql: string, ...values: unknown[]) => Promise<T> }).$queryRawUnsafe<Row[]>(text, ...values);
  const result = await driver.pool.query(driver.namedStatements ? { name, text, values } : { text, values });
  return result.rows as Row[];
}
