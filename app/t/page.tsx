import Link from "next/link";
import { redirect } from "next/navigation";
import { requireSignedIn } from "@/lib/console/session";
import { SignOutButton } from "@/components/console/sign-out-button";
import { SignOutEverywhereButton } from "@/components/console/sign-out-everywhere-button";

export const dynamic = "force-dynamic";

/** After sign-in: straight into the only tenant, or a choice between several. */
export default async function TenantChooserPage() {
  const { user, memberships } = await requireSignedIn("/t");
  const only = memberships[0];
  if (memberships.length === 1 && only) redirect(`/t/${only.tenant.slug}`);
  return (
    <main className="mx-auto max-w-lg px-4 py-16">
      <h1 className="text-2xl font-bold tracking-tight">Choose a tenant</h1>
      <p className="mt-1 text-sm text-slate-600">Signed in as {user.email}.</p>
      {memberships.length === 0 ? (
        <div className="mt-6 rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-700">
          You do not belong to any tenant yet. Ask an admin to add you with a role.
        </div>
      ) : (
        <ul className="mt-6 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {memberships.map((m) => (
            <li key={m.tenant.slug}>
              <Link href={`/t/${m.tenant.slug}`} className="flex items-center justify-between px-4 py-3 hover:bg-slate-50">
                <span className="font-medium">{m.tenant.name}</span>
                <span className="text-xs text-slate-500">{m.roles.join(", ")}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
      <div className="mt-6 inline-flex rounded bg-slate-900">
        <SignOutButton />
        <SignOutEverywhereButton />
      </div>
    </main>
  );
}
