// Admin journey: sign in, issue a metrics:read key, see the secret once, copy it, use it against
// /api/mcp; issue a key with coupons:write; revoke a key and see it refused.
import { expect, test } from "@playwright/test";
import { USERS, mcpInitialize, screenshot, signIn } from "./console-helpers";

test.describe.configure({ mode: "serial" });

test("a wrong password gets the generic message", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "Sign in to the console" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await screenshot(page, "sign-in");
  await page.getByLabel("Email").fill(USERS.admin);
  await page.getByLabel("Password").fill("definitely-not-the-password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert").filter({ hasText: "do not match an active account" })).toBeVisible();
  await screenshot(page, "sign-in-error");
});

test("admin issues a metrics:read key, copies it once, and it works against /api/mcp until revoked", async ({ page, context, request, baseURL }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, USERS.admin);
  await expect(page).toHaveURL(/\/t\/demo$/);
  await screenshot(page, "overview");

  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "API keys" }).click();
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await screenshot(page, "keys");

  await page.getByRole("button", { name: "Issue key" }).click();
  const form = page.getByTestId("issue-key-dialog");
  await form.getByLabel("Name").fill("E2E read-only");
  await expect(form.getByRole("radio", { name: /metrics:read/ })).toBeChecked();
  await expect(form.getByText("Request creating and topping up coupon pools", { exact: false })).toBeVisible();
  await screenshot(page, "keys-issue");
  await form.getByRole("button", { name: "Issue key" }).click();

  const dialog = page.getByTestId("secret-dialog");
  await expect(dialog.getByText("It is shown only once")).toBeVisible();
  const secret = (await dialog.getByTestId("key-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^sc_live_[A-Za-z0-9_-]{43}$/);
  await expect(dialog.getByTestId("config-claude-code")).toContainText(`claude mcp add --transport http socode ${baseURL}/api/mcp --header "Authorization: Bearer ${secret}"`);
  await expect(dialog.getByTestId("config-mcp-json")).toContainText('"mcpServers"');
  await expect(dialog.getByTestId("config-cursor")).toContainText(`"Authorization": "Bearer ${secret}"`);
  // The flash-operations skill downloads as a zip (PK header) with the signed-in session.
  const skillLink = dialog.getByTestId("skill-install").getByRole("link", { name: "Download flash-operations.zip" });
  const skill = await page.request.get((await skillLink.getAttribute("href")) ?? "");
  expect(skill.status()).toBe(200);
  expect(skill.headers()["content-type"]).toBe("application/zip");
  expect((await skill.body()).subarray(0, 2).toString("latin1")).toBe("PK");
  await screenshot(page, "keys-secret");

  // Closing before copying asks first.
  await dialog.getByRole("button", { name: "I have stored the key" }).click();
  await expect(dialog.getByText("Close without copying the key?")).toBeVisible();
  await dialog.getByRole("button", { name: "Go back" }).click();

  await dialog.getByTestId("copy-secret").click();
  await expect(dialog.getByTestId("copy-secret")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();

  // The secret is never shown again: the list has only the display prefix.
  const row = page.getByTestId("key-row").filter({ hasText: "E2E read-only" });
  await expect(row).toContainText(secret.slice(0, 14));
  await expect(page.getByText(secret)).toHaveCount(0);
  await expect(row).toContainText("active");

  // The key works against the MCP endpoint.
  const ok = await mcpInitialize(request, secret);
  expect(ok.status()).toBe(200);

  // Revoke with confirmation; the key stops working.
  await row.getByRole("button", { name: "Revoke E2E read-only" }).click();
  const revoke = page.getByTestId("revoke-dialog");
  await expect(revoke.getByText("This cannot be undone")).toBeVisible();
  await screenshot(page, "keys-revoke");
  await revoke.getByRole("button", { name: "Revoke key" }).click();
  await expect(row).toContainText("revoked");
  const refused = await mcpInitialize(request, secret);
  expect(refused.status()).toBe(401);
});

test("admin issues a key with coupons:write granted one by one", async ({ page }) => {
  await signIn(page, USERS.admin);
  await page.goto("/t/demo/keys");
  await page.getByRole("button", { name: "Issue key" }).click();
  const form = page.getByTestId("issue-key-dialog");
  await form.getByLabel("Name").fill("E2E coupon operator");
  // PII needs the analyst preset.
  await expect(form.getByRole("checkbox", { name: /members:pii/ })).toBeDisabled();
  await form.getByRole("checkbox", { name: /coupons:write/ }).check();
  await form.getByRole("button", { name: "Issue key" }).click();
  const dialog = page.getByTestId("secret-dialog");
  await expect(dialog).toContainText("Scopes: metrics:read, coupons:write");
  await dialog.getByRole("button", { name: "I have stored the key" }).click();
  await dialog.getByRole("button", { name: "Close anyway" }).click();
  const row = page.getByTestId("key-row").filter({ hasText: "E2E coupon operator" });
  await expect(row).toContainText("coupons:write");
  await expect(row).toContainText(USERS.admin);

  // Search narrows the list: by scope (other specs share this database and may hold such keys too,
  // so every row must have the scope), then by name to exactly this key.
  const search = page.getByPlaceholder("Name, prefix, issuer or scope");
  await search.fill("coupons:write");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/q=coupons%3Awrite/);
  await expect(page.getByTestId("key-row").filter({ hasText: "E2E coupon operator" })).toHaveCount(1);
  for (const scoped of await page.getByTestId("key-row").all()) await expect(scoped).toContainText("coupons:write");
  await search.fill("E2E coupon operator");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("key-row")).toHaveCount(1);
});

