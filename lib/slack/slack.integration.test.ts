// The Slack surface end to end: the built app (`next start`) on a real database receives events,
// slash commands and button presses signed exactly as Slack signs them, and talks to a local
// stand-in for Slack's Web API (the only mock: Slack cannot be reached from here). Every figure
// posted is checked against query_metric / explain_change through /api/mcp with the official MCP
// SDK client, for the same tenant and window.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueApiKey } from "@/lib/auth/api-keys";
import { writesApprove, writesReject } from "@/lib/cli/commands/writes";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { formatMetricValue, formatRelativeChange } from "@/lib/console/metric-format";
import { decideApproval } from "@/lib/console/approvals";
import { seedDemo } from "@/lib/demo/seed-demo";
import { resetEnvCache } from "@/lib/env";
import { connectWorkspace, updateConnectionScopes } from "@/lib/slack/connections";
import { refreshSlackWriteMessage } from "@/lib/slack/write-message";
import { openBotToken } from "@/lib/slack/token-vault";
import { startApp, type RunningApp } from "@/test/app-server";
import { createTestDatabase, testRuntime, type TestDatabase } from "@/test/database";
import { slackSignedHeaders, startSlackStandIn, type SlackCall, type SlackStandIn } from "@/test/slack-stand-in";

const SIGNING_SECRET = "slack-signing-secret-for-tests";
const TOKEN_KEY = crypto.randomBytes(32).toString("base64");
const DEMO_TEAM = { id: "T0DEMO", name: "Demo Coffee HQ", botUserId: "U0BOT" };
const B_TEAM = { id: "T0BAKERY", name: "Bakery", botUserId: "U0BOTB" };
const CHANNEL = "C0RETENTION";

type Blocks = { type: string; text?: { text: string }; elements?: { text?: string | { text: string }; value?: string; action_id?: string }[] }[];

function messageText(call: SlackCall): string {
  const blocks = (call.args.blocks ?? []) as Blocks;
  return blocks
    .flatMap((b) => [b.text?.text ?? "", ...(b.elements ?? []).map((e) => (typeof e.text === "string" ? e.text : (e.text?.text ?? "")))])
    .join("\n");
}

function buttonValue(call: SlackCall, actionId: string): string {
  const blocks = (call.args.blocks ?? []) as Blocks;
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId);
  if (!button?.value) throw new Error(`no ${actionId} button`);
  return button.value;
}

