// Runs once when a server instance starts: apply pending migrations before serving requests
// (instances starting together queue on an advisory lock; see lib/db/migrate.ts).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { prepareDatabase } = await import("@/lib/db/ready");
  await prepareDatabase();
}
