"use server";

// The Slack page's server actions: public POST endpoints that authorise themselves (admin only),
// call lib/slack, and come back to the page with a message in the URL.
import crypto from "node:crypto";
import { redirect } from "next/navigation";
import { ZodError } from "zod";
import { actionError, formString, formStrings } from "@/lib/console/action-result";
import { authorizeConsoleAction } from "@/lib/console/session";
import { writeLimitsFromForm } from "@/lib/console/write-limits-plan";
import { getReadyDb } from "@/lib/db/ready";
import { PresetSchema, ScopeSchema } from "@/lib/governance/scopes";
import { describeWriteLimits } from "@/lib/governance/write-limits";
import { OperationError } from "@/lib/errors";
import { disconnectWorkspace, linkSlackUser, unlinkSlackUser, updateConnectionScopes } from "@/lib/slack/connections";

type Outcome = { message: string } | { error: string };

async function run(form: FormData, action: string, label: string, work: (access: Awaited<ReturnType<typeof authorizeConsoleAction>>) => Promise<string>): Promise<never> {
  const tenant = formString(form, "tenant");
  let outcome: Outcome;
  try {
    const access = await authorizeConsoleAction({ tenant, need: "slack.manage", action, label });
    outcome = { message: await work(access) };
  } catch (err) {
    outcome = { error: err instanceof OperationError ? err.message : err instanceof ZodError ? (err.issues[0]?.message ?? "Invalid input.") : actionError(err).message };
  }
  redirect(`/t/${encodeURIComponent(tenant)}/slack?${new URLSearchParams("error" in outcome ? { error: outcome.error } : { done: outcome.message })}`);
}

export async function updateSlackScopesAction(form: FormData): Promise<void> {
  await run(form, "slack.scopes", "Changing Slack scopes", async (access) => {
    const preset = PresetSchema.parse(formString(form, "preset"));
    const writeScopes = formStrings(form, "writeScopes").map((s) => ScopeSchema.parse(s));
    const saved = await updateConnectionScopes(await getReadyDb(), access.tenant.id, { preset, writeScopes, writeLimits: writeLimitsFromForm(form) }, access.user, crypto.randomUUID());
    const limits = describeWriteLimits(saved.writeLimits);
    return `Saved: preset ${preset}${writeScopes.length ? `, write scopes ${writeScopes.join(", ")}` : ", no write scopes"}${limits.length ? `; write limits: ${limits.join(", ")}` : ""}.`;
  });
}

export async function disconnectSlackAction(form: FormData): Promise<void> {
  await run(form, "slack.disconnect", "Disconnecting Slack", async (access) => {
    const { revoked } = await disconnectWorkspace(await getReadyDb(), access.tenant.id, access.user, crypto.randomUUID());
    return revoked ? "Disconnected; the bot token was revoked at Slack." : "Disconnected.";
  });
}

export async function linkSlackUserAction(form: FormData): Promise<void> {
  await run(form, "slack.link_user", "Linking a Slack user", async (access) => {
    const db = await getReadyDb();
    const connection = await db.slackConnection.findUnique({ where: { tenantId: access.tenant.id } });
    if (!connection) throw new OperationError("not_found", "Connect a Slack workspace first.");
    const slackUserId = formString(form, "slackUserId").trim().toUpperCase();
    const link = await linkSlackUser(
      db,
      connection,
      { slackUserId, userId: formString(form, "userId"), linkedBy: "console" },
      { type: "user", id: access.user.id, label: access.user.email, surface: "console" },
      crypto.randomUUID(),
    );
    return `Linked Slack user ${link.slackUserId} to ${link.user.email}.`;
  });
}

export async function unlinkSlackUserAction(form: FormData): Promise<void> {
  await run(form, "slack.unlink_user", "Unlinking a Slack user", async (access) => {
    await unlinkSlackUser(await getReadyDb(), access.tenant.id, formString(form, "linkId"), access.user, crypto.randomUUID());
    return "Unlinked.";
  });
}
