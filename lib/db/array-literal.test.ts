// Array literals read back by a real PostgreSQL (PGlite, or the server with TEST_DATABASE_URL),
// through Prisma's raw queries as the ingest path sends them: every element arrives as it left.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/database";
import { pgArrayLiteral } from "./array-literal";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const roundTrip = async (cast: string, literal: string) => (await t.db.$queryRawUnsafe<{ v: unknown[] | null }[]>(`SELECT $1::${cast} AS v`, literal))[0]?.v;

describe("pgArrayLiteral", () => {
  it("writes plain elements bare and quotes the rest", () => {
    expect(pgArrayLiteral(["S01", "a b", "", null, "NULL", 'x"y', "a\\b", 7, 12n])).toBe('{S01,"a b","",NULL,"NULL","x\\"y","a\\\\b",7,12}');
    expect(pgArrayLiteral([])).toBe("{}");
  });

  it("text elements survive PostgreSQL's parser unchanged, whatever they contain", async () => {
    const values = [
      "S01",
      "",
      "NULL",
      "null",
      "Null",
      " leading and trailing ",
      "comma, separated",
      "{braces}",
      '"quoted"',
      "back\\slash\\",
      '\\"',
      "new\nline\ttab",
      "Zürich — 東京 🎉",
      "ends with backslash \\",
      "[1:2]",
      "a=b;c",
    ];
    expect(await roundTrip("text[]", pgArrayLiteral(values))).toEqual(values);
    expect(await roundTrip("text[]", pgArrayLiteral(["x", null, undefined, "y"]))).toEqual(["x", null, null, "y"]);
    expect(await roundTrip("text[]", pgArrayLiteral([]))).toEqual([]);
  });

  it("typed casts read uuids, instants and integers as the driver's own arrays did", async () => {
    const ids = ["0192f0c4-8a4e-7c3d-9b1a-2f3e4d5c6b7a", "0192f0c4-8a4e-7c3d-9b1a-2f3e4d5c6b7b"];
    expect(await roundTrip("uuid[]", pgArrayLiteral([ids[0], null, ids[1]]))).toEqual([ids[0], null, ids[1]]);
    const at = new Date("2026-11-24T15:00:00.123Z");
    const instants = await roundTrip("timestamptz[]", pgArrayLiteral([at, "2026-03-08T07:30:00.000Z", "2026-03-08T02:30:00-05:00"]));
    expect((instants as Date[]).map((d) => new Date(d).toISOString())).toEqual([at.toISOString(), "2026-03-08T07:30:00.000Z", "2026-03-08T07:30:00.000Z"]);
    const big = await roundTrip("bigint[]", pgArrayLiteral(["9007199254740993", -5, 0n]));
    expect((big as unknown[]).map(String)).toEqual(["9007199254740993", "-5", "0"]);
  });

  it("a malformed element is refused by the cast, not silently read", async () => {
    await expect(roundTrip("uuid[]", pgArrayLiteral(["not-a-uuid"]))).rejects.toThrow();
    await expect(roundTrip("bigint[]", pgArrayLiteral(["12.5"]))).rejects.toThrow();
  });
});
