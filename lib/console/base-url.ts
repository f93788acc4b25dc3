import { env } from "@/lib/env";

/** The URL clients should use: SOCODE_PUBLIC_URL when set, else the host the browser used. */
export function publicBaseUrl(headers: Pick<Headers, "get">): string {
  const configured = env().SOCODE_PUBLIC_URL;
  if (configured) return configured.replace(/\/+$/, "");
  const host = headers.get("x-forwarded-host") ?? headers.get("host") ?? `localhost:${env().PORT}`;
  const local = /^(localhost|127\.|\[::1\])/.test(host);
  const proto = headers.get("x-forwarded-proto") ?? (local ? "http" : "https");
  return `${proto}://${host}`;
}
