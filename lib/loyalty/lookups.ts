// Finding the things a write names, always within the tenant, with errors that say what exists.
import type { Tx } from "@/lib/db/transaction";
import type { Member } from "@/lib/generated/prisma/client";
import { isUuid } from "@/lib/ids";
import { OperationError } from "@/lib/errors";
import { literal } from "@/lib/db/like";

export function memberLabel(member: Pick<Member, "name" | "externalId">): string {
  return `${member.name} (${member.externalId})`;
}

/** A member by id or external id; with `lock`, the row stays locked until the transaction ends. */
export async function findMember(tx: Tx, tenantId: string, ref: string, options: { lock?: boolean } = {}): Promise<Member> {
  const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id::text FROM members WHERE tenant_id = $1::uuid AND (external_id = $2 ${isUuid(ref) ? "OR id = $2::uuid" : ""}) LIMIT 1 ${options.lock ? "FOR UPDATE" : ""}`,
    tenantId,
    ref,
  );
  const id = rows[0]?.id;
  if (!id) throw new OperationError("not_found", `No member "${ref}" in this tenant. Use search_members to find one.`);
  return tx.member.findUniqueOrThrow({ where: { id } });
}

export async function findTier(tx: Tx, tenantId: string, name: string) {
  const tier = await tx.tier.findFirst({ where: { tenantId, name: { equals: literal(name.trim()), mode: "insensitive" } } });
  if (tier) return tier;
  const tiers = await tx.tier.findMany({ where: { tenantId }, orderBy: { rank: "asc" }, select: { name: true } });
  throw new OperationError("not_found", `No tier "${name}". Tiers: ${tiers.map((t) => t.name).join(", ")}.`, { suggestions: tiers.map((t) => t.name) });
}

export async function findStore(tx: Tx, tenantId: string, ref: string) {
  const trimmed = ref.trim().replace(/^store\s+/i, "");
  const store = await tx.store.findFirst({
    where: {
      tenantId,
      OR: [
        { code: { equals: literal(trimmed), mode: "insensitive" } },
        { name: { equals: literal(trimmed), mode: "insensitive" } },
        ...(isUuid(ref) ? [{ id: ref }] : []),
      ],
    },
  });
  if (store) return store;
  const stores = await tx.store.findMany({ where: { tenantId }, orderBy: { code: "asc" }, select: { code: true } });
  throw new OperationError("not_found", `No store "${ref}". Stores: ${stores.map((s) => s.code).join(", ")}.`);
}
