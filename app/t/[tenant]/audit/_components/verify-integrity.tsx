"use client";

import { useActionState } from "react";
import { Notice, buttonStyles } from "@/components/console/ui";
import { formatDateTime } from "@/components/console/format";
import { verifyAuditLogAction, type VerifyState } from "../actions";

export type LastCheckpoint = { seq: string; hash: string; at: string; keyId: string } | null;

export function VerifyIntegrity({ tenant, lastCheckpoint }: { tenant: string; lastCheckpoint: LastCheckpoint }) {
  const [state, action, pending] = useActionState<VerifyState, FormData>(verifyAuditLogAction, { status: "idle" });
  return (
    <div className="flex flex-col items-end gap-2">
      <form action={action}>
        <input type="hidden" name="tenant" value={tenant} />
        <button type="submit" className={buttonStyles.secondary} disabled={pending}>
          {pending ? "Verifying…" : "Verify integrity"}
        </button>
      </form>
      <p className="max-w-xs text-right text-xs text-slate-500" data-testid="last-checkpoint">
        {lastCheckpoint ? (
          <>
            Last signed checkpoint: event #{lastCheckpoint.seq} at {formatDateTime(lastCheckpoint.at)} (key {lastCheckpoint.keyId},{" "}
            <span className="font-mono">{lastCheckpoint.hash.slice(0, 12)}…</span>)
          </>
        ) : (
          "No signed checkpoint yet: the app writes one every minute (or run npx socode audit:checkpoint)."
        )}
      </p>
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      {state.status === "verified" && state.ok ? (
        <div data-testid="verify-result">
          <Notice tone="success">
            Intact: all {state.checked.toLocaleString("en-US")} events of this tenant link up and match their hashes
            {state.keyed ? `, ${state.keyed.toLocaleString("en-US")} carry a valid MAC` : ""}
            {state.checkpoint ? `, and the log reaches the signed checkpoint at event #${state.checkpoint.seq}` : ""} (checked {formatDateTime(state.at)}).
          </Notice>
        </div>
      ) : null}
      {state.status === "verified" && !state.ok ? (
        <div data-testid="verify-result">
          <Notice tone="error">
            Broken at event #{state.brokenAtSeq}
            {state.eventId ? ` (id ${state.eventId})` : ""}: {state.reason}. {state.checked.toLocaleString("en-US")} events before it are intact.
            Preserve the database and tell your security team.
          </Notice>
        </div>
      ) : null}
    </div>
  );
}
