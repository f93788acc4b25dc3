// Auditor journey: filter the log (filters live in the URL), open an event, export CSV and JSONL,
// verify the hash chain against a signed checkpoint; and reading/exporting are themselves audited.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { USERS, screenshot, signIn } from "./console-helpers";

test("auditor filters the log, opens an event, exports CSV and verifies integrity", async ({ page, browser }) => {
  // The journey filters for a console key.create event: an admin issues one here, in a session of
  // their own, so the spec does not depend on another spec having run before it.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signIn(admin, USERS.admin);
  await admin.goto("/t/demo/keys");
  await admin.getByRole("button", { name: "Issue key" }).click();
  const form = admin.getByTestId("issue-key-dialog");
  await form.getByLabel("Name").fill("E2E audit trail");
  await form.getByRole("button", { name: "Issue key" }).click();
  await expect(admin.getByTestId("secret-dialog").getByTestId("key-secret")).toHaveText(/^sc_live_/);
  await adminContext.close();

  await signIn(page, USERS.auditor);
  // An auditor sees the audit log but not keys or users.
  const nav = page.getByRole("navigation", { name: "Console" });
  await expect(nav.getByRole("link", { name: "Audit log" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "API keys" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);

  await nav.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  await expect(page.getByTestId("audit-row").first()).toBeVisible();
  await screenshot(page, "audit");

  await page.getByLabel("Action or tool").fill("key.create");
  await page.getByLabel("Surface").selectOption("console");
  await page.getByLabel("Outcome").selectOption("ok");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/action=key\.create/);
  await expect(page).toHaveURL(/surface=console/);
  await expect(page).toHaveURL(/outcome=ok/);
  const rows = page.getByTestId("audit-row");
  await expect(rows.first()).toBeVisible();
  for (const text of await rows.allTextContents()) expect(text).toContain("key.create");
  await screenshot(page, "audit-filtered");

  // The filtered view is shareable: reloading the URL gives the same view.
  const url = page.url();
  await page.goto(url);
  await expect(page.getByLabel("Action or tool")).toHaveValue("key.create");

  await rows.first().getByRole("link").click();
  await expect(page.getByRole("heading", { name: /^Event \d+$/ })).toBeVisible();
  await expect(page.getByTestId("event-arguments")).toContainText('"preset"');
  await expect(page.getByTestId("event-arguments")).not.toContainText("sc_live_");
  await screenshot(page, "audit-event");
  await page.goBack();

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
  expect(download.suggestedFilename()).toMatch(/^socode-audit-demo-.*\.csv$/);
  const csv = await (await download.createReadStream()).toArray();
  const text = Buffer.concat(csv).toString("utf8");
  const lines = text.trim().split("\r\n");
  expect(lines[0]).toBe("occurred_at,id,seq,actor_type,actor_id,actor_label,surface,action,target,outcome,error_code,latency_ms,request_id,write_request_id,client_name,client_version,arguments,hash");
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines.slice(1)) expect(line).toMatch(/,console,key\.create,[^,]*,ok,/);

  const jsonl = await page.request.get(`/t/demo/audit/export?format=jsonl&action=key.create`);
  expect(jsonl.status()).toBe(200);
  const events = (await jsonl.text()).trim().split("\n").map((l) => JSON.parse(l) as { action: string });
  expect(events.length).toBeGreaterThan(0);
  expect(events.every((e) => e.action === "key.create")).toBe(true);

  // A signed checkpoint written from the CLI (a client of the running app's embedded database) shows next to "Verify integrity".
  const checkpoint = execFileSync(process.execPath, ["bin/socode.mjs", "audit:checkpoint", "--tenant", "demo"], {
    env: { ...process.env, SOCODE_DATA_DIR: path.resolve("e2e/.artifacts/data") },
    encoding: "utf8",
  });
  const seq = /(?:written|same) +demo: #(\d+) /.exec(checkpoint)?.[1];
  expect(seq, checkpoint).toBeDefined();
  await page.reload();
  // The app's own periodic checkpoint may have moved further since; never behind the one just written.
  await expect(page.getByTestId("last-checkpoint")).toContainText("Last signed checkpoint: event #");
  const shown = /event #(\d+)/.exec((await page.getByTestId("last-checkpoint").textContent()) ?? "")?.[1];
  expect(Number(shown)).toBeGreaterThanOrEqual(Number(seq));
  await page.getByRole("button", { name: "Verify integrity" }).click();
  await expect(page.getByTestId("verify-result")).toContainText(/Intact: all [\d,]+ events/);
  await expect(page.getByTestId("verify-result")).toContainText(/carry a valid MAC, and the log reaches the signed checkpoint at event #\d+/);
  await screenshot(page, "audit-verified");

  // Reading and exporting were audited, with the auditor as the actor.
  await page.goto(`/t/demo/audit?${new URLSearchParams({ actor: USERS.auditor, action: "audit.export" })}`);
  await expect(page.getByTestId("audit-row").first()).toContainText("audit.export");
});
