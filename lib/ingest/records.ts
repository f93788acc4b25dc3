// The record shapes /api/ingest/v1/{kind} accepts, one zod schema per kind. Every record carries
// the source's own `id`; references name other records by *their* source ids (store code, member
// id), never by SoCode's internal ids. Timestamps need an explicit offset; money is a decimal in
// major units of the tenant's currency ("12.50"), converted exactly to minor units.
import { z } from "zod";

export const INGEST_KINDS = ["stores", "members", "orders", "redemptions", "points"] as const;
export type IngestKindName = (typeof INGEST_KINDS)[number];
export const IngestKindSchema = z.enum(INGEST_KINDS, { error: `kind must be one of ${INGEST_KINDS.join(", ")}` });

const SourceId = z.string().trim().min(1, "must not be empty").max(128, "must be at most 128 characters");
const Reference = SourceId;
const Instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 timestamp with an offset, e.g. 2026-11-20T14:05:00Z" });
const Decimal = z
  .union([z.string().trim(), z.number()])
  .transform((v) => (typeof v === "number" ? String(v) : v))
  .pipe(z.string().regex(/^-?\d{1,12}(\.\d{1,6})?$/, "must be a decimal amount in major units, e.g. 12.50"))
  .refine((v) => !v.startsWith("-"), "must not be negative");
const Currency = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD");

export const StoreRecord = z.strictObject({
  id: SourceId.describe("Store code, e.g. S12"),
  name: z.string().trim().min(1).max(200),
  region: z.string().trim().min(1).max(100),
});

export const MemberRecord = z.strictObject({
  id: SourceId.describe("The member's id in the source (becomes the member's external id)"),
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320).optional().nullable(),
  phone: z.string().trim().max(40).optional().nullable(),
  tier: z.string().trim().min(1).max(60),
  /** Rank for a tier the tenant does not have yet (1 = entry); unknown tiers without it are refused. */
  tierRank: z.number().int().min(1).max(100).optional(),
  homeStore: Reference.optional().nullable(),
  joinedAt: Instant,
  status: z.enum(["active", "suspended", "closed"]).default("active"),
});

const CouponUse = z.strictObject({ code: z.string().trim().min(1).max(64), pool: z.string().trim().min(1).max(120) });

export const OrderRecord = z.strictObject({
  id: SourceId,
  store: Reference.describe("Store code"),
  member: Reference.optional().nullable().describe("Member id; absent or null for a guest order"),
  placedAt: Instant,
  total: Decimal,
  currency: Currency,
  channel: z.enum(["store", "online", "app"]),
  status: z.enum(["completed", "refunded", "cancelled"]).default("completed"),
  /** Validated, not stored: no certified metric reads line items yet. */
  lines: z
    .array(z.strictObject({ sku: z.string().trim().min(1).max(64), quantity: z.number().int().min(1).max(100_000), unitPrice: Decimal }))
    .max(500)
    .optional(),
  coupon: CouponUse.optional().nullable(),
});

export const RedemptionRecord = z.strictObject({
  id: SourceId,
  code: z.string().trim().min(1).max(64),
  pool: z.string().trim().min(1).max(120),
  member: Reference.optional().nullable(),
  /** The redeeming order's id in the same source. */
  order: Reference.optional().nullable(),
  issuedAt: Instant.optional(),
  redeemedAt: Instant,
});

export const PointsRecord = z
  .strictObject({
    id: SourceId,
    member: Reference,
    kind: z.enum(["award", "redeem", "adjust", "expire"]),
    points: z.number().int().min(-1_000_000_000).max(1_000_000_000),
    reason: z.string().trim().min(1).max(200).default("ingest"),
    reference: z.string().trim().max(200).optional().nullable(),
    occurredAt: Instant,
  })
  .superRefine((r, ctx) => {
    const ok = r.kind === "award" ? r.points > 0 : r.kind === "adjust" ? r.points !== 0 : r.points < 0;
    if (!ok) ctx.addIssue({ code: "custom", path: ["points"], message: r.kind === "award" ? "must be positive for an award" : r.kind === "adjust" ? "must not be zero" : `must be negative for ${r.kind}` });
  });

export const RECORD_SCHEMAS = {
  stores: StoreRecord,
  members: MemberRecord,
  orders: OrderRecord,
  redemptions: RedemptionRecord,
  points: PointsRecord,
} as const;

export type StoreInput = z.output<typeof StoreRecord>;
export type MemberInput = z.output<typeof MemberRecord>;
export type OrderInput = z.output<typeof OrderRecord>;
export type RedemptionInput = z.output<typeof RedemptionRecord>;
export type PointsInput = z.output<typeof PointsRecord>;
export type RecordOf<K extends IngestKindName> = z.output<(typeof RECORD_SCHEMAS)[K]>;

/** The fact time of a record: what freshness and "future dates" are measured on. */
export function factTime(kind: IngestKindName, record: Record<string, unknown>): string | null {
  const field = { stores: null, members: "joinedAt", orders: "placedAt", redemptions: "redeemedAt", points: "occurredAt" }[kind];
  const v = field ? record[field] : null;
  return typeof v === "string" ? v : null;
}

/** Fact-time field per kind, for rejection reports. */
export const FACT_TIME_FIELD: Record<IngestKindName, string | null> = {
  stores: null,
  members: "joinedAt",
  orders: "placedAt",
  redemptions: "redeemedAt",
  points: "occurredAt",
};

/** Converts a validated decimal in major units to minor units, or null when it has more digits than the currency. */
export function toMinorUnits(decimal: string, digits: number): bigint | null {
  const [whole = "0", frac = ""] = decimal.split(".");
  if (frac.length > digits) {
    if (/[1-9]/.test(frac.slice(digits))) return null;
  }
  return BigInt(whole + frac.slice(0, digits).padEnd(digits, "0"));
}
