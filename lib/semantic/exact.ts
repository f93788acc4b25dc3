// Exact arithmetic for metric values: rationals over BigInt. Money never passes through a JS float;
// results leave as decimal strings rounded half away from zero (PostgreSQL's numeric round()).

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

export class Fraction {
  readonly num: bigint;
  readonly den: bigint;

  constructor(num: bigint, den: bigint = 1n) {
    if (den === 0n) throw new RangeError("division by zero");
    const sign = den < 0n ? -1n : 1n;
    const g = gcd(num, den);
    this.num = (sign * num) / g;
    this.den = (sign * den) / g;
  }

  static of(value: bigint | number | string): Fraction {
    if (typeof value === "bigint") return new Fraction(value);
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) throw new RangeError(`not an exact integer: ${value}`);
      return new Fraction(BigInt(value));
    }
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
    if (!m) throw new RangeError(`not a decimal: ${value}`);
    const frac = m[3] ?? "";
    const n = BigInt(`${m[2]}${frac}`) * (m[1] ? -1n : 1n);
    return new Fraction(n, 10n ** BigInt(frac.length));
  }

  static readonly ZERO = new Fraction(0n);

  add(o: Fraction): Fraction {
    return new Fraction(this.num * o.den + o.num * this.den, this.den * o.den);
  }
  sub(o: Fraction): Fraction {
    return new Fraction(this.num * o.den - o.num * this.den, this.den * o.den);
  }
  mul(o: Fraction): Fraction {
    return new Fraction(this.num * o.num, this.den * o.den);
  }
  div(o: Fraction): Fraction {
    return new Fraction(this.num * o.den, this.den * o.num);
  }
  isZero(): boolean {
    return this.num === 0n;
  }
  compare(o: Fraction): number {
    const d = this.num * o.den - o.num * this.den;
    return d === 0n ? 0 : d < 0n ? -1 : 1;
  }
  abs(): Fraction {
    return this.num < 0n ? new Fraction(-this.num, this.den) : this;
  }

  /** Decimal string with exactly `digits` fraction digits, rounded half away from zero. */
  toFixed(digits: number): string {
    const scale = 10n ** BigInt(digits);
    const negative = this.num < 0n;
    const n = negative ? -this.num : this.num;
    const scaled = n * scale;
    let q = scaled / this.den;
    if ((scaled % this.den) * 2n >= this.den) q += 1n;
    const s = q.toString().padStart(digits + 1, "0");
    const int = digits ? s.slice(0, -digits) : s;
    const frac = digits ? `.${s.slice(-digits)}` : "";
    return `${negative && q !== 0n ? "-" : ""}${int}${frac}`;
  }

  /** Approximate number, for ranking and display only, never for stored or returned money. */
  toNumber(): number {
    return Number(this.num) / Number(this.den);
  }
}

/** Fraction digits of a currency (USD 2, JPY 0, KWD 3). */
const digitsByCurrency = new Map<string, number>();

export function currencyDigits(currency: string): number {
  // Intl.NumberFormat is costly to build; bulk ingest asks per batch.
  const known = digitsByCurrency.get(currency);
  if (known !== undefined) return known;
  let digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    digits = 2;
  }
  digitsByCurrency.set(currency, digits);
  return digits;
}
