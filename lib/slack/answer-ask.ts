// One ask from Slack (a mention, a DM or /socode), answered through the governed core: the parser
// turns words into an operation's typed input, invokeOperation checks the credential's scopes,
// runs it in the connection's tenant and audits it, and the result is posted in the thread.
import type { Db } from "@/lib/db/client";
import { env } from "@/lib/env";
import type { Prisma } from "@/lib/generated/prisma/client";
import { mayUse } from "@/lib/governance/guard";
import { findOperation } from "@/lib/operations/catalogue";
import { invokeOperation, type InvocationContext } from "@/lib/operations/invoke";
import { listDimensionValues, ENTITY_DIMENSIONS, type ExplainChangeResult, type MetricDescription, type QueryMetricResult } from "@/lib/semantic";
import type { WriteReceipt } from "@/lib/writes/receipt";
import type { OperationError } from "@/lib/errors";
import { botTokenOf, resolveSlackUser, type ConnectionWithTenant } from "./connections";
import { linkedRoles, slackCredential } from "./credential";
import { parseAsk, threadAskOf, ThreadAskSchema, type SlackAsk, type ThreadAsk, type Vocabulary } from "./parse-ask";
import {
  renderDefinition,
  renderExplainAnswer,
  renderHelp,
  renderQueryAnswer,
  renderRefusal,
  renderWriteRequest,
  escapeMrkdwn,
  SLACK_ACTIONS,
  type SlackMessage,
} from "./render-blocks";
import { auditSlack, slackRequestId, type SlackIds } from "./slack-audit";
import { postToResponseUrl, slackErrorCode, slackWebClient } from "./web-client";

/** chat.postMessage errors that mean "the bot cannot post in this channel" (not invited, or private). */
const CANNOT_POST_HERE = new Set(["not_in_channel", "channel_not_found"]);

/**
 * The message as posted through a response_url: without buttons (their presses would come back
 * from a channel the bot cannot answer in, and a write request's buttons are bound to a message
 * the bot posted), saying where to decide instead.
 */
function forResponseUrl(message: SlackMessage): { response_type: "in_channel"; text: string; blocks: unknown[] } {
  const actions = message.blocks.filter((b) => b.type === "actions");
  const blocks: unknown[] = message.blocks.filter((b) => b.type !== "actions");
  if (actions.length) {
    const decides = JSON.stringify(actions).includes(SLACK_ACTIONS.approve);
    const text = decides
      ? "I'm not in this channel, so there are no buttons here: an approver decides on the console's Approvals page (or `npx socode writes:approve`), or invite me (`/invite @SocialHub`) and ask again."
      : "I'm not in this channel, so there are no buttons here: invite me (`/invite @SocialHub`) to use them.";
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text }] });
  }
  return { response_type: "in_channel", text: message.text, blocks };
}

export type AskContext = {
  db: Db;
  connection: ConnectionWithTenant;
  ids: SlackIds & { userId: string; channelId: string };
  text: string;
  /** Thread to answer in (the mention's thread, or the mention itself); none for a slash command. */
  threadTs: string | null;
  /** True when the ask was made inside an existing thread: its last ask is the follow-up's base. */
  inThread: boolean;
  /** A slash command's response_url (already checked to be Slack's): the way to answer in a channel the bot is not in. */
  responseUrl?: string | null;
  now: Date;
};

const VOCABULARY_TTL_MS = 60_000;
const vocabularies = new Map<string, { at: number; vocab: Vocabulary }>();

/** The tenant's dimension values (names only, no figures), cached for a minute per instance. */
async function vocabularyOf(db: Db, tenantId: string): Promise<Vocabulary> {
  const hit = vocabularies.get(tenantId);
  if (hit && Date.now() - hit.at < VOCABULARY_TTL_MS) return hit.vocab;
  const vocab: Vocabulary = {};
  for (const d of ENTITY_DIMENSIONS) vocab[d] = await listDimensionValues(db, { id: tenantId }, d);
  vocabularies.set(tenantId, { at: Date.now(), vocab });
  return vocab;
}

