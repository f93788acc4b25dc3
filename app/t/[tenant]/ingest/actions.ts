"use server";

// Public POST endpoints: each authenticates and authorises itself before touching anything.
import { revalidatePath } from "next/cache";
import { actionError, formString, type ActionError } from "@/lib/console/action-result";
import { recordConsoleEvent } from "@/lib/console/console-audit";
import { ConsoleInputError } from "@/lib/console/keys";
import { authorizeConsoleAction } from "@/lib/console/session";
import { getReadyDb } from "@/lib/db/ready";
import { issueIngestKey } from "@/lib/ingest/ingest-keys";
import { configureIngestSource, setStaleThreshold, SourceInputError } from "@/lib/ingest/sources";

export type IngestActionState = { status: "idle" } | ActionError | { status: "secret"; label: string; secret: string } | { status: "done"; message: string };

function inputError(err: unknown): ActionError {
  if (err instanceof SourceInputError) return { status: "error", code: err.code, message: err.message };
  return actionError(err);
}

export async function issueIngestKeyAction(_prev: IngestActionState, form: FormData): Promise<IngestActionState> {
  try {
    const access = await authorizeConsoleAction({ tenant: formString(form, "tenant"), need: "keys.manage", action: "ingest_key.create", label: "Issuing an ingest key" });
    const name = formString(form, "name").trim();
    if (!name || name.length > 80) throw new ConsoleInputError("invalid_name", "Give the key a name of 1–80 characters, e.g. the system that will use it.");
    const db = await getReadyDb();
    const { key, secret } = await db.$transaction(async (tx) => {
      const issued = await issueIngestKey(tx, { tenantId: access.tenant.id, name, issuerId: access.user.id });
      await recordConsoleEvent(tx, access, { action: "ingest_key.create", target: `key:${issued.key.id}`, arguments: { name, scopes: issued.key.scopes }, outcome: "ok" });
      return issued;
    });
    revalidatePath(`/t/${access.tenant.slug}/ingest`);
    return { status: "secret", label: `Ingest key ${key.displayPrefix}… (${name})`, secret };
  } catch (err) {
    return inputError(err);
  }
}

export async function configureSourceAction(_prev: IngestActionState, form: FormData): Promise<IngestActionState> {
  try {
    const access = await authorizeConsoleAction({ tenant: formString(form, "tenant"), need: "ingest.manage", action: "ingest_source.configure", label: "Configuring a source" });
    const name = formString(form, "name").trim();
    const store = formString(form, "defaultStore").trim();
    const db = await getReadyDb();
    const result = await db.$transaction(async (tx) => {
      const configured = await configureIngestSource(tx, access.tenant.id, { name, defaultStoreCode: store || null, rotateWebhookSecret: true });
      await recordConsoleEvent(tx, access, { action: "ingest_source.configure", target: `source:${name}`, arguments: { name, defaultStore: store || null, webhookSecret: "rotated" }, outcome: "ok" });
      return configured;
    });
    revalidatePath(`/t/${access.tenant.slug}/ingest`);
    return { status: "secret", label: `Webhook signing secret for source ${result.name}`, secret: result.webhookSecret ?? "" };
  } catch (err) {
    return inputError(err);
  }
}

export async function setThresholdAction(_prev: IngestActionState, form: FormData): Promise<IngestActionState> {
  try {
    const access = await authorizeConsoleAction({ tenant: formString(form, "tenant"), need: "ingest.manage", action: "ingest.threshold", label: "Setting the staleness threshold" });
    const minutes = Math.round(Number(formString(form, "hours")) * 60);
    const db = await getReadyDb();
    await db.$transaction(async (tx) => {
      await setStaleThreshold(tx, access.tenant.id, minutes);
      await recordConsoleEvent(tx, access, { action: "ingest.threshold", target: `tenant:${access.tenant.slug}`, arguments: { minutes }, outcome: "ok" });
    });
    revalidatePath(`/t/${access.tenant.slug}/ingest`);
    return { status: "done", message: `Answers now say "stale" when a source has sent nothing for ${minutes} minutes.` };
  } catch (err) {
    return inputError(err);
  }
}
