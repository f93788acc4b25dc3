// One ingest batch, end to end: validate every record, recognise re-sent ids, resolve references,
// write the facts with bulk `INSERT … SELECT FROM unnest(…)`, remember each record's source id,
// bring the rollups and active-member caches up to date, update the source's freshness and write
// one audit event — all in one transaction. By default a batch is all-or-nothing: one rejected
// record and nothing is written. With `partial: true` the good records are kept and the bad ones
// reported. Records are immutable: the same id with the same content is a duplicate (nothing
// changes), the same id with different content is rejected as `changed_record`.
import crypto from "node:crypto";
import { recordAuditEvent, type AuditActorType, type AuditSurface } from "@/lib/audit/record-audit-event";
import { expireEpochs } from "@/lib/db/cache-epochs";
import type { Db } from "@/lib/db/client";
import { rawTransaction } from "@/lib/db/raw-transaction";
import type { RawTx } from "@/lib/db/transaction";
import { pgArrayLiteral } from "@/lib/db/array-literal";
import { newUuid7 } from "@/lib/ids";
import { describeUnknownFields } from "@/lib/unknown-fields";
import { currencyDigits } from "@/lib/semantic/exact";
import {
  applyFactsToRollups,
  publishOrderRollups,
  rebuildTenantRollups,
  RollupsChangedError,
  stageOrderRollups,
  type FactChanges,
  type InsertedOrders,
  type StagedOrderRollups,
} from "@/lib/semantic/rollups";
import type { RawRow } from "./parse-batch";
import {
  FACT_TIME_FIELD,
  factTime,
  RECORD_SCHEMAS,
  toMinorUnits,
  type IngestKindName,
  type MemberInput,
  type OrderInput,
  type PointsInput,
  type RedemptionInput,
  type StoreInput,
} from "./records";

/** Fact times may run this far ahead of the server clock (clock skew between systems). */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

export type Rejection = { row: number; id: string | null; field: string | null; code: string; reason: string };
export type RowRef = { row: number; id: string };

export type BatchReport = {
  kind: IngestKindName;
  source: string;
  /** accepted: everything new was written (duplicates skipped); partial: some rows rejected, the rest written; rejected: nothing written. */
  outcome: "accepted" | "partial" | "rejected";
  partial: boolean;
  counts: { received: number; accepted: number; duplicate: number; rejected: number };
  accepted: RowRef[];
  duplicates: RowRef[];
  rejected: Rejection[];
};

export type IngestActor = { type: AuditActorType; id: string | null; label: string | null };

export type IngestBatchInput = {
  tenant: { id: string; timeZone: string; currency: string };
  kind: IngestKindName;
  source: string;
  rows: RawRow[];
  partial: boolean;
  actor: IngestActor;
  surface: AuditSurface;
  requestId?: string | null;
  now?: Date;
};

type Candidate<T> = { row: number; id: string; record: T; hash: string; factAt: Date | null };

class BatchRefused extends Error {}

function idOf(value: unknown): string | null {
  if (value && typeof value === "object" && "id" in value) {
    const id = (value as { id: unknown }).id;
    if (typeof id === "string" || typeof id === "number") return String(id).slice(0, 128);
  }
  return null;
}

export const SOURCE_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** Validates every row against its kind's schema and the checks that need no database. */
function validate(input: IngestBatchInput, now: Date): { candidates: Candidate<Record<string, unknown>>[]; rejected: Rejection[] } {
  const schema = RECORD_SCHEMAS[input.kind];
  const digits = currencyDigits(input.tenant.currency);
  const candidates: Candidate<Record<string, unknown>>[] = [];
  const rejected: Rejection[] = [];
  for (const raw of input.rows) {
    if ("parseError" in raw) {
      rejected.push({ row: raw.row, id: null, field: null, code: "invalid_json", reason: raw.parseError });
      continue;
    }
    const parsed = schema.safeParse(raw.value);
    if (!parsed.success) {
      // A misspelt field is also a missing one: name the misspelling, which says how to fix both.
      const issue = parsed.error.issues.find((i) => i.code === "unrecognized_keys") ?? parsed.error.issues[0];
      const field = issue?.path.length ? issue.path.join(".") : null;
      const reason = issue?.code === "unrecognized_keys" ? describeUnknownFields(issue.keys, schema, issue.path) : (issue?.message ?? "invalid record");
      rejected.push({ row: raw.row, id: idOf(raw.value), field, code: "invalid_record", reason: field && issue?.code !== "unrecognized_keys" ? `${field} ${reason}` : reason });
      continue;
    }
    const record = parsed.data as Record<string, unknown>;
    const id = String(record.id);
    const at = factTime(input.kind, record);
    const factAt = at ? new Date(at) : null;
    if (factAt && factAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
      const field = FACT_TIME_FIELD[input.kind];
      rejected.push({ row: raw.row, id, field, code: "future_date", reason: `${field} ${at} is in the future (server time ${now.toISOString()})` });
      continue;
    }
    if (input.kind === "redemptions") {
      const r = record as RedemptionInput;
      if (r.issuedAt && new Date(r.issuedAt) > new Date(r.redeemedAt)) {
        rejected.push({ row: raw.row, id, field: "issuedAt", code: "invalid_record", reason: "issuedAt is after redeemedAt" });
        continue;
      }
    }
    if (input.kind === "orders") {
      const o = record as OrderInput;
      if (o.currency !== input.tenant.currency) {
        rejected.push({ row: raw.row, id, field: "currency", code: "currency_mismatch", reason: `currency ${o.currency} differs from the tenant's ${input.tenant.currency}; convert before sending` });
        continue;
      }
      const bad = [o.total, ...(o.lines ?? []).map((l) => l.unitPrice)].find((v) => toMinorUnits(v, digits) === null);
      if (bad !== undefined) {
        rejected.push({ row: raw.row, id, field: bad === o.total ? "total" : "lines", code: "invalid_record", reason: `${bad} has more decimals than ${input.tenant.currency} allows (${digits})` });
        continue;
      }
    }
    // zod builds its output in the schema's key order, so JSON.stringify is canonical here (and much cheaper).
    const hash = crypto.hash("sha256", JSON.stringify(record), "hex");
    candidates.push({ row: raw.row, id, record, hash, factAt });
  }
  return { candidates, rejected };
}

