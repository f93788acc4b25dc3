"use client";

import { useState } from "react";
import { buttonStyles } from "./ui";

/** Copies `text`; falls back to selecting it when the clipboard API is unavailable (plain http). */
export function CopyButton({ text, label = "Copy", onCopied, testId }: { text: string; label?: string; onCopied?: () => void; testId?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
      onCopied?.();
    } catch {
      setState("failed");
    }
    window.setTimeout(() => setState("idle"), 2500);
  }
  return (
    <button type="button" onClick={() => void copy()} className={buttonStyles.secondary} data-testid={testId} aria-live="polite">
      {state === "copied" ? "Copied" : state === "failed" ? "Select and copy by hand" : label}
    </button>
  );
}
