// A sans-IO RDB encoder: appends a snapshot's bytes to fixed-size chunks that the caller drains
// with `take()` (to stream to a file) or `bytes()` (one buffer, for small payloads), keeping a
// running CRC-64 of everything written. Encodes lengths, strings the way Redis chooses their
// encoding (small canonical integers, LZF for long compressible strings, else raw), the header,
// aux fields, db selectors, expiries, entries of every data type but streams, EOF and the
// checksum footer. Collections have both Redis 7.0's packed encodings (quicklist 18, intset 11,
// hash listpack 16, zset listpack 17), which snapshots use, and the plain ones every Redis
// since 2.x loads (list 1, set 2, hash 4, zset 5 with binary scores).
import { Crc64 } from "./crc64.ts";
import { lzfCompressInto } from "./lzf.ts";
import { encodeListpack } from "./listpack.ts";
import { encodeIntset } from "./intset.ts";
import { formatDouble } from "../../resp/mod.ts";
import { concatBytes } from "../../_util/binary.ts";
import {
  QUICKLIST_NODE_PACKED,
  RDB_32BITLEN,
  RDB_64BITLEN,
  RDB_ENC_INT16,
  RDB_ENC_INT32,
  RDB_ENC_INT8,
  RDB_ENC_LZF,
  RDB_INT_MAX_LENGTH,
  RDB_LZF_MIN_LENGTH,
  RDB_MAGIC,
  RDB_OPCODE_AUX,
  RDB_OPCODE_EOF,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_SELECTDB,
  RDB_TYPE_HASH,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_LIST,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_SET,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_ZSET_LISTPACK,
  RDB_VERSION,
} from "./rdb_format.ts";
import { MutableString, type StringValue } from "../../engine/values.ts";

const CHUNK_SIZE = 64 * 1024;
/** Listpack bytes per quicklist node: Redis's default list-max-listpack-size -2. */
const QUICKLIST_NODE_BYTES = 8192;

export interface RdbWriterOptions {
  /** LZF-compress long strings (Redis's rdbcompression, default on). */
  compression?: boolean;
  /** Write the CRC-64 footer (Redis's rdbchecksum, default on); zeros when off. */
  checksum?: boolean;
  /**
   * Called with each chunk as it is sealed, instead of keeping chunks for `take()`. The chunk
   * is only valid during the call: its buffer is reused (a synchronous file write needs no
   * more, and saves allocating a buffer per 64 KB).
   */
  sink?: (chunk: Uint8Array) => void;
}

/** The aux fields Redis 7.0 writes after the header, in its order. */
export interface RdbAuxFields {
  redisVer: string;
  /** Pointer size in bits (64). */
  redisBits: number;
  /** Creation time, unix seconds. */
  ctime: number;
  usedMem: number;
  /** True when the file is the base of a multi-part AOF. */
  aofBase: boolean;
  /**
   * The replication history the data stands at (a master with a backlog, or a replica): a node
   * restarted from the file continues it by partial resync, as Redis's do.
   */
  repl?: { streamDb: number; id: string; offset: number };
}

export class RdbWriter {
  readonly #compression: boolean;
  readonly #checksum: boolean;
  readonly #crc = new Crc64();
  /** Sealed chunks not yet taken. */
  #chunks: Uint8Array[] = [];
  #buf = new Uint8Array(CHUNK_SIZE);
  #pos = 0;
  /** Bytes sealed so far (taken or not). */
  #sealed = 0;
  // Scratch for the LZF path on binary-string values, reused between calls.
  #scratch = new Uint8Array(256);
  /** Buffers handed back by `recycle`. */
  readonly #free: Uint8Array<ArrayBuffer>[] = [];
  /** LZF output, reused likewise. */
  #packed = new Uint8Array(256);
  /** Receives each sealed chunk at once (then the buffer is reused), if set. */
  readonly #sink: ((chunk: Uint8Array) => void) | null;
  readonly #f64bytes = new Uint8Array(8);
  readonly #f64 = new DataView(this.#f64bytes.buffer);

