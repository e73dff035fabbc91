// DEBUG DIGEST and DEBUG DIGEST-VALUE: the SHA1-based signature Redis computes over a dataset,
// reproduced bit for bit so two servers (or one before and after a reload) can be compared.
//
// Two ways of folding bytes into a 20-byte digest D are used (observed against redis-server):
//   xor(D, bytes): D ^= SHA1(bytes)              order-independent (set members, hash pairs)
//   mix(D, bytes): D = SHA1(D ^ SHA1(bytes))     order-dependent (list items, key then value)
// A key's digest starts at zero: mix(key), mix(type as a 4-byte big-endian code), then the value
// (a string: mix; a list: mix each item; a set: xor each member; a hash or sorted set: xor the
// digest of each pair, itself mix(field or member) then mix(value or %.17g score)), then
// xor("!!expire!!") if the key has a TTL (the time itself is not digested). The dataset digest
// starts at zero and for each non-empty database mixes its index, then xors every key's digest.
//
// SHA1 is computed here in JS on 32-bit words rather than through node:crypto: almost every
// input is one 64-byte block (20-byte digests, short keys), and a native hash object costs
// about 2.7 µs a call against about 0.15 µs for one block here; seven hashes per key would make
// a million keys take 20 s instead of about 1. Long inputs go to node:crypto.
import { createHash } from "node:crypto";
import type { HashValue } from "./hash.ts";
import type { Keyspace } from "./keyspace.ts";
import type { ListValue } from "./list.ts";
import type { SetValue } from "./set.ts";
import { type Collection, MutableString, type Value } from "./values.ts";
import type { ZSetValue } from "./zset.ts";

/** How a sorted-set score is written before it is digested (Redis: printf's %.17g). */
export type ScoreText = (score: number) => string;

export interface DigestOptions {
  /** Formats scores as Redis's %.17g (the engine does not own number formatting). */
  scoreText: ScoreText;
}

export interface ValueDigestOptions extends DigestOptions {
  /** Whether the key holding the value has a TTL. */
  ttl: boolean;
}

/** The hex digest of an empty dataset or a missing key. */
export const EMPTY_DIGEST = "0000000000000000000000000000000000000000";

/** DEBUG DIGEST: every key of every database, including expired keys not yet removed. */
export function datasetDigest(ks: Keyspace, options: DigestOptions): string {
  const total = new Int32Array(5);
  const key = new Int32Array(5);
  const elem = new Int32Array(5);
  for (let db = 0; db < ks.databases; db++) {
    if (ks.db(db).size === 0) continue;
    mixInt(total, db);
    for (const shard of ks.shards) {
      const t = shard.tables[db]!;
      const expires = t.expires;
      for (const [k, v] of t.data) {
        key.fill(0);
        mixString(key, k);
        valueInto(key, elem, v, expires.size > 0 && expires.has(k), options.scoreText);
        xorWords(total, key);
      }
    }
  }
  return hex(total);
}

/** DEBUG DIGEST-VALUE for one key's value (the key name is not part of it). */
export function valueDigest(value: Value, options: ValueDigestOptions): string {
  const d = new Int32Array(5);
  valueInto(d, new Int32Array(5), value, options.ttl, options.scoreText);
  return hex(d);
}

/** Folds a value (type, contents, TTL flag) into `d`; `e` is scratch for pair digests. */
function valueInto(d: Int32Array, e: Int32Array, v: Value, ttl: boolean, scoreText: ScoreText) {
  if (typeof v === "string") {
    mixConst(d, TYPE_STRING);
    mixString(d, v);
  } else if (v instanceof MutableString) {
    mixConst(d, TYPE_STRING);
    sha1Bytes(v.bytes, v.length);
    mixOut(d);
  } else {
    const c = v as Collection;
    mixConst(d, TYPE_HASHES[c.type]);
    switch (c.type) {
      case "list": {
        const list = c as ListValue;
        for (let i = 0, n = list.size; i < n; i++) mixString(d, list.at(i));
        break;
      }
      case "set": {
        const set = c as SetValue;
        const table = set.table;
        if (table !== null) { for (const m of table.keys()) xorString(d, m); }
        else for (let i = 0, n = set.size; i < n; i++) xorString(d, set.at(i));
        break;
      }
      case "hash": {
        const hash = c as HashValue;
        const table = hash.table;
        if (table !== null) {
          for (const [f, x] of table) pairInto(d, e, f, x);
        } else {
          const flat = hash.flat();
          for (let i = 0; i < flat.length; i += 2) pairInto(d, e, flat[i]!, flat[i + 1]!);
        }
        break;
      }
      case "zset": {
        const z = c as ZSetValue;
        const dict = z.dict;
        const pairs = dict !== null ? dict.entries() : z.entries();
        for (const [m, s] of pairs) pairInto(d, e, m, scoreText(s));
        break;
      }
    }
  }
  if (ttl) xorConst(d, EXPIRE_MARK);
}

