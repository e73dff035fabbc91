// HyperLogLog values in Redis's own byte format, so a value moves between hakv and Redis with
// GET/SET (or DUMP/RESTORE) unchanged. Layout: a 16-byte header ("HYLL", encoding byte, three
// unused bytes, a little-endian 64-bit cached cardinality whose top bit marks it stale), then
// 16384 six-bit registers either densely packed (12288 bytes, LSB first) or run-length coded
// (sparse: ZERO 00xxxxxx, XZERO 01xxxxxx yyyyyyyy, VAL 1vvvvvxx). Editing follows Redis's
// steps exactly (split the covering opcode, merge equal VAL neighbours, promote to dense past
// hll-sparse-max-bytes) because the resulting bytes are part of the observable behaviour.
// Dense values live as MutableStrings that PFADD edits in place; sparse ones as plain strings.
import { MutableString, stringOf, type StringValue } from "./values.ts";

/** Index bits: 2^14 registers. */
export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
/** Hash bits left after the index; the run length of zeros is at most HLL_Q + 1. */
const HLL_Q = 64 - HLL_P;
const REGISTER_MAX = 63;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
/** The largest register value a sparse VAL opcode can hold. */
const SPARSE_VAL_MAX = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
/** 1 / (2 ln 2): the estimator's constant for m → ∞. */
const ALPHA_INF = 0.721347520444481703680;
/** Byte 15's top bit: the cached cardinality is stale. */
const STALE_BIT = 0x80;
const ENCODING_AT = 4;
const CARD_AT = 8;
/** "HYLL". */
const MAGIC = [72, 89, 76, 76];

// --- Hashing --------------------------------------------------------------------------------

// MurmurHash64A (Austin Appleby, public domain) over 32-bit halves: V8 has no fast u64.
const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
const HLL_SEED = 0xadc83b19;
let hHi = 0;
let hLo = 0;

/** (hi, lo) *= M, modulo 2^64, into mulHi/mulLo. */
let mulHi = 0;
let mulLo = 0;
function mulM(hi: number, lo: number): void {
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const b0 = M_LO & 0xffff;
  const b1 = M_LO >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  mulLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  mulHi = (carry + Math.imul(lo, M_HI) + Math.imul(hi, M_LO)) >>> 0;
}

/** MurmurHash64A of `data` with `seed` (< 2^32); the result is in hashHi/hashLo. */
function murmur64a(data: Uint8Array, seed: number): void {
  const len = data.length;
  mulM(0, len >>> 0);
  // The length times M does not fit 32 bits for len >= 2^32; argument sizes never do.
  let hi = mulHi;
  let lo = (mulLo ^ seed) >>> 0;
  const blocks = len & ~7;
  for (let i = 0; i < blocks; i += 8) {
    const kLo = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>>
      0;
    const kHi =
      (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24)) >>> 0;
    mulM(kHi, kLo);
    // k ^= k >> 47 touches only the low half.
    mulM(mulHi, (mulLo ^ (mulHi >>> 15)) >>> 0);
    hi ^= mulHi;
    lo ^= mulLo;
    mulM(hi >>> 0, lo >>> 0);
    hi = mulHi;
    lo = mulLo;
  }
  const rest = len & 7;
  if (rest > 0) {
    const t = blocks;
    switch (rest) {
      case 7:
        hi ^= data[t + 6]! << 16;
      // falls through
      case 6:
        hi ^= data[t + 5]! << 8;
      // falls through
      case 5:
        hi ^= data[t + 4]!;
      // falls through
      case 4:
        lo ^= data[t + 3]! << 24;
      // falls through
      case 3:
        lo ^= data[t + 2]! << 16;
      // falls through
      case 2:
        lo ^= data[t + 1]! << 8;
      // falls through
      case 1:
        lo ^= data[t]!;
    }
    mulM(hi >>> 0, lo >>> 0);
    hi = mulHi;
    lo = mulLo;
  }
  lo = (lo ^ (hi >>> 15)) >>> 0;
  mulM(hi >>> 0, lo);
  hHi = mulHi;
  hLo = (mulLo ^ (mulHi >>> 15)) >>> 0;
}

/** MurmurHash64A as a bigint (tests and PFDEBUG-style tooling). */
export function murmurHash64A(data: Uint8Array, seed = HLL_SEED): bigint {
  murmur64a(data, seed >>> 0);
  return (BigInt(hHi) << 32n) | BigInt(hLo);
}

