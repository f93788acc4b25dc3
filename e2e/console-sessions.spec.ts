// Revocable console sessions in Chromium: the same person signed in in two browsers; "Sign out
// everywhere" in one sends the other to sign-in on its next page load. An admin deactivating a user
// or removing a role in the console does the same at once; a role removed with the CLI (another
// process) within SOCODE_SESSION_RECHECK_SECONDS (2 s for these tests).
import { expect, test, type Browser, type Page } from "@playwright/test";
import { socode } from "./console-agent";
import { USERS, screenshot, signIn } from "./console-helpers";

test.describe.configure({ mode: "serial" });

const PASSWORD = "e2e sessions password";

async function signedInBrowser(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email, PASSWORD);
  return page;
}

/** The next page load lands on sign-in, keeping where the person was going. */
async function expectSentToSignIn(page: Page, path = "/t/demo/audit") {
  await page.goto(path);
  await expect(page).toHaveURL(new RegExp(`/sign-in\\?callbackUrl=${encodeURIComponent(path).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  await expect(page.getByRole("heading", { name: "Sign in to the console" })).toBeVisible();
}

test("sign out everywhere ends the session in the other browser too", async ({ browser }) => {
  socode(["user:create", "--email", "e2e-sessions@demo.test", "--password", PASSWORD, "--tenant", "demo", "--roles", "approver,auditor"]);
  const laptop = await signedInBrowser(browser, "e2e-sessions@demo.test");
  const phone = await signedInBrowser(browser, "e2e-sessions@demo.test");
  await phone.goto("/t/demo/audit");
  await expect(phone.getByRole("heading", { level: 1 })).toBeVisible();

  await laptop.goto("/t/demo");
  await screenshot(laptop, "sign-out-everywhere");
  await laptop.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(laptop).toHaveURL(/\/sign-in/);

  await expectSentToSignIn(phone);
  // Signing in again works.
  await signIn(phone, "e2e-sessions@demo.test", PASSWORD);
  await phone.context().close();
  await laptop.context().close();
});

test("an admin deactivating a user, or removing a role, ends that user's live session", async ({ browser, page }) => {
  socode(["user:create", "--email", "e2e-leaver@demo.test", "--password", PASSWORD, "--tenant", "demo", "--roles", "auditor"]);
  socode(["user:create", "--email", "e2e-demoted@demo.test", "--password", PASSWORD, "--tenant", "demo", "--roles", "approver,auditor"]);
  const leaver = await signedInBrowser(browser, "e2e-leaver@demo.test");
  const demoted = await signedInBrowser(browser, "e2e-demoted@demo.test");

  await signIn(page, USERS.admin);
  await page.goto("/t/demo/users");
  const leaverRow = page.getByTestId("user-row").filter({ hasText: "e2e-leaver@demo.test" });
  await leaverRow.getByRole("button", { name: "Deactivate" }).click();
  await page.getByRole("dialog", { name: "Deactivate e2e-leaver@demo.test?" }).getByRole("button", { name: "Deactivate" }).click();
  await expect(leaverRow).toContainText("deactivated");
  await expectSentToSignIn(leaver);

  const demotedRow = page.getByTestId("user-row").filter({ hasText: "e2e-demoted@demo.test" });
  await demotedRow.getByRole("button", { name: "Roles" }).click();
  const roles = page.getByRole("dialog", { name: "Roles of e2e-demoted@demo.test" });
  await roles.getByRole("checkbox", { name: /approver/ }).uncheck();
  await roles.getByRole("button", { name: "Save roles" }).click();
  await expect(roles).toBeHidden();
  await expect(demotedRow.getByRole("cell").nth(1)).toHaveText("auditor");
  await expectSentToSignIn(demoted);
  await leaver.context().close();
  await demoted.context().close();
});

test("a role removed from another process (the CLI) ends the session within the recheck interval", async ({ browser }) => {
  socode(["user:create", "--email", "e2e-cli-demoted@demo.test", "--password", PASSWORD, "--tenant", "demo", "--roles", "approver,auditor"]);
  const page = await signedInBrowser(browser, "e2e-cli-demoted@demo.test");
  await page.goto("/t/demo/audit");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  socode(["user:create", "--email", "e2e-cli-demoted@demo.test", "--tenant", "demo", "--roles", "auditor"]);
  // The app's instance may trust what it read for up to the interval; a later load goes to sign-in.
  // (The page may stream before it redirects: wait for the redirect after each load.)
  await expect(async () => {
    await page.goto("/t/demo/audit");
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Ft%2Fdemo%2Faudit/, { timeout: 3_000 });
  }).toPass({ timeout: 20_000 });
  await page.context().close();
});
