"use client";

import { useActionState } from "react";
import { CopyButton } from "@/components/console/copy-button";
import { Notice, buttonStyles, inputStyles } from "@/components/console/ui";
import { configureSourceAction, issueIngestKeyAction, setThresholdAction, type IngestActionState } from "../actions";

function Result({ state }: { state: IngestActionState }) {
  if (state.status === "error") return <Notice tone="error">{state.message}</Notice>;
  if (state.status === "done") return <Notice tone="success">{state.message}</Notice>;
  if (state.status === "secret")
    return (
      <Notice tone="warning">
        <p className="font-medium">{state.label} — shown once; store it now.</p>
        <code className="mt-1 block break-all text-xs" data-testid="ingest-secret">
          {state.secret}
        </code>
        <CopyButton text={state.secret} />
      </Notice>
    );
  return null;
}

export function IngestSettings({ tenant, thresholdHours }: { tenant: string; thresholdHours: number }) {
  const [keyState, keyAction, keyPending] = useActionState(issueIngestKeyAction, { status: "idle" } as IngestActionState);
  const [sourceState, sourceAction, sourcePending] = useActionState(configureSourceAction, { status: "idle" } as IngestActionState);
  const [thresholdState, thresholdAction, thresholdPending] = useActionState(setThresholdAction, { status: "idle" } as IngestActionState);
  return (
    <div className="grid gap-6 md:grid-cols-3">
      <form action={keyAction} className="space-y-2 rounded border border-slate-200 p-4">
        <h2 className="font-semibold">Issue an ingest key</h2>
        <p className="text-xs text-slate-500">Scope ingest:write only: it feeds data through /api/ingest and is refused on /api/mcp.</p>
        <input type="hidden" name="tenant" value={tenant} />
        <input name="name" required maxLength={80} placeholder="e.g. POS nightly export" className={inputStyles} aria-label="Ingest key name" />
        <button type="submit" className={buttonStyles.primary} disabled={keyPending}>
          Issue ingest key
        </button>
        <Result state={keyState} />
      </form>
      <form action={sourceAction} className="space-y-2 rounded border border-slate-200 p-4">
        <h2 className="font-semibold">Shopify webhook</h2>
        <p className="text-xs text-slate-500">Creates the source (or rotates its secret). Orders without a location go to the default store.</p>
        <input type="hidden" name="tenant" value={tenant} />
        <input name="name" required placeholder="source name, e.g. shopify" className={inputStyles} aria-label="Source name" />
        <input name="defaultStore" placeholder="default store code, e.g. S01" className={inputStyles} aria-label="Default store code" />
        <button type="submit" className={buttonStyles.secondary} disabled={sourcePending}>
          Create webhook secret
        </button>
        <Result state={sourceState} />
      </form>
      <form action={thresholdAction} className="space-y-2 rounded border border-slate-200 p-4">
        <h2 className="font-semibold">Staleness threshold</h2>
        <p className="text-xs text-slate-500">Metric answers say &quot;stale&quot; when a source feeding them has sent nothing for longer.</p>
        <input type="hidden" name="tenant" value={tenant} />
        <label className="block text-sm">
          Hours
          <input name="hours" type="number" min="0.1" step="0.1" defaultValue={thresholdHours} className={inputStyles} />
        </label>
        <button type="submit" className={buttonStyles.secondary} disabled={thresholdPending}>
          Save threshold
        </button>
        <Result state={thresholdState} />
      </form>
    </div>
  );
}
