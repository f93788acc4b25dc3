// Prisma turns `contains`, `startsWith`, `endsWith` and case-insensitive `equals` into LIKE / ILIKE
// without escaping the value (prisma/prisma#10810, #19506): a "%" or "_" from a user would match
// other rows, and a trailing backslash makes PostgreSQL fail the query. User text goes through
// literal() before it reaches one of those filters (never a case-sensitive `equals`, which is `=`).
export function literal(value: string): string {
  return value.replace(/[\\%_]/g, "\\$&");
}
