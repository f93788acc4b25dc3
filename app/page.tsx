import { headers } from "next/headers";

export const dynamic = "force-dynamic";

async function baseUrl(): Promise<string> {
  const h = await headers();
  const host = h.get("x-forwarded-host") ?? h.get("host") ?? "localhost:3000";
  const proto = h.get("x-forwarded-proto") ?? (host.startsWith("localhost") || host.startsWith("127.") ? "http" : "https");
  return `${proto}://${host}`;
}

export default async function HomePage() {
  const mcpUrl = `${await baseUrl()}/api/mcp`;
  return (
    <main className="mx-auto max-w-3xl px-6 py-16">
      <div className="flex items-center justify-between">
        <p className="text-sm font-semibold uppercase tracking-wide text-indigo-600">SoCode</p>
        <a href="/sign-in" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500">
          Sign in to the console
        </a>
      </div>
      <h1 className="mt-2 text-3xl font-bold tracking-tight">Governed AI access to your loyalty platform</h1>
      <p className="mt-4 text-slate-600">
        AI clients such as Claude Code, Cursor and Claude Desktop connect to one MCP endpoint with a tenant-scoped key,
        ask for certified metrics, and request operations that a human approves. Every call is audited.
      </p>

      <section className="mt-10 rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <h2 className="text-lg font-semibold">MCP endpoint</h2>
        <code data-testid="mcp-url" className="mt-2 block rounded bg-slate-100 px-3 py-2 font-mono text-sm">
          {mcpUrl}
        </code>
        <h3 className="mt-6 font-medium">Connect Claude Code</h3>
        <ol className="mt-2 list-decimal space-y-2 pl-5 text-sm text-slate-700">
          <li>
            Issue a read-only key:{" "}
            <code className="font-mono">npx socode key:create --tenant demo --name &quot;Claude Code&quot;</code>
          </li>
          <li>
            Add the server:{" "}
            <code className="break-all font-mono">
              claude mcp add --transport http socode {mcpUrl} --header &quot;Authorization: Bearer &lt;key&gt;&quot;
            </code>
          </li>
        </ol>
      </section>

      <section className="mt-6 grid gap-4 sm:grid-cols-3">
        {[
          ["Certified metrics", "GMV, active members, redemption rate and more, from one reviewed definition each."],
          ["Approved writes", "Agents request changes; an approver confirms; the server executes exactly once."],
          ["Tamper-evident audit", "Every call, decision and execution is hash-chained and verifiable."],
        ].map(([title, text]) => (
          <div key={title} className="rounded-lg border border-slate-200 bg-white p-4">
            <h3 className="font-medium">{title}</h3>
            <p className="mt-1 text-sm text-slate-600">{text}</p>
          </div>
        ))}
      </section>

      <p className="mt-10 text-sm text-slate-500">
        Service status: <a className="text-indigo-600 underline" href="/api/health">/api/health</a>
      </p>
    </main>
  );
}
