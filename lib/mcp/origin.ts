// Which browser origins may call /api/mcp (DNS-rebinding and cross-site protection; requests
// without an Origin header — every non-browser MCP client — are not affected).
//
// - Always: the origins in SOCODE_ALLOWED_ORIGINS and the origin of SOCODE_PUBLIC_URL.
// - Loopback: when the public URL is unset or itself loopback, a request whose Host *and* Origin
//   are both loopback (localhost, 127.0.0.1 or [::1], any port) is a local client — the MCP
//   Inspector on its own port, a dev server on 127.0.0.1 while the public URL says localhost — and
//   is accepted, as the MCP security guidance on DNS rebinding describes. A rebinding page cannot
//   pass: its Host is the attacker's name, not a loopback one.
// - A deployment with a non-loopback public URL keeps its strict allowlist: no loopback exception
//   (behind a proxy on the same machine, "loopback" says nothing about who is calling).
// The request's own Host is deliberately not trusted as "same origin": under DNS rebinding the
// Host is the attacker's name too.

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The hostname of an `http(s)://host[:port]` origin or a `host[:port]` Host header, lower-cased; null when unparsable. */
function hostnameOf(value: string, kind: "origin" | "host"): string | null {
  try {
    const url = new URL(kind === "origin" ? value : `http://${value}`);
    if (kind === "origin" && url.protocol !== "http:" && url.protocol !== "https:") return null;
    if (kind === "origin" && url.origin !== value.toLowerCase()) return null;
    return url.hostname.toLowerCase();
  } catch {
    return null;
  }
}

export function isLoopbackOrigin(origin: string): boolean {
  const host = hostnameOf(origin, "origin");
  return host !== null && LOOPBACK_HOSTS.has(host);
}

export function isLoopbackHost(hostHeader: string | null): boolean {
  if (!hostHeader) return false;
  const host = hostnameOf(hostHeader, "host");
  return host !== null && LOOPBACK_HOSTS.has(host);
}

export type OriginPolicy = { publicUrl?: string; allowedOrigins: string };

/** Whether a browser request from `origin` to a server addressed as `hostHeader` may proceed. */
export function originAllowed(origin: string, hostHeader: string | null, policy: OriginPolicy): boolean {
  const allowed = new Set(policy.allowedOrigins.split(",").map((o) => o.trim().replace(/\/$/, "")).filter(Boolean));
  if (policy.publicUrl) allowed.add(new URL(policy.publicUrl).origin);
  if (allowed.has(origin)) return true;
  const publicIsLoopback = !policy.publicUrl || isLoopbackOrigin(new URL(policy.publicUrl).origin);
  return publicIsLoopback && isLoopbackHost(hostHeader) && isLoopbackOrigin(origin);
}
