// The one way to write the audit log. Each event is appended to its chain (the tenant's, or
// "_global" for events with no tenant, such as a request with an unknown key) under a per-chain
// advisory lock held until the surrounding transaction (or the single statement) commits, so the
// chain has no gaps or forks even with many app instances. Run it in the same transaction as the
// change it records.
import crypto from "node:crypto";
import type { Db } from "@/lib/db/client";
import type { Tx } from "@/lib/db/transaction";
import type { AuditOutcome } from "@/lib/generated/prisma/client";
import { canonicalJson } from "./canonical-json";
import { redactForAudit } from "./redact";

export const GLOBAL_CHAIN = "_global";
export const GENESIS_HASH = "0".repeat(64);

export type AuditActorType = "key" | "user" | "oauth" | "system" | "anonymous";
export type AuditSurface = "mcp" | "console" | "cli" | "slack" | "system" | "ingest";

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

/** The fields a version-1 hash covers, in a fixed form (version 2 digests the same minus seq and prevHash). */
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

/**
 * PostgreSQL text and jsonb cannot hold a NUL character or an unpaired surrogate, and an event that
 * cannot be stored fails its request: such characters are recorded as U+FFFD instead.
 */
function storable(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/\u0000/g, "\uFFFD").toWellFormed();
  if (Array.isArray(value)) return value.map(storable);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) Object.defineProperty(out, storable(key) as string, { value: storable(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/** The hashed fields without the chain position: what the app digests before the database links it. */
export type ContentFields = Omit<HashedFields, "seq" | "prevHash">;

/** Version 2: SHA-256 of the canonical JSON of the content (computed here, passed to the database). */
export function auditContentDigest(fields: ContentFields): string {
  return crypto.createHash("sha256").update(canonicalJson(fields)).digest("hex");
}

/** Version 2: the link hash socode_audit_append computes in the database (see its migration). */
export function auditLinkHash(prevHash: string, seq: string, contentDigest: string): string {
  return crypto.createHash("sha256").update(`${prevHash}:${seq}:${contentDigest}`, "utf8").digest("hex");
}

/**
 * Appends one event in one statement (the database function socode_audit_append takes the chain's
 * lock, reads the head and inserts). With `db` it runs on its own and the lock is released at once;
 * with a transaction it joins it, and the event commits or rolls back with the change it records.
 */
export async function recordAuditEvent(client: Db | Tx, raw: AuditEventInput): Promise<RecordedAuditEvent> {
  const text = <T extends string | null | undefined>(s: T): T => (typeof s === "string" ? (storable(s) as T) : s);
  const chain = raw.tenantId ?? GLOBAL_CHAIN;
  // Millisecond precision matches the column (timestamptz(3)), so a re-read value hashes the same.
  const occurredAt = new Date(Math.floor((raw.occurredAt ?? new Date()).getTime()));
  // Redaction bounds depth and size first, so storable() never walks deep input.
  const args = raw.arguments === undefined ? null : storable(redactForAudit(raw.arguments));
  const content: ContentFields = {
    chain,
    tenantId: raw.tenantId,
    occurredAt: occurredAt.toISOString(),
    actorType: raw.actorType,
    actorId: text(raw.actorId) ?? null,
    actorLabel: text(raw.actorLabel) ?? null,
    surface: raw.surface,
    action: text(raw.action),
    target: text(raw.target) ?? null,
    arguments: args,
    outcome: raw.outcome,
    errorCode: text(raw.errorCode) ?? null,
    latencyMs: raw.latencyMs ?? null,
    requestId: text(raw.requestId) ?? null,
    writeRequestId: raw.writeRequestId ?? null,
    clientName: text(raw.clientName) ?? null,
    clientVersion: text(raw.clientVersion) ?? null,
  };
  const digest = auditContentDigest(content);
  const rows = await client.$queryRaw<{ id: bigint; seq: bigint; hash: string }[]>`
    SELECT "id", "seq", "hash" FROM socode_audit_append(
      ${chain}, ${content.tenantId}::uuid, ${content.occurredAt}::timestamptz, ${content.actorType}, ${content.actorId},
      ${content.actorLabel}, ${content.surface}, ${content.action}, ${content.target},
      ${args === null ? null : JSON.stringify(args)}::jsonb, ${content.outcome}::"AuditOutcome", ${content.errorCode},
      ${content.latencyMs}::integer, ${content.requestId}, ${content.writeRequestId}::uuid, ${content.clientName},
      ${content.clientVersion}, ${digest})`;
  const row = rows[0];
  if (!row) throw new Error("socode_audit_append returned no row");
  return { id: row.id, chain, seq: row.seq, hash: row.hash };
}

/**
 * Options for transactions that append to the audit log. Appends to one chain are serialised, so
 * under load a transaction may wait its turn for a while; Prisma's default (2 s to start, 5 s to
 * finish) would turn that wait into a failed request.
 */
export const AUDITED_TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 } as const;

/** Records an event on its own (reads, denials, CLI actions without another change). */
export async function audit(db: Db, input: AuditEventInput): Promise<RecordedAuditEvent> {
  return recordAuditEvent(db, input);
}
