-- Exact distinct active-member counts per day range × grouping set (lib/semantic/active-ranges.ts).
-- CreateTable
CREATE TABLE "rollup_active_member_ranges" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "from_day" DATE NOT NULL,
    "to_day" DATE NOT NULL,
    "grouping" SMALLINT NOT NULL,
    "stores_version" TEXT NOT NULL,
    "built_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rollup_active_member_ranges_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollup_active_member_range_rows" (
    "id" BIGSERIAL NOT NULL,
    "range_id" BIGINT NOT NULL,
    "store_id" UUID,
    "region" TEXT,
    "tier_id" UUID,
    "channel" "Channel",
    "members" INTEGER NOT NULL,

    CONSTRAINT "rollup_active_member_range_rows_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "rollup_active_member_ranges_tenant_id_to_day_idx" ON "rollup_active_member_ranges"("tenant_id", "to_day");

-- CreateIndex
CREATE UNIQUE INDEX "rollup_active_member_ranges_tenant_id_from_day_to_day_group_key" ON "rollup_active_member_ranges"("tenant_id", "from_day", "to_day", "grouping");

-- CreateIndex
CREATE INDEX "rollup_active_member_range_rows_range_id_idx" ON "rollup_active_member_range_rows"("range_id");

-- AddForeignKey
ALTER TABLE "rollup_active_member_range_rows" ADD CONSTRAINT "rollup_active_member_range_rows_range_id_fkey" FOREIGN KEY ("range_id") REFERENCES "rollup_active_member_ranges"("id") ON DELETE CASCADE ON UPDATE CASCADE;
