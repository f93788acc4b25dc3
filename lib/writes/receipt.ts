// What an agent gets back when it asks for a write: the pending request, not a result.
import { z } from "zod";
import type { WritePreview } from "./write-operation";

export const PreviewSchema = z.object({
  summary: z.string(),
  changes: z.array(z.object({ target: z.string(), field: z.string(), before: z.unknown(), after: z.unknown() })),
  warnings: z.array(z.string()).optional(),
});

export const WriteReceiptSchema = z.object({
  requestId: z.string(),
  operation: z.string(),
  status: z.enum(["pending_approval", "approved", "executed", "failed", "rejected", "expired", "cancelled"]),
  preview: PreviewSchema,
  expiresAt: z.string(),
  /** True when an idempotency key matched an earlier request, which is returned instead. */
  existing: z.boolean(),
  message: z.string(),
});

export type WriteReceipt = z.infer<typeof WriteReceiptSchema>;

export function renderPreview(preview: WritePreview): string {
  return [
    preview.summary,
    ...preview.changes.map((c) => `  ${c.target} ${c.field}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`),
    ...(preview.warnings ?? []).map((w) => `  warning: ${w}`),
  ].join("\n");
}

export function renderReceipt(receipt: WriteReceipt): string {
  return [`${receipt.message}`, `Request ${receipt.requestId} (${receipt.status}), expires ${receipt.expiresAt}.`, renderPreview(receipt.preview)].join("\n");
}
