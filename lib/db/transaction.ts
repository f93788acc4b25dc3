import type { Prisma } from "@/lib/generated/prisma/client";
import type { Db } from "./client";

/** A Prisma interactive-transaction client. Functions that must run inside a transaction take this. */
export type Tx = Prisma.TransactionClient;
/** Either the root client or a transaction client. */
export type DbOrTx = Db | Tx;
