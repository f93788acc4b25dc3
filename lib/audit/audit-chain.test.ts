import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { audit, auditHash, GENESIS_HASH, recordAuditEvent } from "./record-audit-event";
import { verifyAuditChain } from "./verify-audit-chain";

describe(`audit chain on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let tenantId: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    tenantId = (await database.db.tenant.create({ data: { slug: "audit-t", name: "Audit" } })).id;
  });
  afterAll(() => database?.close());

  const event = (action: string) => ({
    tenantId,
    actorType: "key" as const,
    actorId: "k1",
    surface: "mcp" as const,
    action,
    arguments: { metric: "gmv", apiKey: "sc_live_secret", email: "ana@example.com" },
    outcome: "ok" as const,
  });

  it("links each event to its predecessor and redacts secrets and contact details", async () => {
    const first = await audit(database.db, event("query_metric"));
    const second = await audit(database.db, event("list_metrics"));
    expect(first.seq).toBe(1n);
    expect(second.seq).toBe(2n);
    const rows = await database.db.auditEvent.findMany({ where: { chain: tenantId }, orderBy: { seq: "asc" } });
    expect(rows[0]?.prevHash).toBe(GENESIS_HASH);
    expect(rows[1]?.prevHash).toBe(rows[0]?.hash);
    expect(rows[0]?.arguments).toEqual({ metric: "gmv", apiKey: "[redacted]", email: "a***@example.com" });
    expect(await verifyAuditChain(database.db, tenantId)).toMatchObject({ ok: true, checked: 2 });
  });

  it("keeps one gap-free chain under concurrent writers", async () => {
    const before = await database.db.auditEvent.count({ where: { chain: tenantId } });
    await Promise.all(Array.from({ length: 40 }, (_, i) => audit(database.db, event(`call_${i}`))));
    const seqs = (await database.db.auditEvent.findMany({ where: { chain: tenantId }, select: { seq: true }, orderBy: { seq: "asc" } })).map((r) => Number(r.seq));
    expect(seqs).toEqual(Array.from({ length: before + 40 }, (_, i) => i + 1));
    expect(await verifyAuditChain(database.db, tenantId)).toMatchObject({ ok: true, checked: before + 40 });
  });

  it("detects an event forged directly in the database", async () => {
    const last = await database.db.auditEvent.findFirstOrThrow({ where: { chain: tenantId }, orderBy: { seq: "desc" } });
    // A forger who can insert rows but does not recompute the chain correctly.
    await database.db.$executeRaw`INSERT INTO audit_events (chain, seq, tenant_id, actor_type, surface, action, outcome, prev_hash, hash)
      VALUES (${tenantId}, ${last.seq + 1n}, ${tenantId}::uuid, 'user', 'console', 'key.create', 'ok', ${last.hash}, ${"f".repeat(64)})`;
    const result = await verifyAuditChain(database.db, tenantId);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.brokenAtSeq).toBe((last.seq + 1n).toString());
      expect(result.reason).toMatch(/altered/);
    }
  });

  it("detects an event edited by someone who bypassed the trigger", async () => {
    const other = (await database.db.tenant.create({ data: { slug: "audit-u", name: "Audit U" } })).id;
    for (const a of ["one", "two", "three"]) await audit(database.db, { ...event(a), tenantId: other });
    await database.db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('ALTER TABLE audit_events DISABLE TRIGGER "audit_events_no_update_delete"');
      await tx.$executeRaw`UPDATE audit_events SET outcome = 'denied' WHERE chain = ${other} AND seq = 2`;
      await tx.$executeRawUnsafe('ALTER TABLE audit_events ENABLE TRIGGER "audit_events_no_update_delete"');
    });
    const result = await verifyAuditChain(database.db, other);
    expect(result).toMatchObject({ ok: false, brokenAtSeq: "2" });
  });

  it("records nothing, and leaves no gap, when the transaction it joined rolls back", async () => {
    const other = (await database.db.tenant.create({ data: { slug: "audit-r", name: "Audit R" } })).id;
    await audit(database.db, { ...event("first"), tenantId: other });
    await expect(
      database.db.$transaction(async (tx) => {
        await recordAuditEvent(tx, { ...event("rolled_back"), tenantId: other });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    const next = await audit(database.db, { ...event("second"), tenantId: other });
    expect(next.seq).toBe(2n);
    expect(await database.db.auditEvent.count({ where: { chain: other, action: "rolled_back" } })).toBe(0);
    expect(await verifyAuditChain(database.db, other)).toMatchObject({ ok: true, checked: 2 });
  });

  it("verifies chains that began with version-1 hashes (written before the keyed format)", async () => {
    const other = (await database.db.tenant.create({ data: { slug: "audit-v", name: "Audit V" } })).id;
    const occurredAt = new Date("2026-11-20T10:00:00.000Z");
    let prevHash = GENESIS_HASH;
    for (const seq of [1n, 2n]) {
      const hash = auditHash({
        chain: other, seq: seq.toString(), tenantId: other, occurredAt: occurredAt.toISOString(), actorType: "user", actorId: null,
        actorLabel: null, surface: "console", action: `legacy_${seq}`, target: null, arguments: null, outcome: "ok", errorCode: null,
        latencyMs: null, requestId: null, writeRequestId: null, clientName: null, clientVersion: null, prevHash,
      });
      await database.db.$executeRaw`INSERT INTO audit_events (chain, seq, tenant_id, occurred_at, actor_type, surface, action, outcome, prev_hash, hash, hash_version)
        VALUES (${other}, ${seq}, ${other}::uuid, ${occurredAt}, 'user', 'console', ${`legacy_${seq}`}, 'ok', ${prevHash}, ${hash}, 1)`;
      prevHash = hash;
    }
    const appended = await audit(database.db, { ...event("current"), tenantId: other });
    expect(appended.seq).toBe(3n);
    const rows = await database.db.auditEvent.findMany({ where: { chain: other }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => r.hashVersion)).toEqual([1, 1, 3]);
    expect(rows[2]?.prevHash).toBe(prevHash);
    expect(await verifyAuditChain(database.db, other)).toMatchObject({ ok: true, checked: 3 });
    // Relabelling a keyed event as version 1 does not make it verify.
    await database.db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('ALTER TABLE audit_events DISABLE TRIGGER "audit_events_no_update_delete"');
      await tx.$executeRaw`UPDATE audit_events SET hash_version = 1 WHERE chain = ${other} AND seq = 3`;
      await tx.$executeRawUnsafe('ALTER TABLE audit_events ENABLE TRIGGER "audit_events_no_update_delete"');
    });
    expect(await verifyAuditChain(database.db, other)).toMatchObject({ ok: false, brokenAtSeq: "3" });
  });
});
