// Reading members: search and a member's detail with points balance and recent ledger.
// Contact details are masked unless the caller may see PII.
import type { DbOrTx } from "@/lib/db/transaction";
import { isUuid } from "@/lib/ids";
import type { Prisma } from "@/lib/generated/prisma/client";
import { maskEmail, maskPhone } from "@/lib/pii";
import { OperationError } from "@/lib/errors";
import { literal } from "@/lib/db/like";
import { preparedQuery } from "@/lib/db/prepared";

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
/** What a summary is made of: a member with its tier's name and home store. */
type MemberFields = Pick<MemberWithRefs, "id" | "externalId" | "name" | "email" | "phone" | "status" | "joinedAt" | "pointsBalance" | "tier" | "homeStore">;

function summarize(m: MemberFields, showPii: boolean): MemberSummary {
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

type MemberDetailRow = {
  id: string;
  external_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  status: MemberWithRefs["status"];
  joined_at: Date;
  points_balance: number;
  tier: string;
  store_code: string | null;
  store_name: string | null;
  /** Timestamps inside JSON arrive as text with an offset. */
  ledger: { at: string; kind: string; delta: number; balanceAfter: number; reason: string }[];
  held: number;
  redeemed: number;
  codes: { code: string; uses: number }[];
};

// The whole detail in one round trip (it was five): the member with tier and home store, the 10
// latest ledger entries (points_entries_member_id_created_at_idx, read backwards), both coupon
// counts in one pass over coupons_member_id_idx, and the ambassador codes. $3 is the id when the
// caller's reference is a uuid, else null.
const MEMBER_DETAIL_SQL = `
SELECT m.id::text AS id, m.external_id, m.name, m.email, m.phone, m.status::text AS status, m.joined_at, m.points_balance,
       t.name AS tier, s.code AS store_code, s.name AS store_name,
       (SELECT COALESCE(json_agg(json_build_object('at', l.created_at, 'kind', l.kind, 'delta', l.delta, 'balanceAfter', l.balance_after, 'reason', l.reason)
                                 ORDER BY l.created_at DESC), '[]'::json)
          FROM (SELECT created_at, kind, delta, balance_after, reason FROM points_entries
                WHERE tenant_id = m.tenant_id AND member_id = m.id ORDER BY created_at DESC LIMIT 10) l) AS ledger,
       c.held, c.redeemed,
       (SELECT COALESCE(json_agg(json_build_object('code', a.code, 'uses', a.uses) ORDER BY a.created_at), '[]'::json)
          FROM ambassador_codes a WHERE a.tenant_id = m.tenant_id AND a.member_id = m.id) AS codes
FROM members m
JOIN tiers t ON t.id = m.tier_id
LEFT JOIN stores s ON s.id = m.home_store_id
CROSS JOIN LATERAL (
  SELECT (count(*) FILTER (WHERE redeemed_at IS NULL AND voided_at IS NULL))::int AS held,
         (count(*) FILTER (WHERE redeemed_at IS NOT NULL))::int AS redeemed
  FROM coupons WHERE tenant_id = m.tenant_id AND member_id = m.id) c
WHERE m.tenant_id = $1::uuid AND (m.external_id = $2 OR m.id = $3::uuid)
LIMIT 1`;

/** One member by id or external id, within the tenant. */
export async function getMember(db: DbOrTx, tenantId: string, idOrExternalId: string, showPii: boolean): Promise<MemberDetail> {
  const [row] = await preparedQuery<MemberDetailRow>(db, "socode_get_member", MEMBER_DETAIL_SQL, [tenantId, idOrExternalId, isUuid(idOrExternalId) ? idOrExternalId : null]);
  if (!row) {
    throw new OperationError("not_found", `No member "${idOrExternalId}" in this tenant. Use search_members to find one by name or external id.`);
  }
  const member: MemberFields = {
    id: row.id,
    externalId: row.external_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    status: row.status,
    joinedAt: row.joined_at,
    pointsBalance: row.points_balance,
    tier: { name: row.tier },
    homeStore: row.store_code !== null && row.store_name !== null ? { code: row.store_code, name: row.store_name } : null,
  };
  return {
    ...summarize(member, showPii),
    recentLedger: row.ledger.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
    coupons: { held: row.held, redeemed: row.redeemed },
    ambassadorCodes: row.codes.map((c) => ({ code: c.code, uses: c.uses })),
  };
}
