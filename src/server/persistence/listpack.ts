// Decoding of the packed blobs inside RDB values: listpacks (Redis 7.0's small hashes, small
// zsets and quicklist nodes), their predecessors ziplist and zipmap (older files), and an encoder
// used by tests and by anything that wants Redis's own compact layout. Every read is
// bounds-checked; malformed input gives null, never an exception or an out-of-bounds read.

/** Listpack header: 4-byte total size and 2-byte element count, both little-endian. */
const LP_HEADER = 6;
/** The element count field says "unknown, count by walking" at this value. */
const LP_COUNT_UNKNOWN = 65535;
const LP_END = 0xff;

/** Bytes the backlen of an entry of `size` bytes takes (7 bits per byte). */
function backlenSize(size: number): number {
  if (size < 128) return 1;
  if (size < 16384) return 2;
  if (size < 2097152) return 3;
  if (size < 268435456) return 4;
  return 5;
}

/**
 * The elements of a listpack as binary strings (integers as their decimal text), or null if
 * the bytes are not a well-formed listpack: sizes that disagree, an entry running past the end,
 * a wrong backlen, a missing terminator, or an element count that does not match.
 */
export function decodeListpack(lp: Uint8Array): string[] | null {
  const n = lp.length;
  if (n < LP_HEADER + 1) return null;
  const total = (lp[0]! | (lp[1]! << 8) | (lp[2]! << 16) | (lp[3]! << 24)) >>> 0;
  if (total !== n) return null;
  const count = lp[4]! | (lp[5]! << 8);
  const out: string[] = [];
  const view = new DataView(lp.buffer, lp.byteOffset, lp.byteLength);
  let p = LP_HEADER;
  // The terminator is the last byte: entries must end before it.
  const last = n - 1;
  while (p < last) {
    const start = p;
    const b = lp[p]!;
    let value: string;
    if (b < 0x80) {
      value = String(b);
      p += 1;
    } else if (b < 0xc0) {
      const len = b & 0x3f;
      if (p + 1 + len > last) return null;
      value = binary(lp, p + 1, p + 1 + len);
      p += 1 + len;
    } else if (b < 0xe0) {
      if (p + 2 > last) return null;
      const v = ((b & 0x1f) << 8) | lp[p + 1]!;
      value = String(v >= 4096 ? v - 8192 : v);
      p += 2;
    } else if (b < 0xf0) {
      if (p + 2 > last) return null;
      const len = ((b & 0x0f) << 8) | lp[p + 1]!;
      if (p + 2 + len > last) return null;
      value = binary(lp, p + 2, p + 2 + len);
      p += 2 + len;
    } else {
      switch (b) {
        case 0xf0: {
          if (p + 5 > last) return null;
          const len = view.getUint32(p + 1, true);
          if (len > last - p - 5) return null;
          value = binary(lp, p + 5, p + 5 + len);
          p += 5 + len;
          break;
        }
        case 0xf1:
          if (p + 3 > last) return null;
          value = String(view.getInt16(p + 1, true));
          p += 3;
          break;
        case 0xf2: {
          if (p + 4 > last) return null;
          const v = lp[p + 1]! | (lp[p + 2]! << 8) | (lp[p + 3]! << 16);
          value = String((v << 8) >> 8);
          p += 4;
          break;
        }
        case 0xf3:
          if (p + 5 > last) return null;
          value = String(view.getInt32(p + 1, true));
          p += 5;
          break;
        case 0xf4:
          if (p + 9 > last) return null;
          value = String(view.getBigInt64(p + 1, true));
          p += 9;
          break;
        default:
          return null; // 0xf5..0xfe are unassigned; 0xff before the last byte is early
      }
    }
    const size = p - start;
    const bl = backlenSize(size);
    if (p + bl > last || decodeBacklen(lp, p + bl - 1, bl) !== size) return null;
    p += bl;
    out.push(value);
  }
  if (p !== last || lp[last] !== LP_END) return null;
  if (count !== LP_COUNT_UNKNOWN && count !== out.length) return null;
  return out;
}

