// The audit log's keyed anchor. The hash chain alone proves order and content only against someone
// who cannot recompute it; a database superuser can. So every version-3 event also carries an
// HMAC-SHA256 of its link hash under a key the database never sees (SOCODE_AUDIT_KEYS, or a key
// generated in the data folder), and the signed checkpoints (./checkpoints.ts) use the same keys.
// The first key signs; every listed key verifies, so a key is rotated by putting the new one first
// and keeping the old one until its events no longer need verifying.
import crypto from "node:crypto";
import { env, type Env } from "@/lib/env";
import { auditKeySource, type AuditKeyMaterial } from "@/lib/secrets";

export type AuditKeyring = {
  signing: AuditKeyMaterial;
  /** Every configured key by id (the signing key included). */
  verifying: ReadonlyMap<string, Buffer>;
  source: "environment" | "data-folder";
};

// Domain separation: an event MAC can never be replayed as a checkpoint signature, or the reverse.
const EVENT_LABEL = "socode audit event v3\n";
const CHECKPOINT_LABEL = "socode audit checkpoint v1\n";

let cached: { env: Env; ring: AuditKeyring } | undefined;
// On globalThis: Next.js loads this module more than once per process, and the warning is said once.
const globalForKeys = globalThis as unknown as { socodeAuditKeyWarned?: boolean };

/** The configured keyring (cached until the environment is re-read). Throws when the keys are invalid. */
export function auditKeyring(): AuditKeyring {
  const e = env();
  if (cached?.env === e) return cached.ring;
  const source = auditKeySource();
  const signing = source.keys[0];
  if (!signing) throw new Error("no audit key configured");
  if (source.source === "data-folder" && e.NODE_ENV === "production" && !globalForKeys.socodeAuditKeyWarned) {
    globalForKeys.socodeAuditKeyWarned = true;
    console.warn(
      `[socode] SOCODE_AUDIT_KEYS is not set: audit events are signed with the key generated in ${source.file}. ` +
        "Set SOCODE_AUDIT_KEYS (id:base64 secret, e.g. k1:$(openssl rand -base64 32)) so every instance shares a key kept outside the host.",
    );
  }
  const ring: AuditKeyring = { signing, verifying: new Map(source.keys.map((k) => [k.id, k.secret])), source: source.source };
  cached = { env: e, ring };
  return ring;
}

function hmac(secret: Buffer, message: string): string {
  return crypto.createHmac("sha256", secret).update(message, "utf8").digest("hex");
}

/** The MAC a version-3 event carries over its link hash. */
export function auditEventMac(secret: Buffer, linkHash: string): string {
  return hmac(secret, EVENT_LABEL + linkHash);
}

/** The signature of a checkpoint's canonical body. */
export function auditCheckpointMac(secret: Buffer, canonicalBody: string): string {
  return hmac(secret, CHECKPOINT_LABEL + canonicalBody);
}

/** Constant-time comparison of two hex MACs. */
export function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
