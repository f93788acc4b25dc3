import type { NextConfig } from "next";

import { SECURITY_HEADERS, staticContentSecurityPolicy } from "./lib/http/security-headers";

// Content Security Policy: pages get theirs from proxy.ts, with a fresh nonce per response and no
// 'unsafe-inline' for scripts. Here, the policy for what the proxy does not run on (API routes,
// build assets): no inline script at all. Only `next dev` (NODE_ENV=development) relaxes it: a build
// made under any other NODE_ENV (the test harness builds under "test", an operator's "staging")
// keeps the strict policy.
const isDev = process.env.NODE_ENV === "development";

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
  // `next dev`'s indicator sits bottom-left by default, over the console sidebar's "Sign out" links.
  devIndicators: { position: "bottom-right" },
  typedRoutes: false,
  async headers() {
    const staticPolicy = [staticContentSecurityPolicy(isDev)];
    return [
      { source: "/:path*", headers: [...SECURITY_HEADERS] },
      // The same paths proxy.ts leaves out, so a response never carries two policies.
      { source: "/api/:path*", headers: staticPolicy },
      { source: "/_next/:path*", headers: staticPolicy },
    ];
  },
};

export default nextConfig;
