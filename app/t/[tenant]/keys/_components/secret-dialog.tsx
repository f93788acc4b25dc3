"use client";

import { useState } from "react";
import { CopyButton } from "@/components/console/copy-button";
import { Modal } from "@/components/console/modal";
import { buttonStyles } from "@/components/console/ui";
import { formatDateTime } from "@/components/console/format";
import type { IssuedKeyView } from "../actions";

/** The only time a key's secret is visible: warn, offer copies, and confirm before closing. */
export function SecretDialog({ issued, rotated, onClose }: { issued: IssuedKeyView; rotated: boolean; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const requestClose = () => (copied ? onClose() : setConfirming(true));
  return (
    <Modal open title={rotated ? `New secret for "${issued.name}"` : `Key "${issued.name}" created`} onRequestClose={requestClose} wide testId="secret-dialog">
      <div className="space-y-4">
        <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <strong>Copy this key now.</strong> It is shown only once: SoCode keeps only a hash and cannot show it again. If you lose it, rotate or revoke the
          key and issue a new one.
        </div>
        <div>
          <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">Secret key</p>
          <div className="mt-1 flex flex-wrap items-center gap-2">
            <code data-testid="key-secret" className="min-w-0 flex-1 break-all rounded bg-slate-900 px-3 py-2 font-mono text-sm text-emerald-300 select-all">
              {issued.secret}
            </code>
            <CopyButton text={issued.secret} label="Copy key" onCopied={() => setCopied(true)} testId="copy-secret" />
          </div>
          <p className="mt-1 text-xs text-slate-500">
            Scopes: {issued.scopes.join(", ")} · Expires: {issued.expiresAt ? formatDateTime(issued.expiresAt) : "never"}
            {rotated ? " · The old secret keeps working only for the grace period you chose." : ""}
          </p>
        </div>
        <div className="space-y-3">
          <p className="text-sm font-semibold">Connect a client to {issued.endpoint}</p>
          {issued.configs.map((config) => (
            <div key={config.id} className="rounded-md border border-slate-200">
              <div className="flex items-center justify-between gap-2 border-b border-slate-200 bg-slate-50 px-3 py-1.5">
                <span className="text-sm font-medium">
                  {config.title} <span className="font-normal text-slate-500">— {config.where}</span>
                </span>
                <CopyButton text={config.text} onCopied={() => setCopied(true)} testId={`copy-${config.id}`} />
              </div>
              <pre data-testid={`config-${config.id}`} className="whitespace-pre-wrap break-all px-3 py-2 font-mono text-xs leading-relaxed text-slate-800">
                {config.text}
              </pre>
            </div>
          ))}
          <div className="rounded-md border border-slate-200 px-3 py-2 text-sm" data-testid="skill-install">
            <p className="flex items-center gap-2 font-medium">
              {/* eslint-disable-next-line @next/next/no-img-element -- a 20 px static SVG needs no image optimisation */}
              <img src="/icons/flash-operations.svg" alt="" width={20} height={20} className="rounded" />
              Teach Claude Code to use it: the flash-operations skill
            </p>
            <p className="mt-1 text-slate-600">
              <a className="text-indigo-700 underline" href={issued.skillUrl} download>
                Download flash-operations.zip
              </a>{" "}
              and unzip it into <code className="font-mono text-xs">~/.claude/skills/</code> (for you) or{" "}
              <code className="font-mono text-xs">.claude/skills/</code> in a project (for your team).
            </p>
          </div>
        </div>
        {confirming ? (
          <div className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900" role="alertdialog" aria-label="Close without copying?">
            <p className="font-medium">Close without copying the key?</p>
            <p className="mt-1">You will not be able to see this secret again.</p>
            <div className="mt-2 flex gap-2">
              <button type="button" className={buttonStyles.secondary} onClick={() => setConfirming(false)}>
                Go back
              </button>
              <button type="button" className={buttonStyles.danger} onClick={onClose}>
                Close anyway
              </button>
            </div>
          </div>
        ) : (
          <div className="flex justify-end">
            <button type="button" className={buttonStyles.primary} onClick={requestClose}>
              {copied ? "Done" : "I have stored the key"}
            </button>
          </div>
        )}
      </div>
    </Modal>
  );
}
