// A console input the server refuses: a stable code and a message the admin can act on (shown by
// the action's result, never thrown across the wire).
export class ConsoleInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
