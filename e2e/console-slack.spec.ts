// Admin journey on the Slack page: Add to Slack (OAuth v2 through the local Slack stand-in), pick
// the preset and write scopes, link a Slack user, see a real answer the app posted (rendered as a
// Block Kit preview for docs/slack.md), disconnect (the token is revoked at Slack). Non-admins are
// turned away.
import crypto from "node:crypto";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { SCREENSHOTS, USERS, screenshot, signIn } from "./console-helpers";

test.describe.configure({ mode: "serial" });

const STAND_IN = `http://127.0.0.1:${process.env.E2E_SLACK_PORT ?? 3199}`;
const SIGNING_SECRET = "e2e-slack-signing-secret";

type Call = { method: string; token: string | null; args: Record<string, unknown>; at: number };
async function slackCalls(request: APIRequestContext): Promise<Call[]> {
  return (await (await request.get(`${STAND_IN}/_calls`)).json()) as Call[];
}

/** A minimal Block Kit renderer: enough to show what the app posted, as Slack lays it out. */
function blockKitHtml(blocks: { type: string; text?: { text: string }; elements?: { type: string; text?: string | { text: string }; style?: string }[] }[]): string {
  const esc = (s: string) => s.replace(/&(?!amp;|lt;|gt;)/g, "&amp;");
  const mrkdwn = (s: string) =>
    esc(s)
      .replace(/```\n?([\s\S]*?)```/g, '<pre class="code">$1</pre>')
      .replace(/\*([^*\n]+)\*/g, "<b>$1</b>")
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/:no_entry:/g, "⛔")
      .replace(/:white_check_mark:/g, "✅")
      .replace(/\n/g, "<br>");
  const body = blocks
    .map((b) => {
      if (b.type === "section") return `<div class="section">${mrkdwn(b.text?.text ?? "")}</div>`;
      if (b.type === "context") return `<div class="context">${(b.elements ?? []).map((e) => mrkdwn(typeof e.text === "string" ? e.text : (e.text?.text ?? ""))).join(" ")}</div>`;
      if (b.type === "actions") return `<div class="actions">${(b.elements ?? []).map((e) => `<span class="button ${e.style ?? ""}">${typeof e.text === "string" ? e.text : (e.text?.text ?? "")}</span>`).join("")}</div>`;
      return "";
    })
    .join("");
  return `<!doctype html><html><head><style>
    body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;background:#fff;margin:0;padding:24px;width:760px;color:#1d1c1d;font-size:15px}
    .msg{display:flex;gap:10px}.avatar{width:36px;height:36px;border-radius:6px;background:#312e81;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:700}
    .name{font-weight:900}.app{font-size:11px;background:#e8e8e8;border-radius:3px;padding:1px 4px;margin-left:4px;color:#616061}
    .section{margin:4px 0;line-height:1.45}.context{color:#616061;font-size:12px;margin:6px 0}
    pre.code{background:#f8f8f8;border:1px solid #ddd;border-radius:4px;padding:8px;font-size:12px;margin:4px 0}
    .actions{margin-top:8px;display:flex;gap:8px}.button{border:1px solid #bbb;border-radius:4px;padding:4px 12px;font-size:13px;font-weight:700}
    .button.primary{background:#007a5a;color:#fff;border-color:#007a5a}.button.danger{color:#e01e5a}
    .thread{color:#616061;font-size:12px;margin-bottom:8px}
  </style></head><body><div id="frame" style="padding:16px"><div class="thread">#retention · thread</div><div class="msg"><div class="avatar">S</div><div><span class="name">SocialHub</span><span class="app">APP</span>${body}</div></div></div></body></html>`;
}

