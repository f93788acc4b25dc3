-- CreateEnum
CREATE TYPE "IngestKind" AS ENUM ('stores', 'members', 'orders', 'redemptions', 'points');

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'mcp';

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "ingest_stale_after_minutes" INTEGER NOT NULL DEFAULT 1440;

-- CreateTable
CREATE TABLE "ingest_sources" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "webhook_secret" TEXT,
    "default_store_code" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ingest_sources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ingest_feeds" (
    "source_id" UUID NOT NULL,
    "kind" "IngestKind" NOT NULL,
    "tenant_id" UUID NOT NULL,
    "latest_fact_at" TIMESTAMPTZ(3),
    "last_received_at" TIMESTAMPTZ(3) NOT NULL,
    "accepted" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ingest_feeds_pkey" PRIMARY KEY ("source_id","kind")
);

-- CreateTable
CREATE TABLE "ingest_records" (
    "source_id" UUID NOT NULL,
    "kind" "IngestKind" NOT NULL,
    "external_id" TEXT NOT NULL,
    "entity_id" UUID NOT NULL,
    "content_hash" TEXT NOT NULL,
    "ingested_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ingest_records_pkey" PRIMARY KEY ("source_id","kind","external_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ingest_sources_tenant_id_name_key" ON "ingest_sources"("tenant_id", "name");

-- CreateIndex
CREATE INDEX "ingest_feeds_tenant_id_kind_idx" ON "ingest_feeds"("tenant_id", "kind");

-- AddForeignKey
ALTER TABLE "ingest_sources" ADD CONSTRAINT "ingest_sources_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ingest_feeds" ADD CONSTRAINT "ingest_feeds_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "ingest_sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ingest_records" ADD CONSTRAINT "ingest_records_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "ingest_sources"("id") ON DELETE CASCADE ON UPDATE CASCADE;
