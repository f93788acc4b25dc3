// Child process for kill-during-approval.ts: approves a tenant's pending write requests, several
// at a time, through approveWriteRequest (what the console and `socode writes:approve` call),
// until none is left. Prints "ready" once connected and one line per decision. Meant to be
// SIGKILLed at a random moment.
//
//   DATABASE_URL=… node --import tsx bench/load/approve-worker.ts <tenantId> <approverUserId> [concurrency]
import { connect } from "@/lib/db/client";
import { OperationError } from "@/lib/errors";
import { approveWriteRequest } from "@/lib/operations/approve-write-request";

const [tenantId, userId, concurrencyArg] = process.argv.slice(2);
if (!tenantId || !userId || !process.env.DATABASE_URL) throw new Error("usage: DATABASE_URL=… approve-worker.ts <tenantId> <approverUserId> [concurrency]");
const concurrency = Number(concurrencyArg ?? "4");

const handle = await connect({ kind: "server", url: process.env.DATABASE_URL });
const { db } = handle;
await db.$queryRaw`SELECT 1`;
process.stdout.write("ready\n");

for (;;) {
  // Random order, so kills land on different operations; each worker slot takes its own ids.
  const pending = await db.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM write_requests WHERE tenant_id = ${tenantId}::uuid AND status = 'pending' ORDER BY random() LIMIT ${concurrency * 2}`;
  if (!pending.length) break;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, slot) => {
      for (const { id } of pending.filter((_, i) => i % concurrency === slot)) {
        try {
          const { outcome } = await approveWriteRequest(db, { tenantId, requestId: id, decider: { userId, surface: "cli" } });
          process.stdout.write(`${outcome} ${id}\n`);
        } catch (err) {
          if (err instanceof OperationError) process.stdout.write(`refused ${id} ${err.code}\n`);
          else throw err;
        }
      }
    }),
  );
}
process.stdout.write("done\n");
await handle.close();
