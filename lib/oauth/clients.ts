// OAuth clients: registered through RFC 7591 dynamic client registration, or identified by a Client
// ID Metadata Document (the client_id is an https URL serving a JSON document with client_name and
// redirect_uris). Every client is public (token_endpoint_auth_method "none"): MCP clients run on
// people's machines and cannot keep a secret, so PKCE is what binds a code to its client.
import dns from "node:dns/promises";
import net from "node:net";
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { env } from "@/lib/env";
import type { OAuthClient, Prisma } from "@/lib/generated/prisma/client";
import { CLIENT_ID_PREFIX } from "./config";
import { OAuthError } from "./errors";
import { generateSecret } from "./secrets";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
export const MAX_REDIRECT_URIS = 10;
export const METADATA_FETCH_TIMEOUT_MS = 5_000;
export const METADATA_MAX_BYTES = 64 * 1024;
/** A fetched metadata document is reused this long before it is fetched again. */
export const METADATA_CACHE_MS = 10 * 60_000;

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Why a redirect URI is refused, or null when it is acceptable: https anywhere, http only to loopback, no fragment. */
export function redirectUriProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not an absolute URL`;
  }
  if (url.hash || value.includes("#")) return `"${value}" must not contain a fragment`;
  if (url.username || url.password) return `"${value}" must not contain credentials`;
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:") return isLoopbackHost(url.hostname) ? null : `"${value}" uses http: only loopback addresses (127.0.0.1, [::1], localhost) may use http`;
  return `"${value}" must use https (or http to a loopback address)`;
}

const RedirectUriSchema = z
  .string()
  .max(2000)
  .superRefine((v, ctx) => {
    const problem = redirectUriProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const ClientNameSchema = z.string().trim().min(1).max(100);

/** RFC 7591 registration request: what we use is validated, the rest is ignored. */
export const RegistrationRequestSchema = z.object({
  redirect_uris: z.array(RedirectUriSchema).min(1).max(MAX_REDIRECT_URIS),
  client_name: ClientNameSchema.optional(),
  client_uri: z.string().url().max(2000).optional(),
  grant_types: z.array(z.string().max(100)).max(10).optional(),
  response_types: z.array(z.string().max(100)).max(10).optional(),
  token_endpoint_auth_method: z.string().max(100).optional(),
  scope: z.string().max(1000).optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(100).optional(),
});

export type RegistrationResponse = {
  client_id: string;
  client_id_issued_at: number;
  client_name: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: "none";
  client_uri?: string;
};

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid metadata";
  return `${issue.path.length ? issue.path.join(".") : "body"}: ${issue.message}`;
}

/** Registers a public client (RFC 7591). Only the authorization code grant with refresh tokens is offered. */
export async function registerClient(db: Pick<Db, "oAuthClient">, body: unknown, now: Date = new Date()): Promise<{ client: OAuthClient; response: RegistrationResponse }> {
  const parsed = RegistrationRequestSchema.safeParse(body);
  if (!parsed.success) {
    const redirectIssue = parsed.error.issues.find((i) => i.path[0] === "redirect_uris");
    throw new OAuthError(redirectIssue ? "invalid_redirect_uri" : "invalid_client_metadata", firstIssue(parsed.error));
  }
  const req = parsed.data;
  const unsupportedGrant = (req.grant_types ?? []).find((g) => g !== "authorization_code" && g !== "refresh_token");
  if (unsupportedGrant) throw new OAuthError("invalid_client_metadata", `grant_types: "${unsupportedGrant}" is not supported; use authorization_code and refresh_token.`);
  const unsupportedResponse = (req.response_types ?? []).find((r) => r !== "code");
  if (unsupportedResponse) throw new OAuthError("invalid_client_metadata", `response_types: "${unsupportedResponse}" is not supported; use code.`);
  const name = req.client_name ?? new URL(req.redirect_uris[0] ?? "http://localhost").host;
  const client = await db.oAuthClient.create({
    data: {
      clientId: generateSecret(CLIENT_ID_PREFIX),
      kind: "dynamic",
      name,
      redirectUris: [...new Set(req.redirect_uris)],
      clientUri: req.client_uri ?? null,
      metadata: { ...req } as Prisma.InputJsonValue,
      createdAt: now,
    },
  });
  return {
    client,
    response: {
      client_id: client.clientId,
      client_id_issued_at: Math.floor(client.createdAt.getTime() / 1000),
      client_name: client.name,
      redirect_uris: client.redirectUris,
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      ...(client.clientUri ? { client_uri: client.clientUri } : {}),
    },
  };
}

// ───────────── Client ID Metadata Documents ─────────────

const MetadataDocumentSchema = z.object({
  client_id: z.string(),
  client_name: ClientNameSchema,
  redirect_uris: z.array(RedirectUriSchema).min(1).max(MAX_REDIRECT_URIS),
  client_uri: z.string().url().max(2000).optional(),
  token_endpoint_auth_method: z.string().max(100).optional(),
});

/** Whether a client_id names a metadata document (an URL) rather than a registered client. */
export function isMetadataDocumentClientId(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId);
}

function allowsInsecureMetadataUrls(): boolean {
  return env().NODE_ENV !== "production";
}

/** Checks a metadata-document client_id URL: https with a path; http to loopback only outside production. */
export function metadataUrlProblem(clientId: string): string | null {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return "client_id is not a valid URL";
  }
  if (url.hash || url.username || url.password) return "client_id URL must not contain a fragment or credentials";
  if (url.pathname === "/" || url.pathname === "") return "client_id URL must have a path";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname) && allowsInsecureMetadataUrls()) return null;
  return "client_id URL must use https";
}

function isPrivateAddress(address: string): boolean {
  if (net.isIPv4(address)) {
    const [a = 0, b = 0] = address.split(".").map(Number);
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  const v6 = address.toLowerCase();
  if (v6.startsWith("::ffff:")) return isPrivateAddress(v6.slice(7));
  return v6 === "::1" || v6 === "::" || v6.startsWith("fc") || v6.startsWith("fd") || v6.startsWith("fe80");
}

/** Refuses (outside development) metadata URLs whose host resolves to a private or loopback address. */
async function assertPublicHost(url: URL): Promise<void> {
  if (allowsInsecureMetadataUrls()) return;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = net.isIP(host) ? [host] : (await dns.lookup(host, { all: true })).map((a) => a.address);
  if (addresses.length === 0 || addresses.some(isPrivateAddress)) {
    throw new OAuthError("invalid_client", "The client's metadata document URL resolves to a private address.");
  }
}

async function fetchMetadataDocument(clientId: string): Promise<z.infer<typeof MetadataDocumentSchema>> {
  const url = new URL(clientId);
  try {
    await assertPublicHost(url);
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    throw new OAuthError("invalid_client", "The client's metadata document host could not be resolved.");
  }
  let response: Response;
  try {
    response = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(METADATA_FETCH_TIMEOUT_MS), headers: { Accept: "application/json" } });
  } catch {
    throw new OAuthError("invalid_client", `The client's metadata document could not be fetched from ${url.origin} (timeout ${METADATA_FETCH_TIMEOUT_MS / 1000} s, redirects not followed).`);
  }
  if (!response.ok) throw new OAuthError("invalid_client", `The client's metadata document answered HTTP ${response.status}.`);
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > METADATA_MAX_BYTES) throw new OAuthError("invalid_client", `The client's metadata document exceeds ${METADATA_MAX_BYTES} bytes.`);
  const reader = response.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > METADATA_MAX_BYTES) {
        await reader.cancel();
        throw new OAuthError("invalid_client", `The client's metadata document exceeds ${METADATA_MAX_BYTES} bytes.`);
      }
      chunks.push(value);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new OAuthError("invalid_client", "The client's metadata document is not JSON.");
  }
  const parsed = MetadataDocumentSchema.safeParse(json);
  if (!parsed.success) throw new OAuthError("invalid_client", `The client's metadata document is invalid: ${firstIssue(parsed.error)}.`);
  if (parsed.data.client_id !== clientId) throw new OAuthError("invalid_client", "The client's metadata document names a different client_id than its own URL.");
  const method = parsed.data.token_endpoint_auth_method;
  if (method && method !== "none") throw new OAuthError("invalid_client", `token_endpoint_auth_method "${method}" is not supported; this server accepts public clients ("none") with PKCE.`);
  return parsed.data;
}

