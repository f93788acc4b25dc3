-- Hand-written: metric answers cache a tenant's fact span and ingest feeds under its
-- "semantic:<tenant>" cache epoch (lib/semantic/semantic-cache.ts). Every ingest batch updates its
-- feed row in the batch's transaction, so the bump commits with the facts; a changed staleness
-- threshold or time zone on the tenant bumps it too.
CREATE TRIGGER ingest_feeds_cache_epoch AFTER INSERT OR UPDATE OR DELETE ON "ingest_feeds" FOR EACH ROW EXECUTE FUNCTION socode_semantic_changed();

CREATE FUNCTION socode_tenant_semantic_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.ingest_stale_after_minutes IS DISTINCT FROM NEW.ingest_stale_after_minutes OR OLD.time_zone IS DISTINCT FROM NEW.time_zone THEN
    PERFORM socode_bump_cache_epoch('semantic:' || NEW.id::text);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER tenants_semantic_cache_epoch AFTER UPDATE ON "tenants" FOR EACH ROW EXECUTE FUNCTION socode_tenant_semantic_changed();
