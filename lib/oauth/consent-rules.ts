// Who may grant what at consent. Mirrors the console's key-issuing rules (lib/console/key-scope-rules.ts):
// any member of a tenant may connect an app with a read-only preset ("metrics:read", "analyst");
// only a tenant admin may add the scopes that are never part of a preset — members:pii and the write
// scopes — exactly the scopes only an admin could put on an API key. members:pii needs "analyst".
import type { ConsoleRole } from "@/lib/console/roles";
import { planKeyScopes } from "@/lib/console/key-scope-rules";
import { ALL_SCOPES, DEFAULT_PRESET, GRANTABLE_SCOPES, PRESETS, PRESET_NAMES, type Preset, type Scope } from "@/lib/governance/scopes";

export type ConsentPlan =
  | { ok: true; preset: Preset; scopes: Scope[] }
  | { ok: false; code: "invalid_scope"; reason: "scope_escalation" | "invalid_scope"; message: string };

export function mayGrantAdminScopes(roles: readonly ConsoleRole[]): boolean {
  return roles.includes("admin");
}

/** The grantable (non-preset) scopes a user with `roles` may add at consent. */
export function grantableAtConsent(roles: readonly ConsoleRole[]): Scope[] {
  return mayGrantAdminScopes(roles) ? [...GRANTABLE_SCOPES] : [];
}

export function planConsentScopes(roles: readonly ConsoleRole[], request: { preset?: string | null; grantedScopes?: readonly string[] }): ConsentPlan {
  const extra = [...new Set(request.grantedScopes ?? [])];
  const escalation = extra.filter((s) => (GRANTABLE_SCOPES as string[]).includes(s) && !mayGrantAdminScopes(roles));
  if (escalation.length > 0) {
    return {
      ok: false,
      code: "invalid_scope",
      reason: "scope_escalation",
      message: `Only a tenant admin can grant ${escalation.join(", ")} to an app. Choose a read-only preset, or ask an admin to connect the app.`,
    };
  }
  // Same preset and PII rules as API keys; the admin check was done above.
  const plan = planKeyScopes(["admin"], { preset: request.preset, grantedScopes: extra });
  if (!plan.ok) return { ok: false, code: "invalid_scope", reason: "invalid_scope", message: plan.message };
  return { ok: true, preset: plan.preset, scopes: plan.scopes };
}

/** What the consent page preselects for the scopes a client asked for (never more than the user may grant). */
export function suggestedConsent(roles: readonly ConsoleRole[], requested: readonly string[]): { preset: Preset; grantedScopes: Scope[] } {
  const known = requested.filter((s): s is Scope => (ALL_SCOPES as string[]).includes(s));
  const needsAnalyst = known.some((s) => !(PRESETS[DEFAULT_PRESET].scopes as readonly Scope[]).includes(s) && (PRESETS.analyst.scopes as readonly Scope[]).includes(s)) || known.includes("members:pii");
  const preset: Preset = needsAnalyst ? "analyst" : DEFAULT_PRESET;
  const grantedScopes = known.filter((s) => grantableAtConsent(roles).includes(s));
  return { preset, grantedScopes };
}

/** Scopes a grant still carries now: admin-only scopes lapse when the consenting user is no longer an admin. */
export function effectiveGrantScopes(grantScopes: readonly string[], roles: readonly ConsoleRole[]): string[] {
  return mayGrantAdminScopes(roles) ? [...grantScopes] : grantScopes.filter((s) => !(GRANTABLE_SCOPES as string[]).includes(s));
}

export function isPresetName(value: string): value is Preset {
  return (PRESET_NAMES as string[]).includes(value);
}
