// What the approvals page shows, safe to import from client components (no database code): the
// shape of a queue item and of the polled snapshot (validated when it arrives in the browser), and
// times in words.
import { z } from "zod";

export const ApprovalItemSchema = z.object({
  id: z.string(),
  operation: z.string(),
  /** The operation in plain words, e.g. "Top up a coupon pool". */
  operationTitle: z.string(),
  /** The preview's one-line summary, e.g. 'Add 500 new codes to pool "Summer".' */
  summary: z.string(),
  changes: z.array(z.object({ target: z.string(), field: z.string(), before: z.string(), after: z.string() })),
  warnings: z.array(z.string()),
  /** The exact arguments that will be executed, pretty-printed JSON. */
  argumentsJson: z.string(),
  requester: z
    .object({
      keyName: z.string(),
      keyPrefix: z.string(),
      issuerEmail: z.string().nullable(),
      /** The requesting key's write limits now, one line each: approval executes only within them. */
      writeLimits: z.array(z.string()).default([]),
    })
    .nullable(),
  status: z.enum(["pending_approval", "approved", "executed", "failed", "rejected", "expired", "cancelled"]),
  createdAt: z.string(),
  expiresAt: z.string(),
  /** The viewer issued the requesting key, so the four-eyes rule stops them approving it. */
  selfIssued: z.boolean(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  reason: z.string().nullable(),
  /** The executed result in words (the operation's describeResult), or why it failed. */
  outcomeText: z.string().nullable(),
});
export type ApprovalItem = z.infer<typeof ApprovalItemSchema>;
export type ApprovalChange = ApprovalItem["changes"][number];

export const ApprovalsSnapshotSchema = z.object({ now: z.string(), pending: z.array(ApprovalItemSchema), history: z.array(ApprovalItemSchema) });
export type ApprovalsSnapshot = z.infer<typeof ApprovalsSnapshotSchema>;

export const FOUR_EYES_EXPLANATION = "You issued the key that asked for this; another approver must approve it (four-eyes rule).";

function span(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 && hours < 10 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

/** "asked 5 min ago" */
export function describeAge(createdAt: string, now: string): string {
  const ms = Date.parse(now) - Date.parse(createdAt);
  return ms < 60_000 ? "asked just now" : `asked ${span(ms)} ago`;
}

/** "expires in 23 h" / "expired 2 h ago" */
export function describeExpiry(expiresAt: string, now: string): string {
  const ms = Date.parse(expiresAt) - Date.parse(now);
  return ms > 0 ? `expires in ${span(ms)}` : `expired ${span(-ms)} ago`;
}
