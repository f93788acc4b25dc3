const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID string; used before comparing user input with uuid columns. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A new UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Rows created in
 * bulk outside Prisma (ingest) get the same time-ordered ids Prisma's uuid(7) default gives.
 */
export function newUuid7(now: number = Date.now()): string {
  const bytes = randomBytes16();
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Random bytes drawn from a pool refilled 4 KiB at a time: a bulk insert needs thousands of ids and
// one getRandomValues call per id costs more than the rest of the id.
let pool = new Uint8Array(0);
let poolOffset = 0;
function randomBytes16(): Uint8Array {
  if (poolOffset + 16 > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(4096));
    poolOffset = 0;
  }
  poolOffset += 16;
  return pool.slice(poolOffset - 16, poolOffset);
}
