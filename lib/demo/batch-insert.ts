// Buffered multi-row inserts: rows are collected column by column and written with one
// `INSERT … SELECT … FROM unnest($2::uuid[], …)` per batch, so memory stays bounded at any scale
// and each batch is a single parameterised statement on both PGlite and PostgreSQL. Batches go
// straight to the `pg` pool under the Prisma client (see `driverPool`): Prisma would keep the last
// hundred batches' arguments alive.
import type pg from "pg";
import { driverPool, type Db } from "@/lib/db/client";
import { HeapGuard } from "./heap";

export type CellValue = string | number | null;

export type ColumnSpec = {
  name: string;
  /** Element type of the parameter array, e.g. "uuid", "text", "int", "bigint", "timestamptz". */
  type: string;
  /** Cast applied in the SELECT, e.g. '"OrderStatus"' for enum columns sent as text. */
  cast?: string;
};

export class TableBuffer {
  private columns: CellValue[][];
  private readonly sql: string;
  rows = 0;
  written = 0;

  constructor(
    readonly table: string,
    private readonly tenantId: string,
    private readonly spec: readonly ColumnSpec[],
  ) {
    this.columns = spec.map(() => []);
    const names = spec.map((c) => `"${c.name}"`).join(", ");
    const params = spec.map((c, i) => `$${i + 2}::${c.type}[]`).join(", ");
    const select = spec.map((c) => (c.cast ? `u."${c.name}"::${c.cast}` : `u."${c.name}"`)).join(", ");
    this.sql =
      `INSERT INTO "${table}" ("tenant_id", ${names}) ` +
      `SELECT $1::uuid, ${select} FROM unnest(${params}) AS u(${names})`;
  }

  /** Appends one row; values in the order of the column spec. */
  push(values: readonly CellValue[]): void {
    for (let i = 0; i < values.length; i++) this.columns[i]?.push(values[i] ?? null);
    this.rows++;
  }

  async flush(pool: pg.Pool): Promise<void> {
    if (this.rows === 0) return;
    await pool.query(this.sql, [this.tenantId, ...this.columns]);
    this.written += this.rows;
    this.rows = 0;
    this.columns = this.spec.map(() => []);
  }
}

/** Tables in foreign-key order: flushing in this order never points at a row not yet written. */
export class DemoWriter {
  readonly stores: TableBuffer;
  readonly tiers: TableBuffer;
  readonly members: TableBuffer;
  readonly pools: TableBuffer;
  readonly orders: TableBuffer;
  readonly points: TableBuffer;
  readonly coupons: TableBuffer;
  readonly ambassadors: TableBuffer;
  private readonly ordered: TableBuffer[];
  private readonly heap = new HeapGuard();
  readonly pool: pg.Pool;

  constructor(
    db: Db,
    tenantId: string,
    private readonly batchRows: number,
  ) {
    this.pool = driverPool(db);
    this.stores = new TableBuffer("stores", tenantId, [
      { name: "id", type: "uuid" },
      { name: "code", type: "text" },
      { name: "name", type: "text" },
      { name: "region", type: "text" },
      { name: "created_at", type: "timestamptz" },
    ]);
    this.tiers = new TableBuffer("tiers", tenantId, [
      { name: "id", type: "uuid" },
      { name: "name", type: "text" },
      { name: "rank", type: "int" },
      { name: "min_points", type: "int" },
    ]);
    this.members = new TableBuffer("members", tenantId, [
      { name: "id", type: "uuid" },
      { name: "external_id", type: "text" },
      { name: "name", type: "text" },
      { name: "email", type: "text" },
      { name: "phone", type: "text" },
      { name: "tier_id", type: "uuid" },
      { name: "home_store_id", type: "uuid" },
      { name: "joined_at", type: "timestamptz" },
      { name: "status", type: "text", cast: '"MemberStatus"' },
      { name: "points_balance", type: "int" },
      { name: "updated_at", type: "timestamptz" },
    ]);
    this.pools = new TableBuffer("coupon_pools", tenantId, [
      { name: "id", type: "uuid" },
      { name: "name", type: "text" },
      { name: "campaign", type: "text" },
      { name: "discount_type", type: "text", cast: '"DiscountType"' },
      { name: "discount_value", type: "int" },
      { name: "valid_from", type: "timestamptz" },
      { name: "valid_to", type: "timestamptz" },
      { name: "size", type: "int" },
      { name: "created_at", type: "timestamptz" },
    ]);
    this.orders = new TableBuffer("orders", tenantId, [
      { name: "id", type: "uuid" },
      { name: "store_id", type: "uuid" },
      { name: "member_id", type: "uuid" },
      { name: "tier_id", type: "uuid" },
      { name: "total_minor", type: "bigint" },
      { name: "currency", type: "text" },
      { name: "status", type: "text", cast: '"OrderStatus"' },
      { name: "channel", type: "text", cast: '"Channel"' },
      { name: "placed_at", type: "timestamptz" },
    ]);
    this.points = new TableBuffer("points_entries", tenantId, [
      { name: "id", type: "uuid" },
      { name: "member_id", type: "uuid" },
      { name: "kind", type: "text", cast: '"PointsKind"' },
      { name: "delta", type: "int" },
      { name: "balance_after", type: "int" },
      { name: "reason", type: "text" },
      { name: "reference", type: "text" },
      { name: "created_at", type: "timestamptz" },
    ]);
    this.coupons = new TableBuffer("coupons", tenantId, [
      { name: "id", type: "uuid" },
      { name: "pool_id", type: "uuid" },
      { name: "code", type: "text" },
      { name: "member_id", type: "uuid" },
      { name: "created_at", type: "timestamptz" },
      { name: "issued_at", type: "timestamptz" },
      { name: "redeemed_at", type: "timestamptz" },
      { name: "order_id", type: "uuid" },
    ]);
    this.ambassadors = new TableBuffer("ambassador_codes", tenantId, [
      { name: "id", type: "uuid" },
      { name: "member_id", type: "uuid" },
      { name: "code", type: "text" },
      { name: "uses", type: "int" },
      { name: "created_at", type: "timestamptz" },
    ]);
    this.ordered = [this.stores, this.tiers, this.members, this.pools, this.orders, this.points, this.coupons, this.ambassadors];
  }

  /** Writes everything buffered once enough rows have piled up. */
  async maybeFlush(): Promise<void> {
    let pending = 0;
    for (const t of this.ordered) pending += t.rows;
    if (pending >= this.batchRows) await this.flushAll();
  }

  async flushAll(): Promise<void> {
    for (const t of this.ordered) await t.flush(this.pool);
    this.heap.check();
  }

  /** Rows written so far, by table. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.ordered.map((t) => [t.table, t.written + t.rows]));
  }
}
