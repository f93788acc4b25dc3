"use client";

import { usePathname, useRouter } from "next/navigation";

type Option = { slug: string; name: string };

/** Switches tenant, staying in the same section (the page there checks roles again). */
export function TenantSwitcher({ current, tenants }: { current: string; tenants: Option[] }) {
  const router = useRouter();
  const pathname = usePathname();
  if (tenants.length < 2) {
    const only = tenants[0];
    return <span className="block truncate text-sm font-medium text-slate-100">{only ? only.name : current}</span>;
  }
  const section = pathname.split("/")[3] ?? "";
  return (
    <select
      aria-label="Tenant"
      data-testid="tenant-switcher"
      value={current}
      onChange={(e) => router.push(section && section !== "forbidden" ? `/t/${e.target.value}/${section}` : `/t/${e.target.value}`)}
      className="w-full rounded-md border border-slate-600 bg-slate-800 px-2 py-1 text-sm text-slate-100 focus:outline-none focus:ring-1 focus:ring-indigo-400"
    >
      {tenants.map((t) => (
        <option key={t.slug} value={t.slug}>
          {t.name} ({t.slug})
        </option>
      ))}
    </select>
  );
}
