"use client";

// The queue polls /api/console/<tenant>/approvals with TanStack Query every 5 s (and on focus), so
// a new agent request appears without a reload; after a decision it refetches at once and
// refreshes the server layout so the navigation's count badge follows.
import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { Notice } from "@/components/console/ui";
import type { DecisionOutcome } from "@/lib/console/approvals";
import { ApprovalsSnapshotSchema, type ApprovalItem, type ApprovalsSnapshot } from "@/lib/console/approvals-view";
import { ApprovalCard, HistoryTable } from "./approval-card";

type Tab = "pending" | "history";
type Props = { tenant: string; initial: ApprovalsSnapshot; initialTab: Tab };

export const APPROVALS_POLL_MS = 5_000;

export function ApprovalsClient(props: Props) {
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { retry: 1 } } }));
  return (
    <QueryClientProvider client={client}>
      <Approvals {...props} />
    </QueryClientProvider>
  );
}

class QueueError extends Error {}

async function fetchSnapshot(tenant: string): Promise<ApprovalsSnapshot> {
  const res = await fetch(`/api/console/${encodeURIComponent(tenant)}/approvals`, { cache: "no-store", headers: { Accept: "application/json" } });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const message =
      body && typeof body === "object" && "error" in body && body.error && typeof body.error === "object" && "message" in body.error && typeof body.error.message === "string"
        ? body.error.message
        : `The queue could not be loaded (HTTP ${res.status}).`;
    throw new QueueError(message);
  }
  const parsed = ApprovalsSnapshotSchema.safeParse(body);
  if (!parsed.success) throw new QueueError("The server sent a queue this page does not understand; reload the page.");
  return parsed.data;
}

type Decided = { id: string; outcome: Extract<DecisionOutcome, { status: "decided" }> };

function Approvals({ tenant, initial, initialTab }: Props) {
  const router = useRouter();
  const pathname = usePathname();
  const queryClient = useQueryClient();
  const [tab, setTab] = useState<Tab>(initialTab);
  const [decided, setDecided] = useState<Decided[]>([]);
  const query = useQuery({
    queryKey: ["approvals", tenant],
    queryFn: () => fetchSnapshot(tenant),
    initialData: initial,
    refetchInterval: APPROVALS_POLL_MS,
    refetchOnWindowFocus: true,
  });
  const snapshot = query.data;

  // When the number waiting changes (a new request, or someone else decided), refresh the layout's badge.
  const lastCount = useRef(initial.pending.length);
  useEffect(() => {
    if (snapshot.pending.length !== lastCount.current) {
      lastCount.current = snapshot.pending.length;
      router.refresh();
    }
  }, [snapshot.pending.length, router]);

  function choose(next: Tab) {
    setTab(next);
    window.history.replaceState(null, "", next === "history" ? `${pathname}?tab=history` : pathname);
  }

  function onDecided(item: ApprovalItem, outcome: Extract<DecisionOutcome, { status: "decided" }>) {
    setDecided((d) => [{ id: item.id, outcome }, ...d.filter((x) => x.id !== item.id)].slice(0, 5));
    void queryClient.invalidateQueries({ queryKey: ["approvals", tenant] });
  }

  const tabClass = (t: Tab) =>
    `-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${tab === t ? "border-indigo-600 text-indigo-700" : "border-transparent text-slate-600 hover:text-slate-900"}`;

  return (
    <div>
      <div role="tablist" aria-label="Approvals" className="mb-4 flex gap-2 border-b border-slate-200">
        <button type="button" role="tab" aria-selected={tab === "pending"} className={tabClass("pending")} onClick={() => choose("pending")}>
          Waiting{" "}
          <span className="ml-1 rounded-full bg-slate-100 px-1.5 text-xs text-slate-700" data-testid="pending-count">
            {snapshot.pending.length}
          </span>
        </button>
        <button type="button" role="tab" aria-selected={tab === "history"} className={tabClass("history")} onClick={() => choose("history")}>
          History
        </button>
        <span className="ml-auto self-center whitespace-nowrap text-xs text-slate-500" aria-live="polite">
          <span className={`mr-1 inline-block h-1.5 w-1.5 rounded-full align-middle ${query.isError ? "bg-red-500" : query.isFetching ? "bg-indigo-500" : "bg-emerald-500"}`} aria-hidden />
          {query.isError ? "Not updating" : "Live · every 5 s"}
        </span>
      </div>
      {query.isError ? (
        <div className="mb-3">
          <Notice tone="error">{query.error.message}</Notice>
        </div>
      ) : null}
      {decided.length ? (
        <ul className="mb-4 space-y-2" aria-label="Your recent decisions">
          {decided.map(({ id, outcome }) => (
            <li key={id} data-testid="decision-outcome">
              <Notice tone={outcome.outcome === "executed" ? "success" : outcome.outcome === "rejected" ? "info" : "warning"}>
                <span className="font-medium">{outcome.item.operationTitle}:</span> {outcome.message}
              </Notice>
            </li>
          ))}
        </ul>
      ) : null}
      {tab === "pending" ? (
        snapshot.pending.length === 0 ? (
          <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center" data-testid="queue-empty">
            <p className="font-medium text-slate-800">Nothing is waiting for approval</p>
            <p className="mt-1 text-sm text-slate-600">When an agent asks for a change, it shows up here within a few seconds.</p>
          </div>
        ) : (
          <ul className="space-y-3">
            {snapshot.pending.map((item) => (
              <li key={item.id}>
                <ApprovalCard tenant={tenant} item={item} now={snapshot.now} onDecided={onDecided} />
              </li>
            ))}
          </ul>
        )
      ) : (
        <HistoryTable items={snapshot.history} />
      )}
    </div>
  );
}