function emptyReport(input: IngestBatchInput): BatchReport {
  return {
    kind: input.kind,
    source: input.source,
    outcome: "accepted",
    partial: input.partial,
    counts: { received: input.rows.length, accepted: 0, duplicate: 0, rejected: 0 },
    accepted: [],
    duplicates: [],
    rejected: [],
  };
}

function finish(report: BatchReport): BatchReport {
  report.rejected.sort((a, b) => a.row - b.row);
  report.counts.accepted = report.accepted.length;
  report.counts.duplicate = report.duplicates.length;
  report.counts.rejected = report.rejected.length;
  report.outcome = report.rejected.length === 0 ? "accepted" : report.partial && report.accepted.length + report.duplicates.length > 0 ? "partial" : "rejected";
  return report;
}

/** Ingests one batch; never throws for bad data (see the report), only for infrastructure failures. */
export async function ingestBatch(db: Db, input: IngestBatchInput): Promise<BatchReport> {
  const now = input.now ?? new Date();
  const report = emptyReport(input);
  const { candidates, rejected } = validate(input, now);
  report.rejected.push(...rejected);
  const audit = (tx: Db | RawTx, outcome: "ok" | "error", errorCode: string | null) =>
    recordAuditEvent(tx, {
      tenantId: input.tenant.id,
      actorType: input.actor.type,
      actorId: input.actor.id,
      actorLabel: input.actor.label,
      surface: input.surface,
      action: "ingest.batch",
      target: `source:${input.source}/${input.kind}`,
      arguments: { kind: input.kind, source: input.source, partial: input.partial, outcome: report.outcome, counts: report.counts },
      outcome,
      errorCode,
      requestId: input.requestId ?? null,
    });

  if (rejected.length && !input.partial) {
    finish(report);
    await audit(db, "error", "batch_rejected");
    return report;
  }
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await writeBatch(db, input, candidates, report, now, audit);
        break;
      } catch (err) {
        // Rolled back because the tenant's rollups were rebuilt meanwhile (rare): the whole batch runs again.
        if (!(err instanceof RollupsChangedError) || attempt === MAX_ATTEMPTS) throw err;
        report.accepted = [];
        report.duplicates = [];
        report.rejected = [...rejected];
      }
    }
  } catch (err) {
    if (!(err instanceof BatchRefused)) throw err;
    // Rolled back: nothing from this batch was written; report what was wrong.
    report.accepted = [];
    report.duplicates = [];
    finish(report);
    report.outcome = "rejected";
    await audit(db, "error", "batch_rejected");
  }
  // New facts bumped the tenant's semantic cache epoch (a trigger on ingest_feeds): this process
  // re-reads the epochs before its next metric answer instead of within 250 ms.
  expireEpochs(db);
  return report;
}

const MAX_ATTEMPTS = 3;

/**
 * The batch's transaction. Statements that concurrent batches of one tenant can run side by side
 * come first (lookups, the facts, the ledger, the rollup deltas); the ones that queue them come last
 * and are short: the freshness row (its trigger bumps the tenant's cache epoch, a row lock held to
 * the commit), the rollup lock and the audit chain.
 */
