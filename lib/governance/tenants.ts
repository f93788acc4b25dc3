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

/**
 * A tenant read alongside something else in one statement (a key, an access token): the columns to
 * select from the tenants table aliased `t`, and the row's tenant back as the Prisma type.
 */
export const TENANT_SELECT_SQL = `t.slug AS t_slug, t.name AS t_name, t.time_zone AS t_time_zone, t.currency AS t_currency, t.created_at AS t_created_at,
       t.ingest_stale_after_minutes AS t_ingest_stale_after_minutes`;

export type TenantColumns = {
  t_slug: string;
  t_name: string;
  t_time_zone: string;
  t_currency: string;
  t_created_at: Date;
  t_ingest_stale_after_minutes: number;
};

export function tenantFromRow(id: string, row: TenantColumns): Tenant {
  return {
    id,
    slug: row.t_slug,
    name: row.t_name,
    timeZone: row.t_time_zone,
    currency: row.t_currency,
    createdAt: row.t_created_at,
    ingestStaleAfterMinutes: row.t_ingest_stale_after_minutes,
  };
}
