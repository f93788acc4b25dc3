// Certified metrics (every role): the catalogue, a metric page with a weekly chart against the
// previous period, the breakdown table, the change log and the SQL. And the overview dashboard:
// an agent's calls show up per day and link into the filtered audit log.
import { expect, test } from "@playwright/test";
import { USERS, screenshot, signIn } from "./console-helpers";
import { connectAgent, createKey } from "./console-agent";

test("an auditor reads the catalogue and a metric's chart, breakdown, change log and SQL", async ({ page }) => {
  await signIn(page, USERS.auditor);
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Metrics" }).click();
  await expect(page.getByRole("heading", { name: "Certified metrics", level: 1 })).toBeVisible();
  const gmvRow = page.getByTestId("metric-row").filter({ hasText: "Gross merchandise value" });
  await expect(gmvRow).toContainText("Finance analytics");
  await expect(gmvRow).toContainText("v1");
  await expect(gmvRow).toContainText("store");
  expect(await page.getByTestId("metric-row").count()).toBeGreaterThanOrEqual(10);
  await screenshot(page, "metrics");

  await gmvRow.getByRole("link", { name: "Gross merchandise value" }).click();
  await expect(page).toHaveURL(/\/t\/demo\/metrics\/gmv$/);
  await expect(page.getByRole("heading", { name: "Gross merchandise value", level: 1 })).toBeVisible();
  const chart = page.getByTestId("metric-chart");
  await expect(chart.locator(".recharts-wrapper > svg.recharts-surface")).toBeVisible();
  // Thirteen weekly points for the current line, and a dashed comparison line.
  await expect(chart.locator(".recharts-line-dot")).toHaveCount(13);
  await expect(chart.locator(".recharts-line-curve")).toHaveCount(2);
  await expect(chart).toContainText("Previous 13 weeks");

  const breakdown = page.getByTestId("metric-breakdown");
  await expect(breakdown.locator("tbody tr").first()).toBeVisible();
  await expect(breakdown.locator("tfoot")).toContainText("Total");
  await expect(breakdown.locator("tfoot")).toContainText("$");
  await expect(page.getByTestId("metric-changelog")).toContainText("v1");
  await expect(page.getByTestId("metric-sql")).toContainText("SELECT");
  await expect(page.getByTestId("metric-sql")).toContainText("gmv_minor");
  await screenshot(page, "metric-gmv");

  // A ratio metric by coupon pool, and one without dimensions.
  await page.goto("/t/demo/metrics/redemption_rate");
  await expect(page.getByTestId("metric-chart").locator(".recharts-wrapper > svg.recharts-surface")).toBeVisible();
  await expect(page.getByTestId("metric-breakdown")).toContainText("%");
  await screenshot(page, "metric-redemption-rate");
  await page.goto("/t/demo/metrics/points_awarded");
  await expect(page.getByText("This metric has no dimensions to break it down by.")).toBeVisible();

  // An unknown metric is a 404, not an error page.
  const missing = await page.goto("/t/demo/metrics/nps");
  expect(missing?.status()).toBe(404);
});

test("the overview dashboard shows an agent's calls and links into the filtered audit log", async ({ page, baseURL }) => {
  if (!baseURL) throw new Error("baseURL is not set");
  // Some agent traffic: two metric questions, one refused tool (missing scope).
  const agent = await connectAgent(baseURL, createKey({ name: "E2E dashboard agent", as: USERS.admin }));
  expect((await agent.call("query_metric", { metric: "gmv", window: "last_7_days" })).isError).toBe(false);
  expect((await agent.call("query_metric", { metric: "orders", window: "last_7_days" })).isError).toBe(false);
  expect((await agent.call("get_coupon_pool", { pool: "Summer" })).isError).toBe(true);
  await agent.close();

  await signIn(page, USERS.admin);
  await expect(page).toHaveURL(/\/t\/demo$/);
  const dashboard = page.getByTestId("dashboard");
  await expect(dashboard.getByTestId("calls-chart").locator(".recharts-wrapper > svg.recharts-surface")).toBeVisible();
  await expect(dashboard.getByTestId("top-tools")).toContainText("query_metric");
  await expect(dashboard.getByTestId("top-metrics")).toContainText("gmv");
  await expect(dashboard.getByTestId("figure-keys")).not.toContainText(/^Active keys0/);
  await screenshot(page, "overview-dashboard");

  // Denials link to the audit log filtered to denied MCP calls.
  await dashboard.getByTestId("figure-denied").click();
  await expect(page).toHaveURL(/\/t\/demo\/audit\?.*surface=mcp.*outcome=denied/);
  const rows = page.getByTestId("audit-row");
  await expect(rows.first()).toBeVisible();
  for (const text of await rows.allTextContents()) expect(text).toContain("denied");
  await page.goBack();

  await dashboard.getByTestId("top-metrics").getByRole("link", { name: "gmv" }).click();
  await expect(page).toHaveURL(/q=metric%3Agmv/);
  await expect(rows.first()).toContainText("metric:gmv");
});
