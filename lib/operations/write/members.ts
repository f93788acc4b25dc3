// Member writes: create, update profile fields, change tier. Each previews before → after from
// current data and re-checks everything when an approver executes it.
import { z } from "zod";
import type { Tx } from "@/lib/db/transaction";
import { applyFactsToRollups } from "@/lib/semantic/rollups";
import { OperationError } from "@/lib/errors";
import { defineWriteOperation } from "@/lib/operations/operation";
import type { PreviewChange } from "@/lib/writes/write-operation";
import { findMember, findStore, findTier, memberLabel } from "@/lib/loyalty/lookups";

const ExternalId = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, "letters, digits and . _ : - only");
const Name = z.string().trim().min(1).max(120);
const Email = z.email().max(254).transform((e) => e.toLowerCase());
const Phone = z.string().trim().regex(/^\+?[0-9 ()-]{6,20}$/, "a phone number such as +1 555 0100");

export const createMemberOperation = defineWriteOperation({
  name: "create_member",
  title: "Create a member",
  description:
    "Request enrolling a new loyalty member (external id, name, optional email/phone, tier — default the entry tier — and home store). Creates a pending request an approver must confirm; nothing changes until then.",
  kind: "write",
  scope: "members:write",
  input: z.object({
    externalId: ExternalId.describe("Your system's id for the member; unique in the tenant"),
    name: Name,
    email: Email.optional(),
    phone: Phone.optional(),
    tier: z.string().min(1).max(60).optional().describe("Tier name; default the entry tier"),
    homeStore: z.string().min(1).max(60).optional().describe("Store code or name"),
  }),
  target: (input) => `member:${input.externalId}`,
  preview: async ({ tx, tenant }, input) => {
    const { tier, store } = await resolveNewMember(tx, tenant.id, input);
    return {
      summary: `Enrol ${input.name} (${input.externalId}) in ${tier.name}${store ? ` at ${store.code}` : ""}.`,
      changes: [
        { target: `member ${input.externalId}`, field: "exists", before: false, after: true },
        { target: `member ${input.externalId}`, field: "tier", before: null, after: tier.name },
      ],
    };
  },
  execute: async ({ tx, tenant, now }, input) => {
    const { tier, store } = await resolveNewMember(tx, tenant.id, input);
    const member = await tx.member.create({
      data: {
        tenantId: tenant.id,
        externalId: input.externalId,
        name: input.name,
        email: input.email ?? null,
        phone: input.phone ?? null,
        tierId: tier.id,
        homeStoreId: store?.id ?? null,
        joinedAt: now,
      },
    });
    await applyFactsToRollups(tx, tenant.id, { members: [now] });
    return { memberId: member.id, externalId: member.externalId, tier: tier.name };
  },
  describeResult: (r) => `Created member ${r.externalId} (${r.memberId}) in ${r.tier}.`,
});

async function resolveNewMember(tx: Tx, tenantId: string, input: { externalId: string; tier?: string; homeStore?: string }) {
  if (await tx.member.findUnique({ where: { tenantId_externalId: { tenantId, externalId: input.externalId } } })) {
    throw new OperationError("conflict", `A member with external id ${input.externalId} already exists.`);
  }
  const tier = input.tier ? await findTier(tx, tenantId, input.tier) : await tx.tier.findFirst({ where: { tenantId }, orderBy: { rank: "asc" } });
  if (!tier) throw new OperationError("not_found", "This tenant has no tiers; create tiers first.");
  const store = input.homeStore ? await findStore(tx, tenantId, input.homeStore) : null;
  return { tier, store };
}

