import { describe, expect, it } from "vitest";
import { auditCsvRow, csvCell, csvLine } from "./export";
import type { AuditEventRow } from "./query-audit-events";

describe("CSV cells", () => {
  it("neutralises cells a spreadsheet would run as a formula", () => {
    expect(csvCell("=HYPERLINK(\"http://evil\")")).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell("+1+2")).toBe("'+1+2");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tcmd")).toBe("'\tcmd");
    expect(csvCell("\rcmd")).toBe(`"'\rcmd"`);
  });

  it("quotes commas, quotes and line breaks, and leaves plain text alone", () => {
    expect(csvCell("key.create")).toBe("key.create");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(42)).toBe("42");
    expect(csvCell(new Date("2026-11-20T10:00:00.000Z"))).toBe("2026-11-20T10:00:00.000Z");
    expect(csvCell({ a: 1, b: "x" })).toBe('"{""a"":1,""b"":""x""}"');
  });

  it("ends lines with CRLF", () => {
    expect(csvLine(["a", "b"])).toBe("a,b\r\n");
  });

  it("renders an event with an injected target safely", () => {
    const row: AuditEventRow = {
      id: "7",
      seq: "3",
      chain: "t",
      tenantId: "t",
      occurredAt: new Date("2026-11-20T10:00:00.000Z"),
      actorType: "key",
      actorId: "k1",
      actorLabel: "Claude",
      surface: "mcp",
      action: "query_metric",
      target: "=cmd|' /C calc'!A0",
      arguments: { metric: "gmv" },
      outcome: "ok",
      errorCode: null,
      latencyMs: 12,
      requestId: null,
      writeRequestId: null,
      clientName: null,
      clientVersion: null,
      prevHash: "0",
      hash: "h",
      hashVersion: 3,
      mac: "m",
      macKeyId: "k1",
    };
    const line = auditCsvRow(row);
    expect(line).toContain(",'=cmd|' /C calc'!A0,");
    expect(line.startsWith("2026-11-20T10:00:00.000Z,7,3,key,k1,Claude,mcp,query_metric,")).toBe(true);
  });
});
