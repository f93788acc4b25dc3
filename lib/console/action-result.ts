// Server actions answer with a result object, never a thrown error: a person sees a message they
// can act on, and no stack trace crosses the wire.
import { ConsoleInputError } from "./input-error";
import { ConsoleAccessError } from "./session";

export type ActionError = { status: "error"; code: string; message: string };

export function actionError(err: unknown): ActionError {
  if (err instanceof ConsoleAccessError || err instanceof ConsoleInputError) return { status: "error", code: err.code, message: err.message };
  console.error("console action failed", err);
  return { status: "error", code: "internal", message: "Something went wrong on the server; nothing was changed. Try again, and tell an operator if it keeps happening." };
}

export function formString(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

export function formStrings(form: FormData, name: string): string[] {
  return form.getAll(name).filter((v): v is string => typeof v === "string");
}