async function writeBatch(
  db: Db,
  input: IngestBatchInput,
  candidates: Candidate<Record<string, unknown>>[],
  report: BatchReport,
  now: Date,
  audit: (tx: RawTx, outcome: "ok", errorCode: string | null) => Promise<unknown>,
): Promise<void> {
  // Straight on the driver (lib/db/raw-transaction.ts): every statement here is raw SQL.
  await rawTransaction(db, async (tx) => {
    const sourceId = await ingestSourceId(tx, input.tenant.id, input.source);
    // Batches of one source and kind queue here, so two concurrent re-sends cannot both insert an id.
    await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext($1))::text`, `ingest:${sourceId}:${input.kind}`);
    const fresh = await classify(tx, sourceId, input.kind, candidates, report);
    const written = fresh.length ? await WRITERS[input.kind](tx, input, fresh, report, now, sourceId) : { accepted: [], facts: {} };
    if (report.rejected.length && !input.partial) throw new BatchRefused();
    if (written.accepted.length) {
      await tx.$executeRawUnsafe(
        `INSERT INTO ingest_records (source_id, kind, external_id, entity_id, content_hash, ingested_at)
         SELECT $1::uuid, $2::"IngestKind", u.external_id, u.entity_id, u.content_hash, $3::timestamptz
         FROM unnest($4::text[], $5::uuid[], $6::text[]) AS u(external_id, entity_id, content_hash)`,
        sourceId,
        input.kind,
        now.toISOString(),
        pgArrayLiteral(written.accepted.map((a) => a.candidate.id)),
        pgArrayLiteral(written.accepted.map((a) => a.entityId)),
        pgArrayLiteral(written.accepted.map((a) => a.candidate.hash)),
      );
      report.accepted.push(...written.accepted.map((a) => ({ row: a.candidate.row, id: a.candidate.id })));
    }
    const staged = written.newOrders?.placedAt.length ? await stageOrderRollups(tx, input.tenant.id, written.newOrders) : null;
    if (written.accepted.length || report.duplicates.length) {
      const latest = written.accepted.reduce<Date | null>((max, a) => (a.candidate.factAt && (!max || a.candidate.factAt > max) ? a.candidate.factAt : max), null);
      await tx.$executeRawUnsafe(
        `INSERT INTO ingest_feeds (source_id, kind, tenant_id, latest_fact_at, last_received_at, accepted)
         VALUES ($1::uuid, $2::"IngestKind", $3::uuid, $4::timestamptz, $5::timestamptz, $6::bigint)
         ON CONFLICT (source_id, kind) DO UPDATE SET
           latest_fact_at = GREATEST(ingest_feeds.latest_fact_at, EXCLUDED.latest_fact_at),
           last_received_at = EXCLUDED.last_received_at,
           accepted = ingest_feeds.accepted + EXCLUDED.accepted`,
        sourceId,
        input.kind,
        input.tenant.id,
        latest?.toISOString() ?? null,
        now.toISOString(),
        String(written.accepted.length),
      );
    }
    if (Object.values(written.facts).some((v) => v?.length) || staged) await followFacts(tx, input.tenant, written, staged, now);
    finish(report);
    await audit(tx, "ok", report.rejected.length ? "partially_rejected" : null);
  });
}

/** Rollups follow the facts in the same transaction; a tenant without rollups gets them built on its first batch. */
async function followFacts(tx: RawTx, tenant: IngestBatchInput["tenant"], written: Pick<Written<unknown>, "facts" | "newOrders">, staged: StagedOrderRollups | null, now: Date): Promise<void> {
  const noRollups = staged ? staged.status === "skipped" && staged.reason === "no_rollups" : !(await tx.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM "rollup_state" WHERE tenant_id = $1::uuid`, tenant.id)).length;
  if (noRollups) {
    await rebuildTenantRollups(tx, tenant, { prefill: false, now });
    return;
  }
  const facts = { ...written.facts };
  if (staged?.status === "staged") await publishOrderRollups(tx, tenant.id, staged);
  // Time zone changed since the rebuild: the same rule as applyFactsToRollups applies.
  else if (staged && written.newOrders) facts.orders = written.newOrders.placedAt.map((at) => new Date(at));
  if (Object.values(facts).some((v) => v?.length)) await applyFactsToRollups(tx, tenant.id, facts);
}

/**
 * The source's id, created on its first batch. Two first batches of one source may race: the one
 * whose insert waited for the other's commit sees nothing in its statement's snapshot, and reads again.
 */
async function ingestSourceId(tx: RawTx, tenantId: string, name: string): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const [row] = await tx.$queryRawUnsafe<{ id: string }[]>(
      `WITH created AS (
         INSERT INTO ingest_sources (id, tenant_id, name) VALUES ($1::uuid, $2::uuid, $3::text) ON CONFLICT (tenant_id, name) DO NOTHING RETURNING id
       )
       SELECT id::text FROM created UNION ALL SELECT id::text FROM ingest_sources WHERE tenant_id = $2::uuid AND name = $3::text LIMIT 1`,
      newUuid7(),
      tenantId,
      name,
    );
    if (row) return row.id;
  }
  throw new Error(`ingest source ${name} was neither created nor found`);
}

