// POST /api/ingest/v1/{kind}: authenticate the ingest key, check the tenant it names (optional
// ?tenant= guard), read the body under its cap, parse NDJSON or JSON, run the batch, answer with
// the batch report (200 when written, 422 when refused, nothing written).
import { z } from "zod";
import type { HttpRequestView } from "@/lib/http/node-endpoints";
import { noteUse } from "@/lib/auth/last-used";
import { describeIngestKeyRejection, verifyIngestKey } from "./ingest-keys";
import { ingestBatch, SOURCE_NAME_PATTERN } from "./ingest-batch";
import { ingestContext, ingestError, json, readIngestBody, refuse } from "./http";
import { formatOf, parseBatch } from "./parse-batch";
import { IngestKindSchema, INGEST_KINDS } from "./records";

const QuerySchema = z.object({
  source: z.string().regex(SOURCE_NAME_PATTERN, "source is 1–63 lowercase letters, digits, '.', '_' or '-', e.g. pos").default("api"),
  tenant: z.string().min(1).max(40).optional(),
  partial: z.enum(["true", "false"]).optional(),
});

/** `request`: the route's Web Request or Node's request (./node-endpoint.ts), as a view. */
export async function handleIngestBatchRequest(request: HttpRequestView, kindParam: string): Promise<Response> {
  const ctx = await ingestContext();
  if (ctx instanceof Response) return ctx;
  const { db, requestId } = ctx;
  try {
    const kind = IngestKindSchema.safeParse(kindParam);
    if (!kind.success) return ingestError(404, "unknown_kind", `No ingest endpoint for "${kindParam}". Endpoints: ${INGEST_KINDS.map((k) => `/api/ingest/v1/${k}`).join(", ")}.`, requestId);

    const now = new Date();
    const auth = await verifyIngestKey(db, request.headers.get("authorization"), now);
    if (!auth.ok) {
      const { status, message } = describeIngestKeyRejection(auth.reason);
      const headers: Record<string, string> = status === 401 ? { "WWW-Authenticate": 'Bearer realm="socode-ingest"' } : {};
      return refuse(ctx, ingestError(status, `auth_${auth.reason}`, message, requestId, headers), {
        tenantId: auth.key?.tenantId ?? null,
        actorType: auth.key ? "key" : "anonymous",
        actorId: auth.key?.id ?? null,
        action: "ingest.authenticate",
        errorCode: `auth_${auth.reason}`,
      });
    }
    const { key, tenant } = auth;
    noteUse(db, { keyId: key.id, stored: key.lastUsedAt }, now);
    const actor = { tenantId: tenant.id, actorType: "key" as const, actorId: key.id, actorLabel: `${key.name} (${key.displayPrefix}…)`, action: `ingest.${kind.data}` };

    const url = new URL(request.target, "http://ingest.invalid");
    const query = QuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) {
      const issue = query.error.issues[0];
      return refuse(ctx, ingestError(400, "invalid_query", `${issue?.path.join(".")}: ${issue?.message}`, requestId), { ...actor, errorCode: "invalid_query" });
    }
    if (query.data.tenant && query.data.tenant !== tenant.slug) {
      return refuse(ctx, ingestError(403, "tenant_mismatch", `This ingest key belongs to another tenant than "${query.data.tenant}"; use that tenant's ingest key.`, requestId), {
        ...actor,
        target: `tenant:${query.data.tenant}`,
        errorCode: "tenant_mismatch",
      });
    }
    const format = formatOf(request.headers.get("content-type"));
    if (!format) {
      return refuse(ctx, ingestError(415, "unsupported_media_type", "Send Content-Type application/x-ndjson (one record per line) or application/json (an array of records).", requestId), {
        ...actor,
        errorCode: "unsupported_media_type",
      });
    }
    const body = await readIngestBody(request, requestId);
    if (!body.ok) return refuse(ctx, body.response, { ...actor, errorCode: body.code });
    const parsed = parseBatch(body.text, format);
    if (!parsed.ok) return refuse(ctx, ingestError(400, parsed.code, parsed.message, requestId), { ...actor, errorCode: parsed.code });

    const report = await ingestBatch(db, {
      tenant,
      kind: kind.data,
      source: query.data.source,
      rows: parsed.rows,
      partial: query.data.partial === "true" || parsed.partial === true,
      actor: { type: "key", id: key.id, label: actor.actorLabel },
      surface: "ingest",
      requestId,
    });
    return json(report.outcome === "rejected" ? 422 : 200, { ...report, requestId });
  } catch (err) {
    console.error(`[socode] /api/ingest request ${requestId} failed`, err);
    return ingestError(500, "internal_error", `The batch could not be processed; nothing was written. Quote request id ${requestId} when reporting it.`, requestId);
  }
}