export function consoleMetricUrl(tenantSlug: string, metricKey: string): string | null {
  const base = env().SOCODE_PUBLIC_URL;
  return base ? `${base.replace(/\/+$/, "")}/t/${encodeURIComponent(tenantSlug)}/metrics/${encodeURIComponent(metricKey)}` : null;
}

async function loadThreadAsk(db: Db, ids: AskContext["ids"], threadTs: string): Promise<ThreadAsk | null> {
  const row = await db.slackThread.findUnique({ where: { teamId_channelId_threadTs: { teamId: ids.teamId ?? "", channelId: ids.channelId, threadTs } } });
  const parsed = ThreadAskSchema.safeParse(row?.lastAsk);
  return parsed.success ? parsed.data : null;
}

async function saveThreadAsk(db: Db, ids: AskContext["ids"], threadTs: string, ask: ThreadAsk): Promise<void> {
  const key = { teamId: ids.teamId ?? "", channelId: ids.channelId, threadTs };
  await db.slackThread.upsert({
    where: { teamId_channelId_threadTs: key },
    create: { ...key, lastAsk: ask as Prisma.InputJsonValue },
    update: { lastAsk: ask as Prisma.InputJsonValue },
  });
}

function refusalFor(error: OperationError, linked: boolean): SlackMessage {
  if (error.code === "missing_scope") {
    const hint = linked
      ? "Your console role or this workspace's scopes do not allow it; an admin can grant write scopes on the Slack page of the console."
      : "Your Slack account is not linked to a console user, so you can only read. Ask an admin to link you on the Slack page of the console.";
    return renderRefusal(`Not allowed: ${error.message.replace(/This key lacks/, "This Slack connection lacks")} ${hint}`);
  }
  const suggestions = Array.isArray(error.details?.suggestions) ? (error.details.suggestions as unknown[]).filter((s): s is string => typeof s === "string") : [];
  return renderRefusal(error.message, suggestions);
}

/**
 * Answers by coupon pool also say how many codes each pool has left, when the connection may read
 * pools (coupons:read): a pool that ran out explains a drop, and a top-up shows in the next answer.
 * Through the guard like everything else (its own audited list_coupon_pools call).
 */
async function appendPoolStock(message: SlackMessage, invocation: InvocationContext): Promise<void> {
  const op = findOperation("list_coupon_pools");
  if (!op || !mayUse(invocation.credential.scopes, op)) return;
  const r = await invokeOperation(invocation, "list_coupon_pools", {});
  if (!r.ok) return;
  const pools = (r.output as { pools: { name: string; remaining: number; size: number }[] }).pools;
  if (!pools.length) return;
  const line = `Codes left: ${pools.map((p) => `${p.name} ${p.remaining.toLocaleString("en-US")} of ${p.size.toLocaleString("en-US")}`).join(" · ")}`;
  message.blocks.splice(message.blocks.length - 1, 0, { type: "context", elements: [{ type: "mrkdwn", text: escapeMrkdwn(line) }] });
}

export type AskOutcome = { kind: SlackAsk["kind"]; ok: boolean; postedTs: string | null; writeRequestId?: string };

