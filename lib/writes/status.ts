import type { WriteRequest, WriteRequestStatus } from "@/lib/generated/prisma/client";

/** A pending request past its expiry is expired, even before anything has marked it so. */
export function effectiveStatus(request: Pick<WriteRequest, "status" | "expiresAt">, now: Date = new Date()): WriteRequestStatus {
  return request.status === "pending" && request.expiresAt <= now ? "expired" : request.status;
}
