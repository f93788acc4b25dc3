"use client";

import { useState, useTransition } from "react";
import { Badge, EmptyState, Notice, buttonStyles, inputStyles, type BadgeTone } from "@/components/console/ui";
import { formatDateTime } from "@/components/console/format";
import type { DecisionOutcome } from "@/lib/console/approvals";
import { FOUR_EYES_EXPLANATION, describeAge, describeExpiry, type ApprovalItem } from "@/lib/console/approvals-view";
import { decideApprovalAction } from "../actions";

type Decided = Extract<DecisionOutcome, { status: "decided" }>;

function Requester({ item }: { item: ApprovalItem }) {
  if (!item.requester) return <span className="text-slate-500">an unknown key</span>;
  return (
    <>
      key <span className="font-medium">{item.requester.keyName}</span> <code className="font-mono text-xs">{item.requester.keyPrefix}…</code>
      {", issued by "}
      {item.requester.issuerEmail ?? <span className="text-slate-500">the CLI</span>}
    </>
  );
}

export function ApprovalCard({
  tenant,
  item,
  now,
  onDecided,
}: {
  tenant: string;
  item: ApprovalItem;
  now: string;
  onDecided: (item: ApprovalItem, outcome: Decided) => void;
}) {
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  function decide(decision: "approve" | "reject") {
    const form = new FormData();
    form.set("tenant", tenant);
    form.set("requestId", item.id);
    form.set("decision", decision);
    if (decision === "reject") form.set("reason", reason);
    setError(null);
    startTransition(async () => {
      const result = await decideApprovalAction(form);
      if (result.status === "decided") onDecided(item, result);
      else setError(result.message);
    });
  }

  return (
    <article className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="approval-card" data-request-id={item.id} aria-label={item.operationTitle}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <h2 className="font-semibold">{item.operationTitle}</h2>
          <p className="mt-0.5 text-sm text-slate-800">{item.summary}</p>
        </div>
        <div className="flex flex-wrap gap-1 text-xs">
          <Badge tone="amber">waiting</Badge>
          <span className="text-slate-600" title={formatDateTime(item.createdAt)}>
            {describeAge(item.createdAt, now)}
          </span>
          <span className="text-slate-400">·</span>
          <span className="text-slate-600" title={formatDateTime(item.expiresAt)}>
            {describeExpiry(item.expiresAt, now)}
          </span>
        </div>
      </div>
      <p className="mt-2 text-sm text-slate-600">
        Asked by <Requester item={item} />
      </p>
      {item.requester?.writeLimits.length ? (
        <p className="mt-1 text-xs text-amber-800" data-testid="requester-limits">
          The key&apos;s write limits (checked again when you approve): {item.requester.writeLimits.join("; ")}
        </p>
      ) : null}

      {item.changes.length ? (
        <div className="mt-3 overflow-x-auto">
          <table className="text-sm" data-testid="preview-changes">
            <caption className="mb-1 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">Preview: before → after</caption>
            <tbody className="divide-y divide-slate-100">
              {item.changes.map((c, i) => (
                <tr key={`${c.target}-${c.field}-${i}`}>
                  <td className="py-1 pr-6 align-top text-slate-600">
                    {c.target} <span className="text-slate-400">·</span> {c.field}
                  </td>
                  <td className="py-1 align-top font-mono text-xs whitespace-nowrap">
                    <span className="text-slate-500 line-through decoration-slate-300">{c.before}</span> <span aria-hidden>→</span>
                    <span className="sr-only">becomes</span> <span className="font-semibold text-slate-900">{c.after}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {item.warnings.map((w) => (
        <div key={w} className="mt-2">
          <Notice tone="warning">{w}</Notice>
        </div>
      ))}

      <details className="mt-3 text-sm">
        <summary className="cursor-pointer text-slate-600 hover:text-slate-900">
          Exact arguments <code className="font-mono text-xs">{item.operation}</code>
        </summary>
        <pre className="mt-1 overflow-x-auto rounded bg-slate-50 p-2 font-mono text-xs" data-testid="request-arguments">
          {item.argumentsJson}
        </pre>
      </details>

      {item.selfIssued ? (
        <div className="mt-3" data-testid="four-eyes">
          <Notice tone="warning">{FOUR_EYES_EXPLANATION}</Notice>
        </div>
      ) : null}
      {error ? (
        <div className="mt-3">
          <Notice tone="error">{error}</Notice>
        </div>
      ) : null}

      {rejecting ? (
        <form
          className="mt-3 space-y-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim().length < 3) {
              setError("Give a reason for rejecting (at least 3 characters) so the requester knows why.");
              return;
            }
            decide("reject");
          }}
        >
          <label className="block text-sm font-medium">
            Reason for rejecting (the agent sees it)
            <textarea
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
                setError(null);
              }}
              autoFocus
              rows={2}
              maxLength={500}
              className={`mt-1 ${inputStyles}`}
              placeholder="e.g. Summer campaign is over; no more codes."
            />
          </label>
          <div className="flex flex-col gap-2 sm:flex-row sm:justify-end">
            <button type="button" className={buttonStyles.secondary} onClick={() => setRejecting(false)} disabled={pending}>
              Cancel
            </button>
            <button type="submit" className={buttonStyles.danger} disabled={pending}>
              {pending ? "Rejecting…" : "Reject request"}
            </button>
          </div>
        </form>
      ) : (
        <div className="mt-3 flex flex-col gap-2 sm:flex-row sm:justify-end">
          <button type="button" className={`${buttonStyles.secondary} py-2 sm:py-1.5`} onClick={() => setRejecting(true)} disabled={pending}>
            Reject…
          </button>
          <button
            type="button"
            className={`${buttonStyles.primary} py-2 sm:py-1.5`}
            onClick={() => decide("approve")}
            disabled={pending || item.selfIssued}
            title={item.selfIssued ? FOUR_EYES_EXPLANATION : undefined}
          >
            {pending ? "Approving…" : "Approve and execute"}
          </button>
        </div>
      )}
    </article>
  );
}

