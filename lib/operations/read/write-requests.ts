// An agent following up on its own write requests: status, preview, decision and result.
import { z } from "zod";
import { WRITE_SCOPES } from "@/lib/governance/scopes";
import { cancelWriteRequest, getWriteRequest, listWriteRequests, viewOf, type WriteRequestView } from "@/lib/writes/read-write-requests";
import { defineOperation } from "../operation";

const STATUSES = ["pending_approval", "executed", "failed", "rejected", "expired", "cancelled"] as const;

const ViewSchema = z.object({
  id: z.string(),
  operation: z.string(),
  status: z.enum([...STATUSES, "approved"]),
  arguments: z.unknown(),
  preview: z.unknown(),
  createdAt: z.string(),
  expiresAt: z.string(),
  decidedAt: z.string().nullable(),
  executedAt: z.string().nullable(),
  reason: z.string().nullable(),
  result: z.unknown(),
  error: z.unknown(),
});

const line = (r: WriteRequestView) => `${r.id} ${r.operation}: ${r.status}${r.reason ? ` (${r.reason})` : ""} · created ${r.createdAt}`;

export const getWriteRequestOperation = defineOperation({
  name: "get_write_request",
  title: "Get a write request",
  description:
    "Status of one of this key's write requests (pending, executed, failed, rejected, expired, cancelled), with the preview, the approver's reason and the result or error. Use it to report back after an approver acted; never re-submit a pending request.",
  kind: "read",
  scope: WRITE_SCOPES,
  input: z.object({ requestId: z.string().min(1).max(64) }),
  output: ViewSchema,
  handler: async (ctx, input) => viewOf(await getWriteRequest(ctx.db, ctx.tenant.id, input.requestId, ctx.credential.id), ctx.now),
  render: line,
  target: (input) => `write_request:${input.requestId}`,
});

export const listWriteRequestsOperation = defineOperation({
  name: "list_write_requests",
  title: "List my write requests",
  description: "This key's write requests, newest first, optionally by status, with a cursor for more.",
  kind: "read",
  scope: WRITE_SCOPES,
  input: z.object({
    status: z.enum(STATUSES).optional(),
    limit: z.number().int().min(1).max(50).default(20),
    cursor: z.uuid().optional(),
  }),
  output: z.object({ requests: z.array(ViewSchema), nextCursor: z.string().nullable() }),
  handler: async (ctx, input) => {
    const status = input.status === "pending_approval" ? "pending" : input.status;
    const page = await listWriteRequests(ctx.db, ctx.tenant.id, { ...input, status, requesterKeyId: ctx.credential.id }, ctx.now);
    return { requests: page.requests.map((r) => viewOf(r, ctx.now)), nextCursor: page.nextCursor };
  },
  render: (out) => (out.requests.length ? out.requests.map(line).join("\n") : "No write requests."),
  target: () => "write_requests",
});

export const cancelWriteRequestOperation = defineOperation({
  name: "cancel_write_request",
  title: "Cancel my pending write request",
  description: "Withdraw one of this key's pending write requests (e.g. the user changed their mind). Only pending requests can be cancelled.",
  kind: "read",
  readOnly: false,
  scope: WRITE_SCOPES,
  input: z.object({ requestId: z.string().min(1).max(64) }),
  output: ViewSchema,
  handler: async (ctx, input) => viewOf(await cancelWriteRequest(ctx.db, ctx.credential, input.requestId, ctx.requestId, ctx.now), ctx.now),
  render: line,
  target: (input) => `write_request:${input.requestId}`,
});
