import Link from "next/link";

// Shown for a tenant that does not exist and for one the user does not belong to: the same page,
// so a URL never reveals whether another tenant exists.
export default function TenantNotFound() {
  return (
    <main className="mx-auto max-w-lg px-4 py-16">
      <p className="text-sm font-semibold uppercase tracking-wide text-indigo-600">SoCode</p>
      <h1 className="mt-2 text-2xl font-bold tracking-tight">Nothing here</h1>
      <p className="mt-2 text-sm text-slate-600">
        This tenant or page does not exist, or you are not a member of the tenant. Ask an admin of that tenant to add you, or go back to your tenants.
      </p>
      <Link href="/t" className="mt-6 inline-block rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500">
        Your tenants
      </Link>
    </main>
  );
}
