// Recomputes a chain's hashes from the stored rows: any edited, inserted, removed or reordered
// event breaks the link at that point. Keyed (version-3) events must also carry a MAC that
// verifies under a configured audit key, and no unkeyed event may follow a keyed one, so a chain
// recomputed by someone without the key is found. Finally the chain is held against its latest
// signed checkpoint (./checkpoints.ts): it must reach at least that far and hold the same event
// there, so dropping the newest events is found too. Rows are read in batches straight from the
// `pg` pool (one chain can hold millions of events; Prisma's row mapping dominated the time), and
// the next batch is fetched while the current one is hashed.
import { driverPool, type Db } from "@/lib/db/client";
import { auditEventMac, auditKeyring, sameMac, type AuditKeyring } from "./audit-keys";
import { auditContentDigest, auditHash, auditLinkHash, CURRENT_HASH_VERSION, GENESIS_HASH, GLOBAL_CHAIN, type ContentFields } from "./chain-format";
import { latestAuditCheckpoint, type AuditCheckpoint } from "./checkpoints";

/** The checkpoint a verification was held against (null: none written yet), and ignored bad lines. */
export type CheckpointCheck = { latest: Pick<AuditCheckpoint, "seq" | "hash" | "at" | "keyId"> | null; rejected: number };

type Verified = { chain: string; checked: number; keyed: number; checkpoint: CheckpointCheck };
export type ChainVerification =
  | (Verified & { ok: true; lastHash: string; lastSeq: string })
  | (Verified & { ok: false; brokenAtSeq: string; eventId: string | null; reason: string });

export type VerifyOptions = {
  keyring?: AuditKeyring;
  /** The checkpoint to hold the chain against; by default the latest one on disk for this database. */
  checkpoint?: AuditCheckpoint | null;
};

const BATCH = 5_000;

type StoredEvent = Omit<ContentFields, "occurredAt"> & { id: string; seq: string; occurredAt: Date; prevHash: string; hash: string; hashVersion: number; mac: string | null; macKeyId: string | null };

const SELECT_BATCH = `
  SELECT id::text AS "id", seq::text AS "seq", mac AS "mac", mac_key_id AS "macKeyId", chain AS "chain", tenant_id::text AS "tenantId", occurred_at AS "occurredAt",
         actor_type AS "actorType", actor_id AS "actorId", actor_label AS "actorLabel", surface AS "surface", action AS "action",
         target AS "target", arguments AS "arguments", outcome::text AS "outcome", error_code AS "errorCode", latency_ms AS "latencyMs",
         request_id AS "requestId", write_request_id::text AS "writeRequestId", client_name AS "clientName",
         client_version AS "clientVersion", prev_hash AS "prevHash", hash AS "hash", hash_version AS "hashVersion"
    FROM audit_events e WHERE e.chain = $1 AND e.seq >= $2 ORDER BY e.seq LIMIT ${BATCH}`;

export async function verifyAuditChain(db: Db, tenantId: string | null, options: VerifyOptions = {}): Promise<ChainVerification> {
  const pool = driverPool(db);
  const chain = tenantId ?? GLOBAL_CHAIN;
  const keyring = options.keyring ?? auditKeyring();
  const reading = options.checkpoint !== undefined ? { latest: options.checkpoint, rejected: 0 } : await latestAuditCheckpoint(db, chain);
  const anchor = reading.latest;
  const checkpoint: CheckpointCheck = { latest: anchor ? { seq: anchor.seq, hash: anchor.hash, at: anchor.at, keyId: anchor.keyId } : null, rejected: reading.rejected };
  let keyed = 0;
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
      const broken = (reason: string): ChainVerification => ({ ok: false, chain, checked, keyed, checkpoint, brokenAtSeq: row.seq, eventId: row.id, reason });
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
          : row.hashVersion === 2 || row.hashVersion === 3
            ? auditLinkHash(row.prevHash, row.seq, auditContentDigest(content))
            : null;
      if (expected === null) return broken(`it claims an unknown hash version ${row.hashVersion}`);
      if (expected !== row.hash) return broken("its content does not match its hash: the event was altered");
      if (row.hashVersion >= CURRENT_HASH_VERSION) {
        const key = row.macKeyId ? keyring.verifying.get(row.macKeyId) : undefined;
        if (!key) return broken(`it is signed with audit key "${row.macKeyId ?? ""}", which is not configured: add that key to SOCODE_AUDIT_KEYS to verify it (an unknown key also means a forged event)`);
        if (!row.mac || !sameMac(row.mac, auditEventMac(key, row.hash))) return broken("its MAC does not match: the chain was recomputed by someone without the audit key");
        keyed += 1;
      } else if (keyed > 0) {
        return broken(`an unkeyed (version ${row.hashVersion}) event follows keyed ones: the chain was rewritten without the audit key`);
      }
      if (anchor && row.seq === anchor.seq && row.hash !== anchor.hash) {
        return broken(`it differs from the signed checkpoint of ${anchor.at}: the chain was rewritten`);
      }
      prevHash = row.hash;
      expectedSeq += 1n;
      checked += 1;
    }
    if (rows.length < BATCH) break;
  }
  const lastSeq = (expectedSeq - 1n).toString();
  if (anchor && BigInt(anchor.seq) > expectedSeq - 1n) {
    return {
      ok: false,
      chain,
      checked,
      keyed,
      checkpoint,
      brokenAtSeq: expectedSeq.toString(),
      eventId: null,
      reason: `the log ends at #${lastSeq} but the signed checkpoint of ${anchor.at} recorded #${anchor.seq}: the newest events were removed`,
    };
  }
  return { ok: true, chain, checked, keyed, checkpoint, lastHash: prevHash, lastSeq };
}