/** Splits candidates into re-sent duplicates, changed records (rejected) and new ones, within the batch too. */
async function classify<T>(tx: RawTx, sourceId: string, kind: IngestKindName, candidates: Candidate<T>[], report: BatchReport): Promise<Candidate<T>[]> {
  if (!candidates.length) return [];
  // One primary-key probe per id, whatever the statistics say (see probeEach).
  const known = await tx.$queryRawUnsafe<{ external_id: string; content_hash: string }[]>(
    `SELECT r.external_id, r.content_hash FROM unnest($3::text[]) AS k(id)
     ${probeEach(`SELECT external_id, content_hash FROM ingest_records WHERE source_id = $1::uuid AND kind = $2::"IngestKind" AND external_id = k.id`)}`,
    sourceId,
    kind,
    pgArrayLiteral(candidates.map((c) => c.id)),
  );
  const hashes = new Map(known.map((k) => [k.external_id, { hash: k.content_hash, row: null as number | null }]));
  const fresh: Candidate<T>[] = [];
  for (const c of candidates) {
    const seen = hashes.get(c.id);
    if (!seen) {
      hashes.set(c.id, { hash: c.hash, row: c.row });
      fresh.push(c);
    } else if (seen.hash === c.hash) report.duplicates.push({ row: c.row, id: c.id });
    else {
      const where = seen.row === null ? "was already ingested from this source" : `appears earlier in this batch (row ${seen.row})`;
      report.rejected.push({ row: c.row, id: c.id, field: "id", code: "changed_record", reason: `${kind} ${c.id} ${where} with different content; records are immutable (see docs/ingest.md)` });
    }
  }
  return fresh;
}

/** `newOrders`: orders only inserted, added to the rollups as deltas (stageOrderRollups, publishOrderRollups) instead of recomputing their days. */
type Written<T> = { accepted: { candidate: Candidate<T>; entityId: string }[]; facts: FactChanges; newOrders?: InsertedOrders };
type Writer<T> = (tx: RawTx, input: IngestBatchInput, fresh: Candidate<T>[], report: BatchReport, now: Date, sourceId: string) => Promise<Written<T>>;

function reject(report: BatchReport, c: Candidate<unknown>, field: string, code: string, reason: string): void {
  report.rejected.push({ row: c.row, id: c.id, field, code, reason });
}

async function lookup(tx: RawTx, sql: string, ...params: unknown[]): Promise<Map<string, string>> {
  const rows = await tx.$queryRawUnsafe<{ k: string; v: string }[]>(sql, ...params);
  return new Map(rows.map((r) => [r.k, r.v]));
}

const storesByCode = (tx: RawTx, tenantId: string, codes: string[]) =>
  lookup(tx, `SELECT code AS k, id::text AS v FROM stores WHERE tenant_id = $1::uuid AND code = ANY($2::text[])`, tenantId, pgArrayLiteral(codes));

/**
 * A lateral subquery that finds at most one row for the current key (`k.id`): the planner must
 * probe the unique index once per key. Written as `key = ANY(keys)`, the same lookup is planned
 * from the table's statistics, and while a bulk load outruns them (fresh tables; autovacuum lags,
 * or is off) it reads every row under the shared prefix (the source, the tenant) and filters them:
 * a cost that grows with everything sent before, batch after batch.
 */
function probeEach(select: string): string {
  return `CROSS JOIN LATERAL (${select} LIMIT 1) AS r`;
}

async function membersByExternalId(tx: RawTx, tenantId: string, ids: string[], lock = false) {
  const rows = await tx.$queryRawUnsafe<{ external_id: string; id: string; tier_id: string; points_balance: number }[]>(
    lock
      ? `SELECT external_id, id::text, tier_id::text, points_balance FROM members WHERE tenant_id = $1::uuid AND external_id = ANY($2::text[]) ORDER BY id FOR UPDATE`
      : `SELECT r.external_id, r.id::text, r.tier_id::text, r.points_balance FROM unnest($2::text[]) AS k(id)
         ${probeEach(`SELECT external_id, id, tier_id, points_balance FROM members WHERE tenant_id = $1::uuid AND external_id = k.id`)}`,
    tenantId,
    pgArrayLiteral(ids),
  );
  return new Map(rows.map((r) => [r.external_id, r]));
}

const unique = (values: (string | null | undefined)[]) => [...new Set(values.filter((v): v is string => typeof v === "string"))];

const writeStores: Writer<StoreInput> = async (tx, input, fresh, report) => {
  const existing = await storesByCode(tx, input.tenant.id, fresh.map((c) => c.id));
  const ok = fresh.filter((c) => {
    if (!existing.has(c.id)) return true;
    reject(report, c, "id", "store_exists", `a store with code ${c.id} already exists (created outside this source)`);
    return false;
  });
  const ids = ok.map(() => newUuid7());
  if (ok.length) {
    await tx.$executeRawUnsafe(
      `INSERT INTO stores (id, tenant_id, code, name, region) SELECT u.id, $1::uuid, u.code, u.name, u.region FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS u(id, code, name, region)`,
      input.tenant.id,
      pgArrayLiteral(ids),
      pgArrayLiteral(ok.map((c) => c.id)),
      pgArrayLiteral(ok.map((c) => c.record.name)),
      pgArrayLiteral(ok.map((c) => c.record.region)),
    );
  }
  return { accepted: ok.map((candidate, i) => ({ candidate, entityId: ids[i] ?? "" })), facts: {} };
};

