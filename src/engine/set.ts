// The set value type. While every member is an integer Redis would read as one (canonical
// decimal, int64 range) and there are at most set-max-intset-entries of them, the set is a
// sorted array of numbers ("intset": ascending order, as Redis replies); bigints stand in for
// the few values past 2^53. Otherwise it is a "hashtable": a member → position Map plus an
// array of the members, so SPOP and SRANDMEMBER pick uniformly in O(1) (a JS Set has no random
// access). The conversion is one way, as in Redis.
import { parseInt64, parseSafeInt } from "./values.ts";
import type { Collection } from "./values.ts";

/** An intset member: a number when exact, else a bigint (so equal values have one form). */
type Int = number | bigint;

/** Redis 7.0's default set-max-intset-entries. */
export const DEFAULT_MAX_INTSET = 512;

/** The hashtable form: positions in `members`, for O(1) removal and random picks. */
class Table {
  readonly index = new Map<string, number>();
  readonly members: string[] = [];

  add(m: string): boolean {
    const index = this.index;
    if (index.has(m)) return false;
    index.set(m, this.members.length);
    this.members.push(m);
    return true;
  }

  remove(m: string): boolean {
    const at = this.index.get(m);
    if (at === undefined) return false;
    this.#removeAt(at, m);
    return true;
  }

  #removeAt(at: number, m: string): void {
    const members = this.members;
    const last = members.pop()!;
    if (at < members.length) {
      members[at] = last;
      this.index.set(last, at);
    }
    this.index.delete(m);
  }

  popAt(at: number): string {
    const m = this.members[at]!;
    this.#removeAt(at, m);
    return m;
  }
}

export class SetValue implements Collection {
  #d: Int[] | Table;

  constructor() {
    this.#d = [];
  }

  /**
   * A set of `members` built as Redis builds a *STORE result: an intset first, converted when
   * a member is not an integer or there are more than `maxIntset` of them.
   */
  static from(members: Iterable<string>, maxIntset = DEFAULT_MAX_INTSET): SetValue {
    const s = new SetValue();
    for (const m of members) s.add(m, maxIntset);
    s.compact();
    return s;
  }

  get type(): "set" {
    return "set";
  }

  get size(): number {
    const d = this.#d;
    return Array.isArray(d) ? d.length : d.members.length;
  }

  encoding(): string {
    return Array.isArray(this.#d) ? "intset" : "hashtable";
  }

  /** The Map behind a hashtable-encoded set (keys are the members, for SCAN), or null. */
  get table(): Map<string, number> | null {
    const d = this.#d;
    return Array.isArray(d) ? null : d.index;
  }

  has(member: string): boolean {
    const d = this.#d;
    if (!Array.isArray(d)) return d.index.has(member);
    const v = intOf(member);
    return v !== null && search(d, v) >= 0;
  }

  /** Adds `member`; true if it was not there. Converts past `maxIntset` or on a non-integer. */
  add(member: string, maxIntset = DEFAULT_MAX_INTSET): boolean {
    const d = this.#d;
    if (!Array.isArray(d)) return d.add(member);
    const v = intOf(member);
    if (v === null) return this.#convert().add(member);
    const at = search(d, v);
    if (at >= 0) return false;
    const pos = -at - 1;
    if (pos === d.length) d.push(v);
    else d.splice(pos, 0, v);
    if (d.length > maxIntset) this.#convert();
    return true;
  }

  /**
   * Drops the spare capacity an intset's array gained while growing (V8 grows arrays by half
   * again plus 16 slots): writers call it once after a batch of adds.
   */
  compact(): void {
    const d = this.#d;
    if (Array.isArray(d) && d.length > 0) this.#d = d.slice();
  }

  remove(member: string): boolean {
    const d = this.#d;
    if (!Array.isArray(d)) return d.remove(member);
    const v = intOf(member);
    if (v === null) return false;
    const at = search(d, v);
    if (at < 0) return false;
    d.splice(at, 1);
    return true;
  }

  /** Members: ascending for an intset, insertion-ish order (swapped on removal) otherwise. */
  *values(): IterableIterator<string> {
    const d = this.#d;
    if (Array.isArray(d)) {
      for (const v of d) yield String(v);
    } else yield* d.members;
  }

  /** The members as an array, in `values()` order. */
  toArray(): string[] {
    const d = this.#d;
    if (!Array.isArray(d)) return d.members.slice();
    const out = new Array<string>(d.length);
    for (let i = 0; i < d.length; i++) out[i] = String(d[i]);
    return out;
  }

  /** Member `i` in `values()` order (0 <= i < size). */
  at(i: number): string {
    const d = this.#d;
    return Array.isArray(d) ? String(d[i]) : d.members[i]!;
  }

  /** A uniformly random member (the set must not be empty). */
  random(random: () => number = Math.random): string {
    return this.at(Math.floor(random() * this.size));
  }

  /** Removes and returns a uniformly random member (the set must not be empty). */
  pop(random: () => number = Math.random): string {
    const d = this.#d;
    const i = Math.floor(random() * this.size);
    if (!Array.isArray(d)) return d.popAt(i);
    const v = d[i]!;
    d.splice(i, 1);
    return String(v);
  }

  copy(): SetValue {
    const s = new SetValue();
    const d = this.#d;
    if (Array.isArray(d)) s.#d = d.slice();
    else {
      const t = new Table();
      for (const m of d.members) t.add(m);
      s.#d = t;
    }
    return s;
  }

  memoryUsage(samples: number): number {
    const d = this.#d;
    if (Array.isArray(d)) return OBJECT_BYTES + ARRAY_BYTES + 8 * d.length;
    const n = d.members.length;
    let bytes = 0;
    let seen = 0;
    for (const m of d.members) {
      bytes += STRING_HEADER + ((m.length + 7) & ~7);
      if (++seen === samples) break;
    }
    const perMember = seen === 0 ? 0 : bytes / seen;
    return OBJECT_BYTES + 2 * ARRAY_BYTES + MAP_BYTES + Math.round(n * (perMember + ENTRY_BYTES));
  }

  #convert(): Table {
    const d = this.#d;
    if (!Array.isArray(d)) return d;
    const t = new Table();
    for (const v of d) t.add(String(v));
    this.#d = t;
    return t;
  }
}

// 64-bit V8 without pointer compression.
const OBJECT_BYTES = 32;
const ARRAY_BYTES = 48;
const STRING_HEADER = 16;
const MAP_BYTES = 80;
/** A Map entry (key, value, chain), its bucket share, and the members array slot. */
const ENTRY_BYTES = 40;

/** The integer `s` denotes under Redis's rules (string2ll), or null. */
export function intOf(s: string): Int | null {
  const n = parseSafeInt(s);
  if (n !== null) return n;
  const big = parseInt64(s);
  if (big === null) return null;
  const small = Number(big);
  return Number.isSafeInteger(small) ? small : big;
}

/** Index of `v` in the sorted array, or -(insertion point) - 1. */
function search(a: readonly Int[], v: Int): number {
  let lo = 0;
  let hi = a.length - 1;
  // Appends in ascending order are common: check the end first.
  if (hi >= 0 && a[hi]! < v) return -(hi + 2);
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[mid]!;
    if (x < v) lo = mid + 1;
    else if (x > v) hi = mid - 1;
    else return mid;
  }
  return -(lo + 1);
}
