// Authentication of /api/mcp against a real database: one statement resolves key and tenant, the
// result is cached under the credentials cache epoch, every change that matters bumps that epoch in
// its own transaction (triggers), expiry is checked on every use, and last_used_at is batched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import { flushLastUsed } from "@/lib/auth/last-used";
import { forgetCachedCredentials } from "@/lib/auth/credential-cache";
import { EPOCH_MAX_AGE_MS } from "@/lib/db/cache-epochs";
import { revokeConsoleKey } from "@/lib/console/keys";
import { resolveConsoleAccess } from "@/lib/console/access";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { authenticate } from "./authenticate";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`MCP authentication and its cache on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let tenantId: string;
  let adminId: string;

  const epoch = async (scope: string) =>
    (await database.db.cacheEpoch.findUnique({ where: { scope } }))?.epoch ?? 0n;

  beforeAll(async () => {
    database = await createTestDatabase();
    tenantId = (await database.db.tenant.create({ data: { slug: "acme", name: "Acme", timeZone: "Europe/Paris", currency: "EUR" } })).id;
    adminId = (await database.db.user.create({ data: { email: "admin@acme.test", name: "Ada" } })).id;
    await database.db.membership.create({ data: { tenantId, userId: adminId, roles: ["admin"] } });
  });
  afterAll(() => database?.close());

  it("resolves key, tenant and scopes together", async () => {
    const { key, secret } = await issueApiKey(database.db, { tenantId, name: "agent", preset: "analyst", issuerId: adminId });
    const auth = await authenticate(database.db, `Bearer ${secret}`);
    expect(auth).toMatchObject({
      ok: true,
      tenant: { id: tenantId, slug: "acme", name: "Acme", timeZone: "Europe/Paris", currency: "EUR" },
      credential: { type: "key", id: key.id, tenantId, issuerId: adminId, scopes: key.scopes, label: `agent (${key.displayPrefix}…)` },
    });
  });

  it("bumps the credentials epoch on revocation, expiry, scope, user and membership changes — not on last_used_at", async () => {
    const { key } = await issueApiKey(database.db, { tenantId, name: "bumps", preset: "metrics:read" });
    const changes: [string, () => Promise<unknown>][] = [
      ["revocation", () => database.db.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } })],
      ["expiry", () => database.db.apiKey.update({ where: { id: key.id }, data: { expiresAt: new Date() } })],
      ["scopes", () => database.db.apiKey.update({ where: { id: key.id }, data: { scopes: ["metrics:read", "members:read"] } })],
      ["user deactivated", () => database.db.user.update({ where: { id: adminId }, data: { active: false } })],
      ["membership roles", () => database.db.membership.updateMany({ where: { userId: adminId }, data: { roles: ["admin", "approver"] } })],
      ["tenant time zone", () => database.db.tenant.update({ where: { id: tenantId }, data: { timeZone: "Europe/Paris" } })],
    ];
    for (const [what, change] of changes) {
      const before = await epoch("credentials");
      await change();
      expect({ what, bumped: (await epoch("credentials")) > before }).toEqual({ what, bumped: what !== "tenant time zone" });
    }
    await database.db.user.update({ where: { id: adminId }, data: { active: true } });
    const before = await epoch("credentials");
    await database.db.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: new Date() } });
    await database.db.user.update({ where: { id: adminId }, data: { lastSignInAt: new Date() } });
    expect(await epoch("credentials")).toBe(before);
  });

  it("serves a verified key from memory until the epoch moves", async () => {
    const { key, secret } = await issueApiKey(database.db, { tenantId, name: "cached", preset: "analyst" });
    // Issuing the key moved the epoch; let this process see the move before caching under it, or
    // the entry would be cached under the older epoch and (safely) dropped at the next re-read.
    await sleep(EPOCH_MAX_AGE_MS + 50);
    expect((await authenticate(database.db, `Bearer ${secret}`)).ok).toBe(true);
    // Narrow the key with triggers off (the epoch does not move): the cached scopes are still served…
    await database.db.$transaction([
      database.db.$executeRawUnsafe(`SET LOCAL session_replication_role = replica`),
      database.db.$executeRawUnsafe(`UPDATE "api_keys" SET scopes = ARRAY['metrics:read'] WHERE id = $1::uuid`, key.id),
    ]);
    const cached = await authenticate(database.db, `Bearer ${secret}`);
    expect(cached.ok && cached.credential.scopes).toEqual(key.scopes);
    // …and once the epoch moves (any credential change, here another key's revocation), the new ones.
    const other = await issueApiKey(database.db, { tenantId, name: "other", preset: "metrics:read" });
    await database.db.apiKey.update({ where: { id: other.key.id }, data: { revokedAt: new Date() } });
    await sleep(EPOCH_MAX_AGE_MS + 50);
    const fresh = await authenticate(database.db, `Bearer ${secret}`);
    expect(fresh.ok && fresh.credential.scopes).toEqual(["metrics:read"]);
  });

  it("refuses a key revoked in another process within the epoch bound, and at once when revoked in this one", async () => {
    const elsewhere = await issueApiKey(database.db, { tenantId, name: "revoked elsewhere", preset: "metrics:read" });
    expect((await authenticate(database.db, `Bearer ${elsewhere.secret}`)).ok).toBe(true);
    await database.db.apiKey.update({ where: { id: elsewhere.key.id }, data: { revokedAt: new Date() } });
    await sleep(EPOCH_MAX_AGE_MS + 50);
    expect(await authenticate(database.db, `Bearer ${elsewhere.secret}`)).toMatchObject({ ok: false, reason: "revoked", keyId: elsewhere.key.id, tenantId });

    const here = await issueApiKey(database.db, { tenantId, name: "revoked here", preset: "metrics:read" });
    expect((await authenticate(database.db, `Bearer ${here.secret}`)).ok).toBe(true);
    const access = await resolveConsoleAccess(database.db, adminId, "acme", ["admin"]);
    if (!access.ok) throw new Error("admin should have access");
    await revokeConsoleKey(database.db, access, here.key.id);
    // No wait: the console revoked it in this process, which forgets its cached credentials.
    expect(await authenticate(database.db, `Bearer ${here.secret}`)).toMatchObject({ ok: false, reason: "revoked" });
  });

  it("checks a cached key's expiry on every use", async () => {
    const now = new Date();
    const { secret } = await issueApiKey(database.db, { tenantId, name: "short-lived", preset: "metrics:read", expiresAt: new Date(now.getTime() + 60_000) });
    expect((await authenticate(database.db, `Bearer ${secret}`, now)).ok).toBe(true);
    expect(await authenticate(database.db, `Bearer ${secret}`, new Date(now.getTime() + 61_000))).toMatchObject({ ok: false, reason: "expired" });
  });

  it("writes last_used_at in one batch for many keys", async () => {
    const keys = await Promise.all([1, 2, 3].map((i) => issueApiKey(database.db, { tenantId, name: `batch ${i}`, preset: "metrics:read" })));
    forgetCachedCredentials(database.db);
    for (const { secret } of keys) expect((await authenticate(database.db, `Bearer ${secret}`)).ok).toBe(true);
    await flushLastUsed(database.db);
    const stored = await database.db.apiKey.findMany({ where: { id: { in: keys.map((k) => k.key.id) } } });
    expect(stored.every((k) => k.lastUsedAt !== null)).toBe(true);
  });
});