const writeMembers: Writer<MemberInput> = async (tx, input, fresh, report, now) => {
  const tenantId = input.tenant.id;
  const [existing, stores, tierRows] = await Promise.all([
    membersByExternalId(tx, tenantId, fresh.map((c) => c.id)),
    storesByCode(tx, tenantId, unique(fresh.map((c) => c.record.homeStore))),
    tx.$queryRawUnsafe<{ id: string; name: string; rank: number }[]>(`SELECT id::text, name, rank FROM tiers WHERE tenant_id = $1::uuid`, tenantId),
  ]);
  const tiers = new Map(tierRows.map((t) => [t.name.toLowerCase(), t]));
  const ranks = new Map(tierRows.map((t) => [t.rank, t.name]));
  const newTiers: { id: string; name: string; rank: number }[] = [];
  const ok: { c: Candidate<MemberInput>; tierId: string; storeId: string | null }[] = [];
  for (const c of fresh) {
    const r = c.record;
    if (existing.has(c.id)) {
      reject(report, c, "id", "member_exists", `a member with id ${c.id} already exists (created outside this source)`);
      continue;
    }
    const storeId = r.homeStore ? stores.get(r.homeStore) : null;
    if (storeId === undefined) {
      reject(report, c, "homeStore", "unknown_store", `no store with code ${r.homeStore}; send it to /api/ingest/v1/stores first`);
      continue;
    }
    let tier = tiers.get(r.tier.toLowerCase());
    if (!tier) {
      const known = tierRows.map((t) => t.name).join(", ") || "none yet";
      if (r.tierRank === undefined) {
        reject(report, c, "tier", "unknown_tier", `no tier named ${r.tier} (tiers: ${known}); send tierRank to create it`);
        continue;
      }
      const taken = ranks.get(r.tierRank);
      if (taken) {
        reject(report, c, "tierRank", "tier_rank_taken", `rank ${r.tierRank} belongs to tier ${taken}`);
        continue;
      }
      tier = { id: newUuid7(), name: r.tier, rank: r.tierRank };
      tiers.set(r.tier.toLowerCase(), tier);
      ranks.set(r.tierRank, r.tier);
      newTiers.push(tier);
    }
    ok.push({ c, tierId: tier.id, storeId });
  }
  if (newTiers.length) {
    await tx.$executeRawUnsafe(
      `INSERT INTO tiers (id, tenant_id, name, rank) SELECT u.id, $1::uuid, u.name, u.rank FROM unnest($2::uuid[], $3::text[], $4::int[]) AS u(id, name, rank)`,
      tenantId,
      pgArrayLiteral(newTiers.map((t) => t.id)),
      pgArrayLiteral(newTiers.map((t) => t.name)),
      pgArrayLiteral(newTiers.map((t) => t.rank)),
    );
  }
  const ids = ok.map(() => newUuid7());
  if (ok.length) {
    await tx.$executeRawUnsafe(
      `INSERT INTO members (id, tenant_id, external_id, name, email, phone, tier_id, home_store_id, joined_at, status, updated_at)
       SELECT u.id, $1::uuid, u.external_id, u.name, u.email, u.phone, u.tier_id, u.home_store_id, u.joined_at, u.status::"MemberStatus", $2::timestamptz
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::uuid[], $10::timestamptz[], $11::text[])
         AS u(id, external_id, name, email, phone, tier_id, home_store_id, joined_at, status)`,
      tenantId,
      now.toISOString(),
      pgArrayLiteral(ids),
      pgArrayLiteral(ok.map((o) => o.c.id)),
      pgArrayLiteral(ok.map((o) => o.c.record.name)),
      pgArrayLiteral(ok.map((o) => o.c.record.email ?? null)),
      pgArrayLiteral(ok.map((o) => o.c.record.phone ?? null)),
      pgArrayLiteral(ok.map((o) => o.tierId)),
      pgArrayLiteral(ok.map((o) => o.storeId)),
      pgArrayLiteral(ok.map((o) => o.c.record.joinedAt)),
      pgArrayLiteral(ok.map((o) => o.c.record.status)),
    );
  }
  return {
    accepted: ok.map((o, i) => ({ candidate: o.c, entityId: ids[i] ?? "" })),
    facts: { members: ok.map((o) => new Date(o.c.record.joinedAt)) },
  };
};

// ───────────── coupons (redemptions, and orders that used a coupon) ─────────────

type CouponUse = { code: string; pool: string; memberId: string | null; orderId: string | null; issuedAt: string; redeemedAt: string };
type CouponPlan = { uses: CouponUse[]; couponIds: string[] };

