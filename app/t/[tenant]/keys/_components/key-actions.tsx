"use client";

import { useActionState, useState } from "react";
import { Modal } from "@/components/console/modal";
import { Notice, buttonStyles, inputStyles } from "@/components/console/ui";
import { revokeKeyAction, rotateKeyAction, type KeyActionState } from "../actions";
import { SecretDialog } from "./secret-dialog";

type Props = { tenant: string; keyId: string; name: string; prefix: string; canRotate: boolean; graces: { value: string; label: string }[]; defaultGrace: string };

export function KeyActions({ tenant, keyId, name, prefix, canRotate, graces, defaultGrace }: Props) {
  const [dialog, setDialog] = useState<"none" | "revoke" | "rotate">("none");
  const [secret, setSecret] = useState<KeyActionState>({ status: "idle" });
  const [revokeState, revoke, revoking] = useActionState<KeyActionState, FormData>(async (prev, form) => {
    const result = await revokeKeyAction(prev, form);
    if (result.status === "done") setDialog("none");
    return result;
  }, { status: "idle" });
  const [rotateState, rotate, rotating] = useActionState<KeyActionState, FormData>(async (prev, form) => {
    const result = await rotateKeyAction(prev, form);
    if (result.status === "issued") {
      setSecret(result);
      setDialog("none");
    }
    return result;
  }, { status: "idle" });

  return (
    <div className="flex gap-1">
      {canRotate ? (
        <button type="button" className="rounded px-2 py-1 text-xs font-medium text-indigo-700 hover:bg-indigo-50" onClick={() => setDialog("rotate")}>
          Rotate
        </button>
      ) : null}
      <button type="button" className="rounded px-2 py-1 text-xs font-medium text-red-700 hover:bg-red-50" onClick={() => setDialog("revoke")} aria-label={`Revoke ${name}`}>
        Revoke
      </button>
      <Modal open={dialog === "revoke"} title={`Revoke "${name}"?`} onRequestClose={() => setDialog("none")} testId="revoke-dialog">
        <form action={revoke} className="space-y-3">
          <input type="hidden" name="tenant" value={tenant} />
          <input type="hidden" name="keyId" value={keyId} />
          <p className="text-sm text-slate-700">
            Clients using <code className="font-mono">{prefix}…</code> will be refused at once. This cannot be undone; you can issue a new key later.
          </p>
          {revokeState.status === "error" ? <Notice tone="error">{revokeState.message}</Notice> : null}
          <div className="flex justify-end gap-2">
            <button type="button" className={buttonStyles.secondary} onClick={() => setDialog("none")}>
              Keep the key
            </button>
            <button type="submit" className={buttonStyles.danger} disabled={revoking}>
              {revoking ? "Revoking…" : "Revoke key"}
            </button>
          </div>
        </form>
      </Modal>
      <Modal open={dialog === "rotate"} title={`Rotate "${name}"`} onRequestClose={() => setDialog("none")}>
        <form action={rotate} className="space-y-3">
          <input type="hidden" name="tenant" value={tenant} />
          <input type="hidden" name="keyId" value={keyId} />
          <p className="text-sm text-slate-700">
            A new secret with the same scopes is created and shown once. The old secret keeps working for the grace period, so you can update your clients.
          </p>
          <label className="block text-sm font-medium">
            Grace period for the old secret
            <select name="grace" defaultValue={defaultGrace} className={`mt-1 ${inputStyles}`}>
              {graces.map((g) => (
                <option key={g.value} value={g.value}>
                  {g.label}
                </option>
              ))}
            </select>
          </label>
          {rotateState.status === "error" ? <Notice tone="error">{rotateState.message}</Notice> : null}
          <div className="flex justify-end gap-2">
            <button type="button" className={buttonStyles.secondary} onClick={() => setDialog("none")}>
              Cancel
            </button>
            <button type="submit" className={buttonStyles.primary} disabled={rotating}>
              {rotating ? "Rotating…" : "Rotate key"}
            </button>
          </div>
        </form>
      </Modal>
      {secret.status === "issued" ? <SecretDialog issued={secret.key} rotated onClose={() => setSecret({ status: "idle" })} /> : null}
    </div>
  );
}
