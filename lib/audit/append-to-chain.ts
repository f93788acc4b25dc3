// Appends events to one chain, in order, inside a transaction the caller runs: take the chain's
// lock and read its head (socode_audit_lock_head), link and sign each event here (the MAC key never
// reaches the database), insert them all in one statement. Used for one event inside a write's own
// transaction (./record-audit-event.ts) and for a batch in the group-commit flusher's transaction
// (./group-commit.ts); the lock is held until that transaction ends, so appends from every instance
// to one chain are serialised and the chain has no gaps or forks.
import { auditEventMac, type AuditKeyring } from "./audit-keys";
import { auditLinkHash, CURRENT_HASH_VERSION, GENESIS_HASH, type ContentFields } from "./chain-format";

/** An event ready to be linked: content fixed, digest computed, not yet placed in its chain. */
export type PreparedAuditEvent = {
  chain: string;
  content: ContentFields;
  digest: string;
  /** The redacted arguments as JSON text (null when none). */
  argumentsJson: string | null;
};

export type RecordedAuditEvent = { id: bigint; chain: string; seq: bigint; hash: string };

/**
 * Runs one parameterised statement in the caller's transaction and returns its rows. `name`, when
 * given, is the statement's name for a runner that prepares statements (always the same text).
 */
export type SqlRunner = (sql: string, params: unknown[], name?: string) => Promise<Record<string, unknown>[]>;

export const LOCK_HEAD_SQL = `SELECT "seq"::text AS "seq", "hash" FROM socode_audit_lock_head($1)`;

const INSERT_SQL = `
  INSERT INTO audit_events (
    chain, tenant_id, seq, occurred_at, actor_type, actor_id, actor_label, surface, action, target, arguments,
    outcome, error_code, latency_ms, request_id, write_request_id, client_name, client_version, prev_hash, hash,
    hash_version, mac, mac_key_id)
  SELECT $1::text, $2::uuid, u.seq, u.occurred_at, u.actor_type, u.actor_id, u.actor_label, u.surface, u.action, u.target, u.arguments,
         u.outcome::"AuditOutcome", u.error_code, u.latency_ms, u.request_id, u.write_request_id, u.client_name, u.client_version,
         u.prev_hash, u.hash, ${CURRENT_HASH_VERSION}, u.mac, $3::text
    FROM unnest($4::bigint[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                $12::jsonb[], $13::text[], $14::text[], $15::int[], $16::text[], $17::uuid[], $18::text[], $19::text[],
                $20::text[], $21::text[], $22::text[])
      AS u(seq, occurred_at, actor_type, actor_id, actor_label, surface, action, target, arguments, outcome, error_code,
           latency_ms, request_id, write_request_id, client_name, client_version, prev_hash, hash, mac)
  RETURNING id::text AS "id", seq::text AS "seq"`;

export type ChainHead = { seq: bigint; hash: string };

/** Reads the head with the chain's lock taken (held until the transaction ends). */
export async function lockChainHead(run: SqlRunner, chain: string): Promise<ChainHead> {
  const row = (await run(LOCK_HEAD_SQL, [chain]))[0];
  return row ? { seq: BigInt(String(row.seq)), hash: String(row.hash) } : { seq: 0n, hash: GENESIS_HASH };
}

/** Links, signs and inserts `events` (all of `chain`) after `head`. */
export async function insertAfterHead(run: SqlRunner, chain: string, head: ChainHead, events: PreparedAuditEvent[], keyring: AuditKeyring): Promise<RecordedAuditEvent[]> {
  const columns: unknown[][] = Array.from({ length: 19 }, () => []);
  const hashes: string[] = [];
  let prevHash = head.hash;
  let seq = head.seq;
  for (const event of events) {
    if (event.chain !== chain) throw new Error(`audit event for chain ${event.chain} appended to ${chain}`);
    seq += 1n;
    const hash = auditLinkHash(prevHash, seq.toString(), event.digest);
    const c = event.content;
    const row = [seq.toString(), c.occurredAt, c.actorType, c.actorId, c.actorLabel, c.surface, c.action, c.target, event.argumentsJson, c.outcome, c.errorCode, c.latencyMs, c.requestId, c.writeRequestId, c.clientName, c.clientVersion, prevHash, hash, auditEventMac(keyring.signing.secret, hash)];
    row.forEach((value, i) => columns[i]?.push(value));
    hashes.push(hash);
    prevHash = hash;
  }
  const tenantId = events[0]?.content.tenantId ?? null;
  const rows = await run(INSERT_SQL, [chain, tenantId, keyring.signing.id, ...columns], "socode_audit_insert_batch");
  const idBySeq = new Map(rows.map((r) => [String(r.seq), BigInt(String(r.id))]));
  return hashes.map((hash, i) => {
    const at = head.seq + BigInt(i + 1);
    const id = idBySeq.get(at.toString());
    if (id === undefined) throw new Error(`audit append returned no row for #${at}`);
    return { id, chain, seq: at, hash };
  });
}

/** Both steps, for a caller already inside a transaction. */
export async function appendToChain(run: SqlRunner, chain: string, events: PreparedAuditEvent[], keyring: AuditKeyring): Promise<RecordedAuditEvent[]> {
  if (events.length === 0) return [];
  return insertAfterHead(run, chain, await lockChainHead(run, chain), events, keyring);
}
