"use server";

// Disconnecting an app: a public POST endpoint that authenticates and authorises itself. Members
// may revoke their own grants; admins any grant of the tenant (lib/oauth/grants.ts).
import { revalidatePath } from "next/cache";
import { actionError, formString, type ActionError } from "@/lib/console/action-result";
import { authorizeConsoleAction } from "@/lib/console/session";
import { getReadyDb } from "@/lib/db/ready";
import { revokeConnectedApp } from "@/lib/oauth/grants";

export type RevokeAppState = { status: "idle" } | ActionError | { status: "done"; message: string };

export async function revokeAppAction(_prev: RevokeAppState, form: FormData): Promise<RevokeAppState> {
  try {
    const access = await authorizeConsoleAction({ tenant: formString(form, "tenant"), action: "oauth.grant.revoke", label: "Disconnecting an app" });
    const result = await revokeConnectedApp(await getReadyDb(), access, formString(form, "grantId"));
    if (!result.ok) return { status: "error", code: result.code, message: result.message };
    revalidatePath(`/t/${access.tenant.slug}/connected-apps`);
    return { status: "done", message: "The app is disconnected; its tokens are refused from the next request." };
  } catch (err) {
    return actionError(err);
  }
}
