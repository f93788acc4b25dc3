// What reaches the audit log: arguments with secrets removed and contact details masked.
import { maskEmail, maskPhone } from "@/lib/pii";

const SECRET_KEYS = /(secret|password|token|api[_-]?key|authorization|cookie)/i;
const EMAIL_KEYS = /^e-?mail$/i;
const PHONE_KEYS = /^(phone|mobile|tel)/i;
const MAX_STRING = 500;
const MAX_DEPTH = 6;
const MAX_ITEMS = 50;

/** A copy of `value` safe to store in the audit log. */
export function redactForAudit(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return "[truncated]";
  if (typeof value === "string") return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => redactForAudit(v, depth + 1));
    return value.length > MAX_ITEMS ? [...items, `[${value.length - MAX_ITEMS} more]`] : items;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const kept = SECRET_KEYS.test(key)
        ? "[redacted]"
        : EMAIL_KEYS.test(key) && typeof v === "string"
          ? maskEmail(v)
          : PHONE_KEYS.test(key) && typeof v === "string"
            ? maskPhone(v)
            : redactForAudit(v, depth + 1);
      // Defined, not assigned: assigning a "__proto__" key would drop it from the record of what was sent.
      Object.defineProperty(out, key, { value: kept, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
