"use server";

// A public POST endpoint: it authenticates and authorises itself, and decides only within the
// tenant of the checked access (the form's tenant is only used to find that membership).
import { revalidatePath } from "next/cache";
import { getReadyDb } from "@/lib/db/ready";
import { actionError, formString } from "@/lib/console/action-result";
import { decideApproval, type DecisionOutcome } from "@/lib/console/approvals";
import { authorizeConsoleAction } from "@/lib/console/session";
import { refreshSlackWriteMessage } from "@/lib/slack/write-message";

export async function decideApprovalAction(form: FormData): Promise<DecisionOutcome> {
  try {
    const decision = formString(form, "decision");
    const access = await authorizeConsoleAction({
      tenant: formString(form, "tenant"),
      need: "approvals.decide",
      action: decision === "reject" ? "write.reject" : "write.approve",
      label: "Deciding write requests",
    });
    const outcome = await decideApproval(await getReadyDb(), access, {
      decision,
      requestId: formString(form, "requestId"),
      ...(decision === "reject" ? { reason: formString(form, "reason") } : {}),
    });
    if (outcome.status === "decided") {
      revalidatePath(`/t/${access.tenant.slug}`, "layout");
      // A request asked for in Slack shows the decision there too (its buttons are replaced), as from the CLI.
      await refreshSlackWriteMessage(await getReadyDb(), outcome.item.id);
    }
    return outcome;
  } catch (err) {
    return actionError(err);
  }
}
