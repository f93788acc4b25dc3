// Unauthorised access: every page, export and server action checks the role and the tenant on the
// server, whatever the browser sends.
import { expect, test, type Page, type Request } from "@playwright/test";
import { USERS, screenshot, signIn } from "./console-helpers";

test.describe.configure({ mode: "serial" });

/** The exact POST the browser sends for "Issue key", captured from an admin's session. */
let issueKeyPost: { url: string; headers: Record<string, string>; body: string } | null = null;

async function captureIssueKey(page: Page): Promise<void> {
  const captured = new Promise<Request>((resolve) => {
    page.on("request", (r) => {
      if (r.method() === "POST" && r.headers()["next-action"] && (r.postData() ?? "").includes("E2E captured")) resolve(r);
    });
  });
  await page.goto("/t/demo/keys");
  await page.getByRole("button", { name: "Issue key" }).click();
  await page.getByTestId("issue-key-dialog").getByLabel("Name").fill("E2E captured");
  await page.getByTestId("issue-key-dialog").getByRole("button", { name: "Issue key" }).click();
  const request = await captured;
  const headers = Object.fromEntries(Object.entries(request.headers()).filter(([k]) => !["cookie", "content-length"].includes(k.toLowerCase())));
  issueKeyPost = { url: request.url(), headers, body: request.postData() ?? "" };
  await expect(page.getByTestId("secret-dialog")).toBeVisible();
}

async function replay(page: Page, name: string, tenant = "demo") {
  if (!issueKeyPost) throw new Error("no captured request");
  const body = issueKeyPost.body.replace("E2E captured", name).replace(/(name="[^"]*tenant"\r\n\r\n)demo/, `$1${tenant}`);
  return page.request.post(issueKeyPost.url, { headers: issueKeyPost.headers, data: body });
}

test("signed-out visitors are sent to sign-in, and the export refuses them", async ({ page }) => {
  await page.goto("/t/demo/keys");
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Ft%2Fdemo%2Fkeys/);
  const exported = await page.request.get("/t/demo/audit/export?format=csv");
  expect(exported.status()).toBe(401);
});

test("an admin's issue-key request is captured for replay", async ({ page }) => {
  await signIn(page, USERS.admin);
  await captureIssueKey(page);
});

test("an auditor cannot see keys nor issue one by posting the action directly", async ({ page }) => {
  await signIn(page, USERS.auditor);
  await page.goto("/t/demo/keys");
  await expect(page).toHaveURL(/\/t\/demo\/forbidden\?need=admin/);
  await expect(page.getByText("That page needs the admin role in demo")).toBeVisible();
  await screenshot(page, "forbidden");
  await page.goto("/t/demo/users");
  await expect(page).toHaveURL(/\/t\/demo\/forbidden/);

  const forged = await replay(page, "E2E forged by auditor");
  expect(forged.status()).toBe(200);
  const answer = await forged.text();
  expect(answer).toContain("needs the admin role");
  expect(answer).not.toContain("sc_live_");

  // The denial is in the audit log.
  await page.goto(`/t/demo/audit?${new URLSearchParams({ actor: USERS.auditor, outcome: "denied" })}`);
  await expect(page.getByTestId("audit-row").first()).toContainText("key.create");
});

test("a user of demo-b cannot reach demo's pages, export or actions by URL", async ({ page }) => {
  await signIn(page, USERS.adminB);
  await expect(page).toHaveURL(/\/t\/demo-b$/);
  for (const path of ["/t/demo", "/t/demo/keys", "/t/demo/users", "/t/demo/audit", "/t/demo/audit/1"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
  }
  await screenshot(page, "not-found-other-tenant");
  const exported = await page.request.get("/t/demo/audit/export?format=csv");
  expect(exported.status()).toBe(404);
  expect(await exported.text()).not.toContain("key.create");

  const forged = await replay(page, "E2E forged by demo-b");
  expect(await forged.text()).toContain("not a member");
  const otherTenant = await replay(page, "E2E forged into demo-b", "demo-b");
  // Posting to its own tenant works (it is a demo-b admin): the tenant comes from the form, and membership decides.
  expect(await otherTenant.text()).toContain("sc_live_");
});

test("the admin sees that no forged key was created in demo", async ({ page }) => {
  await signIn(page, USERS.admin);
  await page.goto("/t/demo/keys?q=forged");
  await expect(page.getByText("No keys match")).toBeVisible();
});

test("security headers forbid framing", async ({ request }) => {
  const response = await request.get("/sign-in");
  expect(response.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(response.headers()["x-frame-options"]).toBe("DENY");
});
