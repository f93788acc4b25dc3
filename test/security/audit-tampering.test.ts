// Tampering with the audit log under the running app. Over a plain PostgreSQL connection (the wire
// protocol, as any SQL client or a compromised service would speak it) UPDATE, DELETE and TRUNCATE
// are refused by the database itself. Someone with the table owner's power can switch the trigger off,
// rewrite history and switch it back on: that must be found by `npx socode audit:verify` (a child
// process against the same database: non-zero exit, the broken event named) and by the console's
// "Verify integrity" action (an auditor, over HTTP) — and both must report a clean chain again once
// the original row is back, so the finding is about the forgery and nothing else.
import { spawn } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRuntime } from "@/test/database";
import { actionsFromBuild, callAction, get, resultOf, signIn, startTarget, type Session, type Target } from "./console-attacker";

const AUDITOR = "auditor@shop.test";
const APPROVER = "approver@shop.test";
const TRIGGER = `"audit_events_no_update_delete"`;

// node-postgres returns bigint columns (id, seq) as strings.
type AuditRow = Record<string, unknown> & { id: string; seq: string; action: string; outcome: string; error_code: string | null; hash: string };

describe(`audit log tampering on ${testRuntime()}`, () => {
  let t: Target;
  let auditor: Session;
  let sql: pg.Client;

  function cli(args: string[]): Promise<{ code: number | null; output: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (t.database.target.kind === "server") env.DATABASE_URL = t.database.target.url;
    else {
      delete env.DATABASE_URL;
      env.SOCODE_DATA_DIR = t.database.target.dataDir;
    }
    return new Promise((resolve, reject) => {
      const child = spawn("npx", ["socode", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, output }));
    });
  }

  async function consoleVerify(): Promise<Record<string, unknown>> {
    return resultOf(await callAction(auditor, { path: "/t/demo/audit", actionId: actionsFromBuild().verifyAuditLogAction?.id ?? "", fields: { tenant: "demo" } }));
  }

  async function demoEvents(): Promise<AuditRow[]> {
    const { rows } = await sql.query<AuditRow>("SELECT * FROM audit_events WHERE chain = $1 ORDER BY seq", [t.tenants.demo]);
    return rows;
  }

  /** What a superuser does: switch the append-only trigger off, change history, switch it back on. */
  async function behindTheTriggersBack(statement: string, params: unknown[]): Promise<void> {
    await sql.query("BEGIN");
    try {
      await sql.query(`ALTER TABLE audit_events DISABLE TRIGGER ${TRIGGER}`);
      await sql.query(statement, params);
      await sql.query(`ALTER TABLE audit_events ENABLE TRIGGER ${TRIGGER}`);
      await sql.query("COMMIT");
    } catch (err) {
      await sql.query("ROLLBACK");
      throw err;
    }
  }

  async function expectBrokenAt(seq: string, reason: RegExp): Promise<void> {
    const one = await cli(["audit:verify", "--tenant", "demo"]);
    expect(one.code, one.output).not.toBe(0);
    expect(one.output).toContain(`BROKEN  demo: at event #${seq}`);
    expect(one.output).toMatch(reason);
    const verdict = await consoleVerify();
    expect(verdict, JSON.stringify(verdict)).toMatchObject({ status: "verified", ok: false, brokenAtSeq: seq });
    expect(String(verdict.reason)).toMatch(reason);
  }

  async function expectIntact(): Promise<void> {
    const one = await cli(["audit:verify", "--tenant", "demo"]);
    expect(one.code, one.output).toBe(0);
    expect(one.output).toMatch(/ok {6}demo: \d+ events/);
    const verdict = await consoleVerify();
    expect(verdict, `${JSON.stringify(verdict)}\n${t.app.logs().slice(-1500)}`).toMatchObject({ status: "verified", ok: true });
  }

  beforeAll(async () => {
    t = await startTarget([
      { email: AUDITOR, roles: { demo: ["auditor"] } },
      { email: APPROVER, roles: { demo: ["approver"] } },
    ]);
    auditor = await signIn(t.baseUrl, AUDITOR);
    const approver = await signIn(t.baseUrl, APPROVER);
    // Some history in demo's chain: reads, an export, and a denial worth hiding (an approver who
    // tried to issue themselves a key).
    for (let i = 0; i < 3; i += 1) expect((await get(auditor, "/t/demo/audit")).status).toBe(200);
    expect((await get(auditor, "/t/demo/audit/export?format=csv")).status).toBe(200);
    const denied = resultOf(await callAction(approver, { path: "/t/demo/keys", actionId: actionsFromBuild().issueKeyAction?.id ?? "", fields: { tenant: "demo", name: "backdoor" } }));
    expect(denied).toMatchObject({ status: "error", code: "forbidden" });
    for (let i = 0; i < 2; i += 1) expect((await get(auditor, "/t/demo/audit")).status).toBe(200);
    sql = new pg.Client({ connectionString: t.database.connectionString });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await t?.stop();
  });

  it("refuses UPDATE, DELETE and TRUNCATE on the audit table over a plain connection and through the app's client", async () => {
    const before = await demoEvents();
    const victim = before.find((e) => e.outcome === "denied");
    expect(victim).toBeDefined();
    for (const [statement, params] of [
      ["UPDATE audit_events SET outcome = 'ok', error_code = NULL WHERE id = $1", [victim?.id]],
      ["UPDATE audit_events SET hash = hash", []],
      ["DELETE FROM audit_events WHERE id = $1", [victim?.id]],
      ["DELETE FROM audit_events", []],
      ["TRUNCATE audit_events", []],
      ["TRUNCATE audit_events RESTART IDENTITY CASCADE", []],
      ["WITH gone AS (DELETE FROM audit_events WHERE chain = $1 RETURNING id) SELECT count(*) FROM gone", [t.tenants.demo]],
    ] as [string, unknown[]][]) {
      await expect(sql.query(statement, params), statement).rejects.toThrow(/append-only/);
    }
    await expect(t.database.db.$executeRawUnsafe("UPDATE audit_events SET action = 'forged'")).rejects.toThrow(/append-only/);
    await expect(t.database.db.auditEvent.deleteMany({ where: { chain: t.tenants.demo } })).rejects.toThrow(/append-only/);
    expect(await demoEvents()).toEqual(before);
    await expectIntact();
  });

  it("finds an edited event (a denial turned into a success) with the CLI and the console, and clears once it is restored", async () => {
    const events = await demoEvents();
    const victim = events.find((e) => e.outcome === "denied" && e.action === "key.create");
    if (!victim) throw new Error("no denied key.create event to forge");
    await behindTheTriggersBack("UPDATE audit_events SET outcome = 'ok', error_code = NULL WHERE id = $1", [victim.id]);
    // The trigger is back on.
    await expect(sql.query("UPDATE audit_events SET outcome = 'denied' WHERE id = $1", [victim.id])).rejects.toThrow(/append-only/);

    await expectBrokenAt(victim.seq, /altered/);
    // Without --tenant every chain is checked: demo is named broken, demo-b is fine, the exit is non-zero.
    const all = await cli(["audit:verify"]);
    expect(all.code).not.toBe(0);
    expect(all.output).toContain(`BROKEN  demo: at event #${victim.seq}`);
    expect(all.output).toMatch(/ok {6}demo-b: \d+ events/);
    // The console's failed verification is itself on the record.
    const recorded = await t.database.db.auditEvent.findFirstOrThrow({ where: { tenantId: t.tenants.demo, action: "audit.verify" }, orderBy: { id: "desc" } });
    expect(recorded).toMatchObject({ outcome: "error", errorCode: "chain_broken" });

    await behindTheTriggersBack("UPDATE audit_events SET outcome = $2, error_code = $3 WHERE id = $1", [victim.id, victim.outcome, victim.error_code]);
    await expectIntact();
  });

  it("finds a deleted event as a gap, and an event forged in at the end", async () => {
    const events = await demoEvents();
    const victim = events[Math.floor(events.length / 2)];
    if (!victim) throw new Error("no events");
    const { rows } = await sql.query<Record<string, unknown>>("SELECT * FROM audit_events WHERE id = $1", [victim.id]);
    const saved = rows[0] ?? {};
    await behindTheTriggersBack("DELETE FROM audit_events WHERE id = $1", [victim.id]);
    await expectBrokenAt(String(BigInt(victim.seq) + 1n), /missing/);

    // Put the very row back (INSERT is what the log allows): the chain is whole again.
    const columns = Object.keys(saved);
    await sql.query(
      `INSERT INTO audit_events (${columns.map((c) => `"${c}"`).join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
      columns.map((c) => {
        const v = saved[c];
        return v !== null && typeof v === "object" && !(v instanceof Date) ? JSON.stringify(v) : v;
      }),
    );
    await expectIntact();

    // A forger who appends an event of their own without the chain's hash.
    const last = (await demoEvents()).at(-1);
    if (!last) throw new Error("no events");
    const forgedSeq = String(BigInt(last.seq) + 1n);
    await sql.query(
      `INSERT INTO audit_events (chain, seq, tenant_id, actor_type, actor_label, surface, action, target, outcome, prev_hash, hash)
       VALUES ($1, $2, $5::uuid, 'user', 'auditor@shop.test', 'console', 'key.revoke', 'key:all', 'ok', $3, $4)`,
      [t.tenants.demo, forgedSeq, last.hash, "f".repeat(64), t.tenants.demo],
    );
    await expectBrokenAt(forgedSeq, /altered/);
  });
});
