"use server";

// A public POST endpoint like every server action: it works out who is asking from the session.
import { actionError, type ActionError } from "@/lib/console/action-result";
import { loadSignedInUser } from "@/lib/console/access";
import { currentUserId } from "@/lib/console/session";
import { signOutEverywhere } from "@/lib/console/session-revocation";
import { getReadyDb } from "@/lib/db/ready";

export type SignOutEverywhereState = { status: "done" } | ActionError;

export async function signOutEverywhereAction(): Promise<SignOutEverywhereState> {
  try {
    const db = await getReadyDb();
    const signedIn = await loadSignedInUser(db, await currentUserId());
    // Already signed out here: nothing to end, and nothing to reveal about anyone.
    if (!signedIn.ok) return { status: "error", code: "unauthenticated", message: "Your session has ended. Sign in again." };
    await signOutEverywhere(db, signedIn.user);
    return { status: "done" };
  } catch (err) {
    return actionError(err);
  }
}
