// Deterministic JSON: object keys sorted at every level, so a value hashes the same after a round
// trip through PostgreSQL's jsonb (which reorders keys).
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}
