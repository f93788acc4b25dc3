"use client";

import { useEffect, useRef, type ReactNode } from "react";

/**
 * A native modal <dialog>: focus trapping, Escape and the backdrop for free. `onRequestClose` is
 * called instead of closing, so a caller can ask for confirmation first.
 */
export function Modal({
  open,
  title,
  onRequestClose,
  children,
  wide = false,
  testId,
}: {
  open: boolean;
  title: string;
  onRequestClose: () => void;
  children: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-label={title}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onRequestClose();
      }}
      className={`m-auto w-[calc(100%-1.5rem)] rounded-lg bg-white p-0 shadow-xl backdrop:bg-slate-900/50 ${wide ? "max-w-3xl" : "max-w-lg"}`}
    >
      {open ? (
        <div className="max-h-[90vh] overflow-y-auto p-5">
          <div className="mb-3 flex items-start justify-between gap-4">
            <h2 className="text-lg font-semibold">{title}</h2>
            <button type="button" onClick={onRequestClose} aria-label="Close" className="rounded p-1 text-slate-500 hover:bg-slate-100">
              ✕
            </button>
          </div>
          {children}
        </div>
      ) : null}
    </dialog>
  );
}
