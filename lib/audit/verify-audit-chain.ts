// Recomputes a chain's hashes from the stored rows: any edited, inserted, removed or reordered
// event breaks the link at that point. Rows are read in batches straight from the `pg` pool (one
// chain can hold millions of events; Prisma's row mapping dominated the time), and the next batch
// is fetched while the current one is hashed.
import { driverPool, type Db } from "@/lib/db/client";
import { auditContentDigest, auditHash, auditLinkHash, GENESIS_HASH, GLOBAL_CHAIN, type ContentFields } from "./record-audit-event";

export type ChainVerification =
  | { ok: true; chain: string; checked: number; lastHash: string }
  | { ok: false; chain: string; checked: number; brokenAtSeq: string; eventId: string; reason: string };

const BATCH = 5_000;

type StoredEvent = Omit<ContentFields, "occurredAt"> & { id: string; seq: string; occurredAt: Date; prevHash: string; hash: string; hashVersion: number };

const SELECT_BATCH = `
  SELECT id::text AS "id", seq::text AS "seq", chain AS "chain", tenant_id::text AS "tenantId", occurred_at AS "occurredAt",
         actor_type AS "actorType", actor_id AS "actorId", actor_label AS "actorLabel", surface AS "surface", action AS "action",
         target AS "target", arguments AS "arguments", outcome::text AS "outcome", error_code AS "errorCode", latency_ms AS "latencyMs",
         request_id AS "requestId", write_request_id::text AS "writeRequestId", client_name AS "clientName",
         client_version AS "clientVersion", prev_hash AS "prevHash", hash AS "hash", hash_version AS "hashVersion"
    FROM audit_events e WHERE e.chain = $1 AND e.seq >= $2 ORDER BY e.seq LIMIT ${BATCH}`;

export async function verifyAuditChain(db: Db, tenantId: string | null): Promise<ChainVerification> {
  const pool = driverPool(db);
  const chain = tenantId ?? GLOBAL_CHAIN;
  const fetchFrom = (seq: bigint) => pool.query<StoredEvent>(SELECT_BATCH, [chain, seq.toString()]).then((r) => r.rows);
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1n;
  let checked = 0;
  let next = fetchFrom(expectedSeq);
  for (;;) {
    const rows = await next;
    const last = rows.at(-1);
    // Rows are contiguous when the chain is intact, so the next batch starts after the last one.
    if (rows.length === BATCH && last) {
      next = fetchFrom(BigInt(last.seq) + 1n);
      next.catch(() => undefined); // handled when awaited; a break found first must not leave it unhandled
    }
    for (const row of rows) {
      const broken = (reason: string): ChainVerification => ({ ok: false, chain, checked, brokenAtSeq: row.seq, eventId: row.id, reason });
      if (row.seq !== expectedSeq.toString()) return broken(`expected event #${expectedSeq} but found #${row.seq}: events are missing`);
      if (row.prevHash !== prevHash) return broken("its link to the previous event does not match");
      const content: ContentFields = {
        chain: row.chain,
        tenantId: row.tenantId,
        occurredAt: row.occurredAt.toISOString(),
        actorType: row.actorType,
        actorId: row.actorId,
        actorLabel: row.actorLabel,
        surface: row.surface,
        action: row.action,
        target: row.target,
        arguments: row.arguments,
        outcome: row.outcome,
        errorCode: row.errorCode,
        latencyMs: row.latencyMs,
        requestId: row.requestId,
        writeRequestId: row.writeRequestId,
        clientName: row.clientName,
        clientVersion: row.clientVersion,
      };
      const expected =
        row.hashVersion === 1
          ? auditHash({ ...content, seq: row.seq, prevHash: row.prevHash })
          : row.hashVersion === 2
            ? auditLinkHash(row.prevHash, row.seq, auditContentDigest(content))
            : null;
      if (expected === null) return broken(`it claims an unknown hash version ${row.hashVersion}`);
      if (expected !== row.hash) return broken("its content does not match its hash: the event was altered");
      prevHash = row.hash;
      expectedSeq += 1n;
      checked += 1;
    }
    if (rows.length < BATCH) break;
  }
  return { ok: true, chain, checked, lastHash: prevHash };
}
