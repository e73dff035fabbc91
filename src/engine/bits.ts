// Bitmap operations over string values: single bits, population counts and first-bit searches
// over byte or bit ranges, BITOP, and BITFIELD's integer fields with their overflow rules.
// Bit 0 is the most significant bit of byte 0, as in Redis. Read paths take either a binary
// string or bytes, so a value stored as a JS string is never copied just to be read.
// Offsets can exceed 2^31, so positions are split with division, not with shifts.

/** A value's bytes: a binary string (one char per byte) or a byte array. */
export type Bytes = string | Uint8Array;

/** The byte at `i`, 0 past the end. */
export function byteAt(src: Bytes, i: number): number {
  if (i >= src.length) return 0;
  return typeof src === "string" ? src.charCodeAt(i) : src[i]!;
}

/** The bit at `offset`, 0 past the end. */
export function getBit(src: Bytes, offset: number): number {
  const byte = Math.floor(offset / 8);
  return (byteAt(src, byte) >> (7 - (offset % 8))) & 1;
}

/** Sets or clears the bit at `offset` (the buffer must hold it); returns the previous bit. */
export function setBit(buf: Uint8Array, offset: number, on: number): number {
  const byte = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset % 8));
  const old = buf[byte]! & mask ? 1 : 0;
  if (on) buf[byte]! |= mask;
  else buf[byte]! &= ~mask;
  return old;
}

const POP = new Uint8Array(256);
for (let i = 1; i < 256; i++) POP[i] = (i & 1) + POP[i >> 1]!;

