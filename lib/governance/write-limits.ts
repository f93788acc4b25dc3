// Per-credential caps on writes, set by an admin with the write scopes (console, CLI, OAuth
// consent): points per award/redeem, codes per top-up or new pool, write requests per day, and
// the member tiers and coupon pools the credential may touch. One schema for every surface (keys,
// OAuth grants — which act through a key row — and Slack connections), carried on the Credential.
// The rules here only decide; lib/writes asks them when a request is queued and again when an
// approver executes it, so an approver cannot execute beyond the cap either.
import { z } from "zod";

const Names = z
  .array(z.string().trim().min(1).max(60))
  .min(1, "list at least one name, or leave the list out")
  .max(50)
  .transform((names) => [...new Map(names.map((n) => [n.toLowerCase(), n])).values()]);

/** The limits a credential carries. Every field is optional; a missing field means no cap. */
export const WriteLimitsSchema = z
  .object({
    maxPointsPerRequest: z.number().int().min(1).max(1_000_000).optional(),
    maxCodesPerRequest: z.number().int().min(1).max(1_000_000).optional(),
    /** 0 pauses the credential's writes without taking its scopes away. */
    maxWritesPerDay: z.number().int().min(0).max(100_000).optional(),
    /** Tier names (case-insensitive): every member a write touches must be in one of them. */
    allowedTiers: Names.optional(),
    /** Coupon pool names (case-insensitive): every pool a write touches must be one of them. */
    allowedPools: Names.optional(),
  })
  .strict();

export type WriteLimits = z.output<typeof WriteLimitsSchema>;

/** Text fields (a console form, CLI flags) → a number; blank means "no cap". */
const countField = (label: string, min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === "string" ? (v.trim() === "" ? undefined : Number(v.trim().replace(/[_,\s]/g, ""))) : v),
    z
      .number({ error: `${label} must be a whole number` })
      .int(`${label} must be a whole number`)
      .min(min, `${label} must be at least ${min}`)
      .max(max, `${label} must be at most ${max.toLocaleString("en-US")}`)
      .optional(),
  );
/** "Bronze, Silver" or repeated form values → a list; blank means "any". */
const namesField = (label: string) =>
  z.preprocess((v) => {
    const list = (Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : v === undefined ? [] : [v]).map((x) => String(x).trim()).filter(Boolean);
    return list.length ? list : undefined;
  }, z.array(z.string().max(60, `${label}: names have at most 60 characters`)).max(50, `${label}: at most 50 names`).optional());

/**
 * The limits as typed by an admin (console form fields, CLI flags, consent form), validated with
 * messages that name the field; blank fields mean "no cap". Same result type as WriteLimitsSchema.
 */
export const WriteLimitsInputSchema = z
  .object({
    maxPointsPerRequest: countField("Points per award or redemption", 1, 1_000_000),
    maxCodesPerRequest: countField("Codes per top-up", 1, 1_000_000),
    maxWritesPerDay: countField("Write requests per day", 0, 100_000),
    allowedTiers: namesField("Allowed tiers"),
    allowedPools: namesField("Allowed pools"),
  })
  .pipe(WriteLimitsSchema);

export const NO_WRITE_LIMITS: WriteLimits = Object.freeze({});

export function hasWriteLimits(limits: WriteLimits | null | undefined): limits is WriteLimits {
  return !!limits && Object.values(limits).some((v) => v !== undefined);
}

/**
 * Limits as stored (a JSON column): parsed strictly. Unreadable stored limits fail closed — the
 * credential may not write at all until an admin sets them again — rather than silently lifting caps.
 */
export function storedWriteLimits(value: unknown): WriteLimits {
  if (value === null || value === undefined) return NO_WRITE_LIMITS;
  const parsed = WriteLimitsSchema.safeParse(value);
  return parsed.success ? parsed.data : { maxWritesPerDay: 0 };
}

/** The limits to store: null when nothing is capped. */
export function writeLimitsColumn(limits: WriteLimits | null | undefined): WriteLimits | null {
  if (!hasWriteLimits(limits)) return null;
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as WriteLimits;
}

/** How a refusal names what holds the limit: "This key may …", "This connected app may …". */
export function limitHolderNoun(credentialType: string, oauth = false): string {
  if (oauth || credentialType === "oauth") return "connected app";
  if (credentialType === "slack") return "Slack connection";
  return credentialType === "key" ? "key" : `${credentialType} connection`;
}

/** What one write request would do, in the terms the limits speak (resolved from its arguments). */
export type WriteLimitSubject = {
  /** Points awarded or redeemed. */
  points?: number;
  /** Coupon codes generated (top-up, a new pool's initial codes). */
  codes?: number;
  /** Names of the tiers of the members the write touches (current and, for a tier change, target). */
  tiers?: string[];
  /** Name of the coupon pool the write touches. */
  pool?: string;
};

