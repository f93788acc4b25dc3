import type { Metadata } from "next";
import { PageHeader } from "@/components/console/ui";
import { getReadyDb } from "@/lib/db/ready";
import { approvalsSnapshot } from "@/lib/console/approvals";
import { requireConsoleUser } from "@/lib/console/session";
import { ApprovalsClient } from "./_components/approvals-client";

export const metadata: Metadata = { title: "Approvals" };
export const dynamic = "force-dynamic";

type Props = { params: Promise<{ tenant: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ApprovalsPage({ params, searchParams }: Props) {
  const { tenant } = await params;
  const tab = (await searchParams).tab === "history" ? "history" : "pending";
  const access = await requireConsoleUser({ tenant, need: "approvals.decide", from: `/t/${tenant}/approvals` });
  const snapshot = await approvalsSnapshot(await getReadyDb(), access.tenant.id, access.user.id);
  return (
    <>
      <PageHeader
        title="Approvals"
        description="Agents' write requests wait here for a person. Approving executes the change exactly as previewed (re-checked against current data); rejecting tells the agent why."
      />
      <ApprovalsClient tenant={access.tenant.slug} initial={snapshot} initialTab={tab} />
    </>
  );
}
