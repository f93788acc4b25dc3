// Scope-picker rules for issuing a key in the console. Pure, so the form and the server agree and
// the rules are unit-tested: only admins issue keys; a preset gives read scopes only; write scopes
// and members:pii are granted one by one; PII needs a preset that can read members.
import {
  DEFAULT_PRESET,
  GRANTABLE_SCOPES,
  PRESETS,
  PRESET_NAMES,
  SCOPES,
  resolveScopes,
  type Preset,
  type Scope,
} from "@/lib/governance/scopes";
import type { ConsoleRole } from "./roles";

export type ScopeChoice = {
  scope: Scope;
  kind: "read" | "write";
  description: string;
  /** False when the chosen preset makes this grant meaningless (PII without member reads). */
  available: boolean;
  unavailableReason?: string;
};

export type KeyScopePlan =
  | { ok: true; preset: Preset; grantedScopes: Scope[]; scopes: Scope[] }
  | { ok: false; code: "not_admin" | "unknown_preset" | "unknown_scope" | "not_grantable" | "needs_member_reads"; message: string };

function presetScopes(preset: Preset): readonly Scope[] {
  return PRESETS[preset].scopes;
}

/** The grantable scopes for a preset, each with its plain-words description. */
export function scopeChoices(preset: Preset): ScopeChoice[] {
  return GRANTABLE_SCOPES.map((scope) => {
    const needsMembers = scope === "members:pii" && !presetScopes(preset).includes("members:read");
    return {
      scope,
      kind: SCOPES[scope].kind,
      description: SCOPES[scope].description,
      available: !needsMembers,
      ...(needsMembers ? { unavailableReason: `Needs the "analyst" preset, which can look members up.` } : {}),
    };
  });
}

export function isPreset(value: string): value is Preset {
  return (PRESET_NAMES as string[]).includes(value);
}

function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPES, value);
}

/** Decides the scopes of a key an issuer with `issuerRoles` asks for. */
export function planKeyScopes(
  issuerRoles: readonly ConsoleRole[],
  request: { preset?: string | null; grantedScopes?: readonly string[] },
): KeyScopePlan {
  if (!issuerRoles.includes("admin")) {
    return { ok: false, code: "not_admin", message: "Only a tenant admin can issue keys; ask an admin of this tenant." };
  }
  const presetName = request.preset || DEFAULT_PRESET;
  if (!isPreset(presetName)) {
    return { ok: false, code: "unknown_preset", message: `Unknown preset "${presetName}". Presets: ${PRESET_NAMES.join(", ")}.` };
  }
  const granted: Scope[] = [];
  for (const raw of new Set(request.grantedScopes ?? [])) {
    if (!isScope(raw)) return { ok: false, code: "unknown_scope", message: `Unknown scope "${raw}".` };
    if (presetScopes(presetName).includes(raw)) continue;
    if (!GRANTABLE_SCOPES.includes(raw)) {
      return {
        ok: false,
        code: "not_grantable",
        message: `${raw} comes with a preset, not on its own; choose the "analyst" preset to include it.`,
      };
    }
    granted.push(raw);
  }
  if (granted.includes("members:pii") && !presetScopes(presetName).includes("members:read")) {
    return { ok: false, code: "needs_member_reads", message: `members:pii only matters with member look-ups: choose the "analyst" preset.` };
  }
  const ordered = GRANTABLE_SCOPES.filter((s) => granted.includes(s));
  return { ok: true, preset: presetName, grantedScopes: ordered, scopes: resolveScopes(presetName, ordered) };
}

/** Splits a stored key's scopes back into its preset's and the ones granted one by one (for rotation). */
export function grantedScopesOf(preset: string, scopes: readonly string[]): string[] {
  const base: readonly string[] = isPreset(preset) ? presetScopes(preset) : [];
  return scopes.filter((s) => !base.includes(s));
}

export const KEY_EXPIRY_CHOICES = {
  "7d": { label: "7 days", hours: 24 * 7 },
  "30d": { label: "30 days", hours: 24 * 30 },
  "90d": { label: "90 days", hours: 24 * 90 },
  "365d": { label: "1 year", hours: 24 * 365 },
  never: { label: "Never (revoke by hand)", hours: null },
} as const satisfies Record<string, { label: string; hours: number | null }>;
export type KeyExpiryChoice = keyof typeof KEY_EXPIRY_CHOICES;
export const DEFAULT_KEY_EXPIRY: KeyExpiryChoice = "90d";

export const ROTATION_GRACE_CHOICES = {
  "0h": { label: "None: the old key stops now", hours: 0 },
  "1h": { label: "1 hour", hours: 1 },
  "24h": { label: "24 hours", hours: 24 },
  "7d": { label: "7 days", hours: 24 * 7 },
} as const satisfies Record<string, { label: string; hours: number }>;
export type RotationGraceChoice = keyof typeof ROTATION_GRACE_CHOICES;
export const DEFAULT_ROTATION_GRACE: RotationGraceChoice = "24h";

export function expiryFrom(choice: KeyExpiryChoice, now: Date): Date | null {
  const hours = KEY_EXPIRY_CHOICES[choice].hours;
  return hours === null ? null : new Date(now.getTime() + hours * 3_600_000);
}
