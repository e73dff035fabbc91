// x87 80-bit extended precision ("long double" on x86-64 Linux), emulated exactly with BigInt
// for INCRBYFLOAT: parsing with strtold's grammar and Redis's acceptance rules, addition with
// one correctly rounded result, and the "%.17Lf, trailing zeros trimmed" form Redis stores.
// Doubles would diverge visibly: `10.6 + 5000` prints 5010.60000000000000009 in Redis.

/** A finite value `(-1)^neg * mant * 2^exp` with `mant < 2^64`, or an infinity. */
export interface LongDouble {
  readonly neg: boolean;
  /** The 64-bit significand; -1n marks an infinity. */
  readonly mant: bigint;
  readonly exp: number;
}

const MANT_BITS = 64;
/** Exponent of the least significant bit of the smallest subnormal (2^-16445). */
const MIN_EXP = -16445;
/** Largest exponent a 64-bit significand can have (max finite is (2^64-1) * 2^16320). */
const MAX_EXP = 16320;
/** Redis refuses float strings this long or longer (MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;

const TWO64 = 1n << 64n;
const TWO63 = 1n << 63n;

export const ZERO: LongDouble = { neg: false, mant: 0n, exp: 0 };

function inf(neg: boolean): LongDouble {
  return { neg, mant: -1n, exp: 0 };
}

export function isFinite(x: LongDouble): boolean {
  return x.mant >= 0n;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * Rounds `num / den * 2^exp2` (num >= 0, den > 0) to the nearest long double, ties to even,
 * with gradual underflow and overflow to infinity.
 */
function round(neg: boolean, num: bigint, den: bigint, exp2: number): LongDouble {
  if (num === 0n) return { neg, mant: 0n, exp: 0 };
  // value < 2^top and value >= 2^(top-2).
  const top = bitLength(num) - bitLength(den) + 1 + exp2;
  let e = Math.max(top - MANT_BITS, MIN_EXP);
  if (e > MAX_EXP + 2) return inf(neg);
  let [q, r, d] = divide(num, den, exp2 - e);
  if (q < TWO63 && e > MIN_EXP) {
    e--;
    [q, r, d] = divide(num, den, exp2 - e);
  }
  const twice = r * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  if (q === TWO64) {
    q = TWO63;
    e++;
  }
  if (e > MAX_EXP) return inf(neg);
  if (q === 0n) return { neg, mant: 0n, exp: 0 };
  return { neg, mant: q, exp: e };
}

/** floor(num * 2^shift / den), the remainder and the divisor used. */
function divide(num: bigint, den: bigint, shift: number): [bigint, bigint, bigint] {
  const n = shift >= 0 ? num << BigInt(shift) : num;
  const d = shift >= 0 ? den : den << BigInt(-shift);
  return [n / d, n % d, d];
}

/** The exact sum, rounded once; an infinity if it overflows or an operand is infinite. */
export function add(a: LongDouble, b: LongDouble): LongDouble {
  if (a.mant < 0n || b.mant < 0n) return inf(a.mant < 0n ? a.neg : b.neg);
  if (b.mant === 0n) return a.mant === 0n ? { neg: a.neg && b.neg, mant: 0n, exp: 0 } : a;
  if (a.mant === 0n) return b;
  const e = Math.min(a.exp, b.exp);
  const sa = (a.neg ? -a.mant : a.mant) << BigInt(a.exp - e);
  const sb = (b.neg ? -b.mant : b.mant) << BigInt(b.exp - e);
  const sum = sa + sb;
  // An exact zero sum of opposite signs is +0 in round-to-nearest.
  if (sum === 0n) return ZERO;
  return round(sum < 0n, sum < 0n ? -sum : sum, 1n, e);
}

const DEC_FORM = /^([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/;
const HEX_FORM = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/;

/** A decimal exponent string clamped to a range where its exact size no longer matters. */
function clampedExponent(s: string | undefined): number {
  if (s === undefined) return 0;
  const n = Number(s);
  return Math.max(-1e9, Math.min(1e9, n));
}

/**
 * Parses a float the way Redis's string2ld does: strtold's syntax (decimal, hex, inf, infinity),
 * no leading space, nothing left over, and neither NaN, overflow nor underflow to zero.
 * Returns null where Redis answers "value is not a valid float".
 */
export function parseLongDouble(input: string): LongDouble | null {
  if (input.length === 0 || input.length >= MAX_CHARS) return null;
  // strtold stops at a NUL, and Redis insists on every byte being used.
  if (input.includes("\0")) return null;
  const s = input;
  const c0 = s.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  let i = 0;
  let neg = false;
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i = 1;
  }
  const body = s.slice(i);
  const lower = body.toLowerCase();
  if (lower === "inf" || lower === "infinity") return inf(neg);
  const hex = HEX_FORM.exec(body);
  if (hex !== null) {
    const int = hex[1]!;
    const frac = hex[2] ?? "";
    if (int.length + frac.length === 0) return null;
    return fromBinary(neg, BigInt("0x" + int + frac), clampedExponent(hex[3]) - 4 * frac.length);
  }
  const dec = DEC_FORM.exec(body);
  if (dec === null) return null;
  const int = dec[1]!;
  const frac = dec[2] ?? "";
  if (int.length + frac.length === 0) return null;
  let digits = (int + frac).replace(/^0+/, "");
  let exp10 = clampedExponent(dec[3]) - frac.length;
  if (digits.length === 0) return { neg, mant: 0n, exp: 0 };
  const trimmed = digits.replace(/0+$/, "");
  exp10 += digits.length - trimmed.length;
  digits = trimmed;
  // Decimal exponent of the leading digit decides overflow and underflow outright.
  const lead = digits.length - 1 + exp10;
  if (lead > 4932) return null;
  if (lead < -4952) return null;
  const d = BigInt(digits);
  let x: LongDouble;
  if (exp10 >= 0) x = round(neg, d * 10n ** BigInt(exp10), 1n, 0);
  else x = round(neg, d, 10n ** BigInt(-exp10), 0);
  return x.mant === 0n || x.mant < 0n ? null : x;
}

/** A hex significand `h * 2^exp2`, rejecting overflow and underflow to zero. */
function fromBinary(neg: boolean, h: bigint, exp2: number): LongDouble | null {
  if (h === 0n) return { neg, mant: 0n, exp: 0 };
  const top = bitLength(h) + exp2;
  if (top > 16400) return null;
  if (top < -16500) return null;
  const x = round(neg, h, 1n, exp2);
  return x.mant === 0n || x.mant < 0n ? null : x;
}

const TEN17 = 10n ** 17n;

/**
 * Redis's "human" form of a finite long double: printf's `%.17Lf` (exact, ties to even) with
 * trailing zeros and a bare point removed, and "-0" written as "0".
 */
export function formatHuman(x: LongDouble): string {
  if (x.mant < 0n) return x.neg ? "-inf" : "inf";
  let text: string;
  if (x.exp >= 0) text = (x.mant << BigInt(x.exp)).toString();
  else {
    const sh = BigInt(-x.exp);
    const scaled = x.mant * TEN17;
    let q = scaled >> sh;
    const r = scaled - (q << sh);
    const half = 1n << (sh - 1n);
    if (r > half || (r === half && (q & 1n) === 1n)) q++;
    const int = q / TEN17;
    const frac = (q % TEN17).toString().padStart(17, "0").replace(/0+$/, "");
    text = frac.length === 0 ? int.toString() : `${int}.${frac}`;
  }
  if (text === "0") return "0";
  return x.neg ? "-" + text : text;
}
