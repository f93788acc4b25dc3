// Admin journey: issue a key with a write scope and its limits, see them in the list and on the
// key's page, watch the agent's request beyond a cap refused (naming the cap) and listed on the
// key's page, then lower a limit there — audited as key.limits.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { USERS, screenshot, signIn } from "./console-helpers";

test.describe.configure({ mode: "serial" });

async function callTool(request: APIRequestContext, secret: string, name: string, args: Record<string, unknown>) {
  const res = await request.post("/api/mcp", {
    headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream", "MCP-Protocol-Version": "2025-06-18" },
    data: { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name, arguments: args } },
  });
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { result: { isError?: boolean; content: { text: string }[]; structuredContent?: unknown } };
  return { isError: body.result.isError ?? false, text: body.result.content.map((c) => c.text).join("\n"), structured: body.result.structuredContent };
}

test("admin sets write limits with a write scope, sees them enforced and lowers one on the key's page", async ({ page, request }) => {
  await signIn(page, USERS.admin);
  await page.goto("/t/demo/keys");
  await page.getByRole("button", { name: "Issue key" }).click();
  const form = page.getByTestId("issue-key-dialog");
  await form.getByLabel("Name").fill("E2E limited points agent");
  await form.getByRole("radio", { name: /analyst/ }).check();
  // The limits appear with the first write scope.
  await expect(form.getByTestId("write-limits-fields")).toHaveCount(0);
  await form.getByRole("checkbox", { name: /points:write/ }).check();
  const limits = form.getByTestId("write-limits-fields");
  await expect(limits).toBeVisible();
  await limits.getByLabel("Points per award or redemption").fill("500");
  await limits.getByLabel("Write requests per day").fill("20");
  await limits.getByRole("checkbox", { name: "Bronze" }).check();
  await limits.getByRole("checkbox", { name: "Silver" }).check();
  await screenshot(page, "key-limits-issue");
  await form.getByRole("button", { name: "Issue key" }).click();

  const dialog = page.getByTestId("secret-dialog");
  const secret = (await dialog.getByTestId("key-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^sc_live_/);
  await dialog.getByRole("button", { name: "I have stored the key" }).click();
  await dialog.getByRole("button", { name: "Close anyway" }).click();

  const row = page.getByTestId("key-row").filter({ hasText: "E2E limited points agent" });
  await expect(row.getByTestId("key-limits-summary")).toHaveText(
    "Limits: at most 500 points per award or redemption; at most 20 write requests per day; members of Bronze, Silver only",
  );

  // The agent asks beyond the cap: refused, naming it; within it: queued.
  const member = await callTool(request, secret, "search_members", { tier: "Bronze", status: "active", limit: 1 });
  const memberId = (member.structured as { members: { id: string }[] }).members[0]?.id ?? "";
  expect(memberId).not.toBe("");
  const refused = await callTool(request, secret, "award_points", { member: memberId, points: 900, reason: "e2e limit" });
  expect(refused.isError).toBe(true);
  expect(refused.text).toContain("This key may award at most 500 points per request (900 requested); ask an admin to raise the limit.");
  const queued = await callTool(request, secret, "award_points", { member: memberId, points: 400, reason: "e2e limit" });
  expect(queued.isError).toBe(false);

  // The key's page: the limits, today's usage, the refusal.
  await row.getByRole("link", { name: "E2E limited points agent" }).click();
  await expect(page.getByRole("heading", { name: "E2E limited points agent", level: 1 })).toBeVisible();
  await expect(page.getByTestId("key-limits")).toContainText("at most 500 points per award or redemption");
  await expect(page.getByTestId("writes-today")).toContainText("1 write request today");
  await expect(page.getByTestId("writes-today")).toContainText("of 20 allowed");
  await expect(page.getByTestId("limit-refusals")).toContainText("award_points");
  await screenshot(page, "key-limits-page");

  // Lower the points cap; the page and the audit log show it.
  const edit = page.getByRole("form", { name: "Change write limits" });
  await expect(edit.getByLabel("Points per award or redemption")).toHaveValue("500");
  await expect(edit.getByRole("checkbox", { name: "Silver" })).toBeChecked();
  await edit.getByLabel("Points per award or redemption").fill("100");
  await edit.getByRole("button", { name: "Save limits" }).click();
  await expect(edit.getByRole("status")).toContainText("Write limits of \"E2E limited points agent\" saved");
  await expect(page.getByTestId("key-limits")).toContainText("at most 100 points per award or redemption");
  await screenshot(page, "key-limits-saved");

  // A bad value is refused with the field named, and nothing changes.
  await edit.getByLabel("Codes per top-up or new pool").fill("0");
  await edit.getByLabel("Codes per top-up or new pool").evaluate((el) => el.removeAttribute("min"));
  await edit.getByRole("button", { name: "Save limits" }).click();
  await expect(edit.getByRole("alert")).toContainText("Codes per top-up must be at least 1");

  await page.goto("/t/demo/audit?action=key.limits");
  await expect(page.getByRole("cell", { name: "key.limits" }).first()).toBeVisible();

  // The approver cannot execute the queued 400 points beyond the new cap of 100.
  const after = await callTool(request, secret, "award_points", { member: memberId, points: 101, reason: "e2e limit" });
  expect(after.text).toContain("may award at most 100 points per request");
});

test("an approver sees a queued write refused at execution once its key's limit is lower", async ({ page }) => {
  await signIn(page, USERS.approver);
  await page.goto("/t/demo/approvals");
  const card = page.getByTestId("approval-card").filter({ hasText: "E2E limited points agent" }).first();
  await expect(card).toContainText("400");
  await expect(card.getByTestId("requester-limits")).toContainText("at most 100 points per award or redemption");
  await screenshot(page, "key-limits-approval-card");
  await card.getByRole("button", { name: "Approve and execute" }).click();
  await expect(page.getByTestId("decision-outcome").first()).toContainText("Not executed: This key may award at most 100 points per request (400 requested); ask an admin to raise the limit.");
  await screenshot(page, "key-limits-approval-refused");
});
