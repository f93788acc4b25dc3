-- A schema variant for bench/ingest/throughput.ts --schema-variant (measured, not migrated): the
-- orders' references to stores, members and tiers and ingest_records' reference to its source
-- dropped. The tenant reference stays (it carries the cascade when a tenant is deleted). Shows what
-- PostgreSQL's per-row foreign-key checks cost on the ingest path (docs/benchmarks.md).
ALTER TABLE orders DROP CONSTRAINT orders_store_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_member_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_tier_id_fkey;
ALTER TABLE ingest_records DROP CONSTRAINT ingest_records_source_id_fkey;
