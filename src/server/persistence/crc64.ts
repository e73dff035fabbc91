// Redis's CRC-64 (Jones polynomial 0xad93d23594c935a9, reflected in and out, initial value 0,
// no final xor): the checksum closing RDB files and DUMP payloads. Table-driven slicing-by-8 on
// two 32-bit halves, so whole snapshot files are checksummed without a bigint per byte.

/** The reflected polynomial, as two 32-bit halves. */
const POLY_LO = 0xac4bc9b5;
const POLY_HI = 0x95ac9329;

// TLO/THI[k * 256 + i]: the CRC of byte i followed by k zero bytes (low and high halves).
const TLO = new Uint32Array(8 * 256);
const THI = new Uint32Array(8 * 256);

for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let bit = 0; bit < 8; bit++) {
    const lsb = lo & 1;
    lo = (lo >>> 1) | ((hi & 1) << 31);
    hi = hi >>> 1;
    if (lsb) {
      lo ^= POLY_LO;
      hi ^= POLY_HI;
    }
  }
  TLO[i] = lo >>> 0;
  THI[i] = hi >>> 0;
}
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const lo = TLO[(k - 1) * 256 + i]!;
    const hi = THI[(k - 1) * 256 + i]!;
    const j = lo & 0xff;
    TLO[k * 256 + i] = (((lo >>> 8) | (hi << 24)) ^ TLO[j]!) >>> 0;
    THI[k * 256 + i] = ((hi >>> 8) ^ THI[j]!) >>> 0;
  }
}

/** An incremental CRC-64: feed chunks with `update`, read the result with `digest`. */
export class Crc64 {
  /** Low and high 32 bits of the running CRC. */
  lo = 0;
  hi = 0;

  constructor(initial: bigint = 0n) {
    this.lo = Number(initial & 0xffffffffn);
    this.hi = Number((initial >> 32n) & 0xffffffffn);
  }

  update(bytes: Uint8Array): this {
    let lo = this.lo;
    let hi = this.hi;
    const n = bytes.length;
    let i = 0;
    for (const end = n - 7; i < end; i += 8) {
      const a = (lo ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) |
        (bytes[i + 3]! << 24))) >>> 0;
      const b = (hi ^ (bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) |
        (bytes[i + 7]! << 24))) >>> 0;
      const i7 = 1792 + (a & 0xff);
      const i6 = 1536 + ((a >>> 8) & 0xff);
      const i5 = 1280 + ((a >>> 16) & 0xff);
      const i4 = 1024 + (a >>> 24);
      const i3 = 768 + (b & 0xff);
      const i2 = 512 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo = TLO[i7]! ^ TLO[i6]! ^ TLO[i5]! ^ TLO[i4]! ^ TLO[i3]! ^ TLO[i2]! ^ TLO[i1]! ^ TLO[i0]!;
      hi = THI[i7]! ^ THI[i6]! ^ THI[i5]! ^ THI[i4]! ^ THI[i3]! ^ THI[i2]! ^ THI[i1]! ^ THI[i0]!;
    }
    for (; i < n; i++) {
      const j = (lo ^ bytes[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ TLO[j]!;
      hi = (hi >>> 8) ^ THI[j]!;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  digest(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** Writes the CRC as 8 little-endian bytes at `out[at]`, as RDB files and DUMP store it. */
  writeLE(out: Uint8Array, at = 0): void {
    const lo = this.lo;
    const hi = this.hi;
    out[at] = lo & 0xff;
    out[at + 1] = (lo >>> 8) & 0xff;
    out[at + 2] = (lo >>> 16) & 0xff;
    out[at + 3] = lo >>> 24;
    out[at + 4] = hi & 0xff;
    out[at + 5] = (hi >>> 8) & 0xff;
    out[at + 6] = (hi >>> 16) & 0xff;
    out[at + 7] = hi >>> 24;
  }

  /** True if the 8 little-endian bytes at `bytes[at]` equal the CRC. */
  equalsLE(bytes: Uint8Array, at: number): boolean {
    if (at < 0 || at + 8 > bytes.length) return false;
    const lo = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) |
      (bytes[at + 3]! << 24)) >>> 0;
    const hi = (bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) |
      (bytes[at + 7]! << 24)) >>> 0;
    return lo === this.lo && hi === this.hi;
  }
}

/** CRC-64 of `bytes`, continuing from `crc` (0 to start), like Redis's crc64(crc, s, l). */
export function crc64(crc: bigint, bytes: Uint8Array): bigint {
  return new Crc64(crc).update(bytes).digest();
}