/**
 * Checks coupon uses against existing coupons and pools: a code must not be redeemed or voided
 * already and must belong to the named pool. Returns an error message per use (null when fine).
 */
async function checkCoupons(tx: RawTx, tenantId: string, uses: { code: string; pool: string }[]): Promise<(string | null)[]> {
  const rows = await tx.$queryRawUnsafe<{ code: string; pool: string; redeemed: boolean; voided: boolean }[]>(
    `SELECT c.code, p.name AS pool, c.redeemed_at IS NOT NULL AS redeemed, c.voided_at IS NOT NULL AS voided
     FROM coupons c JOIN coupon_pools p ON p.id = c.pool_id WHERE c.tenant_id = $1::uuid AND c.code = ANY($2::text[]) FOR UPDATE OF c`,
    tenantId,
    pgArrayLiteral(uses.map((u) => u.code)),
  );
  const byCode = new Map(rows.map((r) => [r.code, r]));
  const seen = new Set<string>();
  return uses.map((u) => {
    const row = byCode.get(u.code);
    if (seen.has(u.code)) return `coupon ${u.code} is redeemed twice in this batch`;
    seen.add(u.code);
    if (!row) return null;
    if (row.pool !== u.pool) return `coupon ${u.code} belongs to pool ${row.pool}, not ${u.pool}`;
    if (row.redeemed) return `coupon ${u.code} was already redeemed`;
    if (row.voided) return `coupon ${u.code} is void`;
    return null;
  });
}

/**
 * Applies checked coupon uses: pools named for the first time are created (discount unknown to the
 * source: recorded as an amount of 0), unknown codes are created issued and redeemed, known ones
 * are marked redeemed. Returns the coupon ids and the instants the rollups must refresh.
 */
async function applyCoupons(tx: RawTx, tenantId: string, uses: CouponUse[]): Promise<CouponPlan & { facts: Date[] }> {
  if (!uses.length) return { uses, couponIds: [], facts: [] };
  const poolNames = unique(uses.map((u) => u.pool));
  const firstIssue = new Map<string, string>();
  for (const u of uses) if (!firstIssue.has(u.pool) || u.issuedAt < (firstIssue.get(u.pool) ?? "")) firstIssue.set(u.pool, u.issuedAt);
  await tx.$executeRawUnsafe(
    `INSERT INTO coupon_pools (id, tenant_id, name, discount_type, discount_value, valid_from)
     SELECT u.id, $1::uuid, u.name, 'amount', 0, u.valid_from FROM unnest($2::uuid[], $3::text[], $4::timestamptz[]) AS u(id, name, valid_from)
     ON CONFLICT (tenant_id, name) DO NOTHING`,
    tenantId,
    pgArrayLiteral(poolNames.map(() => newUuid7())),
    pgArrayLiteral(poolNames),
    pgArrayLiteral(poolNames.map((p) => firstIssue.get(p) ?? null)),
  );
  const pools = await lookup(tx, `SELECT name AS k, id::text AS v FROM coupon_pools WHERE tenant_id = $1::uuid AND name = ANY($2::text[])`, tenantId, pgArrayLiteral(poolNames));
  const before = await tx.$queryRawUnsafe<{ code: string; issued_at: Date | null }[]>(
    `SELECT code, issued_at FROM coupons WHERE tenant_id = $1::uuid AND code = ANY($2::text[])`,
    tenantId,
    pgArrayLiteral(uses.map((u) => u.code)),
  );
  const facts: Date[] = before.flatMap((b) => (b.issued_at ? [b.issued_at] : []));
  const rows = await tx.$queryRawUnsafe<{ code: string; id: string }[]>(
    `INSERT INTO coupons (id, tenant_id, pool_id, code, member_id, created_at, issued_at, redeemed_at, order_id)
     SELECT u.id, $1::uuid, u.pool_id, u.code, u.member_id, u.issued_at, u.issued_at, u.redeemed_at, u.order_id
     FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::timestamptz[], $7::timestamptz[], $8::uuid[])
       AS u(id, pool_id, code, member_id, issued_at, redeemed_at, order_id)
     ON CONFLICT (tenant_id, code) DO UPDATE SET
       redeemed_at = EXCLUDED.redeemed_at,
       order_id = COALESCE(EXCLUDED.order_id, coupons.order_id),
       member_id = COALESCE(coupons.member_id, EXCLUDED.member_id),
       issued_at = COALESCE(coupons.issued_at, EXCLUDED.issued_at)
     RETURNING code, id::text`,
    tenantId,
    pgArrayLiteral(uses.map(() => newUuid7())),
    pgArrayLiteral(uses.map((u) => pools.get(u.pool) ?? null)),
    pgArrayLiteral(uses.map((u) => u.code)),
    pgArrayLiteral(uses.map((u) => u.memberId)),
    pgArrayLiteral(uses.map((u) => u.issuedAt)),
    pgArrayLiteral(uses.map((u) => u.redeemedAt)),
    pgArrayLiteral(uses.map((u) => u.orderId)),
  );
  // Pool size counts the codes generated into a pool; created codes add to it.
  await tx.$executeRawUnsafe(
    `UPDATE coupon_pools p SET size = (SELECT COUNT(*) FROM coupons c WHERE c.pool_id = p.id) WHERE p.tenant_id = $1::uuid AND p.name = ANY($2::text[])`,
    tenantId,
    pgArrayLiteral(poolNames),
  );
  const ids = new Map(rows.map((r) => [r.code, r.id]));
  for (const u of uses) facts.push(new Date(u.issuedAt), new Date(u.redeemedAt));
  return { uses, couponIds: uses.map((u) => ids.get(u.code) ?? ""), facts };
}

