// Hot-path statements straight through the `pg` pool: no Prisma query compilation or row mapping
// per call, and on a PostgreSQL server a named prepared statement, so each connection parses and
// plans it once. Rows come back as the driver types them (timestamptz → Date, arrays → arrays).
// For anything else use Prisma; this is for a few small, fixed, parameterised statements, and for
// generated statements (the semantic layer's rollup queries) named by generatedStatementName.
import crypto from "node:crypto";
import type { DbOrTx } from "./transaction";
import { driverPoolOf } from "./client";

/**
 * Runs `text` with `values` ($1, $2… placeholders). `name` identifies the statement per connection
 * and must always be used with the same text; null runs it unnamed (parsed and planned each time).
 * A transaction client (no pool) runs it through Prisma.
 */
export async function preparedQuery<Row>(db: DbOrTx, name: string | null, text: string, values: unknown[]): Promise<Row[]> {
  const driver = driverPoolOf(db);
  if (!driver) return (db as { $queryRawUnsafe: <T>(sql: string, ...values: unknown[]) => Promise<T> }).$queryRawUnsafe<Row[]>(text, ...values);
  const result = await driver.pool.query(driver.namedStatements && name ? { name, text, values } : { text, values });
  return result.rows as Row[];
}

/**
 * At most this many generated statement texts get a name per process: PostgreSQL keeps a named
 * statement on every pooled connection that ran it for as long as the connection lives, so names
 * are handed out to the first distinct texts (in practice the handful of question shapes a tenant
 * asks again and again, and the few dozen statements of an ingest batch, ./raw-transaction.ts) and
 * later texts run unnamed.
 */
const MAX_GENERATED_NAMES = 256;
const generatedNames = new Map<string, string>();

/**
 * A statement name for generated SQL: derived from the text, so the same text always gets the same
 * name (in every module instance and process), or null once MAX_GENERATED_NAMES are in use.
 */
export function generatedStatementName(text: string): string | null {
  const known = generatedNames.get(text);
  if (known) return known;
  if (generatedNames.size >= MAX_GENERATED_NAMES) return null;
  const name = `socode_g_${crypto.createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
  generatedNames.set(text, name);
  return name;
}
