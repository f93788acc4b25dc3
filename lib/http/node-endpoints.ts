// Hot paths served straight from Node's HTTP server (bin/socode-server.mjs), ahead of the Next.js
// router, which costs about 1 ms of CPU per request before a route handler runs and reads bodies
// through Web streams (docs/benchmarks.md, "Hot path" and "Ingest"). Each such endpoint has a
// Next.js route with the same handler (written against HttpRequestView), so `next dev` and the
// first moments after start, before instrumentation.ts exposes the endpoints, are served the same.
//
// What Next.js adds to a route's responses is added here: the security headers and the static
// Content Security Policy (./security-headers.ts). Not added: gzip (these answers are JSON for
// programs; a proxy in front may compress) and Next's RSC `Vary` header (no pages are rendered).
import type { IncomingMessage, ServerResponse } from "node:http";
import { type CappedBody, nodeBodyChunks, readBodyCapped, readChunksCapped } from "./read-body";
import { SECURITY_HEADERS, staticContentSecurityPolicy } from "./security-headers";

/** The request as a handler reads it, whichever server delivered it. */
export type HttpRequestView = {
  method: string;
  /** The request target: path and query (the Host header is not part of it, and is not trusted here). */
  target: string;
  headers: Pick<Headers, "get">;
  /** The body, refused beyond maxBytes (./read-body.ts). */
  readBody(maxBytes: number): Promise<CappedBody>;
};

/** What a handler answers: plain data, written as a Web Response by the route or by writeAnswer here. */
export type HttpAnswer = { status: number; headers: Record<string, string>; body: string | null };

/** What bin/socode-server.mjs looks up on globalThis (plain JavaScript: it has no TypeScript loader). */
export type NodeEndpoint = {
  /** Whether this request is one the endpoint serves (its path, a method its route exports). */
  accepts(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
};

/** globalThis[NODE_ENDPOINTS]: the exposed endpoints by name, asked in turn for each request. */
export const NODE_ENDPOINTS = Symbol.for("socode.nodeEndpoints");

/** Makes `endpoint` available to bin/socode-server.mjs (instrumentation.ts, once the database is ready). */
export function exposeNodeEndpoint(name: string, endpoint: NodeEndpoint): void {
  const registry = globalThis as Record<symbol, Map<string, NodeEndpoint> | undefined>;
  (registry[NODE_ENDPOINTS] ??= new Map()).set(name, endpoint);
}

/** True when `req` uses one of `methods` on `path` exactly, with or without a query. */
export function requestsPath(req: IncomingMessage, methods: ReadonlySet<string>, path: string): boolean {
  const url = req.url ?? "";
  return methods.has(req.method ?? "") && url.startsWith(path) && (url.length === path.length || url[path.length] === "?");
}

/** A Next.js route's Web Request, as a handler reads it. */
export function webRequestView(request: Request): HttpRequestView {
  const url = new URL(request.url);
  return { method: request.method, target: url.pathname + url.search, headers: request.headers, readBody: (maxBytes) => readBodyCapped(request, maxBytes) };
}

/**
 * A Node request, as a handler reads it. Header values as a Web Request's `Headers` gives them
 * (repeated headers joined with ", ", which Node's `req.headers` does not do for all of them, e.g.
 * Authorization), read from the raw headers once, when first asked for.
 */
export function nodeRequestView(req: IncomingMessage): HttpRequestView {
  let byName: Map<string, string> | undefined;
  const headers = {
    get(name: string): string | null {
      if (!byName) {
        byName = new Map();
        const raw = req.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const key = (raw[i] as string).toLowerCase();
          const seen = byName.get(key);
          byName.set(key, seen === undefined ? (raw[i + 1] as string) : `${seen}, ${raw[i + 1] as string}`);
        }
      }
      return byName.get(name.toLowerCase()) ?? null;
    },
  };
  return {
    method: req.method ?? "GET",
    target: req.url ?? "/",
    headers,
    readBody: (maxBytes) => readChunksCapped(headers.get("content-length"), nodeBodyChunks(req), maxBytes),
  };
}

const FIXED_HEADERS: [string, string][] = [...SECURITY_HEADERS, staticContentSecurityPolicy(process.env.NODE_ENV === "development")].map(({ key, value }) => [key, value]);

/** Writes `answer` with the headers Next.js would have added. */
export function writeAnswer(res: ServerResponse, answer: HttpAnswer): void {
  const headers: string[] = FIXED_HEADERS.flat();
  for (const [key, value] of Object.entries(answer.headers)) headers.push(key, value);
  if (answer.body !== null) headers.push("content-length", String(Buffer.byteLength(answer.body)));
  res.writeHead(answer.status, headers);
  res.end(answer.body ?? undefined);
}

/** For a handler that threw (a bug: handlers answer their own failures): a 500 with `body`, or the connection dropped if the head was sent. */
export function writeFailure(res: ServerResponse, body: string): void {
  if (res.headersSent) return void res.destroy();
  writeAnswer(res, { status: 500, headers: { "content-type": "application/json", "cache-control": "no-store" }, body });
}
