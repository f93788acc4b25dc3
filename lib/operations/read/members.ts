import { z } from "zod";
import { hasScope } from "@/lib/governance/scopes";
import { getMember, searchMembers, type MemberDetail, type MemberSummary } from "@/lib/loyalty/members";
import { defineOperation } from "../operation";

const MemberSummarySchema = z.object({
  id: z.string(),
  externalId: z.string(),
  name: z.string(),
  email: z.string().nullable().describe("Masked unless the key holds members:pii"),
  phone: z.string().nullable().describe("Masked unless the key holds members:pii"),
  tier: z.string(),
  homeStore: z.string().nullable(),
  status: z.string(),
  joinedAt: z.string(),
  pointsBalance: z.number(),
});

const line = (m: MemberSummary) => `${m.name} (${m.externalId}) · ${m.tier} · ${m.pointsBalance} pts · ${m.status}`;

export const searchMembersOperation = defineOperation({
  name: "search_members",
  title: "Search members",
  description:
    "Find loyalty members by name or external id (and by exact email or phone when the key may see PII), optionally filtered by tier, home store or status. Returns up to `limit` members and a `nextCursor` for the next page. Contact details are masked unless the key holds members:pii. Use get_member for one member's balance and ledger.",
  kind: "read",
  scope: "members:read",
  idempotent: true,
  input: z.object({
    query: z.string().trim().min(1).max(200).optional().describe("Name fragment or external id"),
    tier: z.string().min(1).max(60).optional().describe('Tier name, e.g. "Silver"'),
    store: z.string().min(1).max(60).optional().describe("Home store code or name"),
    status: z.enum(["active", "suspended", "closed"]).optional(),
    limit: z.number().int().min(1).max(50).default(20),
    cursor: z.uuid().optional().describe("nextCursor from the previous page"),
  }),
  output: z.object({ members: z.array(MemberSummarySchema), nextCursor: z.string().nullable() }),
  handler: (ctx, input) => searchMembers(ctx.db, ctx.tenant.id, input, hasScope(ctx.credential.scopes, "members:pii")),
  render: (out) =>
    out.members.length
      ? `${out.members.length} member(s):\n${out.members.map(line).join("\n")}${out.nextCursor ? "\n(more: pass nextCursor)" : ""}`
      : "No members match.",
  target: (input) => (input.query ? `members:${input.query}` : "members"),
});

export const getMemberOperation = defineOperation({
  name: "get_member",
  title: "Get a member",
  description:
    "One member by id or external id: profile (contact details masked unless the key holds members:pii), tier, home store, points balance, the 10 latest points-ledger entries, coupons held and redeemed, ambassador codes.",
  kind: "read",
  scope: "members:read",
  idempotent: true,
  input: z.object({ member: z.string().trim().min(1).max(100).describe("Member id or external id") }),
  output: MemberSummarySchema.extend({
    recentLedger: z.array(z.object({ at: z.string(), kind: z.string(), delta: z.number(), balanceAfter: z.number(), reason: z.string() })),
    coupons: z.object({ held: z.number(), redeemed: z.number() }),
    ambassadorCodes: z.array(z.object({ code: z.string(), uses: z.number() })),
  }),
  handler: (ctx, input): Promise<MemberDetail> => getMember(ctx.db, ctx.tenant.id, input.member, hasScope(ctx.credential.scopes, "members:pii")),
  render: (m) =>
    [
      line(m),
      `Email ${m.email ?? "—"} · phone ${m.phone ?? "—"} · home store ${m.homeStore ?? "—"} · joined ${m.joinedAt.slice(0, 10)}`,
      `Coupons held ${m.coupons.held}, redeemed ${m.coupons.redeemed}`,
      ...m.recentLedger.map((e) => `  ${e.at.slice(0, 10)} ${e.kind} ${e.delta > 0 ? "+" : ""}${e.delta} → ${e.balanceAfter} (${e.reason})`),
    ].join("\n"),
  target: (input) => `member:${input.member}`,
});
