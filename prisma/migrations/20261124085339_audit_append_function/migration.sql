-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "hash_version" SMALLINT NOT NULL DEFAULT 1;

-- Appends one event to its chain in a single statement. The chain's advisory lock is taken inside,
-- so in autocommit it is held only for this statement (no network round trips while holding it);
-- inside a larger transaction it is held until that transaction ends, as before. Each statement of
-- a PL/pgSQL function takes a fresh snapshot under READ COMMITTED, so the head read after the lock
-- sees every append committed before it. The app supplies p_content_digest, the SHA-256 of the
-- event's canonical JSON without seq and prev_hash (lib/audit/record-audit-event.ts), and
-- verification recomputes both digests from the stored row.
CREATE FUNCTION "socode_audit_append"(
  p_chain text,
  p_tenant_id uuid,
  p_occurred_at timestamptz,
  p_actor_type text,
  p_actor_id text,
  p_actor_label text,
  p_surface text,
  p_action text,
  p_target text,
  p_arguments jsonb,
  p_outcome "AuditOutcome",
  p_error_code text,
  p_latency_ms integer,
  p_request_id text,
  p_write_request_id uuid,
  p_client_name text,
  p_client_version text,
  p_content_digest text
) RETURNS TABLE ("id" bigint, "seq" bigint, "hash" text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_seq bigint;
  v_prev text;
  v_hash text;
  v_id bigint;
BEGIN
  IF p_content_digest !~ '^[0-9a-f]{64}$' THEN
    RAISE EXCEPTION 'socode_audit_append: content digest must be 64 hex characters';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || p_chain, 0));
  SELECT e."seq", e."hash" INTO v_seq, v_prev
    FROM "audit_events" e WHERE e."chain" = p_chain ORDER BY e."seq" DESC LIMIT 1;
  v_seq := COALESCE(v_seq, 0) + 1;
  v_prev := COALESCE(v_prev, repeat('0', 64));
  v_hash := encode(sha256(convert_to(v_prev || ':' || v_seq::text || ':' || p_content_digest, 'UTF8')), 'hex');
  INSERT INTO "audit_events" (
    "chain", "seq", "tenant_id", "occurred_at", "actor_type", "actor_id", "actor_label", "surface",
    "action", "target", "arguments", "outcome", "error_code", "latency_ms", "request_id",
    "write_request_id", "client_name", "client_version", "prev_hash", "hash", "hash_version"
  ) VALUES (
    p_chain, v_seq, p_tenant_id, p_occurred_at, p_actor_type, p_actor_id, p_actor_label, p_surface,
    p_action, p_target, p_arguments, p_outcome, p_error_code, p_latency_ms, p_request_id,
    p_write_request_id, p_client_name, p_client_version, v_prev, v_hash, 2
  ) RETURNING "audit_events"."id" INTO v_id;
  RETURN QUERY SELECT v_id, v_seq, v_hash;
END;
$$;
