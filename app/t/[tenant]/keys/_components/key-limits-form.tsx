"use client";

import { useActionState } from "react";
import { Notice, buttonStyles } from "@/components/console/ui";
import { WriteLimitsFields } from "@/components/console/write-limits-fields";
import type { WriteLimits } from "@/lib/governance/write-limits";
import { updateKeyLimitsAction, type KeyActionState } from "../actions";

type Props = { tenant: string; keyId: string; tiers: string[]; limits: WriteLimits };

export function KeyLimitsForm({ tenant, keyId, tiers, limits }: Props) {
  const [state, action, pending] = useActionState<KeyActionState, FormData>(updateKeyLimitsAction, { status: "idle" });
  return (
    <form action={action} className="space-y-3" aria-label="Change write limits">
      <input type="hidden" name="tenant" value={tenant} />
      <input type="hidden" name="keyId" value={keyId} />
      <WriteLimitsFields tiers={tiers} defaults={limits} idPrefix="key-limits" legend="Change the limits" />
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      {state.status === "done" ? <Notice tone="success">{state.message}</Notice> : null}
      <button type="submit" className={buttonStyles.primary} disabled={pending}>
        {pending ? "Saving…" : "Save limits"}
      </button>
    </form>
  );
}
