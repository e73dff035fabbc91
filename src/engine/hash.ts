// The hash value type. A small hash is one packed string of field, value, field, value...
// (packed.ts's format: hakv's listpack, OBJECT ENCODING "listpack"); it becomes a Map
// ("hashtable") once it holds more than `maxEntries` fields or a field or value longer than
// `maxValue` bytes, and never goes back, as in Redis. The value object holds nothing but that
// one reference: 32 bytes per hash, plus the packed string (16 bytes + one length byte and the
// bytes of each entry). Its size is counted by walking the packed string rather than kept in a
// field, because every write walks it anyway and a count would add 8 bytes to every hash.
//
// Packed strings are edited in a scratch byte buffer and turned back into a string once per
// command: a string built with `+` is a rope of cons cells, several times its flat size.
import { lengthEnd, readLength } from "./packed.ts";
import { Buffer } from "node:buffer";
import { latin1 } from "../_util/binary.ts";
import type { Collection } from "./values.ts";

/** The conversion thresholds (hash-max-listpack-entries, hash-max-listpack-value). */
export interface HashLimits {
  maxEntries: number;
  maxValue: number;
}

export class HashValue implements Collection {
  #d: string | Map<string, string>;

  /** An empty hash (listpack), or one holding `data` as given. */
  constructor(data: string | Map<string, string> = "") {
    this.#d = data;
  }

  get type(): "hash" {
    return "hash";
  }

  /** Fields held. O(n) in the packed form, where n is at most hash-max-listpack-entries. */
  get size(): number {
    const d = this.#d;
    return typeof d === "string" ? countEntries(d) >> 1 : d.size;
  }

  encoding(): string {
    return typeof this.#d === "string" ? "listpack" : "hashtable";
  }

  /** The Map behind a hashtable-encoded hash (for SCAN cursors), or null while packed. */
  get table(): Map<string, string> | null {
    const d = this.#d;
    return typeof d === "string" ? null : d;
  }

  get(field: string): string | undefined {
    const d = this.#d;
    if (typeof d !== "string") return d.get(field);
    const at = findField(d, field);
    return at < 0 ? undefined : d.slice(foundValue, foundEnd);
  }

  has(field: string): boolean {
    const d = this.#d;
    return typeof d === "string" ? findField(d, field) >= 0 : d.has(field);
  }

  /** Length of the value of `field`, 0 if absent (HSTRLEN). */
  valueLength(field: string): number {
    const d = this.#d;
    if (typeof d !== "string") return d.get(field)?.length ?? 0;
    return findField(d, field) < 0 ? 0 : foundEnd - foundValue;
  }

