import { z } from "zod";
import type { DbOrTx } from "@/lib/db/transaction";
import type { Tenant } from "@/lib/generated/prisma/client";

export const TenantSlugSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, "use 1–40 lowercase letters, digits and dashes, e.g. acme-eu");

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

export const TimeZoneSchema = z
  .string()
  .refine(isValidTimeZone, { error: (issue) => `"${String(issue.input)}" is not an IANA time zone, e.g. Europe/Berlin` });

export const CurrencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, "use an ISO 4217 code such as USD or EUR");

export class TenantNotFoundError extends Error {
  readonly code = "tenant_not_found";
  constructor(slug: string, known: string[]) {
    super(`No tenant "${slug}".${known.length ? ` Tenants: ${known.join(", ")}` : " Create one with `npx socode tenant:create`."}`);
  }
}

export async function getTenantBySlug(db: DbOrTx, slug: string): Promise<Tenant> {
  const tenant = await db.tenant.findUnique({ where: { slug } });
  if (tenant) return tenant;
  const known = await db.tenant.findMany({ select: { slug: true }, orderBy: { slug: "asc" }, take: 20 });
  throw new TenantNotFoundError(slug, known.map((t) => t.slug));
}
