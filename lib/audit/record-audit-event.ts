// The one way to write the audit log. Each event is appended to its chain (the tenant's, or
// "_global" for events with no tenant, such as a request with an unknown key) under a per-chain
// advisory lock held until the surrounding transaction commits, so the chain has no gaps or forks
// even with many app instances. Run it in the same transaction as the change it records.
import crypto from "node:crypto";
import type { Db } from "@/lib/db/client";
import type { Tx } from "@/lib/db/transaction";
import type { AuditOutcome, Prisma } from "@/lib/generated/prisma/client";
import { canonicalJson } from "./canonical-json";
import { redactForAudit } from "./redact";

export const GLOBAL_CHAIN = "_global";
export const GENESIS_HASH = "0".repeat(64);

export type AuditActorType = "key" | "user" | "oauth" | "system" | "anonymous";
export type AuditSurface = "mcp" | "console" | "cli" | "slack" | "system";

export type AuditEventInput = {
  tenantId: string | null;
  actorType: AuditActorType;
  actorId?: string | null;
  actorLabel?: string | null;
  surface: AuditSurface;
  action: string;
  target?: string | null;
  /** Raw arguments; redacted before they are stored. */
  arguments?: unknown;
  outcome: AuditOutcome;
  errorCode?: string | null;
  latencyMs?: number | null;
  requestId?: string | null;
  writeRequestId?: string | null;
  clientName?: string | null;
  clientVersion?: string | null;
  occurredAt?: Date;
};

/** The fields a hash covers, in a fixed form. Shared by writing and verifying. */
export type HashedFields = {
  chain: string;
  seq: string;
  tenantId: string | null;
  occurredAt: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  surface: string;
  action: string;
  target: string | null;
  arguments: unknown;
  outcome: string;
  errorCode: string | null;
  latencyMs: number | null;
  requestId: string | null;
  writeRequestId: string | null;
  clientName: string | null;
  clientVersion: string | null;
  prevHash: string;
};

export function auditHash(fields: HashedFields): string {
  return crypto.createHash("sha256").update(canonicalJson(fields)).digest("hex");
}

export type RecordedAuditEvent = { id: bigint; chain: string; seq: bigint; hash: string };

export async function recordAuditEvent(tx: Tx, input: AuditEventInput): Promise<RecordedAuditEvent> {
  const chain = input.tenantId ?? GLOBAL_CHAIN;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`audit:${chain}`}, 0))`;
  const last = await tx.auditEvent.findFirst({
    where: { chain },
    orderBy: { seq: "desc" },
    select: { seq: true, hash: true },
  });
  const seq = (last?.seq ?? 0n) + 1n;
  const prevHash = last?.hash ?? GENESIS_HASH;
  // Millisecond precision matches the column (timestamptz(3)), so a re-read value hashes the same.
  const occurredAt = new Date(Math.floor((input.occurredAt ?? new Date()).getTime()));
  const args = input.arguments === undefined ? null : redactForAudit(input.arguments);
  const fields: HashedFields = {
    chain,
    seq: seq.toString(),
    tenantId: input.tenantId,
    occurredAt: occurredAt.toISOString(),
    actorType: input.actorType,
    actorId: input.actorId ?? null,
    actorLabel: input.actorLabel ?? null,
    surface: input.surface,
    action: input.action,
    target: input.target ?? null,
    arguments: args,
    outcome: input.outcome,
    errorCode: input.errorCode ?? null,
    latencyMs: input.latencyMs ?? null,
    requestId: input.requestId ?? null,
    writeRequestId: input.writeRequestId ?? null,
    clientName: input.clientName ?? null,
    clientVersion: input.clientVersion ?? null,
    prevHash,
  };
  const hash = auditHash(fields);
  const row = await tx.auditEvent.create({
    data: {
      chain,
      seq,
      tenantId: fields.tenantId,
      occurredAt,
      actorType: fields.actorType,
      actorId: fields.actorId,
      actorLabel: fields.actorLabel,
      surface: fields.surface,
      action: fields.action,
      target: fields.target,
      arguments: args === null ? undefined : (args as Prisma.InputJsonValue),
      outcome: input.outcome,
      errorCode: fields.errorCode,
      latencyMs: fields.latencyMs,
      requestId: fields.requestId,
      writeRequestId: fields.writeRequestId,
      clientName: fields.clientName,
      clientVersion: fields.clientVersion,
      prevHash,
      hash,
    },
    select: { id: true },
  });
  return { id: row.id, chain, seq, hash };
}

/**
 * Options for transactions that append to the audit log. Appends to one chain are serialised, so
 * under load a transaction may wait its turn for a while; Prisma's default (2 s to start, 5 s to
 * finish) would turn that wait into a failed request.
 */
export const AUDITED_TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 } as const;

/** Records an event on its own (reads, denials, CLI actions without another change). */
export async function audit(db: Db, input: AuditEventInput): Promise<RecordedAuditEvent> {
  return db.$transaction((tx) => recordAuditEvent(tx, input), AUDITED_TX_OPTIONS);
}