const OUTCOME_TONE: Record<ApprovalItem["status"], BadgeTone> = {
  pending_approval: "amber",
  approved: "indigo",
  executed: "green",
  failed: "red",
  rejected: "red",
  expired: "slate",
  cancelled: "slate",
};

export function HistoryTable({ items }: { items: ApprovalItem[] }) {
  if (!items.length) return <EmptyState title="No decisions yet">Approved, rejected and expired requests are listed here.</EmptyState>;
  // A list rather than a table, so every field stays readable on a phone.
  return (
    <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white" data-testid="approvals-history">
      {items.map((item) => (
        <li key={item.id} data-testid="history-row" className="grid gap-x-4 gap-y-1 px-4 py-3 text-sm md:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_minmax(0,2fr)]">
          <div className="min-w-0">
            <p className="font-medium">
              {item.operationTitle} <Badge tone={OUTCOME_TONE[item.status]}>{item.status}</Badge>
            </p>
            <p className="text-xs text-slate-600">{item.summary}</p>
            <p className="mt-0.5 text-xs text-slate-500">
              <Requester item={item} /> · asked {formatDateTime(item.createdAt)}
            </p>
          </div>
          <div className="min-w-0 text-xs">
            {item.decidedBy ? (
              <>
                <span className="text-slate-500">Decided by </span>
                <span className="break-all">{item.decidedBy}</span>
                <p className="text-slate-500">{formatDateTime(item.decidedAt)}</p>
              </>
            ) : (
              <span className="text-slate-500">No decision</span>
            )}
          </div>
          <p className="min-w-0 text-xs text-slate-800">{item.outcomeText ?? "—"}</p>
        </li>
      ))}
    </ul>
  );
}
