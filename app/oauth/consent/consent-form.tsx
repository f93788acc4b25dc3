"use client";

import { useActionState, useEffect, useMemo, useState } from "react";
import { Notice, buttonStyles } from "@/components/console/ui";
import { WriteLimitsFields } from "@/components/console/write-limits-fields";
import { consentAction, type ConsentActionState } from "./actions";

export type ConsentTenant = { slug: string; name: string; roles: string[]; mayGrantAdminScopes: boolean; tiers: string[] };
export type ConsentScope = { scope: string; kind: "read" | "write"; description: string };

type Props = {
  params: Record<string, string>;
  csrf: string;
  tenants: ConsentTenant[];
  presets: { name: string; label: string; scopes: string[] }[];
  adminScopes: ConsentScope[];
  initialPreset: string;
  initialScopes: string[];
};

export function ConsentForm({ params, csrf, tenants, presets, adminScopes, initialPreset, initialScopes }: Props) {
  const [tenant, setTenant] = useState(tenants[0]?.slug ?? "");
  const [preset, setPreset] = useState(initialPreset);
  const [state, act, pending] = useActionState<ConsentActionState, FormData>(consentAction, { status: "idle" });
  const current = useMemo(() => tenants.find((t) => t.slug === tenant), [tenants, tenant]);
  const mayGrant = current?.mayGrantAdminScopes ?? false;
  const writeScopeNames = useMemo(() => new Set(adminScopes.filter((s) => s.kind === "write").map((s) => s.scope)), [adminScopes]);
  // Write limits are chosen with the write scopes they cap, as on a key.
  const [writes, setWrites] = useState<ReadonlySet<string>>(() => new Set(initialScopes.filter((s) => writeScopeNames.has(s))));

  useEffect(() => {
    // A plain navigation (not a form submission) to the client's redirect URI.
    if (state.status === "redirect") window.location.assign(state.location);
  }, [state]);

  return (
    <form action={act} className="space-y-5" data-testid="consent-form">
      {Object.entries(params).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <input type="hidden" name="csrf" value={csrf} />

      <fieldset>
        <legend className="text-sm font-semibold text-slate-800">Tenant</legend>
        {tenants.length === 1 ? (
          <p className="mt-1 text-sm text-slate-700">
            <input type="hidden" name="tenant" value={tenant} />
            {current?.name} <span className="text-slate-500">({tenant})</span>
          </p>
        ) : (
          <div className="mt-1 space-y-1">
            {tenants.map((t) => (
              <label key={t.slug} className="flex items-center gap-2 text-sm">
                <input type="radio" name="tenant" value={t.slug} checked={tenant === t.slug} onChange={() => setTenant(t.slug)} />
                {t.name} <span className="text-slate-500">({t.slug} · {t.roles.join(", ")})</span>
              </label>
            ))}
          </div>
        )}
      </fieldset>

      <fieldset>
        <legend className="text-sm font-semibold text-slate-800">Access</legend>
        <div className="mt-1 space-y-1">
          {presets.map((p) => (
            <label key={p.name} className="flex items-start gap-2 text-sm">
              <input type="radio" name="preset" value={p.name} checked={preset === p.name} onChange={() => setPreset(p.name)} className="mt-1" />
              <span>
                {p.label} <span className="font-mono text-xs text-slate-500">{p.scopes.join(" ")}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      <fieldset>
        <legend className="text-sm font-semibold text-slate-800">Extra scopes</legend>
        {!mayGrant ? <p className="mt-1 text-xs text-slate-500">Only a tenant admin can grant these to an app.</p> : null}
        <div className="mt-1 space-y-1">
          {adminScopes.map((s) => (
            <label key={s.scope} className={`flex items-start gap-2 text-sm ${mayGrant ? "" : "text-slate-400"}`}>
              <input
                type="checkbox"
                name="scopes"
                value={s.scope}
                defaultChecked={mayGrant && initialScopes.includes(s.scope)}
                disabled={!mayGrant}
                className="mt-1"
                onChange={(e) => {
                  if (s.kind !== "write") return;
                  const next = new Set(writes);
                  if (e.target.checked) next.add(s.scope);
                  else next.delete(s.scope);
                  setWrites(next);
                }}
              />
              <span>
                <span className="font-mono text-xs">{s.scope}</span> — {s.description}
                {s.kind === "write" ? " Writes are requests an approver must approve." : ""}
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      {mayGrant && writes.size ? <WriteLimitsFields key={tenant} tiers={current?.tiers ?? []} idPrefix="consent-limits" /> : null}

      {state.status === "error" ? (
        <Notice tone="error">
          <span data-testid="consent-error" data-code={state.code}>
            {state.message}
          </span>
        </Notice>
      ) : null}

      <div className="flex gap-2">
        <button type="submit" name="decision" value="allow" className={buttonStyles.primary} disabled={pending || state.status === "redirect"}>
          Allow
        </button>
        <button type="submit" name="decision" value="deny" className={buttonStyles.secondary} disabled={pending || state.status === "redirect"}>
          Deny
        </button>
      </div>
    </form>
  );
}