export async function answerAsk(ctx: AskContext): Promise<AskOutcome> {
  const { db, connection, ids } = ctx;
  const requestId = slackRequestId(ids);
  const link = await resolveSlackUser(db, connection, ids.userId, requestId);
  const roles = await linkedRoles(db, connection, link);
  const credential = slackCredential(connection, { slackUserId: ids.userId, link, roles });
  const invocation: InvocationContext = { db, tenant: connection.tenant, credential, requestId, now: ctx.now, surface: "slack", client: { name: "slack" } };
  const client = slackWebClient(botTokenOf(connection));
  const post = async (message: SlackMessage) => {
    try {
      const r = await client.chat.postMessage({ channel: ids.channelId, text: message.text, blocks: message.blocks, ...(ctx.threadTs ? { thread_ts: ctx.threadTs } : {}), unfurl_links: false });
      return r.ts ?? null;
    } catch (err) {
      // /socode works in any channel, the bot posts only where it was invited: answer through the
      // command's response_url instead (no ts: the answer cannot carry a write request's buttons).
      if (!ctx.responseUrl || !CANNOT_POST_HERE.has(slackErrorCode(err) ?? "")) throw err;
      await postToResponseUrl(ctx.responseUrl, forResponseUrl(message));
      return null;
    }
  };

  const previous = ctx.inThread && ctx.threadTs ? await loadThreadAsk(db, ids, ctx.threadTs) : null;
  const queryMetric = findOperation("query_metric");
  const vocab = queryMetric && mayUse(credential.scopes, queryMetric) ? await vocabularyOf(db, connection.tenantId) : {};
  const ask = parseAsk(ctx.text, vocab, previous);
  const actor = { type: "slack" as const, id: credential.id, label: credential.label };

  switch (ask.kind) {
    case "help": {
      await auditSlack(db, { tenantId: connection.tenantId, ids, action: "slack.help", outcome: "ok", actor });
      return { kind: ask.kind, ok: true, postedTs: await post(renderHelp()) };
    }
    case "not_understood": {
      // Grounding refusal: audited (before the reply, like every answer) as a denial with the parser's code; nothing was queried.
      await auditSlack(db, { tenantId: connection.tenantId, ids, action: "slack.ask", outcome: "denied", errorCode: ask.code, actor, arguments: { text: ctx.text.slice(0, 500) } });
      return { kind: ask.kind, ok: false, postedTs: await post(renderRefusal(ask.message, ask.suggestions)) };
    }
    case "definition": {
      const r = await invokeOperation(invocation, "describe_metric", { metric: ask.metric });
      const ts = await post(r.ok ? renderDefinition(r.output as MetricDescription, consoleMetricUrl(connection.tenant.slug, ask.metric)) : refusalFor(r.error, Boolean(link)));
      return { kind: ask.kind, ok: r.ok, postedTs: ts };
    }
    case "query":
    case "explain": {
      const name = ask.kind === "query" ? "query_metric" : "explain_change";
      const r = await invokeOperation(invocation, name, ask.input);
      if (!r.ok) return { kind: ask.kind, ok: false, postedTs: await post(refusalFor(r.error, Boolean(link))) };
      const url = consoleMetricUrl(connection.tenant.slug, ask.input.metric);
      const message =
        ask.kind === "query"
          ? renderQueryAnswer(r.output as QueryMetricResult, { consoleUrl: url, defaultedWindow: ask.defaultedWindow, ask: ctx.text })
          : renderExplainAnswer(r.output as ExplainChangeResult, { consoleUrl: url, defaultedWindow: ask.defaultedWindow });
      if (ask.kind === "query" && ask.input.groupBy?.includes("coupon_pool")) await appendPoolStock(message, invocation);
      const ts = await post(message);
      // The thread remembers this ask, so "and by tier?" or "which stores drove it?" can follow.
      const root = ctx.threadTs ?? ts;
      if (root) await saveThreadAsk(db, ids, root, threadAskOf(ask));
      return { kind: ask.kind, ok: true, postedTs: ts };
    }
    case "top_up": {
      // The write goes through the guard and requestWrite exactly as from MCP: it only queues a request.
      const r = await invokeOperation(invocation, "top_up_coupon_pool", { ...ask.input, idempotencyKey: `slack:${ids.deliveryId ?? requestId}`.replace(/[^A-Za-z0-9._:-]/g, "_").slice(0, 100) });
      if (!r.ok) return { kind: ask.kind, ok: false, postedTs: await post(refusalFor(r.error, Boolean(link))) };
      const receipt = r.output as WriteReceipt;
      const request = await db.writeRequest.findUniqueOrThrow({ where: { id: receipt.requestId } });
      const ts = await post(renderWriteRequest(receipt, request.argumentsHash, link?.user.email ?? ids.userId));
      if (ts) {
        await db.slackWriteMessage.upsert({
          where: { writeRequestId: receipt.requestId },
          create: { writeRequestId: receipt.requestId, teamId: ids.teamId ?? "", channelId: ids.channelId, messageTs: ts },
          update: {},
        });
      }
      return { kind: ask.kind, ok: true, postedTs: ts, writeRequestId: receipt.requestId };
    }
  }
}