let patIndex = 0;
/**
 * The register an element lands in (into patIndex) and the run length Redis stores there:
 * one plus the trailing zeros of the hash's upper 50 bits, with bit 50 set as a sentinel.
 */
function patLen(ele: Uint8Array): number {
  murmur64a(ele, HLL_SEED);
  patIndex = hLo & (HLL_REGISTERS - 1);
  const low = ((hLo >>> HLL_P) | (hHi << (32 - HLL_P))) >>> 0;
  if (low !== 0) return 32 - Math.clz32(low & -low);
  const high = ((hHi >>> HLL_P) | (1 << (HLL_Q - 32))) >>> 0;
  return 32 + 32 - Math.clz32(high & -high);
}

/** [register index, count] for an element, as PFADD would set it. */
export function hllPattern(ele: Uint8Array): [number, number] {
  const n = patLen(ele);
  return [patIndex, n];
}

// --- Dense registers ------------------------------------------------------------------------

/** Register `i` of the dense array starting at `base`. */
export function denseGet(b: Uint8Array, base: number, i: number): number {
  const bit = i * 6;
  const at = base + (bit >>> 3);
  const shift = bit & 7;
  const hi = at + 1 < b.length ? b[at + 1]! : 0;
  return ((b[at]! >>> shift) | (hi << (8 - shift))) & REGISTER_MAX;
}

export function denseSet(b: Uint8Array, base: number, i: number, v: number): void {
  const bit = i * 6;
  const at = base + (bit >>> 3);
  const shift = bit & 7;
  b[at] = (b[at]! & ~(REGISTER_MAX << shift)) | (v << shift);
  // The last register sits in the final byte alone (shift 2), so the next byte is never needed.
  if (shift > 2) b[at + 1] = (b[at + 1]! & ~(REGISTER_MAX >>> (8 - shift))) | (v >>> (8 - shift));
}

// --- Values ---------------------------------------------------------------------------------

/** Whether a string value passes Redis's HLL check (magic, known encoding, dense size). */
export function isHll(v: StringValue): boolean {
  const len = v.length;
  if (len < HLL_HDR_SIZE) return false;
  for (let i = 0; i < 4; i++) if (byteOf(v, i) !== MAGIC[i]) return false;
  const enc = byteOf(v, ENCODING_AT);
  if (enc > HLL_SPARSE) return false;
  return enc !== HLL_DENSE || len === HLL_DENSE_SIZE;
}

// Sparse values are stored as plain binary strings (16 bytes of header plus the string, no
// per-value byte array) and edited in a scratch MutableString; dense values are stored as
// MutableStrings and edited in place. `hllEditable` and `hllSettle` bracket one command's edits.

/** Where sparse values are edited; reused by every command. */
const SCRATCH = new MutableString("", 4096);
/** Where string values are copied for reading (never aliased with SCRATCH). */
const READ = new MutableString("", 4096);

const EMPTY_SPARSE = "HYLL\x01\x00\x00\x00" + "\x00".repeat(8) + "\x7f\xff";

function loadInto(m: MutableString, s: string): void {
  const len = s.length;
  if (m.bytes.length < len) m.bytes = new Uint8Array(len + (len >>> 1));
  const b = m.bytes;
  for (let i = 0; i < len; i++) b[i] = s.charCodeAt(i);
  m.length = len;
}

/** An HLL value's bytes for reading only (valid until the next hll call). */
export function hllView(v: StringValue): Uint8Array {
  if (v instanceof MutableString) return v.view();
  loadInto(READ, v);
  return READ.view();
}

/**
 * A MutableString to edit an HLL value in: the value itself when it is a MutableString, a new
 * one for a dense string, else the scratch buffer loaded with the sparse string (or a new
 * empty HLL for undefined). Pass the result to `hllSettle` before any other hll call.
 */
export function hllEditable(v: StringValue | undefined): MutableString {
  if (v instanceof MutableString) return v;
  const s = v ?? EMPTY_SPARSE;
  if (s.length === HLL_DENSE_SIZE && s.charCodeAt(ENCODING_AT) === HLL_DENSE) {
    return new MutableString(s);
  }
  loadInto(SCRATCH, s);
  return SCRATCH;
}

/**
 * The value to store after editing `m` (from `hllEditable(original)`): a sparse string, or a
 * MutableString once dense; `original` itself when nothing `changed` in a scratch copy.
 */
