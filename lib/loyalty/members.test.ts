// getMember and searchMembers answer in one statement each; these tests check them against the
// same reads done the plain way (Prisma, one query per part, the code they replaced): a member with
// more ledger entries than are shown, coupons in every state, ambassador codes, a member with
// nothing, LIKE wildcards in the search text, contact-detail search with and without the PII
// scope, each filter, paging, and references from another tenant.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { literal } from "@/lib/db/like";
import { OperationError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { isUuid } from "@/lib/ids";
import { maskEmail, maskPhone } from "@/lib/pii";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { getMember, searchMembers, type SearchMembersInput } from "./members";

describe(`member reads on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let tenantId = "";
  let fullId = "";
  let bareId = "";
  let otherTenantMemberId = "";

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    const tenant = await db.tenant.create({ data: { slug: "members-a", name: "A" } });
    tenantId = tenant.id;
    const gold = await db.tier.create({ data: { tenantId, name: "Gold", rank: 3 } });
    const store = await db.store.create({ data: { tenantId, code: "S01", name: "Harbour", region: "North" } });
    const pool = await db.couponPool.create({ data: { tenantId, name: "Welcome", discountType: "percent", discountValue: 10, validFrom: new Date("2026-01-01") } });
    const full = await db.member.create({
      data: { tenantId, externalId: "M-100", name: "Ada Lovelace", email: "ada@example.com", phone: "+44 20 7946 0001", tierId: gold.id, homeStoreId: store.id, joinedAt: new Date("2025-03-04T05:06:07.089Z"), pointsBalance: 1200 },
    });
    fullId = full.id;
    bareId = (await db.member.create({ data: { tenantId, externalId: "M-200", name: "Bare", tierId: gold.id, joinedAt: new Date("2026-01-01"), status: "suspended" } })).id;
    // Search fodder: LIKE wildcards and a backslash in names, another tier and store.
    const silver = await db.tier.create({ data: { tenantId, name: "Silver", rank: 2 } });
    const quay = await db.store.create({ data: { tenantId, code: "S02", name: "Quay", region: "South" } });
    const more: [string, string, string | null, string | null][] = [
      ["M-300", "100% Fan", "fan@example.com", "+1 555 0100"],
      ["M-301", "Under_Score", null, null],
      ["M-302", "Back\\slash Adams", "adams@example.com", null],
      ["M-303", "Ada Byron", "byron@example.com", "+44 20 7946 0002"],
    ];
    for (const [externalId, name, email, phone] of more) {
      await db.member.create({ data: { tenantId, externalId, name, email, phone, tierId: silver.id, homeStoreId: quay.id, joinedAt: new Date("2026-02-01") } });
    }
    // 14 ledger entries, one a millisecond apart from the next, so the 10 latest are unambiguous.
    for (let i = 0; i < 14; i++) {
      await db.pointsEntry.create({
        data: { tenantId, memberId: fullId, kind: i % 3 ? "award" : "redeem", delta: i % 3 ? 100 + i : -(50 + i), balanceAfter: 1000 + i, reason: `entry ${i}`, createdAt: new Date(Date.UTC(2026, 10, 1 + i, 12, 0, 0, i)) },
      });
    }
    const coupon = (code: string, state: { redeemedAt?: Date; voidedAt?: Date }) =>
      db.coupon.create({ data: { tenantId, poolId: pool.id, code, memberId: fullId, issuedAt: new Date("2026-11-01"), ...state } });
    await coupon("HELD-1", {});
    await coupon("HELD-2", {});
    await coupon("VOID-1", { voidedAt: new Date("2026-11-02") });
    for (const code of ["RED-1", "RED-2", "RED-3"]) await coupon(code, { redeemedAt: new Date("2026-11-03") });
    await db.ambassadorCode.create({ data: { tenantId, memberId: fullId, code: "ADA-B", uses: 2, createdAt: new Date("2026-06-02") } });
    await db.ambassadorCode.create({ data: { tenantId, memberId: fullId, code: "ADA-A", uses: 7, createdAt: new Date("2026-06-01") } });

    const other = await db.tenant.create({ data: { slug: "members-b", name: "B" } });
    const otherTier = await db.tier.create({ data: { tenantId: other.id, name: "Gold", rank: 1 } });
    otherTenantMemberId = (await db.member.create({ data: { tenantId: other.id, externalId: "B-1", name: "Other", tierId: otherTier.id, joinedAt: new Date("2026-01-01") } })).id;
  }, 120_000);
  afterAll(() => database?.close());

  /** The same detail, read one part at a time. */
  async function reference(memberId: string) {
    const db = database.db;
    const m = await db.member.findUniqueOrThrow({ where: { id: memberId }, include: { tier: true, homeStore: true } });
    const ledger = await db.pointsEntry.findMany({ where: { tenantId, memberId }, orderBy: { createdAt: "desc" }, take: 10 });
    return {
      id: m.id,
      externalId: m.externalId,
      name: m.name,
      tier: m.tier.name,
      homeStore: m.homeStore ? `${m.homeStore.code} ${m.homeStore.name}` : null,
      status: m.status,
      joinedAt: m.joinedAt.toISOString(),
      pointsBalance: m.pointsBalance,
      recentLedger: ledger.map((e) => ({ at: e.createdAt.toISOString(), kind: e.kind, delta: e.delta, balanceAfter: e.balanceAfter, reason: e.reason })),
      coupons: {
        held: await db.coupon.count({ where: { tenantId, memberId, redeemedAt: null, voidedAt: null } }),
        redeemed: await db.coupon.count({ where: { tenantId, memberId, redeemedAt: { not: null } } }),
      },
      ambassadorCodes: (await db.ambassadorCode.findMany({ where: { tenantId, memberId }, orderBy: { createdAt: "asc" } })).map((c) => ({ code: c.code, uses: c.uses })),
    };
  }

  it("returns the member with tier, home store, the 10 latest ledger entries, coupon counts and codes", async () => {
    const detail = await getMember(database.db, tenantId, "M-100", true);
    expect(detail).toEqual({ ...(await reference(fullId)), email: "ada@example.com", phone: "+44 20 7946 0001" });
    expect(detail.recentLedger).toHaveLength(10);
    expect(detail.recentLedger[0]).toEqual({ at: "2026-11-14T12:00:00.013Z", kind: "award", delta: 113, balanceAfter: 1013, reason: "entry 13" });
    expect(detail.coupons).toEqual({ held: 2, redeemed: 3 });
    expect(detail.ambassadorCodes).toEqual([{ code: "ADA-A", uses: 7 }, { code: "ADA-B", uses: 2 }]);
    expect(detail.joinedAt).toBe("2025-03-04T05:06:07.089Z");
  });

  it("finds the same member by its id, and masks contact details without the PII scope", async () => {
    const byId = await getMember(database.db, tenantId, fullId, false);
    expect(byId).toEqual({ ...(await reference(fullId)), email: expect.stringMatching(/^a\*\*\*@/), phone: expect.stringContaining("*") });
    expect(byId.email).not.toContain("ada@");
  });

  it("answers for a member with no home store, ledger, coupons or codes", async () => {
    const detail = await getMember(database.db, tenantId, bareId, false);
    expect(detail).toEqual({ ...(await reference(bareId)), email: null, phone: null });
    expect(detail).toMatchObject({ homeStore: null, status: "suspended", recentLedger: [], coupons: { held: 0, redeemed: 0 }, ambassadorCodes: [] });
  });

  it("does not find another tenant's member by id or external id, nor an unknown one", async () => {
    for (const ref of [otherTenantMemberId, "B-1", "M-999", "00000000-0000-0000-0000-000000000000"]) {
      const err = await getMember(database.db, tenantId, ref, true).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OperationError);
      expect(err).toMatchObject({ code: "not_found" });
    }
  });

  it("reads the same inside a transaction (through Prisma instead of a named statement)", async () => {
    const inTx = await database.db.$transaction((tx) => getMember(tx, tenantId, "M-100", true));
    expect(inTx).toEqual(await getMember(database.db, tenantId, "M-100", true));
    const search = { query: "ada", limit: 20 };
    expect(await database.db.$transaction((tx) => searchMembers(tx, tenantId, search, false))).toEqual(await searchMembers(database.db, tenantId, search, false));
  });

  /** The search as it was written with Prisma's filters and includes. */
  async function referenceSearch(input: SearchMembersInput, showPii: boolean) {
    const q = input.query?.trim();
    const text: Prisma.MemberWhereInput[] = q
      ? [
          { name: { contains: literal(q), mode: "insensitive" } },
          { externalId: { equals: literal(q), mode: "insensitive" } },
          ...(showPii ? [{ email: { equals: literal(q), mode: "insensitive" as const } }, { phone: { contains: literal(q) } }] : []),
          ...(isUuid(q) ? [{ id: q }] : []),
        ]
      : [];
    const where: Prisma.MemberWhereInput = {
      tenantId,
      ...(text.length ? { OR: text } : {}),
      ...(input.tier ? { tier: { name: { equals: literal(input.tier), mode: "insensitive" } } } : {}),
      ...(input.store ? { homeStore: { OR: [{ code: { equals: literal(input.store), mode: "insensitive" } }, { name: { equals: literal(input.store), mode: "insensitive" } }] } } : {}),
      ...(input.status ? { status: input.status } : {}),
      ...(input.cursor ? { id: { gt: input.cursor } } : {}),
    };
    const rows = await database.db.member.findMany({ where, include: { tier: true, homeStore: true }, orderBy: { id: "asc" }, take: input.limit + 1 });
    const page = rows.slice(0, input.limit);
    return {
      members: page.map((m) => ({
        id: m.id,
        externalId: m.externalId,
        name: m.name,
        email: m.email ? (showPii ? m.email : maskEmail(m.email)) : null,
        phone: m.phone ? (showPii ? m.phone : maskPhone(m.phone)) : null,
        tier: m.tier.name,
        homeStore: m.homeStore ? `${m.homeStore.code} ${m.homeStore.name}` : null,
        status: m.status,
        joinedAt: m.joinedAt.toISOString(),
        pointsBalance: m.pointsBalance,
      })),
      nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  const names = (r: { members: { name: string }[] }) => r.members.map((m) => m.name).sort();

  it("searches like the Prisma filters it replaced, for every kind of filter", async () => {
    const cases: [SearchMembersInput, boolean][] = [
      [{ query: "ada", limit: 20 }, false],
      [{ query: "  ADA  ", limit: 20 }, true],
      [{ query: "m-100", limit: 20 }, false],
      [{ query: "%", limit: 20 }, false],
      [{ query: "_", limit: 20 }, false],
      [{ query: "\\", limit: 20 }, false],
      [{ query: "k\\s", limit: 20 }, false],
      [{ query: "ADA@EXAMPLE.COM", limit: 20 }, true],
      [{ query: "ADA@EXAMPLE.COM", limit: 20 }, false],
      [{ query: "7946", limit: 20 }, true],
      [{ query: "7946", limit: 20 }, false],
      [{ query: fullId, limit: 20 }, false],
      [{ tier: "gold", limit: 20 }, false],
      [{ tier: "g%", limit: 20 }, false],
      [{ store: "s01", limit: 20 }, false],
      [{ store: "QUAY", limit: 20 }, true],
      [{ status: "suspended", limit: 20 }, false],
      [{ query: "a", tier: "Silver", store: "S02", status: "active", limit: 20 }, true],
      [{ limit: 50 }, false],
    ];
    for (const [input, pii] of cases) {
      const found = await searchMembers(database.db, tenantId, input, pii);
      expect(found, JSON.stringify({ input, pii })).toEqual(await referenceSearch(input, pii));
    }
    // The cases mean what they say (not two equally empty answers).
    expect(names(await searchMembers(database.db, tenantId, { query: "ada", limit: 20 }, false))).toEqual(["Ada Byron", "Ada Lovelace", "Back\\slash Adams"]);
    expect(names(await searchMembers(database.db, tenantId, { query: "%", limit: 20 }, false))).toEqual(["100% Fan"]);
    expect(names(await searchMembers(database.db, tenantId, { query: "_", limit: 20 }, false))).toEqual(["Under_Score"]);
    expect(names(await searchMembers(database.db, tenantId, { query: "\\", limit: 20 }, false))).toEqual(["Back\\slash Adams"]);
    expect(names(await searchMembers(database.db, tenantId, { query: "ADA@EXAMPLE.COM", limit: 20 }, true))).toEqual(["Ada Lovelace"]);
    expect(names(await searchMembers(database.db, tenantId, { query: "ADA@EXAMPLE.COM", limit: 20 }, false))).toEqual([]);
    expect(names(await searchMembers(database.db, tenantId, { query: "7946", limit: 20 }, true))).toEqual(["Ada Byron", "Ada Lovelace"]);
    expect(names(await searchMembers(database.db, tenantId, { tier: "g%", limit: 20 }, false))).toEqual([]);
    expect(names(await searchMembers(database.db, tenantId, { query: "a", tier: "Silver", store: "S02", status: "active", limit: 20 }, true))).toEqual(["100% Fan", "Ada Byron", "Back\\slash Adams"]);
  });

  it("pages through every member in id order with nextCursor, and stays inside the tenant", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const input = { limit: 2, ...(cursor ? { cursor } : {}) };
      const found = await searchMembers(database.db, tenantId, input, false);
      expect(found).toEqual(await referenceSearch(input, false));
      seen.push(...found.members.map((m) => m.id));
      if (!found.nextCursor) break;
      cursor = found.nextCursor;
    }
    const all = await database.db.member.findMany({ where: { tenantId }, select: { id: true }, orderBy: { id: "asc" } });
    expect(seen).toEqual(all.map((m) => m.id));
    expect(seen).toHaveLength(6);
    expect(seen).not.toContain(otherTenantMemberId);
    expect((await searchMembers(database.db, tenantId, { query: otherTenantMemberId, limit: 20 }, true)).members).toEqual([]);
    expect((await searchMembers(database.db, tenantId, { query: "Other", limit: 20 }, true)).members).toEqual([]);
  });
});