test("admin connects a workspace with Add to Slack, sets access, links a user, gets an answer, disconnects", async ({ page, request, baseURL }) => {
  await signIn(page, USERS.admin);
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Slack" }).click();
  await expect(page.getByRole("heading", { name: "Slack", level: 1 })).toBeVisible();
  await expect(page.getByText("No Slack workspace connected")).toBeVisible();
  await screenshot(page, "slack-empty");

  // Add to Slack → the stand-in's authorize page (the user clicks Allow) → our callback → connected.
  await page.getByTestId("add-to-slack").click();
  await expect(page.getByText("Connected the Slack workspace E2E Workspace.")).toBeVisible();
  const connection = page.getByTestId("slack-connection");
  await expect(connection).toContainText("T0E2E");
  await expect(connection).toContainText("token encrypted");
  const exchanged = (await slackCalls(request)).filter((c) => c.method === "oauth.v2.access");
  expect(exchanged).toHaveLength(1);
  expect(exchanged[0]?.args.redirect_uri).toBe(`${baseURL}/api/slack/oauth/callback`);

  // Preset and write scopes, exactly like a key.
  await page.getByLabel("Preset").selectOption("analyst");
  await page.getByRole("checkbox", { name: /coupons:write/ }).check();
  await page.getByRole("button", { name: "Save access" }).click();
  await expect(page.getByText("Saved: preset analyst, write scopes coupons:write.")).toBeVisible();
  await expect(page.getByRole("checkbox", { name: /coupons:write/ })).toBeChecked();
  await expect(page.getByRole("checkbox", { name: /points:write/ })).not.toBeChecked();

  // Write limits for linked users' requests, in the same form: saved, and still there after a reload.
  const limits = page.getByTestId("write-limits-fields");
  await expect(limits.getByLabel("Codes per top-up or new pool")).toHaveValue("");
  await limits.getByLabel("Codes per top-up or new pool").fill("250");
  await limits.getByLabel("Only these coupon pools").fill("summer");
  await page.getByRole("button", { name: "Save access" }).click();
  await expect(page.getByText("Saved: preset analyst, write scopes coupons:write; write limits: at most 250 codes per top-up or new pool, pools Summer only.")).toBeVisible();
  await page.reload();
  await expect(limits.getByLabel("Codes per top-up or new pool")).toHaveValue("250");
  // Stored in the pool's own spelling.
  await expect(limits.getByLabel("Only these coupon pools")).toHaveValue("Summer");
  await expect(limits.getByLabel("Write requests per day")).toHaveValue("");
  await limits.scrollIntoViewIfNeeded();
  await screenshot(page, "slack-write-limits");
  // A cap the form cannot take is refused with the field's name, and the saved one stays.
  await limits.getByLabel("Codes per top-up or new pool").fill("2000000");
  await page.getByRole("button", { name: "Save access" }).click();
  await expect(page.getByText(/Codes per top-up must be at most 1,000,000/)).toBeVisible();
  await page.reload();
  await expect(limits.getByLabel("Codes per top-up or new pool")).toHaveValue("250");

  // An explicit link; a malformed Slack id is refused with a message.
  await page.getByLabel("Slack member id").fill("not an id");
  await page.getByLabel("Console user").selectOption({ label: "approver@demo.test (approver)" });
  await page.getByRole("button", { name: "Link user" }).click();
  await expect(page.getByText(/A Slack user id looks like U0123ABCD/)).toBeVisible();
  await page.getByLabel("Slack member id").fill("U0APPROVER");
  await page.getByLabel("Console user").selectOption({ label: "approver@demo.test (approver)" });
  await page.getByRole("button", { name: "Link user" }).click();
  await expect(page.getByText("Linked Slack user U0APPROVER to approver@demo.test.")).toBeVisible();
  await expect(page.getByTestId("slack-link-row")).toContainText(["U0APPROVER"]);
  await screenshot(page, "slack-connected");

  // A mention from that workspace, signed as Slack signs it: the app answers in the thread.
  const ts = `${Math.floor(Date.now() / 1000)}.000100`;
  const body = JSON.stringify({
    type: "event_callback",
    team_id: "T0E2E",
    event_id: `Ev${crypto.randomBytes(4).toString("hex").toUpperCase()}`,
    event: { type: "app_mention", user: "U0APPROVER", text: "<@U0BOT> active members by tier vs last month", channel: "C0RETENTION", ts },
  });
  const stamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${crypto.createHmac("sha256", SIGNING_SECRET).update(`v0:${stamp}:${body}`).digest("hex")}`;
  const res = await request.post("/api/slack/events", { headers: { "Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature }, data: body });
  expect(res.status()).toBe(200);
  let answer: Call | undefined;
  await expect(async () => {
    answer = (await slackCalls(request)).find((c) => c.method === "chat.postMessage" && c.args.thread_ts === ts);
    expect(answer).toBeDefined();
  }).toPass({ timeout: 30_000 });
  const preview = await page.context().newPage();
  await preview.setContent(blockKitHtml(answer?.args.blocks as Parameters<typeof blockKitHtml>[0]));
  await expect(preview.getByText("Active members", { exact: false }).first()).toBeVisible();
  // Written with the other screenshots; docs/images/slack-answer.png is a copy of one, refreshed by hand.
  await preview.locator("#frame").screenshot({ path: path.join(SCREENSHOTS, "slack-answer.png") });
  await preview.close();

  // Disconnect: the bot token is revoked at Slack and forgotten here.
  await page.getByRole("button", { name: "Disconnect" }).click();
  await expect(page.getByText("Disconnected; the bot token was revoked at Slack.")).toBeVisible();
  await expect(page.getByText("No Slack workspace connected")).toBeVisible();
  expect((await slackCalls(request)).filter((c) => c.method === "auth.revoke")).toHaveLength(1);
  await screenshot(page, "slack-disconnected");
});

test("the Slack page is for admins only", async ({ page }) => {
  await signIn(page, USERS.approver);
  await expect(page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Slack" })).toHaveCount(0);
  await page.goto("/t/demo/slack");
  await expect(page).toHaveURL(/\/t\/demo\/forbidden/);
});
