-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "mac" TEXT,
ADD COLUMN     "mac_key_id" TEXT;

-- CreateTable
CREATE TABLE "audit_installation" (
    "id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_installation_pkey" PRIMARY KEY ("id")
);

-- This database's identity for the signed audit checkpoints kept outside it (lib/audit/checkpoints.ts):
-- one row, made here, never changed.
INSERT INTO "audit_installation" ("id") VALUES (gen_random_uuid());

CREATE FUNCTION "audit_installation_fixed"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_installation is fixed: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_installation_no_change"
  BEFORE INSERT OR UPDATE OR DELETE ON "audit_installation"
  FOR EACH ROW EXECUTE FUNCTION "audit_installation_fixed"();

CREATE TRIGGER "audit_installation_no_truncate"
  BEFORE TRUNCATE ON "audit_installation"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_installation_fixed"();

-- Hash version 3 (keyed): the app computes each event's link hash and its MAC, because the MAC key
-- must never reach the database. An append (one event inside a write's transaction, or a batch
-- of events in the group-commit flusher's transaction) first calls this function: it takes the
-- chain's advisory lock, held until the transaction ends, and then reads the head. Each statement
-- of a PL/pgSQL function takes a fresh snapshot under READ COMMITTED, so the head read after the
-- lock sees every append committed before it (one statement doing both would read with a snapshot
-- taken before the wait).
CREATE FUNCTION "socode_audit_lock_head"(p_chain text) RETURNS TABLE ("seq" bigint, "hash" text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || p_chain, 0));
  RETURN QUERY SELECT e."seq", e."hash" FROM "audit_events" e WHERE e."chain" = p_chain ORDER BY e."seq" DESC LIMIT 1;
END;
$$;

-- Version 2 appends (hash computed in the database, no MAC) are retired: verification refuses an
-- unkeyed event after a keyed one in the same chain.
DROP FUNCTION "socode_audit_append"(text, uuid, timestamptz, text, text, text, text, text, text, jsonb, "AuditOutcome", text, integer, text, uuid, text, text, text);
