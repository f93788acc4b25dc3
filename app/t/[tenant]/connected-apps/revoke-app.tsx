"use client";

import { useActionState } from "react";
import { Notice } from "@/components/console/ui";
import { revokeAppAction, type RevokeAppState } from "./actions";

export function RevokeApp({ tenant, grantId, name }: { tenant: string; grantId: string; name: string }) {
  const [state, act, pending] = useActionState<RevokeAppState, FormData>(revokeAppAction, { status: "idle" });
  if (state.status === "done") return <span className="text-xs text-emerald-700">Disconnected</span>;
  return (
    <form action={act} className="space-y-1">
      <input type="hidden" name="tenant" value={tenant} />
      <input type="hidden" name="grantId" value={grantId} />
      <button type="submit" disabled={pending} className="rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50" aria-label={`Disconnect ${name}`}>
        Disconnect
      </button>
      {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
    </form>
  );
}
