// Keyset pagination and streamed export against a real database, with events that share a
// timestamp (the id breaks ties) and another tenant's events that must never appear.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { streamAuditExport } from "./export";
import { decodeAuditCursor, getAuditEvent, queryAuditEvents, type AuditEventRow } from "./query-audit-events";
import { audit } from "./record-audit-event";

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

describe(`reading the audit log on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let tenantId: string;
  let otherId: string;
  const base = new Date("2026-11-20T10:00:00.000Z");

  beforeAll(async () => {
    database = await createTestDatabase();
    tenantId = (await database.db.tenant.create({ data: { slug: "read-t", name: "Read" } })).id;
    otherId = (await database.db.tenant.create({ data: { slug: "read-u", name: "Other" } })).id;
    for (let i = 0; i < 25; i++) {
      // Five events per instant: pagination must not skip or repeat any of them.
      const occurredAt = new Date(base.getTime() + Math.floor(i / 5) * 60_000);
      await audit(database.db, {
        tenantId,
        actorType: i % 2 ? "key" : "user",
        actorId: i % 2 ? "key-1" : "user-1",
        actorLabel: i % 2 ? "Claude" : "ana@acme.test",
        surface: i % 3 ? "mcp" : "console",
        action: i % 2 ? "query_metric" : "key.create",
        target: i === 7 ? "=HYPERLINK(\"x\")" : `target-${i}`,
        outcome: i % 4 === 0 ? "denied" : "ok",
        occurredAt,
      });
      await audit(database.db, { tenantId: otherId, actorType: "key", surface: "mcp", action: "query_metric", target: `other-${i}`, outcome: "ok", occurredAt });
    }
  });
  afterAll(() => database?.close());

  it("pages newest first through ties without gaps or repeats", async () => {
    const seen: AuditEventRow[] = [];
    let before = null;
    for (let pages = 0; pages < 10; pages++) {
      const page = await queryAuditEvents(database.db, tenantId, {}, { before, limit: 4 });
      seen.push(...page.events);
      before = decodeAuditCursor(page.nextCursor);
      if (!before) break;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen.map((e) => e.id)).size).toBe(25);
    const order = seen.map((e) => [e.occurredAt.getTime(), BigInt(e.id)] as const);
    for (let i = 1; i < order.length; i++) {
      const [t0, id0] = order[i - 1] ?? [0, 0n];
      const [t1, id1] = order[i] ?? [0, 0n];
      expect(t1 < t0 || (t1 === t0 && id1 < id0)).toBe(true);
    }
    expect(seen.every((e) => e.tenantId === tenantId)).toBe(true);
  });

  it("filters by time range, actor, surface, action, outcome and target text", async () => {
    const q = (filter: Parameters<typeof queryAuditEvents>[2]) => queryAuditEvents(database.db, tenantId, filter, { limit: 100 }).then((p) => p.events);
    expect(await q({ from: new Date(base.getTime() + 60_000), to: new Date(base.getTime() + 120_000) })).toHaveLength(5);
    expect((await q({ actor: "ana@acme.test" })).every((e) => e.actorId === "user-1")).toBe(true);
    expect((await q({ actor: "key-1" })).length).toBe(12);
    expect((await q({ surface: "console", action: "key.create", outcome: "denied" })).map((e) => e.target)).toEqual(["target-24", "target-12", "target-0"]);
    expect((await q({ q: "TARGET-1" })).length).toBe(11);
    expect(await q({ q: "other-" })).toEqual([]);
  });

  it("finds one event only in its own tenant", async () => {
    const [first] = (await queryAuditEvents(database.db, otherId, {}, { limit: 1 })).events;
    expect(first).toBeDefined();
    expect(await getAuditEvent(database.db, tenantId, first?.id ?? "0")).toBeNull();
    expect(await getAuditEvent(database.db, otherId, first?.id ?? "0")).toMatchObject({ target: "other-24" });
    expect(await getAuditEvent(database.db, tenantId, "1 OR 1=1")).toBeNull();
  });

  it("streams the filtered log as CSV and JSONL", async () => {
    const csv = await readAll(streamAuditExport(database.db, tenantId, { action: "query_metric" }, "csv"));
    const lines = csv.trim().split("\r\n");
    expect(lines).toHaveLength(1 + 12);
    expect(lines[0]?.startsWith("occurred_at,id,seq,")).toBe(true);
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    const jsonl = await readAll(streamAuditExport(database.db, tenantId, {}, "jsonl"));
    const events = jsonl.trim().split("\n").map((l) => JSON.parse(l) as { tenantId?: string; target: string });
    expect(events).toHaveLength(25);
    expect(events.some((e) => e.target.startsWith("other-"))).toBe(false);
  });
});