  /**
   * Converts to the hashtable form now if any of `strings[from..to)` is longer than the
   * listpack allows (Redis checks every field and value of HSET before setting any).
   */
  prepare(strings: readonly string[], from: number, to: number, limits: HashLimits): void {
    if (typeof this.#d !== "string") return;
    for (let i = from; i < to; i++) {
      if (strings[i]!.length > limits.maxValue) {
        this.#convert();
        return;
      }
    }
  }

  /** Sets one field; true if it was created, false if an existing value was replaced. */
  set(field: string, value: string, limits: HashLimits): boolean {
    let d = this.#d;
    if (
      typeof d === "string" && (field.length > limits.maxValue || value.length > limits.maxValue)
    ) {
      d = this.#convert();
    }
    if (typeof d !== "string") {
      const size = d.size;
      d.set(field, value);
      return d.size !== size;
    }
    load(d);
    const created = bufSet(field, value);
    if (created && pairs > limits.maxEntries) {
      this.#d = d = packedToMap(take());
    } else this.#d = take();
    return created;
  }

  /**
   * Sets the pairs `strings[from], strings[from+1], ...` up to `to` (exclusive) in order;
   * returns how many fields were created. One packed string is built for the whole batch.
   */
  setPairs(strings: readonly string[], from: number, to: number, limits: HashLimits): number {
    this.prepare(strings, from, to, limits);
    let created = 0;
    let d = this.#d;
    if (typeof d === "string") {
      load(d);
      let i = from;
      for (; i < to; i += 2) {
        if (bufSet(strings[i]!, strings[i + 1]!)) {
          created++;
          if (pairs > limits.maxEntries) {
            i += 2;
            break;
          }
        }
      }
      const packed = take();
      if (pairs <= limits.maxEntries) {
        this.#d = packed;
        return created;
      }
      this.#d = d = packedToMap(packed);
      from = i;
    }
    for (let i = from; i < to; i += 2) {
      const size = d.size;
      d.set(strings[i]!, strings[i + 1]!);
      if (d.size !== size) created++;
    }
    return created;
  }

  /** Removes the fields `fields[from..to)`; returns how many existed. */
  deleteFields(fields: readonly string[], from: number, to: number): number {
    const d = this.#d;
    let removed = 0;
    if (typeof d !== "string") {
      for (let i = from; i < to; i++) if (d.delete(fields[i]!)) removed++;
      return removed;
    }
    // Most HDELs name fields that are there: edit only when one is.
    let i = from;
    while (i < to && findField(d, fields[i]!) < 0) i++;
    if (i === to) return 0;
    load(d);
    for (; i < to; i++) if (bufDelete(fields[i]!)) removed++;
    this.#d = take();
    return removed;
  }

  /** Removes one field; true if it existed. */
  delete(field: string): boolean {
    const d = this.#d;
    if (typeof d !== "string") return d.delete(field);
    const at = findField(d, field);
    if (at < 0) return false;
    load(d);
    bufDelete(field);
    this.#d = take();
    return true;
  }

  /** Every field and value in order: [field, value, field, value, ...]. */
  flat(): string[] {
    const d = this.#d;
    const out: string[] = [];
    if (typeof d === "string") {
      let pos = 0;
      while (pos < d.length) {
        const len = readLength(d, pos);
        pos = lengthEnd;
        out.push(d.slice(pos, pos + len));
        pos += len;
      }
    } else {
      for (const [f, v] of d) out.push(f, v);
    }
    return out;
  }

  /** Every field, in iteration order (HKEYS). */
  fields(): string[] {
    return this.#every(0);
  }

  /** Every value, in iteration order (HVALS). */
  values(): string[] {
    return this.#every(1);
  }

  #every(parity: number): string[] {
    const d = this.#d;
    const out: string[] = [];
    if (typeof d === "string") {
      let pos = 0;
      let i = 0;
      while (pos < d.length) {
        const len = readLength(d, pos);
        pos = lengthEnd;
        if ((i++ & 1) === parity) out.push(d.slice(pos, pos + len));
        pos += len;
      }
    } else if (parity === 0) {
      for (const f of d.keys()) out.push(f);
    } else {
      for (const v of d.values()) out.push(v);
    }
    return out;
  }

  /** Field/value pairs in iteration order (SORT BY/GET `->field` users read `get`). */
  *entries(): IterableIterator<[string, string]> {
    const d = this.#d;
    if (typeof d !== "string") {
      yield* d.entries();
      return;
    }
    const all = this.flat();
    for (let i = 0; i < all.length; i += 2) yield [all[i]!, all[i + 1]!];
  }

  /**
   * `count` field/value pairs picked at random ([f, v, f, v, ...]). With `unique`, distinct
   * fields (at most all of them, in random order); otherwise with repetition.
   */
  sample(count: number, unique: boolean, random: () => number = Math.random): string[] {
    const d = this.#d;
    if (!unique && count === 1 && typeof d !== "string" && d.size > EXACT_PICK) {
      const f = walkPick(d, random);
      return [f, d.get(f)!];
    }
    const all = this.flat();
    const n = all.length >> 1;
    const out: string[] = [];
    if (n === 0) return out;
    if (!unique) {
      for (let k = 0; k < count; k++) {
        const i = Math.floor(random() * n) << 1;
        out.push(all[i]!, all[i + 1]!);
      }
      return out;
    }
    // A partial Fisher-Yates shuffle over pair indexes.
    const take = Math.min(count, n);
    for (let k = 0; k < take; k++) {
      const j = k + Math.floor(random() * (n - k));
      const a = k << 1;
      const b = j << 1;
      const f = all[a]!;
      const v = all[a + 1]!;
      all[a] = all[b]!;
      all[a + 1] = all[b + 1]!;
      all[b] = f;
      all[b + 1] = v;
      out.push(all[a]!, all[a + 1]!);
    }
    return out;
  }

