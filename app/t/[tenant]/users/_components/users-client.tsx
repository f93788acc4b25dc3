"use client";

import { useActionState, useState } from "react";
import { Modal } from "@/components/console/modal";
import { Notice, buttonStyles, inputStyles } from "@/components/console/ui";
import { createUserAction, setActiveAction, setRolesAction, type UserActionState } from "../actions";

type RoleOption = { value: string; description: string };

function RoleCheckboxes({ roles, checked }: { roles: RoleOption[]; checked: string[] }) {
  return (
    <div className="space-y-1">
      {roles.map((r) => (
        <label key={r.value} className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="roles" value={r.value} defaultChecked={checked.includes(r.value)} className="mt-1" />
          <span>
            <span className="font-medium">{r.value}</span> <span className="text-slate-600">— {r.description}</span>
          </span>
        </label>
      ))}
    </div>
  );
}

export function CreateUser({ tenant, roles, minPassword }: { tenant: string; roles: RoleOption[]; minPassword: number }) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [state, action, pending] = useActionState<UserActionState, FormData>(async (prev, form) => {
    const result = await createUserAction(prev, form);
    if (result.status === "done") {
      setMessage(result.message);
      setOpen(false);
    }
    return result;
  }, { status: "idle" });
  return (
    <>
      <button type="button" className={buttonStyles.primary} onClick={() => setOpen(true)}>
        Add user
      </button>
      {message ? (
        <div className="w-full basis-full">
          <Notice tone="success">{message}</Notice>
        </div>
      ) : null}
      <Modal open={open} title="Add a console user" onRequestClose={() => setOpen(false)} testId="create-user-dialog">
        <form action={action} className="space-y-3">
          <input type="hidden" name="tenant" value={tenant} />
          <label className="block text-sm font-medium">
            Email
            <input name="email" type="email" required autoComplete="off" className={`mt-1 ${inputStyles}`} />
          </label>
          <label className="block text-sm font-medium">
            Name
            <input name="name" required maxLength={120} className={`mt-1 ${inputStyles}`} />
          </label>
          <label className="block text-sm font-medium">
            Initial password
            <input name="password" type="password" required minLength={minPassword} autoComplete="new-password" className={`mt-1 ${inputStyles}`} />
            <span className="mt-1 block text-xs font-normal text-slate-500">
              At least {minPassword} characters. Ignored if the person already has an account (they keep their password).
            </span>
          </label>
          <fieldset>
            <legend className="text-sm font-medium">Roles in this tenant</legend>
            <RoleCheckboxes roles={roles} checked={[]} />
          </fieldset>
          {state.status === "error" ? <Notice tone="error">{state.message}</Notice> : null}
          <div className="flex justify-end gap-2">
            <button type="button" className={buttonStyles.secondary} onClick={() => setOpen(false)}>
              Cancel
            </button>
            <button type="submit" className={buttonStyles.primary} disabled={pending}>
              {pending ? "Adding…" : "Add user"}
            </button>
          </div>
        </form>
      </Modal>
    </>
  );
}

type MemberProps = { tenant: string; userId: string; email: string; roles: string[]; active: boolean; isSelf: boolean; roleOptions: RoleOption[] };

export function MemberActions({ tenant, userId, email, roles, active, isSelf, roleOptions }: MemberProps) {
  const [dialog, setDialog] = useState<"none" | "roles" | "active">("none");
  const [rolesState, saveRoles, savingRoles] = useActionState<UserActionState, FormData>(async (prev, form) => {
    const result = await setRolesAction(prev, form);
    if (result.status === "done") setDialog("none");
    return result;
  }, { status: "idle" });
  const [activeState, saveActive, savingActive] = useActionState<UserActionState, FormData>(async (prev, form) => {
    const result = await setActiveAction(prev, form);
    if (result.status === "done") setDialog("none");
    return result;
  }, { status: "idle" });
  return (
    <div className="flex gap-1">
      <button type="button" className="rounded px-2 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50" onClick={() => setDialog("roles")}>
        Roles
      </button>
      {!isSelf ? (
        <button
          type="button"
          className={`rounded px-2 py-1 text-xs font-medium ${active ? "text-red-700 hover:bg-red-50" : "text-emerald-700 hover:bg-emerald-50"}`}
          onClick={() => setDialog("active")}
        >
          {active ? "Deactivate" : "Reactivate"}
        </button>
      ) : null}
      <Modal open={dialog === "roles"} title={`Roles of ${email}`} onRequestClose={() => setDialog("none")}>
        <form action={saveRoles} className="space-y-3">
          <input type="hidden" name="tenant" value={tenant} />
          <input type="hidden" name="userId" value={userId} />
          <RoleCheckboxes roles={roleOptions} checked={roles} />
          {isSelf ? <p className="text-xs text-slate-500">You cannot remove your own admin role; another admin can.</p> : null}
          <p className="text-xs text-slate-500">Removing a role ends their open console sessions; they sign in again to continue.</p>
          {rolesState.status === "error" ? <Notice tone="error">{rolesState.message}</Notice> : null}
          <div className="flex justify-end gap-2">
            <button type="button" className={buttonStyles.secondary} onClick={() => setDialog("none")}>
              Cancel
            </button>
            <button type="submit" className={buttonStyles.primary} disabled={savingRoles}>
              Save roles
            </button>
          </div>
        </form>
      </Modal>
      <Modal open={dialog === "active"} title={active ? `Deactivate ${email}?` : `Reactivate ${email}?`} onRequestClose={() => setDialog("none")}>
        <form action={saveActive} className="space-y-3">
          <input type="hidden" name="tenant" value={tenant} />
          <input type="hidden" name="userId" value={userId} />
          <input type="hidden" name="active" value={active ? "false" : "true"} />
          <p className="text-sm text-slate-700">
            {active
              ? "They will be signed out on their next request and cannot sign in. Their history in the audit log stays."
              : "They will be able to sign in again with their existing password."}
          </p>
          {activeState.status === "error" ? <Notice tone="error">{activeState.message}</Notice> : null}
          <div className="flex justify-end gap-2">
            <button type="button" className={buttonStyles.secondary} onClick={() => setDialog("none")}>
              Cancel
            </button>
            <button type="submit" className={active ? buttonStyles.danger : buttonStyles.primary} disabled={savingActive}>
              {active ? "Deactivate" : "Reactivate"}
            </button>
          </div>
        </form>
      </Modal>
    </div>
  );
}
