// The three Slack request endpoints (events, interactivity, /socode), thin in app/ and all here.
// Order for every request: signature first (nothing else reads the body before it is verified),
// then the delivery is claimed in the database (a retry or a second instance drops it), then Slack
// gets its 200 at once and the answer is posted after the response (Slack's 3-second rule: a slow
// query never makes Slack retry).
import crypto from "node:crypto";
import { after } from "next/server";
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { getReadyDb } from "@/lib/db/ready";
import { env } from "@/lib/env";
import { readBodyCapped } from "@/lib/http/read-body";
import { answerAsk } from "./answer-ask";
import { findConnection, SLACK_ID } from "./connections";
import { claimDelivery } from "./deliveries";
import { BlockActionsPayload, handleBlockAction, interactionDeliveryId } from "./handle-interaction";
import { escapeMrkdwn } from "./render-blocks";
import { auditSlack, type SlackIds } from "./slack-audit";
import { verifySlackSignature } from "./verify-signature";
import { isSlackResponseUrl } from "./web-client";

const MAX_BODY_BYTES = 256 * 1024;

export const NOT_CONNECTED_MESSAGE =
  "This Slack workspace is not connected to SoCode, so I can't answer here and nothing was read. An admin can connect it from the SoCode console (Slack page → Add to Slack).";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers } });
}

function refusal(status: number, code: string, message: string): Response {
  return json(status, { ok: false, error: code, message });
}

/** Runs work after the response is sent; failures are logged (Slack already has its 200). */
function later(what: string, work: () => Promise<unknown>): void {
  after(async () => {
    try {
      await work();
    } catch (err) {
      console.error(`[socode] Slack ${what} failed after the ack:`, err);
    }
  });
}

type Verified = { ok: true; db: Db; body: string } | { ok: false; response: Response };

/** Reads the raw body and verifies Slack's signature over it; refusals are audited on the global chain. */
async function verifiedRequest(request: Request, endpoint: string): Promise<Verified> {
  const secret = env().SLACK_SIGNING_SECRET;
  if (!secret) return { ok: false, response: refusal(503, "slack_not_configured", "The Slack app is not configured on this server (SLACK_SIGNING_SECRET is unset).") };
  let db: Db;
  try {
    db = await getReadyDb();
  } catch (err) {
    console.error("[socode] /api/slack: database unavailable", err);
    return { ok: false, response: refusal(503, "unavailable", "The service's database is unavailable; Slack will retry.") };
  }
  const body = await readBodyCapped(request, MAX_BODY_BYTES);
  if (!body.ok) {
    await auditSlack(db, { tenantId: null, ids: { teamId: null }, action: `slack.${endpoint}`, outcome: "denied", errorCode: "body_too_large" });
    return { ok: false, response: refusal(413, "body_too_large", "The request body is too large.") };
  }
  const raw = body.bytes.toString("utf8");
  const check = verifySlackSignature(secret, { signature: request.headers.get("x-slack-signature"), timestamp: request.headers.get("x-slack-request-timestamp") }, raw);
  if (!check.ok) {
    // Nothing from the unverified body is trusted or recorded beyond the reason.
    await auditSlack(db, { tenantId: null, ids: { teamId: null }, action: `slack.${endpoint}`, outcome: "denied", errorCode: check.reason });
    return { ok: false, response: refusal(401, check.reason, "The Slack request signature is missing, stale or wrong.") };
  }
  return { ok: true, db, body: raw };
}

async function refuseDuplicate(db: Db, ids: SlackIds, action: string, retryNum: string | null): Promise<Response> {
  const connection = ids.teamId ? await db.slackConnection.findUnique({ where: { teamId: ids.teamId }, select: { tenantId: true } }) : null;
  await auditSlack(db, { tenantId: connection?.tenantId ?? null, ids, action, outcome: "denied", errorCode: "duplicate_delivery", arguments: { retryNum } });
  // 200 so Slack stops retrying; the first delivery's answer stands.
  return json(200, { ok: true, duplicate: true }, { "X-Slack-No-Retry": "1" });
}

const EventEnvelope = z.discriminatedUnion("type", [
  z.object({ type: z.literal("url_verification"), challenge: z.string().max(500) }).loose(),
  z
    .object({
      type: z.literal("event_callback"),
      team_id: z.string().regex(SLACK_ID),
      event_id: z.string().regex(/^[A-Za-z0-9]{4,64}$/),
      event: z
        .object({
          type: z.string(),
          user: z.string().regex(SLACK_ID).optional(),
          text: z.string().max(4000).optional(),
          channel: z.string().regex(SLACK_ID).optional(),
          channel_type: z.string().optional(),
          ts: z.string().max(40).optional(),
          thread_ts: z.string().max(40).optional(),
          bot_id: z.string().optional(),
          subtype: z.string().optional(),
        })
        .loose(),
    })
    .loose(),
]);

