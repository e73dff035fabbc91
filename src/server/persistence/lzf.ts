// LZF compression in liblzf's format, as Redis stores long strings in RDB files and DUMP payloads
// (string encoding 0xC3). A compressed stream is a sequence of:
//   000LLLLL + L+1 literal bytes
//   LLLooooo [LLLLLLLL when LLL = 7] oooooooo: copy L+2 bytes from o+1 bytes back in the output
// Written from that description; the output need not match liblzf byte for byte, only decode.

/** Longest back reference: 7 + 255 extra, plus the implicit 2. */
const MAX_REF_LEN = 264;
/** Farthest back reference: a 13-bit offset, stored minus one. */
const MAX_OFFSET = 8192;
/** Longest literal run one control byte covers. */
const MAX_LIT = 32;
const HASH_BITS = 14;
const HASH_SIZE = 1 << HASH_BITS;

// Reused between calls: where each 3-byte hash was last seen, as `base + position`. Each call
// takes a fresh range of bases, so entries left by earlier calls read as misses and the table
// never needs clearing (until the bases run out, every few million calls).
const hashPos = new Int32Array(HASH_SIZE);
let base = 1;

/**
 * Decompresses `input` into exactly `outLength` bytes. Returns null when the input is malformed:
 * a run or reference past either buffer's end, a reference before the output's start, or an
 * output of another length. Every step consumes input, so it always terminates.
 */
export function lzfDecompress(input: Uint8Array, outLength: number): Uint8Array | null {
  if (!Number.isSafeInteger(outLength) || outLength < 0) return null;
  const out = new Uint8Array(outLength);
  return lzfDecompressInto(input, 0, input.length, out, outLength) ? out : null;
}

/**
 * As lzfDecompress, reading input[start, end) into out[0, outLength) (out may be longer: a
 * reused scratch buffer). False when the input is malformed.
 */
export function lzfDecompressInto(
  input: Uint8Array,
  start: number,
  inLen: number,
  out: Uint8Array,
  outLength: number,
): boolean {
  if (out.length < outLength) return false;
  let ip = start;
  let op = 0;
  while (ip < inLen) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const len = ctrl + 1;
      if (ip + len > inLen || op + len > outLength) return false;
      // Runs are at most 32 bytes: a loop beats making a subarray to copy from.
      for (let k = 0; k < len; k++) out[op + k] = input[ip + k]!;
      ip += len;
      op += len;
      continue;
    }
    let len = ctrl >>> 5;
    if (len === 7) {
      if (ip >= inLen) return false;
      len += input[ip++]!;
    }
    if (ip >= inLen) return false;
    const ref = op - ((ctrl & 0x1f) << 8) - input[ip++]! - 1;
    len += 2;
    if (ref < 0 || op + len > outLength) return false;
    // Byte by byte: the source may overlap what this copy writes (a repeating pattern).
    for (let k = 0; k < len; k++) out[op + k] = out[ref + k]!;
    op += len;
  }
  return op === outLength;
}

/**
 * Compresses `input`. Returns null when the result would be longer than `maxLength` bytes
 * (default: one less than the input, since a string that doesn't shrink is stored as is).
 * Redis's RDB writer asks for at most `length - 4`.
 */
export function lzfCompress(
  input: Uint8Array,
  maxLength: number = input.length - 1,
): Uint8Array | null {
  const n = input.length;
  const limit = Math.floor(Math.min(maxLength, n + Math.ceil(n / MAX_LIT)));
  if (n === 0 || limit <= 0) return null;
  const out = new Uint8Array(limit);
  const len = lzfCompressInto(input, n, out, limit);
  return len < 0 ? null : out.slice(0, len);
}

/**
 * Compresses input[0, n) into `out` (a reused buffer of at least `limit` bytes) within `limit`
 * bytes; returns the compressed length, or -1 if it doesn't fit.
 */
export function lzfCompressInto(
  input: Uint8Array,
  n: number,
  out: Uint8Array,
  limit: number,
): number {
  if (n === 0 || limit <= 0 || out.length < limit) return -1;
  // Positions are stored as base + ip; anything below this call's base is from an earlier one.
  if (base > 0x7fffffff - n - 1) {
    hashPos.fill(0);
    base = 1;
  }
  const b0 = base;
  base += n + 1;
  let op = 0;
  let litStart = 0; // first byte not yet emitted
  let ip = 0;
  // The next three bytes, rolled one byte at a time.
  let v = n > 2 ? (input[0]! << 16) | (input[1]! << 8) | input[2]! : 0;
  while (ip + 2 < n) {
    const h = hash24(v);
    const ref = hashPos[h]! - b0;
    hashPos[h] = b0 + ip;
    const dist = ip - ref; // offset + 1
    if (
      ref < 0 || dist > MAX_OFFSET || input[ref] !== input[ip] ||
      input[ref + 1] !== input[ip + 1] || input[ref + 2] !== input[ip + 2]
    ) {
      ip++;
      v = ((v << 8) | input[ip + 2]!) & 0xffffff;
      continue;
    }
    const maxLen = Math.min(MAX_REF_LEN, n - ip);
    let len = 3;
    while (len < maxLen && input[ref + len] === input[ip + len]) len++;

    op = emitLiterals(input, litStart, ip, out, op, limit);
    if (op < 0) return -1;
    const l = len - 2;
    const off = dist - 1;
    if (l < 7) {
      if (op + 2 > limit) return -1;
      out[op++] = (l << 5) | (off >>> 8);
    } else {
      if (op + 3 > limit) return -1;
      out[op++] = (7 << 5) | (off >>> 8);
      out[op++] = l - 7;
    }
    out[op++] = off & 0xff;
    ip += len;
    litStart = ip;
    // Index the match's last two positions (as liblzf's fast modes do), then roll on from ip.
    for (let p = ip - 2; p < ip; p++) {
      if (p + 2 < n) {
        hashPos[hash24((input[p]! << 16) | (input[p + 1]! << 8) | input[p + 2]!)] = b0 + p;
      }
    }
    if (ip + 2 < n) v = (input[ip]! << 16) | (input[ip + 1]! << 8) | input[ip + 2]!;
  }
  return emitLiterals(input, litStart, n, out, op, limit);
}

function hash24(v: number): number {
  return Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS);
}

/** Writes input[from, to) as literal runs; returns the new output offset, or -1 if it overflows. */
function emitLiterals(
  input: Uint8Array,
  from: number,
  to: number,
  out: Uint8Array,
  op: number,
  limit: number,
): number {
  while (from < to) {
    const len = Math.min(MAX_LIT, to - from);
    if (op + 1 + len > limit) return -1;
    out[op++] = len - 1;
    for (let k = 0; k < len; k++) out[op + k] = input[from + k]!;
    op += len;
    from += len;
  }
  return op;
}
