import { describe, expect, it } from "vitest";
import {
  auditFilterToSearchParams,
  decodeAuditCursor,
  encodeAuditCursor,
  parseAuditFilter,
  parseFilterDate,
} from "./query-audit-events";

describe("audit filters in the URL", () => {
  it("parses every field from search params", () => {
    const { filter, problems } = parseAuditFilter(
      new URLSearchParams("from=2026-11-01&to=2026-11-20T14:30&actor=admin%40demo.test&surface=mcp&action=query_metric&outcome=denied&q=gmv"),
    );
    expect(problems).toEqual([]);
    expect(filter).toEqual({
      from: new Date("2026-11-01T00:00:00.000Z"),
      to: new Date("2026-11-20T14:30:00.000Z"),
      actor: "admin@demo.test",
      surface: "mcp",
      action: "query_metric",
      outcome: "denied",
      q: "gmv",
    });
  });

  it("round-trips through URLSearchParams, omitting empty fields", () => {
    const input = "from=2026-11-01&to=2026-11-20&actor=k-1&surface=console&action=key.create&outcome=ok&q=key%3A1";
    const { filter } = parseAuditFilter(new URLSearchParams(input));
    expect(auditFilterToSearchParams(filter).toString()).toBe(input);
    expect(auditFilterToSearchParams(parseAuditFilter({ q: "", surface: undefined }).filter).toString()).toBe("");
  });

  it("treats a date-only 'to' as the whole day", () => {
    expect(parseFilterDate("2026-11-20", "to")).toEqual(new Date("2026-11-21T00:00:00.000Z"));
    expect(parseFilterDate("2026-11-20", "from")).toEqual(new Date("2026-11-20T00:00:00.000Z"));
  });

  it("drops invalid values and says why, in words", () => {
    const { filter, problems } = parseAuditFilter({ from: "yesterday", surface: "email", outcome: ["denied", "ok"], to: "2026-02-30" });
    expect(filter).toEqual({ outcome: "denied" });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/use a date like 2026-11-20/);
    expect(problems.join(" ")).toMatch(/surface=email": use one of mcp, console, cli/);
  });

  it("refuses a reversed time range", () => {
    const { filter, problems } = parseAuditFilter({ from: "2026-11-20", to: "2026-11-01" });
    expect(filter.from).toBeUndefined();
    expect(filter.to).toBeUndefined();
    expect(problems[0]).toMatch(/"from" must be before "to"/);
  });
});

describe("keyset cursor", () => {
  it("round-trips and rejects tampering", () => {
    const cursor = { occurredAt: new Date("2026-11-20T10:00:00.123Z"), id: 9_007_199_254_740_993n };
    expect(decodeAuditCursor(encodeAuditCursor(cursor))).toEqual(cursor);
    expect(decodeAuditCursor("not-a-cursor")).toBeNull();
    expect(decodeAuditCursor(Buffer.from("2026-11-20|1; DROP TABLE").toString("base64url"))).toBeNull();
    expect(decodeAuditCursor(undefined)).toBeNull();
  });
});
