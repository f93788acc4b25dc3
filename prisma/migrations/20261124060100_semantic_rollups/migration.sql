-- CreateTable
CREATE TABLE "rollup_order_days" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "store_id" UUID NOT NULL,
    "tier_id" UUID,
    "channel" "Channel" NOT NULL,
    "orders" INTEGER NOT NULL,
    "gmv_minor" BIGINT NOT NULL,

    CONSTRAINT "rollup_order_days_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollup_member_days" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "member_id" UUID NOT NULL,
    "store_id" UUID NOT NULL,
    "tier_id" UUID,
    "channel" "Channel" NOT NULL,
    "orders" INTEGER NOT NULL,

    CONSTRAINT "rollup_member_days_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollup_coupon_days" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "pool_id" UUID NOT NULL,
    "store_id" UUID,
    "tier_id" UUID,
    "channel" "Channel",
    "issued" INTEGER NOT NULL,
    "redeemed" INTEGER NOT NULL,

    CONSTRAINT "rollup_coupon_days_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollup_points_days" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "kind" "PointsKind" NOT NULL,
    "points" BIGINT NOT NULL,
    "entries" INTEGER NOT NULL,

    CONSTRAINT "rollup_points_days_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollup_member_join_days" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "home_store_id" UUID,
    "tier_id" UUID NOT NULL,
    "members" INTEGER NOT NULL,

    CONSTRAINT "rollup_member_join_days_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rollup_state" (
    "tenant_id" UUID NOT NULL,
    "time_zone" TEXT NOT NULL,
    "built_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rollup_state_pkey" PRIMARY KEY ("tenant_id")
);

-- CreateIndex
CREATE INDEX "rollup_order_days_tenant_id_day_idx" ON "rollup_order_days"("tenant_id", "day");

-- CreateIndex
CREATE INDEX "rollup_member_days_tenant_id_day_idx" ON "rollup_member_days"("tenant_id", "day");

-- CreateIndex
CREATE INDEX "rollup_coupon_days_tenant_id_day_idx" ON "rollup_coupon_days"("tenant_id", "day");

-- CreateIndex
CREATE INDEX "rollup_points_days_tenant_id_day_idx" ON "rollup_points_days"("tenant_id", "day");

-- CreateIndex
CREATE INDEX "rollup_member_join_days_tenant_id_day_idx" ON "rollup_member_join_days"("tenant_id", "day");
