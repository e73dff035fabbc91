// An RDB decoder over a whole file in memory: header (versions 1..10), aux fields, db selectors,
// size hints, both expiry opcodes, EOF and the CRC-64 footer, and the values: strings in every
// string encoding, lists, sets, hashes and sorted sets in every encoding Redis 7.0 writes or
// still loads, decoded into a neutral form (RdbValue), not engine classes.
// Streams and modules are refused by number. Every read is bounds-checked, so truncated or
// corrupt input gives an RdbError naming the offset, never an out-of-bounds read or a loop.
import { Crc64 } from "./crc64.ts";
import { lzfDecompressInto } from "./lzf.ts";
import { latin1 } from "../../_util/binary.ts";
import { decodeListpack, decodeZiplist, decodeZipmap } from "./listpack.ts";
import { decodeIntset } from "./intset.ts";
import {
  QUICKLIST_NODE_PACKED,
  QUICKLIST_NODE_PLAIN,
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
  RDB_TYPE_HASH,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_HASH_ZIPLIST,
  RDB_TYPE_HASH_ZIPMAP,
  RDB_TYPE_LIST,
  RDB_TYPE_LIST_QUICKLIST,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_LIST_ZIPLIST,
  RDB_TYPE_SET,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_ZSET_LISTPACK,
  RDB_TYPE_ZSET_ZIPLIST,
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

/** A list's items, head first. */
export interface RdbList {
  type: "list";
  items: string[];
}
/** A set's members, in file order (no duplicates in a well-formed file). */
export interface RdbSet {
  type: "set";
  members: string[];
}
/** A hash as field, value, field, value... */
export interface RdbHash {
  type: "hash";
  pairs: string[];
}
/** A sorted set's members and scores, in file order. */
export interface RdbZset {
  type: "zset";
  pairs: [string, number][];
}
/** A value as read: a plain binary string for strings, else a collection's contents. */
export type RdbValue = string | RdbList | RdbSet | RdbHash | RdbZset;

/**
 * The callback per key: `db`, the key as a binary string, its value, and the expiry (unix ms)
 * if it has one. Keys whose expiry has passed are reported too: dropping them is the loader's
 * choice.
 */
export type RdbKeyCallback = (
  db: number,
  key: string,
  value: RdbValue,
  expireAtMs: number | undefined,
) => void;

/** Reads a whole RDB file, calling `onKey` per key. Throws RdbError on anything it can't load. */
export function readRdb(
  bytes: Uint8Array,
  onKey: RdbKeyCallback,
  options: RdbReadOptions = {},
): RdbSummary {
  const reader = new RdbReader(bytes, onKey, options);
  for (;;) {
    const summary = reader.step(Infinity);
    if (summary !== null) return summary;
  }
}

/**
 * An RDB file read a part at a time, so a server can answer clients (-LOADING) between parts.
 * The header is checked when the reader is made; `step` reads on from where it stopped.
 */
export class RdbReader {
  readonly #r: Cursor;
  readonly #onKey: RdbKeyCallback;
  readonly #options: RdbReadOptions;
  readonly #version: number;
  readonly #aux = new Map<string, string>();
  #db = 0;
  #keys = 0;
  #expireAt: number | undefined = undefined;

  /** The last step stopped because the bytes fed so far end inside a record. */
  #starved = false;

  /**
   * `bytes` is the whole file, or with `more` its first part (at least the 9-byte header): the
   * rest comes by `feed` as it arrives (a replica loading while its master still sends).
   */
  constructor(
    bytes: Uint8Array,
    onKey: RdbKeyCallback,
    options: RdbReadOptions = {},
    more = false,
  ) {
    this.#r = new Cursor(bytes);
    this.#onKey = onKey;
    this.#options = options;
    this.#version = readHeader(this.#r);
    this.#r.more = more;
  }

  /**
   * More of the file arrived: `bytes` is everything so far (the same bytes at the same offsets,
   * then new ones), `final` once it is the whole file.
   */
  feed(bytes: Uint8Array, final: boolean): void {
    this.#r.bytes = bytes;
    this.#r.more = !final;
  }

  /** True when the last step stopped at the end of the bytes fed so far, not at a record's. */
  get starved(): boolean {
    return this.#starved;
  }

  /** Offset of the next byte to read. */
  get position(): number {
    return this.#r.pos;
  }

  /**
   * Reads on until at least `bytes` more bytes are consumed or the file ends. Returns the
   * summary at EOF (checksum verified), else null. Throws RdbError.
   */
  step(bytes: number): RdbSummary | null {
    const r = this.#r;
    this.#starved = false;
    this.#recordAt = r.pos;
    try {
      return this.#step(r.pos + bytes);
    } catch (err) {
      if (err !== NEED_MORE) throw err;
      // The record at `at` isn't all here yet: it is read again, whole, after the next feed.
      // Nothing of it took effect (each record acts only once it is read to its end).
      r.pos = this.#recordAt;
      this.#starved = true;
      return null;
    }
  }

  /** Where the record being read began. */
  #recordAt = 0;

  #step(stop: number): RdbSummary | null {
    const r = this.#r;
    while (r.pos < stop) {
      const at = r.pos;
      this.#recordAt = at;
      const op = r.u8();
      switch (op) {
        case RDB_OPCODE_EOF:
          return this.#eof(at);
        case RDB_OPCODE_AUX: {
          const k = r.string();
          const v = r.string();
          this.#aux.set(k, v);
          this.#options.onAux?.(k, v);
          break;
        }
        case RDB_OPCODE_SELECTDB:
          this.#db = r.length();
          break;
        case RDB_OPCODE_RESIZEDB: {
          const n = r.length();
          const e = r.length();
          this.#options.onResize?.(this.#db, n, e);
          break;
        }
        case RDB_OPCODE_EXPIRETIME_MS: {
          const lo = r.u32le();
          const hi = r.u32le() | 0; // signed high half
          const ms = hi * 0x100000000 + lo;
          if (!Number.isSafeInteger(ms)) throw new RdbError("expire time out of range", at);
          this.#expireAt = ms;
          break;
        }
        case RDB_OPCODE_EXPIRETIME:
          this.#expireAt = (r.u32le() | 0) * 1000;
          break;
        case RDB_OPCODE_IDLE:
          r.length(); // LRU idle time: hakv keeps no LRU clock
          break;
        case RDB_OPCODE_FREQ:
          r.u8(); // LFU counter: likewise
          break;
        default: {
          if (op >= 0xf0) throw new RdbError(`unsupported opcode ${op}`, at);
          const key = r.string();
          const value = readValue(r, op, at);
          this.#onKey(this.#db, key, value, this.#expireAt);
          this.#expireAt = undefined;
          this.#keys++;
        }
      }
    }
    return null;
  }

  #eof(at: number): RdbSummary {
    const r = this.#r;
    const bytes = r.bytes;
    if (this.#expireAt !== undefined) throw new RdbError("expire time without a key", at);
    if (this.#version >= RDB_CHECKSUM_VERSION) {
      r.need(8);
      const sumAt = r.pos;
      if (
        !isZero(bytes, sumAt) &&
        !new Crc64().update(bytes.subarray(0, sumAt)).equalsLE(bytes, sumAt)
      ) {
        throw new RdbError("RDB checksum mismatch", sumAt);
      }
      r.pos += 8;
    }
    return { version: this.#version, aux: this.#aux, keys: this.#keys, end: r.pos };
  }
}

/**
 * One value on its own, as DUMP payloads hold it: the type byte then the value's encoding, filling
 * `bytes` exactly. Throws RdbError if it is malformed, unsupported or followed by extra bytes.
 */
export function readRdbValue(bytes: Uint8Array): RdbValue {
  const r = new Cursor(bytes);
  const type = r.u8();
  const value = readValue(r, type, 0);
  if (r.pos !== bytes.length) throw new RdbError("trailing bytes after the value", r.pos);
  return value;
}

/** The value of type `type` (whose type byte was at `at`). */
function readValue(r: Cursor, type: number, at: number): RdbValue {
  switch (type) {
    case RDB_TYPE_STRING:
      return r.string();
    case RDB_TYPE_LIST:
      return { type: "list", items: readStrings(r, r.length()) };
    case RDB_TYPE_SET:
      return { type: "set", members: readStrings(r, r.length()) };
    case RDB_TYPE_HASH: {
      return { type: "hash", pairs: readStrings(r, r.length() * 2) };
    }
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2: {
      const n = r.length();
      r.need(Math.min(n * 2, Number.MAX_SAFE_INTEGER));
      const pairs: [string, number][] = [];
      for (let i = 0; i < n; i++) {
        const member = r.string();
        const scoreAt = r.pos;
        const score = type === RDB_TYPE_ZSET_2 ? r.f64le() : r.oldScore();
        if (Number.isNaN(score)) throw new RdbError("zset score is NaN", scoreAt);
        pairs.push([member, score]);
      }
      return { type: "zset", pairs };
    }
    case RDB_TYPE_SET_INTSET: {
      const members = decodeIntset(r.blob());
      if (members === null) throw new RdbError("corrupt intset", at);
      return { type: "set", members };
    }
    case RDB_TYPE_LIST_ZIPLIST:
      return { type: "list", items: packed(r.blob(), false, at) };
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: {
      const nodes = r.length();
      r.need(Math.min(nodes * 2, Number.MAX_SAFE_INTEGER));
      const items: string[] = [];
      for (let i = 0; i < nodes; i++) {
        let container = QUICKLIST_NODE_PACKED;
        if (type === RDB_TYPE_LIST_QUICKLIST_2) {
          const cAt = r.pos;
          container = r.length();
          if (container === QUICKLIST_NODE_PLAIN) {
            items.push(r.string());
            continue;
          }
          if (container !== QUICKLIST_NODE_PACKED) {
            throw new RdbError(`unknown quicklist container ${container}`, cAt);
          }
        }
        const node = packed(r.blob(), type === RDB_TYPE_LIST_QUICKLIST_2, at);
        for (const item of node) items.push(item);
      }
      return { type: "list", items };
    }
    case RDB_TYPE_HASH_ZIPMAP: {
      const pairs = decodeZipmap(r.blob());
      if (pairs === null) throw new RdbError("corrupt zipmap", at);
      return { type: "hash", pairs };
    }
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK: {
      const pairs = packed(r.blob(), type === RDB_TYPE_HASH_LISTPACK, at);
      if (pairs.length % 2 !== 0) throw new RdbError("hash with an odd element count", at);
      return { type: "hash", pairs };
    }
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK: {
      const flat = packed(r.blob(), type === RDB_TYPE_ZSET_LISTPACK, at);
      if (flat.length % 2 !== 0) throw new RdbError("zset with an odd element count", at);
      const pairs: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const score = parseScore(flat[i + 1]!);
        if (score === null) throw new RdbError("bad zset score", at);
        pairs.push([flat[i]!, score]);
      }
      return { type: "zset", pairs };
    }
  }
  throw new RdbError(`unsupported type ${type}`, at);
}

