// Opaque secrets: 32 random bytes behind a recognisable prefix, stored only as SHA-256 (a fast hash
// is right for 256-bit random secrets: nothing to brute-force; lookup by unique hash index).
import crypto from "node:crypto";

export function generateSecret(prefix: string): string {
  return prefix + crypto.randomBytes(32).toString("base64url");
}

export function hashSecret(secret: string): string {
  return crypto.createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Whether `value` has the shape of a secret with `prefix` (32 bytes base64url = 43 characters). */
export function hasSecretShape(value: string, prefix: string): boolean {
  return value.startsWith(prefix) && /^[A-Za-z0-9_-]{43}$/.test(value.slice(prefix.length));
}

/** RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))) === code_challenge, compared in constant time. */
export function verifyPkce(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(crypto.createHash("sha256").update(verifier, "ascii").digest("base64url"));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && crypto.timingSafeEqual(computed, expected);
}

/** RFC 7636 §4.1: 43–128 characters from the unreserved set. */
export const PKCE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge is the base64url of 32 bytes: 43 characters. */
export const PKCE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