  copy(): HashValue {
    const d = this.#d;
    return new HashValue(typeof d === "string" ? d : new Map(d));
  }

  memoryUsage(samples: number): number {
    const d = this.#d;
    // Object header and its one field, and a string header.
    if (typeof d === "string") return OBJECT_BYTES + STRING_HEADER + align(d.length);
    const n = d.size;
    if (n === 0) return OBJECT_BYTES + MAP_BYTES;
    let bytes = 0;
    let seen = 0;
    for (const [f, v] of d) {
      bytes += 2 * STRING_HEADER + align(f.length) + align(v.length);
      if (++seen === samples) break;
    }
    return OBJECT_BYTES + MAP_BYTES + Math.round((bytes / seen) * n) + n * MAP_ENTRY_BYTES;
  }

  /** Switches to the hashtable form; returns the Map. */
  #convert(): Map<string, string> {
    const d = this.#d;
    if (typeof d !== "string") return d;
    const map = packedToMap(d);
    this.#d = map;
    return map;
  }
}

// --- Memory estimates (64-bit V8 without pointer compression) ---------------------------------

const OBJECT_BYTES = 32;
const STRING_HEADER = 16;
const MAP_BYTES = 80;
/** Key, value and chain words of an OrderedHashMap entry, and its share of the buckets. */
const MAP_ENTRY_BYTES = 32;

function align(n: number): number {
  return (n + 7) & ~7;
}

// --- Reading packed strings -----------------------------------------------------------------

function countEntries(s: string): number {
  let n = 0;
  let pos = 0;
  while (pos < s.length) {
    const len = readLength(s, pos);
    pos = lengthEnd + len;
    n++;
  }
  return n;
}

/** Bounds of the value found by the last successful findField. */
let foundValue = 0;
let foundEnd = 0;

/** The offset of the pair whose field is `field`, or -1; sets foundValue/foundEnd. */
function findField(s: string, field: string): number {
  const n = field.length;
  let pos = 0;
  while (pos < s.length) {
    const start = pos;
    const flen = readLength(s, pos);
    const fpos = lengthEnd;
    const vlen = readLength(s, fpos + flen);
    const vpos = lengthEnd;
    if (flen === n) {
      let k = 0;
      while (k < n && s.charCodeAt(fpos + k) === field.charCodeAt(k)) k++;
      if (k === n) {
        foundValue = vpos;
        foundEnd = vpos + vlen;
        return start;
      }
    }
    pos = vpos + vlen;
  }
  return -1;
}

function packedToMap(s: string): Map<string, string> {
  const map = new Map<string, string>();
  let pos = 0;
  while (pos < s.length) {
    const flen = readLength(s, pos);
    const field = s.slice(lengthEnd, lengthEnd + flen);
    const vlen = readLength(s, lengthEnd + flen);
    map.set(field, s.slice(lengthEnd, lengthEnd + vlen));
    pos = lengthEnd + vlen;
  }
  return map;
}

// --- Editing packed strings in the scratch buffer ---------------------------------------------

let buf = Buffer.allocUnsafe(4096);
/** Bytes of the packed string being edited. */
let end = 0;
/** Pairs it holds. */
let pairs = 0;

function reserve(extra: number): void {
  if (end + extra <= buf.length) return;
  let size = buf.length * 2;
  while (size < end + extra) size *= 2;
  const next = Buffer.allocUnsafe(size);
  next.set(buf.subarray(0, end));
  buf = next;
}

/** Copies `s` into the scratch buffer and counts its pairs. */
function load(s: string): void {
  end = 0;
  reserve(s.length);
  const b = buf;
  const len = s.length;
  for (let i = 0; i < len; i++) b[i] = s.charCodeAt(i);
  end = len;
  let n = 0;
  let pos = 0;
  while (pos < len) {
    pos = skipEntry(pos);
    n++;
  }
  pairs = n >> 1;
}

