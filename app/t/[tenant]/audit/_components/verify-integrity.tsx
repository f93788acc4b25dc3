"use client";

import { useActionState } from "react";
import { Notice, buttonStyles } from "@/components/console/ui";
import { formatDateTime } from "@/components/console/format";
import { verifyAuditLogAction, type VerifyState } from "../actions";

export function VerifyIntegrity({ tenant }: { tenant: string }) {
  const [state, action, pending] = useActionState<VerifyState, FormData>(verifyAuditLogAction, { status: "idle" });
  return (
    <div className="flex flex-col items-end gap-2">
      <form action={action}>
        <input type="hidden" name="tenant" value={tenant} />
        <button type="submit" className={buttonStyles.secondary} disabled={pending}>
          {pending ? "Verifying…" : "Verify integrity"}
        </button>
      </form>
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
      {state.status === "verified" && state.ok ? (
        <div data-testid="verify-result">
          <Notice tone="success">
            Intact: all {state.checked.toLocaleString("en-US")} events of this tenant link up and match their hashes (checked {formatDateTime(state.at)}).
          </Notice>
        </div>
      ) : null}
      {state.status === "verified" && !state.ok ? (
        <div data-testid="verify-result">
          <Notice tone="error">
            Broken at event #{state.brokenAtSeq} (id {state.eventId}): {state.reason}. {state.checked.toLocaleString("en-US")} events before it are intact.
            Preserve the database and tell your security team.
          </Notice>
        </div>
      ) : null}
    </div>
  );
}
