// An RDB decoder over a whole file in memory: header (versions 1..10), aux fields, db selectors,
// size hints, both expiry opcodes, string entries in every string encoding, EOF and the CRC-64
// footer. Each key goes to a callback; other value types are refused by number until their
// readers exist. Every read is bounds-checked, so truncated or corrupt input gives an RdbError
// naming the offset, never an out-of-bounds read or a loop.
import { Crc64 } from "./crc64.ts";
import { lzfDecompress } from "./lzf.ts";
import {
  RDB_32BITLEN,
  RDB_64BITLEN,
  RDB_CHECKSUM_VERSION,
  RDB_ENC_INT16,
  RDB_ENC_INT32,
  RDB_ENC_INT8,
  RDB_ENC_LZF,
  RDB_ENCVAL,
  RDB_MAGIC,
  RDB_MIN_VERSION,
  RDB_OPCODE_AUX,
  RDB_OPCODE_EOF,
  RDB_OPCODE_EXPIRETIME,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_FREQ,
  RDB_OPCODE_IDLE,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_SELECTDB,
  RDB_TYPE_STRING,
  RDB_VERSION,
} from "./rdb_format.ts";

/** A file this reader cannot load; `offset` is where the problem was found. */
export class RdbError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = "RdbError";
    this.offset = offset;
  }
}

export interface RdbReadOptions {
  /** Each aux field, in file order. */
  onAux?: (key: string, value: string) => void;
  /** RESIZEDB size hints for `db`. */
  onResize?: (db: number, keys: number, expires: number) => void;
}

export interface RdbSummary {
  version: number;
  /** Aux fields (the last value wins if one repeats). */
  aux: Map<string, string>;
  /** Keys read. */
  keys: number;
  /** Offset just past the footer. */
  end: number;
}

/**
 * The callback per key: `db`, key and value as binary strings, and the expiry (unix ms) if it
 * has one. Keys whose expiry has passed are reported too: dropping them is the loader's choice.
 */
export type RdbKeyCallback = (
  db: number,
  key: string,
  value: string,
  expireAtMs: number | undefined,
) => void;

/** Reads a whole RDB file, calling `onKey` per key. Throws RdbError on anything it can't load. */
export function readRdb(
  bytes: Uint8Array,
  onKey: RdbKeyCallback,
  options: RdbReadOptions = {},
): RdbSummary {
  const r = new Cursor(bytes);
  const version = readHeader(r);
  const aux = new Map<string, string>();
  let db = 0;
  let keys = 0;
  let expireAt: number | undefined;
  for (;;) {
    const at = r.pos;
    const op = r.u8();
    switch (op) {
      case RDB_OPCODE_EOF: {
        if (expireAt !== undefined) throw new RdbError("expire time without a key", at);
        if (version >= RDB_CHECKSUM_VERSION) {
          r.need(8);
          const sumAt = r.pos;
          if (
            !isZero(bytes, sumAt) && !new Crc64().update(bytes.subarray(0, sumAt)).equalsLE(
              bytes,
              sumAt,
            )
          ) {
            throw new RdbError("RDB checksum mismatch", sumAt);
          }
          r.pos += 8;
        }
        return { version, aux, keys, end: r.pos };
      }
      case RDB_OPCODE_AUX: {
        const k = r.string();
        const v = r.string();
        aux.set(k, v);
        options.onAux?.(k, v);
        break;
      }
      case RDB_OPCODE_SELECTDB:
        db = r.length();
        break;
      case RDB_OPCODE_RESIZEDB: {
        const n = r.length();
        const e = r.length();
        options.onResize?.(db, n, e);
        break;
      }
      case RDB_OPCODE_EXPIRETIME_MS: {
        const lo = r.u32le();
        const hi = r.u32le() | 0; // signed high half
        const ms = hi * 0x100000000 + lo;
        if (!Number.isSafeInteger(ms)) throw new RdbError("expire time out of range", at);
        expireAt = ms;
        break;
      }
      case RDB_OPCODE_EXPIRETIME:
        expireAt = (r.u32le() | 0) * 1000;
        break;
      case RDB_OPCODE_IDLE:
        r.length(); // LRU idle time: hakv keeps no LRU clock
        break;
      case RDB_OPCODE_FREQ:
        r.u8(); // LFU counter: likewise
        break;
      case RDB_TYPE_STRING: {
        const key = r.string();
        const value = r.string();
        onKey(db, key, value, expireAt);
        expireAt = undefined;
        keys++;
        break;
      }
      default:
        if (op >= 0xf0) throw new RdbError(`unsupported opcode ${op}`, at);
        throw new RdbError(`unsupported type ${op}`, at);
    }
  }
}

