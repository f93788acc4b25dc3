// A write request is bound to a hash of exactly what will run: tenant, requesting key, operation
// and normalised arguments. Approval recomputes it; stored arguments that no longer match are refused.
import crypto from "node:crypto";
import { canonicalJson } from "@/lib/audit/canonical-json";

export type HashedRequest = { tenantId: string; requesterKeyId: string | null; operation: string; arguments: unknown };

export function writeArgumentsHash(request: HashedRequest): string {
  return crypto
    .createHash("sha256")
    .update(canonicalJson({ tenantId: request.tenantId, requesterKeyId: request.requesterKeyId, operation: request.operation, arguments: request.arguments }))
    .digest("hex");
}
