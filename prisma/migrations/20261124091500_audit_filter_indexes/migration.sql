-- The audit log filters at millions of events: outcome (denials, errors) and text in the target.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "audit_events_tenant_id_outcome_occurred_at_id_idx" ON "audit_events"("tenant_id", "outcome", "occurred_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_events_target_idx" ON "audit_events" USING GIN ("target" gin_trgm_ops);
