// The write-limit fields an admin fills in with the write scopes: on the issue-key form, the key's
// page and the OAuth consent page. Blank means "no cap"; the server validates (lib/console/write-limits-plan.ts).
import type { WriteLimits } from "@/lib/governance/write-limits";
import { inputStyles } from "./ui";

type Props = {
  /** The tenant's tiers, offered as checkboxes (none ticked: any tier). */
  tiers: string[];
  defaults?: WriteLimits;
  /** Distinguishes ids when the fields appear more than once on a page. */
  idPrefix?: string;
  legend?: string;
};

function NumberField({ name, label, hint, value, min }: { name: string; label: string; hint: string; value?: number; min: number }) {
  return (
    <label className="block text-sm font-medium">
      {label}
      <input
        type="number"
        name={name}
        min={min}
        step={1}
        inputMode="numeric"
        defaultValue={value ?? ""}
        placeholder="no cap"
        className={`mt-1 ${inputStyles}`}
      />
      <span className="mt-0.5 block text-xs font-normal text-slate-500">{hint}</span>
    </label>
  );
}

export function WriteLimitsFields({ tiers, defaults = {}, idPrefix = "limits", legend = "Write limits" }: Props) {
  const allowed = new Set((defaults.allowedTiers ?? []).map((t) => t.toLowerCase()));
  return (
    <fieldset className="rounded-md border border-amber-200 bg-amber-50/40 p-3" data-testid="write-limits-fields">
      <legend className="px-1 text-sm font-medium">{legend}</legend>
      <p className="text-xs text-slate-600">
        Checked when the agent asks and again when an approver executes. Leave a field blank for no cap.
      </p>
      <div className="mt-2 grid gap-3 sm:grid-cols-3">
        <NumberField name="maxPointsPerRequest" label="Points per award or redemption" hint="e.g. 500" value={defaults.maxPointsPerRequest} min={1} />
        <NumberField name="maxCodesPerRequest" label="Codes per top-up or new pool" hint="e.g. 1000" value={defaults.maxCodesPerRequest} min={1} />
        <NumberField name="maxWritesPerDay" label="Write requests per day" hint="In the tenant's time zone; 0 pauses writes" value={defaults.maxWritesPerDay} min={0} />
      </div>
      {tiers.length ? (
        <div className="mt-3">
          <p className="text-sm font-medium" id={`${idPrefix}-tiers`}>
            Only members of these tiers
          </p>
          <div className="mt-1 flex flex-wrap gap-3" role="group" aria-labelledby={`${idPrefix}-tiers`}>
            {tiers.map((t) => (
              <label key={t} className="flex items-center gap-1.5 text-sm">
                <input type="checkbox" name="allowedTiers" value={t} defaultChecked={allowed.has(t.toLowerCase())} />
                {t}
              </label>
            ))}
          </div>
          <p className="mt-0.5 text-xs text-slate-500">None ticked: any tier.</p>
        </div>
      ) : null}
      <label className="mt-3 block text-sm font-medium">
        Only these coupon pools
        <input name="allowedPools" defaultValue={(defaults.allowedPools ?? []).join(", ")} placeholder="any pool — or e.g. Summer, Winter" maxLength={1000} className={`mt-1 ${inputStyles}`} />
        <span className="mt-0.5 block text-xs font-normal text-slate-500">Pool names, comma-separated; a name may be a pool the key is to create.</span>
      </label>
    </fieldset>
  );
}
