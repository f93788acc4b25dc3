// What tells apart a response the Next.js router served from one a Node endpoint served ahead of it
// (lib/http/node-endpoints.ts), and the headers both must carry on API routes. Used by the tests
// that compare each Node endpoint with its route.

/** The security headers Next.js adds to API routes (next.config.ts), which a Node endpoint adds too. */
export const API_SECURITY_HEADERS = ["content-security-policy", "cross-origin-opener-policy", "x-content-type-options", "referrer-policy", "x-frame-options", "permissions-policy"];

/** Next.js marks what its router served with an RSC `Vary`; a Node endpoint does not. */
export const servedByNext = (headers: Headers) => /next-router-state-tree/i.test(headers.get("vary") ?? "");