export const updateMemberOperation = defineWriteOperation({
  name: "update_member",
  title: "Update a member's profile",
  description: "Request changing a member's name, email, phone, home store or status (active, suspended, closed). Pending until an approver confirms.",
  kind: "write",
  scope: "members:write",
  input: z.object({
    member: z.string().trim().min(1).max(100).describe("Member id or external id"),
    name: Name.optional(),
    email: Email.nullable().optional().describe("New email, or null to remove it"),
    phone: Phone.nullable().optional().describe("New phone, or null to remove it"),
    homeStore: z.string().min(1).max(60).optional(),
    status: z.enum(["active", "suspended", "closed"]).optional(),
  }),
  target: (input) => `member:${input.member}`,
  preview: async ({ tx, tenant }, input) => {
    const { changes, member } = await memberChanges(tx, tenant.id, input);
    return { summary: `Update ${memberLabel(member)}: ${changes.map((c) => c.field).join(", ")}.`, changes };
  },
  execute: async ({ tx, tenant }, input) => {
    const { member, data } = await memberChanges(tx, tenant.id, input);
    await tx.member.update({ where: { id: member.id }, data });
    return { memberId: member.id, updated: Object.keys(data) };
  },
  describeResult: (r) => `Updated ${r.updated.join(", ")} of member ${r.memberId}.`,
});

async function memberChanges(
  tx: Tx,
  tenantId: string,
  input: { member: string; name?: string; email?: string | null; phone?: string | null; homeStore?: string; status?: "active" | "suspended" | "closed" },
) {
  const member = await findMember(tx, tenantId, input.member, { lock: true });
  const changes: PreviewChange[] = [];
  const data: { name?: string; email?: string | null; phone?: string | null; homeStoreId?: string; status?: "active" | "suspended" | "closed" } = {};
  const target = memberLabel(member);
  if (input.name !== undefined && input.name !== member.name) {
    changes.push({ target, field: "name", before: member.name, after: input.name });
    data.name = input.name;
  }
  if (input.email !== undefined && input.email !== member.email) {
    changes.push({ target, field: "email", before: member.email, after: input.email });
    data.email = input.email;
  }
  if (input.phone !== undefined && input.phone !== member.phone) {
    changes.push({ target, field: "phone", before: member.phone, after: input.phone });
    data.phone = input.phone;
  }
  if (input.homeStore !== undefined) {
    const store = await findStore(tx, tenantId, input.homeStore);
    if (store.id !== member.homeStoreId) {
      changes.push({ target, field: "home store", before: member.homeStoreId, after: `${store.code} ${store.name}` });
      data.homeStoreId = store.id;
    }
  }
  if (input.status !== undefined && input.status !== member.status) {
    changes.push({ target, field: "status", before: member.status, after: input.status });
    data.status = input.status;
  }
  if (!changes.length) throw new OperationError("conflict", `Nothing to change: ${target} already has these values.`);
  return { member, changes, data };
}

export const changeMemberTierOperation = defineWriteOperation({
  name: "change_member_tier",
  title: "Change a member's tier",
  description: "Request moving a member to another tier (e.g. upgrade to Gold), with a reason for the audit trail. Pending until an approver confirms.",
  kind: "write",
  scope: "members:write",
  input: z.object({
    member: z.string().trim().min(1).max(100).describe("Member id or external id"),
    tier: z.string().trim().min(1).max(60).describe('Target tier name, e.g. "Gold"'),
    reason: z.string().trim().min(3).max(500),
  }),
  target: (input) => `member:${input.member}`,
  preview: async ({ tx, tenant }, input) => {
    const { member, from, to } = await tierChange(tx, tenant.id, input);
    return {
      summary: `Move ${memberLabel(member)} from ${from} to ${to.name}: ${input.reason}`,
      changes: [{ target: memberLabel(member), field: "tier", before: from, after: to.name }],
    };
  },
  execute: async ({ tx, tenant }, input) => {
    const { member, from, to } = await tierChange(tx, tenant.id, input);
    await tx.member.update({ where: { id: member.id }, data: { tierId: to.id } });
    return { memberId: member.id, from, to: to.name };
  },
  describeResult: (r) => `Moved member ${r.memberId} from ${r.from} to ${r.to}.`,
});

async function tierChange(tx: Tx, tenantId: string, input: { member: string; tier: string }) {
  const member = await findMember(tx, tenantId, input.member, { lock: true });
  const to = await findTier(tx, tenantId, input.tier);
  const from = (await tx.tier.findUniqueOrThrow({ where: { id: member.tierId } })).name;
  if (to.id === member.tierId) throw new OperationError("conflict", `${memberLabel(member)} is already in ${to.name}.`);
  return { member, from, to };
}
