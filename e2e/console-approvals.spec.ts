// Approver journey: an agent asks (official MCP SDK client, a key issued with coupons:write) to top
// up the Summer pool by 500 codes; the request appears in approver@demo.test's queue without a
// reload; the approver approves and sees the result; the pool has 500 more codes. A user who issued
// the requesting key cannot approve it (four-eyes). Rejecting needs a reason. Usable on a phone.
import { expect, test, type Page } from "@playwright/test";
import { USERS, screenshot, signIn } from "./console-helpers";
import { connectAgent, createKey, createUser, numberField, stringField, type Agent } from "./console-agent";

test.describe.configure({ mode: "serial" });

const BOSS = { email: "boss@demo.test", password: "boss password e2e 1", name: "Boss (admin + approver)" };
const PHONE = { width: 390, height: 844 };

let agent: Agent;
let bossAgent: Agent;

test.beforeAll(async ({ baseURL }) => {
  if (!baseURL) throw new Error("baseURL is not set");
  // Issued by admin@demo.test, so approver@demo.test may approve its requests.
  agent = await connectAgent(baseURL, createKey({ name: "E2E ops agent", preset: "analyst", scopes: ["coupons:write"], as: USERS.admin }));
  // Issued by a user who is both admin and approver: they must not approve its requests.
  createUser({ ...BOSS, roles: ["admin", "approver"] });
  bossAgent = await connectAgent(baseURL, createKey({ name: "E2E boss agent", preset: "analyst", scopes: ["coupons:write"], as: BOSS.email }));
});

test.afterAll(async () => {
  await agent?.close();
  await bossAgent?.close();
});

async function poolSize(a: Agent): Promise<number> {
  const pool = await a.call("get_coupon_pool", { pool: "Summer" });
  expect(pool.isError, pool.text).toBe(false);
  return numberField(pool.structured, "size");
}

async function requestTopUp(a: Agent, codes: number): Promise<string> {
  const receipt = await a.call("top_up_coupon_pool", { pool: "Summer", codes });
  expect(receipt.isError, receipt.text).toBe(false);
  expect(stringField(receipt.structured, "status")).toBe("pending_approval");
  return stringField(receipt.structured, "requestId");
}

function card(page: Page, requestId: string) {
  return page.locator(`[data-testid="approval-card"][data-request-id="${requestId}"]`);
}

test("an agent's request appears in the approver's queue by itself; approving executes it and shows the result", async ({ page }) => {
  const before = await poolSize(agent);

  await signIn(page, USERS.approver);
  const nav = page.getByRole("navigation", { name: "Console" });
  await nav.getByRole("link", { name: "Approvals" }).click();
  await expect(page.getByRole("heading", { name: "Approvals", level: 1 })).toBeVisible();

  // The agent asks while the approver is looking at the queue: it shows up without a reload.
  const requestId = await requestTopUp(agent, 500);
  const item = card(page, requestId);
  await expect(item).toBeVisible({ timeout: 15_000 });
  await expect(nav.getByTestId("nav-badge")).toBeVisible();

  await expect(item.getByRole("heading", { name: "Top up a coupon pool" })).toBeVisible();
  await expect(item).toContainText('Add 500 new codes to pool "Summer".');
  await expect(item).toContainText("E2E ops agent");
  await expect(item).toContainText("sc_live_");
  await expect(item).toContainText(`issued by ${USERS.admin}`);
  await expect(item.getByTestId("preview-changes")).toContainText(`${before}`);
  await expect(item.getByTestId("preview-changes")).toContainText(`${before + 500}`);
  await expect(item).toContainText(/asked (just now|\d+ min ago)/);
  await expect(item).toContainText(/expires in \d+ h/);
  await item.getByText("Exact arguments").click();
  await expect(item.getByTestId("request-arguments")).toContainText('"codes": 500');
  await screenshot(page, "approvals");

  await item.getByRole("button", { name: "Approve and execute" }).click();
  const outcome = page.getByTestId("decision-outcome").first();
  await expect(outcome).toContainText(`Approved and executed. Added 500 codes to Summer: size ${before} → ${before + 500}.`);
  await expect(item).toHaveCount(0);
  await screenshot(page, "approvals-decided");

  // The agent sees the new codes.
  expect(await poolSize(agent)).toBe(before + 500);

  // History: outcome, decider and result.
  await page.getByRole("tab", { name: "History" }).click();
  const row = page.getByTestId("history-row").filter({ hasText: `size ${before} → ${before + 500}` });
  await expect(row).toContainText("executed");
  await expect(row).toContainText(USERS.approver);
  await screenshot(page, "approvals-history");
});

