"use client";

import { useActionState, useState } from "react";
import { Modal } from "@/components/console/modal";
import { Notice, buttonStyles, inputStyles } from "@/components/console/ui";
import { WriteLimitsFields } from "@/components/console/write-limits-fields";
import { issueKeyAction, type KeyActionState } from "../actions";
import { SecretDialog } from "./secret-dialog";

export type PresetOption = { value: string; label: string; scopes: string[] };
export type ScopeOption = { scope: string; kind: string; description: string; available: boolean; unavailableReason?: string };
export type ExpiryOption = { value: string; label: string };

type Props = {
  tenant: string;
  presets: PresetOption[];
  scopeChoices: Record<string, ScopeOption[]>;
  expiries: ExpiryOption[];
  defaultPreset: string;
  defaultExpiry: string;
  /** The tenant's tiers, for the write limits. */
  tiers: string[];
};

export function IssueKey({ tenant, presets, scopeChoices, expiries, defaultPreset, defaultExpiry, tiers }: Props) {
  const [open, setOpen] = useState(false);
  const [preset, setPreset] = useState(defaultPreset);
  // Write limits are asked for with the write scopes they cap.
  const [writeScopes, setWriteScopes] = useState<ReadonlySet<string>>(new Set());
  const [shown, setShown] = useState<KeyActionState>({ status: "idle" });
  const [state, action, pending] = useActionState<KeyActionState, FormData>(async (prev, form) => {
    const result = await issueKeyAction(prev, form);
    if (result.status === "issued") {
      setShown(result);
      setOpen(false);
    }
    return result;
  }, { status: "idle" });

  const choices = scopeChoices[preset] ?? [];
  const presetScopes = presets.find((p) => p.value === preset)?.scopes ?? [];

  return (
    <>
      <button type="button" className={buttonStyles.primary} onClick={() => setOpen(true)}>
        Issue key
      </button>
      <Modal open={open} title="Issue an API key" onRequestClose={() => setOpen(false)} testId="issue-key-dialog">
        <form action={action} className="space-y-4">
          <input type="hidden" name="tenant" value={tenant} />
          <label className="block text-sm font-medium">
            Name
            <input name="name" required maxLength={80} placeholder="e.g. Ana's Claude Code" className={`mt-1 ${inputStyles}`} />
            <span className="mt-1 block text-xs font-normal text-slate-500">Who or what will use it; shown in the audit log.</span>
          </label>
          <fieldset>
            <legend className="text-sm font-medium">Preset (read access)</legend>
            <div className="mt-1 space-y-1">
              {presets.map((p) => (
                <label key={p.value} className="flex items-start gap-2 text-sm">
                  <input type="radio" name="preset" value={p.value} checked={preset === p.value} onChange={() => setPreset(p.value)} className="mt-1" />
                  <span>
                    <span className="font-medium">{p.value}</span> — {p.label}
                  </span>
                </label>
              ))}
            </div>
            <p className="mt-1 text-xs text-slate-500">Includes: {presetScopes.join(", ")}</p>
          </fieldset>
          <fieldset>
            <legend className="text-sm font-medium">Extra scopes, granted one by one</legend>
            <p className="text-xs text-slate-500">Writes are never run directly: each becomes a request that an approver must approve.</p>
            <div className="mt-2 space-y-2">
              {choices.map((c) => (
                <label key={c.scope} className={`flex items-start gap-2 text-sm ${c.available ? "" : "opacity-50"}`}>
                  <input
                    type="checkbox"
                    name="scopes"
                    value={c.scope}
                    disabled={!c.available}
                    className="mt-1"
                    aria-describedby={`scope-${c.scope}`}
                    onChange={(e) => {
                      if (c.kind !== "write") return;
                      const next = new Set(writeScopes);
                      if (e.target.checked) next.add(c.scope);
                      else next.delete(c.scope);
                      setWriteScopes(next);
                    }}
                  />
                  <span>
                    <span className="font-mono text-xs font-semibold">{c.scope}</span>{" "}
                    {c.kind === "write" ? <span className="text-xs text-amber-700">(write)</span> : <span className="text-xs text-slate-500">(read)</span>}
                    <span id={`scope-${c.scope}`} className="block text-slate-600">
                      {c.description}
                      {c.unavailableReason ? ` ${c.unavailableReason}` : ""}
                    </span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          {writeScopes.size ? <WriteLimitsFields tiers={tiers} idPrefix="issue-limits" /> : null}
          <label className="block text-sm font-medium">
            Expires after
            <select name="expiry" defaultValue={defaultExpiry} className={`mt-1 ${inputStyles}`}>
              {expiries.map((e) => (
                <option key={e.value} value={e.value}>
                  {e.label}
                </option>
              ))}
            </select>
          </label>
          {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
          <div className="flex justify-end gap-2">
            <button type="button" className={buttonStyles.secondary} onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" className={buttonStyles.primary} disabled={pending}>
              {pending ? "Issuing…" : "Issue key"}
            </button>
          </div>
        </form>
      </Modal>
      {shown.status === "issued" ? <SecretDialog issued={shown.key} rotated={shown.rotated} onClose={() => setShown({ status: "idle" })} /> : null}
    </>
  );
}
