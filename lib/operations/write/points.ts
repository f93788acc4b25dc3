// Points writes: every change is a ledger entry; the member's balance moves with it under a row
// lock, so the balance never goes negative and always equals the sum of the ledger.
import { z } from "zod";
import type { Tx } from "@/lib/db/transaction";
import { applyFactsToRollups } from "@/lib/semantic/rollups";
import { OperationError } from "@/lib/errors";
import { defineWriteOperation } from "@/lib/operations/operation";
import { findMember, memberLabel } from "@/lib/loyalty/lookups";

export const MAX_POINTS_PER_REQUEST = 1_000_000;

const PointsInput = z.object({
  member: z.string().trim().min(1).max(100).describe("Member id or external id"),
  points: z.number().int().min(1).max(MAX_POINTS_PER_REQUEST).describe(`Whole points, 1–${MAX_POINTS_PER_REQUEST}`),
  reason: z.string().trim().min(3).max(500),
  reference: z.string().trim().min(1).max(100).optional().describe("Order id, campaign or ticket this relates to"),
});
type PointsInput = z.output<typeof PointsInput>;

async function plan(tx: Tx, tenantId: string, input: PointsInput, direction: 1 | -1) {
  const member = await findMember(tx, tenantId, input.member, { lock: true });
  if (member.status !== "active") throw new OperationError("invariant_violated", `${memberLabel(member)} is ${member.status}; points can only change for active members.`);
  const after = member.pointsBalance + direction * input.points;
  if (after < 0) {
    throw new OperationError("invariant_violated", `${memberLabel(member)} has ${member.pointsBalance} points; cannot redeem ${input.points}.`);
  }
  return { member, before: member.pointsBalance, after };
}

async function apply(tx: Tx, tenantId: string, input: PointsInput, direction: 1 | -1, now: Date, writeRequestId: string | null) {
  const { member, before, after } = await plan(tx, tenantId, input, direction);
  await tx.pointsEntry.create({
    data: {
      tenantId,
      memberId: member.id,
      kind: direction === 1 ? "award" : "redeem",
      delta: direction * input.points,
      balanceAfter: after,
      reason: input.reason,
      reference: input.reference ?? null,
      writeRequestId,
      createdAt: now,
    },
  });
  await tx.member.update({ where: { id: member.id }, data: { pointsBalance: after } });
  await applyFactsToRollups(tx, tenantId, { points: [now] });
  return { memberId: member.id, before, after };
}

export const awardPointsOperation = defineWriteOperation({
  name: "award_points",
  title: "Award points",
  description: "Request adding points to a member's balance (a ledger entry with a reason). Pending until an approver confirms.",
  kind: "write",
  scope: "points:write",
  input: PointsInput,
  target: (input) => `member:${input.member}`,
  preview: async ({ tx, tenant }, input) => {
    const { member, before, after } = await plan(tx, tenant.id, input, 1);
    return {
      summary: `Award ${input.points} points to ${memberLabel(member)}: ${input.reason}`,
      changes: [{ target: memberLabel(member), field: "points balance", before, after }],
    };
  },
  execute: ({ tx, tenant, now, writeRequestId }, input) => apply(tx, tenant.id, input, 1, now, writeRequestId),
  describeResult: (r) => `Balance of member ${r.memberId}: ${r.before} → ${r.after}.`,
});

export const redeemPointsOperation = defineWriteOperation({
  name: "redeem_points",
  title: "Redeem points",
  description: "Request deducting points from a member's balance. Refused if the balance would go negative, both now and again at approval time.",
  kind: "write",
  scope: "points:write",
  input: PointsInput,
  target: (input) => `member:${input.member}`,
  preview: async ({ tx, tenant }, input) => {
    const { member, before, after } = await plan(tx, tenant.id, input, -1);
    return {
      summary: `Redeem ${input.points} points from ${memberLabel(member)}: ${input.reason}`,
      changes: [{ target: memberLabel(member), field: "points balance", before, after }],
    };
  },
  execute: ({ tx, tenant, now, writeRequestId }, input) => apply(tx, tenant.id, input, -1, now, writeRequestId),
  describeResult: (r) => `Balance of member ${r.memberId}: ${r.before} → ${r.after}.`,
});