test("the user who issued the requesting key sees the four-eyes rule and cannot approve", async ({ page }) => {
  const requestId = await requestTopUp(bossAgent, 25);
  await signIn(page, BOSS.email, BOSS.password);
  await page.goto("/t/demo/approvals");
  const item = card(page, requestId);
  await expect(item).toBeVisible();
  await expect(item.getByTestId("four-eyes")).toHaveText("You issued the key that asked for this; another approver must approve it (four-eyes rule).");
  await expect(item.getByRole("button", { name: "Approve and execute" })).toBeDisabled();
  await screenshot(page, "approvals-four-eyes");

  // The server refuses it too (lib/console/approvals.test.ts posts the approval directly); the request stays queued.
  await page.reload();
  await expect(card(page, requestId)).toBeVisible();
});

test("on a phone, rejecting needs a reason, and another approver approves", async ({ page }) => {
  await page.setViewportSize(PHONE);
  const toReject = await requestTopUp(bossAgent, 10);
  const toApprove = await requestTopUp(agent, 5);
  const before = await poolSize(agent);

  await signIn(page, USERS.approver);
  await page.goto("/t/demo/approvals");
  const rejected = card(page, toReject);
  await expect(rejected).toBeVisible();
  // Not the issuer of the boss's key: no four-eyes block for this approver.
  await expect(rejected.getByTestId("four-eyes")).toHaveCount(0);
  await screenshot(page, "approvals-phone");

  await rejected.getByRole("button", { name: "Reject…" }).click();
  await rejected.getByRole("button", { name: "Reject request" }).click();
  await expect(rejected.getByRole("alert")).toContainText("Give a reason for rejecting");
  await rejected.getByLabel("Reason for rejecting").fill("Summer campaign is over; no more codes.");
  await screenshot(page, "approvals-phone-reject");
  await rejected.getByRole("button", { name: "Reject request" }).click();
  await expect(page.getByTestId("decision-outcome").first()).toContainText("Rejected.");
  await expect(rejected).toHaveCount(0);

  await card(page, toApprove).getByRole("button", { name: "Approve and execute" }).click();
  await expect(page.getByTestId("decision-outcome").first()).toContainText(`size ${before} → ${before + 5}`);
  expect(await poolSize(agent)).toBe(before + 5);

  // The agent learns why its request was rejected.
  const status = await bossAgent.call("get_write_request", { requestId: toReject });
  expect(status.text).toContain("Summer campaign is over");

  await page.getByRole("tab", { name: "History" }).click();
  await expect(page.getByTestId("history-row").filter({ hasText: "Rejected: Summer campaign is over" })).toContainText(USERS.approver);
  await screenshot(page, "approvals-phone-history");
});

test("an auditor has no approvals queue, in the navigation, by URL or through the polling route", async ({ page }) => {
  await signIn(page, USERS.auditor);
  await expect(page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Approvals" })).toHaveCount(0);
  await page.goto("/t/demo/approvals");
  await expect(page).toHaveURL(/\/t\/demo\/forbidden/);
  const res = await page.request.get("/api/console/demo/approvals");
  expect(res.status()).toBe(403);
  const other = await page.request.get("/api/console/demo-b/approvals");
  expect(other.status()).toBe(404);
});
