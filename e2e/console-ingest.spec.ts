// Admin journey: import a file of orders from the console (progress, summary, rejection report),
// issue an ingest key and see it work on /api/ingest but not on /api/mcp.
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { USERS, mcpInitialize, screenshot, signIn } from "./console-helpers";

test.describe.configure({ mode: "serial" });

const FILE = path.resolve("e2e/.artifacts/ingest-orders.ndjson");

test("admin imports an orders file: progress, summary, and a rejection report naming the bad row", async ({ page }) => {
  const placedAt = new Date(Date.now() - 3_600_000).toISOString();
  const lines = Array.from({ length: 1_500 }, (_, i) => JSON.stringify({ id: `E2E-${i + 1}`, store: "S01", placedAt, total: "12.50", currency: "USD", channel: "store" }));
  // Line 1,203: a store that does not exist.
  lines[1_202] = JSON.stringify({ id: "E2E-BAD", store: "S99", placedAt, total: "9.00", currency: "USD", channel: "store" });
  fs.mkdirSync(path.dirname(FILE), { recursive: true });
  fs.writeFileSync(FILE, `${lines.join("\n")}\n`);

  await signIn(page, USERS.admin);
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Ingest" }).click();
  await expect(page.getByRole("heading", { name: "Ingest", level: 1 })).toBeVisible();

  const form = page.getByTestId("ingest-upload");
  await form.getByLabel("Kind").selectOption("orders");
  await form.getByLabel("Source").fill("e2e-pos");
  await form.getByLabel("File (.ndjson or .csv)").setInputFiles(FILE);
  await form.getByLabel("Keep good records of a batch with bad ones").check();
  await form.getByRole("button", { name: "Import" }).click();

  await expect(page.getByTestId("ingest-progress")).toHaveText("2 of 2 batches");
  await expect(page.getByTestId("ingest-summary")).toContainText("orders from source e2e-pos: accepted 1499, duplicates 0, rejected 1");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download rejection report (1)" }).click();
  const report = fs.readFileSync(await (await download).path(), "utf8");
  expect(report.split("\n")[1]).toMatch(/^1203,E2E-BAD,store,unknown_store,no store with code S99/);
  await expect(page.getByTestId("ingest-sources")).toContainText("e2e-pos");
  await screenshot(page, "ingest-import-summary");
  await page.reload();
  await expect(page.getByTestId("ingest-sources")).toContainText("1499");
  await screenshot(page, "ingest-import");

  // The same file again: every good record is a duplicate, nothing doubles.
  await form.getByLabel("Source").fill("e2e-pos");
  await form.getByLabel("File (.ndjson or .csv)").setInputFiles(FILE);
  await form.getByLabel("Keep good records of a batch with bad ones").check();
  await form.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("ingest-summary")).toContainText("orders from source e2e-pos: accepted 0, duplicates 1499, rejected 1");
  await screenshot(page, "ingest-reimport");
});

test("admin issues an ingest key: it feeds /api/ingest and is refused on /api/mcp", async ({ page, request }) => {
  await signIn(page, USERS.admin);
  await page.goto("/t/demo/ingest");
  await page.getByLabel("Ingest key name").fill("E2E POS export");
  await page.getByRole("button", { name: "Issue ingest key" }).click();
  const secret = ((await page.getByTestId("ingest-secret").textContent()) ?? "").trim();
  expect(secret).toMatch(/^sc_ingest_[A-Za-z0-9_-]{43}$/);
  await screenshot(page, "ingest-key");
  const ok = await request.post("/api/ingest/v1/stores?source=e2e", {
    headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/x-ndjson" },
    data: `${JSON.stringify({ id: "E2E-STORE", name: "E2E pop-up", region: "East" })}\n`,
  });
  expect(ok.status()).toBe(200);
  expect((await mcpInitialize(request, secret)).status()).toBe(401);
});

test("an approver does not see the ingest page", async ({ page }) => {
  await signIn(page, USERS.approver);
  await expect(page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Ingest" })).toHaveCount(0);
  await page.goto("/t/demo/ingest");
  await expect(page).toHaveURL(/forbidden/);
});
