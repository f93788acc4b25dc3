// Reading the audit log: filters that round-trip through the URL (so a view can be bookmarked and
// shared) and keyset pagination on (occurred_at desc, id desc), which the
// (tenant_id, occurred_at desc, id desc) index serves at any depth, unlike OFFSET.
import { z } from "zod";
import { literal } from "@/lib/db/like";
import type { DbOrTx } from "@/lib/db/transaction";
import type { AuditEvent, Prisma } from "@/lib/generated/prisma/client";

export const AUDIT_SURFACES = ["mcp", "console", "cli", "slack", "system", "ingest"] as const;
export const AUDIT_OUTCOMES = ["ok", "denied", "error", "pending"] as const;
export type AuditSurfaceFilter = (typeof AUDIT_SURFACES)[number];
export type AuditOutcomeFilter = (typeof AUDIT_OUTCOMES)[number];

export type AuditFilter = {
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
  /** Key id, user id, or the actor's label (a user's email, "cli:ana"). */
  actor?: string;
  surface?: AuditSurfaceFilter;
  /** Exact action or tool name, e.g. "key.create", "query_metric". */
  action?: string;
  outcome?: AuditOutcomeFilter;
  /** Case-insensitive text in the target. */
  q?: string;
};

export const AUDIT_FILTER_FIELDS = ["from", "to", "actor", "surface", "action", "outcome", "q"] as const;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z)?$/;

