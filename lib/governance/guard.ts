// The guard decides; it runs nothing. Given a credential and the operation it asks for (already
// found and its arguments validated by lib/operations/invoke.ts), it answers allowed or denied with
// a reason the caller can act on. Every surface reaches it through invokeOperation, so scope rules
// live here once. It knows operations only by what they require, never the catalogue itself.
import type { Credential } from "./credential";
import { hasScope, type Scope } from "./scopes";

/** What the guard needs to know about an operation. */
export type GuardedOperation = { name: string; kind: "read" | "write"; scope: Scope | readonly Scope[] };

export type GuardDecision = { allowed: true } | { allowed: false; code: "missing_scope"; message: string; details: { requiredScope: string } };

/** The scopes an operation accepts (any one suffices). */
export function requiredScopes(op: GuardedOperation): readonly Scope[] {
  return typeof op.scope === "string" ? [op.scope] : op.scope;
}

export function mayUse(scopes: readonly string[], op: GuardedOperation): boolean {
  return requiredScopes(op).some((s) => hasScope(scopes, s));
}

export function authorize(credential: Credential, op: GuardedOperation): GuardDecision {
  if (!mayUse(credential.scopes, op)) {
    const needed = requiredScopes(op).join(" or ");
    return {
      allowed: false,
      code: "missing_scope",
      message: `This key lacks the scope ${needed}, which ${op.name} needs. Ask an admin of this tenant to issue a key with ${needed}.`,
      details: { requiredScope: needed },
    };
  }
  return { allowed: true };
}
