// rawTransaction on a real PostgreSQL (PGlite through its socket, or the server with
// TEST_DATABASE_URL): what it commits, what it rolls back, and that its connections stay usable.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { driverPool } from "./client";
import { rawTransaction } from "./raw-transaction";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.$executeRawUnsafe(`CREATE TABLE raw_tx_probe (id int PRIMARY KEY, label text NOT NULL, big bigint)`);
}, 120_000);
afterAll(async () => {
  await t?.db.$executeRawUnsafe(`DROP TABLE IF EXISTS raw_tx_probe`);
  await t?.close();
});

const labels = async () => (await t.db.$queryRawUnsafe<{ label: string }[]>(`SELECT label FROM raw_tx_probe ORDER BY id`)).map((r) => r.label);

describe("rawTransaction", () => {
  it("commits every statement when the function returns, and returns its result", async () => {
    const result = await rawTransaction(t.db, async (tx) => {
      const inserted = await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe (id, label, big) SELECT i, 'row ' || i, 9007199254740993 FROM unnest($1::int[]) AS i`, "{1,2}");
      const rows = await tx.$queryRawUnsafe<{ label: string; big: string }[]>(`SELECT label, big::text AS big FROM raw_tx_probe WHERE id = $1::int`, 2);
      return { inserted, rows };
    });
    expect(result).toEqual({ inserted: 2, rows: [{ label: "row 2", big: "9007199254740993" }] });
    expect(await labels()).toEqual(["row 1", "row 2"]);
  });

  it("rolls everything back when the function throws, and rethrows what it threw", async () => {
    const refused = new Error("refused after two statements");
    await expect(
      rawTransaction(t.db, async (tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe (id, label) VALUES (3, 'three')`);
        await tx.$executeRawUnsafe(`UPDATE raw_tx_probe SET label = 'changed' WHERE id = 1`);
        throw refused;
      }),
    ).rejects.toBe(refused);
    expect(await labels()).toEqual(["row 1", "row 2"]);
  });

  it("rolls back on a failed statement; the pool's connections stay usable afterwards", async () => {
    const pool = driverPool(t.db);
    for (let i = 0; i < pool.options.max + 2; i++) {
      await expect(
        rawTransaction(t.db, async (tx) => {
          await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe (id, label) VALUES (4, 'four')`);
          await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe (id, label) VALUES (1, 'duplicate key')`);
        }),
      ).rejects.toMatchObject({ code: "23505" });
    }
    expect(await labels()).toEqual(["row 1", "row 2"]);
    // The same statements run again in a later transaction (named once per connection on a server).
    await rawTransaction(t.db, async (tx) => {
      await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe (id, label) VALUES (4, 'four')`);
    });
    expect(await labels()).toEqual(["row 1", "row 2", "four"]);
  });

  it("runs concurrent transactions on separate connections, each seeing its own writes", async () => {
    const seen = await Promise.all(
      [5, 6, 7, 8].map((id) =>
        rawTransaction(t.db, async (tx) => {
          await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe (id, label) VALUES ($1::int, $2::text)`, id, `concurrent ${id}`);
          return tx.$queryRawUnsafe<{ label: string }[]>(`SELECT label FROM raw_tx_probe WHERE id = $1::int`, id);
        }),
      ),
    );
    expect(seen.map((rows) => rows[0]?.label)).toEqual(["concurrent 5", "concurrent 6", "concurrent 7", "concurrent 8"]);
    expect(await labels()).toHaveLength(7);
  });
});

describe("rawTransaction's statement limit", () => {
  it.skipIf(testRuntime() !== "postgres")("cancels a statement that runs past it and rolls the transaction back", async () => {
    await expect(
      rawTransaction(
        t.db,
        async (tx) => {
          await tx.$executeRawUnsafe(`INSERT INTO raw_tx_probe (id, label) VALUES (90, 'before the slow statement')`);
          await tx.$queryRawUnsafe(`SELECT pg_sleep(5)::text`);
        },
        { statementTimeoutMs: 200 },
      ),
    ).rejects.toMatchObject({ code: "57014" });
    expect(await labels()).not.toContain("before the slow statement");
    // The limit was the transaction's own: the next one runs statements longer than 200 ms.
    const slept = await rawTransaction(t.db, (tx) => tx.$queryRawUnsafe<{ ok: string }[]>(`SELECT pg_sleep(0.3)::text AS ok`));
    expect(slept).toEqual([{ ok: "" }]);
  });
});
