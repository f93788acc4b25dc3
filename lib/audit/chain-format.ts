// The audit chain's format, by version. Every version's rows keep verifying; new events are written
// in CURRENT_HASH_VERSION.
//   1: hash = SHA-256(canonical JSON of every field, seq and prev_hash included), computed in the app.
//   2: hash = SHA-256(prev_hash ":" seq ":" content digest), computed in the database by the retired
//      socode_audit_append; the content digest is SHA-256 of the canonical JSON without seq/prev_hash.
//   3: the same link hash as version 2, computed in the app under the chain lock, plus
//      mac = HMAC-SHA256 of the link hash under the audit key named by mac_key_id (./audit-keys.ts).
import crypto from "node:crypto";
import { canonicalJson } from "./canonical-json";

export const GLOBAL_CHAIN = "_global";
export const GENESIS_HASH = "0".repeat(64);
export const CURRENT_HASH_VERSION = 3;

/** The fields a version-1 hash covers, in a fixed form (versions 2 and 3 digest the same minus seq and prevHash). */
export type HashedFields = {
  chain: string;
  seq: string;
  tenantId: string | null;
  occurredAt: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  surface: string;
  action: string;
  target: string | null;
  arguments: unknown;
  outcome: string;
  errorCode: string | null;
  latencyMs: number | null;
  requestId: string | null;
  writeRequestId: string | null;
  clientName: string | null;
  clientVersion: string | null;
  prevHash: string;
};

/** The hashed fields without the chain position. */
export type ContentFields = Omit<HashedFields, "seq" | "prevHash">;

/** Version 1. */
export function auditHash(fields: HashedFields): string {
  return crypto.createHash("sha256").update(canonicalJson(fields)).digest("hex");
}

/** Versions 2 and 3: SHA-256 of the canonical JSON of the content. */
export function auditContentDigest(fields: ContentFields): string {
  return crypto.createHash("sha256").update(canonicalJson(fields)).digest("hex");
}

/** Versions 2 and 3: the link from the previous event's hash, the position and the content digest. */
export function auditLinkHash(prevHash: string, seq: string, contentDigest: string): string {
  return crypto.createHash("sha256").update(`${prevHash}:${seq}:${contentDigest}`, "utf8").digest("hex");
}
