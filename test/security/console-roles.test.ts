// Role escalation and tenant crossing by direct POST: server actions are public endpoints, so the
// buttons a page hides prove nothing. Signed-in auditors and approvers call admin actions, an
// admin+approver approves their own key's request, an admin of demo-b aims at demo by slug and by
// ids, an unauthenticated caller and a stale session try everything — each refused with the right
// code, the denial audited where the product audits denials, and the database unchanged. Then every
// console route that takes an id or a tenant is read across tenants: 404/403, nothing leaked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import { testRuntime } from "@/test/database";
import {
  KEY_SECRET,
  SESSION_COOKIE,
  actionsFromBuild,
  actionIdsFromPage,
  callAction,
  createOAuthGrant,
  get,
  requestWrite,
  resultOf,
  signIn,
  startTarget,
  type ActionRef,
  type FormFields,
  type Session,
  type Target,
} from "./console-attacker";

const ADMIN = "admin@shop.test";
const APPROVER = "approver@shop.test";
const APPROVER2 = "approver2@shop.test";
const AUDITOR = "auditor@shop.test";
const DUAL = "dual@shop.test";
const LEAVER = "leaver@shop.test";
const ADMIN_B = "admin-b@shop.test";

describe(`console role escalation and tenant crossing on ${testRuntime()}`, () => {
  let t: Target;
  let actions: Record<string, ActionRef>;
  const s: Record<string, Session> = {};
  let demoKeyId = "";
  let demoBKeyId = "";
  let demoRequestId = "";
  let demoBRequestId = "";
  let demoGrantId = "";
  let demoEventId = "";
  let demoBEventId = "";

  const pageOf = (action: string, tenant: string) => {
    const page = actions[action]?.page ?? "";
    return `/t/${tenant}/${/\/t\/\[tenant\]\/([^/]+)\/page$/.exec(page)?.[1] ?? ""}`;
  };

  async function act(who: Session | null, action: string, fields: FormFields, opts: { cookies?: Session["jar"] } = {}): Promise<Record<string, unknown>> {
    const tenant = typeof fields.tenant === "string" ? fields.tenant : "demo";
    const res = await callAction(
      { baseUrl: t.baseUrl, jar: opts.cookies ?? who?.jar ?? null },
      { path: pageOf(action, tenant), actionId: actions[action]?.id ?? "", fields, noPrevState: action === "decideApprovalAction" },
    );
    const result = resultOf(res);
    if (result.status !== "issued") expect(res.text, action).not.toMatch(KEY_SECRET);
    return result;
  }

  /** Everything an escalation could change, across both tenants. */
  async function state() {
    const db = t.database.db;
    const [keys, users, memberships, requests, grants] = await Promise.all([
      db.apiKey.findMany({ select: { id: true, tenantId: true, name: true, scopes: true, revokedAt: true, replacedById: true }, orderBy: { id: "asc" } }),
      db.user.findMany({ select: { id: true, email: true, active: true, passwordHash: true }, orderBy: { id: "asc" } }),
      db.membership.findMany({ select: { tenantId: true, userId: true, roles: true }, orderBy: [{ tenantId: "asc" }, { userId: "asc" }] }),
      db.writeRequest.findMany({ select: { id: true, status: true, decidedById: true }, orderBy: { id: "asc" } }),
      db.oAuthGrant.findMany({ select: { id: true, revokedAt: true }, orderBy: { id: "asc" } }),
    ]);
    return { keys, users, memberships, requests, grants };
  }

  async function deniedEvents(email: string, action: string): Promise<number> {
    return t.database.db.auditEvent.count({ where: { actorId: t.users[email], action, outcome: "denied", errorCode: "missing_role", tenantId: t.tenants.demo } });
  }

  /** Every admin-only action, aimed at demo (the escalations a non-admin would try). */
  function adminForgeries(self: string): [string, FormFields][] {
    return [
      ["issueKeyAction", { tenant: "demo", name: "escalated key", preset: "analyst", scopes: ["members:write", "points:write", "coupons:write", "ambassadors:write", "members:pii"], expiry: "never" }],
      ["rotateKeyAction", { tenant: "demo", keyId: demoKeyId, grace: "0h" }],
      ["revokeKeyAction", { tenant: "demo", keyId: demoKeyId }],
      ["createUserAction", { tenant: "demo", email: "sock-puppet@evil.test", name: "Puppet", password: "sock puppet password", roles: ["admin"] }],
      ["setRolesAction", { tenant: "demo", userId: t.users[self] ?? "", roles: ["admin", "approver", "auditor"] }],
      ["setActiveAction", { tenant: "demo", userId: t.users[ADMIN] ?? "", active: "false" }],
    ];
  }

  beforeAll(async () => {
    t = await startTarget([
      { email: ADMIN, roles: { demo: ["admin"] } },
      { email: APPROVER, roles: { demo: ["approver"] } },
      { email: APPROVER2, roles: { demo: ["approver"] } },
      { email: AUDITOR, roles: { demo: ["auditor"] } },
      { email: DUAL, roles: { demo: ["admin", "approver"] } },
      { email: LEAVER, roles: { demo: ["auditor"] } },
      { email: ADMIN_B, roles: { "demo-b": ["admin", "approver", "auditor"] } },
    ]);
    actions = actionsFromBuild();
    const db = t.database.db;
    demoKeyId = (await issueApiKey(db, { tenantId: t.tenants.demo, name: "demo production key", preset: "metrics:read", issuerId: t.users[ADMIN] })).key.id;
    demoBKeyId = (await issueApiKey(db, { tenantId: t.tenants.demoB, name: "demo-b key", preset: "metrics:read", issuerId: t.users[ADMIN_B] })).key.id;
    const agentA = await issueApiKey(db, { tenantId: t.tenants.demo, name: "agent A", preset: "analyst", grantedScopes: ["members:write"], issuerId: t.users[ADMIN] });
    const agentB = await issueApiKey(db, { tenantId: t.tenants.demoB, name: "agent B", preset: "analyst", grantedScopes: ["members:write"], issuerId: t.users[ADMIN_B] });
    demoRequestId = await requestWrite(t.baseUrl, agentA.secret, "create_member", { externalId: "secret-demo-member", name: "Demo Secret" });
    demoBRequestId = await requestWrite(t.baseUrl, agentB.secret, "create_member", { externalId: "b-member", name: "B Member" });
    demoGrantId = (await createOAuthGrant(t, { tenantId: t.tenants.demo, userId: t.users[ADMIN] ?? "", clientName: "Admin's Claude" })).grantId;
    demoEventId = (await db.auditEvent.findFirstOrThrow({ where: { tenantId: t.tenants.demo, writeRequestId: demoRequestId } })).id.toString();
    demoBEventId = (await db.auditEvent.findFirstOrThrow({ where: { tenantId: t.tenants.demoB, writeRequestId: demoBRequestId } })).id.toString();
    for (const email of [ADMIN, APPROVER, APPROVER2, AUDITOR, DUAL, LEAVER, ADMIN_B]) s[email] = await signIn(t.baseUrl, email);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("finds the admin actions' ids the way an attacker would: in the client chunks of any page that uses them", async () => {
    // demo-b's admin reads them off their own tenant's keys page; they are the same for every tenant.
    const scraped = await actionIdsFromPage(s[ADMIN_B] as Session, "/t/demo-b/keys");
    expect(scraped.issueKeyAction).toBe(actions.issueKeyAction?.id);
    expect(scraped.revokeKeyAction).toBe(actions.revokeKeyAction?.id);
  });

  it("refuses admin actions posted directly by an auditor or an approver, audits each denial, and changes nothing", async () => {
    const before = await state();
    for (const who of [AUDITOR, APPROVER]) {
      for (const [action, fields] of adminForgeries(who)) {
        const result = await act(s[who] ?? null, action, fields);
        expect(result, `${who} ${action}`).toMatchObject({ status: "error", code: "forbidden" });
        expect(String(result.message)).toContain("needs the admin role in demo");
      }
    }
    // Every refusal is in demo's audit log as a denied console action with the user as actor.
    for (const who of [AUDITOR, APPROVER]) {
      for (const action of ["key.create", "key.rotate", "key.revoke", "user.create", "user.roles.update", "user.deactivate"]) {
        expect(await deniedEvents(who, action), `${who} ${action} audited`).toBe(1);
      }
    }
    expect(await state()).toEqual(before);
  });

  it("refuses approvals by anyone without the approver role, and by an approver whose own key asked (four eyes)", async () => {
    const before = await state();
    for (const who of [ADMIN, AUDITOR]) {
      const result = await act(s[who] ?? null, "decideApprovalAction", { tenant: "demo", requestId: demoRequestId, decision: "approve" });
      expect(result, who).toMatchObject({ status: "error", code: "forbidden" });
      expect(await deniedEvents(who, "write.approve")).toBe(1);
    }
    expect(await state()).toEqual(before);

    // DUAL (admin + approver) issues a write-capable key through the console, an agent uses it…
    const issued = await act(s[DUAL] ?? null, "issueKeyAction", { tenant: "demo", name: "dual's agent", preset: "analyst", scopes: ["members:write"] });
    expect(issued.status).toBe("issued");
    const secret = String((issued.key as { secret: string }).secret);
    const own = await requestWrite(t.baseUrl, secret, "create_member", { externalId: "self-approved", name: "Self Approved" });
    // …and DUAL tries to approve it directly, and to slip it through as a reject-then-approve.
    const self = await act(s[DUAL] ?? null, "decideApprovalAction", { tenant: "demo", requestId: own, decision: "approve" });
    expect(self).toMatchObject({ status: "error", code: "four_eyes" });
    expect((await t.database.db.writeRequest.findUniqueOrThrow({ where: { id: own } })).status).toBe("pending");
    expect(await t.database.db.member.count({ where: { tenantId: t.tenants.demo, externalId: "self-approved" } })).toBe(0);
    // Control: another approver may approve it.
    const other = await act(s[APPROVER] ?? null, "decideApprovalAction", { tenant: "demo", requestId: own, decision: "approve" });
    expect(other).toMatchObject({ status: "decided", outcome: "executed" });
  });

  it("keeps an admin of demo-b out of demo, whether aimed at by tenant slug or by ids through demo-b", async () => {
    const before = await state();
    const b = s[ADMIN_B] ?? null;
    // By slug: every action names demo.
    for (const [action, fields] of [
      ...adminForgeries(ADMIN_B),
      ["decideApprovalAction", { tenant: "demo", requestId: demoRequestId, decision: "approve" }] as [string, FormFields],
      ["verifyAuditLogAction", { tenant: "demo" }] as [string, FormFields],
      ["revokeAppAction", { tenant: "demo", grantId: demoGrantId }] as [string, FormFields],
    ]) {
      const result = await act(b, action, fields);
      expect(result, `${action} on demo`).toMatchObject({ status: "error", code: "not_member" });
    }
    // By id: demo-b is theirs, the ids are demo's.
    const byId: [string, FormFields, string][] = [
      ["revokeKeyAction", { tenant: "demo-b", keyId: demoKeyId }, "key_not_found"],
      ["rotateKeyAction", { tenant: "demo-b", keyId: demoKeyId }, "key_not_found"],
      ["setRolesAction", { tenant: "demo-b", userId: t.users[ADMIN] ?? "", roles: ["auditor"] }, "not_member"],
      ["setActiveAction", { tenant: "demo-b", userId: t.users[ADMIN] ?? "", active: "false" }, "not_member"],
      ["decideApprovalAction", { tenant: "demo-b", requestId: demoRequestId, decision: "approve" }, "not_found"],
      ["decideApprovalAction", { tenant: "demo-b", requestId: demoRequestId, decision: "reject", reason: "cross-tenant reject" }, "not_found"],
    ];
    for (const [action, fields, code] of byId) {
      expect(await act(b, action, fields), `${action} with a demo id`).toMatchObject({ status: "error", code });
    }
    const app = await act(b, "revokeAppAction", { tenant: "demo-b", grantId: demoGrantId });
    expect(app).toMatchObject({ status: "error", code: "not_found" });
    expect(await state()).toEqual(before);
    // Nothing of it lands in demo's audit chain: demo-b's admin is not even named there.
    expect(await t.database.db.auditEvent.count({ where: { tenantId: t.tenants.demo, actorId: t.users[ADMIN_B] } })).toBe(0);

    // "Creating" demo's admin in demo-b only adds that account to demo-b: no password is set, and
    // demo's admin keeps their demo roles — so demo-b's admin gains nothing over demo.
    const adminBefore = await t.database.db.user.findUniqueOrThrow({ where: { email: ADMIN } });
    const added = await act(b, "createUserAction", { tenant: "demo-b", email: ADMIN, name: "Hijacked", password: "attacker chosen password", roles: ["auditor"] });
    expect(added).toMatchObject({ status: "done" });
    const adminAfter = await t.database.db.user.findUniqueOrThrow({ where: { email: ADMIN }, include: { memberships: true } });
    expect(adminAfter.passwordHash).toBe(adminBefore.passwordHash);
    expect(adminAfter.name).toBe(adminBefore.name);
    expect(adminAfter.memberships.find((m) => m.tenantId === t.tenants.demo)?.roles).toEqual(["admin"]);
    await expect(signIn(t.baseUrl, ADMIN, "attacker chosen password")).rejects.toThrow(/sign-in as/);
    // Nor can they deactivate or demote them now (they belong to another tenant).
    expect(await act(b, "setActiveAction", { tenant: "demo-b", userId: t.users[ADMIN] ?? "", active: "false" })).toMatchObject({ status: "error", code: "other_tenants" });
    expect((await t.database.db.user.findUniqueOrThrow({ where: { email: ADMIN } })).active).toBe(true);
  });

  it("refuses every action to an unauthenticated caller and to a forged or tampered session cookie", async () => {
    const before = await state();
    const tampered = (s[ADMIN] as Session).jar.clone();
    const token = tampered.cookies.get(SESSION_COOKIE);
    if (!token) throw new Error("no session cookie");
    tampered.cookies.set(SESSION_COOKIE, { ...token, value: `${token.value.slice(0, -6)}AAAAAA` });
    const forged = (s[ADMIN] as Session).jar.clone();
    // An unencrypted JWT naming the admin: next-auth's tokens are encrypted (JWE), so it is not a session.
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    forged.cookies.set(SESSION_COOKIE, { ...token, value: `${b64({ alg: "none", typ: "JWT" })}.${b64({ uid: t.users[ADMIN], email: ADMIN })}.` });
    for (const cookies of [undefined, tampered, forged]) {
      for (const [action, fields] of [
        ...adminForgeries(AUDITOR),
        ["decideApprovalAction", { tenant: "demo", requestId: demoRequestId, decision: "approve" }] as [string, FormFields],
        ["revokeAppAction", { tenant: "demo", grantId: demoGrantId }] as [string, FormFields],
        ["verifyAuditLogAction", { tenant: "demo" }] as [string, FormFields],
      ]) {
        const result = await act(null, action, fields, cookies ? { cookies } : {});
        expect(result, `${action} ${cookies ? "with a bad cookie" : "without a session"}`).toMatchObject({ status: "error", code: "unauthenticated" });
      }
    }
    expect(await state()).toEqual(before);
  });

  it("stops a session at once when its user is deactivated or loses the role", async () => {
    const leaver = s[LEAVER] as Session;
    expect(await act(leaver, "verifyAuditLogAction", { tenant: "demo" })).toMatchObject({ status: "verified", ok: true });
    expect(await act(s[ADMIN] ?? null, "setActiveAction", { tenant: "demo", userId: t.users[LEAVER] ?? "", active: "false" })).toMatchObject({ status: "done" });
    expect(await act(leaver, "verifyAuditLogAction", { tenant: "demo" })).toMatchObject({ status: "error", code: "unauthenticated" });
    expect((await get(leaver, "/t/demo/audit/export?format=csv")).status).toBe(401);

    const approver2 = s[APPROVER2] as Session;
    expect(await act(s[ADMIN] ?? null, "setRolesAction", { tenant: "demo", userId: t.users[APPROVER2] ?? "", roles: ["auditor"] })).toMatchObject({ status: "done" });
    // A removed role ends the session outright (docs/security.md: revocable console sessions)...
    expect(await act(approver2, "decideApprovalAction", { tenant: "demo", requestId: demoRequestId, decision: "approve" })).toMatchObject({ status: "error", code: "unauthenticated" });
    expect((await get(approver2, "/api/console/demo/approvals")).status).toBe(401);
    // ...and a new session holds only the roles that are left.
    const again = await signIn(t.baseUrl, APPROVER2);
    expect(await act(again, "decideApprovalAction", { tenant: "demo", requestId: demoRequestId, decision: "approve" })).toMatchObject({ status: "error", code: "forbidden" });
    expect((await get(again, "/api/console/demo/approvals")).status).toBe(403);
    expect((await t.database.db.writeRequest.findUniqueOrThrow({ where: { id: demoRequestId } })).status).toBe("pending");
  });

  it("refuses scopes and presets that do not exist, even to an admin", async () => {
    const before = await state();
    for (const [fields, code] of [
      [{ preset: "root" }, "unknown_preset"],
      [{ preset: "metrics:read", scopes: ["*"] }, "unknown_scope"],
      [{ preset: "metrics:read", scopes: ["admin"] }, "unknown_scope"],
      [{ preset: "metrics:read", scopes: ["metrics:read", "members:read"] }, "not_grantable"],
    ] as [FormFields, string][]) {
      const result = await act(s[ADMIN] ?? null, "issueKeyAction", { tenant: "demo", name: "odd key", ...fields });
      expect(result, JSON.stringify(fields)).toMatchObject({ status: "error", code });
    }
    expect(await state()).toEqual(before);
  });

  it("answers 404 for every console route read across tenants, by slug or by id, and leaks nothing", async () => {
    const b = s[ADMIN_B] as Session;
    const demoAuditor = s[AUDITOR] as Session;
    const secrets = ["secret-demo-member", demoRequestId, demoKeyId, ADMIN, "Demo Coffee"];
    const noLeak = async (res: Response, what: string) => {
      const body = await res.text();
      for (const secret of secrets) expect(body, `${what} leaks ${secret}`).not.toContain(secret);
    };
    // demo-b's admin (who holds every role in demo-b) on demo's pages and routes.
    for (const path of [
      "/t/demo",
      "/t/demo/keys",
      "/t/demo/users",
      "/t/demo/approvals",
      "/t/demo/audit",
      `/t/demo/audit/${demoEventId}`,
      "/t/demo/metrics",
      "/t/demo/metrics/gmv",
      "/t/demo/connected-apps",
      "/t/demo/forbidden",
      "/t/demo/audit/export?format=csv",
      "/t/demo/audit/export?format=jsonl",
      "/api/console/demo/approvals",
      "/api/console/demo/skill",
    ]) {
      const res = await get(b, path);
      expect(res.status, path).toBe(404);
      await noLeak(res, path);
    }
    // Their own tenant in the URL, demo's id in it.
    const ownTenantForeignId = await get(b, `/t/demo-b/audit/${demoEventId}`);
    expect(ownTenantForeignId.status).toBe(404);
    await noLeak(ownTenantForeignId, "demo-b event page with a demo id");
    // Filtering demo-b's export by demo's ids and names finds only demo-b's own events (such as
    // the refused attempts above, which name the id they were given), never one of demo's.
    for (const query of [`q=${demoRequestId}`, `actor=${ADMIN}`, "q=secret-demo-member", "q=key:", ""]) {
      const exported = await get(b, `/t/demo-b/audit/export?format=jsonl&${query}`);
      expect(exported.status).toBe(200);
      const ids = (await exported.text())
        .split("\n")
        .filter(Boolean)
        .map((line) => BigInt((JSON.parse(line) as { id: string }).id));
      const foreign = await t.database.db.auditEvent.count({ where: { id: { in: ids }, NOT: { tenantId: t.tenants.demoB } } });
      expect(foreign, query).toBe(0);
    }
    const queue = await get(b, "/api/console/demo-b/approvals");
    expect(queue.status).toBe(200);
    const queueBody = await queue.text();
    expect(queueBody).toContain(demoBRequestId);
    expect(queueBody).not.toContain(demoRequestId);
    expect(queueBody).not.toContain("secret-demo-member");

    // demo's auditor on demo-b's event, by either tenant in the URL.
    for (const path of [`/t/demo/audit/${demoBEventId}`, `/t/demo-b/audit/${demoBEventId}`, "/t/demo-b/audit", "/api/console/demo-b/approvals"]) {
      const res = await get(demoAuditor, path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain("b-member");
    }
    // Odd ids find nothing and reveal nothing.
    for (const id of ["0", "-1", "99999999999999999999", "1%20OR%201=1", "..%2F..%2Fapi%2Fhealth", demoKeyId, `${demoBEventId}%00`]) {
      const res = await get(demoAuditor, `/t/demo/audit/${id}`);
      expect(res.status, id).toBe(404);
    }
    // An id just past the 64-bit range used to pass the digit check and fail in the database (500).
    const overflow = await get(demoAuditor, "/t/demo/audit/9223372036854775808");
    expect(overflow.status).toBe(404);
    const overflowBody = await overflow.text();
    for (const detail of ["Prisma", "invalid", "out of range", "b-member", "at async"]) expect(overflowBody).not.toContain(detail);
    // Keys and write requests have no pages of their own; their ids only travel in action payloads,
    // refused across tenants above. The demo-b key cannot be revoked from demo either.
    expect(await act(s[ADMIN] ?? null, "revokeKeyAction", { tenant: "demo", keyId: demoBKeyId })).toMatchObject({ status: "error", code: "key_not_found" });
    expect((await t.database.db.apiKey.findUniqueOrThrow({ where: { id: demoBKeyId } })).revokedAt).toBeNull();
  });

  it("refuses roles it lacks on console routes with 403 (audited) and signed-out readers with 401 or a sign-in redirect", async () => {
    const approver = s[APPROVER] as Session;
    const auditor = s[AUDITOR] as Session;
    const exported = await get(approver, "/t/demo/audit/export?format=csv");
    expect(exported.status).toBe(403);
    expect(await exported.text()).not.toContain("key.create");
    expect(await deniedEvents(APPROVER, "audit.export")).toBeGreaterThanOrEqual(1);
    expect((await get(auditor, "/api/console/demo/approvals")).status).toBe(403);
    expect(await deniedEvents(AUDITOR, "approvals.read")).toBeGreaterThanOrEqual(1);
    for (const path of ["/t/demo/keys", "/t/demo/users"]) {
      const res = await get(auditor, path);
      expect(res.status, path).toBe(307);
      expect(res.headers.get("location"), path).toMatch(/^\/t\/demo\/forbidden\?need=admin/);
    }

    const anonymous = { baseUrl: t.baseUrl };
    for (const path of ["/t/demo/audit/export?format=csv", "/api/console/demo/approvals", "/api/console/demo/skill"]) {
      const res = await get(anonymous, path);
      expect(res.status, path).toBe(401);
      expect(await res.text(), path).not.toContain("key.create");
    }
    for (const path of ["/t/demo/keys", "/t/demo/audit", `/t/demo/audit/${demoEventId}`, "/t/demo/approvals", "/t/demo/users"]) {
      const res = await get(anonymous, path);
      const body = await res.text();
      expect([200, 307], path).toContain(res.status);
      if (res.status === 307) expect(res.headers.get("location"), path).toMatch(/^\/sign-in\?callbackUrl=/);
      for (const secret of ["demo production key", "secret-demo-member", ADMIN]) expect(body, `${path} leaks ${secret}`).not.toContain(secret);
    }
  });
});
