// Bulk statements (`INSERT … SELECT FROM unnest($n::uuid[], …)`) take one array per column. Passed
// as JavaScript arrays, each element is handled twice on its way out: Prisma serialises raw-query
// parameters to JSON and parses them back, element by element, and the `pg` driver then turns each
// array into PostgreSQL's text form, escaping every element with two regular expressions. For a
// batch of 1,000 rows that is milliseconds of CPU per statement (docs/benchmarks.md, "Ingest").
// Passed as one string in PostgreSQL's array syntax, the same column crosses both layers as a
// single value; the statement's cast (`$n::uuid[]`) parses it on the server, which the driver's own
// text form made it do anyway.

/** An element PostgreSQL reads the same whether quoted or not (no separators, quotes, braces or spaces). */
const BARE_ELEMENT = /^[A-Za-z0-9_.:+-]+$/;
const NEEDS_ESCAPE = /[\\"]/g;

export type ArrayElement = string | number | bigint | Date | null | undefined;

/**
 * One-dimensional PostgreSQL array literal of `values` (`{a,"b c",NULL}`): null and undefined are
 * SQL NULL, Dates are sent as ISO 8601 instants, numbers as written. Use it with an explicit cast
 * in the statement (`$2::text[]`, `$3::timestamptz[]`), which also validates every element.
 */
export function pgArrayLiteral(values: readonly ArrayElement[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = "NULL";
    else if (typeof v === "number" || typeof v === "bigint") parts[i] = String(v);
    else {
      const s = v instanceof Date ? v.toISOString() : v;
      // "NULL" unquoted would be read as SQL NULL, so the word is always quoted.
      parts[i] = BARE_ELEMENT.test(s) && !(s.length === 4 && s.toUpperCase() === "NULL") ? s : `"${s.replace(NEEDS_ESCAPE, "\\$&")}"`;
    }
  }
  return `{${parts.join(",")}}`;
}
