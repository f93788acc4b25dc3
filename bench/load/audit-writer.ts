// The child process bench/load/kill-during-audit-batch.ts SIGKILLs: `writers` concurrent loops of
// audit() (the group commit: events queue, one transaction per chain per batch) spread over the
// given chains, each printing "ack <request id>" only once its append resolved, i.e. once its batch
// committed. Prints "ready" when connected.
//
//   DATABASE_URL=… node --import tsx bench/load/audit-writer.ts <round> <writers> <tenantId>[,<tenantId>…] [seconds]
import { audit, auditGroupCommit } from "@/lib/audit/record-audit-event";
import { connect } from "@/lib/db/client";

const [round = "0", writersArg = "64", tenantsArg = "", secondsArg = "0"] = process.argv.slice(2);
const tenants = tenantsArg.split(",").filter(Boolean);
const seconds = Number(secondsArg);
const url = process.env.DATABASE_URL ?? "";
const handle = await connect({ kind: "server", url });
const deadline = seconds > 0 ? Date.now() + seconds * 1000 : Infinity;
process.stdout.write("ready\n");
await Promise.all(
  Array.from({ length: Number(writersArg) }, async (_, w) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const requestId = `${round}-${w}-${i}`;
      await audit(handle.db, { tenantId: tenants[w % tenants.length] ?? null, actorType: "key", actorId: `writer-${w}`, surface: "mcp", action: "query_metric", arguments: { i }, outcome: "ok", requestId });
      // Linux pipes are written synchronously: a line printed here reached the parent even if we are killed next.
      process.stdout.write(`ack ${requestId}\n`);
    }
  }),
);
process.stdout.write(`done ${JSON.stringify(auditGroupCommit(handle.db).stats)}\n`);
await handle.close();
