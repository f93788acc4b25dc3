-- CreateTable
CREATE TABLE "cache_epochs" (
    "scope" TEXT NOT NULL,
    "epoch" BIGINT NOT NULL DEFAULT 0,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cache_epochs_pkey" PRIMARY KEY ("scope")
);

-- Hand-written: bump a cache epoch in the same transaction as the change it invalidates, so no
-- code path (console, CLI, OAuth, a future surface, a manual UPDATE) can forget to, and a
-- revocation cannot be lost between its commit and a notification. Columns that change on every
-- use (last_used_at, used_at, last_sign_in_at) do not bump.
CREATE FUNCTION socode_bump_cache_epoch(target text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO "cache_epochs" (scope, epoch, changed_at) VALUES (target, 1, now())
  ON CONFLICT (scope) DO UPDATE SET epoch = "cache_epochs".epoch + 1, changed_at = now();
$$;

CREATE FUNCTION socode_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - 'last_used_at' - 'used_at' - 'last_sign_in_at') = (to_jsonb(NEW) - 'last_used_at' - 'used_at' - 'last_sign_in_at') THEN
    RETURN NULL;
  END IF;
  PERFORM socode_bump_cache_epoch('credentials');
  RETURN NULL;
END;
$$;

CREATE TRIGGER api_keys_cache_epoch AFTER UPDATE OR DELETE ON "api_keys" FOR EACH ROW EXECUTE FUNCTION socode_credentials_changed();
CREATE TRIGGER oauth_grants_cache_epoch AFTER UPDATE OR DELETE ON "oauth_grants" FOR EACH ROW EXECUTE FUNCTION socode_credentials_changed();
CREATE TRIGGER oauth_tokens_cache_epoch AFTER UPDATE OR DELETE ON "oauth_tokens" FOR EACH ROW EXECUTE FUNCTION socode_credentials_changed();
CREATE TRIGGER users_cache_epoch AFTER UPDATE OR DELETE ON "users" FOR EACH ROW EXECUTE FUNCTION socode_credentials_changed();
CREATE TRIGGER memberships_cache_epoch AFTER INSERT OR UPDATE OR DELETE ON "memberships" FOR EACH ROW EXECUTE FUNCTION socode_credentials_changed();
CREATE TRIGGER tenants_cache_epoch AFTER UPDATE OR DELETE ON "tenants" FOR EACH ROW EXECUTE FUNCTION socode_credentials_changed();

-- A tenant's metric freshness and dimension labels are cached per "semantic:<tenant>" epoch.
CREATE FUNCTION socode_semantic_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM socode_bump_cache_epoch('semantic:' || (CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant_id ELSE NEW.tenant_id END)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER rollup_state_cache_epoch AFTER INSERT OR UPDATE OR DELETE ON "rollup_state" FOR EACH ROW EXECUTE FUNCTION socode_semantic_changed();
CREATE TRIGGER stores_cache_epoch AFTER INSERT OR UPDATE OR DELETE ON "stores" FOR EACH ROW EXECUTE FUNCTION socode_semantic_changed();
CREATE TRIGGER tiers_cache_epoch AFTER INSERT OR UPDATE OR DELETE ON "tiers" FOR EACH ROW EXECUTE FUNCTION socode_semantic_changed();
CREATE TRIGGER coupon_pools_cache_epoch AFTER INSERT OR UPDATE OR DELETE ON "coupon_pools" FOR EACH ROW EXECUTE FUNCTION socode_semantic_changed();
