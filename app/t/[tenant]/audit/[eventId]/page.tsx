import type { Metadata } from "next";
import type { ReactNode } from "react";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Badge, PageHeader, buttonStyles } from "@/components/console/ui";
import { formatDateTime } from "@/components/console/format";
import { getReadyDb } from "@/lib/db/ready";
import { readAuditEvent } from "@/lib/console/audit-log";
import { requireConsoleUser } from "@/lib/console/session";

export const metadata: Metadata = { title: "Audit event" };
export const dynamic = "force-dynamic";

export default async function AuditEventPage({ params }: { params: Promise<{ tenant: string; eventId: string }> }) {
  const { tenant, eventId } = await params;
  const access = await requireConsoleUser({ tenant, need: "audit.read", from: `/t/${tenant}/audit/${eventId}` });
  const event = await readAuditEvent(await getReadyDb(), access, eventId);
  if (!event) notFound();
  const base = `/t/${access.tenant.slug}/audit`;
  const rows: [string, ReactNode][] = [
    ["Time", formatDateTime(event.occurredAt)],
    ["Actor", <span key="a">{event.actorType} · {event.actorLabel ?? "—"} <span className="font-mono text-xs text-slate-500">{event.actorId ?? ""}</span></span>],
    ["Surface", event.surface],
    ["Action", <span key="ac" className="font-mono">{event.action}</span>],
    ["Target", <span key="t" className="break-all font-mono">{event.target ?? "—"}</span>],
    ["Outcome", <span key="o"><Badge tone={event.outcome === "ok" ? "green" : event.outcome === "pending" ? "amber" : "red"}>{event.outcome}</Badge> {event.errorCode ?? ""}</span>],
    ["Latency", event.latencyMs === null ? "—" : `${event.latencyMs} ms`],
    ["Request id", <span key="r" className="font-mono text-xs">{event.requestId ?? "—"}</span>],
    ["Write request", <span key="w" className="font-mono text-xs">{event.writeRequestId ?? "—"}</span>],
    ["Client", event.clientName ? `${event.clientName} ${event.clientVersion ?? ""}` : "—"],
    ["Chain position", `#${event.seq}`],
    ["Hash", <span key="h" className="break-all font-mono text-xs">{event.hash}</span>],
    ["Previous hash", <span key="p" className="break-all font-mono text-xs">{event.prevHash}</span>],
    ["MAC", event.mac ? <span key="m" className="break-all font-mono text-xs">{event.mac} <span className="text-slate-500">(key {event.macKeyId})</span></span> : `none (hash version ${event.hashVersion}, before keyed events)`],
  ];
  return (
    <>
      <PageHeader
        title={`Event ${event.id}`}
        description="Arguments are stored redacted: secrets removed, contact details masked."
        actions={
          <Link href={base} className={buttonStyles.secondary}>
            ← Audit log
          </Link>
        }
      />
      <div className="grid gap-4 lg:grid-cols-2">
        <dl className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
          {rows.map(([label, value]) => (
            <div key={label} className="grid grid-cols-3 gap-2 px-3 py-2">
              <dt className="text-slate-500">{label}</dt>
              <dd className="col-span-2 min-w-0">{value}</dd>
            </div>
          ))}
        </dl>
        <div className="rounded-lg border border-slate-200 bg-white">
          <h2 className="border-b border-slate-200 px-3 py-2 text-sm font-semibold">Arguments (redacted)</h2>
          <pre data-testid="event-arguments" className="overflow-x-auto p-3 font-mono text-xs leading-relaxed">
            {event.arguments === null ? "none" : JSON.stringify(event.arguments, null, 2)}
          </pre>
          <div className="flex flex-wrap gap-3 border-t border-slate-200 px-3 py-2 text-sm">
            {event.actorId ? (
              <Link className={buttonStyles.link} href={`${base}?${new URLSearchParams({ actor: event.actorType === "user" && event.actorLabel ? event.actorLabel : event.actorId })}`}>
                More from this actor
              </Link>
            ) : null}
            <Link className={buttonStyles.link} href={`${base}?${new URLSearchParams({ action: event.action })}`}>
              More {event.action}
            </Link>
            {event.target ? (
              <Link className={buttonStyles.link} href={`${base}?${new URLSearchParams({ q: event.target })}`}>
                Same target
              </Link>
            ) : null}
          </div>
        </div>
      </div>
    </>
  );
}
