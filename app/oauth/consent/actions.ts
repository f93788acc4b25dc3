"use server";

// The consent decision. A public POST endpoint like every server action: Next.js checks the Origin
// against the host, and decideConsent verifies the anti-CSRF token bound to this user and this exact
// authorization request before anything else.
import { headers } from "next/headers";
import { formString, formStrings } from "@/lib/console/action-result";
import { currentUserId } from "@/lib/console/session";
import { writeLimitsFromForm } from "@/lib/console/write-limits-plan";
import { getReadyDb } from "@/lib/db/ready";
import { decideConsent, paramsFrom } from "@/lib/oauth/authorize";
import { oauthUrls } from "@/lib/oauth/config";

export type ConsentActionState = { status: "idle" } | { status: "redirect"; location: string } | { status: "error"; code: string; message: string };

export async function consentAction(_prev: ConsentActionState, form: FormData): Promise<ConsentActionState> {
  try {
    const decision = formString(form, "decision") === "allow" ? "allow" : "deny";
    const outcome = await decideConsent(
      await getReadyDb(),
      {
        userId: await currentUserId(),
        params: paramsFrom(form),
        csrfToken: formString(form, "csrf"),
        decision,
        tenant: formString(form, "tenant"),
        preset: formString(form, "preset") || undefined,
        grantedScopes: formStrings(form, "scopes"),
        writeLimits: writeLimitsFromForm(form),
      },
      oauthUrls(await headers()),
    );
    return outcome.ok ? { status: "redirect", location: outcome.location } : { status: "error", code: outcome.code, message: outcome.message };
  } catch (err) {
    console.error("[socode] oauth consent failed", err);
    return { status: "error", code: "server_error", message: "Something went wrong on the server; nothing was shared. Try again." };
  }
}
