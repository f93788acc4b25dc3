// Which HTTP methods each route answers, checked before a request reaches Next.js (see
// bin/socode-server.mjs). Next.js itself turns TRACE on a route handler into a 500 (a Web Request
// cannot carry TRACE), renders pages for PUT/PATCH/DELETE/TRACE as if they were GET, answers 405
// without the Allow header HTTP requires, and drops CONNECT without a word. Here every method a
// route does not answer gets 405 with Allow.
//
// Plain JavaScript: the production server imports it without a TypeScript loader. Route handlers
// are listed with the methods their app/**/route.ts exports; lib/http/allowed-methods.test.ts fails
// when a route file and this list disagree.

/** A route handler's path pattern (`*` is one path segment) and the methods its route.ts exports. */
export const ROUTE_HANDLERS = [
  ["/.well-known/oauth-authorization-server", ["GET", "OPTIONS"]],
  ["/.well-known/oauth-protected-resource", ["GET", "OPTIONS"]],
  ["/.well-known/oauth-protected-resource/api/mcp", ["GET", "OPTIONS"]],
  ["/api/auth/**", ["GET", "POST"]],
  ["/api/console/*/approvals", ["GET"]],
  ["/api/console/*/ingest", ["POST"]],
  ["/api/console/*/skill", ["GET"]],
  ["/api/health", ["GET"]],
  ["/api/ingest/v1/*", ["POST"]],
  ["/api/ingest/v1/webhooks/shopify/*", ["POST"]],
  ["/api/mcp", ["GET", "POST", "DELETE"]],
  ["/api/slack/commands", ["POST"]],
  ["/api/slack/events", ["POST"]],
  ["/api/slack/install", ["GET"]],
  ["/api/slack/interactions", ["POST"]],
  ["/api/slack/oauth/callback", ["GET"]],
  ["/oauth/authorize", ["GET"]],
  ["/oauth/register", ["POST", "OPTIONS"]],
  ["/oauth/revoke", ["POST", "OPTIONS"]],
  ["/oauth/token", ["POST", "OPTIONS"]],
  ["/t/*/audit/export", ["GET"]],
];

/** Pages: read (GET, HEAD) and server actions (POST); OPTIONS is answered here. */
export const PAGE_METHODS = ["GET", "HEAD", "POST", "OPTIONS"];

function matches(pattern, pathname) {
  const want = pattern.split("/");
  const got = pathname.split("/");
  for (let i = 0; i < want.length; i++) {
    if (want[i] === "**") return got.length > i;
    if (i >= got.length) return false;
    if (want[i] !== "*" && want[i] !== got[i]) return false;
  }
  return want.length === got.length;
}

/**
 * The methods `pathname` answers, and whether it is a route handler (Next.js answers OPTIONS and
 * HEAD for those itself) or a page (also any unknown path: Next.js answers its 404).
 */
export function allowedMethods(pathname) {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  const route = ROUTE_HANDLERS.find(([pattern]) => matches(pattern, path));
  if (!route) return { kind: "page", methods: PAGE_METHODS };
  const methods = new Set(route[1]);
  // Next.js answers HEAD wherever there is a GET, and OPTIONS wherever the route has none of its own.
  if (methods.has("GET")) methods.add("HEAD");
  methods.add("OPTIONS");
  const order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
  return { kind: "route", methods: order.filter((m) => methods.has(m)) };
}

function pathnameOf(url) {
  try {
    return new URL(url ?? "/", "http://socode.invalid").pathname;
  } catch {
    return "/";
  }
}

/**
 * The path and methods of a request target, remembered per target: every request passes here, and
 * most of them ask for the same few (/api/mcp above all). Bounded; forgotten all at once when full.
 */
const ROUTES_REMEMBERED = 1024;
const routesByTarget = new Map();
function routeOf(target) {
  let route = routesByTarget.get(target);
  if (!route) {
    const pathname = pathnameOf(target);
    route = { pathname, ...allowedMethods(pathname) };
    if (routesByTarget.size >= ROUTES_REMEMBERED) routesByTarget.clear();
    routesByTarget.set(target, route);
  }
  return route;
}

function refusal(method, pathname, allow) {
  return JSON.stringify({
    error: "method_not_allowed",
    message: `${method} is not supported on ${pathname}; use ${allow.join(", ")}.`,
  });
}

/**
 * Answers the request when its method is not one the route answers (405 with Allow), or an OPTIONS
 * on a page (204 with Allow). Returns true when it answered; otherwise Next.js handles the request.
 */
export function answerUnsupportedMethod(req, res) {
  const method = (req.method ?? "GET").toUpperCase();
  const { pathname, kind, methods } = routeOf(req.url ?? "/");
  if (kind === "page" && method === "OPTIONS") {
    res.writeHead(204, { Allow: methods.join(", "), "Cache-Control": "no-store" });
    res.end();
    return true;
  }
  if (methods.includes(method)) return false;
  const body = refusal(method, pathname, methods);
  res.writeHead(405, {
    Allow: methods.join(", "),
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  res.end(method === "HEAD" ? undefined : body);
  return true;
}

/** CONNECT never reaches a request handler (Node emits "connect"): answer 405 on the raw socket. */
export function answerConnect(req, socket) {
  const target = req.url ?? "/";
  const pathname = target.startsWith("/") ? pathnameOf(target) : "/";
  const { methods } = allowedMethods(pathname);
  const body = refusal("CONNECT", target.startsWith("/") ? pathname : "this server", methods);
  socket.on("error", () => {});
  socket.end(
    `HTTP/1.1 405 Method Not Allowed\r\nAllow: ${methods.join(", ")}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}
