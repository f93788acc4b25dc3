import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { oidcEnabled } from "@/lib/console/auth-options";
import { safeCallbackPath } from "@/lib/console/callback-url";
import { currentUserId } from "@/lib/console/session";
import { signInErrorMessage } from "@/lib/console/sign-in-messages";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export default async function SignInPage({ searchParams }: Props) {
  const params = await searchParams;
  const callbackPath = safeCallbackPath(one(params.callbackUrl));
  if (await currentUserId()) redirect(callbackPath);
  const oidc = oidcEnabled();
  return (
    <main className="flex min-h-screen items-center justify-center px-4 py-12">
      <div className="w-full max-w-sm">
        <Link href="/" className="text-sm font-semibold uppercase tracking-wide text-indigo-600">
          SoCode
        </Link>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">Sign in to the console</h1>
        {one(params.callbackUrl) && !one(params.error) ? (
          <p className="mt-2 text-sm text-slate-600">Sign in to continue. Sessions end after a few hours of use.</p>
        ) : null}
        <div className="mt-6 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
          <SignInForm callbackPath={callbackPath} initialError={signInErrorMessage(one(params.error))} oidcName={oidc?.name ?? null} />
        </div>
        <p className="mt-4 text-xs text-slate-500">
          No account? Ask an admin of your tenant to create one, or run{" "}
          <code className="font-mono">npx socode user:create</code> on the server.
        </p>
      </div>
    </main>
  );
}
