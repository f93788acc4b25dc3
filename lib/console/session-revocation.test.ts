// Revocable console sessions against a real database: the rule (a session counts while its user is
// active and its version is the user's), what raises the version (sign out everywhere, deactivation,
// a removed role; not an added role nor reactivation), and the bound on how long another instance
// may still trust a revoked session (the clock is injected, never read).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/auth/passwords";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { resolveConsoleAccess, type ConsoleAccess } from "./access";
import { currentSessionVersion, SessionVersionCache, sessionIsCurrent, sessionVersions, signOutEverywhere } from "./session-revocation";
import { setMemberRoles, setUserActive } from "./users";

describe("sessionIsCurrent", () => {
  it("holds only for an active user still at the session's version", () => {
    expect(sessionIsCurrent({ active: true, sessionVersion: 3 }, 3)).toBe(true);
    expect(sessionIsCurrent({ active: true, sessionVersion: 4 }, 3)).toBe(false);
    expect(sessionIsCurrent({ active: false, sessionVersion: 3 }, 3)).toBe(false);
    expect(sessionIsCurrent(null, 0)).toBe(false);
  });
});

describe(`console session revocation on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let admin: ConsoleAccess;
  let tenantId: string;
  const RECHECK_MS = 30_000;

  async function member(email: string, roles: ("admin" | "approver" | "auditor")[]): Promise<{ id: string; email: string }> {
    const user = await database.db.user.create({ data: { email, name: email, passwordHash: await hashPassword("correct horse battery staple") } });
    await database.db.membership.create({ data: { tenantId, userId: user.id, roles } });
    return { id: user.id, email };
  }

  /** A session as the jwt callback sees it: stamped with the version current at sign-in. */
  async function signedIn(userId: string) {
    const sv = await currentSessionVersion(database.db, userId);
    if (sv === null) throw new Error("no such user");
    return { uid: userId, sv };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    tenantId = (await database.db.tenant.create({ data: { slug: "acme", name: "Acme" } })).id;
    const a = await member("admin@acme.test", ["admin"]);
    const access = await resolveConsoleAccess(database.db, a.id, "acme", ["admin"]);
    if (!access.ok) throw new Error("admin should have access");
    admin = access;
  });
  afterAll(() => database?.close());

  it("sign out everywhere ends every session of the user, not others', and is audited", async () => {
    const ana = await member("ana@acme.test", ["approver"]);
    const bob = await member("bob@acme.test", ["approver"]);
    const laptop = await signedIn(ana.id);
    const phone = await signedIn(ana.id);
    const bobs = await signedIn(bob.id);
    const cache = new SessionVersionCache(0);
    expect(await cache.isCurrent(database.db, laptop)).toBe(true);

    await signOutEverywhere(database.db, ana);

    expect(await cache.isCurrent(database.db, laptop)).toBe(false);
    expect(await cache.isCurrent(database.db, phone)).toBe(false);
    expect(await cache.isCurrent(database.db, bobs)).toBe(true);
    // Signing in again is a new session at the new version.
    expect(await cache.isCurrent(database.db, await signedIn(ana.id))).toBe(true);
    const event = await database.db.auditEvent.findFirst({ where: { action: "console.sign_out_everywhere" }, orderBy: { id: "desc" } });
    expect(event).toMatchObject({ actorId: ana.id, surface: "console", outcome: "ok", target: `user:${ana.id}` });
  });

  it("deactivation ends sessions for good: reactivating does not revive them", async () => {
    const cleo = await member("cleo@acme.test", ["auditor"]);
    const before = await signedIn(cleo.id);
    // This process's cache, as the jwt callback uses it: each change applies here at once.
    const cache = sessionVersions();
    expect(await cache.isCurrent(database.db, before)).toBe(true);
    await setUserActive(database.db, admin, { userId: cleo.id, active: false });
    expect(await cache.isCurrent(database.db, before)).toBe(false);
    await setUserActive(database.db, admin, { userId: cleo.id, active: true });
    expect(await cache.isCurrent(database.db, before)).toBe(false);
    expect(await cache.isCurrent(database.db, await signedIn(cleo.id))).toBe(true);
  });

  it("removing a role ends sessions; adding one does not", async () => {
    const dan = await member("dan@acme.test", ["approver"]);
    const cache = new SessionVersionCache(0);
    const first = await signedIn(dan.id);
    const added = await setMemberRoles(database.db, admin, { userId: dan.id, roles: ["approver", "auditor"] });
    expect(added.sessionsEnded).toBe(false);
    expect(await cache.isCurrent(database.db, first)).toBe(true);
    const removed = await setMemberRoles(database.db, admin, { userId: dan.id, roles: ["auditor"] });
    expect(removed.sessionsEnded).toBe(true);
    expect(await cache.isCurrent(database.db, first)).toBe(false);
  });

  it("another instance trusts what it read for at most the recheck interval", async () => {
    const eve = await member("eve@acme.test", ["approver"]);
    const session = await signedIn(eve.id);
    let now = 1_000_000;
    const elsewhere = new SessionVersionCache(RECHECK_MS, () => now);
    expect(await elsewhere.isCurrent(database.db, session)).toBe(true);

    await signOutEverywhere(database.db, eve);
    // Within the interval the other instance still answers from what it read...
    now += RECHECK_MS - 1;
    expect(await elsewhere.isCurrent(database.db, session)).toBe(true);
    // ...and once it has passed, it reads again and the session is over.
    now += 1;
    expect(await elsewhere.isCurrent(database.db, session)).toBe(false);
  });

  it("the instance that ends sessions stops trusting its copy at once", async () => {
    const fay = await member("fay@acme.test", ["approver"]);
    const session = await signedIn(fay.id);
    // This process's cache, which the jwt callback uses (default interval: 30 s).
    const here = sessionVersions();
    expect(await here.isCurrent(database.db, session)).toBe(true);
    await signOutEverywhere(database.db, fay);
    expect(await here.isCurrent(database.db, session)).toBe(false);
  });
});
