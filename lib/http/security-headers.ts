// The headers every response carries, in one place for next.config.ts (which adds them to what
// Next.js serves) and for the routes bin/socode-server.mjs serves itself (lib/mcp/node-endpoint.ts).
import { contentSecurityPolicy } from "./content-security-policy";

export const SECURITY_HEADERS: readonly { key: string; value: string }[] = [
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

/** The policy for responses that never carry inline scripts (API routes, build assets). */
export function staticContentSecurityPolicy(development: boolean): { key: string; value: string } {
  return { key: "Content-Security-Policy", value: contentSecurityPolicy({ development }) };
}
