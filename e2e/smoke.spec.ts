import { expect, test } from "@playwright/test";

test("the home page shows the MCP endpoint and the service is healthy", async ({ page, request }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Governed AI access to your loyalty platform");
  await expect(page.getByTestId("mcp-url")).toHaveText(/\/api\/mcp$/);
  await page.screenshot({ path: "e2e/.artifacts/screenshots/home.png", fullPage: true });

  const health = await request.get("/api/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ status: "ok", database: { mode: "embedded", status: "ok" } });
});
