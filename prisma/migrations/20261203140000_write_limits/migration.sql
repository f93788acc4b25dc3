-- Per-credential write limits (lib/governance/write-limits.ts): on keys (and so on OAuth grants,
-- which act through a key row), and on authorization codes, which carry the limits chosen at
-- consent to the grant's key row.
-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "write_limits" JSONB;

-- AlterTable
ALTER TABLE "oauth_authorization_codes" ADD COLUMN     "write_limits" JSONB;

-- CreateIndex
CREATE INDEX "write_requests_requester_key_id_created_at_idx" ON "write_requests"("requester_key_id", "created_at");
