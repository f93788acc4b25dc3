// The overview dashboard on a real database: MCP calls grouped by the tenant's local day and
// outcome (an event just after local midnight counts for the new day, not the UTC one), denials and
// errors, top tools and metrics, pending approvals, active keys, and links into the audit log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audit, type AuditEventInput } from "@/lib/audit/record-audit-event";
import { parseAuditFilter } from "@/lib/audit/query-audit-events";
import { issueApiKey } from "@/lib/auth/api-keys";
import type { Tenant } from "@/lib/generated/prisma/client";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { dashboardRange, loadDashboard } from "./dashboard";

// 2026-11-24 10:00 in New York (UTC−5).
const NOW = new Date("2026-11-24T15:00:00.000Z");

describe(`overview dashboard on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let tenant: Tenant;
  let other: Tenant;

  const event = (t: Tenant, at: string, action: string, outcome: AuditEventInput["outcome"], extra: Partial<AuditEventInput> = {}) =>
    audit(database.db, { tenantId: t.id, actorType: "key", actorId: "k1", surface: "mcp", action, outcome, occurredAt: new Date(at), ...extra });

  beforeAll(async () => {
    database = await createTestDatabase();
    const { db } = database;
    tenant = await db.tenant.create({ data: { slug: "shop", name: "Shop", timeZone: "America/New_York", currency: "USD" } });
    other = await db.tenant.create({ data: { slug: "other", name: "Other" } });
    // 2026-11-23 local: 03:30 UTC on the 24th is still the 23rd in New York.
    await event(tenant, "2026-11-24T03:30:00.000Z", "query_metric", "ok", { target: "metric:gmv" });
    await event(tenant, "2026-11-23T14:00:00.000Z", "query_metric", "ok", { target: "metric:gmv" });
    await event(tenant, "2026-11-23T14:05:00.000Z", "query_metric", "error", { target: "metric:nps", errorCode: "not_grounded" });
    // 2026-11-24 local (after 05:00 UTC).
    await event(tenant, "2026-11-24T05:30:00.000Z", "query_metric", "ok", { target: "metric:orders" });
    await event(tenant, "2026-11-24T06:00:00.000Z", "get_member", "denied", { errorCode: "missing_scope" });
    await event(tenant, "2026-11-24T07:00:00.000Z", "top_up_coupon_pool", "pending");
    // Protocol messages count as requests, not as tools.
    await event(tenant, "2026-11-24T07:10:00.000Z", "initialize", "ok");
    await event(tenant, "2026-11-24T07:10:01.000Z", "notifications/initialized", "ok");
    await event(tenant, "2026-11-24T07:10:02.000Z", "mcp.get", "denied", { errorCode: "method_not_allowed" });
    // Outside the 14 days, another surface, another tenant: not counted.
    await event(tenant, "2026-11-01T12:00:00.000Z", "query_metric", "ok", { target: "metric:gmv" });
    await event(tenant, "2026-11-24T08:00:00.000Z", "key.create", "ok", { surface: "console", actorType: "user" });
    await event(other, "2026-11-24T08:00:00.000Z", "query_metric", "ok", { target: "metric:gmv" });

    await issueApiKey(db, { tenantId: tenant.id, name: "live", preset: "metrics:read", grantedScopes: [] });
    const revoked = await issueApiKey(db, { tenantId: tenant.id, name: "revoked", preset: "metrics:read", grantedScopes: [] });
    await db.apiKey.update({ where: { id: revoked.key.id }, data: { revokedAt: NOW } });
    await issueApiKey(db, { tenantId: tenant.id, name: "expired", preset: "metrics:read", grantedScopes: [], expiresAt: new Date("2026-11-20T00:00:00Z") });
    await issueApiKey(db, { tenantId: other.id, name: "theirs", preset: "metrics:read", grantedScopes: [] });
    await db.writeRequest.create({
      data: { tenantId: tenant.id, operation: "top_up_coupon_pool", arguments: {}, argumentsHash: "x", preview: {}, expiresAt: new Date("2026-11-25T00:00:00Z") },
    });
    await db.writeRequest.create({
      data: { tenantId: tenant.id, operation: "top_up_coupon_pool", arguments: {}, argumentsHash: "y", preview: {}, expiresAt: new Date("2026-11-24T00:00:00Z") },
    });
  });
  afterAll(() => database?.close());

  it("counts MCP requests per local day and outcome over the last 14 days", async () => {
    const d = await loadDashboard(database.db, tenant, NOW);
    expect(d.days).toHaveLength(14);
    expect(d.range).toEqual({ from: "2026-11-11", to: "2026-11-24", timeZone: "America/New_York" });
    expect(d.days.find((x) => x.day === "2026-11-23")).toEqual({ day: "2026-11-23", ok: 2, denied: 0, error: 1, pending: 0 });
    expect(d.days.find((x) => x.day === "2026-11-24")).toEqual({ day: "2026-11-24", ok: 3, denied: 2, error: 0, pending: 1 });
    expect(d.days.filter((x) => x.ok + x.denied + x.error + x.pending > 0).map((x) => x.day)).toEqual(["2026-11-23", "2026-11-24"]);
    expect(d.totals).toEqual({ calls: 9, denied: 2, errors: 1 });
  });

  it("ranks tools and metrics asked for, and counts pending approvals and active keys", async () => {
    const d = await loadDashboard(database.db, tenant, NOW);
    expect(d.topTools.map((t) => [t.name, t.calls])).toEqual([
      ["query_metric", 4],
      ["get_member", 1],
      ["top_up_coupon_pool", 1],
    ]);
    expect(d.topMetrics.map((m) => [m.name, m.calls])).toEqual([
      ["gmv", 2],
      ["nps", 1],
      ["orders", 1],
    ]);
    expect(d.pendingApprovals).toBe(1);
    expect(d.activeKeys).toBe(1);
  });

  it("links every figure to the audit log filtered to the same events", async () => {
    const d = await loadDashboard(database.db, tenant, NOW);
    const { start, end } = dashboardRange(tenant.timeZone, NOW);
    const filterOf = (href: string) => {
      expect(href.startsWith("/t/shop/audit?")).toBe(true);
      return parseAuditFilter(new URL(href, "http://x").searchParams);
    };
    expect(filterOf(d.links.denied)).toEqual({ filter: { from: start, to: end, surface: "mcp", outcome: "denied" }, problems: [] });
    expect(filterOf(d.links.errors).filter.outcome).toBe("error");
    expect(filterOf(d.topTools[0]?.auditHref ?? "").filter).toMatchObject({ surface: "mcp", action: "query_metric" });
    expect(filterOf(d.topMetrics[0]?.auditHref ?? "").filter).toMatchObject({ surface: "mcp", q: "metric:gmv" });
    // The local day 2026-11-23 in New York is 05:00 UTC to 05:00 UTC.
    expect(filterOf(d.dayLinks["2026-11-23"] ?? "").filter).toEqual({
      from: new Date("2026-11-23T05:00:00.000Z"),
      to: new Date("2026-11-24T05:00:00.000Z"),
      surface: "mcp",
    });
  });

  it("shows an empty tenant as zeros, not an error", async () => {
    const empty = await database.db.tenant.create({ data: { slug: "empty", name: "Empty" } });
    const d = await loadDashboard(database.db, empty, NOW);
    expect(d.totals).toEqual({ calls: 0, denied: 0, errors: 0 });
    expect(d.topTools).toEqual([]);
    expect(d.activeKeys).toBe(0);
  });
});