/** Reads a backlen of `bl` bytes ending at `end` (inclusive), right to left; -1 if malformed. */
function decodeBacklen(lp: Uint8Array, end: number, bl: number): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < bl; i++) {
    const b = lp[end - i]!;
    v += (b & 0x7f) * mul;
    mul *= 128;
    // Every byte but the leftmost carries the "more to the left" bit.
    const more = (b & 0x80) !== 0;
    if (more !== (i < bl - 1)) return -1;
  }
  return v;
}

/**
 * A listpack holding `items`, with each element in the smallest encoding: canonical decimal
 * integers of up to 64 bits as integers, everything else as a string.
 */
export function encodeListpack(items: readonly string[]): Uint8Array {
  const parts: number[] = [0, 0, 0, 0, 0, 0];
  for (const s of items) {
    const start = parts.length;
    const v = canonicalInt64(s);
    if (v !== null) encodeInt(parts, v);
    else encodeStr(parts, s);
    const size = parts.length - start;
    const bl = backlenSize(size);
    // Leftmost byte holds the highest bits; all but it have the continuation bit.
    for (let i = bl - 1; i >= 0; i--) {
      const chunk = Number((BigInt(size) >> BigInt(7 * i)) & 0x7fn);
      parts.push(i === bl - 1 ? chunk : chunk | 0x80);
    }
  }
  parts.push(LP_END);
  const out = new Uint8Array(parts);
  const total = out.length;
  out[0] = total & 0xff;
  out[1] = (total >>> 8) & 0xff;
  out[2] = (total >>> 16) & 0xff;
  out[3] = (total >>> 24) & 0xff;
  const count = items.length < LP_COUNT_UNKNOWN ? items.length : LP_COUNT_UNKNOWN;
  out[4] = count & 0xff;
  out[5] = count >>> 8;
  return out;
}

function encodeInt(parts: number[], v: bigint): void {
  if (v >= 0n && v <= 127n) parts.push(Number(v));
  else if (v >= -4096n && v <= 4095n) {
    const u = Number(v) & 0x1fff;
    parts.push(0xc0 | (u >> 8), u & 0xff);
  } else if (v >= -32768n && v <= 32767n) pushLE(parts, 0xf1, v, 2);
  else if (v >= -8388608n && v <= 8388607n) pushLE(parts, 0xf2, v, 3);
  else if (v >= -2147483648n && v <= 2147483647n) pushLE(parts, 0xf3, v, 4);
  else pushLE(parts, 0xf4, v, 8);
}

function pushLE(parts: number[], tag: number, v: bigint, bytes: number): void {
  parts.push(tag);
  const u = BigInt.asUintN(bytes * 8, v);
  for (let i = 0; i < bytes; i++) parts.push(Number((u >> BigInt(8 * i)) & 0xffn));
}

function encodeStr(parts: number[], s: string): void {
  const len = s.length;
  if (len < 64) parts.push(0x80 | len);
  else if (len < 4096) parts.push(0xe0 | (len >> 8), len & 0xff);
  else parts.push(0xf0, len & 0xff, (len >>> 8) & 0xff, (len >>> 16) & 0xff, len >>> 24);
  for (let i = 0; i < len; i++) parts.push(s.charCodeAt(i));
}

/** `s` as a bigint if it is a decimal integer exactly as Redis prints one, within 64 bits. */
export function canonicalInt64(s: string): bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = s.charCodeAt(0) === 0x2d ? 1 : 0;
  if (i === n) return null;
  if (s.charCodeAt(i) === 0x30) return n === 1 ? 0n : null;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  const v = BigInt(s);
  return v >= -(2n ** 63n) && v < 2n ** 63n ? v : null;
}

// ---- ziplists (RDB types 10, 12, 13 and the nodes of 14)

const ZL_HEADER = 10;
const ZL_END = 0xff;

