import Link from "next/link";
import { Notice, PageHeader } from "@/components/console/ui";
import { requireConsoleUser } from "@/lib/console/session";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ tenant: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ForbiddenPage({ params, searchParams }: Props) {
  const { tenant } = await params;
  const access = await requireConsoleUser({ tenant });
  const raw = (await searchParams).need;
  const need = (Array.isArray(raw) ? raw[0] : raw)?.split(",").filter((r) => /^[a-z]+$/.test(r)) ?? [];
  return (
    <>
      <PageHeader title="Not allowed" />
      <Notice tone="warning">
        That page needs the {need.length ? need.join(" or ") : "right"} role in {access.tenant.slug}. You have: {access.roles.join(", ")}. Ask an admin of
        this tenant to grant it.
      </Notice>
      <p className="mt-4">
        <Link className="text-sm font-medium text-indigo-700 hover:underline" href={`/t/${access.tenant.slug}`}>
          Back to the overview
        </Link>
      </p>
    </>
  );
}
