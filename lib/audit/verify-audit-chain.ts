// Recomputes a chain's hashes from the stored rows: any edited, inserted, removed or reordered
// event breaks the link at that point.
import type { Db } from "@/lib/db/client";
import { auditContentDigest, auditHash, auditLinkHash, GENESIS_HASH, GLOBAL_CHAIN, type ContentFields } from "./record-audit-event";

export type ChainVerification =
  | { ok: true; chain: string; checked: number; lastHash: string }
  | { ok: false; chain: string; checked: number; brokenAtSeq: string; eventId: string; reason: string };

const BATCH = 5_000;

export async function verifyAuditChain(db: Db, tenantId: string | null): Promise<ChainVerification> {
  const chain = tenantId ?? GLOBAL_CHAIN;
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1n;
  let checked = 0;
  for (;;) {
    const rows = await db.auditEvent.findMany({
      where: { chain, seq: { gte: expectedSeq } },
      orderBy: { seq: "asc" },
      take: BATCH,
    });
    for (const row of rows) {
      const broken = (reason: string): ChainVerification => ({
        ok: false,
        chain,
        checked,
        brokenAtSeq: row.seq.toString(),
        eventId: row.id.toString(),
        reason,
      });
      if (row.seq !== expectedSeq) return broken(`expected event #${expectedSeq} but found #${row.seq}: events are missing`);
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
      const seq = row.seq.toString();
      const expected =
        row.hashVersion === 1
          ? auditHash({ ...content, seq, prevHash: row.prevHash })
          : row.hashVersion === 2
            ? auditLinkHash(row.prevHash, seq, auditContentDigest(content))
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
