// The sorted set value: members with double scores, ordered by (score, member bytes).
//
// Small sets are one packed string (packed.ts's entry format) of member, score pairs in order:
// OBJECT ENCODING "listpack". A score is kept as its shortest decimal text when that is under 8
// bytes (exact: JS prints the shortest text that reads back as the same double), else as its 8
// IEEE bytes; an 8-byte entry is always binary, so the two never clash. Like Redis's listpack,
// the compact form forgets the sign of -0.
//
// Past zset-max-listpack-entries members, or with a member longer than zset-max-listpack-value,
// a set becomes "skiplist" for good: a Map member → score for O(1) lookups plus a counted
// B+tree (zset_tree.ts) for ranks and ranges in O(log n).
import { lengthEnd, readLength } from "./packed.ts";
import { latin1 } from "../_util/binary.ts";
import type { Collection } from "./values.ts";
import { type Cursor, type Leaf, LEX_LE, LEX_LT, SCORE_LE, SCORE_LT, ZTree } from "./zset_tree.ts";

export { LEX_LE, LEX_LT, SCORE_LE, SCORE_LT };

/** The encoding thresholds (zset-max-listpack-entries, zset-max-listpack-value). */
export interface ZLimits {
  entries: number;
  value: number;
}

/** `add` options (ZADD's flags). */
export const ZADD_NX = 1;
export const ZADD_XX = 2;
export const ZADD_GT = 4;
export const ZADD_LT = 8;
export const ZADD_INCR = 16;

/** `add` results. */
export const ZADD_ADDED = 1;
export const ZADD_UPDATED = 2;
export const ZADD_NOP = 4;
export const ZADD_NAN = 8;

/** The score `add` left the member with (when not NOP or NAN); one object, no allocation. */
export const zaddResult = { score: 0 };

export class ZSetValue implements Collection {
  /** Packed member, score pairs while compact; "" once converted. */
  #lp = "";
  /** Pairs in #lp. */
  #n = 0;
  #dict: Map<string, number> | null = null;
  #tree: ZTree | null = null;

  get type(): "zset" {
    return "zset";
  }

  get size(): number {
    return this.#tree === null ? this.#n : this.#tree.size;
  }

  encoding(): string {
    return this.#tree === null ? "listpack" : "skiplist";
  }

  /** Whether the set is in its compact form. */
  get compact(): boolean {
    return this.#tree === null;
  }