/** d ^= SHA1(pair digest), the pair digest being mix(a) then mix(b) from zero. */
function pairInto(d: Int32Array, e: Int32Array, a: string, b: string): void {
  e.fill(0);
  mixString(e, a);
  mixString(e, b);
  xorWords(d, e);
}

// ---- digest folding ------------------------------------------------------------------------

/** The last SHA1 computed, as five big-endian 32-bit words. */
const OUT = new Int32Array(5);

function xorString(d: Int32Array, s: string): void {
  sha1String(s);
  xorOut(d);
}

function mixString(d: Int32Array, s: string): void {
  sha1String(s);
  mixOut(d);
}

/** mix with a 4-byte big-endian integer (database indexes). */
function mixInt(d: Int32Array, n: number): void {
  sha1Int(n);
  mixOut(d);
}

/** mix with bytes whose SHA1 is the constant `c`. */
function mixConst(d: Int32Array, c: Int32Array): void {
  xorConst(d, c);
  sha1Digest(d);
  d.set(OUT);
}

/** d ^= SHA1(e) for a 20-byte digest e. */
function xorWords(d: Int32Array, e: Int32Array): void {
  sha1Digest(e);
  xorOut(d);
}

function xorConst(d: Int32Array, c: Int32Array): void {
  for (let i = 0; i < 5; i++) d[i]! ^= c[i]!;
}

function xorOut(d: Int32Array): void {
  for (let i = 0; i < 5; i++) d[i]! ^= OUT[i]!;
}

/** The second half of mix: d ^= OUT, then d = SHA1(d). */
function mixOut(d: Int32Array): void {
  xorOut(d);
  sha1Digest(d);
  d.set(OUT);
}

function hex(d: Int32Array): string {
  let out = "";
  for (let i = 0; i < 5; i++) out += (d[i]! >>> 0).toString(16).padStart(8, "0");
  return out;
}

// ---- SHA1 (FIPS 180-4) over 32-bit words -----------------------------------------------------

/** The message schedule; W[0..15] is the block being compressed. */
const W = new Int32Array(80);
/** Inputs longer than this go to node:crypto, whose per-call cost is amortized by then. */
const NATIVE_FROM = 16384;

function init(): void {
  OUT[0] = 0x67452301;
  OUT[1] = 0xefcdab89 | 0;
  OUT[2] = 0x98badcfe | 0;
  OUT[3] = 0x10325476;
  OUT[4] = 0xc3d2e1f0 | 0;
}

/** One 64-byte block in W[0..15] into the state in OUT. */
function compress(): void {
  const w = W;
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
    w[t] = (x << 1) | (x >>> 31);
  }
  let a = OUT[0]!, b = OUT[1]!, c = OUT[2]!, d = OUT[3]!, e = OUT[4]!;
  let t = 0;
  for (; t < 20; t++) {
    const x = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + w[t]! + 0x5a827999) | 0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = x;
  }
  for (; t < 40; t++) {
    const x = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w[t]! + 0x6ed9eba1) | 0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = x;
  }
  for (; t < 60; t++) {
    const x = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + w[t]! - 0x70e44324) |
      0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = x;
  }
  for (; t < 80; t++) {
    const x = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w[t]! - 0x359d3e2a) | 0;
    e = d, d = c, c = (b << 30) | (b >>> 2), b = a, a = x;
  }
  OUT[0] = (OUT[0]! + a) | 0;
  OUT[1] = (OUT[1]! + b) | 0;
  OUT[2] = (OUT[2]! + c) | 0;
  OUT[3] = (OUT[3]! + d) | 0;
  OUT[4] = (OUT[4]! + e) | 0;
}

