// Record schemas, batch parsing, CSV mapping and the rejection report, without a database.
import { describe, expect, it } from "vitest";
import { csvRowToRecord, parseCsvChunk } from "./file-formats";
import { formatOf, MAX_RECORDS_PER_BATCH, parseBatch } from "./parse-batch";
import { OrderRecord, PointsRecord, toMinorUnits } from "./records";
import { rejectionReportCsv } from "./rejection-report";

describe("ingest records", () => {
  const order = { id: "O1", store: "S1", placedAt: "2026-11-20T14:00:00Z", total: "12.50", currency: "USD", channel: "store" };

  it("accepts a valid order and refuses wrong types, negative totals, missing offsets and unknown fields", () => {
    expect(OrderRecord.parse(order)).toMatchObject({ status: "completed", total: "12.50" });
    expect(OrderRecord.parse({ ...order, total: 12.5 }).total).toBe("12.5");
    expect(OrderRecord.safeParse({ ...order, total: "-1" }).success).toBe(false);
    expect(OrderRecord.safeParse({ ...order, total: "1e3" }).success).toBe(false);
    expect(OrderRecord.safeParse({ ...order, placedAt: "2026-11-20 14:00" }).success).toBe(false);
    expect(OrderRecord.safeParse({ ...order, tenantId: "x" }).success).toBe(false);
    expect(OrderRecord.safeParse({ ...order, channel: "fax" }).success).toBe(false);
  });

  it("checks the sign of points by kind", () => {
    const base = { id: "P", member: "M", occurredAt: "2026-11-20T14:00:00Z" };
    expect(PointsRecord.safeParse({ ...base, kind: "award", points: 10 }).success).toBe(true);
    expect(PointsRecord.safeParse({ ...base, kind: "award", points: -10 }).success).toBe(false);
    expect(PointsRecord.safeParse({ ...base, kind: "redeem", points: 10 }).success).toBe(false);
    expect(PointsRecord.safeParse({ ...base, kind: "adjust", points: 0 }).success).toBe(false);
  });

  it("converts money exactly, refusing digits the currency does not have", () => {
    expect(toMinorUnits("12.5", 2)).toBe(1250n);
    expect(toMinorUnits("12.500", 2)).toBe(1250n);
    expect(toMinorUnits("12.505", 2)).toBeNull();
    expect(toMinorUnits("1200", 0)).toBe(1200n);
  });

  it("parses NDJSON (line numbers, bad lines as rows) and JSON (array or envelope)", () => {
    const nd = parseBatch('{"id":"a"}\n\n{bad\n', "ndjson");
    expect(nd).toMatchObject({ ok: true, rows: [{ row: 1, value: { id: "a" } }, { row: 3, parseError: expect.stringContaining("line 3") }] });
    expect(parseBatch('{"records":[{"id":"a"}],"partial":true}', "json")).toMatchObject({ ok: true, partial: true, rows: [{ row: 1 }] });
    expect(parseBatch('{"rows":[]}', "json")).toMatchObject({ ok: false, code: "invalid_batch" });
    expect(parseBatch("[]", "json")).toMatchObject({ ok: false, code: "empty_batch" });
    expect(parseBatch(JSON.stringify(Array.from({ length: MAX_RECORDS_PER_BATCH + 1 }, () => ({})) ), "json")).toMatchObject({ ok: false, code: "too_many_records" });
    expect([formatOf("application/x-ndjson"), formatOf("application/json; charset=utf-8"), formatOf("text/csv")]).toEqual(["ndjson", "json", null]);
  });

  it("maps flat CSV columns onto records", () => {
    expect(csvRowToRecord("orders", { id: "O1", member: "", coupon_code: "C1", coupon_pool: "Summer" })).toEqual({ id: "O1", coupon: { code: "C1", pool: "Summer" } });
    expect(csvRowToRecord("points", { points: "-40" })).toEqual({ points: -40 });
    expect(parseCsvChunk("stores", 'id,name,region\nS1,"A, B",East\n', 2)).toEqual([{ row: 2, value: { id: "S1", name: "A, B", region: "East" } }]);
  });

  it("writes a rejection report whose cells cannot run as spreadsheet formulas", () => {
    const csv = rejectionReportCsv([{ row: 3, id: "=HYPERLINK(1)", field: "total", code: "invalid_record", reason: 'total must be "positive", really' }]);
    expect(csv).toBe(`row,id,field,code,reason\n3,'=HYPERLINK(1),total,invalid_record,"total must be ""positive"", really"\n`);
  });
});