const writeOrders: Writer<OrderInput> = async (tx, input, fresh, report) => {
  const tenantId = input.tenant.id;
  const digits = currencyDigits(input.tenant.currency);
  const [stores, members] = await Promise.all([
    storesByCode(tx, tenantId, unique(fresh.map((c) => c.record.store))),
    membersByExternalId(tx, tenantId, unique(fresh.map((c) => c.record.member))),
  ]);
  type Ok = { c: Candidate<OrderInput>; id: string; storeId: string; memberId: string | null; tierId: string | null };
  let ok: Ok[] = [];
  for (const c of fresh) {
    const r = c.record;
    const storeId = stores.get(r.store);
    if (!storeId) {
      reject(report, c, "store", "unknown_store", `no store with code ${r.store}; send it to /api/ingest/v1/stores first`);
      continue;
    }
    const member = r.member ? members.get(r.member) : null;
    if (member === undefined) {
      reject(report, c, "member", "unknown_member", `no member with id ${r.member}; send it to /api/ingest/v1/members first (or omit member for a guest order)`);
      continue;
    }
    ok.push({ c, id: newUuid7(), storeId, memberId: member?.id ?? null, tierId: member?.tier_id ?? null });
  }
  const withCoupon = ok.filter((o) => o.c.record.coupon);
  if (withCoupon.length) {
    const problems = await checkCoupons(tx, tenantId, withCoupon.map((o) => o.c.record.coupon ?? { code: "", pool: "" }));
    const bad = new Set<Ok>();
    withCoupon.forEach((o, i) => {
      const problem = problems[i];
      if (problem) {
        reject(report, o.c, "coupon.code", "coupon_unusable", problem);
        bad.add(o);
      }
    });
    ok = ok.filter((o) => !bad.has(o));
  }
  const inserted: InsertedOrders = {
    placedAt: ok.map((o) => o.c.record.placedAt),
    storeId: ok.map((o) => o.storeId),
    tierId: ok.map((o) => o.tierId),
    memberId: ok.map((o) => o.memberId),
    channel: ok.map((o) => o.c.record.channel),
    status: ok.map((o) => o.c.record.status),
    totalMinor: ok.map((o) => String(toMinorUnits(o.c.record.total, digits))),
  };
  if (ok.length) {
    await tx.$executeRawUnsafe(
      `INSERT INTO orders (id, tenant_id, store_id, member_id, tier_id, total_minor, currency, status, channel, placed_at)
       SELECT u.id, $1::uuid, u.store_id, u.member_id, u.tier_id, u.total_minor, u.currency, u.status::"OrderStatus", u.channel::"Channel", u.placed_at
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
         AS u(id, store_id, member_id, tier_id, total_minor, currency, status, channel, placed_at)`,
      tenantId,
      pgArrayLiteral(ok.map((o) => o.id)),
      pgArrayLiteral(inserted.storeId),
      pgArrayLiteral(inserted.memberId),
      pgArrayLiteral(inserted.tierId),
      pgArrayLiteral(inserted.totalMinor),
      pgArrayLiteral(ok.map((o) => o.c.record.currency)),
      pgArrayLiteral(inserted.status),
      pgArrayLiteral(inserted.channel),
      pgArrayLiteral(inserted.placedAt),
    );
  }
  const coupons = await applyCoupons(
    tx,
    tenantId,
    ok.flatMap((o) => {
      const coupon = o.c.record.coupon;
      return coupon ? [{ code: coupon.code, pool: coupon.pool, memberId: o.memberId, orderId: o.id, issuedAt: o.c.record.placedAt, redeemedAt: o.c.record.placedAt }] : [];
    }),
  );
  return {
    accepted: ok.map((o) => ({ candidate: o.c, entityId: o.id })),
    facts: { coupons: coupons.facts },
    newOrders: inserted,
  };
};

