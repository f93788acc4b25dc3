import { randomUUID } from "node:crypto";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID string; used before comparing user input with uuid columns. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A new UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Rows created in
 * bulk outside Prisma (ingest) get the same time-ordered ids Prisma's uuid(7) default gives. The
 * random part is a version 4 UUID's (Node's `randomUUID`, which draws from a buffered entropy
 * pool): v4 and v7 share the layout after the time — 12 random bits after the version digit, the
 * variant bits, 62 random bits — so only the time and the version digit are replaced.
 */
export function newUuid7(now: number = Date.now()): string {
  return `${timePrefix(now)}7${randomUUID().slice(15)}`;
}

// Formatting the time costs more than the rest of the id; bulk inserts make many ids per millisecond.
let prefixMs = -1;
let prefix = "";
function timePrefix(ms: number): string {
  if (ms !== prefixMs) {
    if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new RangeError(`uuid7 needs a millisecond time within 48 bits, not ${ms}`);
    const hex = ms.toString(16).padStart(12, "0");
    prefix = `${hex.slice(0, 8)}-${hex.slice(8)}-`;
    prefixMs = ms;
  }
  return prefix;
}