export function hllSettle(
  m: MutableString,
  original: StringValue | undefined,
  changed: boolean,
): StringValue {
  if (m !== SCRATCH) return m;
  if (!changed && original !== undefined) return original;
  if (m.bytes[ENCODING_AT] === HLL_SPARSE) return stringOf(m);
  // Promoted: the dense bytes become the value; the scratch gets a buffer of its own again.
  const out = new MutableString("");
  out.bytes = m.bytes;
  out.length = m.length;
  SCRATCH.bytes = new Uint8Array(4096);
  SCRATCH.length = 0;
  return out;
}

/** A new, empty HLL as a MutableString: sparse, one XZERO over every register, cached 0. */
export function createHll(): MutableString {
  return new MutableString(EMPTY_SPARSE, 64);
}

export function encodingOf(b: Uint8Array): number {
  return b[ENCODING_AT]!;
}

/** Byte `i` of a string value. */
function byteOf(v: StringValue, i: number): number {
  return typeof v === "string" ? v.charCodeAt(i) : v.bytes[i]!;
}

/** The cached cardinality of an HLL value, or -1 when it is stale. */
export function cachedCount(v: StringValue): number | bigint {
  if ((byteOf(v, CARD_AT + 7) & STALE_BIT) !== 0) return -1;
  const lo = (byteOf(v, CARD_AT) | (byteOf(v, CARD_AT + 1) << 8) |
    (byteOf(v, CARD_AT + 2) << 16) | (byteOf(v, CARD_AT + 3) << 24)) >>> 0;
  const hi = (byteOf(v, CARD_AT + 4) | (byteOf(v, CARD_AT + 5) << 8) |
    (byteOf(v, CARD_AT + 6) << 16) | (byteOf(v, CARD_AT + 7) << 24)) >>> 0;
  if (hi < 0x200000) return hi * 0x100000000 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Stores `n` (exact below 2^53) as the cached cardinality, clearing the stale bit. */
export function setCachedCount(b: Uint8Array, n: number): void {
  let lo = n % 0x100000000;
  let hi = Math.floor(n / 0x100000000);
  for (let i = 0; i < 4; i++) {
    b[CARD_AT + i] = lo & 0xff;
    lo = Math.floor(lo / 256);
    b[CARD_AT + 4 + i] = hi & 0xff;
    hi = Math.floor(hi / 256);
  }
}

/** Marks the cached cardinality stale; the other cached bytes stay as they were. */
export function invalidateCache(b: Uint8Array): void {
  b[CARD_AT + 7] = b[CARD_AT + 7]! | STALE_BIT;
}

// --- Sparse opcodes -------------------------------------------------------------------------

/** A byte of the sparse body, reading past the end as 0 (Redis reads the string's NUL there). */
function byteAt(b: Uint8Array, end: number, i: number): number {
  return i < end ? b[i]! : 0;
}

function valOp(value: number, len: number): number {
  return 0x80 | ((value - 1) << 2) | (len - 1);
}

/** Scratch for the opcodes replacing a split run. */
const SEQ = new Uint8Array(5);

/** Writes a run of `len` zero registers into SEQ at `n`; returns the new end. */
function putZeros(n: number, len: number): number {
  if (len > SPARSE_ZERO_MAX_LEN) {
    SEQ[n] = 0x40 | ((len - 1) >>> 8);
    SEQ[n + 1] = (len - 1) & 0xff;
    return n + 2;
  }
  SEQ[n] = len - 1;
  return n + 1;
}

/** Grows the buffer (not the length) so `extra` more bytes fit. */
function reserve(m: MutableString, extra: number): void {
  const need = m.length + extra;
  if (need <= m.bytes.length) return;
  const next = new Uint8Array(need + (need >>> 2) + 8);
  next.set(m.bytes.subarray(0, m.length));
  m.bytes = next;
}

/**
 * Converts a sparse HLL to dense in place (header, cached bytes included, is kept). False if
 * the sparse body is corrupt (runs overflow or do not cover exactly every register).
 */
export function toDense(m: MutableString): boolean {
  const src = m.bytes;
  if (src[ENCODING_AT] === HLL_DENSE) return true;
  const dense = new Uint8Array(HLL_DENSE_SIZE);
  dense.set(src.subarray(0, HLL_HDR_SIZE));
  dense[ENCODING_AT] = HLL_DENSE;
  const end = m.length;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = src[p]!;
    if ((op & 0x80) !== 0) {
      const run = (op & 3) + 1;
      const val = ((op >>> 2) & 0x1f) + 1;
      if (idx + run > HLL_REGISTERS) return false;
      for (let k = 0; k < run; k++) denseSet(dense, HLL_HDR_SIZE, idx++, val);
      p++;
    } else if ((op & 0x40) === 0) {
      idx += (op & 0x3f) + 1;
      p++;
    } else {
      idx += (((op & 0x3f) << 8) | byteAt(src, end, p + 1)) + 1;
      p += 2;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  m.bytes = dense;
  m.length = HLL_DENSE_SIZE;
  return true;
}

/** Sets register `index` to `count` if that raises it: 1 changed, 0 not, -1 corrupt. */
function sparseSet(m: MutableString, index: number, count: number, maxBytes: number): number {
  if (count > SPARSE_VAL_MAX) return promote(m, index, count);
  reserve(m, 3);
  const b = m.bytes;
  let end = m.length;
  // Find the opcode covering `index`, and the one before it (where merging starts).
  let p = HLL_HDR_SIZE;
  let prev = -1;
  let first = 0;
  let span = 0;
  while (p < end) {
    const op = b[p]!;
    let oplen = 1;
    if ((op & 0x80) !== 0) span = (op & 3) + 1;
    else if ((op & 0x40) === 0) span = (op & 0x3f) + 1;
    else {
      span = (((op & 0x3f) << 8) | byteAt(b, end, p + 1)) + 1;
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) return -1;

  const op = b[p]!;
  const isVal = (op & 0x80) !== 0;
  const isXzero = !isVal && (op & 0x40) !== 0;
  if (isVal) {
    const old = ((op >>> 2) & 0x1f) + 1;
    if (old >= count) return 0;
  }
  if (span === 1 && !isXzero) {
    // A single-register VAL or ZERO becomes the new VAL in place.
    b[p] = valOp(count, 1);
  } else {
    // Split the run into [before][VAL count][after], at most 5 bytes.
    const last = first + span - 1;
    let n = 0;
    if (isVal) {
      const cur = ((op >>> 2) & 0x1f) + 1;
      if (index !== first) SEQ[n++] = valOp(cur, index - first);
      SEQ[n++] = valOp(count, 1);
      if (index !== last) SEQ[n++] = valOp(cur, last - index);
    } else {
      if (index !== first) n = putZeros(n, index - first);
      SEQ[n++] = valOp(count, 1);
      if (index !== last) n = putZeros(n, last - index);
    }
    const oldLen = isXzero ? 2 : 1;
    const delta = n - oldLen;
    if (delta > 0 && end + delta > maxBytes) return promote(m, index, count);
    const next = p + oldLen;
    if (delta !== 0 && next < end) b.copyWithin(next + delta, next, end);
    end += delta;
    for (let k = 0; k < n; k++) b[p + k] = SEQ[k]!;
  }

  // Merge equal adjacent VALs, looking at up to five opcodes from the one before the edit.
  p = prev >= 0 ? prev : HLL_HDR_SIZE;
  let scan = 5;
  while (p < end && scan-- > 0) {
    const o = b[p]!;
    if ((o & 0x80) === 0) {
      p += (o & 0x40) !== 0 ? 2 : 1;
      continue;
    }
    if (p + 1 < end && (b[p + 1]! & 0x80) !== 0) {
      const o2 = b[p + 1]!;
      const v1 = (o >>> 2) & 0x1f;
      if (v1 === ((o2 >>> 2) & 0x1f)) {
        const len = (o & 3) + (o2 & 3) + 2;
        if (len <= SPARSE_VAL_MAX_LEN) {
          b[p + 1] = valOp(v1 + 1, len);
          b.copyWithin(p, p + 1, end);
          end--;
          continue;
        }
      }
    }
    p++;
  }
  m.length = end;
  invalidateCache(b);
  return 1;
}

function promote(m: MutableString, index: number, count: number): number {
  if (!toDense(m)) return -1;
  denseSet(m.bytes, HLL_HDR_SIZE, index, count);
  return 1;
}

/**
 * Sets register `index` to `count` when that raises it: 1 changed, 0 not, -1 corrupt sparse
 * body. A sparse value may become dense. The cached cardinality is not touched here for a
 * dense value; callers invalidate once per command.
 */
export function hllSet(m: MutableString, index: number, count: number, maxBytes: number): number {
  const b = m.bytes;
  if (b[ENCODING_AT] === HLL_DENSE) {
    if (denseGet(b, HLL_HDR_SIZE, index) >= count) return 0;
    denseSet(b, HLL_HDR_SIZE, index, count);
    return 1;
  }
  return sparseSet(m, index, count, maxBytes);
}

/** PFADD of one element: 1 if a register changed, 0 if not, -1 if the value is corrupt. */
export function hllAdd(m: MutableString, ele: Uint8Array, maxBytes: number): number {
  const count = patLen(ele);
  return hllSet(m, patIndex, count, maxBytes);
}

// --- Reading --------------------------------------------------------------------------------

/** Raises `max[i]` to each register of `b`; false if a sparse body is corrupt. */
export function mergeInto(max: Uint8Array, b: Uint8Array): boolean {
  if (b[ENCODING_AT] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(b, HLL_HDR_SIZE, i);
      if (v > max[i]!) max[i] = v;
    }
    return true;
  }
  const end = b.length;
  let i = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = b[p]!;
    if ((op & 0x80) !== 0) {
      const run = (op & 3) + 1;
      const val = ((op >>> 2) & 0x1f) + 1;
      if (i + run > HLL_REGISTERS) return false;
      for (let k = 0; k < run; k++, i++) if (val > max[i]!) max[i] = val;
      p++;
    } else if ((op & 0x40) === 0) {
      i += (op & 0x3f) + 1;
      p++;
    } else {
      i += (((op & 0x3f) << 8) | byteAt(b, end, p + 1)) + 1;
      p += 2;
    }
  }
  return i === HLL_REGISTERS;
}

/** Reused by every count: how many registers hold each value. */
const HISTO = new Float64Array(64);

/** The register histogram of an HLL's bytes (in HISTO); null if a sparse body is corrupt. */
function histogram(b: Uint8Array): Float64Array | null {
  const h = HISTO;
  h.fill(0);
  if (b[ENCODING_AT] === HLL_DENSE) {
    // Four registers per three bytes.
    let at = HLL_HDR_SIZE;
    for (let i = 0; i < HLL_REGISTERS; i += 4, at += 3) {
      const x = b[at]!, y = b[at + 1]!, z = b[at + 2]!;
      h[x & 63]!++;
      h[((x >>> 6) | (y << 2)) & 63]!++;
      h[((y >>> 4) | (z << 4)) & 63]!++;
      h[z >>> 2]!++;
    }
    return h;
  }
  const end = b.length;
  let idx = 0;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = b[p]!;
    if ((op & 0x80) !== 0) {
      const run = (op & 3) + 1;
      h[((op >>> 2) & 0x1f) + 1]! += run;
      idx += run;
      p++;
    } else if ((op & 0x40) === 0) {
      const run = (op & 0x3f) + 1;
      h[0]! += run;
      idx += run;
      p++;
    } else {
      const run = (((op & 0x3f) << 8) | byteAt(b, end, p + 1)) + 1;
      h[0]! += run;
      idx += run;
      p += 2;
    }
  }
  return idx === HLL_REGISTERS ? h : null;
}