/** `n` strings in a row. */
function readStrings(r: Cursor, n: number): string[] {
  // Every string takes at least one byte: refuse counts the file can't hold before allocating.
  r.need(n);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.string());
  return out;
}

/** A listpack's or ziplist's elements; RdbError if malformed. */
function packed(blob: Uint8Array, listpack: boolean, at: number): string[] {
  const items = listpack ? decodeListpack(blob) : decodeZiplist(blob);
  if (items === null) throw new RdbError(listpack ? "corrupt listpack" : "corrupt ziplist", at);
  return items;
}

/** A score stored as text in a listpack or ziplist ("inf", "-inf", decimal), or null. */
function parseScore(s: string): number | null {
  switch (s.toLowerCase()) {
    case "inf":
    case "+inf":
    case "infinity":
    case "+infinity":
      return Infinity;
    case "-inf":
    case "-infinity":
      return -Infinity;
  }
  if (s.length === 0 || s.trim() !== s) return null;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
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

/** Thrown by a Cursor that ran short of bytes while more may come; never escapes RdbReader. */
const NEED_MORE = new Error("RDB reader needs more bytes");

/** A bounds-checked read position over the file. */
class Cursor {
  bytes: Uint8Array;
  pos = 0;
  /** More bytes may come (a file read as it arrives): running short throws NEED_MORE. */
  more = false;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  need(n: number): void {
    if (n > this.bytes.length - this.pos) {
      if (this.more) throw NEED_MORE;
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

  /** An 8-byte little-endian IEEE double. */
  f64le(): number {
    this.need(8);
    const b = this.bytes;
    const v = new DataView(b.buffer, b.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** A type-3 zset score: a length byte (253 NaN, 254 +inf, 255 -inf) then its text. */
  oldScore(): number {
    const at = this.pos;
    const n = this.u8();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    this.need(n);
    const v = parseScore(latin1(this.bytes, this.pos, this.pos + n));
    if (v === null) throw new RdbError("bad zset score", at);
    this.pos += n;
    return v;
  }

  /** A string holding a packed blob (listpack, ziplist, intset), as bytes. */
  blob(): Uint8Array {
    const at = this.pos;
    const n = this.lengthOrEncoding();
    if (n >= 0) {
      this.need(n);
      this.pos += n;
      return this.bytes.subarray(this.pos - n, this.pos);
    }
    if (-1 - n !== RDB_ENC_LZF) throw new RdbError("integer where a packed blob was expected", at);
    return this.lzf(at);
  }

  /** The body of an LZF string (its encoding byte already read), decompressed. */
  lzf(at: number): Uint8Array {
    const clen = this.length();
    const len = this.length();
    this.need(clen);
    // A reference expands at most 264 bytes from 2-3 input bytes: anything claiming more is
    // corrupt, and checking first keeps a bad length from allocating a huge buffer.
    if (len === 0 || len > clen * 132) throw new RdbError("bad LZF lengths", at);
    const out = new Uint8Array(len);
    if (!lzfDecompressInto(this.bytes, this.pos, this.pos + clen, out, len)) {
      throw new RdbError("corrupt LZF data", this.pos);
    }
    this.pos += clen;
    return out;
  }

  /** An LZF string's body as a binary string, decompressed through a reused buffer. */
  lzfString(at: number): string {
    const clen = this.length();
    const len = this.length();
    this.need(clen);
    if (len === 0 || len > clen * 132) throw new RdbError("bad LZF lengths", at);
    if (lzfScratch.length < len) lzfScratch = new Uint8Array(Math.max(len, 2 * lzfScratch.length));
    if (!lzfDecompressInto(this.bytes, this.pos, this.pos + clen, lzfScratch, len)) {
      throw new RdbError("corrupt LZF data", this.pos);
    }
    this.pos += clen;
    return latin1(lzfScratch, 0, len);
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
      const s = latin1(this.bytes, this.pos, this.pos + n);
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
      case RDB_ENC_LZF:
        return this.lzfString(at);
    }
    throw new RdbError(`unknown string encoding ${enc}`, at);
  }
}

/** Decompressed LZF strings land here before they become binary strings. */
let lzfScratch = new Uint8Array(1024);
