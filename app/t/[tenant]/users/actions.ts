"use server";

// Public POST endpoints: each authenticates and authorises itself before touching anything.
import { revalidatePath } from "next/cache";
import { getReadyDb } from "@/lib/db/ready";
import { actionError, formString, formStrings, type ActionError } from "@/lib/console/action-result";
import { authorizeConsoleAction } from "@/lib/console/session";
import { createTenantUser, setMemberRoles, setUserActive } from "@/lib/console/users";

export type UserActionState = { status: "idle" } | ActionError | { status: "done"; message: string };

export async function createUserAction(_prev: UserActionState, form: FormData): Promise<UserActionState> {
  try {
    const access = await authorizeConsoleAction({ tenant: formString(form, "tenant"), need: "users.manage", action: "user.create", label: "Creating a user" });
    const created = await createTenantUser(await getReadyDb(), access, {
      email: formString(form, "email"),
      name: formString(form, "name"),
      password: formString(form, "password"),
      roles: formStrings(form, "roles"),
    });
    revalidatePath(`/t/${access.tenant.slug}/users`);
    return {
      status: "done",
      message: created.existed
        ? `${created.email} already had an account; they can now use ${access.tenant.slug} with their existing password.`
        : `Created ${created.email}. Share the initial password with them privately.`,
    };
  } catch (err) {
    return actionError(err);
  }
}

export async function setRolesAction(_prev: UserActionState, form: FormData): Promise<UserActionState> {
  try {
    const access = await authorizeConsoleAction({ tenant: formString(form, "tenant"), need: "users.manage", action: "user.roles.update", label: "Changing roles" });
    const result = await setMemberRoles(await getReadyDb(), access, { userId: formString(form, "userId"), roles: formStrings(form, "roles") });
    revalidatePath(`/t/${access.tenant.slug}/users`);
    return {
      status: "done",
      message: `${result.email} now has: ${result.roles.join(", ")}.${result.sessionsEnded ? " A role was removed, so their open console sessions were ended." : ""}`,
    };
  } catch (err) {
    return actionError(err);
  }
}

export async function setActiveAction(_prev: UserActionState, form: FormData): Promise<UserActionState> {
  try {
    const active = formString(form, "active") === "true";
    const access = await authorizeConsoleAction({
      tenant: formString(form, "tenant"),
      need: "users.manage",
      action: active ? "user.reactivate" : "user.deactivate",
      label: active ? "Reactivating a user" : "Deactivating a user",
    });
    const result = await setUserActive(await getReadyDb(), access, { userId: formString(form, "userId"), active });
    revalidatePath(`/t/${access.tenant.slug}/users`);
    return { status: "done", message: result.active ? `${result.email} can sign in again.` : `${result.email} is deactivated: their open console sessions were ended and they can no longer sign in.` };
  } catch (err) {
    return actionError(err);
  }
}
