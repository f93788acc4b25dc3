// Write limits as an admin types them — console key form, key page, consent page, CLI flags —
// validated, checked against the tenant's tiers, and ready to store on the key row.
import type { DbOrTx } from "@/lib/db/transaction";
import { literal } from "@/lib/db/like";
import { SCOPES, type Scope } from "@/lib/governance/scopes";
import { writeLimitsColumn, WriteLimitsInputSchema, type WriteLimits } from "@/lib/governance/write-limits";
import { ConsoleInputError } from "./input-error";

/** The form fields (console) and flags (CLI) that carry limits, by WriteLimits field. */
export const WRITE_LIMIT_FIELDS = {
  maxPointsPerRequest: { form: "maxPointsPerRequest", flag: "max-points", label: "Points per award or redemption" },
  maxCodesPerRequest: { form: "maxCodesPerRequest", flag: "max-codes", label: "Codes per top-up or new pool" },
  maxWritesPerDay: { form: "maxWritesPerDay", flag: "max-writes-per-day", label: "Write requests per day" },
  allowedTiers: { form: "allowedTiers", flag: "tiers", label: "Allowed member tiers" },
  allowedPools: { form: "allowedPools", flag: "pools", label: "Allowed coupon pools" },
} as const satisfies Record<keyof WriteLimits, { form: string; flag: string; label: string }>;

export function hasWriteScope(scopes: readonly string[]): boolean {
  return scopes.some((s) => Object.hasOwn(SCOPES, s) && SCOPES[s as Scope].kind === "write");
}

/**
 * Parses limits as typed (blank = no cap) and checks them against the tenant: limits only make
 * sense with a write scope, and tiers must exist (a typo would silently block every write). Pools
 * may be named before they exist, so a key can be allowed to create exactly the pool it is for.
 */
export async function planWriteLimits(db: DbOrTx, tenantId: string, scopes: readonly string[], raw: unknown): Promise<WriteLimits | null> {
  const parsed = WriteLimitsInputSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConsoleInputError("invalid_limits", `${parsed.error.issues.map((i) => i.message).join("; ")}.`);
  const limits = writeLimitsColumn(parsed.data);
  if (!limits) return null;
  if (!hasWriteScope(scopes)) {
    throw new ConsoleInputError("limits_without_write_scope", "Write limits apply to write scopes; grant a write scope too, or leave the limits blank.");
  }
  if (limits.allowedTiers) {
    const tiers = await db.tier.findMany({ where: { tenantId }, orderBy: { rank: "asc" }, select: { name: true } });
    const names = tiers.map((t) => t.name);
    const canonical = limits.allowedTiers.map((wanted) => names.find((n) => n.toLowerCase() === wanted.toLowerCase()) ?? wanted);
    const unknown = canonical.filter((t) => !names.includes(t));
    if (unknown.length) throw new ConsoleInputError("unknown_tier", `No tier ${unknown.map((t) => `"${t}"`).join(", ")} in this tenant. Tiers: ${names.join(", ")}.`);
    limits.allowedTiers = canonical;
  }
  if (limits.allowedPools) {
    // Use the pools' own spelling where they exist.
    const pools = await db.couponPool.findMany({ where: { tenantId, OR: limits.allowedPools.map((p) => ({ name: { equals: literal(p), mode: "insensitive" as const } })) }, select: { name: true } });
    limits.allowedPools = limits.allowedPools.map((p) => pools.find((x) => x.name.toLowerCase() === p.toLowerCase())?.name ?? p);
  }
  return limits;
}

/** Reads limit fields from a submitted form (each field by its form name). */
export function writeLimitsFromForm(form: FormData): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [field, spec] of Object.entries(WRITE_LIMIT_FIELDS)) {
    const values = form.getAll(spec.form).filter((v): v is string => typeof v === "string");
    if (values.length) out[field] = values.length === 1 ? (values[0] ?? "") : values;
  }
  return out;
}

