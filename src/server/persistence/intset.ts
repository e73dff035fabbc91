// Decoding of the intset blob inside RDB type 11 (small all-integer sets): a 4-byte element
// width (2, 4 or 8), a 4-byte count, then the sorted, distinct integers, all little-endian.
// Malformed input gives null.

const IS_HEADER = 8;

/** The members as decimal strings in stored (ascending) order, or null if malformed. */
export function decodeIntset(blob: Uint8Array): string[] | null {
  if (blob.length < IS_HEADER) return null;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const width = view.getUint32(0, true);
  const count = view.getUint32(4, true);
  if (width !== 2 && width !== 4 && width !== 8) return null;
  if (blob.length !== IS_HEADER + width * count) return null;
  const out: string[] = new Array(count);
  let prev: bigint | number | undefined;
  for (let i = 0; i < count; i++) {
    const at = IS_HEADER + i * width;
    const v = width === 2
      ? view.getInt16(at, true)
      : width === 4
      ? view.getInt32(at, true)
      : view.getBigInt64(at, true);
    // Lookups binary-search the contents, so unsorted or repeated members are corruption.
    if (prev !== undefined && !(v > prev)) return null;
    prev = v;
    out[i] = String(v);
  }
  return out;
}

/** An intset of `members` (decimal integers within 64 bits), in the narrowest width. */
export function encodeIntset(members: readonly bigint[]): Uint8Array {
  const sorted = [...new Set(members)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of sorted) {
    if (v < -2147483648n || v > 2147483647n) width = 8;
    else if ((v < -32768n || v > 32767n) && width < 4) width = 4;
  }
  const out = new Uint8Array(IS_HEADER + width * sorted.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, width, true);
  view.setUint32(4, sorted.length, true);
  sorted.forEach((v, i) => {
    const at = IS_HEADER + i * width;
    if (width === 2) view.setInt16(at, Number(v), true);
    else if (width === 4) view.setInt32(at, Number(v), true);
    else view.setBigInt64(at, v, true);
  });
  return out;
}