/**
 * The client a client_id names: a registered client from the database, or a metadata document
 * fetched (and cached for METADATA_CACHE_MS) from its URL. Throws invalid_client.
 */
export async function resolveClient(db: Pick<Db, "oAuthClient">, clientId: string, now: Date = new Date()): Promise<OAuthClient> {
  if (!clientId || clientId.length > 2000) throw new OAuthError("invalid_client", "client_id is missing or too long.");
  if (!isMetadataDocumentClientId(clientId)) {
    const client = await db.oAuthClient.findUnique({ where: { clientId } });
    if (!client || client.kind !== "dynamic") throw new OAuthError("invalid_client", "Unknown client_id. Register the client first (dynamic client registration) or use a client ID metadata document URL.");
    return client;
  }
  const problem = metadataUrlProblem(clientId);
  if (problem) throw new OAuthError("invalid_client", problem);
  const cached = await db.oAuthClient.findUnique({ where: { clientId } });
  if (cached && cached.fetchedAt && now.getTime() - cached.fetchedAt.getTime() < METADATA_CACHE_MS) return cached;
  const doc = await fetchMetadataDocument(clientId);
  const data = {
    name: doc.client_name,
    redirectUris: [...new Set(doc.redirect_uris)],
    clientUri: doc.client_uri ?? null,
    metadata: { ...doc } as Prisma.InputJsonValue,
    fetchedAt: now,
  };
  return db.oAuthClient.upsert({ where: { clientId }, create: { clientId, kind: "metadata_document", ...data }, update: data });
}

/** Exact, character-for-character matching (OAuth 2.1 §4.1.3): no prefix or pattern matching. */
export function redirectUriRegistered(client: Pick<OAuthClient, "redirectUris">, redirectUri: string): boolean {
  return client.redirectUris.includes(redirectUri);
}
