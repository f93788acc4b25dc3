-- A member's coupons and orders, and the coupons of an order, were found by scanning: the existing
-- indexes lead with tenant_id or pool_id. These also serve the foreign keys (deleting or merging a
-- member, which sets these columns to NULL). Plain CREATE INDEX: it blocks writes to the table while
-- it builds; IF NOT EXISTS lets an operator build them first with CREATE INDEX CONCURRENTLY (docs/architecture.md).
-- CreateIndex
CREATE INDEX IF NOT EXISTS "coupons_member_id_idx" ON "coupons"("member_id");

-- CreateIndex
CREATE INDEX IF NOT EXISTS "coupons_order_id_idx" ON "coupons"("order_id");

-- CreateIndex
CREATE INDEX IF NOT EXISTS "orders_member_id_idx" ON "orders"("member_id");