/** Set bits in the bytes `[start, end)`. */
export function popcount(src: Bytes, start: number, end: number): number {
  let n = 0;
  if (typeof src === "string") {
    for (let i = start; i < end; i++) n += POP[src.charCodeAt(i)]!;
    return n;
  }
  let i = start;
  // Four bytes at a time through a 32-bit word count once the range is long enough.
  for (; i + 4 <= end; i += 4) {
    let v = (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  for (; i < end; i++) n += POP[src[i]!]!;
  return n;
}

/**
 * Resolves a Redis range: negative indexes count from the end, then both ends are clamped into
 * `[0, total-1]`. Returns null when the range is empty.
 */
function resolveRange(start: number, end: number, total: number): [number, number] | null {
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  return start > end ? null : [start, end];
}

/** Set bits between bit positions `first` and `last`, inclusive. */
function countBits(src: Bytes, first: number, last: number): number {
  const b0 = Math.floor(first / 8);
  const b1 = Math.floor(last / 8);
  let n = popcount(src, b0, b1 + 1);
  // Take away the bits of the edge bytes that lie outside the range.
  const head = first % 8;
  if (head > 0) n -= POP[byteAt(src, b0) & ~((1 << (8 - head)) - 1) & 0xff]!;
  const tail = 7 - (last % 8);
  if (tail > 0) n -= POP[byteAt(src, b1) & ((1 << tail) - 1)]!;
  return n;
}

/**
 * BITCOUNT over `[start, end]` in bytes or bits (`bitUnit`), Redis's index rules. The caller
 * has already answered 0 for two negative indexes with start > end.
 */
export function bitcount(src: Bytes, start: number, end: number, bitUnit: boolean): number {
  const total = bitUnit ? src.length * 8 : src.length;
  const r = resolveRange(start, end, total);
  if (r === null) return 0;
  return bitUnit ? countBits(src, r[0], r[1]) : countBits(src, r[0] * 8, r[1] * 8 + 7);
}

/** The first bit equal to `bit` between positions `first` and `last` (inclusive), or -1. */
function findBit(src: Bytes, bit: number, first: number, last: number): number {
  let pos = first;
  // Bit by bit up to a byte boundary, whole bytes through the middle, then bit by bit again.
  while (pos <= last && pos % 8 !== 0) {
    if (getBit(src, pos) === bit) return pos;
    pos++;
  }
  const skip = bit ? 0 : 0xff;
  let byte = pos / 8;
  const lastWhole = Math.floor((last + 1) / 8); // bytes before this one are wholly in range
  if (typeof src === "string") {
    while (byte < lastWhole && src.charCodeAt(byte) === skip) byte++;
  } else {
    while (byte < lastWhole && src[byte] === skip) byte++;
  }
  pos = byte * 8;
  for (; pos <= last; pos++) if (getBit(src, pos) === bit) return pos;
  return -1;
}

/**
 * BITPOS: the first `bit` in `[start, end]` (bytes or bits). Without an explicit end the
 * string counts as followed by zeros, so a search for 0 in all-ones answers the bit after it;
 * with an explicit end that search answers -1.
 */
export function bitpos(
  src: Bytes,
  bit: number,
  start: number,
  end: number | undefined,
  bitUnit: boolean,
): number {
  const total = bitUnit ? src.length * 8 : src.length;
  const r = resolveRange(start, end ?? total - 1, total);
  if (r === null) return -1;
  const first = bitUnit ? r[0] : r[0] * 8;
  const last = bitUnit ? r[1] : r[1] * 8 + 7;
  const pos = findBit(src, bit, first, last);
  if (pos >= 0 || bit === 1 || end !== undefined) return pos;
  return last + 1;
}

export type BitOp = "and" | "or" | "xor" | "not";

/** BITOP over the sources (missing keys as empty strings); the result is as long as the longest. */
export function bitop(op: BitOp, sources: readonly Bytes[]): Uint8Array {
  let max = 0;
  for (const s of sources) if (s.length > max) max = s.length;
  const out = new Uint8Array(max);
  const first = sources[0]!;
  copyInto(out, first);
  if (op === "not") {
    for (let i = 0; i < max; i++) out[i] = ~out[i]! & 0xff;
    return out;
  }
  for (let k = 1; k < sources.length; k++) {
    const s = sources[k]!;
    const n = s.length;
    if (op === "and") {
      // Bytes past a shorter source count as zero.
      for (let i = 0; i < n; i++) out[i]! &= byteAt(s, i);
      out.fill(0, n);
    } else if (op === "or") {
      for (let i = 0; i < n; i++) out[i]! |= byteAt(s, i);
    } else {
      for (let i = 0; i < n; i++) out[i]! ^= byteAt(s, i);
    }
  }
  return out;
}

function copyInto(out: Uint8Array, src: Bytes): void {
  if (typeof src === "string") {
    for (let i = 0; i < src.length; i++) out[i] = src.charCodeAt(i);
  } else out.set(src);
}

// --- BITFIELD ------------------------------------------------------------------------------

export type Overflow = "wrap" | "sat" | "fail";

/** A field's type: `i1`..`i64` or `u1`..`u63`. */
export interface FieldType {
  readonly signed: boolean;
  readonly bits: number;
}

/** Reads a field; past the end of the value the bits are zero. */
export function getField(src: Bytes, offset: number, type: FieldType): bigint {
  const { bits } = type;
  // Accumulate in two numbers (high bits, then the low 32) and join them once.
  let hi = 0;
  let lo = 0;
  const split = bits - 32;
  for (let i = 0; i < bits; i++) {
    const bit = getBit(src, offset + i);
    if (i < split) hi = hi * 2 + bit;
    else lo = lo * 2 + bit;
  }
  let v = split > 0 ? (BigInt(hi) << 32n) | BigInt(lo) : BigInt(lo);
  if (type.signed) v = BigInt.asIntN(bits, v);
  return v;
}

/** Writes the low `bits` bits of `value` at `offset`; the buffer must hold them. */
export function setField(buf: Uint8Array, offset: number, bits: number, value: bigint): void {
  const u = BigInt.asUintN(bits, value);
  const split = bits - 32;
  const hi = split > 0 ? Number(u >> 32n) : 0;
  const lo = Number(split > 0 ? u & 0xffffffffn : u);
  for (let i = 0; i < bits; i++) {
    // Bit i counted from the most significant end of the field.
    const fromLow = bits - 1 - i;
    const bit = fromLow >= 32
      ? Math.floor(hi / 2 ** (fromLow - 32)) % 2
      : Math.floor(lo / 2 ** fromLow) % 2;
    setBit(buf, offset + i, bit);
  }
}

export interface FieldResult {
  /** The value to store, or null when OVERFLOW FAIL refused the operation. */
  readonly store: bigint | null;
  /** What BITFIELD replies: the new value for INCRBY, the old one for SET; null on failure. */
  readonly reply: bigint | null;
}

/**
 * Applies BITFIELD SET (`incr` = false: `arg` is the new value) or INCRBY to a field holding
 * `old`. `arg` is the command's signed 64-bit argument; for unsigned fields a SET value is read
 * as its unsigned 64-bit pattern, as Redis does, so -1 saturates to the maximum.
 */
export function applyField(
  old: bigint,
  arg: bigint,
  type: FieldType,
  incr: boolean,
  overflow: Overflow,
): FieldResult {
  const { bits, signed } = type;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const min = signed ? -max - 1n : 0n;
  const target = incr ? old + arg : signed ? arg : BigInt.asUintN(64, arg);
  let value = target;
  if (target > max || target < min) {
    if (overflow === "fail") return { store: null, reply: null };
    if (overflow === "sat") value = target > max ? max : min;
    else value = signed ? BigInt.asIntN(bits, target) : BigInt.asUintN(bits, target);
  }
  return { store: value, reply: incr ? value : old };
}
