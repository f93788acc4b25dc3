import { z } from "zod";
import { writeAuditCheckpoints } from "@/lib/audit/checkpoints";
import { GLOBAL_CHAIN } from "@/lib/audit/chain-format";
import { verifyAuditChain, type ChainVerification } from "@/lib/audit/verify-audit-chain";
import { TenantSlugSchema } from "@/lib/governance/tenants";
import { CliError, defineCommand, tenantFlag } from "../command";

function checkpointNote(r: ChainVerification): string {
  const c = r.checkpoint.latest;
  const anchored = c ? `checkpoint #${c.seq} of ${c.at} holds` : "no checkpoint yet";
  const rejected = r.checkpoint.rejected ? `; ${r.checkpoint.rejected} checkpoint line(s) with a bad signature ignored` : "";
  return `${anchored}${rejected}`;
}

export const auditVerify = defineCommand({
  name: "audit:verify",
  summary: "Verify the audit log's hash chains, MACs and signed checkpoints (exit 1 if any event was altered, removed or forged)",
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
      r.ok
        ? `ok      ${r.tenant}: ${r.checked} events (${r.keyed} with a valid MAC), ${checkpointNote(r)}`
        : `BROKEN  ${r.tenant}: at event #${r.brokenAtSeq}${r.eventId ? ` (id ${r.eventId})` : ""}: ${r.reason}`,
    );
    const broken = results.filter((r) => !r.ok);
    if (broken.length) throw new CliError("audit_chain_broken", `Audit log integrity check failed:\n${lines.join("\n")}`);
    return { data: results, text: lines.join("\n") };
  },
});

export const auditCheckpoint = defineCommand({
  name: "audit:checkpoint",
  summary: "Write a signed checkpoint of each audit chain's head outside the database (exit 1 if a chain contradicts its last one)",
  flags: { tenant: { type: "string", description: "Only this tenant's chain (default: every chain)", placeholder: "demo" } },
  schema: z.object({ tenant: TenantSlugSchema.optional() }),
  run: async (ctx, input) => {
    const db = await ctx.db();
    const tenants = await db.tenant.findMany({ orderBy: { slug: "asc" }, ...(input.tenant ? { where: { id: (await tenantFlag(db, input.tenant)).id } } : {}) });
    const names = new Map<string, string>([...tenants.map((t) => [t.id, t.slug] as const), [GLOBAL_CHAIN, "(no tenant)"]]);
    const chains = input.tenant ? tenants.map((t) => t.id) : [...tenants.map((t) => t.id), GLOBAL_CHAIN];
    // The CLI's own output is the record here; the server log gets the app's periodic checkpoints.
    const outcomes = await writeAuditCheckpoints(db, { chains, log: () => {} });
    const lines = outcomes.map((o) => {
      const name = names.get(o.chain) ?? o.chain;
      if (o.status === "refused") return `REFUSED ${name}: ${o.reason}`;
      if (o.status === "empty") return `empty   ${name}: no events yet`;
      const c = o.checkpoint;
      return `${o.status === "written" ? "written" : "same   "} ${name}: #${c?.seq ?? "?"} ${c?.hash.slice(0, 16) ?? ""}… (${c?.at ?? ""}, key ${c?.keyId ?? ""})`;
    });
    if (outcomes.some((o) => o.status === "refused")) throw new CliError("audit_checkpoint_refused", `Some chains contradict their last checkpoint:\n${lines.join("\n")}`);
    return { data: outcomes, text: lines.join("\n") };
  },
});
