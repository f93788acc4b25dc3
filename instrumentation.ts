// Runs once when a server instance starts: apply pending migrations before serving requests
// (instances starting together queue on an advisory lock; see lib/db/migrate.ts), check the audit
// keys (an invalid SOCODE_AUDIT_KEYS stops the start instead of failing every audited request),
// start the periodic signed checkpoints of the audit chains, and hand the handlers of /api/mcp and of
// the ingest batches to bin/socode-server.mjs, which serves them ahead of the Next.js router
// (lib/http/node-endpoints.ts).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { prepareDatabase } = await import("@/lib/db/ready");
  const { handle } = await prepareDatabase();
  const { auditKeyring } = await import("@/lib/audit/audit-keys");
  auditKeyring();
  const { startAuditCheckpoints } = await import("@/lib/audit/checkpoints");
  startAuditCheckpoints(handle.db);
  const { exposeNodeMcpEndpoint } = await import("@/lib/mcp/node-endpoint");
  exposeNodeMcpEndpoint();
  const { exposeNodeIngestEndpoint } = await import("@/lib/ingest/node-endpoint");
  exposeNodeIngestEndpoint();
}