/** The packed string in the scratch buffer, as one flat string. */
function take(): string {
  const s = latin1(buf, 0, end);
  end = 0;
  return s;
}

/** Where the header read last by `bufLength` ended. */
let bufEnd = 0;

function bufLength(pos: number): number {
  const b = buf;
  let c = b[pos++]!;
  if (c < 0x80) {
    bufEnd = pos;
    return c;
  }
  let len = c & 0x7f;
  let scale = 128;
  do {
    c = b[pos++]!;
    len += (c & 0x7f) * scale;
    scale *= 128;
  } while (c >= 0x80);
  bufEnd = pos;
  return len;
}

/** The offset after the entry at `pos`. */
function skipEntry(pos: number): number {
  const len = bufLength(pos);
  return bufEnd + len;
}

function headerSize(len: number): number {
  let n = 1;
  while (len >= 0x80) {
    len = Math.floor(len / 128);
    n++;
  }
  return n;
}

function writeEntry(at: number, s: string): number {
  const b = buf;
  let len = s.length;
  while (len >= 0x80) {
    b[at++] = (len & 0x7f) | 0x80;
    len = Math.floor(len / 128);
  }
  b[at++] = len;
  for (let i = 0; i < s.length; i++) b[at++] = s.charCodeAt(i);
  return at;
}

/** Offset of the pair with field `field` in the buffer, or -1; sets foundValue/foundEnd. */
function bufFind(field: string): number {
  const b = buf;
  const n = field.length;
  let pos = 0;
  while (pos < end) {
    const start = pos;
    const flen = bufLength(pos);
    const fpos = bufEnd;
    const vlen = bufLength(fpos + flen);
    const vpos = bufEnd;
    if (flen === n) {
      let k = 0;
      while (k < n && b[fpos + k] === field.charCodeAt(k)) k++;
      if (k === n) {
        foundValue = vpos;
        foundEnd = vpos + vlen;
        return start;
      }
    }
    pos = vpos + vlen;
  }
  return -1;
}

/** Sets a pair in the buffer; true if the field is new. */
function bufSet(field: string, value: string): boolean {
  if (bufFind(field) < 0) {
    reserve(headerSize(field.length) + field.length + headerSize(value.length) + value.length);
    end = writeEntry(writeEntry(end, field), value);
    pairs++;
    return true;
  }
  // Replace the value entry: from its header (just before foundValue) to foundEnd.
  const oldEnd = foundEnd;
  const oldStart = foundValue - headerSize(foundEnd - foundValue);
  const size = headerSize(value.length) + value.length;
  const delta = size - (oldEnd - oldStart);
  if (delta > 0) reserve(delta);
  if (delta !== 0) buf.copyWithin(oldEnd + delta, oldEnd, end);
  writeEntry(oldStart, value);
  end += delta;
  return false;
}

/** Removes a pair from the buffer; true if it was there. */
function bufDelete(field: string): boolean {
  const at = bufFind(field);
  if (at < 0) return false;
  buf.copyWithin(at, foundEnd, end);
  end -= foundEnd - at;
  pairs--;
  return true;
}

// --- Random picks in big Maps -------------------------------------------------------------------

/** Maps up to this size are sampled exactly; larger ones by a short random walk. */
const EXACT_PICK = 256;
const WALK = 128;
const walks = new WeakMap<Map<string, string>, Iterator<string>>();

/**
 * A random field of a big Map without visiting all of it: a kept iterator advances a random
 * distance (Maps have no random access). Close to uniform over repeated calls, O(1) amortised.
 */
function walkPick(map: Map<string, string>, random: () => number): string {
  let iter = walks.get(map);
  let steps = Math.floor(random() * WALK);
  while (true) {
    if (iter === undefined) {
      iter = map.keys();
      walks.set(map, iter);
    }
    const next = iter.next();
    if (next.done) {
      iter = undefined;
      continue;
    }
    if (steps-- === 0) return next.value;
  }
}
