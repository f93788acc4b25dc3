// Reading members: search and a member's detail with points balance and recent ledger.
// Contact details are masked unless the caller may see PII.
import type { DbOrTx } from "@/lib/db/transaction";
import { isUuid } from "@/lib/ids";
import type { Prisma } from "@/lib/generated/prisma/client";
import { maskEmail, maskPhone } from "@/lib/pii";
import { OperationError } from "@/lib/errors";
import { literal } from "@/lib/db/like";

export type MemberSummary = {
  id: string;
  externalId: string;
  name: string;
  email: string | null;
  phone: string | null;
  tier: string;
  homeStore: string | null;
  status: string;
  joinedAt: string;
  pointsBalance: number;
};

const memberInclude = { tier: { select: { name: true } }, homeStore: { select: { code: true, name: true } } } as const;
type MemberWithRefs = Prisma.MemberGetPayload<{ include: typeof memberInclude }>;

function summarize(m: MemberWithRefs, showPii: boolean): MemberSummary {
  return {
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
  };
}

export type SearchMembersInput = {
  query?: string;
  tier?: string;
  store?: string;
  status?: "active" | "suspended" | "closed";
  limit: number;
  cursor?: string;
};

export async function searchMembers(
  db: DbOrTx,
  tenantId: string,
  input: SearchMembersInput,
  showPii: boolean,
): Promise<{ members: MemberSummary[]; nextCursor: string | null }> {
  const q = input.query?.trim();
  const text: Prisma.MemberWhereInput[] = q
    ? [
        { name: { contains: literal(q), mode: "insensitive" } },
        { externalId: { equals: literal(q), mode: "insensitive" } },
        // Searching by contact details would reveal them, so it needs the PII scope too.
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
  const rows = await db.member.findMany({ where, include: memberInclude, orderBy: { id: "asc" }, take: input.limit + 1 });
  const page = rows.slice(0, input.limit);
  return {
    members: page.map((m) => summarize(m, showPii)),
    nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export type MemberDetail = MemberSummary & {
  recentLedger: { at: string; kind: string; delta: number; balanceAfter: number; reason: string }[];
  coupons: { held: number; redeemed: number };
  ambassadorCodes: { code: string; uses: number }[];
};

/** One member by id or external id, within the tenant. */
export async function getMember(db: DbOrTx, tenantId: string, idOrExternalId: string, showPii: boolean): Promise<MemberDetail> {
  const member = await db.member.findFirst({
    where: { tenantId, OR: [{ externalId: idOrExternalId }, ...(isUuid(idOrExternalId) ? [{ id: idOrExternalId }] : [])] },
    include: memberInclude,
  });
  if (!member) {
    throw new OperationError("not_found", `No member "${idOrExternalId}" in this tenant. Use search_members to find one by name or external id.`);
  }
  const [ledger, held, redeemed, codes] = await Promise.all([
    db.pointsEntry.findMany({ where: { tenantId, memberId: member.id }, orderBy: { createdAt: "desc" }, take: 10 }),
    db.coupon.count({ where: { tenantId, memberId: member.id, redeemedAt: null, voidedAt: null } }),
    db.coupon.count({ where: { tenantId, memberId: member.id, redeemedAt: { not: null } } }),
    db.ambassadorCode.findMany({ where: { tenantId, memberId: member.id }, orderBy: { createdAt: "asc" } }),
  ]);
  return {
    ...summarize(member, showPii),
    recentLedger: ledger.map((e) => ({ at: e.createdAt.toISOString(), kind: e.kind, delta: e.delta, balanceAfter: e.balanceAfter, reason: e.reason })),
    coupons: { held, redeemed },
    ambassadorCodes: codes.map((c) => ({ code: c.code, uses: c.uses })),
  };
}
