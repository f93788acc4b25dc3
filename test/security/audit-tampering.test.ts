// Tampering with the audit log under the running app. Over a plain PostgreSQL connection (the wire
// protocol, as any SQL client or a compromised service would speak it) UPDATE, DELETE and TRUNCATE
// are refused by the database itself. Someone with the table owner's power can switch the trigger off,
// rewrite history and switch it back on: that must be found by `npx socode audit:verify` (a child
// process against the same database: non-zero exit, the broken event named) and by the console's
// "Verify integrity" action (an auditor, over HTTP) — and both must report a clean chain again once
// the original row is back, so the finding is about the forgery and nothing else.
//
// The hash chain alone does not stop a superuser who recomputes it, or who drops the newest
// events: those two attacks are made on demo-b's chain and must be found through the audit key
// (every event's MAC) and the signed checkpoint written outside the database.
import { spawn } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditContentDigest, auditLinkHash, type ContentFields } from "@/lib/audit/chain-format";
import { testRuntime } from "@/test/database";
import { actionsFromBuild, callAction, get, resultOf, signIn, startTarget, type Session, type Target } from "./console-attacker";

const AUDITOR = "auditor@shop.test";
const APPROVER = "approver@shop.test";
const AUDITOR_B = "auditor@shop-b.test";
const TRIGGER = `"audit_events_no_update_delete"`;

// node-postgres returns bigint columns (id, seq) as strings.
type AuditRow = Record<string, unknown> & { id: string; seq: string; action: string; outcome: string; error_code: string | null; hash: string };

// Each test runs the CLI (`npx socode`, which compiles its TypeScript through tsx on every start) up
// to three times and the console's verification twice: about 20 s on a quiet machine, and over the
// default 60 s once, under the security suite's parallel load in CI.
describe(`audit log tampering on ${testRuntime()}`, { timeout: 180_000 }, () => {
  let t: Target;
  let auditor: Session;
  let auditorB: Session;
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

  async function consoleVerify(as: Session = auditor, tenant = "demo"): Promise<Record<string, unknown>> {
    return resultOf(await callAction(as, { path: `/t/${tenant}/audit`, actionId: actionsFromBuild().verifyAuditLogAction?.id ?? "", fields: { tenant } }));
  }

  async function demoEvents(chain = t.tenants.demo): Promise<AuditRow[]> {
    const { rows } = await sql.query<AuditRow>("SELECT * FROM audit_events WHERE chain = $1 ORDER BY seq", [chain]);
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
      { email: AUDITOR_B, roles: { "demo-b": ["auditor"] } },
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
    auditorB = await signIn(t.baseUrl, AUDITOR_B);
    for (let i = 0; i < 8; i += 1) expect((await get(auditorB, "/t/demo-b/audit")).status).toBe(200);
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

  it("finds the newest events dropped by a superuser, against the signed checkpoint, and the console shows that checkpoint", async () => {
    const chain = t.tenants.demoB;
    const checkpoint = await cli(["audit:checkpoint", "--tenant", "demo-b"]);
    expect(checkpoint.code, checkpoint.output).toBe(0);
    const head = (await demoEvents(chain)).at(-1);
    if (!head) throw new Error("no demo-b events");
    // The periodic checkpoint may have got there first: either way the head is checkpointed.
    expect(checkpoint.output).toMatch(new RegExp(`(written|same) +demo-b: #${head.seq} `));
    const page = await get(auditorB, "/t/demo-b/audit");
    expect(page.status).toBe(200);
    // The page's own view is audited after it reads the checkpoint; the checkpoint shown is the head before it.
    expect(await page.text()).toMatch(new RegExp(`Last signed checkpoint: event #(<!-- -->)?${head.seq}`));

    // What is left after dropping the two newest events is a valid, keyed chain: only the checkpoint knows.
    const keep = String(BigInt(head.seq) - 2n);
    await behindTheTriggersBack("DELETE FROM audit_events WHERE chain = $1 AND seq > $2", [chain, keep]);
    const one = await cli(["audit:verify", "--tenant", "demo-b"]);
    expect(one.code, one.output).not.toBe(0);
    expect(one.output).toContain(`BROKEN  demo-b: at event #${BigInt(keep) + 1n}`);
    expect(one.output).toMatch(/the newest events were removed/);
    const verdict = await consoleVerify(auditorB, "demo-b");
    expect(verdict, JSON.stringify(verdict)).toMatchObject({ status: "verified", ok: false, brokenAtSeq: String(BigInt(keep) + 1n) });
    expect(String(verdict.reason)).toMatch(/newest events were removed/);
    // And no new checkpoint vouches for the shorter chain.
    const refused = await cli(["audit:checkpoint", "--tenant", "demo-b"]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/REFUSED demo-b: .*(events were removed|rewritten)/);
  });

  it("finds a chain recomputed by a superuser without the audit key (every link consistent, the MAC is not)", async () => {
    const chain = t.tenants.demoB;
    const events = await demoEvents(chain);
    const victim = events[2];
    if (!victim) throw new Error("too few demo-b events");
    // Rewrite one event and recompute every later link, exactly as verification computes them.
    await sql.query("BEGIN");
    try {
      await sql.query(`ALTER TABLE audit_events DISABLE TRIGGER ${TRIGGER}`);
      await sql.query("UPDATE audit_events SET action = 'audit.export' WHERE id = $1", [victim.id]);
      let prev = events[1]?.hash ?? "";
      const { rows } = await sql.query<Record<string, unknown> & { id: string; seq: string; occurred_at: Date }>(
        "SELECT *, tenant_id::text AS tenant_text, write_request_id::text AS wr_text, outcome::text AS outcome_text FROM audit_events WHERE chain = $1 AND seq >= $2 ORDER BY seq",
        [chain, victim.seq],
      );
      for (const r of rows) {
        const content: ContentFields = {
          chain: String(r.chain), tenantId: (r.tenant_text as string | null), occurredAt: r.occurred_at.toISOString(), actorType: String(r.actor_type),
          actorId: r.actor_id as string | null, actorLabel: r.actor_label as string | null, surface: String(r.surface), action: String(r.action),
          target: r.target as string | null, arguments: r.arguments, outcome: String(r.outcome_text), errorCode: r.error_code as string | null,
          latencyMs: r.latency_ms as number | null, requestId: r.request_id as string | null, writeRequestId: r.wr_text as string | null,
          clientName: r.client_name as string | null, clientVersion: r.client_version as string | null,
        };
        const hash = auditLinkHash(prev, r.seq, auditContentDigest(content));
        await sql.query("UPDATE audit_events SET prev_hash = $2, hash = $3 WHERE id = $1", [r.id, prev, hash]);
        prev = hash;
      }
      await sql.query(`ALTER TABLE audit_events ENABLE TRIGGER ${TRIGGER}`);
      await sql.query("COMMIT");
    } catch (err) {
      await sql.query("ROLLBACK");
      throw err;
    }
    const one = await cli(["audit:verify", "--tenant", "demo-b"]);
    expect(one.code, one.output).not.toBe(0);
    expect(one.output).toContain(`BROKEN  demo-b: at event #${victim.seq}`);
    expect(one.output).toMatch(/MAC does not match: the chain was recomputed by someone without the audit key/);
    const verdict = await consoleVerify(auditorB, "demo-b");
    expect(verdict, JSON.stringify(verdict)).toMatchObject({ status: "verified", ok: false, brokenAtSeq: victim.seq });
    expect(String(verdict.reason)).toMatch(/MAC does not match/);
  });
});