/** "2026-11-20" or "2026-11-20T14:30" (UTC). A date-only `to` includes that whole day. */
export function parseFilterDate(value: string, bound: "from" | "to"): Date | null {
  const v = value.trim();
  if (DATE_ONLY.test(v)) {
    const d = new Date(`${v}T00:00:00.000Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) return null;
    return bound === "to" ? new Date(d.getTime() + 86_400_000) : d;
  }
  if (DATE_TIME.test(v)) {
    const d = new Date(v.endsWith("Z") ? v : `${v}Z`);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

/** The URL form of a date bound: date-only when it falls on midnight UTC, else minutes. */
export function formatFilterDate(date: Date, bound: "from" | "to"): string {
  const iso = date.toISOString();
  if (iso.endsWith("T00:00:00.000Z")) {
    return bound === "to" ? new Date(date.getTime() - 86_400_000).toISOString().slice(0, 10) : iso.slice(0, 10);
  }
  return iso.endsWith(":00.000Z") ? iso.slice(0, 16) : iso.slice(0, 23);
}

export type SearchParamsInput = URLSearchParams | Record<string, string | string[] | undefined>;

function first(params: SearchParamsInput, name: string): string | undefined {
  const raw = params instanceof URLSearchParams ? (params.get(name) ?? undefined) : params[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

const TextSchema = z.string().max(200);

export type ParsedAuditFilter = { filter: AuditFilter; problems: string[] };

/** Reads a filter from URL search params; invalid values are dropped and reported in words. */
export function parseAuditFilter(params: SearchParamsInput): ParsedAuditFilter {
  const filter: AuditFilter = {};
  const problems: string[] = [];
  for (const bound of ["from", "to"] as const) {
    const raw = first(params, bound);
    if (!raw) continue;
    const date = parseFilterDate(raw, bound);
    if (date) filter[bound] = date;
    else problems.push(`Ignored "${bound}=${raw}": use a date like 2026-11-20 or 2026-11-20T14:30 (UTC).`);
  }
  if (filter.from && filter.to && filter.from >= filter.to) {
    problems.push(`Ignored the time range: "from" must be before "to".`);
    delete filter.from;
    delete filter.to;
  }
  for (const field of ["actor", "action", "q"] as const) {
    const raw = first(params, field);
    if (!raw) continue;
    const parsed = TextSchema.safeParse(raw);
    if (parsed.success) filter[field] = parsed.data;
    else problems.push(`Ignored "${field}": use at most 200 characters.`);
  }
  const surface = first(params, "surface");
  if (surface) {
    if ((AUDIT_SURFACES as readonly string[]).includes(surface)) filter.surface = surface as AuditSurfaceFilter;
    else problems.push(`Ignored "surface=${surface}": use one of ${AUDIT_SURFACES.join(", ")}.`);
  }
  const outcome = first(params, "outcome");
  if (outcome) {
    if ((AUDIT_OUTCOMES as readonly string[]).includes(outcome)) filter.outcome = outcome as AuditOutcomeFilter;
    else problems.push(`Ignored "outcome=${outcome}": use one of ${AUDIT_OUTCOMES.join(", ")}.`);
  }
  return { filter, problems };
}

/** The filter as URL search params, in a stable order, omitting empty fields. */
export function auditFilterToSearchParams(filter: AuditFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.from) params.set("from", formatFilterDate(filter.from, "from"));
  if (filter.to) params.set("to", formatFilterDate(filter.to, "to"));
  for (const field of ["actor", "surface", "action", "outcome", "q"] as const) {
    const value = filter[field];
    if (value) params.set(field, value);
  }
  return params;
}

export function isEmptyFilter(filter: AuditFilter): boolean {
  return AUDIT_FILTER_FIELDS.every((f) => filter[f] === undefined);
}

// ───────────── keyset cursor ─────────────

export type AuditCursor = { occurredAt: Date; id: bigint };

export function encodeAuditCursor(cursor: AuditCursor): string {
  return Buffer.from(`${cursor.occurredAt.toISOString()}|${cursor.id.toString()}`, "utf8").toString("base64url");
}

export function decodeAuditCursor(value: string | undefined | null): AuditCursor | null {
  if (!value || value.length > 100) return null;
  const text = Buffer.from(value, "base64url").toString("utf8");
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(\d{1,19})$/.exec(text);
  if (!match?.[1] || !match[2]) return null;
  const occurredAt = new Date(match[1]);
  return Number.isNaN(occurredAt.getTime()) ? null : { occurredAt, id: BigInt(match[2]) };
}

export function auditWhere(tenantId: string, filter: AuditFilter, before?: AuditCursor | null): Prisma.AuditEventWhereInput {
  const and: Prisma.AuditEventWhereInput[] = [{ tenantId }];
  if (filter.from || filter.to) and.push({ occurredAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } });
  if (filter.actor) and.push({ OR: [{ actorId: filter.actor }, { actorLabel: filter.actor }] });
  if (filter.surface) and.push({ surface: filter.surface });
  if (filter.action) and.push({ action: filter.action });
  if (filter.outcome) and.push({ outcome: filter.outcome });
  if (filter.q) and.push({ target: { contains: literal(filter.q), mode: "insensitive" } });
  if (before) {
    // The plain bound lets the index range start at the cursor; the OR breaks ties on id.
    and.push({ occurredAt: { lte: before.occurredAt } });
    and.push({ OR: [{ occurredAt: { lt: before.occurredAt } }, { occurredAt: before.occurredAt, id: { lt: before.id } }] });
  }
  return { AND: and };
}

export type AuditEventRow = Omit<AuditEvent, "id" | "seq"> & { id: string; seq: string };

export function toAuditEventRow(event: AuditEvent): AuditEventRow {
  return { ...event, id: event.id.toString(), seq: event.seq.toString() };
}

export type AuditPage = { events: AuditEventRow[]; nextCursor: string | null };

export const AUDIT_PAGE_SIZE = 50;

/** One page of the tenant's events, newest first, starting after `before`. */
export async function queryAuditEvents(
  db: DbOrTx,
  tenantId: string,
  filter: AuditFilter,
  options: { before?: AuditCursor | null; limit?: number } = {},
): Promise<AuditPage> {
  const limit = Math.min(Math.max(options.limit ?? AUDIT_PAGE_SIZE, 1), 1000);
  const rows = await db.auditEvent.findMany({
    where: auditWhere(tenantId, filter, options.before),
    orderBy: [{ occurredAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    events: page.map(toAuditEventRow),
    nextCursor: rows.length > limit && last ? encodeAuditCursor({ occurredAt: last.occurredAt, id: last.id }) : null,
  };
}

const MAX_EVENT_ID = 2n ** 63n - 1n;

/** One event of the tenant, or null (another tenant's event is as good as missing). */
export async function getAuditEvent(db: DbOrTx, tenantId: string, eventId: string): Promise<AuditEventRow | null> {
  // Ids are bigint: anything that is not a number in range is as good as missing (not a 500).
  if (!/^\d{1,19}$/.test(eventId) || BigInt(eventId) > MAX_EVENT_ID) return null;
  const event = await db.auditEvent.findFirst({ where: { id: BigInt(eventId), tenantId } });
  return event ? toAuditEventRow(event) : null;
}

/** Recent distinct actions and actors, for the filter form's suggestions (bounded work). */
export async function recentAuditFacets(db: DbOrTx, tenantId: string): Promise<{ actions: string[]; actors: { value: string; label: string }[] }> {
  const recent = await db.auditEvent.findMany({
    where: { tenantId },
    orderBy: [{ occurredAt: "desc" }, { id: "desc" }],
    take: 2000,
    select: { action: true, actorId: true, actorLabel: true, actorType: true },
  });
  const actions = [...new Set(recent.map((r) => r.action))].sort();
  const actors = new Map<string, string>();
  for (const r of recent) {
    const value = r.actorType === "user" ? (r.actorLabel ?? r.actorId) : (r.actorId ?? r.actorLabel);
    if (value && !actors.has(value)) actors.set(value, `${r.actorType}: ${r.actorLabel ?? r.actorId ?? value}`);
  }
  return { actions, actors: [...actors].map(([value, label]) => ({ value, label })).sort((a, b) => a.label.localeCompare(b.label)) };
}
