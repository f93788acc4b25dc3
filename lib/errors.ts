// Errors an operation reports to its caller: a stable code, a message the user can act on, and
// optional structured details (e.g. grounding suggestions). Anything else is an internal error
// whose details stay in the server log.
export type OperationErrorCode =
  | "unknown_operation"
  | "missing_scope"
  | "invalid_arguments"
  | "not_found"
  | "not_grounded"
  | "rate_limited"
  | "conflict"
  | "forbidden"
  | "four_eyes"
  | "request_not_pending"
  | "request_expired"
  | "arguments_tampered"
  | "invariant_violated"
  | "internal_error";

export class OperationError extends Error {
  readonly name = "OperationError";
  constructor(
    readonly code: OperationErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  toJSON() {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}
