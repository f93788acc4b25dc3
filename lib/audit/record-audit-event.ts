// The one way to write the audit log. Each event is appended to its chain (the tenant's, or
// "_global" for events with no tenant, such as a request with an unknown key) under the chain's
// lock, linked to its predecessor and signed with the audit key (chain format: ./chain-format.ts).
// Inside a transaction (`recordAuditEvent(tx, …)`) the event joins it and commits or rolls back
// with the change it records; on its own (`audit(db, …)`: reads, denials) it goes through the
// instance's group commit (./group-commit.ts) and the promise settles once it is durable.
import type { Db } from "@/lib/db/client";
import { driverPoolOf, isRootClient } from "@/lib/db/client";
import type { RawTx } from "@/lib/db/transaction";
import { env } from "@/lib/env";
import type { AuditOutcome } from "@/lib/generated/prisma/client";
import { appendToChain, type PreparedAuditEvent, type RecordedAuditEvent } from "./append-to-chain";
import { auditKeyring } from "./audit-keys";
import { auditContentDigest, GLOBAL_CHAIN, type ContentFields } from "./chain-format";
import { AuditGroupCommit } from "./group-commit";
import { redactForAudit } from "./redact";

export { auditContentDigest, auditHash, auditLinkHash, GENESIS_HASH, GLOBAL_CHAIN, type ContentFields, type HashedFields } from "./chain-format";
export type { RecordedAuditEvent } from "./append-to-chain";

export type AuditActorType = "key" | "user" | "oauth" | "slack" | "system" | "anonymous";
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

/** Fixes an event's content (redacted, storable, millisecond time) and digests it. */
export function prepareAuditEvent(raw: AuditEventInput): PreparedAuditEvent {
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
  return { chain, content, digest: auditContentDigest(content), argumentsJson: args === null ? null : JSON.stringify(args) };
}

// One group commit per client (per pool); on globalThis because Next.js loads this module more than once.
const globalForAudit = globalThis as unknown as { socodeAuditGroupCommits?: WeakMap<Db, AuditGroupCommit> };
const groupCommits = (globalForAudit.socodeAuditGroupCommits ??= new WeakMap<Db, AuditGroupCommit>());

/** The instance's group commit for `db` (benchmarks read its stats). */
export function auditGroupCommit(db: Db): AuditGroupCommit {
  let queue = groupCommits.get(db);
  if (!queue) {
    const e = env();
    const driver = driverPoolOf(db);
    if (!driver) throw new Error("auditGroupCommit() needs a client opened by connect() (not a transaction client).");
    queue = new AuditGroupCommit(driver.pool, {
      maxQueued: e.SOCODE_AUDIT_QUEUE_MAX,
      maxBatch: e.SOCODE_AUDIT_BATCH_MAX,
      maxWaitMs: 30_000,
      keyring: auditKeyring,
      namedStatements: driver.namedStatements,
    });
    groupCommits.set(db, queue);
  }
  return queue;
}

/**
 * Records an event. With a transaction client it joins that transaction (the chain's lock is then
 * held until it ends); with the root client it is group-committed on its own.
 */
export async function recordAuditEvent(client: Db | RawTx, raw: AuditEventInput): Promise<RecordedAuditEvent> {
  const event = prepareAuditEvent(raw);
  if (isRootClient(client)) return auditGroupCommit(client).append(event);
  const tx = client;
  const [recorded] = await appendToChain((sql, params) => tx.$queryRawUnsafe<Record<string, unknown>[]>(sql, ...params), event.chain, [event], auditKeyring());
  if (!recorded) throw new Error("audit append returned no event");
  return recorded;
}

/**
 * Options for transactions that append to the audit log. Appends to one chain are serialised, so
 * under load a transaction may wait its turn for a while; Prisma's default (2 s to start, 5 s to
 * finish) would turn that wait into a failed request.
 */
export const AUDITED_TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 } as const;

/** Records an event on its own (reads, denials, CLI actions without another change), group-committed. */
export async function audit(db: Db, input: AuditEventInput): Promise<RecordedAuditEvent> {
  return auditGroupCommit(db).append(prepareAuditEvent(input));
}
