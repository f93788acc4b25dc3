// Scopes and presets: what a credential may do. Presets bundle read scopes; PII and write scopes
// are always granted one by one. The guard (lib/governance/guard.ts) decides on these for every call (lib/operations/invoke.ts).
import { z } from "zod";

export const SCOPES = {
  "metrics:read": { kind: "read", description: "Query certified metrics, their definitions and dimension values." },
  "members:read": { kind: "read", description: "Look up members, their tier, points balance and recent ledger (PII masked)." },
  "members:pii": { kind: "read", description: "See members' email and phone unmasked." },
  "coupons:read": { kind: "read", description: "See coupon pools: size, issued, redeemed and remaining codes." },
  "members:write": { kind: "write", description: "Request creating or updating members and changing their tier." },
  "points:write": { kind: "write", description: "Request awarding or redeeming loyalty points." },
  "coupons:write": { kind: "write", description: "Request creating and topping up coupon pools, issuing and voiding coupons." },
  "ambassadors:write": { kind: "write", description: "Request issuing ambassador codes to members." },
} as const satisfies Record<string, { kind: "read" | "write"; description: string }>;

export type Scope = keyof typeof SCOPES;
export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];
export const WRITE_SCOPES = ALL_SCOPES.filter((s) => SCOPES[s].kind === "write");
/** Scopes that are never part of a preset and must be granted explicitly. */
export const GRANTABLE_SCOPES: Scope[] = ["members:pii", ...WRITE_SCOPES];

export const PRESETS = {
  "metrics:read": { label: "Metrics (read-only)", scopes: ["metrics:read"] },
  analyst: { label: "Analyst (metrics, members, coupons; read-only)", scopes: ["metrics:read", "members:read", "coupons:read"] },
} as const satisfies Record<string, { label: string; scopes: readonly Scope[] }>;

export type Preset = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as Preset[];
export const DEFAULT_PRESET: Preset = "metrics:read";

export const ScopeSchema = z.enum(ALL_SCOPES as [Scope, ...Scope[]], {
  error: (issue) => `Unknown scope "${String(issue.input)}". Known scopes: ${ALL_SCOPES.join(", ")}`,
});
export const PresetSchema = z.enum(PRESET_NAMES as [Preset, ...Preset[]], {
  error: (issue) => `Unknown preset "${String(issue.input)}". Presets: ${PRESET_NAMES.join(", ")}`,
});

export class ScopeGrantError extends Error {
  readonly code = "scope_not_grantable";
}

/**
 * The full scope set of a credential: the preset's read scopes plus explicitly granted scopes.
 * Rejects a grant of a read scope a preset already covers only if it is not grantable on its own.
 */
export function resolveScopes(preset: Preset, granted: readonly Scope[] = []): Scope[] {
  for (const scope of granted) {
    if (!GRANTABLE_SCOPES.includes(scope) && !(PRESETS[preset].scopes as readonly Scope[]).includes(scope)) {
      throw new ScopeGrantError(
        `Scope ${scope} comes with a preset, not on its own; choose the "analyst" preset to include it.`,
      );
    }
  }
  const set = new Set<Scope>([...PRESETS[preset].scopes, ...granted]);
  return ALL_SCOPES.filter((s) => set.has(s));
}

export function hasScope(scopes: readonly string[], needed: Scope): boolean {
  return scopes.includes(needed);
}