const writeRedemptions: Writer<RedemptionInput> = async (tx, input, fresh, report, _now, sourceId) => {
  const tenantId = input.tenant.id;
  const [members, orders] = await Promise.all([
    membersByExternalId(tx, tenantId, unique(fresh.map((c) => c.record.member))),
    lookup(
      tx,
      `SELECT external_id AS k, entity_id::text AS v FROM ingest_records WHERE source_id = $1::uuid AND kind = 'orders' AND external_id = ANY($2::text[])`,
      sourceId,
      pgArrayLiteral(unique(fresh.map((c) => c.record.order))),
    ),
  ]);
  let ok: { c: Candidate<RedemptionInput>; use: CouponUse }[] = [];
  for (const c of fresh) {
    const r = c.record;
    const member = r.member ? members.get(r.member) : null;
    if (member === undefined) {
      reject(report, c, "member", "unknown_member", `no member with id ${r.member}`);
      continue;
    }
    const orderId = r.order ? orders.get(r.order) : null;
    if (orderId === undefined) {
      reject(report, c, "order", "unknown_order", `no order ${r.order} from source ${input.source}; send the order first`);
      continue;
    }
    ok.push({ c, use: { code: r.code, pool: r.pool, memberId: member?.id ?? null, orderId, issuedAt: r.issuedAt ?? r.redeemedAt, redeemedAt: r.redeemedAt } });
  }
  const problems = ok.length ? await checkCoupons(tx, tenantId, ok.map((o) => o.use)) : [];
  ok = ok.filter((o, i) => {
    const problem = problems[i];
    if (problem) reject(report, o.c, "code", "coupon_unusable", problem);
    return !problem;
  });
  const applied = await applyCoupons(tx, tenantId, ok.map((o) => o.use));
  return { accepted: ok.map((o, i) => ({ candidate: o.c, entityId: applied.couponIds[i] ?? "" })), facts: { coupons: applied.facts } };
};

const writePoints: Writer<PointsInput> = async (tx, input, fresh, report) => {
  const tenantId = input.tenant.id;
  // Locked: the balance this batch computes must be the balance it writes.
  const members = await membersByExternalId(tx, tenantId, unique(fresh.map((c) => c.record.member)), true);
  const balances = new Map([...members.values()].map((m) => [m.id, m.points_balance]));
  const ok: { c: Candidate<PointsInput>; id: string; memberId: string; balanceAfter: number }[] = [];
  for (const c of fresh) {
    const r = c.record;
    const member = members.get(r.member);
    if (!member) {
      reject(report, c, "member", "unknown_member", `no member with id ${r.member}`);
      continue;
    }
    const after = (balances.get(member.id) ?? 0) + r.points;
    if (after < 0) {
      reject(report, c, "points", "negative_balance", `would take member ${r.member}'s balance to ${after} (a balance never goes negative)`);
      continue;
    }
    balances.set(member.id, after);
    ok.push({ c, id: newUuid7(), memberId: member.id, balanceAfter: after });
  }
  if (ok.length) {
    await tx.$executeRawUnsafe(
      `INSERT INTO points_entries (id, tenant_id, member_id, kind, delta, balance_after, reason, reference, created_at)
       SELECT u.id, $1::uuid, u.member_id, u.kind::"PointsKind", u.delta, u.balance_after, u.reason, u.reference, u.created_at
       FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[], $9::timestamptz[])
         AS u(id, member_id, kind, delta, balance_after, reason, reference, created_at)`,
      tenantId,
      pgArrayLiteral(ok.map((o) => o.id)),
      pgArrayLiteral(ok.map((o) => o.memberId)),
      pgArrayLiteral(ok.map((o) => o.c.record.kind)),
      pgArrayLiteral(ok.map((o) => o.c.record.points)),
      pgArrayLiteral(ok.map((o) => o.balanceAfter)),
      pgArrayLiteral(ok.map((o) => o.c.record.reason)),
      pgArrayLiteral(ok.map((o) => o.c.record.reference ?? null)),
      pgArrayLiteral(ok.map((o) => o.c.record.occurredAt)),
    );
    const changed = unique(ok.map((o) => o.memberId));
    await tx.$executeRawUnsafe(
      `UPDATE members m SET points_balance = u.balance, updated_at = now() FROM unnest($1::uuid[], $2::int[]) AS u(id, balance) WHERE m.id = u.id`,
      pgArrayLiteral(changed),
      pgArrayLiteral(changed.map((id) => balances.get(id) ?? 0)),
    );
  }
  return { accepted: ok.map((o) => ({ candidate: o.c, entityId: o.id })), facts: { points: ok.map((o) => new Date(o.c.record.occurredAt)) } };
};

type AnyWriter = Writer<Record<string, unknown>>;
// Each candidate was parsed by RECORD_SCHEMAS[kind] (validate above), so its record has that kind's type.
const WRITERS: Record<IngestKindName, AnyWriter> = {
  stores: writeStores as unknown as AnyWriter,
  members: writeMembers as unknown as AnyWriter,
  orders: writeOrders as unknown as AnyWriter,
  redemptions: writeRedemptions as unknown as AnyWriter,
  points: writePoints as unknown as AnyWriter,
};