test("admin manages users: creates one with a role, who can then sign in", async ({ page, browser }) => {
  await signIn(page, USERS.admin);
  await page.goto("/t/demo/users");
  await expect(page.getByTestId("user-row").filter({ hasText: USERS.auditor })).toContainText("auditor");
  await page.getByRole("button", { name: "Add user" }).click();
  const dialog = page.getByTestId("create-user-dialog");
  await dialog.getByLabel("Email").fill("e2e-approver@demo.test");
  await dialog.getByLabel("Name").fill("E2E Approver");
  await dialog.getByLabel("Initial password").fill("e2e approver password");
  await dialog.getByRole("checkbox", { name: /approver/ }).check();
  await dialog.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByText("Created e2e-approver@demo.test")).toBeVisible();
  await expect(page.getByTestId("user-row").filter({ hasText: "e2e-approver@demo.test" })).toContainText("approver");
  await screenshot(page, "users");

  // The admin cannot remove their own admin role.
  const self = page.getByTestId("user-row").filter({ hasText: USERS.admin });
  await self.getByRole("button", { name: "Roles" }).click();
  await page.getByRole("dialog", { name: `Roles of ${USERS.admin}` }).getByRole("checkbox", { name: /admin/ }).uncheck();
  await page.getByRole("dialog", { name: `Roles of ${USERS.admin}` }).getByRole("checkbox", { name: /auditor/ }).check();
  await page.getByRole("button", { name: "Save roles" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "You cannot remove your own admin role" })).toBeVisible();

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signIn(otherPage, "e2e-approver@demo.test", "e2e approver password");
  await other.close();
});

test("admin rotates a key: a new secret, the old one in its grace period", async ({ page }) => {
  await signIn(page, USERS.admin);
  await page.goto("/t/demo/keys?q=E2E+coupon+operator");
  const row = page.getByTestId("key-row").filter({ hasText: "E2E coupon operator" });
  await row.getByRole("button", { name: "Rotate" }).click();
  const dialog = page.getByRole("dialog", { name: 'Rotate "E2E coupon operator"' });
  await dialog.getByLabel("Grace period for the old secret").selectOption("1h");
  await dialog.getByRole("button", { name: "Rotate key" }).click();
  const secret = page.getByTestId("secret-dialog");
  await expect(secret).toContainText("The old secret keeps working only for the grace period");
  await expect(secret).toContainText("coupons:write");
  await secret.getByRole("button", { name: "I have stored the key" }).click();
  await secret.getByRole("button", { name: "Close anyway" }).click();
  const rows = page.getByTestId("key-row").filter({ hasText: "E2E coupon operator" });
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: "rotated, in grace" })).toHaveCount(1);
});

test("a user of two tenants chooses one and switches between them", async ({ page, browser }) => {
  // The demo-b admin adds the approver created above to demo-b; their password is unchanged.
  const adminB = await browser.newContext();
  const adminBPage = await adminB.newPage();
  await signIn(adminBPage, USERS.adminB);
  await adminBPage.goto("/t/demo-b/users");
  await adminBPage.getByRole("button", { name: "Add user" }).click();
  const dialog = adminBPage.getByTestId("create-user-dialog");
  await dialog.getByLabel("Email").fill("e2e-approver@demo.test");
  await dialog.getByLabel("Name").fill("E2E Approver");
  await dialog.getByLabel("Initial password").fill("ignored-because-the-account-exists");
  await dialog.getByRole("checkbox", { name: /auditor/ }).check();
  await dialog.getByRole("button", { name: "Add user" }).click();
  await expect(adminBPage.getByText("already had an account")).toBeVisible();
  await adminB.close();

  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("e2e-approver@demo.test");
  await page.getByLabel("Password").fill("e2e approver password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Choose a tenant" })).toBeVisible();
  await screenshot(page, "tenant-chooser");
  await page.getByRole("link", { name: /Demo/ }).first().click();
  await expect(page).toHaveURL(/\/t\/demo$/);
  await page.getByTestId("tenant-switcher").selectOption("demo-b");
  await expect(page).toHaveURL(/\/t\/demo-b$/);
  await expect(page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Audit log" })).toBeVisible();
});

test("the console is usable on a phone, and signing out ends the session", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, USERS.admin);
  await page.goto("/t/demo/keys");
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  // Wide tables scroll inside their frame; the page itself never scrolls sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(page, "keys-phone");
  await page.goto("/t/demo/audit");
  await expect(page.getByTestId("audit-row").first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await screenshot(page, "audit-phone");
  await page.getByRole("button", { name: "Sign out" }).first().click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/t/demo/keys");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Ft%2Fdemo%2Fkeys/);
});
