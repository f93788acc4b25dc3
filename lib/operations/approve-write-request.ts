// Approving a write request executes the operation it names; the lifecycle (lib/writes) enforces
// the approver role, four eyes, expiry and exactly-once, and this binds it to the catalogue so
// every surface (console, CLI, Slack) approves through the same declarations the agent asked with.
import type { Db } from "@/lib/db/client";
import { approveWriteRequestWith, type DecisionInput, type DecisionResult } from "@/lib/writes/decide-write-request";
import { findWriteOperation } from "./catalogue";

export function approveWriteRequest(db: Db, input: DecisionInput): Promise<DecisionResult> {
  return approveWriteRequestWith(db, input, findWriteOperation);
}
