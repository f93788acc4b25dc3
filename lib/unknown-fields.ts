// Unknown fields are refused everywhere input is validated (strict zod objects): a typo must not be
// dropped silently. The refusal names the field the caller probably meant — "group_by" for groupBy,
// "placed_at" for placedAt — and the fields there are, so the fix is in the message.
import { z } from "zod";

/** The object schema at `path` inside `schema` (through arrays and optional, nullable and default wrappers), if any. */
function objectSchemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodObject | null {
  let current: z.ZodType | undefined = schema;
  for (const step of [...path, null]) {
    while (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
    if (step === null) return current instanceof z.ZodObject ? current : null;
    if (current instanceof z.ZodArray && typeof step === "number") current = current.element as z.ZodType;
    else if (current instanceof z.ZodObject) current = current.shape[String(step)] as z.ZodType | undefined;
    else return null;
  }
  return null;
}

const spelling = (name: string) => name.toLowerCase().replace(/[_\-\s]/g, "");

/**
 * `unknown field(s) "group_by" (did you mean "groupBy"?); the fields are metric, window, groupBy, …`
 * for a zod `unrecognized_keys` issue at `path` of `schema`. Without a schema, only the names.
 */
export function describeUnknownFields(keys: readonly string[], schema?: z.ZodType, path: readonly PropertyKey[] = []): string {
  const object = schema ? objectSchemaAt(schema, path) : null;
  const known = object ? Object.keys(object.shape) : [];
  const named = keys.map((k) => {
    const meant = known.find((f) => spelling(f) === spelling(k));
    return meant ? `"${k}" (did you mean "${meant}"?)` : `"${k}"`;
  });
  return `unknown field(s) ${named.join(", ")}${known.length ? `; the fields are ${known.join(", ")}` : ""}`;
}