export async function handleSlackEvents(request: Request): Promise<Response> {
  const verified = await verifiedRequest(request, "event");
  if (!verified.ok) return verified.response;
  const { db, body } = verified;
  let envelope: z.infer<typeof EventEnvelope>;
  try {
    envelope = EventEnvelope.parse(JSON.parse(body));
  } catch {
    await auditSlack(db, { tenantId: null, ids: { teamId: null }, action: "slack.event", outcome: "denied", errorCode: "invalid_payload" });
    return refusal(400, "invalid_payload", "Unrecognised Slack event payload.");
  }
  if (envelope.type === "url_verification") return json(200, { challenge: envelope.challenge });

  const event = envelope.event;
  const isAsk = event.type === "app_mention" || (event.type === "message" && event.channel_type === "im");
  // Our own posts and other bots' messages come back as events: not asks, nothing to record.
  if (!isAsk || event.bot_id || event.subtype || !event.user || !event.channel || !event.ts) return json(200, { ok: true, ignored: true });

  const ids = { teamId: envelope.team_id, userId: event.user, channelId: event.channel, deliveryId: envelope.event_id };
  if (!(await claimDelivery(db, `event:${envelope.event_id}`, envelope.team_id))) return refuseDuplicate(db, ids, "slack.event", request.headers.get("x-slack-retry-num"));

  const connection = await findConnection(db, envelope.team_id);
  if (!connection) {
    // No tenant, no token for that workspace: recorded, nothing read or posted.
    await auditSlack(db, { tenantId: null, ids, action: "slack.event", outcome: "denied", errorCode: "workspace_not_connected" });
    return json(200, { ok: false, error: "workspace_not_connected", message: NOT_CONNECTED_MESSAGE });
  }
  const threadTs = event.thread_ts ?? event.ts;
  const now = new Date();
  later("answer", () => answerAsk({ db, connection, ids, text: event.text ?? "", threadTs, inThread: Boolean(event.thread_ts), now }));
  return json(200, { ok: true });
}

const CommandForm = z
  .object({
    team_id: z.string().regex(SLACK_ID),
    user_id: z.string().regex(SLACK_ID),
    channel_id: z.string().regex(SLACK_ID),
    text: z.string().max(4000).default(""),
    trigger_id: z.string().max(200).optional(),
    command: z.string().max(40).optional(),
    response_url: z.string().max(500).optional(),
  })
  .loose();

export async function handleSlackCommand(request: Request): Promise<Response> {
  const verified = await verifiedRequest(request, "command");
  if (!verified.ok) return verified.response;
  const { db, body } = verified;
  const form = CommandForm.safeParse(Object.fromEntries(new URLSearchParams(body)));
  if (!form.success) {
    await auditSlack(db, { tenantId: null, ids: { teamId: null }, action: "slack.command", outcome: "denied", errorCode: "invalid_payload" });
    return refusal(400, "invalid_payload", "Unrecognised slash command payload.");
  }
  const f = form.data;
  const deliveryId = f.trigger_id ?? crypto.createHash("sha256").update(body).digest("hex").slice(0, 32);
  const ids = { teamId: f.team_id, userId: f.user_id, channelId: f.channel_id, deliveryId };
  if (!(await claimDelivery(db, `command:${deliveryId}`, f.team_id))) return refuseDuplicate(db, ids, "slack.command", request.headers.get("x-slack-retry-num"));
  const connection = await findConnection(db, f.team_id);
  if (!connection) {
    await auditSlack(db, { tenantId: null, ids, action: "slack.command", outcome: "denied", errorCode: "workspace_not_connected" });
    return json(200, { response_type: "ephemeral", text: NOT_CONNECTED_MESSAGE });
  }
  const now = new Date();
  // Only Slack's own response_url is ever posted to (the payload is signed, but the answer holds figures).
  const responseUrl = f.response_url && isSlackResponseUrl(f.response_url) ? f.response_url : null;
  later("command answer", () => answerAsk({ db, connection, ids, text: f.text, threadTs: null, inThread: false, responseUrl, now }));
  return json(200, { response_type: "ephemeral", text: `Working on “${escapeMrkdwn(f.text.slice(0, 200))}”…` });
}

export async function handleSlackInteraction(request: Request): Promise<Response> {
  const verified = await verifiedRequest(request, "interaction");
  if (!verified.ok) return verified.response;
  const { db, body } = verified;
  let payload: BlockActionsPayload;
  try {
    payload = BlockActionsPayload.parse(JSON.parse(new URLSearchParams(body).get("payload") ?? ""));
  } catch {
    await auditSlack(db, { tenantId: null, ids: { teamId: null }, action: "slack.interaction", outcome: "denied", errorCode: "invalid_payload" });
    return refusal(400, "invalid_payload", "Unrecognised Slack interaction payload.");
  }
  const deliveryId = interactionDeliveryId(payload);
  const ids = { teamId: payload.team.id, userId: payload.user.id, channelId: payload.channel?.id ?? null, deliveryId };
  if (!(await claimDelivery(db, deliveryId, payload.team.id))) return refuseDuplicate(db, ids, "slack.interaction", request.headers.get("x-slack-retry-num"));
  const connection = await findConnection(db, payload.team.id);
  if (!connection) {
    await auditSlack(db, { tenantId: null, ids, action: "slack.interaction", outcome: "denied", errorCode: "workspace_not_connected" });
    return json(200, { response_type: "ephemeral", text: NOT_CONNECTED_MESSAGE });
  }
  const now = new Date();
  later("button", () => handleBlockAction(db, connection, payload, deliveryId, now));
  return new Response(null, { status: 200 });
}
