import { z } from "zod";
import { TenantSlugSchema } from "@/lib/governance/tenants";
import { OperationError } from "@/lib/errors";
import { approveWriteRequest } from "@/lib/operations/approve-write-request";
import { rejectWriteRequest, type DecisionResult } from "@/lib/writes/decide-write-request";
import { listWriteRequests, viewOf } from "@/lib/writes/read-write-requests";
import { renderPreview } from "@/lib/writes/receipt";
import { refreshSlackWriteMessage } from "@/lib/slack/write-message";
import type { WritePreview } from "@/lib/writes/write-operation";
import { CliError, defineCommand, tenantFlag, type CliContext } from "../command";

const STATUSES = ["pending", "approved", "executed", "failed", "rejected", "expired", "cancelled"] as const;

export const writesList = defineCommand({
  name: "writes:list",
  summary: "List a tenant's write requests (newest first)",
  flags: {
    tenant: { type: "string", description: "Tenant slug", placeholder: "demo" },
    status: { type: "string", description: STATUSES.join(" | "), placeholder: "pending" },
    limit: { type: "string", description: "At most this many (default 50)", placeholder: "50" },
  },
  schema: z.object({ tenant: TenantSlugSchema, status: z.enum(STATUSES).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
  run: async (ctx, input) => {
    const db = await ctx.db();
    const tenant = await tenantFlag(db, input.tenant);
    const { requests } = await listWriteRequests(db, tenant.id, { status: input.status, limit: input.limit });
    const views = requests.map((r) => viewOf(r));
    const text = views.length
      ? views.map((v) => `${v.id}  ${v.status.padEnd(9)}  ${v.operation}  ${(v.preview as WritePreview).summary}`).join("\n")
      : "No write requests.";
    return { data: views, text };
  },
});

async function decide(ctx: CliContext, id: string, email: string, action: (db: Awaited<ReturnType<CliContext["db"]>>, tenantId: string, userId: string) => Promise<DecisionResult>) {
  const db = await ctx.db();
  const request = await db.writeRequest.findFirst({ where: { id } });
  if (!request) throw new CliError("not_found", `No write request ${id}.`);
  const user = await db.user.findUnique({ where: { email: email.toLowerCase() } });
  if (!user) throw new CliError("user_not_found", `No console user ${email}.`);
  try {
    const { request: decided, outcome } = await action(db, request.tenantId, user.id);
    // A request asked for in Slack shows the decision there too (its buttons are replaced), as from the console.
    await refreshSlackWriteMessage(db, decided.id);
    const view = viewOf(decided);
    if (outcome === "failed" || outcome === "expired") {
      const detail = outcome === "failed" ? (decided.error as { message?: string } | null)?.message : "it expired before approval";
      throw new CliError(`request_${outcome}`, `Write request ${id} ${outcome}: ${detail ?? "see writes:list"}. Nothing was changed.`);
    }
    return { data: view, text: `${outcome === "executed" ? "Approved and executed" : "Rejected"} ${id} (${view.operation}).\n${renderPreview(view.preview as WritePreview)}` };
  } catch (err) {
    if (err instanceof OperationError) throw new CliError(err.code, err.message);
    throw err;
  }
}

export const writesApprove = defineCommand({
  name: "writes:approve",
  summary: "Approve a pending write request as a console user with the approver role (executes it)",
  flags: {
    id: { type: "string", description: "Write request id", placeholder: "uuid" },
    as: { type: "string", description: "Email of the approving console user", placeholder: "email" },
    reason: { type: "string", description: "Optional note", placeholder: "text" },
  },
  schema: z.object({ id: z.uuid({ error: "must be a write request id from writes:list" }), as: z.email(), reason: z.string().max(500).optional() }),
  run: (ctx, input) =>
    decide(ctx, input.id, input.as, (db, tenantId, userId) =>
      approveWriteRequest(db, { tenantId, requestId: input.id, decider: { userId, surface: "cli" }, reason: input.reason }),
    ),
});

export const writesReject = defineCommand({
  name: "writes:reject",
  summary: "Reject a pending write request as a console user with the approver role",
  flags: {
    id: { type: "string", description: "Write request id", placeholder: "uuid" },
    as: { type: "string", description: "Email of the rejecting console user", placeholder: "email" },
    reason: { type: "string", description: "Why (required)", placeholder: "text" },
  },
  schema: z.object({ id: z.uuid({ error: "must be a write request id from writes:list" }), as: z.email(), reason: z.string({ error: "is required" }).trim().min(3).max(500) }),
  run: (ctx, input) =>
    decide(ctx, input.id, input.as, (db, tenantId, userId) =>
      rejectWriteRequest(db, { tenantId, requestId: input.id, decider: { userId, surface: "cli" }, reason: input.reason }),
    ),
});
