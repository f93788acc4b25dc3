// HTTP plumbing shared by the ingest endpoints: JSON answers with a stable error code, the ingest
// key check (audited when refused) and the capped body read. Route handlers stay one line.
import crypto from "node:crypto";
import { audit, type AuditEventInput } from "@/lib/audit/record-audit-event";
import type { Db } from "@/lib/db/client";
import { getReadyDb } from "@/lib/db/ready";
import { env } from "@/lib/env";
import type { HttpRequestView } from "@/lib/http/node-endpoints";
import type { CappedBody } from "@/lib/http/read-body";

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers } });
}

export function ingestError(status: number, code: string, message: string, requestId: string, headers: Record<string, string> = {}): Response {
  return json(status, { error: { code, message }, requestId }, headers);
}

export function maxBodyBytes(): number {
  return Math.floor(env().SOCODE_INGEST_MAX_BODY_MB * 1024 * 1024);
}

export type IngestContext = { db: Db; requestId: string; started: number };

/** Opens the database for a request, or answers 503. */
export async function ingestContext(): Promise<IngestContext | Response> {
  const requestId = crypto.randomUUID();
  try {
    return { db: await getReadyDb(), requestId, started: performance.now() };
  } catch (err) {
    console.error("[socode] /api/ingest: database unavailable", err);
    return ingestError(503, "database_unavailable", "The service's database is unavailable; try again shortly.", requestId, { "Retry-After": "5" });
  }
}

/** Records a refused request (before any batch ran) and returns the response. */
export async function refuse(
  ctx: IngestContext,
  response: Response,
  event: Omit<AuditEventInput, "surface" | "requestId" | "latencyMs" | "outcome"> & { outcome?: AuditEventInput["outcome"] },
): Promise<Response> {
  await audit(ctx.db, { outcome: "denied", ...event, surface: "ingest", requestId: ctx.requestId, latencyMs: Math.round(performance.now() - ctx.started) });
  return response;
}

/** Reads the body as UTF-8 under the configured cap: 413 without reading past the cap, 400 for bad bytes. */
export async function readIngestBody(request: HttpRequestView, requestId: string): Promise<{ ok: true; text: string; bytes: Buffer } | { ok: false; response: Response; code: string }> {
  const max = maxBodyBytes();
  let body: CappedBody;
  try {
    body = await request.readBody(max);
  } catch {
    return { ok: false, code: "body_incomplete", response: ingestError(400, "body_incomplete", "The request body ended before it was complete.", requestId) };
  }
  if (!body.ok) {
    const message = `The body exceeds ${max} bytes (SOCODE_INGEST_MAX_BODY_MB). Split it into batches, or import the file with \`npx socode ingest\`.`;
    return { ok: false, code: "body_too_large", response: ingestError(413, "body_too_large", message, requestId) };
  }
  try {
    return { ok: true, bytes: body.bytes, text: new TextDecoder("utf-8", { fatal: true }).decode(body.bytes) };
  } catch {
    return { ok: false, code: "invalid_utf8", response: ingestError(400, "invalid_utf8", "The body is not valid UTF-8.", requestId) };
  }
}
