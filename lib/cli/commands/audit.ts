import { z } from "zod";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { TenantSlugSchema } from "@/lib/governance/tenants";
import { CliError, defineCommand, tenantFlag } from "../command";

export const auditVerify = defineCommand({
  name: "audit:verify",
  summary: "Verify the audit log's hash chains (exit 1 if any event was altered, removed or forged)",
  flags: { tenant: { type: "string", description: "Only this tenant's chain (default: every chain)", placeholder: "demo" } },
  schema: z.object({ tenant: TenantSlugSchema.optional() }),
  run: async (ctx, input) => {
    const db = await ctx.db();
    const tenants = input.tenant
      ? [await tenantFlag(db, input.tenant)]
      : await db.tenant.findMany({ orderBy: { slug: "asc" } });
    const results = [];
    for (const t of tenants) results.push({ tenant: t.slug, ...(await verifyAuditChain(db, t.id)) });
    if (!input.tenant) results.push({ tenant: "(no tenant)", ...(await verifyAuditChain(db, null)) });
    const lines = results.map((r) =>
      r.ok ? `ok      ${r.tenant}: ${r.checked} events` : `BROKEN  ${r.tenant}: at event #${r.brokenAtSeq} (id ${r.eventId}): ${r.reason}`,
    );
    const broken = results.filter((r) => !r.ok);
    if (broken.length) throw new CliError("audit_chain_broken", `Audit log integrity check failed:\n${lines.join("\n")}`);
    return { data: results, text: lines.join("\n") };
  },
});