/** How many writes the credential has already used today (in the tenant's time zone). */
export type WriteLimitUsage = { writesToday: number };

export type WriteLimitDecision =
  | { allowed: true }
  | {
      allowed: false;
      code: "limit_exceeded";
      message: string;
      details: { limit: keyof WriteLimits; cap: number | string[]; requested: number | string };
    };

const ASK = "ask an admin to raise the limit";

function refuse(limit: keyof WriteLimits, cap: number | string[], requested: number | string, message: string): WriteLimitDecision {
  return { allowed: false, code: "limit_exceeded", message, details: { limit, cap, requested } };
}

function within(names: readonly string[], name: string): boolean {
  const wanted = name.toLowerCase();
  return names.some((n) => n.toLowerCase() === wanted);
}

/**
 * Decides one write against the credential's limits. `usage` is the count of writes already used
 * today (requests queued, or requests executed when an approver executes). `credentialNoun` names
 * what holds the limit in the message ("key", "connected app", "Slack connection").
 */
export function checkWriteLimits(
  limits: WriteLimits | null | undefined,
  operation: string,
  subject: WriteLimitSubject,
  usage: WriteLimitUsage | null,
  options: { credentialNoun?: string; phase?: "request" | "execute" } = {},
): WriteLimitDecision {
  if (!limits) return { allowed: true };
  const holder = `This ${options.credentialNoun ?? "key"}`;
  const { maxPointsPerRequest, maxCodesPerRequest, maxWritesPerDay, allowedTiers, allowedPools } = limits;
  if (maxPointsPerRequest !== undefined && subject.points !== undefined && subject.points > maxPointsPerRequest) {
    const verb = operation === "redeem_points" ? "redeem" : "award";
    return refuse("maxPointsPerRequest", maxPointsPerRequest, subject.points, `${holder} may ${verb} at most ${maxPointsPerRequest} points per request (${subject.points} requested); ${ASK}.`);
  }
  if (maxCodesPerRequest !== undefined && subject.codes !== undefined && subject.codes > maxCodesPerRequest) {
    return refuse("maxCodesPerRequest", maxCodesPerRequest, subject.codes, `${holder} may add at most ${maxCodesPerRequest} coupon codes per request (${subject.codes} requested); ${ASK}.`);
  }
  if (allowedTiers && subject.tiers) {
    const outside = subject.tiers.find((t) => !within(allowedTiers, t));
    if (outside !== undefined) {
      return refuse("allowedTiers", allowedTiers, outside, `${holder} may only write to members of the tiers ${allowedTiers.join(", ")}, not ${outside}; ask an admin to allow that tier.`);
    }
  }
  if (allowedPools && subject.pool !== undefined && !within(allowedPools, subject.pool)) {
    return refuse("allowedPools", allowedPools, subject.pool, `${holder} may only write to the coupon pools ${allowedPools.join(", ")}, not ${subject.pool}; ask an admin to allow that pool.`);
  }
  if (maxWritesPerDay !== undefined && usage && usage.writesToday >= maxWritesPerDay) {
    const plural = maxWritesPerDay === 1 ? "write" : "writes";
    const message =
      options.phase === "execute"
        ? `${holder} may have at most ${maxWritesPerDay} ${plural} executed per day and has reached it today; approve this one tomorrow, or ${ASK}.`
        : `${holder} may request at most ${maxWritesPerDay} ${plural} per day and has reached it today; try again tomorrow, or ${ASK}.`;
    return refuse("maxWritesPerDay", maxWritesPerDay, usage.writesToday + 1, message);
  }
  return { allowed: true };
}

/** One line per cap, for the console, the CLI and an approver's view. */
export function describeWriteLimits(limits: WriteLimits | null | undefined): string[] {
  if (!hasWriteLimits(limits)) return [];
  const lines: string[] = [];
  if (limits.maxPointsPerRequest !== undefined) lines.push(`at most ${limits.maxPointsPerRequest} points per award or redemption`);
  if (limits.maxCodesPerRequest !== undefined) lines.push(`at most ${limits.maxCodesPerRequest} codes per top-up or new pool`);
  if (limits.maxWritesPerDay === 0) lines.push("writes paused (0 write requests per day)");
  else if (limits.maxWritesPerDay !== undefined) lines.push(`at most ${limits.maxWritesPerDay} write requests per day`);
  if (limits.allowedTiers) lines.push(`members of ${limits.allowedTiers.join(", ")} only`);
  if (limits.allowedPools) lines.push(`pools ${limits.allowedPools.join(", ")} only`);
  return lines;
}
