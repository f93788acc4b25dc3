// Approving a write request executes the operation it names; the lifecycle (lib/writes) enforces
// the approver role, four eyes, expiry and exactly-once, and this binds it to the catalogue so
// every surface (console, CLI, Slack) approves through the same declarations the agent asked with.
import { expireEpochs } from "@/lib/db/cache-epochs";
import type { Db } from "@/lib/db/client";
import { approveWriteRequestWith, type DecisionInput, type DecisionResult } from "@/lib/writes/decide-write-request";
import { findWriteOperation } from "./catalogue";

export async function approveWriteRequest(db: Db, input: DecisionInput): Promise<DecisionResult> {
  try {
    return await approveWriteRequestWith(db, input, findWriteOperation);
  } finally {
    // The execution committed new facts (and bumped the tenant's semantic cache epoch): this
    // process re-reads the epochs before its next metric answer instead of within 250 ms.
    expireEpochs(db);
  }
}
