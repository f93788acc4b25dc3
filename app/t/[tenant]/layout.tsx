import type { ReactNode } from "react";
import { NavLinks } from "@/components/console/nav-links";
import { SignOutButton } from "@/components/console/sign-out-button";
import { SignOutEverywhereButton } from "@/components/console/sign-out-everywhere-button";
import { TenantSwitcher } from "@/components/console/tenant-switcher";
import { sectionHref, sectionsFor } from "@/lib/console/navigation";
import { SignInRedirect } from "@/components/console/sign-in-redirect";
import { consoleAccessForLayout } from "@/lib/console/session";
import { countPendingApprovals } from "@/lib/console/approvals";
import { can } from "@/lib/console/roles";
import { getReadyDb } from "@/lib/db/ready";

export const dynamic = "force-dynamic";

export default async function TenantLayout({ children, params }: { children: ReactNode; params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const access = await consoleAccessForLayout(tenant);
  if (!access) return <SignInRedirect />;
  const waiting = can(access.roles, "approvals.decide") ? await countPendingApprovals(await getReadyDb(), access.tenant.id) : 0;
  const links = sectionsFor(access.roles).map((s) => ({
    href: sectionHref(access.tenant.slug, s.segment),
    label: s.label,
    ...(s.segment === "approvals" && waiting ? { badge: waiting } : {}),
  }));
  return (
    <div className="min-h-screen md:flex">
      <aside className="bg-slate-900 text-slate-100 md:sticky md:top-0 md:flex md:h-screen md:w-56 md:shrink-0 md:flex-col">
        <div className="flex items-center justify-between gap-3 px-4 pt-3 md:block md:pt-4">
          <a href={`/t/${access.tenant.slug}`} className="text-sm font-bold uppercase tracking-wide text-indigo-300">
            SoCode
          </a>
          <div className="min-w-0 flex-1 md:mt-3">
            <TenantSwitcher current={access.tenant.slug} tenants={access.memberships.map((m) => ({ slug: m.tenant.slug, name: m.tenant.name }))} />
          </div>
        </div>
        <div className="px-2 py-2 md:mt-2 md:flex-1">
          <NavLinks links={links} />
        </div>
        <div className="hidden border-t border-slate-800 px-4 py-3 md:block">
          <p className="truncate text-sm text-slate-200" data-testid="signed-in-as">
            {access.user.email}
          </p>
          <p className="text-xs text-slate-400">{access.roles.join(", ")}</p>
          <div className="mt-2 -ml-2 flex flex-wrap">
            <SignOutButton />
            <SignOutEverywhereButton />
          </div>
        </div>
      </aside>
      <div className="min-w-0 flex-1">
        <div className="flex items-center justify-between border-b border-slate-200 bg-white px-4 py-2 text-sm md:hidden">
          <span className="truncate text-slate-600" data-testid="signed-in-as-mobile">
            {access.user.email} · {access.roles.join(", ")}
          </span>
          <span className="flex rounded bg-slate-900">
            <SignOutButton />
            <SignOutEverywhereButton />
          </span>
        </div>
        <main className="mx-auto max-w-7xl px-4 py-5 md:px-6">{children}</main>
      </div>
    </div>
  );
}
