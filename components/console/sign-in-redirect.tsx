"use client";

import { useEffect } from "react";

/**
 * Layouts cannot see the URL, so a signed-out visitor is sent to sign-in from the browser, which
 * knows the full path and query (a shared audit-log filter survives sign-in). Nothing else renders.
 */
export function SignInRedirect() {
  useEffect(() => {
    const here = `${window.location.pathname}${window.location.search}`;
    window.location.replace(`/sign-in?callbackUrl=${encodeURIComponent(here)}`);
  }, []);
  return <p className="p-6 text-sm text-slate-600">Your session has ended. Taking you to sign-in…</p>;
}
