-- A schema variant for bench/ingest/throughput.ts --schema-variant (measured, not migrated): the
-- same references as no-order-foreign-keys.sql drops, checked instead once per INSERT statement
-- over its transition table, each referenced row locked FOR KEY SHARE as a foreign key would
-- (without the locks a concurrent delete could slip between the check and the commit). Shows
-- whether a set-based check is cheaper than the per-row checks (docs/benchmarks.md: it is not).
ALTER TABLE orders DROP CONSTRAINT orders_store_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_member_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_tier_id_fkey;
ALTER TABLE ingest_records DROP CONSTRAINT ingest_records_source_id_fkey;

CREATE FUNCTION bench_orders_check_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad uuid;
BEGIN
  PERFORM 1 FROM stores s WHERE s.id IN (SELECT DISTINCT store_id FROM new_orders) FOR KEY SHARE;
  PERFORM 1 FROM members m WHERE m.id IN (SELECT DISTINCT member_id FROM new_orders) FOR KEY SHARE;
  PERFORM 1 FROM tiers t WHERE t.id IN (SELECT DISTINCT tier_id FROM new_orders) FOR KEY SHARE;
  SELECT n.id INTO bad FROM new_orders n
   WHERE NOT EXISTS (SELECT 1 FROM stores s WHERE s.id = n.store_id AND s.tenant_id = n.tenant_id)
      OR (n.member_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = n.member_id AND m.tenant_id = n.tenant_id))
      OR (n.tier_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tiers t WHERE t.id = n.tier_id AND t.tenant_id = n.tenant_id))
   LIMIT 1;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'order % references a store, member or tier that does not exist in its tenant', bad USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER bench_orders_check_references AFTER INSERT ON orders
  REFERENCING NEW TABLE AS new_orders FOR EACH STATEMENT EXECUTE FUNCTION bench_orders_check_references();

CREATE FUNCTION bench_ingest_records_check_source() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT source_id FROM new_records) n
             WHERE NOT EXISTS (SELECT 1 FROM ingest_sources s WHERE s.id = n.source_id FOR KEY SHARE)) THEN
    RAISE EXCEPTION 'ingest record names a source that does not exist' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER bench_ingest_records_check_source AFTER INSERT ON ingest_records
  REFERENCING NEW TABLE AS new_records FOR EACH STATEMENT EXECUTE FUNCTION bench_ingest_records_check_source();