  constructor(options: RdbWriterOptions = {}) {
    this.#compression = options.compression ?? true;
    this.#checksum = options.checksum ?? true;
    this.#sink = options.sink ?? null;
  }

  /** Bytes written since the writer was made. */
  get size(): number {
    return this.#sealed + this.#pos;
  }

  /**
   * Hands back a chunk from `take()` whose bytes are no longer needed (written out), so its
   * buffer is reused instead of allocating another: a background save takes a chunk every
   * millisecond, and fresh 64 KB buffers at that rate make V8 collect the whole heap often.
   */
  recycle(chunk: Uint8Array): void {
    if (chunk.buffer.byteLength === CHUNK_SIZE && this.#free.length < 4) {
      this.#free.push(new Uint8Array(chunk.buffer as ArrayBuffer));
    }
  }

  /** Drains everything written so far as chunks (in order); the writer keeps going. */
  take(): Uint8Array[] {
    this.#seal();
    const out = this.#chunks;
    this.#chunks = [];
    return out;
  }

  /** Drains everything written so far as one buffer. */
  bytes(): Uint8Array {
    const chunks = this.take();
    return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
  }

  // ---- primitives

  byte(b: number): void {
    if (this.#pos === this.#buf.length) this.#seal();
    this.#buf[this.#pos++] = b;
  }

  /** A length in the 6-, 14-, 32- or 64-bit form, the shortest that fits. */
  length(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad RDB length ${n}`);
    if (n < 1 << 6) this.byte(n);
    else if (n < 1 << 14) {
      this.byte(0x40 | (n >>> 8));
      this.byte(n & 0xff);
    } else if (n <= 0xffffffff) {
      this.byte(RDB_32BITLEN);
      this.#u32be(n);
    } else {
      this.byte(RDB_64BITLEN);
      this.#u32be(Math.floor(n / 0x100000000));
      this.#u32be(n >>> 0);
    }
  }

  /**
   * A string, encoded as Redis chooses: a canonical decimal integer of 32 bits or less as an
   * integer; with compression on, a string over 20 bytes that LZF shrinks by at least 4 bytes
   * as LZF; otherwise raw.
   */
  string(s: StringValue | Uint8Array): void {
    const len = s.length;
    if (len <= RDB_INT_MAX_LENGTH && this.#tryInt(s)) return;
    if (this.#compression && len > RDB_LZF_MIN_LENGTH && this.#tryLzf(s)) return;
    this.length(len);
    if (typeof s === "string") this.#binary(s);
    else this.#raw(s instanceof MutableString ? s.view() : s);
  }

  // ---- file structure

  /** "REDIS" and the version as four digits. */
  header(version = RDB_VERSION): void {
    const text = RDB_MAGIC + String(version).padStart(4, "0");
    this.#binary(text);
  }

  aux(key: string, value: string): void {
    this.byte(RDB_OPCODE_AUX);
    this.string(key);
    this.string(value);
  }

  /** The aux fields Redis 7.0 writes, in its order. */
  standardAux(fields: RdbAuxFields): void {
    this.aux("redis-ver", fields.redisVer);
    this.aux("redis-bits", String(fields.redisBits));
    this.aux("ctime", String(fields.ctime));
    this.aux("used-mem", String(fields.usedMem));
    if (fields.repl !== undefined) {
      this.aux("repl-stream-db", String(fields.repl.streamDb));
      this.aux("repl-id", fields.repl.id);
      this.aux("repl-offset", String(fields.repl.offset));
    }
    this.aux("aof-base", fields.aofBase ? "1" : "0");
  }

  selectDb(db: number): void {
    this.byte(RDB_OPCODE_SELECTDB);
    this.length(db);
  }

  /** Size hints for the db just selected: its key count and how many keys have an expiry. */
  resizeDb(keys: number, expires: number): void {
    this.byte(RDB_OPCODE_RESIZEDB);
    this.length(keys);
    this.length(expires);
  }

  /** Expiry of the next entry: unix time in ms, 8 bytes little-endian (signed). */
  expireMs(at: number): void {
    if (!Number.isSafeInteger(at)) throw new RangeError(`bad RDB expire time ${at}`);
    this.byte(RDB_OPCODE_EXPIRETIME_MS);
    const lo = at >>> 0; // two's complement low half, also for negative times
    const hi = Math.floor(at / 0x100000000) | 0;
    this.#u32le(lo);
    this.#u32le(hi >>> 0);
  }

  /** A string key and value (type 0), preceded by its expiry when it has one. */
  stringEntry(key: string, value: StringValue, expireAtMs?: number): void {
    if (expireAtMs !== undefined) this.expireMs(expireAtMs);
    this.byte(RDB_TYPE_STRING);
    this.string(key);
    this.string(value);
  }

  /** A list (type 1): its items head first. */
  listEntry(key: string, items: readonly StringValue[], expireAtMs?: number): void {
    if (expireAtMs !== undefined) this.expireMs(expireAtMs);
    this.byte(RDB_TYPE_LIST);
    this.string(key);
    this.length(items.length);
    for (const s of items) this.string(s);
  }

  /** A set (type 2): its members, distinct. */
  setEntry(key: string, members: readonly StringValue[], expireAtMs?: number): void {
    if (expireAtMs !== undefined) this.expireMs(expireAtMs);
    this.byte(RDB_TYPE_SET);
    this.string(key);
    this.length(members.length);
    for (const s of members) this.string(s);
  }

  /** A hash (type 4): field, value, field, value... with distinct fields. */
  hashEntry(key: string, pairs: readonly StringValue[], expireAtMs?: number): void {
    if (pairs.length % 2 !== 0) throw new RangeError("hash pairs need an even length");
    if (expireAtMs !== undefined) this.expireMs(expireAtMs);
    this.byte(RDB_TYPE_HASH);
    this.string(key);
    this.length(pairs.length / 2);
    for (const s of pairs) this.string(s);
  }

  /** A sorted set (type 5): distinct members with their scores as 8-byte binary doubles. */
  zsetEntry(
    key: string,
    pairs: readonly (readonly [StringValue, number])[],
    expireAtMs?: number,
  ): void {
    if (expireAtMs !== undefined) this.expireMs(expireAtMs);
    this.byte(RDB_TYPE_ZSET_2);
    this.string(key);
    this.#scored(pairs);
  }

  /**
   * A list as Redis 7.0 writes one (type 18): quicklist nodes, each a listpack of about 8 KB at
   * most (list-max-listpack-size -2), compressed like any string.
   */
  quicklistEntry(key: string, items: readonly string[], expireAtMs?: number): void {
    if (expireAtMs !== undefined) this.expireMs(expireAtMs);
    this.byte(RDB_TYPE_LIST_QUICKLIST_2);
    this.string(key);
    const nodes: string[][] = [];
    let node: string[] = [];
    let bytes = 0;
    for (const s of items) {
      // An entry costs its bytes plus at most 11 for its header and back-length.
      const cost = s.length + 11;
      if (node.length > 0 && bytes + cost > QUICKLIST_NODE_BYTES) {
        nodes.push(node);
        node = [];
        bytes = 0;
      }
      node.push(s);
      bytes += cost;
    }
    if (node.length > 0) nodes.push(node);
    this.length(nodes.length);
    for (const n of nodes) {
      this.length(QUICKLIST_NODE_PACKED);
      this.string(encodeListpack(n));
    }
  }

  /** A set of integers (type 11): one intset, as Redis writes a set with that encoding. */
  intsetEntry(key: string, members: readonly string[], expireAtMs?: number): void {
    if (expireAtMs !== undefined) this.expireMs(expireAtMs);
    this.byte(RDB_TYPE_SET_INTSET);
    this.string(key);
    this.string(encodeIntset(members.map(BigInt)));
  }

  /** A small hash (type 16): one listpack of field, value, field, value... */
  hashListpackEntry(key: string, pairs: readonly string[], expireAtMs?: number): void {
    if (expireAtMs !== undefined) this.expireMs(expireAtMs);
    this.byte(RDB_TYPE_HASH_LISTPACK);
    this.string(key);
    this.string(encodeListpack(pairs));
  }

  /**
   * A small sorted set (type 17): one listpack of member, score... in score order, scores as
   * Redis prints them into a listpack (integers as integers, else %.17g).
   */
  zsetListpackEntry(
    key: string,
    pairs: readonly (readonly [string, number])[],
    expireAtMs?: number,
  ): void {
    if (expireAtMs !== undefined) this.expireMs(expireAtMs);
    this.byte(RDB_TYPE_ZSET_LISTPACK);
    this.string(key);
    const flat: string[] = [];
    for (const [m, score] of pairs) {
      if (Number.isNaN(score)) throw new RangeError("zset score is NaN");
      flat.push(m, formatDouble(score));
    }
    this.string(encodeListpack(flat));
  }

  /** A value without key or expiry, as DUMP payloads hold it: type byte then encoding. */
  stringValue(value: StringValue): void {
    this.byte(RDB_TYPE_STRING);
    this.string(value);
  }

  listValue(items: readonly StringValue[]): void {
    this.byte(RDB_TYPE_LIST);
    this.#strings(items);
  }

  setValue(members: readonly StringValue[]): void {
    this.byte(RDB_TYPE_SET);
    this.#strings(members);
  }

  hashValue(pairs: readonly StringValue[]): void {
    if (pairs.length % 2 !== 0) throw new RangeError("hash pairs need an even length");
    this.byte(RDB_TYPE_HASH);
    this.length(pairs.length / 2);
    for (const s of pairs) this.string(s);
  }

  zsetValue(pairs: readonly (readonly [StringValue, number])[]): void {
    this.byte(RDB_TYPE_ZSET_2);
    this.#scored(pairs);
  }

  /** EOF and the 8-byte little-endian CRC-64 of every byte before it (zeros if checksum off). */
  end(): void {
    this.byte(RDB_OPCODE_EOF);
    this.#seal();
    const footer = new Uint8Array(8);
    if (this.#checksum) this.#crc.writeLE(footer);
    // Straight to the chunk list: the footer is not part of what it checksums.
    if (this.#sink !== null) this.#sink(footer);
    else this.#chunks.push(footer);
    this.#sealed += 8;
  }

  // ---- internals

  /** Moves the current buffer's bytes into the chunk list and starts a new buffer. */
  #seal(): void {
    if (this.#pos === 0) return;
    const chunk = this.#buf.subarray(0, this.#pos);
    if (this.#checksum) this.#crc.update(chunk);
    this.#sealed += this.#pos;
    this.#pos = 0;
    if (this.#sink !== null) {
      this.#sink(chunk);
      return;
    }
    this.#chunks.push(chunk);
    this.#buf = this.#free.pop() ?? new Uint8Array(CHUNK_SIZE);
  }

  #strings(items: readonly StringValue[]): void {
    this.length(items.length);
    for (const s of items) this.string(s);
  }

  /** A zset body: count, then member and 8-byte little-endian binary score per entry. */
  #scored(pairs: readonly (readonly [StringValue, number])[]): void {
    this.length(pairs.length);
    for (const [member, score] of pairs) {
      if (Number.isNaN(score)) throw new RangeError("zset score is NaN");
      this.string(member);
      this.#f64.setFloat64(0, score, true);
      for (let i = 0; i < 8; i++) this.byte(this.#f64bytes[i]!);
    }
  }

  #u32be(n: number): void {
    this.byte((n >>> 24) & 0xff);
    this.byte((n >>> 16) & 0xff);
    this.byte((n >>> 8) & 0xff);
    this.byte(n & 0xff);
  }

  #u32le(n: number): void {
    this.byte(n & 0xff);
    this.byte((n >>> 8) & 0xff);
    this.byte((n >>> 16) & 0xff);
    this.byte((n >>> 24) & 0xff);
  }

  /** Appends a binary string's bytes (one char per byte). */
  #binary(s: string): void {
    const n = s.length;
    let i = 0;
    while (i < n) {
      if (this.#pos === this.#buf.length) this.#seal();
      const buf = this.#buf;
      const end = Math.min(n, i + buf.length - this.#pos);
      let p = this.#pos;
      for (; i < end; i++) buf[p++] = s.charCodeAt(i);
      this.#pos = p;
    }
  }

  /** Appends bytes, copying (the caller may reuse them). */
  #raw(b: Uint8Array): void {
    let i = 0;
    while (i < b.length) {
      if (this.#pos === this.#buf.length) this.#seal();
      const take = Math.min(b.length - i, this.#buf.length - this.#pos);
      this.#buf.set(b.subarray(i, i + take), this.#pos);
      this.#pos += take;
      i += take;
    }
  }

  /** Writes `s` as an integer encoding if it is a canonical decimal fitting 32 bits. */
  #tryInt(s: StringValue | Uint8Array): boolean {
    const v = canonicalInt32(s);
    if (v === null) return false;
    if (v >= -128 && v <= 127) {
      this.byte(0xc0 | RDB_ENC_INT8);
      this.byte(v & 0xff);
    } else if (v >= -32768 && v <= 32767) {
      this.byte(0xc0 | RDB_ENC_INT16);
      this.byte(v & 0xff);
      this.byte((v >>> 8) & 0xff);
    } else {
      this.byte(0xc0 | RDB_ENC_INT32);
      this.#u32le(v >>> 0);
    }
    return true;
  }

  /** Writes `s` LZF-compressed if that saves at least 4 bytes, as Redis requires. */
  #tryLzf(s: StringValue | Uint8Array): boolean {
    const len = s.length;
    let input: Uint8Array;
    if (typeof s === "string") {
      if (this.#scratch.length < len) {
        this.#scratch = new Uint8Array(Math.max(len, 2 * this.#scratch.length));
      }
      input = this.#scratch.subarray(0, len);
      for (let i = 0; i < len; i++) input[i] = s.charCodeAt(i);
    } else input = s instanceof MutableString ? s.view() : s;
    if (this.#packed.length < len) {
      this.#packed = new Uint8Array(Math.max(len, 2 * this.#packed.length));
    }
    const packedLen = lzfCompressInto(input, len, this.#packed, len - 4);
    if (packedLen < 0) return false;
    this.byte(0xc0 | RDB_ENC_LZF);
    this.length(packedLen);
    this.length(len);
    this.#raw(this.#packed.subarray(0, packedLen));
    return true;
  }
}

/**
 * The value of `s` if it is a decimal integer exactly as Redis would print it (no sign on zero,
 * no leading zeros, no "+", no spaces) within 32 bits; else null.
 */
export function canonicalInt32(s: StringValue | Uint8Array): number | null {
  const bytes = s instanceof MutableString ? s.view() : s;
  const n = bytes.length;
  if (n === 0 || n > RDB_INT_MAX_LENGTH) return null;
  const str = typeof bytes === "string";
  let i = 0;
  const neg = (str ? bytes.charCodeAt(0) : bytes[0]) === 0x2d;
  if (neg) i = 1;
  if (i === n) return null;
  const first = str ? bytes.charCodeAt(i) : bytes[i];
  if (first === 0x30) return n === 1 ? 0 : null; // "0" only: "-0" and "01" stay strings
  let v = 0;
  for (; i < n; i++) {
    const c = str ? bytes.charCodeAt(i) : bytes[i]!;
    if (c < 0x30 || c > 0x39) return null;
    v = v * 10 + (c - 0x30);
  }
  if (neg) v = -v;
  return v >= -2147483648 && v <= 2147483647 ? v : null;
}
