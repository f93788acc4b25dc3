// Revocable console sessions, attacked over HTTP: a session cookie copied to another machine (a
// stolen laptop, a shared computer) stops working the moment its owner signs out everywhere, an admin
// deactivates them or removes one of their roles — on the instance that made the change at once, on
// others within SOCODE_SESSION_RECHECK_SECONDS (lib/console/session-revocation.test.ts). Reactivating
// the user does not bring the old cookie back; a fresh sign-in works.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime } from "@/test/database";
import { actionsFromBuild, callAction, get, resultOf, signIn, sleep, type ActionRef, type FormFields, type Session, type Target, startTarget } from "./console-attacker";

const ADMIN = "admin@sessions.test";
const OWNER = "owner@sessions.test";
const LEAVER = "leaver@sessions.test";
const DEMOTED = "demoted@sessions.test";
const ELSEWHERE = "elsewhere@sessions.test";

describe(`revocable console sessions on ${testRuntime()}`, () => {
  let t: Target;
  let actions: Record<string, ActionRef>;

  beforeAll(async () => {
    t = await startTarget(
      [
        { email: ADMIN, roles: { demo: ["admin"] } },
        { email: OWNER, roles: { demo: ["approver", "auditor"] } },
        { email: LEAVER, roles: { demo: ["auditor"] } },
        { email: DEMOTED, roles: { demo: ["approver", "auditor"] } },
        { email: ELSEWHERE, roles: { demo: ["auditor"] } },
      ],
      { SOCODE_SESSION_RECHECK_SECONDS: "1" },
    );
    actions = actionsFromBuild();
  });
  afterAll(() => t?.stop());

  async function act(who: Session, action: string, path: string, fields: FormFields, noPrevState = false) {
    return resultOf(await callAction({ baseUrl: t.baseUrl, jar: who.jar }, { path, actionId: actions[action]?.id ?? "", fields, noPrevState }));
  }

  /** What next-auth's own session endpoint and a console page, asked one after the other, say. */
  async function views(who: Session): Promise<{ endpoint: boolean; page: boolean }> {
    const session = (await (await get(who, "/api/auth/session")).json()) as { user?: { id?: string } };
    const page = await get(who, "/t/demo/audit");
    const location = page.headers.get("location") ?? "";
    if (page.status === 307) expect(location).toMatch(/^\/sign-in\?callbackUrl=/);
    return { endpoint: Boolean(session.user?.id), page: page.status === 200 && !(await page.text()).includes("Your session has ended") };
  }

  /** Whether the session still counts; the endpoint and the page must agree. */
  async function signedIn(who: Session): Promise<boolean> {
    const { endpoint, page } = await views(who);
    expect(endpoint, "the session endpoint and the page disagree").toBe(page);
    return page;
  }

  it("sign out everywhere ends the owner's sessions in every browser, and only theirs", async () => {
    const laptop = await signIn(t.baseUrl, OWNER);
    const phone = await signIn(t.baseUrl, OWNER);
    const stolen = { ...laptop, jar: laptop.jar.clone() };
    const bystander = await signIn(t.baseUrl, DEMOTED);
    expect(await signedIn(laptop)).toBe(true);
    expect(await signedIn(stolen)).toBe(true);

    expect(await act(phone, "signOutEverywhereAction", "/t/demo", {}, true)).toEqual({ status: "done" });

    expect(await signedIn(laptop)).toBe(false);
    expect(await signedIn(stolen)).toBe(false);
    expect(await signedIn(phone)).toBe(false);
    expect(await signedIn(bystander)).toBe(true);
    // The copied cookie cannot act either.
    expect(await act(stolen, "verifyAuditLogAction", "/t/demo/audit", { tenant: "demo" })).toMatchObject({ status: "error", code: "unauthenticated" });
    // Signing in again works, and the event is in the audit log.
    expect(await signedIn(await signIn(t.baseUrl, OWNER))).toBe(true);
    const event = await t.database.db.auditEvent.findFirst({ where: { action: "console.sign_out_everywhere" } });
    expect(event).toMatchObject({ actorId: t.users[OWNER], outcome: "ok" });
  });

  it("a signed-out caller cannot sign anyone out", async () => {
    const versions = () => t.database.db.user.findMany({ select: { id: true, sessionVersion: true }, orderBy: { id: "asc" } });
    const before = await versions();
    const anonymous = await signIn(t.baseUrl, LEAVER);
    anonymous.jar.cookies.clear();
    expect(await act(anonymous, "signOutEverywhereAction", "/t/demo", {}, true)).toMatchObject({ status: "error", code: "unauthenticated" });
    expect(await versions()).toEqual(before);
  });

  it("deactivation ends the user's sessions for good, even after reactivation", async () => {
    const admin = await signIn(t.baseUrl, ADMIN);
    const leaver = await signIn(t.baseUrl, LEAVER);
    expect(await signedIn(leaver)).toBe(true);
    const userId = t.users[LEAVER] ?? "";
    expect(await act(admin, "setActiveAction", "/t/demo/users", { tenant: "demo", userId, active: "false" })).toMatchObject({ status: "done" });
    expect(await signedIn(leaver)).toBe(false);
    expect(await act(admin, "setActiveAction", "/t/demo/users", { tenant: "demo", userId, active: "true" })).toMatchObject({ status: "done" });
    expect(await signedIn(leaver)).toBe(false);
    expect(await signedIn(await signIn(t.baseUrl, LEAVER))).toBe(true);
  });

  it("removing a role ends the user's sessions; adding one does not", async () => {
    const admin = await signIn(t.baseUrl, ADMIN);
    const demoted = await signIn(t.baseUrl, DEMOTED);
    const userId = t.users[DEMOTED] ?? "";
    expect(await act(admin, "setRolesAction", "/t/demo/users", { tenant: "demo", userId, roles: ["approver", "auditor", "admin"] })).toMatchObject({ status: "done" });
    expect(await signedIn(demoted)).toBe(true);
    const removed = await act(admin, "setRolesAction", "/t/demo/users", { tenant: "demo", userId, roles: ["auditor"] });
    expect(removed).toMatchObject({ status: "done" });
    expect(String(removed.message)).toContain("open console sessions were ended");
    expect(await signedIn(demoted)).toBe(false);
  });

  it("a revocation made by another instance ends the session once the recheck interval has passed", async () => {
    const session = await signIn(t.baseUrl, ELSEWHERE);
    expect(await signedIn(session)).toBe(true);
    // What another app instance (or the CLI) writes: this instance learns it only by re-reading.
    await t.database.db.user.update({ where: { id: t.users[ELSEWHERE] }, data: { sessionVersion: { increment: 1 } } });
    // While the interval runs out the two views may differ (the recheck can fall between them), so
    // poll until both say signed out, then ask once more: they must agree from then on.
    let ended = false;
    for (let attempt = 0; attempt < 40 && !ended; attempt++) {
      const now = await views(session);
      ended = !now.endpoint && !now.page;
      if (!ended) await sleep(250);
    }
    expect(ended, "still signed in after 10 s with SOCODE_SESSION_RECHECK_SECONDS=1").toBe(true);
    expect(await signedIn(session)).toBe(false);
  });
});
