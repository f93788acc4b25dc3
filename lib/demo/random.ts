// Seeded randomness for the demo data. Everything the generator makes — ids included — comes from
// here, so the same seed gives byte-identical rows. Never use Math.random or crypto.randomUUID in
// lib/demo.

/** 32-bit integer hash (murmur3's finaliser); good avalanche, used to derive streams and stable ids. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Stable 32-bit hash of a string (FNV-1a, then mixed). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A small, fast PRNG (sfc32) with the helpers the generator needs. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` and `stream` select independent sequences (e.g. one stream per tenant). */
  constructor(seed: number, stream: string) {
    const s = hashString(stream);
    this.a = mix32(seed ^ 0x9e3779b9);
    this.b = mix32(s ^ 0x243f6a88);
    this.c = mix32((seed + s) ^ 0xb7e15162);
    this.d = 1;
    for (let i = 0; i < 16; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Integer in [min, max], inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Index into `cumulative` (ascending, last element = total) chosen proportionally to the weights. */
  pickCumulative(cumulative: ArrayLike<number>): number {
    const total = cumulative[cumulative.length - 1] ?? 0;
    const x = this.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x < (cumulative[mid] ?? 0)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** A UUIDv7-shaped id: `ms` as the timestamp, the rest from this generator. */
  uuid7(ms: number): string {
    return formatUuid7(ms, this.uint32(), this.uint32(), this.uint32());
  }
}

/** Cumulative sums of `weights`, for SeededRandom.pickCumulative. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += w;
    out[i] = sum;
  });
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex32(x: number): string {
  return (
    (HEX[(x >>> 24) & 0xff] ?? "") + (HEX[(x >>> 16) & 0xff] ?? "") + (HEX[(x >>> 8) & 0xff] ?? "") + (HEX[x & 0xff] ?? "")
  );
}

/**
 * A UUID in the v7 layout (RFC 9562): 48-bit Unix milliseconds, version 7, variant 10, and 74 bits
 * taken from r1–r3. Time-ordered ids keep the primary-key indexes append-mostly during the seed.
 */
export function formatUuid7(ms: number, r1: number, r2: number, r3: number): string {
  const high = Math.floor(ms / 4294967296) & 0xffff;
  const low = ms >>> 0;
  const t = hex32(low);
  const a = hex32(high).slice(4) + t.slice(0, 4);
  const versionAndRandA = (0x7000 | (r1 & 0x0fff)).toString(16);
  const variantAndRandB = (0x8000 | ((r1 >>> 12) & 0x3fff)).toString(16);
  return `${a}-${t.slice(4)}-${versionAndRandA}-${variantAndRandB}-${hex32(r2).slice(0, 4)}${hex32(r3)}`;
}

/**
 * A stable id for item `index` of a kind (e.g. members) without storing it: hashed, not drawn.
 * The last 32 bits are a bijection of `index` (mix32 is invertible), so ids of one kind never collide.
 */
export function stableUuid7(ms: number, salt: number, index: number): string {
  const unique = mix32((index ^ salt) >>> 0);
  const r1 = mix32(unique ^ 0x165667b1);
  const r2 = mix32(r1 ^ salt ^ 0x61c88647);
  return formatUuid7(ms, r1, r2, unique);
}
