// Consent for an MCP client (OAuth). Requires console sign-in; names the client and where the
// answer goes; the user picks the tenant and the access (lib/oauth/consent-rules.ts). Not frameable
// (frame-ancestors 'none' and X-Frame-Options from next.config.ts apply to every page).
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { headers } from "next/headers";
import { Notice } from "@/components/console/ui";
import { loadSignedInUser } from "@/lib/console/access";
import { tenantTierNames } from "@/lib/console/key-limits";
import { currentUserId } from "@/lib/console/session";
import { getReadyDb } from "@/lib/db/ready";
import { GRANTABLE_SCOPES, PRESETS, PRESET_NAMES, SCOPES } from "@/lib/governance/scopes";
import { AUTHORIZATION_PARAM_NAMES, consentCsrfToken, paramsFrom, validateAuthorizationRequest } from "@/lib/oauth/authorize";
import { oauthUrls } from "@/lib/oauth/config";
import { mayGrantAdminScopes, suggestedConsent } from "@/lib/oauth/consent-rules";
import { ConsentForm } from "./consent-form";

export const metadata: Metadata = { title: "Connect an app", referrer: "no-referrer" };
export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function ConsentPage({ searchParams }: Props) {
  const raw = await searchParams;
  const query = new URLSearchParams();
  for (const name of AUTHORIZATION_PARAM_NAMES) {
    const value = raw[name];
    const one = Array.isArray(value) ? value[0] : value;
    if (one !== undefined) query.set(name, one);
  }
  const params = paramsFrom(query);
  const userId = await currentUserId();
  if (!userId) redirect(`/sign-in?callbackUrl=${encodeURIComponent(`/oauth/consent?${query.toString()}`)}`);
  const db = await getReadyDb();
  const signedIn = await loadSignedInUser(db, userId);
  if (!signedIn.ok) redirect(`/sign-in?callbackUrl=${encodeURIComponent(`/oauth/consent?${query.toString()}`)}`);

  const validation = await validateAuthorizationRequest(db, params, oauthUrls(await headers()));
  const shell = (children: React.ReactNode) => (
    <main className="flex min-h-screen items-start justify-center px-4 py-12">
      <div className="w-full max-w-lg">
        <p className="text-sm font-semibold uppercase tracking-wide text-indigo-600">SoCode</p>
        {children}
      </div>
    </main>
  );
  if (!validation.ok) {
    return shell(
      <>
        <h1 className="mt-2 text-2xl font-bold tracking-tight">Cannot connect the app</h1>
        <div className="mt-4">
          <Notice tone="error">
            <span data-testid="consent-request-error">
              <code>{validation.error.code}</code>: {validation.error.description}
            </span>
          </Notice>
        </div>
      </>,
    );
  }
  const { request } = validation;
  if (signedIn.memberships.length === 0) {
    return shell(<Notice tone="error">You are not a member of any tenant, so there is nothing to connect. Ask an admin to add you.</Notice>);
  }
  const tenants = await Promise.all(
    signedIn.memberships.map(async (m) => ({
      slug: m.tenant.slug,
      name: m.tenant.name,
      roles: m.roles,
      mayGrantAdminScopes: mayGrantAdminScopes(m.roles),
      // For the write limits an admin may set with write scopes.
      tiers: mayGrantAdminScopes(m.roles) ? await tenantTierNames(db, m.tenant.id) : [],
    })),
  );
  const firstRoles = signedIn.memberships[0]?.roles ?? [];
  const suggestion = suggestedConsent(firstRoles, request.requestedScopes);
  const hiddenParams: Record<string, string> = {};
  for (const name of AUTHORIZATION_PARAM_NAMES) {
    const value = params[name];
    if (value !== undefined) hiddenParams[name] = value;
  }

  return shell(
    <>
      <h1 className="mt-2 text-2xl font-bold tracking-tight">
        Connect <span data-testid="consent-client-name">{request.client.name}</span>?
      </h1>
      <div className="mt-4 space-y-1 rounded-lg border border-slate-200 bg-white p-4 text-sm shadow-sm">
        <p>
          Signed in as <strong>{signedIn.user.email}</strong>. The app will act as you, through SoCode&apos;s MCP endpoint, with the access you choose below;
          everything it does is audited, and you can disconnect it under <em>Connected apps</em>.
        </p>
        <p className="text-slate-600">
          After you answer, your browser goes to <code className="break-all font-mono text-xs" data-testid="consent-redirect-uri">{request.redirectUri}</code>
        </p>
        <p className="text-slate-600">
          Client ID: <code className="break-all font-mono text-xs">{request.client.clientId}</code>
          {request.client.kind === "dynamic" ? " (registered by the app itself; the name is the app's own claim)" : " (metadata document)"}
        </p>
        {request.requestedScopes.length ? (
          <p className="text-slate-600">
            It asked for: <span className="font-mono text-xs">{request.requestedScopes.join(" ")}</span>
          </p>
        ) : null}
      </div>
      <div className="mt-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
        <ConsentForm
          params={hiddenParams}
          csrf={consentCsrfToken(signedIn.user.id, params)}
          tenants={tenants}
          presets={PRESET_NAMES.map((name) => ({ name, label: PRESETS[name].label, scopes: [...PRESETS[name].scopes] }))}
          adminScopes={GRANTABLE_SCOPES.map((scope) => ({ scope, kind: SCOPES[scope].kind, description: SCOPES[scope].description }))}
          initialPreset={suggestion.preset}
          initialScopes={suggestion.grantedScopes}
        />
      </div>
    </>,
  );
}
