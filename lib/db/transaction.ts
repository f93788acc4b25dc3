import type { Prisma } from "@/lib/generated/prisma/client";
import type { Db } from "./client";

/** A Prisma interactive-transaction client. Functions that must run inside a transaction take this. */
export type Tx = Prisma.TransactionClient;
/** Either the root client or a transaction client. */
export type DbOrTx = Db | Tx;

/**
 * The raw-statement half of a client: what a function needs when all it runs is SQL. A Prisma
 * client or transaction client provides it, and so does a driver transaction (./raw-transaction.ts).
 * Rows come back typed by whichever runs them: Prisma maps int8 to BigInt and numeric to Decimal,
 * the `pg` driver returns both as strings, so statements written for RawTx cast such columns
 * (`::text`, `::int`) and read only types both agree on (text, uuid, int4, bool, timestamptz).
 */
export type RawTx = {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
};
