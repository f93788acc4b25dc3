"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** `badge`: a count shown next to the label (e.g. requests waiting for approval). */
export type NavLink = { href: string; label: string; badge?: number };

export function NavLinks({ links }: { links: NavLink[] }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Console" className="flex gap-1 overflow-x-auto md:flex-col md:overflow-visible">
      {links.map((link) => {
        const exact = link.href.split("/").length <= 3;
        const active = exact ? pathname === link.href : pathname === link.href || pathname.startsWith(`${link.href}/`);
        return (
          <Link
            key={link.href}
            href={link.href}
            aria-current={active ? "page" : undefined}
            className={`whitespace-nowrap rounded-md px-2.5 py-1.5 text-sm ${active ? "bg-slate-800 font-semibold text-white" : "text-slate-300 hover:bg-slate-800 hover:text-white"}`}
          >
            {link.label}
            {link.badge ? (
              <span className="ml-1.5 rounded-full bg-amber-400 px-1.5 text-xs font-semibold text-slate-900" data-testid="nav-badge">
                {link.badge}
                <span className="sr-only"> waiting</span>
              </span>
            ) : null}
          </Link>
        );
      })}
    </nav>
  );
}