// Ertl, "New cardinality estimation algorithms for HyperLogLog sketches" (arXiv:1702.01284).
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let prev;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (prev !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let prev;
  do {
    x = Math.sqrt(x);
    prev = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (prev !== z);
  return z / 3;
}

/** The cardinality estimate from a register histogram. */
function estimate(h: Float64Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - h[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += h[j]!;
    z *= 0.5;
  }
  z += m * sigma(h[0]! / m);
  return Math.round(ALPHA_INF * m * m / z);
}

/** The estimate for an HLL's bytes, or -1 if its sparse body is corrupt. */
export function hllCount(b: Uint8Array): number {
  const h = histogram(b);
  return h === null ? -1 : estimate(h);
}

/** The estimate for plain registers, one per byte (multi-key PFCOUNT's union). */
export function registersCount(max: Uint8Array): number {
  const h = HISTO;
  h.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) h[max[i]!]!++;
  return estimate(h);
}

/** PFDEBUG DECODE's text for a sparse body: `Z:n`, `XZ:n`, `v:value,len`. */
export function decodeSparse(b: Uint8Array): string {
  const parts: string[] = [];
  const end = b.length;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = b[p]!;
    if ((op & 0x80) !== 0) {
      parts.push(`v:${((op >>> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    } else if ((op & 0x40) === 0) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else {
      parts.push(`Z:${(((op & 0x3f) << 8) | byteAt(b, end, p + 1)) + 1}`);
      p += 2;
    }
  }
  return parts.join(" ");
}
