// The tenant overview's figures, from the audit log (MCP calls by local day and outcome, denials
// and errors, the tools and metrics agents asked for), the write-request queue and the keys. Each
// figure carries the audit-log filter that shows the events behind it.
import type { DbOrTx } from "@/lib/db/transaction";
import type { Prisma } from "@/lib/generated/prisma/client";
import { auditFilterToSearchParams, type AuditFilter, type AuditOutcomeFilter } from "@/lib/audit/query-audit-events";
import { addDays, localDateOf, localToInstant } from "@/lib/semantic/resolve-window";
import { countPendingApprovals } from "./approvals";

export const DASHBOARD_DAYS = 14;
const TOP_LIMIT = 5;

export type DayCalls = { day: string; ok: number; denied: number; error: number; pending: number };
export type Ranked = { name: string; calls: number; auditHref: string };

export type Dashboard = {
  /** Local days, oldest first, in the tenant's time zone. */
  days: DayCalls[];
  range: { from: string; to: string; timeZone: string };
  totals: { calls: number; denied: number; errors: number };
  pendingApprovals: number;
  activeKeys: number;
  topTools: Ranked[];
  topMetrics: Ranked[];
  links: { calls: string; denied: string; errors: string };
  /** Audit-log link per local day (all MCP calls of that day). */
  dayLinks: Record<string, string>;
};

type Tenant = { id: string; slug: string; timeZone: string };

/** The last `days` local days ending today, and the instants that bound them. */
export function dashboardRange(timeZone: string, now: Date, days = DASHBOARD_DAYS) {
  const today = localDateOf(now, timeZone);
  const from = addDays(today, -(days - 1));
  return { from, to: today, start: localToInstant(from, timeZone), end: localToInstant(addDays(today, 1), timeZone) };
}

export function auditHref(slug: string, filter: AuditFilter): string {
  const query = auditFilterToSearchParams(filter).toString();
  return `/t/${slug}/audit${query ? `?${query}` : ""}`;
}

/** Protocol messages (handshake, notifications, the SDK's GET probe) are requests, not tools. */
const NOT_A_TOOL: Prisma.AuditEventWhereInput[] = [
  { action: { notIn: ["initialize", "ping"] } },
  { NOT: { action: { startsWith: "mcp." } } },
  { NOT: { action: { contains: "/" } } },
];

const OUTCOMES = ["ok", "denied", "error", "pending"] as const satisfies readonly AuditOutcomeFilter[];

export async function loadDashboard(db: DbOrTx, tenant: Tenant, now: Date = new Date()): Promise<Dashboard> {
  const range = dashboardRange(tenant.timeZone, now);
  const mcpWindow = { tenantId: tenant.id, surface: "mcp", occurredAt: { gte: range.start, lt: range.end } } satisfies Prisma.AuditEventWhereInput;

  const [perDay, tools, metrics, pendingApprovals, activeKeys] = await Promise.all([
    db.$queryRaw<{ day: string; outcome: string; calls: bigint }[]>`
      SELECT to_char(occurred_at AT TIME ZONE ${tenant.timeZone}, 'YYYY-MM-DD') AS day, outcome::text AS outcome, count(*) AS calls
      FROM audit_events
      WHERE tenant_id = ${tenant.id}::uuid AND surface = 'mcp' AND occurred_at >= ${range.start} AND occurred_at < ${range.end}
      GROUP BY 1, 2`,
    db.auditEvent.groupBy({
      by: ["action"],
      where: { ...mcpWindow, AND: NOT_A_TOOL },
      _count: { _all: true },
      orderBy: [{ _count: { action: "desc" } }, { action: "asc" }],
      take: TOP_LIMIT,
    }),
    db.auditEvent.groupBy({
      by: ["target"],
      where: { ...mcpWindow, target: { startsWith: "metric:" } },
      _count: { _all: true },
      orderBy: [{ _count: { target: "desc" } }, { target: "asc" }],
      take: TOP_LIMIT,
    }),
    countPendingApprovals(db, tenant.id, now),
    db.apiKey.count({ where: { tenantId: tenant.id, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } }),
  ]);

  const days: DayCalls[] = [];
  const dayLinks: Record<string, string> = {};
  for (let day = range.from; day <= range.to; day = addDays(day, 1)) {
    days.push({ day, ok: 0, denied: 0, error: 0, pending: 0 });
    dayLinks[day] = auditHref(tenant.slug, {
      surface: "mcp",
      from: localToInstant(day, tenant.timeZone),
      to: localToInstant(addDays(day, 1), tenant.timeZone),
    });
  }
  for (const row of perDay) {
    const entry = days.find((d) => d.day === row.day);
    const outcome = OUTCOMES.find((o) => o === row.outcome);
    if (entry && outcome) entry[outcome] += Number(row.calls);
  }
  const sum = (k: keyof Omit<DayCalls, "day">) => days.reduce((n, d) => n + d[k], 0);
  const window = { from: range.start, to: range.end } as const;

  return {
    days,
    range: { from: range.from, to: range.to, timeZone: tenant.timeZone },
    totals: { calls: sum("ok") + sum("denied") + sum("error") + sum("pending"), denied: sum("denied"), errors: sum("error") },
    pendingApprovals,
    activeKeys,
    topTools: tools.map((t) => ({ name: t.action, calls: t._count._all, auditHref: auditHref(tenant.slug, { ...window, surface: "mcp", action: t.action }) })),
    topMetrics: metrics.flatMap((m) =>
      m.target ? [{ name: m.target.slice("metric:".length), calls: m._count._all, auditHref: auditHref(tenant.slug, { ...window, surface: "mcp", q: m.target }) }] : [],
    ),
    links: {
      calls: auditHref(tenant.slug, { ...window, surface: "mcp" }),
      denied: auditHref(tenant.slug, { ...window, surface: "mcp", outcome: "denied" }),
      errors: auditHref(tenant.slug, { ...window, surface: "mcp", outcome: "error" }),
    },
    dayLinks,
  };
}