function readHeader(r: Cursor): number {
  const bytes = r.bytes;
  if (bytes.length < 9) throw new RdbError("truncated RDB header", bytes.length);
  for (let i = 0; i < RDB_MAGIC.length; i++) {
    if (bytes[i] !== RDB_MAGIC.charCodeAt(i)) {
      throw new RdbError("wrong signature, not an RDB file", 0);
    }
  }
  let version = 0;
  for (let i = 5; i < 9; i++) {
    const c = bytes[i]!;
    if (c < 0x30 || c > 0x39) throw new RdbError("bad RDB version digits", i);
    version = version * 10 + (c - 0x30);
  }
  if (version < RDB_MIN_VERSION || version > RDB_VERSION) {
    throw new RdbError(`can't handle RDB format version ${version}`, 5);
  }
  r.pos = 9;
  return version;
}

function isZero(b: Uint8Array, at: number): boolean {
  for (let i = at; i < at + 8; i++) if (b[i] !== 0) return false;
  return true;
}

/** A bounds-checked read position over the file. */
class Cursor {
  readonly bytes: Uint8Array;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  need(n: number): void {
    if (n > this.bytes.length - this.pos) {
      throw new RdbError(`unexpected end of file (need ${n} bytes)`, this.pos);
    }
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  u32le(): number {
    this.need(4);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  u32be(): number {
    this.need(4);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** A length; a special string encoding here is corruption. */
  length(): number {
    const at = this.pos;
    const n = this.lengthOrEncoding();
    if (n < 0) throw new RdbError("string encoding where a length was expected", at);
    return n;
  }

  /** A length (>= 0), or -1 - encoding for a special string encoding. */
  lengthOrEncoding(): number {
    const at = this.pos;
    const first = this.u8();
    switch (first >>> 6) {
      case 0:
        return first & 0x3f;
      case 1:
        return ((first & 0x3f) << 8) | this.u8();
      case RDB_ENCVAL:
        return -1 - (first & 0x3f);
    }
    if (first === RDB_32BITLEN) return this.u32be();
    if (first === RDB_64BITLEN) {
      const hi = this.u32be();
      const lo = this.u32be();
      if (hi > 0x1fffff) throw new RdbError("length too large", at);
      return hi * 0x100000000 + lo;
    }
    throw new RdbError(`unknown length encoding ${first}`, at);
  }

  /** A string in any encoding, as a binary string. */
  string(): string {
    const at = this.pos;
    const n = this.lengthOrEncoding();
    if (n >= 0) {
      this.need(n);
      const s = binary(this.bytes, this.pos, this.pos + n);
      this.pos += n;
      return s;
    }
    const enc = -1 - n;
    switch (enc) {
      case RDB_ENC_INT8:
        return String((this.u8() << 24) >> 24);
      case RDB_ENC_INT16: {
        const lo = this.u8();
        return String(((this.u8() << 24) >> 16) | lo);
      }
      case RDB_ENC_INT32:
        return String(this.u32le() | 0);
      case RDB_ENC_LZF: {
        const clen = this.length();
        const len = this.length();
        this.need(clen);
        // A reference expands at most 264 bytes from 2-3 input bytes: anything claiming more is
        // corrupt, and checking first keeps a bad length from allocating a huge buffer.
        if (len === 0 || len > clen * 132) throw new RdbError("bad LZF lengths", at);
        const out = lzfDecompress(this.bytes.subarray(this.pos, this.pos + clen), len);
        if (out === null) throw new RdbError("corrupt LZF data", this.pos);
        this.pos += clen;
        return binary(out, 0, out.length);
      }
    }
    throw new RdbError(`unknown string encoding ${enc}`, at);
  }
}

/** bytes[start, end) as a binary string (one char per byte). */
function binary(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 8192) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  let out = "";
  for (let i = start; i < end; i += 8192) {
    out += String.fromCharCode.apply(
      null,
      bytes.subarray(i, Math.min(end, i + 8192)) as unknown as number[],
    );
  }
  return out;
}
