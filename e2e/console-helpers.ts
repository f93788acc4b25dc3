// Shared helpers for the console journeys: demo users (their generated password is written by the
// first start into the e2e data folder), sign-in, screenshots and a raw MCP call.
import fs from "node:fs";
import path from "node:path";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

const DATA_DIR = path.resolve("e2e/.artifacts/data");
export const SCREENSHOTS = path.resolve("e2e/.artifacts/screenshots");

export function demoPassword(): string {
  const file = path.join(DATA_DIR, "demo-credentials.json");
  const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  if (parsed && typeof parsed === "object" && "password" in parsed && typeof parsed.password === "string") return parsed.password;
  throw new Error(`No demo password in ${file}`);
}

export const USERS = {
  admin: "admin@demo.test",
  approver: "approver@demo.test",
  auditor: "auditor@demo.test",
  adminB: "admin@demo-b.test",
} as const;

export async function signIn(page: Page, email: string, password = demoPassword()): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/t\//);
  // The sidebar shows who is signed in on a desktop, the top bar on a phone.
  await expect(page.locator('[data-testid^="signed-in-as"]:visible')).toContainText(email);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** An MCP `initialize` with the key, as any MCP client would send it first. */
export async function mcpInitialize(request: APIRequestContext, secret: string) {
  return request.post("/api/mcp", {
    headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
    data: {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "e2e", version: "0" } },
    },
  });
}
