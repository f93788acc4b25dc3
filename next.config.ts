import type { NextConfig } from "next";

import { contentSecurityPolicy } from "./lib/http/content-security-policy";

// Content Security Policy: pages get theirs from proxy.ts, with a fresh nonce per response and no
// 'unsafe-inline' for scripts. Here, the policy for what the proxy does not run on (API routes,
// build assets): no inline script at all. Only `next dev` (NODE_ENV=development) relaxes it: a build
// made under any other NODE_ENV (the test harness builds under "test", an operator's "staging")
// keeps the strict policy.
const isDev = process.env.NODE_ENV === "development";

const securityHeaders = [
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];

const nextConfig: NextConfig = {
  // PGlite, its socket server and Prisma's WASM schema engine load .wasm/.data files at run time:
  // keep them out of the bundle.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "@electric-sql/pglite-socket",
    "pglite-prisma-adapter",
    "@prisma/schema-engine-wasm",
    "@node-rs/argon2",
  ],
  poweredByHeader: false,
  typedRoutes: false,
  async headers() {
    const staticPolicy = [{ key: "Content-Security-Policy", value: contentSecurityPolicy({ development: isDev }) }];
    return [
      { source: "/:path*", headers: securityHeaders },
      // The same paths proxy.ts leaves out, so a response never carries two policies.
      { source: "/api/:path*", headers: staticPolicy },
      { source: "/_next/:path*", headers: staticPolicy },
    ];
  },
};

export default nextConfig;
