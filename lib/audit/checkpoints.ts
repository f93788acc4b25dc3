// Signed checkpoints of each chain's head, kept OUTSIDE the database: a line per checkpoint in
// <SOCODE_AUDIT_CHECKPOINT_DIR>/<installation>/<chain>.jsonl, and the same line in the server log.
// The MAC on each event stops a superuser from recomputing a chain without the key; it cannot stop
// them from deleting the newest events, because a shorter chain is still a valid one. A checkpoint
// remembers how far the chain reached and what its head was, signed with the audit key, where the
// database cannot reach: verification then finds a chain that ends before the last checkpoint, or
// that holds another event at the checkpointed position.
//
// A checkpoint is written only for a head that is consistent with the previous checkpoint (same
// hash at the old position, not shorter) and whose own MAC verifies, so a rewrite between two
// checkpoints is refused and logged instead of being vouched for.
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { driverPool, type Db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { auditCheckpointMac, auditEventMac, auditKeyring, sameMac, type AuditKeyring } from "./audit-keys";
import { canonicalJson } from "./canonical-json";
import { CURRENT_HASH_VERSION, GLOBAL_CHAIN } from "./chain-format";

const CheckpointSchema = z.object({
  v: z.literal(1),
  installation: z.string().uuid(),
  chain: z.string().min(1).max(100),
  seq: z.string().regex(/^[1-9][0-9]{0,18}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.string().datetime(),
  keyId: z.string().min(1).max(32),
  sig: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AuditCheckpoint = z.infer<typeof CheckpointSchema>;

export type CheckpointReading = {
  /** The furthest checkpoint whose signature verifies (null: none yet). */
  latest: AuditCheckpoint | null;
  /** Lines that failed to parse or whose signature did not verify (ignored, but worth reporting). */
  rejected: number;
};

export type CheckpointOutcome =
  | { chain: string; status: "written"; checkpoint: AuditCheckpoint }
  | { chain: string; status: "unchanged" | "empty"; checkpoint: AuditCheckpoint | null }
  | { chain: string; status: "refused"; reason: string; checkpoint: AuditCheckpoint | null };

export function auditCheckpointDir(): string {
  const e = env();
  return path.resolve(e.SOCODE_AUDIT_CHECKPOINT_DIR ?? path.join(e.SOCODE_DATA_DIR, "audit-checkpoints"));
}

const installations = new WeakMap<Db, Promise<string>>();

/** This database's identity (one row made by its migration), so databases never share checkpoints. */
export function auditInstallationId(db: Db): Promise<string> {
  let id = installations.get(db);
  if (!id) {
    id = driverPool(db)
      .query<{ id: string }>("SELECT id::text AS id FROM audit_installation ORDER BY created_at LIMIT 1")
      .then((r) => {
        const row = r.rows[0];
        if (!row) throw new Error("audit_installation is empty: run the migrations (npx socode db:migrate)");
        return row.id;
      });
    id.catch(() => installations.delete(db));
    installations.set(db, id);
  }
  return id;
}

function checkpointFile(installation: string, chain: string): string {
  // Chains are tenant ids (uuids) or "_global": safe as file names; anything else is refused.
  if (!/^[A-Za-z0-9_-]+$/.test(chain)) throw new Error(`unexpected chain name ${chain}`);
  return path.join(auditCheckpointDir(), installation, `${chain}.jsonl`);
}

function signedBody(c: Omit<AuditCheckpoint, "sig">): string {
  return canonicalJson({ v: c.v, installation: c.installation, chain: c.chain, seq: c.seq, hash: c.hash, at: c.at, keyId: c.keyId });
}

export function readAuditCheckpoints(installation: string, chain: string, keyring: AuditKeyring = auditKeyring()): CheckpointReading {
  let text: string;
  try {
    text = fs.readFileSync(checkpointFile(installation, chain), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { latest: null, rejected: 0 };
    throw err;
  }
  let latest: AuditCheckpoint | null = null;
  let rejected = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let parsed: ReturnType<typeof CheckpointSchema.safeParse>;
    try {
      parsed = CheckpointSchema.safeParse(JSON.parse(line));
    } catch {
      rejected += 1;
      continue;
    }
    const c = parsed.success ? parsed.data : null;
    const key = c ? keyring.verifying.get(c.keyId) : undefined;
    if (!c || !key || c.installation !== installation || c.chain !== chain || !sameMac(c.sig, auditCheckpointMac(key, signedBody(c)))) {
      rejected += 1;
      continue;
    }
    if (!latest || BigInt(c.seq) > BigInt(latest.seq) || (c.seq === latest.seq && c.at > latest.at)) latest = c;
  }
  return { latest, rejected };
}

/** The latest valid checkpoint of `chain` in this database (null when none was written). */
export async function latestAuditCheckpoint(db: Db, chain: string): Promise<CheckpointReading> {
  return readAuditCheckpoints(await auditInstallationId(db), chain);
}

type HeadRow = { seq: string; hash: string; hash_version: number; mac: string | null; mac_key_id: string | null };
// ORDER BY names the table's bigint column (e.seq): a bare "seq" would sort by the text alias, and "9" > "12".

async function checkpointChain(db: Db, installation: string, chain: string, keyring: AuditKeyring, log: (line: string) => void): Promise<CheckpointOutcome> {
  const pool = driverPool(db);
  const { latest } = readAuditCheckpoints(installation, chain, keyring);
  const head = (await pool.query<HeadRow>(`SELECT e.seq::text AS seq, e.hash, e.hash_version, e.mac, e.mac_key_id FROM audit_events e WHERE e.chain = $1 ORDER BY e.seq DESC LIMIT 1`, [chain])).rows[0];
  const refuse = (reason: string): CheckpointOutcome => {
    console.error(JSON.stringify({ level: "error", msg: "audit.checkpoint.refused", installation, chain, reason }));
    return { chain, status: "refused", reason, checkpoint: latest };
  };
  if (!head) return latest ? refuse(`the chain is empty but checkpoint #${latest.seq} of ${latest.at} says it held events`) : { chain, status: "empty", checkpoint: null };
  if (head.hash_version >= CURRENT_HASH_VERSION) {
    const key = head.mac_key_id ? keyring.verifying.get(head.mac_key_id) : undefined;
    if (!key || !head.mac || !sameMac(head.mac, auditEventMac(key, head.hash))) return refuse(`the head event #${head.seq} does not carry a valid MAC`);
  }
  if (latest) {
    if (BigInt(head.seq) < BigInt(latest.seq)) return refuse(`the chain ends at #${head.seq}, before checkpoint #${latest.seq} of ${latest.at}: events were removed`);
    const then = (await pool.query<{ hash: string }>(`SELECT hash FROM audit_events WHERE chain = $1 AND seq = $2`, [chain, latest.seq])).rows[0];
    if (then?.hash !== latest.hash) return refuse(`event #${latest.seq} no longer has the hash checkpointed at ${latest.at}: the chain was rewritten`);
    if (head.seq === latest.seq) return { chain, status: "unchanged", checkpoint: latest };
  }
  const body = { v: 1 as const, installation, chain, seq: head.seq, hash: head.hash, at: new Date().toISOString(), keyId: keyring.signing.id };
  const checkpoint: AuditCheckpoint = { ...body, sig: auditCheckpointMac(keyring.signing.secret, signedBody(body)) };
  const file = checkpointFile(installation, chain);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // One short line per append: O_APPEND keeps lines from several instances whole.
  fs.appendFileSync(file, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
  log(JSON.stringify({ level: "info", msg: "audit.checkpoint", ...checkpoint }));
  return { chain, status: "written", checkpoint };
}

/** Checkpoints every chain (or the given ones): each tenant's and the global one. */
export async function writeAuditCheckpoints(db: Db, options: { chains?: string[]; log?: (line: string) => void } = {}): Promise<CheckpointOutcome[]> {
  const installation = await auditInstallationId(db);
  const keyring = auditKeyring();
  const chains = options.chains ?? [...(await driverPool(db).query<{ id: string }>("SELECT id::text AS id FROM tenants ORDER BY slug")).rows.map((r) => r.id), GLOBAL_CHAIN];
  const out: CheckpointOutcome[] = [];
  for (const chain of chains) out.push(await checkpointChain(db, installation, chain, keyring, options.log ?? ((line) => console.log(line))));
  return out;
}

const globalForCheckpoints = globalThis as unknown as { socodeAuditCheckpointTimer?: NodeJS.Timeout };

/** Writes checkpoints every SOCODE_AUDIT_CHECKPOINT_SECONDS in this process (once per process). */
export function startAuditCheckpoints(db: Db): void {
  const seconds = env().SOCODE_AUDIT_CHECKPOINT_SECONDS;
  if (seconds === 0 || globalForCheckpoints.socodeAuditCheckpointTimer) return;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    writeAuditCheckpoints(db)
      .catch((err: unknown) => console.error(JSON.stringify({ level: "error", msg: "audit.checkpoint.failed", error: err instanceof Error ? err.message : String(err) })))
      .finally(() => (running = false));
  }, seconds * 1000);
  timer.unref();
  globalForCheckpoints.socodeAuditCheckpointTimer = timer;
}
