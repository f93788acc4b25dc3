// PostgreSQL extensions the migrations use, which PGlite must load when it opens a database (the
// server mode has them from PostgreSQL's contrib package). One list for every PGlite we create.
export async function pgliteExtensions() {
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  return { pg_trgm };
}
