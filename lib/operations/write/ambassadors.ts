// Ambassador codes: unique, human-friendly codes a member shares (e.g. "ANA-K7Q2M").
import crypto from "node:crypto";
import { z } from "zod";
import type { Tx } from "@/lib/db/transaction";
import type { Member } from "@/lib/generated/prisma/client";
import { OperationError } from "@/lib/errors";
import { defineWriteOperation } from "@/lib/operations/operation";
import { findMember, memberLabel } from "@/lib/loyalty/lookups";

const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/**
 * The code a member gets when none is requested: derived from the member and how many codes they
 * already have, so the preview shows exactly the code that approval will issue.
 */
function derivedCode(member: Member, existing: number, attempt: number): string {
  const first = member.name.split(/\s+/)[0]?.toUpperCase().replace(/[^A-Z]/g, "").slice(0, 6) || "MEMBER";
  const digest = crypto.createHash("sha256").update(`${member.id}:${existing}:${attempt}`).digest();
  const suffix = Array.from(digest.subarray(0, 5), (b) => ALPHABET[b % ALPHABET.length]).join("");
  return `${first}-${suffix}`;
}

async function chooseCode(tx: Tx, tenantId: string, member: Member, requested?: string): Promise<string> {
  if (requested) {
    if (await tx.ambassadorCode.findUnique({ where: { tenantId_code: { tenantId, code: requested } } })) {
      throw new OperationError("conflict", `Ambassador code ${requested} is taken; choose another or omit code to get one generated.`);
    }
    return requested;
  }
  const existing = await tx.ambassadorCode.count({ where: { tenantId, memberId: member.id } });
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = derivedCode(member, existing, attempt);
    if (!(await tx.ambassadorCode.findUnique({ where: { tenantId_code: { tenantId, code } } }))) return code;
  }
  throw new OperationError("conflict", "Could not find a free ambassador code; pass one explicitly.");
}

export const issueAmbassadorCodeOperation = defineWriteOperation({
  name: "issue_ambassador_code",
  title: "Issue an ambassador code",
  description: "Request a unique, human-friendly referral code for a member (optionally a specific one, e.g. ANA2026). The preview shows the exact code. Pending until an approver confirms.",
  kind: "write",
  scope: "ambassadors:write",
  input: z.object({
    member: z.string().trim().min(1).max(100).describe("Member id or external id"),
    code: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9-]{4,20}$/, "4–20 letters, digits or dashes")
      .optional(),
  }),
  target: (input) => `member:${input.member}`,
  preview: async ({ tx, tenant }, input) => {
    const member = await findMember(tx, tenant.id, input.member);
    const code = await chooseCode(tx, tenant.id, member, input.code);
    return { summary: `Issue ambassador code ${code} to ${memberLabel(member)}.`, changes: [{ target: memberLabel(member), field: "ambassador code", before: null, after: code }] };
  },
  execute: async ({ tx, tenant }, input) => {
    const member = await findMember(tx, tenant.id, input.member, { lock: true });
    const code = await chooseCode(tx, tenant.id, member, input.code);
    await tx.ambassadorCode.create({ data: { tenantId: tenant.id, memberId: member.id, code } });
    return { memberId: member.id, code };
  },
  describeResult: (r) => `Issued ambassador code ${r.code} to member ${r.memberId}.`,
});