describe(`Slack surface on ${testRuntime()}`, () => {
  let database: TestDatabase;
  let app: RunningApp;
  let slack: SlackStandIn;
  let mcp: Client;
  let demoId: string;
  let demoBId: string;
  let seq = 0;
  const users: Record<string, string> = {};

  const nextTs = () => `${1_790_000_000 + ++seq}.000${String(seq).padStart(3, "0")}`;

  async function post(path: string, body: string, contentType: string, headers: Record<string, string> = {}) {
    return fetch(`${app.baseUrl}/api/slack/${path}`, {
      method: "POST",
      headers: { "Content-Type": contentType, ...slackSignedHeaders(SIGNING_SECRET, body), ...headers },
      body,
    });
  }

  type Mention = { team?: string; user: string; text: string; channel?: string; threadTs?: string; eventId?: string; ts?: string };
  function eventBody(m: Mention) {
    const ts = m.ts ?? nextTs();
    const eventId = m.eventId ?? `Ev${crypto.randomBytes(5).toString("hex").toUpperCase()}`;
    const body = JSON.stringify({
      type: "event_callback",
      team_id: m.team ?? DEMO_TEAM.id,
      api_app_id: "A0STANDIN",
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      event: { type: "app_mention", user: m.user, text: `<@${DEMO_TEAM.botUserId}> ${m.text}`, channel: m.channel ?? CHANNEL, ts, ...(m.threadTs ? { thread_ts: m.threadTs } : {}) },
    });
    return { body, ts, eventId };
  }

  /** Sends a mention and waits for the threaded answer. */
  async function ask(m: Mention) {
    const e = eventBody(m);
    const since = slack.calls.length;
    const res = await post("events", e.body, "application/json");
    expect(res.status).toBe(200);
    const thread = m.threadTs ?? e.ts;
    const answer = await slack.waitFor((c) => c.method === "chat.postMessage" && c.args.channel === (m.channel ?? CHANNEL) && c.args.thread_ts === thread, since);
    return { answer, text: messageText(answer), ...e, thread };
  }

  async function press(input: { team?: string; user: string; actionId: string; value: string; messageTs: string; channel?: string; actionTs?: string }) {
    const payload = {
      type: "block_actions",
      team: { id: input.team ?? DEMO_TEAM.id },
      user: { id: input.user },
      channel: { id: input.channel ?? CHANNEL },
      container: { type: "message", message_ts: input.messageTs, channel_id: input.channel ?? CHANNEL },
      message: { ts: input.messageTs, type: "message" },
      actions: [{ action_id: input.actionId, block_id: "b", value: input.value, type: "button", action_ts: input.actionTs ?? nextTs() }],
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return { res: await post("interactions", body, "application/x-www-form-urlencoded"), body };
  }

  async function mcpCall(name: string, args: Record<string, unknown>) {
    const r = (await mcp.callTool({ name, arguments: args })) as CallToolResult;
    expect(r.isError ?? false).toBe(false);
    return r.structuredContent as Record<string, unknown>;
  }

  async function auditFor(fragment: string) {
    return database.db.auditEvent.findMany({ where: { requestId: { contains: fragment } }, orderBy: { id: "asc" } });
  }

  async function waitForAudit(where: Parameters<TestDatabase["db"]["auditEvent"]["findFirst"]>[0], timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await database.db.auditEvent.findFirst(where);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no audit event matching ${JSON.stringify(where?.where)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function addUser(email: string, tenantId: string, roles: ("admin" | "approver" | "auditor")[]) {
    const user = await database.db.user.upsert({ where: { email }, create: { email, name: email.split("@")[0] ?? email }, update: {} });
    await database.db.membership.create({ data: { tenantId, userId: user.id, roles } });
    users[email] = user.id;
    return user;
  }

  /** Where the app posted a request's buttons (recorded right after chat.postMessage returns). */
  async function placedMessage(writeRequestId: string) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const placed = await database.db.slackWriteMessage.findUnique({ where: { writeRequestId } });
      if (placed) return placed;
      if (Date.now() > deadline) throw new Error(`no Slack message recorded for ${writeRequestId}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const summerPoolSize = async () => (await database.db.couponPool.findFirstOrThrow({ where: { tenantId: demoId, name: "Summer" } })).size;

  beforeAll(async () => {
    database = await createTestDatabase();
    await seedDemo(database.db, { scale: "small" });
    demoId = (await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo" } })).id;
    demoBId = (await database.db.tenant.findUniqueOrThrow({ where: { slug: "demo-b" } })).id;
    slack = await startSlackStandIn();
    slack.addToken("xoxb-demo-token", DEMO_TEAM);
    slack.addToken("xoxb-bakery-token", B_TEAM);

    // Alice may approve in general: only the four-eyes rule stops her approving her own request.
    const alice = await addUser("alice@demo.test", demoId, ["admin", "approver"]);
    await addUser("bob@demo.test", demoId, ["approver"]);
    await addUser("carol@bakery.test", demoBId, ["approver", "admin"]);
    slack.addUser({ id: "U0ALICE", teamId: DEMO_TEAM.id, email: "alice@demo.test", emailConfirmed: true });
    slack.addUser({ id: "U0BOB", teamId: DEMO_TEAM.id, email: "bob@demo.test", emailConfirmed: true });
    slack.addUser({ id: "U0EVE", teamId: DEMO_TEAM.id, email: "eve@elsewhere.test", emailConfirmed: true });
    // Claims Alice's address but Slack has not verified it: must not be linked to Alice.
    slack.addUser({ id: "U0MALLORY", teamId: DEMO_TEAM.id, email: "alice@demo.test", emailConfirmed: false });
    slack.addUser({ id: "U0CAROL", teamId: B_TEAM.id, email: "carol@bakery.test", emailConfirmed: true });

    // The test process seals the demo workspace's token with the same key the app opens it with.
    process.env.SOCODE_SLACK_TOKEN_KEY = TOKEN_KEY;
    process.env.SLACK_API_URL = slack.apiUrl;
    resetEnvCache();
    await connectWorkspace(database.db, { tenantId: demoId, teamId: DEMO_TEAM.id, teamName: DEMO_TEAM.name, botUserId: DEMO_TEAM.botUserId, botToken: "xoxb-demo-token", installedBy: { id: alice.id, email: alice.email }, requestId: "test" });
    await updateConnectionScopes(database.db, demoId, { preset: "analyst", writeScopes: ["coupons:write"] }, { id: alice.id, email: alice.email }, "test");

    app = await startApp(database, {
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      SOCODE_SLACK_TOKEN_KEY: TOKEN_KEY,
      // demo-b runs in single-workspace mode: its token and tenant come from the environment.
      SLACK_BOT_TOKEN: "xoxb-bakery-token",
      SOCODE_SLACK_TENANT: "demo-b",
    });
    const key = (await issueApiKey(database.db, { tenantId: demoId, name: "mcp reference", preset: "analyst", grantedScopes: [], expiresAt: null })).secret;
    mcp = new Client({ name: "slack-tests", version: "1.0.0" });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(app.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
  }, 600_000);

  afterAll(async () => {
    await mcp?.close();
    await app?.stop();
    await slack?.close();
    await database?.close();
  });

  it("stores the bot token sealed, not in clear", async () => {
    const row = await database.db.slackConnection.findUniqueOrThrow({ where: { teamId: DEMO_TEAM.id } });
    expect(row.botTokenSealed).not.toContain("xoxb");
    expect(openBotToken(row.botTokenSealed ?? "", row.id, Buffer.from(TOKEN_KEY, "base64"))).toBe("xoxb-demo-token");
    // Bound to its row: the same ciphertext does not open for another connection.
    expect(() => openBotToken(row.botTokenSealed ?? "", crypto.randomUUID(), Buffer.from(TOKEN_KEY, "base64"))).toThrow(/cannot be decrypted/);
  });

  it("answers Slack's URL verification challenge", async () => {
    const res = await post("events", JSON.stringify({ type: "url_verification", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", token: "x" }), "application/json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
  });

  it("seed question: GMV last week by store — threaded, figures equal query_metric through MCP", async () => {
    const { answer, text, ts } = await ask({ user: "U0ALICE", text: "GMV last week by store" });
    expect(answer.args.thread_ts).toBe(ts);
    expect(answer.token).toBe("xoxb-demo-token");
    const ref = (await mcpCall("query_metric", { metric: "gmv", window: "last_week", groupBy: ["store"], limit: 200 })) as {
      total: { current: string };
      rows: { current: string; dimensions: Record<string, { label: string }> }[];
      provenance: { window: { from: string; to: string }; version: number };
    };
    expect(text).toContain(`*${formatMetricValue(ref.total.current, "currency", "USD")}*`);
    for (const row of ref.rows.slice(0, 8)) expect(text).toMatch(new RegExp(`${row.dimensions.store?.label.slice(0, 32).replace(/[()]/g, "\\$&")}\\s+${formatMetricValue(row.current, "currency", "USD").replace("$", "\\$")}`));
    expect(text).toContain("others (4)");
    expect(text).toContain(`${ref.provenance.window.from} – ${ref.provenance.window.to} (America/New_York)`);
    expect(text).toContain(`Certified gmv v${ref.provenance.version}`);
  });

  it("seed question: why are redemptions down versus the prior week — driver ranking equals explain_change", async () => {
    const { text } = await ask({ user: "U0ALICE", text: "why are redemptions down versus the prior week?" });
    const ref = (await mcpCall("explain_change", { metric: "redemptions", window: "last_week", compareTo: "prior_week", dimensions: ["coupon_pool", "store", "tier"], limit: 10 })) as {
      total: { current: string; change: { relative: string } };
      topDrivers: { dimension: string; label: string; share: string | null }[];
    };
    expect(text).toContain(`*${formatMetricValue(ref.total.current, "count")}*`);
    expect(text).toContain(formatRelativeChange(ref.total.change.relative));
    // The answer ranks the drivers exactly as explain_change does, across pools, stores and tiers…
    const shown = ref.topDrivers.slice(0, 5);
    expect(shown.length).toBeGreaterThan(0);
    shown.forEach((d, i) => expect(text).toContain(`${i + 1}. ${d.dimension.replace("_", " ")} ${d.label}`.slice(0, 40)));
    expect(text).toContain(`${Math.round(Number(shown[0]?.share) * 100)}%`);
    // …and the planted story shows in it: Summer is the pool behind the drop, more than half of it
    // (docs/demo-data.md, story 2). Which dimension ranks first depends on the week: most of the
    // Summer redeemers are Bronze, so on some days tier Bronze's share of the drop edges past it.
    const summer = shown.find((d) => d.dimension === "coupon_pool");
    expect(summer?.label).toBe("Summer");
    expect(Number(summer?.share)).toBeGreaterThan(0.5);
  });

  it("seed question: redemption rate by pool for the last 14 days, with codes left per pool", async () => {
    const { text } = await ask({ user: "U0ALICE", text: "redemption rate by pool for the last 14 days" });
    const ref = (await mcpCall("query_metric", { metric: "redemption_rate", window: "last_14_days", groupBy: ["coupon_pool"], limit: 200 })) as {
      total: { current: string };
      rows: { current: string | null; dimensions: Record<string, { label: string }> }[];
    };
    expect(text).toContain(`*${formatMetricValue(ref.total.current, "ratio")}*`);
    for (const row of ref.rows) expect(text).toMatch(new RegExp(`${row.dimensions.coupon_pool?.label}\\s+${formatMetricValue(row.current, "ratio").replace(/[.%]/g, "\\$&")}`));
    expect(text).toMatch(/Codes left: .*Summer [\d,]+ of [\d,]+/);
  });

  let tierThread = "";
  it("seed question: active members by tier vs last month — Δ and Δ% per tier equal query_metric", async () => {
    const { text, thread } = await ask({ user: "U0ALICE", text: "active members by tier vs last month" });
    tierThread = thread;
    const ref = (await mcpCall("query_metric", { metric: "active_members", window: "last_30_days", compareTo: "previous_period", groupBy: ["tier"], limit: 200 })) as {
      total: { current: string; comparison: string };
      rows: { current: string; change: { relative: string | null }; dimensions: Record<string, { label: string }> }[];
    };
    expect(text).toContain(`*${formatMetricValue(ref.total.current, "count")}*`);
    expect(text).toContain(`vs ${formatMetricValue(ref.total.comparison, "count")}`);
    for (const row of ref.rows) {
      expect(text).toMatch(new RegExp(`${row.dimensions.tier?.label}\\s+${formatMetricValue(row.current, "count")}\\s+${formatRelativeChange(row.change.relative).replace(/[.+%]/g, "\\$&")}`));
    }
  });

  it("a thread follow-up reuses the thread's ask: which stores drove the Silver drop?", async () => {
    const { text } = await ask({ user: "U0ALICE", text: "which stores drove the Silver drop?", threadTs: tierThread });
    const ref = (await mcpCall("explain_change", { metric: "active_members", window: "last_30_days", compareTo: "previous_period", dimensions: ["store"], filters: { tier: ["Silver"] }, limit: 10 })) as {
      total: { current: string };
      topDrivers: { label: string }[];
    };
    expect(text).toContain(`*${formatMetricValue(ref.total.current, "count")}*`);
    expect(text).toContain("filters: tier = Silver");
    const top2 = ref.topDrivers.slice(0, 2).map((d) => d.label.match(/\((S\d+)\)$/)?.[1]).sort();
    expect(top2).toEqual(["S07", "S11"]);
    for (const d of ref.topDrivers.slice(0, 2)) expect(text).toContain(d.label.slice(0, 20));
  });

  it("an unknown metric gets the grounding refusal with suggestions, and nothing is queried", async () => {
    const { text, eventId } = await ask({ user: "U0ALICE", text: "churn by store last week" });
    expect(text).toMatch(/can't match .* to a certified metric/);
    expect(text).toContain("Try:");
    const events = await auditFor(eventId);
    expect(events.map((e) => [e.action, e.outcome, e.errorCode, e.surface])).toEqual([["slack.ask", "denied", "unknown_metric", "slack"]]);
  });

  it("refuses a bad signature and a stale timestamp before reading anything; both audited", async () => {
    const before = slack.calls.length;
    const e = eventBody({ user: "U0ALICE", text: "GMV last week" });
    const bad = await fetch(`${app.baseUrl}/api/slack/events`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...slackSignedHeaders("not-the-secret", e.body) },
      body: e.body,
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error: "signature_mismatch" });
    const stale = await fetch(`${app.baseUrl}/api/slack/events`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...slackSignedHeaders(SIGNING_SECRET, e.body, Math.floor(Date.now() / 1000) - 6 * 60) },
      body: e.body,
    });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: "timestamp_stale" });
    // A correctly signed body with one byte changed is as bad as a wrong secret.
    const tampered = await fetch(`${app.baseUrl}/api/slack/events`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...slackSignedHeaders(SIGNING_SECRET, e.body) },
      body: e.body.replace("GMV", "AOV"),
    });
    expect(tampered.status).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.calls.length).toBe(before);
    expect(await database.db.slackDelivery.findUnique({ where: { key: `event:${e.eventId}` } })).toBeNull();
    const denials = await database.db.auditEvent.findMany({ where: { action: "slack.event", surface: "slack", errorCode: { in: ["signature_mismatch", "timestamp_stale"] } } });
    expect(denials.map((d) => d.errorCode).sort()).toEqual(["signature_mismatch", "signature_mismatch", "timestamp_stale"]);
  });

  it("a replayed event (Slack retry, same event_id) never gets a second answer", async () => {
    const first = await ask({ user: "U0ALICE", text: "orders yesterday" });
    const retry = await post("events", first.body, "application/json", { "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout" });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ duplicate: true });
    await new Promise((r) => setTimeout(r, 1500));
    expect(slack.calls.filter((c) => c.method === "chat.postMessage" && c.args.thread_ts === first.thread)).toHaveLength(1);
    const events = await auditFor(first.eventId);
    expect(events.map((e) => [e.action, e.outcome, e.errorCode])).toEqual([
      ["query_metric", "ok", null],
      ["slack.event", "denied", "duplicate_delivery"],
    ]);
  });

  it("a workspace that is not connected gets a clear reply and no data is touched", async () => {
    const before = slack.calls.length;
    const e = eventBody({ team: "T0STRANGER", user: "U0X", text: "GMV last week" });
    const res = await post("events", e.body, "application/json");
    expect(await res.json()).toMatchObject({ error: "workspace_not_connected" });
    const cmd = await post("commands", new URLSearchParams({ team_id: "T0STRANGER", user_id: "U0X", channel_id: "C0X", command: "/socode", text: "gmv last week", trigger_id: "trg.stranger" }).toString(), "application/x-www-form-urlencoded");
    expect(await cmd.json()).toMatchObject({ response_type: "ephemeral", text: expect.stringMatching(/not connected to SoCode/) });
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.calls.slice(before).filter((c) => c.method !== "auth.test")).toEqual([]);
    const audits = await auditFor("T0STRANGER");
    expect(audits.map((a) => [a.action, a.errorCode, a.tenantId])).toEqual([
      ["slack.event", "workspace_not_connected", null],
      ["slack.command", "workspace_not_connected", null],
    ]);
  });

  it("/socode answers in the channel through the same pipeline", async () => {
    const since = slack.calls.length;
    const res = await post("commands", new URLSearchParams({ team_id: DEMO_TEAM.id, user_id: "U0ALICE", channel_id: "C0SLASH", command: "/socode", text: "orders last week", trigger_id: "trg.1" }).toString(), "application/x-www-form-urlencoded");
    expect(await res.json()).toMatchObject({ response_type: "ephemeral" });
    const answer = await slack.waitFor((c) => c.method === "chat.postMessage" && c.args.channel === "C0SLASH", since);
    const ref = (await mcpCall("query_metric", { metric: "orders", window: "last_week", limit: 200 })) as { total: { current: string } };
    expect(messageText(answer)).toContain(`*${formatMetricValue(ref.total.current, "count")}*`);
    expect(answer.args.thread_ts).toBeUndefined();
  });

  it("an unlinked Slack user may read but never request a write; a merely claimed email links nobody", async () => {
    const eve = await ask({ user: "U0EVE", text: "top up the summer coupon pool by 500 codes" });
    expect(eve.text).toMatch(/not linked to a console user/);
    const mallory = await ask({ user: "U0MALLORY", text: "top up the summer coupon pool by 500 codes" });
    expect(mallory.text).toMatch(/not linked to a console user/);
    expect(await database.db.writeRequest.count({ where: { tenantId: demoId } })).toBe(0);
    expect(await database.db.slackUserLink.findFirst({ where: { slackUserId: { in: ["U0EVE", "U0MALLORY"] } } })).toBeNull();
    for (const e of [eve, mallory]) {
      const events = await auditFor(e.eventId);
      expect(events.map((a) => [a.action, a.outcome, a.errorCode, a.actorType])).toEqual([["top_up_coupon_pool", "denied", "missing_scope", "slack"]]);
    }
    // Reading is still allowed for them (the read preset).
    const read = await ask({ user: "U0EVE", text: "orders yesterday" });
    expect(read.text).toMatch(/\*Orders\*: \*[\d,]+\*/);
  });

  it("top-up: request → refusals (own request, other tenant, tampered, unlinked) → approve → executed once → next answer reflects it", async () => {
    const sizeBefore = await summerPoolSize();
    const codesBefore = await database.db.coupon.count({ where: { tenantId: demoId, pool: { name: "Summer" } } });
    const request = await ask({ user: "U0ALICE", text: "top up the summer coupon pool by 500 codes" });
    expect(request.text).toContain('Add 500 new codes to pool "Summer"');
    expect(request.text).toContain(`size: ${sizeBefore} → ${sizeBefore + 500}`);
    const pending = await database.db.writeRequest.findFirstOrThrow({ where: { tenantId: demoId, status: "pending" } });
    expect(pending.operation).toBe("top_up_coupon_pool");
    // Alice was linked through her verified Slack email: her identity key carries her as issuer.
    const aliceLink = await database.db.slackUserLink.findFirstOrThrow({ where: { slackUserId: "U0ALICE" }, include: { apiKey: true } });
    expect(aliceLink).toMatchObject({ linkedBy: "email", userId: users["alice@demo.test"] });
    expect(pending.requesterKeyId).toBe(aliceLink.apiKeyId);
    const value = buttonValue(request.answer, "write_approve");
    expect(JSON.parse(value)).toEqual({ r: pending.id, h: pending.argumentsHash });
    const messageTs = (await placedMessage(pending.id)).messageTs;

    /** Presses a button and returns the refusal posted in the request's thread. */
    const refusalAfter = async (pressed: () => Promise<{ res: Response }>) => {
      const since = slack.calls.length;
      expect((await pressed()).res.status).toBe(200);
      return slack.waitFor((c) => c.method === "chat.postMessage" && c.args.channel === CHANNEL && messageText(c).includes(":no_entry:"), since);
    };

    // 1. The requester approving their own request: four eyes.
    const own = await refusalAfter(() => press({ user: "U0ALICE", actionId: "write_approve", value, messageTs }));
    expect(messageText(own)).toMatch(/four-eyes/);
    await waitForAudit({ where: { action: "write.approve", outcome: "denied", errorCode: "four_eyes", writeRequestId: pending.id, surface: "slack" } });

    // 2. An approver of another tenant, from that tenant's workspace (single-workspace mode), same payload.
    const foreign = await refusalAfter(() => press({ team: B_TEAM.id, user: "U0CAROL", actionId: "write_approve", value, messageTs }));
    expect(messageText(foreign)).toMatch(/does not match the write request/);
    expect(foreign.token).toBe("xoxb-bakery-token");
    await waitForAudit({ where: { action: "write.approve", outcome: "denied", errorCode: "tampered_payload", tenantId: demoBId } });

    // 3. A tampered payload: a valid approver, the arguments hash edited.
    const forged = JSON.stringify({ r: pending.id, h: "0".repeat(64) });
    const tampered = await refusalAfter(() => press({ user: "U0BOB", actionId: "write_approve", value: forged, messageTs }));
    expect(messageText(tampered)).toMatch(/does not match/);
    await waitForAudit({ where: { action: "write.approve", outcome: "denied", errorCode: "tampered_payload", tenantId: demoId, writeRequestId: pending.id } });
    // …and the real payload pressed on another message (transplanted) is refused the same way.
    await refusalAfter(() => press({ user: "U0BOB", actionId: "write_approve", value, messageTs: "1790000000.999999" }));

    // 4. An unlinked user pressing the real button.
    const unlinked = await refusalAfter(() => press({ user: "U0EVE", actionId: "write_approve", value, messageTs }));
    expect(messageText(unlinked)).toMatch(/not linked/);
    await waitForAudit({ where: { action: "write.approve", outcome: "denied", errorCode: "slack_user_not_linked", writeRequestId: pending.id } });

    expect(await summerPoolSize()).toBe(sizeBefore);
    expect((await database.db.writeRequest.findUniqueOrThrow({ where: { id: pending.id } })).status).toBe("pending");

    // 5. Bob (approver, linked by verified email) approves: executed, the buttons are replaced.
    const since = slack.calls.length;
    const approved = await press({ user: "U0BOB", actionId: "write_approve", value, messageTs, actionTs: "1790000500.000001" });
    expect(approved.res.status).toBe(200);
    const update = await slack.waitFor((c) => c.method === "chat.update" && c.args.ts === messageTs, since);
    expect(messageText(update)).toMatch(/Executed/);
    expect(messageText(update)).toMatch(/Added 500 codes to Summer/);
    expect(messageText(update)).toMatch(/audit #\d+/);
    expect(messageText(update)).toContain("bob@demo.test");
    expect((update.args.blocks as Blocks).some((b) => b.type === "actions")).toBe(false);

    // 6. The same press replayed, and a fresh press: neither executes again.
    const replay = await post("interactions", approved.body, "application/x-www-form-urlencoded");
    expect(await replay.json()).toMatchObject({ duplicate: true });
    await refusalAfter(() => press({ user: "U0BOB", actionId: "write_approve", value, messageTs }));
    await waitForAudit({ where: { action: "write.approve", outcome: "denied", errorCode: "request_not_pending", writeRequestId: pending.id } });
    expect(await summerPoolSize()).toBe(sizeBefore + 500);
    expect(await database.db.auditEvent.count({ where: { action: "top_up_coupon_pool.execute", writeRequestId: pending.id } })).toBe(1);
    expect(await database.db.coupon.count({ where: { tenantId: demoId, pool: { name: "Summer" } } })).toBe(codesBefore + 500);

    // 7. The next "redemption rate by pool" shows the new stock.
    const next = await ask({ user: "U0BOB", text: "redemption rate by pool for the last 14 days" });
    const stock = await mcpCall("get_coupon_pool", { pool: "Summer" });
    expect(stock.size).toBe(sizeBefore + 500);
    expect(next.text).toContain(`Summer ${Number(stock.remaining).toLocaleString("en-US")} of ${(sizeBefore + 500).toLocaleString("en-US")}`);
  });

  it("a decision in the console updates the Slack message too (the buttons are replaced)", async () => {
    const request = await ask({ user: "U0ALICE", text: "top up the VIP pool by 10 codes" });
    const pending = await database.db.writeRequest.findFirstOrThrow({ where: { tenantId: demoId, status: "pending" } });
    const placed = await placedMessage(pending.id);
    expect(messageText(request.answer)).toContain("Approval needed");
    const since = slack.calls.length;
    const bob = await database.db.user.findUniqueOrThrow({ where: { email: "bob@demo.test" } });
    const tenant = await database.db.tenant.findUniqueOrThrow({ where: { id: demoId } });
    const outcome = await decideApproval(database.db, { user: { id: bob.id, email: bob.email, name: bob.name }, tenant }, { decision: "reject", requestId: pending.id, reason: "not this week" });
    expect(outcome.status).toBe("decided");
    // What the console's approvals action does after a decision (app/t/[tenant]/approvals/actions.ts).
    expect(await refreshSlackWriteMessage(database.db, pending.id)).toBe(true);
    const update = await slack.waitFor((c) => c.method === "chat.update" && c.args.ts === placed.messageTs, since);
    expect(messageText(update)).toMatch(/Rejected/);
    expect(messageText(update)).toContain("not this week");
  });

  // The connection's write limits, set by the admin with its write scopes (updateConnectionScopes, what
  // the Slack page's Access form calls): checked when a Slack user asks, and again when an approver
  // presses Approve (from the requester's key row, as it is then).
  describe("write limits", () => {
    const admin = () => ({ id: users["alice@demo.test"] ?? "", email: "alice@demo.test" });
    const setLimits = (writeLimits: Record<string, string>) =>
      updateConnectionScopes(database.db, demoId, { preset: "analyst", writeScopes: ["coupons:write"], writeLimits }, admin(), "test-limits");
    const keyLimitsOf = async (slackUserId: string) =>
      (await database.db.slackUserLink.findFirstOrThrow({ where: { slackUserId }, include: { apiKey: { select: { writeLimits: true } } } })).apiKey.writeLimits;

    it("an existing link gets the new limits when the admin changes them, and a new link copies them", async () => {
      // Alice and Bob are linked (by their verified Slack email) before the admin sets any limit.
      await ask({ user: "U0ALICE", text: "orders yesterday" });
      await ask({ user: "U0BOB", text: "orders yesterday" });
      expect(await keyLimitsOf("U0ALICE")).toBeNull();
      expect(await keyLimitsOf("U0BOB")).toBeNull();
      await setLimits({ maxCodesPerRequest: "100" });
      expect(await keyLimitsOf("U0ALICE")).toEqual({ maxCodesPerRequest: 100 });
      expect(await keyLimitsOf("U0BOB")).toEqual({ maxCodesPerRequest: 100 });
      const connection = await database.db.slackConnection.findUniqueOrThrow({ where: { tenantId: demoId }, include: { apiKey: true } });
      expect(connection.apiKey.writeLimits).toEqual({ maxCodesPerRequest: 100 });
      // Dave is linked only now: his key row starts with the connection's limits.
      await addUser("dave@demo.test", demoId, ["approver"]);
      slack.addUser({ id: "U0DAVE", teamId: DEMO_TEAM.id, email: "dave@demo.test", emailConfirmed: true });
      await ask({ user: "U0DAVE", text: "orders yesterday" });
      expect(await keyLimitsOf("U0DAVE")).toEqual({ maxCodesPerRequest: 100 });
    });

    it("a top-up beyond the connection's cap is refused in the thread, naming the cap; nothing is queued; audited limit_exceeded", async () => {
      await setLimits({ maxCodesPerRequest: "100" });
      const requestsBefore = await database.db.writeRequest.count({ where: { tenantId: demoId } });
      const sizeBefore = await summerPoolSize();
      const refused = await ask({ user: "U0ALICE", text: "top up the summer coupon pool by 500 codes" });
      expect(refused.text).toContain(":no_entry:");
      expect(refused.text).toContain("This Slack connection may add at most 100 coupon codes per request (500 requested)");
      expect(refused.text).not.toContain("Approval needed");
      expect(await database.db.writeRequest.count({ where: { tenantId: demoId } })).toBe(requestsBefore);
      expect(await summerPoolSize()).toBe(sizeBefore);
      const events = await auditFor(refused.eventId);
      expect(events.map((e) => [e.action, e.outcome, e.errorCode, e.surface, e.actorType])).toEqual([["top_up_coupon_pool", "denied", "limit_exceeded", "slack", "slack"]]);
    });

    it("a top-up within the cap queues; the cap lowered below it, Approve refuses at execution and says why", async () => {
      await setLimits({ maxCodesPerRequest: "100" });
      const sizeBefore = await summerPoolSize();
      const request = await ask({ user: "U0ALICE", text: "top up the summer coupon pool by 80 codes" });
      expect(request.text).toContain('Add 80 new codes to pool "Summer"');
      const value = buttonValue(request.answer, "write_approve");
      const pending = await database.db.writeRequest.findUniqueOrThrow({ where: { id: (JSON.parse(value) as { r: string }).r } });
      expect(pending).toMatchObject({ status: "pending", arguments: { codes: 80 } });
      const messageTs = (await placedMessage(pending.id)).messageTs;

      // The admin lowers the cap while the request waits.
      await setLimits({ maxCodesPerRequest: "50" });
      const since = slack.calls.length;
      const pressed = await press({ user: "U0BOB", actionId: "write_approve", value, messageTs });
      expect(pressed.res.status).toBe(200);
      const update = await slack.waitFor((c) => c.method === "chat.update" && c.args.ts === messageTs, since);
      expect(messageText(update)).toMatch(/Failed/);
      expect(messageText(update)).toContain("This Slack connection may add at most 50 coupon codes per request (80 requested)");
      expect((update.args.blocks as Blocks).some((b) => b.type === "actions")).toBe(false);

      const decided = await database.db.writeRequest.findUniqueOrThrow({ where: { id: pending.id } });
      expect(decided.status).toBe("failed");
      expect(decided.error).toMatchObject({ code: "limit_exceeded" });
      expect(await summerPoolSize()).toBe(sizeBefore);
      const executions = await database.db.auditEvent.findMany({ where: { action: "top_up_coupon_pool.execute", writeRequestId: pending.id } });
      expect(executions.map((e) => [e.outcome, e.errorCode])).toEqual([["denied", "limit_exceeded"]]);
      await setLimits({});
    });
  });

  it("a decision from the CLI (writes:approve) updates the Slack message too", async () => {
    const request = await ask({ user: "U0ALICE", text: "top up the VIP pool by 10 codes" });
    expect(request.text).toContain("Approval needed");
    const pending = await database.db.writeRequest.findFirstOrThrow({ where: { tenantId: demoId, status: "pending" } });
    const placed = await placedMessage(pending.id);
    const since = slack.calls.length;
    // The command itself, on this database (what `npx socode writes:approve --id … --as …` runs).
    const result = await writesApprove.run({ db: async () => database.db, progress: () => undefined }, { id: pending.id, as: "bob@demo.test" });
    expect(result.text).toMatch(/^Approved and executed/);
    const update = await slack.waitFor((c) => c.method === "chat.update" && c.args.ts === placed.messageTs, since);
    expect(messageText(update)).toMatch(/Executed/);
    expect(messageText(update)).toMatch(/Added 10 codes to VIP/);
    expect(messageText(update)).toContain("bob@demo.test");
    expect((update.args.blocks as Blocks).some((b) => b.type === "actions")).toBe(false);
    expect(await database.db.auditEvent.count({ where: { action: "write.approve", outcome: "ok", surface: "cli", writeRequestId: pending.id } })).toBe(1);
  });

  it("/socode in a channel the bot is not in answers through the command's response_url", async () => {
    slack.notInChannel.add("C0NOTJOINED");
    const since = slack.calls.length;
    const form = { team_id: DEMO_TEAM.id, user_id: "U0ALICE", channel_id: "C0NOTJOINED", command: "/socode", text: "orders last week", trigger_id: "trg.notjoined", response_url: slack.responseUrl("T0DEMO-1-notjoined") };
    const res = await post("commands", new URLSearchParams(form).toString(), "application/x-www-form-urlencoded");
    expect(await res.json()).toMatchObject({ response_type: "ephemeral" });
    const refused = await slack.waitFor((c) => c.method === "chat.postMessage" && c.args.channel === "C0NOTJOINED", since);
    expect(refused).toBeDefined();
    const hook = await slack.waitFor((c) => c.method === "response_url", since);
    expect(hook.args.id).toBe("T0DEMO-1-notjoined");
    expect(hook.args.response_type).toBe("in_channel");
    const ref = (await mcpCall("query_metric", { metric: "orders", window: "last_week", limit: 200 })) as { total: { current: string } };
    expect(messageText(hook)).toContain(`*${formatMetricValue(ref.total.current, "count")}*`);
    // A write request asked that way is posted without buttons (they are bound to a message the bot
    // posted), saying where to decide it; it waits for the console or the CLI.
    const since1 = slack.calls.length;
    const write = { ...form, trigger_id: "trg.notjoined.write", text: "top up the VIP pool by 5 codes", response_url: slack.responseUrl("T0DEMO-1-write") };
    await post("commands", new URLSearchParams(write).toString(), "application/x-www-form-urlencoded");
    const writeHook = await slack.waitFor((c) => c.method === "response_url" && c.args.id === "T0DEMO-1-write", since1);
    expect(messageText(writeHook)).toContain('Add 5 new codes to pool "VIP"');
    expect(messageText(writeHook)).toContain("I'm not in this channel, so there are no buttons here");
    expect((writeHook.args.blocks as Blocks).some((b) => b.type === "actions")).toBe(false);
    const queued = await database.db.writeRequest.findFirstOrThrow({ where: { tenantId: demoId, status: "pending" } });
    expect(queued.arguments).toMatchObject({ codes: 5 });
    expect(await database.db.slackWriteMessage.findUnique({ where: { writeRequestId: queued.id } })).toBeNull();
    // Decided from the CLI: nothing to update in Slack, the decision stands.
    const rejected = await writesReject.run({ db: async () => database.db, progress: () => undefined }, { id: queued.id, as: "bob@demo.test", reason: "asked outside the channel" });
    expect(rejected.text).toMatch(/^Rejected/);

    // A response_url that is not Slack's is never called (it comes from the signed payload, but still):
    // a listening server on another origin receives nothing.
    const hits: string[] = [];
    const other = http.createServer((req, res) => (hits.push(req.url ?? ""), res.end("ok")));
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      const since2 = slack.calls.length;
      const elsewhere = { ...form, trigger_id: "trg.notjoined.2", response_url: `http://127.0.0.1:${(other.address() as AddressInfo).port}/commands/T0DEMO-2-x` };
      await post("commands", new URLSearchParams(elsewhere).toString(), "application/x-www-form-urlencoded");
      await slack.waitFor((c) => c.method === "chat.postMessage" && c.args.channel === "C0NOTJOINED", since2);
      await waitForAudit({ where: { action: "query_metric", requestId: { contains: "trg.notjoined.2" } } });
      await new Promise((r) => setTimeout(r, 1000));
      expect(hits).toEqual([]);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it("leaves every tenant's audit chain intact", async () => {
    for (const tenantId of [demoId, demoBId, null]) expect(await verifyAuditChain(database.db, tenantId)).toMatchObject({ ok: true });
  });
});
