// Group commit and keyed anchoring of the audit log, against a real database: batched appends keep
// one gap-free, signed chain (also from two "instances" on one database); a bad event fails alone
// and a full queue pushes back; keys rotate; and the two attacks a database superuser can mount
// without the key — recomputing the chain, dropping the newest events — are found by verification.
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, driverPool, type DatabaseHandle, type Db } from "@/lib/db/client";
import { resetEnvCache } from "@/lib/env";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { auditKeyring } from "./audit-keys";
import { auditContentDigest, auditLinkHash, type ContentFields } from "./chain-format";
import { readAuditCheckpoints, auditInstallationId, writeAuditCheckpoints } from "./checkpoints";
import { AuditGroupCommit, AuditQueueFullError } from "./group-commit";
import { audit, auditGroupCommit, prepareAuditEvent, recordAuditEvent, type AuditEventInput } from "./record-audit-event";
import { verifyAuditChain } from "./verify-audit-chain";

const key = () => crypto.randomBytes(32).toString("base64");
const K1 = `k1:${key()}`;
const K2 = `k2:${key()}`;

describe(`audit group commit and anchoring on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let db: Db;
  let checkpointDir: string;
  const saved = { keys: process.env.SOCODE_AUDIT_KEYS, dir: process.env.SOCODE_AUDIT_CHECKPOINT_DIR };

  function useKeys(keys: string): void {
    process.env.SOCODE_AUDIT_KEYS = keys;
    resetEnvCache();
  }

  async function tenant(slug: string): Promise<string> {
    return (await db.tenant.create({ data: { slug, name: slug } })).id;
  }

  const event = (tenantId: string, action: string, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
    tenantId,
    actorType: "key",
    actorId: "k-test",
    surface: "mcp",
    action,
    arguments: { metric: "gmv" },
    outcome: "ok",
    ...extra,
  });

  type Row = { id: string; seq: string; outcome: string; error_code: string | null; prev_hash: string; hash: string; hash_version: number; mac: string | null; mac_key_id: string | null } & Record<string, unknown>;

  type Sql = (text: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;
  const poolSql: Sql = (text, params) => driverPool(db).query(text, params);

  // node-postgres returns bigint columns (id, seq) as strings.
  async function rows(chain: string, sql: Sql = poolSql): Promise<Row[]> {
    return (await sql("SELECT * FROM audit_events WHERE chain = $1 ORDER BY seq", [chain])).rows as Row[];
  }

  /** What a superuser does: switch the append-only trigger off, change history, switch it back on. */
  // Reads inside use the same connection: the embedded database serves one transaction at a time.
  async function asSuperuser(work: (sql: Sql) => Promise<void>): Promise<void> {
    const client = await driverPool(db).connect();
    try {
      await client.query("BEGIN");
      await client.query('ALTER TABLE audit_events DISABLE TRIGGER "audit_events_no_update_delete"');
      await work((text, params) => client.query(text, params));
      await client.query('ALTER TABLE audit_events ENABLE TRIGGER "audit_events_no_update_delete"');
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK");
      throw err;
    } finally {
      client.release();
    }
  }

  /** The content a stored row's hash covers (as verification reads it back). */
  async function contentOf(row: Row, sql: Sql): Promise<ContentFields> {
    const [r] = (
      await sql(
        `SELECT chain, tenant_id::text AS "tenantId", occurred_at AS "occurredAt", actor_type AS "actorType", actor_id AS "actorId", actor_label AS "actorLabel",
                surface, action, target, arguments, outcome::text AS outcome, error_code AS "errorCode", latency_ms AS "latencyMs", request_id AS "requestId",
                write_request_id::text AS "writeRequestId", client_name AS "clientName", client_version AS "clientVersion"
           FROM audit_events WHERE id = $1`,
        [row.id],
      )
    ).rows;
    if (!r) throw new Error("row gone");
    return { ...(r as ContentFields), occurredAt: (r.occurredAt as Date).toISOString() };
  }

  /** Rewrites event `seq` (a denial turned into a success) and recomputes every later link, as a superuser without the key can. */
  async function recomputeFrom(chain: string, seq: string, relabel: "keep-mac" | "as-version-2"): Promise<void> {
    await asSuperuser(async (sql) => {
      await sql("UPDATE audit_events SET outcome = 'ok', error_code = NULL WHERE chain = $1 AND seq = $2", [chain, seq]);
      const all = await rows(chain, sql);
      let prev = all.find((r) => BigInt(r.seq) === BigInt(seq) - 1n)?.hash ?? "0".repeat(64);
      for (const r of all.filter((x) => BigInt(x.seq) >= BigInt(seq))) {
        const content = await contentOf(r, sql);
        const hash = auditLinkHash(prev, r.seq, auditContentDigest(content));
        if (relabel === "keep-mac") await sql("UPDATE audit_events SET prev_hash = $2, hash = $3 WHERE id = $1", [r.id, prev, hash]);
        else await sql("UPDATE audit_events SET prev_hash = $2, hash = $3, hash_version = 2, mac = NULL, mac_key_id = NULL WHERE id = $1", [r.id, prev, hash]);
        prev = hash;
      }
    });
  }

  beforeAll(async () => {
    checkpointDir = fs.mkdtempSync(path.join(os.tmpdir(), "socode-checkpoints-"));
    process.env.SOCODE_AUDIT_CHECKPOINT_DIR = checkpointDir;
    useKeys(K1);
    database = await createTestDatabase();
    db = database.db;
  });
  afterAll(async () => {
    await database?.close();
    fs.rmSync(checkpointDir, { recursive: true, force: true });
    for (const [name, value] of [["SOCODE_AUDIT_KEYS", saved.keys], ["SOCODE_AUDIT_CHECKPOINT_DIR", saved.dir]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetEnvCache();
  });

  it("commits concurrent events in batches, each acknowledged event stored once in one signed, gap-free chain", async () => {
    const t = await tenant("gc-one");
    const before = { ...auditGroupCommit(db).stats };
    const recorded = await Promise.all(Array.from({ length: 300 }, (_, i) => audit(db, event(t, `call_${i}`))));
    const stats = auditGroupCommit(db).stats;
    // Fewer transactions than events: that is the point of group commit.
    expect(stats.events - before.events).toBe(300);
    expect(stats.batches - before.batches).toBeLessThan(300);
    expect(stats.largestBatch).toBeGreaterThan(1);
    const stored = await rows(t);
    expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: 300 }, (_, i) => String(i + 1)));
    expect(new Set(recorded.map((r) => r.seq.toString())).size).toBe(300);
    // Each caller got the position its own event holds, and batches keep call order.
    for (const r of recorded) expect(stored[Number(r.seq) - 1]?.hash).toBe(r.hash);
    expect(stored.map((r) => r.action)).toEqual(Array.from({ length: 300 }, (_, i) => `call_${i}`));
    expect(stored.every((r) => r.hash_version === 3 && r.mac_key_id === "k1" && /^[0-9a-f]{64}$/.test(r.mac ?? ""))).toBe(true);
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checked: 300, keyed: 300 });
  });

  it("keeps one chain when two instances and in-transaction writes append to it at once", async () => {
    const t = await tenant("gc-two");
    const second: DatabaseHandle = await connect(database.target);
    try {
      await Promise.all([
        ...Array.from({ length: 60 }, (_, i) => audit(db, event(t, `a_${i}`))),
        ...Array.from({ length: 60 }, (_, i) => audit(second.db, event(t, `b_${i}`))),
        ...Array.from({ length: 10 }, (_, i) => db.$transaction((tx) => recordAuditEvent(tx, event(t, `tx_${i}`)), { maxWait: 30_000, timeout: 30_000 })),
      ]);
    } finally {
      await second.close();
    }
    const stored = await rows(t);
    expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: 130 }, (_, i) => String(i + 1)));
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checked: 130, keyed: 130 });
  });

  it("fails the caller of an event that cannot be stored, and only that caller", async () => {
    const t = await tenant("gc-bad");
    const results = await Promise.allSettled([
      audit(db, event(t, "before")),
      // A tenant id with no tenant: the foreign key refuses the row.
      audit(db, event(crypto.randomUUID(), "orphan")),
      audit(db, event(t, "after")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((await rows(t)).map((r) => r.action)).toEqual(["before", "after"]);
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checked: 2 });
  });

  it("pushes back when the queue is full, and fails closed when the wait runs out", async () => {
    const t = await tenant("gc-full");
    const queue = new AuditGroupCommit(driverPool(db), { maxQueued: 2, maxBatch: 10, maxWaitMs: 300, keyring: auditKeyring, namedStatements: false });
    // Someone holds the chain's lock (a long write transaction): the first batch cannot commit.
    const holder = await driverPool(db).connect();
    await holder.query("BEGIN");
    await holder.query("SELECT * FROM socode_audit_lock_head($1)", [t]);
    const first = [queue.append(prepareAuditEvent(event(t, "q1"))), queue.append(prepareAuditEvent(event(t, "q2")))];
    await expect(queue.append(prepareAuditEvent(event(t, "q3")))).rejects.toBeInstanceOf(AuditQueueFullError);
    await holder.query("COMMIT");
    holder.release();
    await Promise.all(first);
    // Room again once the batch committed.
    await queue.append(prepareAuditEvent(event(t, "q4")));
    expect((await rows(t)).map((r) => r.action)).toEqual(["q1", "q2", "q4"]);
  });

  it("rotates keys: old events verify while their key is listed, new ones are signed with the first key", async () => {
    const t = await tenant("keys");
    await audit(db, event(t, "signed_by_k1"));
    useKeys(`${K2},${K1}`);
    await audit(db, event(t, "signed_by_k2"));
    expect((await rows(t)).map((r) => r.mac_key_id)).toEqual(["k1", "k2"]);
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, keyed: 2 });
    useKeys(K2);
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: false, brokenAtSeq: "1", reason: expect.stringMatching(/key "k1", which is not configured/) });
    useKeys(K1);
  });

  it("finds a chain recomputed by a superuser without the key (MAC mismatch), also when relabelled as unkeyed", async () => {
    const t = await tenant("recompute");
    for (let i = 0; i < 6; i++) await audit(db, event(t, `e${i}`, i === 2 ? { outcome: "denied", errorCode: "missing_scope" } : {}));
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checked: 6 });
    await recomputeFrom(t, "3", "keep-mac");
    // The links and content hashes are consistent again: only the key can tell.
    const result = await verifyAuditChain(db, t);
    expect(result).toMatchObject({ ok: false, brokenAtSeq: "3", reason: expect.stringMatching(/MAC does not match/) });

    const u = await tenant("recompute-v2");
    for (let i = 0; i < 6; i++) await audit(db, event(u, `e${i}`, i === 2 ? { outcome: "denied", errorCode: "missing_scope" } : {}));
    await recomputeFrom(u, "3", "as-version-2");
    expect(await verifyAuditChain(db, u)).toMatchObject({ ok: false, brokenAtSeq: "3", reason: expect.stringMatching(/unkeyed \(version 2\) event follows keyed ones/) });
  });

  it("finds the newest events removed, or the whole chain rewritten, against the last signed checkpoint", async () => {
    const t = await tenant("truncate");
    // More than nine events, so positions compare as numbers, not as text ("9" > "12").
    for (let i = 0; i < 8; i++) await audit(db, event(t, `e${i}`));
    expect((await writeAuditCheckpoints(db, { chains: [t], log: () => {} }))[0]).toMatchObject({ status: "written", checkpoint: { seq: "8" } });
    for (let i = 8; i < 12; i++) await audit(db, event(t, `e${i}`));
    const written = await writeAuditCheckpoints(db, { chains: [t], log: () => {} });
    expect(written[0]).toMatchObject({ status: "written", checkpoint: { seq: "12" } });
    expect((await writeAuditCheckpoints(db, { chains: [t], log: () => {} }))[0]).toMatchObject({ status: "unchanged", checkpoint: { seq: "12" } });
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checked: 12, checkpoint: { latest: { seq: "12" } } });

    // Drop the two newest events: what is left is a valid, keyed chain of ten.
    const removed = (await rows(t)).slice(-2);
    await asSuperuser(async (sql) => {
      await sql("DELETE FROM audit_events WHERE chain = $1 AND seq > 10", [t]);
    });
    expect(await verifyAuditChain(db, t, { checkpoint: null })).toMatchObject({ ok: true, checked: 10 });
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: false, brokenAtSeq: "11", eventId: null, reason: expect.stringMatching(/ends at #10 but the signed checkpoint .* recorded #12/) });
    // And the next checkpoint refuses to vouch for the shorter chain.
    const refused = await writeAuditCheckpoints(db, { chains: [t], log: () => {} });
    expect(refused[0]).toMatchObject({ status: "refused", reason: expect.stringMatching(/before checkpoint #12/) });

    // New events appended after the cut reach past the checkpoint, but not with the checkpointed event.
    for (let i = 0; i < 3; i++) await audit(db, event(t, `after_cut_${i}`));
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: false, brokenAtSeq: "12", reason: expect.stringMatching(/differs from the signed checkpoint/) });
    expect((await writeAuditCheckpoints(db, { chains: [t], log: () => {} }))[0]).toMatchObject({ status: "refused", reason: expect.stringMatching(/rewritten/) });

    // Put the original rows back in place of the new ones: intact again.
    await asSuperuser(async (sql) => {
      await sql("DELETE FROM audit_events WHERE chain = $1 AND seq > 10", [t]);
      for (const r of removed) {
        const columns = Object.keys(r).filter((c) => c !== "id");
        await sql(
          `INSERT INTO audit_events (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
          columns.map((c) => {
            const v = r[c];
            return v !== null && typeof v === "object" && !(v instanceof Date) ? JSON.stringify(v) : v;
          }),
        );
      }
    });
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checked: 12 });
  });

  it("ignores a checkpoint line that was not signed with an audit key", async () => {
    const t = await tenant("forged-checkpoint");
    for (let i = 0; i < 3; i++) await audit(db, event(t, `e${i}`));
    await writeAuditCheckpoints(db, { chains: [t], log: () => {} });
    const installation = await auditInstallationId(db);
    const file = path.join(checkpointDir, installation, `${t}.jsonl`);
    // Someone who can write the folder but lacks the key claims the chain reached #99.
    const [line] = fs.readFileSync(file, "utf8").trim().split("\n");
    fs.appendFileSync(file, `${JSON.stringify({ ...JSON.parse(line ?? "{}"), seq: "99", sig: "0".repeat(64) })}\n`);
    expect(readAuditCheckpoints(installation, t)).toMatchObject({ latest: { seq: "3" }, rejected: 1 });
    expect(await verifyAuditChain(db, t)).toMatchObject({ ok: true, checkpoint: { latest: { seq: "3" }, rejected: 1 } });
  });
});
