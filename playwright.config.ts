// End-to-end tests drive real Chromium against the built app (`npm run build` first), started on
// a throwaway embedded database seeded with the demo tenants.
import fs from "node:fs";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3100);
const DATA_DIR = path.resolve("e2e/.artifacts/data");
const SLACK_PORT = Number(process.env.E2E_SLACK_PORT ?? 3199);
const E2E_SLACK_SIGNING_SECRET = "e2e-slack-signing-secret";

// Debian's chromium where Playwright cannot download its own browser; CHROMIUM_PATH overrides.
const chromium = process.env.CHROMIUM_PATH ?? (fs.existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);

export default defineConfig({
  testDir: "e2e",
  outputDir: "e2e/.artifacts/results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    ...devices["Desktop Chrome"],
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: chromium,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
    trace: "retain-on-failure",
  },
  webServer: [
    {
      // The local stand-in for Slack's Web API and OAuth page (Slack cannot be reached from here).
      command: `npx tsx test/slack-stand-in.ts --port ${SLACK_PORT}`,
      url: `http://127.0.0.1:${SLACK_PORT}/health`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "pipe",
    },
    {
    // A fresh database every run, seeded on start.
    command: `rm -rf ${DATA_DIR} && node bin/socode.mjs start --port ${PORT} --hostname 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      SOCODE_DATA_DIR: DATA_DIR,
      SOCODE_SEED_DEMO: "1",
      NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? "e2e-only-secret-e2e-only-secret-e2e-only",
      SOCODE_PUBLIC_URL: `http://127.0.0.1:${PORT}`,
      // A session revoked from another process (the CLI) ends within this bound (default 30 s).
      SOCODE_SESSION_RECHECK_SECONDS: "2",
      // The Slack app (e2e/console-slack.spec.ts), pointed at the stand-in.
      SLACK_API_URL: `http://127.0.0.1:${SLACK_PORT}/api/`,
      SLACK_CLIENT_ID: "1234.5678",
      SLACK_CLIENT_SECRET: "stand-in-client-secret",
      SLACK_SIGNING_SECRET: E2E_SLACK_SIGNING_SECRET,
      SOCODE_SLACK_TOKEN_KEY: "ZTJlLW9ubHktc2xhY2stdG9rZW4ta2V5LTMyYnl0ZXM=",
    },
    },
  ],
});
