"use client";

import { signOut } from "next-auth/react";
import { useTransition } from "react";
import { signOutEverywhereAction } from "@/app/t/session-actions";

/**
 * Ends this user's sessions in every browser (a lost laptop, a shared machine), then this one's.
 * The other browsers are sent to sign-in on their next page load.
 */
export function SignOutEverywhereButton() {
  const [pending, start] = useTransition();
  return (
    <button
      type="button"
      disabled={pending}
      title="End your console sessions in every browser, including this one"
      onClick={() =>
        start(async () => {
          await signOutEverywhereAction();
          // Whatever the answer, this browser signs out too.
          await signOut({ callbackUrl: "/sign-in" });
        })
      }
      className="whitespace-nowrap rounded-md px-2 py-1 text-sm text-slate-300 hover:bg-slate-800 hover:text-white disabled:opacity-60"
    >
      {pending ? "Signing out…" : "Sign out everywhere"}
    </button>
  );
}