/** The elements of a ziplist as binary strings, or null if malformed. */
export function decodeZiplist(zl: Uint8Array): string[] | null {
  const n = zl.length;
  if (n < ZL_HEADER + 1) return null;
  const view = new DataView(zl.buffer, zl.byteOffset, zl.byteLength);
  if (view.getUint32(0, true) !== n) return null;
  const tail = view.getUint32(4, true);
  const count = view.getUint16(8, true);
  const out: string[] = [];
  const last = n - 1;
  let p = ZL_HEADER;
  let prevSize = 0;
  let lastStart = ZL_HEADER;
  while (p < last) {
    const start = p;
    // prevlen: one byte, or 0xfe and four bytes little-endian.
    let prev = zl[p]!;
    if (prev === 0xfe) {
      if (p + 5 > last) return null;
      prev = view.getUint32(p + 1, true);
      p += 5;
    } else if (prev === 0xff) return null;
    else p += 1;
    if (prev !== prevSize) return null;
    if (p >= last) return null;
    const b = zl[p]!;
    let value: string;
    const top = b >> 6;
    if (top === 0 || top === 1 || b === 0x80) {
      let len: number;
      if (top === 0) {
        len = b & 0x3f;
        p += 1;
      } else if (top === 1) {
        if (p + 2 > last) return null;
        len = ((b & 0x3f) << 8) | zl[p + 1]!;
        p += 2;
      } else {
        if (p + 5 > last) return null;
        len = view.getUint32(p + 1, false);
        p += 5;
      }
      if (len > last - p) return null;
      value = binary(zl, p, p + len);
      p += len;
    } else {
      switch (b) {
        case 0xc0:
          if (p + 3 > last) return null;
          value = String(view.getInt16(p + 1, true));
          p += 3;
          break;
        case 0xd0:
          if (p + 5 > last) return null;
          value = String(view.getInt32(p + 1, true));
          p += 5;
          break;
        case 0xe0:
          if (p + 9 > last) return null;
          value = String(view.getBigInt64(p + 1, true));
          p += 9;
          break;
        case 0xf0: {
          if (p + 4 > last) return null;
          const v = zl[p + 1]! | (zl[p + 2]! << 8) | (zl[p + 3]! << 16);
          value = String((v << 8) >> 8);
          p += 4;
          break;
        }
        case 0xfe:
          if (p + 2 > last) return null;
          value = String(view.getInt8(p + 1));
          p += 2;
          break;
        default:
          // 1111xxxx with xxxx in 0001..1101: the value xxxx - 1.
          if (b >= 0xf1 && b <= 0xfd) {
            value = String((b & 0x0f) - 1);
            p += 1;
            break;
          }
          return null;
      }
    }
    out.push(value);
    prevSize = p - start;
    lastStart = start;
  }
  if (p !== last || zl[last] !== ZL_END) return null;
  if (out.length > 0 && tail !== lastStart) return null;
  if (count !== 0xffff && count !== out.length) return null;
  return out;
}

// ---- zipmaps (RDB type 9: hashes written by Redis before 2.6)

/**
 * A zipmap's field, value, field, value... as binary strings, or null if malformed. Layout: a
 * count byte (254 or more: unknown), then per pair a length, the field, a length, a byte of
 * trailing free space, the value and that free space; lengths are one byte below 254, else 254
 * and four bytes little-endian; 0xff ends it.
 */
export function decodeZipmap(zm: Uint8Array): string[] | null {
  const n = zm.length;
  if (n < 2) return null;
  const count = zm[0]!;
  const last = n - 1;
  const out: string[] = [];
  const view = new DataView(zm.buffer, zm.byteOffset, zm.byteLength);
  let p = 1;
  const len = (): number => {
    if (p >= last) return -1;
    const b = zm[p]!;
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 255 || p + 5 > last) return -1;
    const v = view.getUint32(p + 1, true);
    p += 5;
    return v;
  };
  while (p < last) {
    const klen = len();
    if (klen < 0 || klen > last - p) return null;
    const field = binary(zm, p, p + klen);
    p += klen;
    const vlen = len();
    if (vlen < 0 || p >= last) return null;
    const free = zm[p++]!;
    if (vlen + free > last - p) return null;
    out.push(field, binary(zm, p, p + vlen));
    p += vlen + free;
  }
  if (p !== last || zm[last] !== 0xff) return null;
  if (count < 254 && count !== out.length / 2) return null;
  return out;
}

/** bytes[start, end) as a binary string (one char per byte). */
function binary(bytes: Uint8Array, start: number, end: number): string {
  let out = "";
  for (let i = start; i < end; i += 8192) {
    out += String.fromCharCode.apply(
      null,
      bytes.subarray(i, Math.min(end, i + 8192)) as unknown as number[],
    );
  }
  return out;
}
