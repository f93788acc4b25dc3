import type { Metadata } from "next";
import { Badge, EmptyState, PageHeader, tableStyles } from "@/components/console/ui";
import { formatAgo } from "@/components/console/format";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/passwords";
import { getReadyDb } from "@/lib/db/ready";
import { CONSOLE_ROLES, ROLE_DESCRIPTIONS } from "@/lib/console/roles";
import { requireConsoleUser } from "@/lib/console/session";
import { listTenantMembers } from "@/lib/console/users";
import { CreateUser, MemberActions } from "./_components/users-client";

export const metadata: Metadata = { title: "Users" };
export const dynamic = "force-dynamic";

export default async function UsersPage({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const access = await requireConsoleUser({ tenant, need: "users.read", from: `/t/${tenant}/users` });
  const members = await listTenantMembers(await getReadyDb(), access.tenant.id);
  const roleOptions = CONSOLE_ROLES.map((r) => ({ value: r, description: ROLE_DESCRIPTIONS[r] }));
  const now = new Date();
  return (
    <>
      <PageHeader
        title="Users"
        description={`People who can use the console for ${access.tenant.name}, and their roles here.`}
        actions={<CreateUser tenant={access.tenant.slug} roles={roleOptions} minPassword={MIN_PASSWORD_LENGTH} />}
      />
      {members.length === 0 ? (
        <EmptyState title="No users yet" />
      ) : (
        <div className={tableStyles.wrap}>
          <table className={tableStyles.table} data-testid="users-table">
            <thead className="bg-slate-50">
              <tr>
                <th className={tableStyles.th}>User</th>
                <th className={tableStyles.th}>Roles</th>
                <th className={tableStyles.th}>Status</th>
                <th className={tableStyles.th}>Last sign-in</th>
                <th className={tableStyles.th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {members.map((m) => (
                <tr key={m.userId} data-testid="user-row" data-email={m.email}>
                  <td className={tableStyles.td}>
                    <div className="font-medium">{m.name}</div>
                    <div className="text-xs text-slate-500">
                      {m.email}
                      {m.otherTenants > 0 ? ` · also in ${m.otherTenants} other tenant${m.otherTenants > 1 ? "s" : ""}` : ""}
                    </div>
                  </td>
                  <td className={tableStyles.td}>
                    <div className="flex flex-wrap gap-1">
                      {m.roles.map((r) => (
                        <Badge key={r} tone={r === "admin" ? "indigo" : "slate"}>
                          {r}
                        </Badge>
                      ))}
                    </div>
                  </td>
                  <td className={tableStyles.td}>{m.active ? <Badge tone="green">active</Badge> : <Badge tone="red">deactivated</Badge>}</td>
                  <td className={`${tableStyles.td} whitespace-nowrap text-xs`}>{formatAgo(m.lastSignInAt, now)}</td>
                  <td className={tableStyles.td}>
                    <MemberActions
                      tenant={access.tenant.slug}
                      userId={m.userId}
                      email={m.email}
                      roles={m.roles}
                      active={m.active}
                      isSelf={m.userId === access.user.id}
                      roleOptions={roleOptions}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
