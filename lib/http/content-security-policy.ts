// The Content Security Policy, in one place for next.config.ts (routes the proxy does not run on)
// and proxy.ts (pages, each response with a fresh nonce).
//
// Scripts never run inline without the request's nonce: pages render dynamically, Next.js puts the
// nonce it finds in the request's CSP header on its own bootstrap scripts, and 'strict-dynamic'
// lets those load the app's chunks. An injected <script> (stored XSS that got past escaping) has no
// nonce and does not run. Styles keep 'unsafe-inline': the charts and React set style attributes,
// which nonces cannot cover, and a style cannot run code.
import crypto from "node:crypto";

export type PolicyOptions = {
  /** Per-request nonce for pages; omitted for responses that never carry inline scripts (APIs, assets). */
  nonce?: string;
  /** `next dev` only: React's dev tooling needs eval and the HMR websocket. */
  development: boolean;
};

export function contentSecurityPolicy({ nonce, development }: PolicyOptions): string {
  const scripts = nonce ? ["'self'", `'nonce-${nonce}'`, "'strict-dynamic'"] : ["'self'"];
  if (development) scripts.push("'unsafe-eval'");
  return [
    "default-src 'self'",
    `script-src ${scripts.join(" ")}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${development ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** 128 random bits, base64: unguessable, and fresh for every response. */
export function newNonce(): string {
  return crypto.randomBytes(16).toString("base64");
}