/** SHA1 of a 20-byte digest: always one block. */
function sha1Digest(d: Int32Array): void {
  const w = W;
  w[0] = d[0]!, w[1] = d[1]!, w[2] = d[2]!, w[3] = d[3]!, w[4] = d[4]!;
  w[5] = 0x80000000 | 0;
  for (let i = 6; i < 15; i++) w[i] = 0;
  w[15] = 160;
  init();
  compress();
}

/** The final block(s): the length in bits after the 0x80 byte the caller placed. */
function finish(len: number, rem: number): void {
  if (rem >= 56) {
    compress();
    for (let i = 0; i < 16; i++) W[i] = 0;
  }
  W[14] = Math.floor(len / 0x20000000);
  W[15] = (len * 8) | 0;
  compress();
}

/** SHA1 of a binary string (one char per byte) into OUT. */
function sha1String(s: string): void {
  const len = s.length;
  if (len >= NATIVE_FROM) {
    native(createHash("sha1").update(s, "latin1").digest());
    return;
  }
  init();
  const w = W;
  const full = len - (len & 63);
  for (let p = 0; p < full; p += 64) {
    for (let j = 0, q = p; j < 16; j++, q += 4) {
      w[j] = (s.charCodeAt(q) << 24) | (s.charCodeAt(q + 1) << 16) |
        (s.charCodeAt(q + 2) << 8) | s.charCodeAt(q + 3);
    }
    compress();
  }
  for (let i = 0; i < 16; i++) w[i] = 0;
  const rem = len - full;
  for (let i = 0; i < rem; i++) w[i >> 2]! |= s.charCodeAt(full + i) << (24 - ((i & 3) << 3));
  w[rem >> 2]! |= 0x80 << (24 - ((rem & 3) << 3));
  finish(len, rem);
}

/** SHA1 of bytes[0, len) into OUT. */
function sha1Bytes(b: Uint8Array, len: number): void {
  if (len >= NATIVE_FROM) {
    native(createHash("sha1").update(b.subarray(0, len)).digest());
    return;
  }
  init();
  const w = W;
  const full = len - (len & 63);
  for (let p = 0; p < full; p += 64) {
    for (let j = 0, q = p; j < 16; j++, q += 4) {
      w[j] = (b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!;
    }
    compress();
  }
  for (let i = 0; i < 16; i++) w[i] = 0;
  const rem = len - full;
  for (let i = 0; i < rem; i++) w[i >> 2]! |= b[full + i]! << (24 - ((i & 3) << 3));
  w[rem >> 2]! |= 0x80 << (24 - ((rem & 3) << 3));
  finish(len, rem);
}

/** SHA1 of a 4-byte big-endian integer into OUT. */
function sha1Int(n: number): void {
  W[0] = n;
  W[1] = 0x80000000 | 0;
  for (let i = 2; i < 15; i++) W[i] = 0;
  W[15] = 32;
  init();
  compress();
}

function native(h: Uint8Array): void {
  for (let i = 0; i < 5; i++) {
    const q = i * 4;
    OUT[i] = (h[q]! << 24) | (h[q + 1]! << 16) | (h[q + 2]! << 8) | h[q + 3]!;
  }
}

/** SHA1 of a string as a digest, for the constants below. */
function constant(s: string): Int32Array {
  sha1String(s);
  return OUT.slice();
}

function intConstant(n: number): Int32Array {
  sha1Int(n);
  return OUT.slice();
}

const EXPIRE_MARK = constant("!!expire!!");
// SHA1 of Redis's type codes as 4-byte big-endian integers (OBJ_STRING 0, OBJ_LIST 1,
// OBJ_SET 2, OBJ_ZSET 3, OBJ_HASH 4).
const TYPE_STRING = intConstant(0);
const TYPE_HASHES = {
  list: intConstant(1),
  set: intConstant(2),
  zset: intConstant(3),
  hash: intConstant(4),
} as const;

/** SHA1 of a binary string in hex (tests check the JS SHA1 against node:crypto with it). */
export function sha1Hex(s: string | Uint8Array): string {
  if (typeof s === "string") sha1String(s);
  else sha1Bytes(s, s.length);
  return hex(OUT);
}
