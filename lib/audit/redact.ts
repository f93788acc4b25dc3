// What reaches the audit log: arguments with secrets removed and contact details masked.
import { maskEmail, maskPhone } from "@/lib/governance/pii";

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
      if (SECRET_KEYS.test(key)) out[key] = "[redacted]";
      else if (EMAIL_KEYS.test(key) && typeof v === "string") out[key] = maskEmail(v);
      else if (PHONE_KEYS.test(key) && typeof v === "string") out[key] = maskPhone(v);
      else out[key] = redactForAudit(v, depth + 1);
    }
    return out;
  }
  return value;
}