  copy(): ZSetValue {
    const out = new ZSetValue();
    if (this.#tree === null) {
      out.#lp = this.#lp;
      out.#n = this.#n;
    } else {
      out.toBig();
      for (const [m, s] of this.#tree.entries()) out.#insertBig(m, s);
    }
    return out;
  }

  memoryUsage(samples: number): number {
    const base = 56;
    if (this.#tree === null) return base + 16 + this.#lp.length;
    // Per entry: the member string, a Map slot with its score, a leaf slot for each.
    let bytes = 0;
    let seen = 0;
    for (const m of this.#dict!.keys()) {
      bytes += 24 + ((m.length + 7) & ~7);
      if (++seen === samples) break;
    }
    const perEntry = seen > 0 ? bytes / seen : 0;
    return Math.round(base + 64 + this.size * (perEntry + 24 + 16 + 4));
  }

  /** Members in ascending order. */
  *values(): IterableIterator<string> {
    for (const [m] of this.entries()) yield m;
  }

  /** Member, score pairs in ascending order. */
  *entries(): IterableIterator<[string, number]> {
    if (this.#tree !== null) {
      yield* this.#tree.entries();
      return;
    }
    const p = this.#lp;
    let pos = 0;
    while (pos < p.length) {
      const ml = readLength(p, pos);
      const m = p.slice(lengthEnd, lengthEnd + ml);
      pos = lengthEnd + ml;
      const sl = readLength(p, pos);
      const s = decodeScore(p, lengthEnd, sl);
      pos = lengthEnd + sl;
      yield [m, s];
    }
  }

  /** The Map behind a big set (ZSCAN walks it), or null while compact. */
  get dict(): Map<string, number> | null {
    return this.#dict;
  }

  score(member: string): number | undefined {
    if (this.#dict !== null) return this.#dict.get(member);
    if (lpFind(this.#lp, member) < 0) return undefined;
    return foundScore;
  }

  /**
   * ZADD / ZINCRBY on one member (Redis's zsetAdd): `flags` are ZADD_* options, the result is
   * ZADD_ADDED, ZADD_UPDATED, ZADD_NOP, ZADD_NAN or 0 (present, score unchanged); the final
   * score is left in `zaddResult.score`.
   */
  add(member: string, score: number, flags: number, limits: ZLimits): number {
    let cur: number | undefined;
    if (this.#dict !== null) cur = this.#dict.get(member);
    else if (lpFind(this.#lp, member) >= 0) cur = foundScore;
    if (cur !== undefined) {
      if ((flags & ZADD_NX) !== 0) return ZADD_NOP;
      if ((flags & ZADD_INCR) !== 0) {
        score += cur;
        if (Number.isNaN(score)) return ZADD_NAN;
      }
      if (((flags & ZADD_GT) !== 0 && score <= cur) || ((flags & ZADD_LT) !== 0 && score >= cur)) {
        return ZADD_NOP;
      }
      zaddResult.score = score;
      // Equal scores (0 and -0 included) change nothing, as Redis compares with !=.
      if (score === cur) return 0;
      if (this.#tree !== null) {
        this.#tree.remove(cur, member);
        this.#tree.insert(score, member);
        this.#dict!.set(member, score);
      } else {
        this.#lpRemoveFound();
        this.#lpInsert(member, score);
      }
      return ZADD_UPDATED;
    }
    if ((flags & ZADD_XX) !== 0) return ZADD_NOP;
    zaddResult.score = score;
    if (
      this.#tree === null &&
      (this.#n + 1 > limits.entries || member.length > limits.value)
    ) this.toBig();
    if (this.#tree !== null) this.#insertBig(member, score);
    else this.#lpInsert(member, score);
    return ZADD_ADDED;
  }

  /** Adds a member known to be absent (building results); converts as ZADD would. */
  insertNew(member: string, score: number, limits: ZLimits): void {
    if (
      this.#tree === null &&
      (this.#n + 1 > limits.entries || member.length > limits.value)
    ) this.toBig();
    if (this.#tree !== null) this.#insertBig(member, score);
    else this.#lpInsert(member, score);
  }

  remove(member: string): boolean {
    if (this.#dict !== null) {
      const s = this.#dict.get(member);
      if (s === undefined) return false;
      this.#dict.delete(member);
      this.#tree!.remove(s, member);
      return true;
    }
    if (lpFind(this.#lp, member) < 0) return false;
    this.#lpRemoveFound();
    return true;
  }

  /** 0-based rank in ascending order, or -1 when absent. */
  rank(member: string): number {
    if (this.#dict !== null) {
      const s = this.#dict.get(member);
      return s === undefined ? -1 : this.#tree!.rank(s, member);
    }
    return lpFind(this.#lp, member);
  }

  /**
   * Entries below a bound (mode SCORE_LT, SCORE_LE: by score `s`; LEX_LT, LEX_LE: by member
   * `m`, for sets whose scores are all equal).
   */
  countBelow(mode: number, s: number, m: string): number {
    if (this.#tree !== null) return this.#tree.countBelow(mode, s, m);
    const p = this.#lp;
    let pos = 0;
    let n = 0;
    const lex = mode === LEX_LT || mode === LEX_LE;
    while (pos < p.length) {
      const ml = readLength(p, pos);
      const mpos = lengthEnd;
      pos = mpos + ml;
      const sl = readLength(p, pos);
      let isBelow: boolean;
      if (lex) {
        const c = cmpAt(p, mpos, ml, m);
        isBelow = mode === LEX_LT ? c < 0 : c <= 0;
      } else {
        const score = decodeScore(p, lengthEnd, sl);
        isBelow = mode === SCORE_LT ? score < s : score <= s;
      }
      if (!isBelow) break;
      pos = lengthEnd + sl;
      n++;
    }
    return n;
  }

  /**
   * Appends the entries of ranks `start`..`end` (inclusive, 0 ≤ start ≤ end < size) to
   * `members` and `scores`, highest rank first when `rev`.
   */
  range(start: number, end: number, rev: boolean, members: string[], scores: number[]): void {
    const from = members.length;
    if (this.#tree !== null) {
      const tree = this.#tree;
      if (rev) {
        tree.select(end, cursor);
        let leaf: Leaf | null = cursor.leaf;
        let i = cursor.index;
        for (let n = end - start + 1; n > 0;) {
          if (i < 0) {
            leaf = leaf!.prev;
            i = leaf!.members.length - 1;
            continue;
          }
          members.push(leaf!.members[i]!);
          scores.push(leaf!.scores[i]!);
          i--;
          n--;
        }
      } else {
        tree.select(start, cursor);
        let leaf: Leaf | null = cursor.leaf;
        let i = cursor.index;
        for (let n = end - start + 1; n > 0;) {
          if (i >= leaf!.members.length) {
            leaf = leaf!.next;
            i = 0;
            continue;
          }
          members.push(leaf!.members[i]!);
          scores.push(leaf!.scores[i]!);
          i++;
          n--;
        }
      }
      cursor.leaf = tree.first;
      return;
    }
    const p = this.#lp;
    let pos = lpSkip(p, 0, start);
    for (let k = start; k <= end; k++) {
      const ml = readLength(p, pos);
      members.push(p.slice(lengthEnd, lengthEnd + ml));
      pos = lengthEnd + ml;
      const sl = readLength(p, pos);
      scores.push(decodeScore(p, lengthEnd, sl));
      pos = lengthEnd + sl;
    }
    if (rev) {
      reverseFrom(members, from);
      reverseFrom(scores, from);
    }
  }

  /** Removes ranks `start`..`end` (inclusive, valid); returns how many went. */
  removeRange(start: number, end: number): number {
    const n = end - start + 1;
    if (this.#tree !== null) {
      const members: string[] = [];
      const scores: number[] = [];
      this.range(start, end, false, members, scores);
      for (let k = 0; k < n; k++) {
        this.#tree.remove(scores[k]!, members[k]!);
        this.#dict!.delete(members[k]!);
      }
      return n;
    }
    const p = this.#lp;
    const a = lpSkip(p, 0, start);
    const b = lpSkip(p, a, n);
    this.#lp = start === 0 && b === p.length ? "" : splice(p, a, b, null, 0);
    this.#n -= n;
    return n;
  }

  /** Converts to the big form (one way). */
  toBig(): void {
    if (this.#tree !== null) return;
    const p = this.#lp;
    this.#dict = new Map();
    this.#tree = new ZTree();
    let pos = 0;
    while (pos < p.length) {
      const ml = readLength(p, pos);
      const m = p.slice(lengthEnd, lengthEnd + ml);
      pos = lengthEnd + ml;
      const sl = readLength(p, pos);
      this.#insertBig(m, decodeScore(p, lengthEnd, sl));
      pos = lengthEnd + sl;
    }
    this.#lp = "";
    this.#n = 0;
  }

  /**
   * A big set that fits the compact limits goes back to compact (only for sets just built by
   * ZUNIONSTORE and friends, as Redis's zsetConvertToListpackIfNeeded).
   */
  shrinkIfFits(limits: ZLimits): void {
    if (this.#tree === null || this.#tree.size > limits.entries) return;
    for (const m of this.#dict!.keys()) if (m.length > limits.value) return;
    const tree = this.#tree;
    this.#tree = null;
    this.#dict = null;
    bReset();
    let n = 0;
    for (const [m, s] of tree.entries()) {
      bEntry(m);
      bEntry(encodeScore(s));
      n++;
    }
    this.#lp = bDone();
    this.#n = n;
  }

  #insertBig(member: string, score: number): void {
    this.#dict!.set(member, score);
    this.#tree!.insert(score, member);
  }

  /** Removes the pair `lpFind` found last. */
  #lpRemoveFound(): void {
    this.#lp = this.#n === 1 ? "" : splice(this.#lp, foundStart, foundEnd, null, 0);
    this.#n--;
  }

  #lpInsert(member: string, score: number): void {
    const p = this.#lp;
    const enc = encodeScore(score);
    if (Object.is(score, -0)) score = 0;
    // The first pair ordered after the new one.
    let pos = 0;
    while (pos < p.length) {
      const ml = readLength(p, pos);
      const mpos = lengthEnd;
      const next = mpos + ml;
      const sl = readLength(p, next);
      const s = decodeScore(p, lengthEnd, sl);
      if (score < s || (score === s && cmpAt(p, mpos, ml, member) > 0)) break;
      pos = lengthEnd + sl;
    }
    this.#lp = splice(p, pos, pos, member, enc);
    this.#n++;
  }
}

const cursor: Cursor = { leaf: null as unknown as Leaf, index: 0 };

function reverseFrom<T>(a: T[], from: number): void {
  for (let i = from, j = a.length - 1; i < j; i++, j--) {
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

// --- The packed form ------------------------------------------------------------------------

/** The offset after skipping `pairs` member, score pairs from `pos`. */
function lpSkip(p: string, pos: number, pairs: number): number {
  for (let k = 0; k < pairs; k++) {
    const ml = readLength(p, pos);
    pos = lengthEnd + ml;
    const sl = readLength(p, pos);
    pos = lengthEnd + sl;
  }
  return pos;
}

/** Compares the entry at p[pos, pos + len) with `m` by bytes. */
function cmpAt(p: string, pos: number, len: number, m: string): number {
  const n = len < m.length ? len : m.length;
  for (let k = 0; k < n; k++) {
    const d = p.charCodeAt(pos + k) - m.charCodeAt(k);
    if (d !== 0) return d;
  }
  return len - m.length;
}

/** Set by lpFind: the pair's offsets and its score. */
let foundStart = 0;
let foundEnd = 0;
let foundScore = 0;

/** The index of `member`'s pair in `p`, or -1. */
function lpFind(p: string, member: string): number {
  const n = member.length;
  let pos = 0;
  let index = 0;
  while (pos < p.length) {
    const start = pos;
    const ml = readLength(p, pos);
    const mpos = lengthEnd;
    pos = mpos + ml;
    const sl = readLength(p, pos);
    const spos = lengthEnd;
    pos = spos + sl;
    if (ml === n) {
      let k = 0;
      while (k < n && p.charCodeAt(mpos + k) === member.charCodeAt(k)) k++;
      if (k === n) {
        foundStart = start;
        foundEnd = pos;
        foundScore = decodeScore(p, spos, sl);
        return index;
      }
    }
    index++;
  }
  return -1;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** A score's packed form: its shortest text when under 8 bytes, else its 8 bytes. */
export function encodeScore(d: number): string {
  const t = String(d);
  if (t.length < 8) return t;
  f64[0] = d;
  const b = f64Bytes;
  return String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!);
}

export function decodeScore(p: string, pos: number, len: number): number {
  if (len === 8) {
    for (let k = 0; k < 8; k++) f64Bytes[k] = p.charCodeAt(pos + k);
    return f64[0]!;
  }
  // Small integers, the usual scores, without a slice.
  let k = pos;
  const end = pos + len;
  let neg = false;
  if (p.charCodeAt(k) === 45) {
    neg = true;
    k++;
  }
  let n = 0;
  for (; k < end; k++) {
    const c = p.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return Number(p.slice(pos, end));
    n = n * 10 + c;
  }
  return neg ? -n : n;
}

// Edits build the new packed string in one scratch buffer, so it is one flat string: slices and
// concatenation would leave ropes holding on to the previous version.
let buf = new Uint8Array(1024);
let bp = 0;

function bReset(): void {
  bp = 0;
}

function bRoom(n: number): void {
  if (bp + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < bp + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, bp));
  buf = next;
}

function bStr(s: string, from: number, to: number): void {
  bRoom(to - from);
  for (let k = from; k < to; k++) buf[bp++] = s.charCodeAt(k);
}

function bEntry(s: string): void {
  let len = s.length;
  bRoom(len + 5);
  while (len >= 0x80) {
    buf[bp++] = (len & 0x7f) | 0x80;
    len = Math.floor(len / 128);
  }
  buf[bp++] = len;
  bStr(s, 0, s.length);
}

function bDone(): string {
  return latin1(buf, 0, bp);
}

/** `p` with bytes [from, to) replaced by the pair (member, score) when member is not null. */
function splice(p: string, from: number, to: number, member: string | null, score: string | 0) {
  bReset();
  bStr(p, 0, from);
  if (member !== null) {
    bEntry(member);
    bEntry(score as string);
  }
  bStr(p, to, p.length);
  return bDone();
}
