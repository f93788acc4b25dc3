// `npx socode ingest` and friends against a real database (through the embedded database's socket
// on PGlite, as the CLI runs next to the app): streaming CSV and NDJSON files in batches, the
// summary, the rejection report with file line numbers, and idempotent re-runs.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "@/lib/cli/main";
import { createTestDatabase, testRuntime, useDatabaseEnvironment, type TestDatabase } from "@/test/database";
import { verifyIngestKey } from "./ingest-keys";

async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { out: (s) => (stdout += `${s}\n`), err: (s) => (stderr += `${s}\n`) });
  return { code, stdout, stderr };
}

describe(`socode ingest CLI on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let restoreEnv: () => void;
  let dir: string;
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    restoreEnv = useDatabaseEnvironment(database);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "socode-ingest-"));
    expect((await run("tenant:create", "--slug", "shop", "--name", "Shop", "--time-zone", "Europe/Berlin", "--currency", "EUR")).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    restoreEnv?.();
    await database?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("issues an ingest key that verifies for /api/ingest only", async () => {
    const r = await run("ingest-key:create", "--tenant", "shop", "--name", "POS", "--json");
    const key = JSON.parse(r.stdout) as { secret: string; kind: string; scopes: string[] };
    expect(key).toMatchObject({ kind: "ingest", scopes: ["ingest:write"] });
    expect(key.secret).toMatch(/^sc_ingest_/);
    expect((await verifyIngestKey(database.db, `Bearer ${key.secret}`)).ok).toBe(true);
  });

  it("imports CSV stores and NDJSON members, then CSV orders in batches with a summary", async () => {
    const stores = file("stores.csv", "id,name,region\nB1,Berlin Mitte,East\nB2,Hamburg,North\n");
    expect((await run("ingest", "--tenant", "shop", "--kind", "stores", "--source", "pos", stores)).stdout).toContain("accepted 2, duplicate 0, rejected 0");
    const members = file(
      "members.ndjson",
      [
        { id: "C1", name: "Ada", tier: "Basic", tierRank: 1, joinedAt: "2026-10-01T09:00:00+02:00", homeStore: "B1" },
        { id: "C2", name: "Bo", tier: "Plus", tierRank: 2, joinedAt: "2026-10-02T09:00:00+02:00" },
      ]
        .map((m) => JSON.stringify(m))
        .join("\n"),
    );
    expect((await run("ingest", "--tenant", "shop", "--kind", "members", "--source", "pos", members)).code).toBe(0);
    const rows = Array.from({ length: 7 }, (_, i) => `O${i + 1},B${(i % 2) + 1},${i % 3 === 0 ? "" : "C1"},2026-11-0${i + 1}T12:00:00Z,${10 + i}.50,EUR,store,,`);
    const orders = file("orders.csv", `id,store,member,placedAt,total,currency,channel,coupon_code,coupon_pool\n${rows.join("\n")}\nO8,B1,C2,2026-11-09T12:00:00Z,5.00,EUR,online,WELCOME-1,Welcome\n`);
    const r = await run("ingest", "--tenant", "shop", "--kind", "orders", "--source", "pos", "--batch-size", "3", "--json", orders);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ records: 8, batches: 3, accepted: 8, duplicate: 0, rejected: 0, reportPath: null });
    const gmv = await database.db.order.aggregate({ _sum: { totalMinor: true }, where: { tenant: { slug: "shop" } } });
    expect(gmv._sum.totalMinor).toBe(BigInt((10.5 + 11.5 + 12.5 + 13.5 + 14.5 + 15.5 + 16.5 + 5) * 100));
    expect(await database.db.coupon.count({ where: { code: "WELCOME-1", redeemedAt: { not: null } } })).toBe(1);
    // Re-running the same file changes nothing.
    const again = JSON.parse((await run("ingest", "--tenant", "shop", "--kind", "orders", "--source", "pos", "--json", orders)).stdout) as { accepted: number; duplicate: number };
    expect(again).toMatchObject({ accepted: 0, duplicate: 8 });
    expect(await database.db.order.count({ where: { tenant: { slug: "shop" } } })).toBe(8);
  });

  it("a bad row refuses its batch (listed with its file line) unless --partial; the report is a CSV", async () => {
    const orders = file(
      "bad.ndjson",
      [
        JSON.stringify({ id: "X1", store: "B1", placedAt: "2026-11-10T12:00:00Z", total: "1.00", currency: "EUR", channel: "store" }),
        "",
        JSON.stringify({ id: "X2", store: "NOPE", placedAt: "2026-11-10T12:00:00Z", total: "1.00", currency: "EUR", channel: "store" }),
        "{not json",
      ].join("\n"),
    );
    const refused = await run("ingest", "--tenant", "shop", "--kind", "orders", "--source", "pos", orders);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain("Nothing was imported");
    expect(await database.db.order.count({ where: { tenant: { slug: "shop" } } })).toBe(8);
    const report = path.join(dir, "report.csv");
    const partial = await run("ingest", "--tenant", "shop", "--kind", "orders", "--source", "pos", "--partial", "--report", report, orders);
    expect(partial.code).toBe(0);
    expect(partial.stdout).toContain("accepted 1, duplicate 0, rejected 2");
    const lines = fs.readFileSync(report, "utf8").trim().split("\n");
    expect(lines[0]).toBe("row,id,field,code,reason");
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 4).join(","))).toEqual(["3,X2,store,unknown_store", "4,,,invalid_json"]);
  });

  it("across several batches, refused batches and report rows follow the file", async () => {
    const rows = Array.from({ length: 9 }, (_, i) =>
      JSON.stringify({ id: `Q${i + 1}`, store: i % 4 === 2 ? "NOPE" : "B1", placedAt: "2026-11-10T12:00:00Z", total: "1.00", currency: "EUR", channel: "store" }),
    );
    const orders = file("several.ndjson", rows.join("\n"));
    const report = path.join(dir, "several.csv");
    const before = await database.db.order.count({ where: { tenant: { slug: "shop" } } });
    const r = await run("ingest", "--tenant", "shop", "--kind", "orders", "--source", "several", "--batch-size", "2", "--report", report, "--json", orders);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as Record<string, unknown>;
    expect(summary).toMatchObject({ records: 9, batches: 5, accepted: 5, rejected: 2, unwritten: 2 });
    expect(summary.refusedBatches).toEqual([{ firstRow: 3, lastRow: 4 }, { firstRow: 7, lastRow: 8 }]);
    const lines = fs.readFileSync(report, "utf8").trim().split("\n");
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 3).join(","))).toEqual(["3,Q3,store", "7,Q7,store"]);
    expect(await database.db.order.count({ where: { tenant: { slug: "shop" } } })).toBe(before + 5);
  });

  it("refuses a missing file, an unknown kind and extra arguments clearly", async () => {
    expect((await run("ingest", "--tenant", "shop", "--kind", "orders", path.join(dir, "none.csv"))).stderr).toContain("No file");
    expect((await run("ingest", "--tenant", "shop", "--kind", "refunds", "x.csv")).stderr).toContain("kind must be one of");
    expect((await run("ingest", "--tenant", "shop", "--kind", "orders", "a.csv", "b.csv")).code).toBe(2);
  });

  it("configures a webhook source and the staleness threshold", async () => {
    const r = await run("ingest:source", "--tenant", "shop", "--name", "shopify", "--webhook-secret", "--default-store", "B1", "--stale-after", "6h", "--json");
    const out = JSON.parse(r.stdout) as { source: { webhookSecret: string }; staleAfterMinutes: number };
    expect(out.source.webhookSecret).toMatch(/^whsec_/);
    expect(out.staleAfterMinutes).toBe(360);
    expect((await database.db.tenant.findUniqueOrThrow({ where: { slug: "shop" } })).ingestStaleAfterMinutes).toBe(360);
  });
});
