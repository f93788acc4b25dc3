import type { Metadata } from "next";
import Link from "next/link";
import { Badge, EmptyState, Notice, PageHeader, buttonStyles, inputStyles, tableStyles, type BadgeTone } from "@/components/console/ui";
import { formatDateTime } from "@/components/console/format";
import {
  AUDIT_OUTCOMES,
  AUDIT_SURFACES,
  auditFilterToSearchParams,
  decodeAuditCursor,
  isEmptyFilter,
  parseAuditFilter,
  recentAuditFacets,
} from "@/lib/audit/query-audit-events";
import { getReadyDb } from "@/lib/db/ready";
import { lastAuditCheckpoint, readAuditLog } from "@/lib/console/audit-log";
import { requireConsoleUser } from "@/lib/console/session";
import { VerifyIntegrity } from "./_components/verify-integrity";

export const metadata: Metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ tenant: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const OUTCOME_TONE: Record<string, BadgeTone> = { ok: "green", denied: "red", error: "red", pending: "amber" };

function one(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

function isoMinutesAgo(now: Date, minutes: number): string {
  return new Date(now.getTime() - minutes * 60_000).toISOString().slice(0, 16);
}

export default async function AuditPage({ params, searchParams }: Props) {
  const { tenant } = await params;
  const raw = await searchParams;
  const { filter, problems } = parseAuditFilter(raw);
  const shared = auditFilterToSearchParams(filter).toString();
  const access = await requireConsoleUser({ tenant, need: "audit.read", from: `/t/${tenant}/audit${shared ? `?${shared}` : ""}` });
  const before = decodeAuditCursor(one(raw.before));
  const db = await getReadyDb();
  const [page, facets, checkpoint] = await Promise.all([readAuditLog(db, access, filter, before), recentAuditFacets(db, access.tenant.id), lastAuditCheckpoint(db, access)]);
  const slug = access.tenant.slug;
  const base = `/t/${slug}/audit`;
  const filterQuery = auditFilterToSearchParams(filter);
  const withParams = (extra: Record<string, string>) => {
    const p = new URLSearchParams(filterQuery);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    const s = p.toString();
    return s ? `?${s}` : "";
  };
  const now = new Date();

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every MCP call, console action and CLI command for this tenant: hash-chained, signed with the audit key, append-only, and checkpointed outside the database. Times are UTC."
        actions={<VerifyIntegrity tenant={slug} lastCheckpoint={checkpoint} />}
      />
      <form method="get" className="mb-3 rounded-lg border border-slate-200 bg-white p-3" role="search" aria-label="Filter the audit log">
        <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-4 xl:grid-cols-7">
          <label className="text-xs font-medium text-slate-600">
            From (UTC)
            <input name="from" defaultValue={one(raw.from)} placeholder="2026-11-20 or …T14:30" className={`mt-0.5 ${inputStyles}`} />
          </label>
          <label className="text-xs font-medium text-slate-600">
            To (UTC)
            <input name="to" defaultValue={one(raw.to)} placeholder="2026-11-21" className={`mt-0.5 ${inputStyles}`} />
          </label>
          <label className="text-xs font-medium text-slate-600">
            Actor
            <input name="actor" list="audit-actors" defaultValue={filter.actor ?? ""} placeholder="email or key id" className={`mt-0.5 ${inputStyles}`} />
            <datalist id="audit-actors">
              {facets.actors.map((a) => (
                <option key={a.value} value={a.value}>
                  {a.label}
                </option>
              ))}
            </datalist>
          </label>
          <label className="text-xs font-medium text-slate-600">
            Surface
            <select name="surface" defaultValue={filter.surface ?? ""} className={`mt-0.5 ${inputStyles}`}>
              <option value="">Any</option>
              {AUDIT_SURFACES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label className="text-xs font-medium text-slate-600">
            Action or tool
            <input name="action" list="audit-actions" defaultValue={filter.action ?? ""} placeholder="e.g. key.create" className={`mt-0.5 ${inputStyles}`} />
            <datalist id="audit-actions">
              {facets.actions.map((a) => (
                <option key={a} value={a} />
              ))}
            </datalist>
          </label>
          <label className="text-xs font-medium text-slate-600">
            Outcome
            <select name="outcome" defaultValue={filter.outcome ?? ""} className={`mt-0.5 ${inputStyles}`}>
              <option value="">Any</option>
              {AUDIT_OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </label>
          <label className="text-xs font-medium text-slate-600">
            Target contains
            <input name="q" defaultValue={filter.q ?? ""} placeholder="e.g. key: or a request id" className={`mt-0.5 ${inputStyles}`} />
          </label>
        </div>
        <div className="mt-2 flex flex-wrap items-center gap-2">
          <button type="submit" className={buttonStyles.primary}>
            Apply filters
          </button>
          {!isEmptyFilter(filter) ? (
            <Link href={base} className={buttonStyles.link}>
              Clear
            </Link>
          ) : null}
          <span className="text-xs text-slate-500">Quick range:</span>
          <Link className={buttonStyles.link} href={`${base}?${new URLSearchParams({ ...Object.fromEntries(filterQuery), from: isoMinutesAgo(now, 60) }).toString()}`}>
            last hour
          </Link>
          <Link className={buttonStyles.link} href={`${base}?${new URLSearchParams({ ...Object.fromEntries(filterQuery), from: isoMinutesAgo(now, 24 * 60) }).toString()}`}>
            24 h
          </Link>
          <Link className={buttonStyles.link} href={`${base}?${new URLSearchParams({ ...Object.fromEntries(filterQuery), from: isoMinutesAgo(now, 7 * 24 * 60) }).toString()}`}>
            7 days
          </Link>
          <span className="ml-auto flex gap-2">
            <a href={`${base}/export${withParams({ format: "csv" })}`} className={buttonStyles.secondary} data-testid="export-csv" download>
              Export CSV
            </a>
            <a href={`${base}/export${withParams({ format: "jsonl" })}`} className={buttonStyles.secondary} data-testid="export-jsonl" download>
              Export JSONL
            </a>
          </span>
        </div>
      </form>
      {problems.length ? (
        <div className="mb-3">
          <Notice tone="warning">{problems.join(" ")}</Notice>
        </div>
      ) : null}
      {page.events.length === 0 ? (
        <EmptyState title={isEmptyFilter(filter) ? "No events yet" : "No events match these filters"}>
          {isEmptyFilter(filter) ? "Events appear here as soon as a key or a console user does something." : "Widen the time range or clear a filter."}
        </EmptyState>
      ) : (
        <div className={tableStyles.wrap}>
          <table className={tableStyles.table} data-testid="audit-table">
            <thead className="bg-slate-50">
              <tr>
                <th className={tableStyles.th}>Time</th>
                <th className={tableStyles.th}>Actor</th>
                <th className={`${tableStyles.th} hidden sm:table-cell`}>Surface</th>
                <th className={tableStyles.th}>Action</th>
                <th className={tableStyles.th}>Target</th>
                <th className={tableStyles.th}>Outcome</th>
                <th className={`${tableStyles.th} hidden sm:table-cell`}>Latency</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {page.events.map((e) => (
                <tr key={e.id} data-testid="audit-row" className="hover:bg-slate-50">
                  <td className={`${tableStyles.td} whitespace-nowrap font-mono text-xs`}>
                    <Link href={`${base}/${e.id}`} className="text-indigo-700 hover:underline">
                      {formatDateTime(e.occurredAt).replace(" UTC", "")}
                    </Link>
                  </td>
                  <td className={`${tableStyles.td} max-w-40 truncate text-xs`} title={[e.actorLabel, e.actorId].filter(Boolean).join(" — ") || undefined}>
                    <span className="text-slate-400">{e.actorType}</span> {e.actorLabel ?? e.actorId ?? "—"}
                  </td>
                  <td className={`${tableStyles.td} hidden text-xs sm:table-cell`}>{e.surface}</td>
                  <td className={`${tableStyles.td} font-mono text-xs`}>{e.action}</td>
                  <td className={`${tableStyles.td} max-w-40 truncate font-mono text-xs`} title={e.target ?? undefined}>
                    {e.target ?? "—"}
                  </td>
                  <td className={tableStyles.td}>
                    <Badge tone={OUTCOME_TONE[e.outcome] ?? "slate"}>{e.outcome}</Badge>
                    {e.errorCode ? <div className="mt-0.5 whitespace-nowrap font-mono text-xs text-slate-500">{e.errorCode}</div> : null}
                  </td>
                  <td className={`${tableStyles.td} hidden whitespace-nowrap text-right text-xs tabular-nums sm:table-cell`}>{e.latencyMs === null ? "—" : `${e.latencyMs} ms`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="mt-3 flex items-center justify-between text-sm" aria-label="Pages">
        {before ? (
          <Link href={`${base}${withParams({})}`} className={buttonStyles.link}>
            ← Newest
          </Link>
        ) : (
          <span />
        )}
        {page.nextCursor ? (
          <Link href={`${base}${withParams({ before: page.nextCursor })}`} className={buttonStyles.secondary} data-testid="older-page">
            Older →
          </Link>
        ) : page.events.length ? (
          <span className="text-xs text-slate-500">End of the log for this filter.</span>
        ) : null}
      </nav>
    </>
  );
}
