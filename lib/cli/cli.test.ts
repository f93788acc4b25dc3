import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyApiKey } from "@/lib/auth/api-keys";
import { resetEnvCache } from "@/lib/env";
import { createTestDatabase, testRuntime, useDatabaseEnvironment, type TestDatabase } from "@/test/database";
import { main } from "./main";

async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { out: (s) => (stdout += `${s}\n`), err: (s) => (stderr += `${s}\n`) });
  return { code, stdout, stderr };
}

async function runJson<T>(...argv: string[]): Promise<{ code: number; json: T }> {
  const { code, stdout } = await run(...argv, "--json");
  return { code, json: JSON.parse(stdout) as T };
}

describe(`socode CLI on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let restoreEnv: () => void;
  beforeAll(async () => {
    database = await createTestDatabase();
    restoreEnv = useDatabaseEnvironment(database);
  });
  afterAll(async () => {
    restoreEnv?.();
    await database?.close();
  });

  it("lists commands and explains each one's flags", async () => {
    const help = await run("--help");
    expect(help.code).toBe(0);
    for (const name of ["db:migrate", "tenant:create", "user:create", "key:create", "key:list", "key:revoke", "audit:verify"]) {
      expect(help.stdout).toContain(name);
    }
    const keyHelp = await run("key:create", "--help");
    expect(keyHelp.stdout).toMatch(/--preset <preset>/);
  });

  it("creates a tenant, a user and a key whose secret verifies, and audits each action", async () => {
    expect((await run("db:migrate")).stdout).toMatch(/up to date/);
    const tenant = await runJson<{ id: string; slug: string; timeZone: string }>(
      "tenant:create", "--slug", "acme", "--name", "Acme", "--time-zone", "Europe/Berlin", "--currency", "EUR",
    );
    expect(tenant.code).toBe(0);
    expect(tenant.json).toMatchObject({ slug: "acme", timeZone: "Europe/Berlin" });

    const user = await runJson<{ roles: string[] }>(
      "user:create", "--email", "Ana@Example.com", "--password", "a long enough password", "--tenant", "acme", "--roles", "admin,approver",
    );
    expect(user.json.roles).toEqual(["admin", "approver"]);

    const key = await runJson<{ id: string; secret: string; scopes: string[] }>(
      "key:create", "--tenant", "acme", "--name", "Claude Code", "--scopes", "coupons:write", "--expires", "30d", "--as", "ana@example.com",
    );
    expect(key.code).toBe(0);
    expect(key.json.scopes).toEqual(["metrics:read", "coupons:write"]);
    const verified = await verifyApiKey(database.db, key.json.secret);
    expect(verified.ok).toBe(true);
    const stored = await database.db.apiKey.findUniqueOrThrow({ where: { id: key.json.id } });
    expect(JSON.stringify(stored)).not.toContain(key.json.secret);

    const list = await runJson<{ id: string; status: string }[]>("key:list", "--tenant", "acme");
    expect(list.json).toEqual([expect.objectContaining({ id: key.json.id, status: "active" })]);

    expect((await run("key:revoke", "--id", key.json.id)).code).toBe(0);
    expect(await verifyApiKey(database.db, key.json.secret)).toMatchObject({ ok: false, reason: "revoked" });

    const actions = (await database.db.auditEvent.findMany({ where: { tenantId: tenant.json.id }, orderBy: { seq: "asc" } })).map((e) => `${e.surface}:${e.action}`);
    expect(actions).toEqual(["cli:tenant.create", "cli:user.create", "cli:key.create", "cli:key.revoke"]);
    const verify = await run("audit:verify", "--tenant", "acme");
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/ok\s+acme: 4 events/);
  });

  it.each([
    [["tenant:create", "--slug", "Bad Slug", "--name", "x"], 2, /--slug: use 1–40 lowercase/],
    [["tenant:create", "--slug", "ok", "--name", "x", "--time-zone", "Mars/Olympus"], 2, /not an IANA time zone/],
    [["tenant:create", "--slug", "acme", "--name", "Again"], 1, /already exists/],
    [["user:create", "--email", "not-an-email", "--password", "x", "--tenant", "acme", "--roles", "boss"], 2, /--email: must be an email[\s\S]*unknown role "boss"/],
    [["user:create", "--email", "new@example.com", "--tenant", "acme", "--roles", "auditor"], 2, /--password is required/],
    [["key:create", "--tenant", "nope", "--name", "x"], 1, /No tenant "nope"/],
    [["key:create", "--tenant", "acme", "--name", "x", "--preset", "root"], 2, /Unknown preset "root"/],
    [["key:create", "--tenant", "acme", "--name", "x", "--scopes", "points:delete"], 2, /Unknown scope "points:delete"/],
    [["key:create", "--tenant", "acme", "--name", "x", "--scopes", "members:read"], 2, /comes with a preset/],
    [["key:create", "--tenant", "acme", "--name", "x", "--expires", "soon"], 2, /Invalid expiry "soon"/],
    [["key:create", "--tenant", "acme", "--name", "x", "--scopes", "points:write", "--max-points", "lots"], 2, /Points per award or redemption must be a whole number/],
    [["key:create", "--tenant", "acme", "--name", "x", "--scopes", "points:write", "--tiers", "Platinum"], 2, /No tier "Platinum" in this tenant/],
    [["key:create", "--tenant", "acme", "--name", "x", "--max-writes-per-day", "5"], 2, /Write limits apply to write scopes/],
    [["key:revoke", "--id", "123"], 2, /must be a key id/],
    [["key:list", "--tenant", "acme", "--colour"], 2, /Unknown option '--colour'/],
    [["key:lst"], 2, /Unknown command "key:lst". Did you mean "key:create"\?/],
  ])("rejects %j with exit %i and a clear message", async (argv, exitCode, message) => {
    const human = await run(...argv);
    expect(human.code).toBe(exitCode);
    expect(human.stderr).toMatch(message);
    expect(human.stderr).not.toMatch(/\n\s+at /); // no stack traces
    const machine = await runJson<{ error: { code: string; message: string } }>(...argv);
    expect(machine.code).toBe(exitCode);
    expect(machine.json.error.code).toMatch(/^[a-z_]+$/);
  });

  it("issues a key with write limits from flags, shows them and audits them", async () => {
    const acme = await database.db.tenant.findUniqueOrThrow({ where: { slug: "acme" } });
    await database.db.tier.createMany({ data: [{ tenantId: acme.id, name: "Bronze", rank: 1 }, { tenantId: acme.id, name: "Gold", rank: 2 }], skipDuplicates: true });
    const human = await run("key:create", "--tenant", "acme", "--name", "Points bot", "--scopes", "points:write,coupons:write", "--max-points", "500", "--max-codes", "200", "--max-writes-per-day", "20", "--tiers", "bronze", "--pools", "Summer,Winter");
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("limit: at most 500 points per award or redemption");
    expect(human.stdout).toContain("limit: members of Bronze only");
    const key = await database.db.apiKey.findFirstOrThrow({ where: { tenantId: acme.id, name: "Points bot" } });
    expect(key.writeLimits).toEqual({ maxPointsPerRequest: 500, maxCodesPerRequest: 200, maxWritesPerDay: 20, allowedTiers: ["Bronze"], allowedPools: ["Summer", "Winter"] });
    const event = await database.db.auditEvent.findFirstOrThrow({ where: { tenantId: acme.id, action: "key.create", target: `key:${key.id}` } });
    expect(event.arguments).toMatchObject({ writeLimits: { maxPointsPerRequest: 500, allowedTiers: ["Bronze"] } });
  });

  it("changes nothing when a command is refused", async () => {
    const before = await database.db.apiKey.count();
    await run("key:create", "--tenant", "acme", "--name", "x", "--scopes", "members:read");
    expect(await database.db.apiKey.count()).toBe(before);
  });

  it("lists every problem with the environment, and reads an empty value as unset", async () => {
    const saved = { port: process.env.PORT, limit: process.env.SOCODE_RATE_LIMIT_PER_MINUTE, redis: process.env.REDIS_URL };
    try {
      process.env.PORT = "eighty";
      process.env.SOCODE_RATE_LIMIT_PER_MINUTE = "0";
      resetEnvCache();
      const bad = await run("key:list", "--tenant", "acme");
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/Invalid environment/);
      expect(bad.stderr).toMatch(/PORT: /);
      expect(bad.stderr).toMatch(/SOCODE_RATE_LIMIT_PER_MINUTE: /);
      process.env.PORT = "";
      process.env.SOCODE_RATE_LIMIT_PER_MINUTE = "";
      process.env.REDIS_URL = "";
      resetEnvCache();
      expect((await run("key:list", "--tenant", "acme")).stderr).not.toMatch(/environment/i);
    } finally {
      for (const [name, value] of [["PORT", saved.port], ["SOCODE_RATE_LIMIT_PER_MINUTE", saved.limit], ["REDIS_URL", saved.redis]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      resetEnvCache();
    }
  });

  it("runs the daily active-member refresh for one tenant and audits it", async () => {
    const { code, json } = await runJson<{ tenants: { slug: string; filled: number; pruned: number }[] }>("rollups:refresh", "--tenant", "acme");
    expect(code).toBe(0);
    expect(json.tenants).toEqual([expect.objectContaining({ slug: "acme", pruned: 0 })]);
    expect(await database.db.auditEvent.count({ where: { action: "rollups.refresh", target: "tenant:acme" } })).toBe(1);
  });
});
