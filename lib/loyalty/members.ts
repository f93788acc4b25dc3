// Reading members: search and a member's detail with points balance and recent ledger.
// Contact details are masked unless the caller may see PII. Both reads are one statement each
// (with Prisma's includes they were three and seven): together about a fifth of the calls in the
// mixed load (bench/load/mixed-load.ts).
import type { DbOrTx } from "@/lib/db/transaction";
import { isUuid } from "@/lib/ids";
import { maskEmail, maskPhone } from "@/lib/pii";
import { OperationError } from "@/lib/errors";
import { literal } from "@/lib/db/like";
import { generatedStatementName, preparedQuery } from "@/lib/db/prepared";

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

/** A member with its tier and home store: SUMMARY_COLUMNS from SUMMARY_FROM. */
const SUMMARY_COLUMNS = `m.id::text AS id, m.external_id, m.name, m.email, m.phone, m.status::text AS status, m.joined_at, m.points_balance,
       t.name AS tier, s.code AS store_code, s.name AS store_name`;
const SUMMARY_FROM = `members m JOIN tiers t ON t.id = m.tier_id LEFT JOIN stores s ON s.id = m.home_store_id`;

type MemberRow = {
  id: string;
  external_id: string;
  name: string;
  email: string | null;
  phone: string | null;
  status: string;
  joined_at: Date;
  points_balance: number;
  tier: string;
  store_code: string | null;
  store_name: string | null;
};

function summarize(m: MemberRow, showPii: boolean): MemberSummary {
  return {
    id: m.id,
    externalId: m.external_id,
    name: m.name,
    email: m.email ? (showPii ? m.email : maskEmail(m.email)) : null,
    phone: m.phone ? (showPii ? m.phone : maskPhone(m.phone)) : null,
    tier: m.tier,
    homeStore: m.store_code !== null ? `${m.store_code} ${m.store_name}` : null,
    status: m.status,
    joinedAt: m.joined_at.toISOString(),
    pointsBalance: m.points_balance,
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
  // User text reaches a LIKE pattern only through literal(). The statement's text depends on which
  // filters are given (a few dozen shapes), so each shape is prepared once per connection.
  const values: unknown[] = [tenantId];
  const param = (value: unknown) => `$${values.push(value)}`;
  const where = ["m.tenant_id = $1::uuid"];
  const q = input.query?.trim();
  if (q) {
    const pattern = param(literal(q));
    const text = [`m.name ILIKE '%' || ${pattern} || '%'`, `m.external_id ILIKE ${pattern}`];
    // Searching by contact details would reveal them, so it needs the PII scope too.
    if (showPii) text.push(`m.email ILIKE ${pattern}`, `m.phone LIKE '%' || ${pattern} || '%'`);
    if (isUuid(q)) text.push(`m.id = ${param(q)}::uuid`);
    where.push(`(${text.join(" OR ")})`);
  }
  if (input.tier) where.push(`t.name ILIKE ${param(literal(input.tier))}`);
  if (input.store) {
    const store = param(literal(input.store));
    where.push(`(s.code ILIKE ${store} OR s.name ILIKE ${store})`);
  }
  if (input.status) where.push(`m.status = ${param(input.status)}::"MemberStatus"`);
  if (input.cursor) where.push(`m.id > ${param(input.cursor)}::uuid`);
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM} WHERE ${where.join(" AND ")} ORDER BY m.id LIMIT ${param(input.limit + 1)}`;
  const rows = await preparedQuery<MemberRow>(db, generatedStatementName(sql), sql, values);
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

type MemberDetailRow = MemberRow & {
  /** Timestamps inside JSON arrive as text with an offset. */
  ledger: { at: string; kind: string; delta: number; balanceAfter: number; reason: string }[];
  held: number;
  redeemed: number;
  codes: { code: string; uses: number }[];
};

// The member with tier and home store, the 10 latest ledger entries
// (points_entries_member_id_created_at_idx, read backwards), both coupon counts in one pass over
// coupons_member_id_idx, and the ambassador codes. $3 is the id when the caller's reference is a
// uuid, else null.
const MEMBER_DETAIL_SQL = `
SELECT ${SUMMARY_COLUMNS},
       (SELECT COALESCE(json_agg(json_build_object('at', l.created_at, 'kind', l.kind, 'delta', l.delta, 'balanceAfter', l.balance_after, 'reason', l.reason)
                                 ORDER BY l.created_at DESC), '[]'::json)
          FROM (SELECT created_at, kind, delta, balance_after, reason FROM points_entries
                WHERE tenant_id = m.tenant_id AND member_id = m.id ORDER BY created_at DESC LIMIT 10) l) AS ledger,
       c.held, c.redeemed,
       (SELECT COALESCE(json_agg(json_build_object('code', a.code, 'uses', a.uses) ORDER BY a.created_at), '[]'::json)
          FROM ambassador_codes a WHERE a.tenant_id = m.tenant_id AND a.member_id = m.id) AS codes
FROM ${SUMMARY_FROM}
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
  return {
    ...summarize(row, showPii),
    recentLedger: row.ledger.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
    coupons: { held: row.held, redeemed: row.redeemed },
    ambassadorCodes: row.codes,
  };
}
