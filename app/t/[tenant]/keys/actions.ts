"use server";

// Public POST endpoints: each authenticates and authorises itself before touching anything.
import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { getReadyDb } from "@/lib/db/ready";
import { actionError, formString, formStrings, type ActionError } from "@/lib/console/action-result";
import { publicBaseUrl } from "@/lib/console/base-url";
import { clientConfigs, mcpEndpoint, type ClientConfig } from "@/lib/console/client-config";
import { updateKeyWriteLimits } from "@/lib/console/key-limits";
import { issueConsoleKey, revokeConsoleKey, rotateConsoleKey, type IssuedConsoleKey } from "@/lib/console/keys";
import { writeLimitsFromForm } from "@/lib/console/write-limits-plan";
import { authorizeConsoleAction } from "@/lib/console/session";

export type IssuedKeyView = Omit<IssuedConsoleKey, "expiresAt"> & { expiresAt: string | null; endpoint: string; configs: ClientConfig[]; skillUrl: string };

export type KeyActionState = { status: "idle" } | ActionError | { status: "issued"; key: IssuedKeyView; rotated: boolean } | { status: "done"; message: string };

async function view(issued: IssuedConsoleKey, tenantSlug: string): Promise<IssuedKeyView> {
  const base = publicBaseUrl(await headers());
  return {
    ...issued,
    expiresAt: issued.expiresAt?.toISOString() ?? null,
    endpoint: mcpEndpoint(base),
    configs: clientConfigs(base, issued.secret),
    skillUrl: `/api/console/${tenantSlug}/skill`,
  };
}

export async function issueKeyAction(_prev: KeyActionState, form: FormData): Promise<KeyActionState> {
  try {
    const tenant = formString(form, "tenant");
    const access = await authorizeConsoleAction({ tenant, need: "keys.manage", action: "key.create", label: "Issuing a key" });
    const issued = await issueConsoleKey(await getReadyDb(), access, {
      name: formString(form, "name"),
      preset: formString(form, "preset") || undefined,
      grantedScopes: formStrings(form, "scopes"),
      expiry: formString(form, "expiry") || undefined,
      writeLimits: writeLimitsFromForm(form),
    });
    revalidatePath(`/t/${access.tenant.slug}/keys`);
    return { status: "issued", key: await view(issued, access.tenant.slug), rotated: false };
  } catch (err) {
    return actionError(err);
  }
}

export async function rotateKeyAction(_prev: KeyActionState, form: FormData): Promise<KeyActionState> {
  try {
    const access = await authorizeConsoleAction({ tenant: formString(form, "tenant"), need: "keys.manage", action: "key.rotate", label: "Rotating a key" });
    const issued = await rotateConsoleKey(await getReadyDb(), access, {
      keyId: formString(form, "keyId"),
      grace: formString(form, "grace") || undefined,
    });
    revalidatePath(`/t/${access.tenant.slug}/keys`);
    return { status: "issued", key: await view(issued, access.tenant.slug), rotated: true };
  } catch (err) {
    return actionError(err);
  }
}

export async function revokeKeyAction(_prev: KeyActionState, form: FormData): Promise<KeyActionState> {
  try {
    const access = await authorizeConsoleAction({ tenant: formString(form, "tenant"), need: "keys.manage", action: "key.revoke", label: "Revoking a key" });
    const { name } = await revokeConsoleKey(await getReadyDb(), access, formString(form, "keyId"));
    revalidatePath(`/t/${access.tenant.slug}/keys`);
    return { status: "done", message: `Key "${name}" is revoked; clients using it are refused from now on.` };
  } catch (err) {
    return actionError(err);
  }
}

export async function updateKeyLimitsAction(_prev: KeyActionState, form: FormData): Promise<KeyActionState> {
  try {
    const access = await authorizeConsoleAction({ tenant: formString(form, "tenant"), need: "keys.manage", action: "key.limits", label: "Changing a key's write limits" });
    const keyId = formString(form, "keyId");
    const { name, limits } = await updateKeyWriteLimits(await getReadyDb(), access, keyId, writeLimitsFromForm(form));
    revalidatePath(`/t/${access.tenant.slug}/keys`);
    revalidatePath(`/t/${access.tenant.slug}/keys/${keyId}`);
    return { status: "done", message: limits ? `Write limits of "${name}" saved; they apply to its next request and to its pending requests when approved.` : `"${name}" has no write limits now.` };
  } catch (err) {
    return actionError(err);
  }
}
