// The console's governed core against a real database: sign-in throttling, tenant access,
// key issuance/revocation/rotation and user management, each audited with the user as actor.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/auth/passwords";
import { verifyApiKey } from "@/lib/auth/api-keys";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { resolveConsoleAccess, type ConsoleAccess } from "./access";
import { issueConsoleKey, listTenantKeys, revokeConsoleKey, rotateConsoleKey } from "./keys";
import { signInWithPassword } from "./sign-in";
import { THROTTLE_POLICY } from "./sign-in-throttle";
import { createTenantUser, setMemberRoles, setUserActive } from "./users";

const PASSWORD = "correct horse battery staple";

describe(`console core on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let admin: ConsoleAccess;
  let tenantA: string;
  let tenantB: string;
  let auditorId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    tenantA = (await db.tenant.create({ data: { slug: "acme", name: "Acme" } })).id;
    tenantB = (await db.tenant.create({ data: { slug: "globex", name: "Globex" } })).id;
    const passwordHash = await hashPassword(PASSWORD);
    const a = await db.user.create({ data: { email: "admin@acme.test", name: "Ada", passwordHash } });
    const au = await db.user.create({ data: { email: "auditor@acme.test", name: "Aud", passwordHash } });
    const b = await db.user.create({ data: { email: "admin@globex.test", name: "Bob", passwordHash } });
    auditorId = au.id;
    await db.membership.create({ data: { tenantId: tenantA, userId: a.id, roles: ["admin"] } });
    await db.membership.create({ data: { tenantId: tenantA, userId: au.id, roles: ["auditor"] } });
    await db.membership.create({ data: { tenantId: tenantB, userId: b.id, roles: ["admin"] } });
    const access = await resolveConsoleAccess(db, a.id, "acme", ["admin"]);
    if (!access.ok) throw new Error("admin should have access");
    admin = access;
  });
  afterAll(() => database?.close());

  describe("sign-in", () => {
    it("signs a user in with the right password and audits it", async () => {
      const result = await signInWithPassword(database.db, { email: " Admin@Acme.test ", password: PASSWORD, ip: "10.0.0.1" });
      expect(result).toMatchObject({ ok: true, user: { email: "admin@acme.test" } });
      const event = await database.db.auditEvent.findFirst({ where: { action: "console.sign_in", outcome: "ok" }, orderBy: { id: "desc" } });
      expect(event).toMatchObject({ actorType: "user", surface: "console", tenantId: null });
    });

    it("gives the same answer for a wrong password and an unknown email", async () => {
      const wrong = await signInWithPassword(database.db, { email: "admin@acme.test", password: "nope nope nope", ip: "10.0.0.2" });
      const unknown = await signInWithPassword(database.db, { email: "nobody@acme.test", password: PASSWORD, ip: "10.0.0.2" });
      expect(wrong).toEqual({ ok: false, code: "invalid_credentials" });
      expect(unknown).toEqual({ ok: false, code: "invalid_credentials" });
    });

    it("locks an email+address after repeated failures, even for the right password, and not other addresses", async () => {
      const now = new Date();
      for (let i = 0; i < THROTTLE_POLICY.emailAndIpLimit; i++) {
        await signInWithPassword(database.db, { email: "auditor@acme.test", password: "wrong password!", ip: "10.0.0.3" }, now);
      }
      const locked = await signInWithPassword(database.db, { email: "auditor@acme.test", password: PASSWORD, ip: "10.0.0.3" }, now);
      expect(locked).toMatchObject({ ok: false, code: "throttled" });
      const elsewhere = await signInWithPassword(database.db, { email: "auditor@acme.test", password: PASSWORD, ip: "10.0.0.4" }, now);
      expect(elsewhere.ok).toBe(true);
      const later = new Date(now.getTime() + THROTTLE_POLICY.lock + 1000);
      expect((await signInWithPassword(database.db, { email: "auditor@acme.test", password: PASSWORD, ip: "10.0.0.3" }, later)).ok).toBe(true);
    });

    it("locks an email targeted from many addresses", async () => {
      const now = new Date();
      for (let i = 0; i < THROTTLE_POLICY.emailLimit; i++) {
        await signInWithPassword(database.db, { email: "ghost@acme.test", password: "guess", ip: `192.0.2.${i}` }, now);
      }
      const result = await signInWithPassword(database.db, { email: "ghost@acme.test", password: "guess", ip: "198.51.100.1" }, now);
      expect(result).toMatchObject({ ok: false, code: "throttled" });
    });

    it("refuses a deactivated user with the generic answer", async () => {
      const u = await database.db.user.create({ data: { email: "gone@acme.test", name: "Gone", passwordHash: await hashPassword(PASSWORD), active: false } });
      expect(await signInWithPassword(database.db, { email: u.email, password: PASSWORD, ip: "10.0.0.9" })).toEqual({ ok: false, code: "invalid_credentials" });
    });
  });

  describe("tenant access", () => {
    it("separates not-a-member from missing-role, and never lets a user into another tenant", async () => {
      const db = database.db;
      expect(await resolveConsoleAccess(db, admin.user.id, "globex")).toEqual({ ok: false, reason: "not_member" });
      expect(await resolveConsoleAccess(db, admin.user.id, "no-such-tenant")).toEqual({ ok: false, reason: "not_member" });
      expect(await resolveConsoleAccess(db, auditorId, "acme", "keys.manage")).toMatchObject({ ok: false, reason: "forbidden", needed: ["admin"] });
      expect(await resolveConsoleAccess(db, auditorId, "acme", "audit.read")).toMatchObject({ ok: true, roles: ["auditor"] });
      expect(await resolveConsoleAccess(db, null, "acme")).toEqual({ ok: false, reason: "unauthenticated" });
    });
  });

  describe("keys", () => {
    it("issues a key with the preset and one-by-one write scopes, audited with the admin as actor", async () => {
      const issued = await issueConsoleKey(database.db, admin, { name: "Claude Code", preset: "metrics:read", grantedScopes: ["coupons:write"], expiry: "30d" });
      expect(issued.scopes).toEqual(["metrics:read", "coupons:write"]);
      const verified = await verifyApiKey(database.db, issued.secret);
      expect(verified).toMatchObject({ ok: true, key: { tenantId: tenantA, issuerId: admin.user.id } });
      const event = await database.db.auditEvent.findFirstOrThrow({ where: { tenantId: tenantA, action: "key.create" } });
      expect(event).toMatchObject({ actorType: "user", actorId: admin.user.id, surface: "console", target: `key:${issued.id}` });
      expect(JSON.stringify(event.arguments)).not.toContain(issued.secret);
    });

    it("refuses to let a non-admin issue keys", async () => {
      const auditor = await resolveConsoleAccess(database.db, auditorId, "acme");
      if (!auditor.ok) throw new Error("auditor is a member");
      await expect(issueConsoleKey(database.db, auditor, { name: "x" })).rejects.toMatchObject({ code: "not_admin" });
    });

    it("revokes a key so it stops working, and cannot touch another tenant's key", async () => {
      const issued = await issueConsoleKey(database.db, admin, { name: "to revoke" });
      await revokeConsoleKey(database.db, admin, issued.id);
      expect(await verifyApiKey(database.db, issued.secret)).toMatchObject({ ok: false, reason: "revoked" });
      const foreign = await database.db.apiKey.create({
        data: { tenantId: tenantB, name: "globex key", displayPrefix: "sc_live_zzzzzz", secretHash: "f".repeat(64), preset: "metrics:read", scopes: ["metrics:read"] },
      });
      await expect(revokeConsoleKey(database.db, admin, foreign.id)).rejects.toMatchObject({ code: "key_not_found" });
      expect((await database.db.apiKey.findUniqueOrThrow({ where: { id: foreign.id } })).revokedAt).toBeNull();
    });

    it("rotates: a new secret, the old one valid for the grace period only", async () => {
      const now = new Date();
      const old = await issueConsoleKey(database.db, admin, { name: "rotating", preset: "analyst", grantedScopes: ["members:pii"], expiry: "90d" }, now);
      const fresh = await rotateConsoleKey(database.db, admin, { keyId: old.id, grace: "1h" }, now);
      expect(fresh.secret).not.toBe(old.secret);
      expect(fresh.scopes).toEqual(old.scopes);
      const stored = await database.db.apiKey.findUniqueOrThrow({ where: { id: old.id } });
      expect(stored.replacedById).toBe(fresh.id);
      expect(stored.expiresAt?.getTime()).toBe(now.getTime() + 3_600_000);
      expect((await verifyApiKey(database.db, old.secret, new Date(now.getTime() + 30 * 60_000))).ok).toBe(true);
      expect(await verifyApiKey(database.db, old.secret, new Date(now.getTime() + 2 * 3_600_000))).toMatchObject({ ok: false, reason: "expired" });
      const rows = await listTenantKeys(database.db, tenantA, { q: "rotating" }, now);
      expect(rows.map((r) => r.status).sort()).toEqual(["active", "rotating"]);
    });

    it("searches by name, prefix and scope", async () => {
      expect((await listTenantKeys(database.db, tenantA, { q: "claude" })).map((k) => k.name)).toEqual(["Claude Code"]);
      expect((await listTenantKeys(database.db, tenantA, { q: "coupons:write" })).map((k) => k.name)).toEqual(["Claude Code"]);
      expect(await listTenantKeys(database.db, tenantA, { q: "globex" })).toEqual([]);
    });
  });

  describe("users", () => {
    it("creates a user who can then sign in, and keeps at least one admin", async () => {
      const created = await createTenantUser(database.db, admin, { email: "New@Acme.test", name: "Nia", password: PASSWORD, roles: ["approver"] });
      expect(created).toMatchObject({ email: "new@acme.test", existed: false });
      expect((await signInWithPassword(database.db, { email: "new@acme.test", password: PASSWORD, ip: "10.1.0.1" })).ok).toBe(true);
      await expect(setMemberRoles(database.db, admin, { userId: admin.user.id, roles: ["auditor"] })).rejects.toMatchObject({ code: "own_admin_role" });
      await setMemberRoles(database.db, admin, { userId: created.userId, roles: ["approver", "admin"] });
      // Now there are two admins, but one still cannot demote oneself.
      await expect(setMemberRoles(database.db, admin, { userId: admin.user.id, roles: ["auditor"] })).rejects.toMatchObject({ code: "own_admin_role" });
      await setMemberRoles(database.db, admin, { userId: created.userId, roles: ["approver"] });
    });

    it("deactivates a user, which blocks sign-in, but not a user of another tenant too", async () => {
      const u = await createTenantUser(database.db, admin, { email: "temp@acme.test", name: "Temp", password: PASSWORD, roles: ["auditor"] });
      await setUserActive(database.db, admin, { userId: u.userId, active: false });
      expect(await signInWithPassword(database.db, { email: "temp@acme.test", password: PASSWORD, ip: "10.1.0.2" })).toEqual({ ok: false, code: "invalid_credentials" });
      expect(await resolveConsoleAccess(database.db, u.userId, "acme")).toEqual({ ok: false, reason: "unauthenticated" });
      await expect(setUserActive(database.db, admin, { userId: admin.user.id, active: false })).rejects.toMatchObject({ code: "self" });
      // Adding a user of another tenant grants access here without touching their password.
      const shared = await createTenantUser(database.db, admin, { email: "admin@globex.test", name: "Bob", password: "ignored-ignored", roles: ["auditor"] });
      expect(shared.existed).toBe(true);
      await expect(setUserActive(database.db, admin, { userId: shared.userId, active: false })).rejects.toMatchObject({ code: "other_tenants" });
      expect((await signInWithPassword(database.db, { email: "admin@globex.test", password: PASSWORD, ip: "10.1.0.3" })).ok).toBe(true);
    });

    it("keeps the tenant's audit chain intact through all of it", async () => {
      expect(await verifyAuditChain(database.db, tenantA)).toMatchObject({ ok: true });
      const actions = (await database.db.auditEvent.findMany({ where: { tenantId: tenantA }, select: { action: true } })).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(["key.create", "key.revoke", "key.rotate", "user.create", "user.roles.update", "user.deactivate", "user.add"]));
    });
  });
});
