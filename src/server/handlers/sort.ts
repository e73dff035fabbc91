// SORT and SORT_RO: sort a list, set or sorted set numerically or by bytes, by its own elements
// or by values looked up through BY patterns (`weight_*`, `obj_*->field`), project with GET
// patterns, page with LIMIT, and (SORT only) STORE the result as a list. Follows Redis's
// order of checks, its LIMIT clamping, its strtod rules for numeric scores and its tie-breaks,
// so results match element for element wherever Redis's own order is defined.
import type { Db } from "../../engine/keyspace.ts";
import type { HashValue } from "../../engine/hash.ts";
import { ListValue } from "../../engine/list.ts";
import type { SetValue } from "../../engine/set.ts";
import type { ZSetValue } from "../../engine/zset.ts";
import { asType, isString, parseInt64, stringOf } from "../../engine/values.ts";
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import { NOT_INTEGER, SYNTAX, WRONGTYPE } from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { NOTIFY_GENERIC, NOTIFY_LIST } from "../notify.ts";
import type { Server } from "../server.ts";

type Names = "sort" | "sort_ro";

const NOT_DOUBLE = "ERR One or more scores can't be converted into double";
const BY_CLUSTER = "ERR BY option of SORT denied in Cluster mode.";
const GET_CLUSTER = "ERR GET option of SORT denied in Cluster mode.";

/** One element being sorted and the key it sorts by. */
interface Item {
  readonly v: string;
  score: number;
  /** The BY value for ALPHA sorts by pattern; null when the pattern found nothing. */
  cmp: string | null;
}

// --- Strings as C sees them -----------------------------------------------------------------

/** `s` up to its first NUL: what strchr/strcmp/strtod see of an argument. */
function cString(s: string): string {
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
}

/** strcmp: byte order up to the first NUL of either string. */
function cCompare(a: string, b: string): number {
  for (let i = 0;; i++) {
    const x = i < a.length ? a.charCodeAt(i) : 0;
    const y = i < b.length ? b.charCodeAt(i) : 0;
    if (x !== y) return x - y;
    if (x === 0) return 0;
  }
}

/** Byte order over whole binary strings (memcmp, then length). */
function binaryCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^[+-]?inf(?:inity)?$/i;
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * A SORT score the way Redis reads one with strtod: leading whitespace allowed, the whole
 * string (up to a NUL) must parse, and NaN, overflow and inexact underflow (ERANGE) are
 * errors (null). Hex floats and inf/infinity are accepted as glibc does.
 */
export function sortScore(raw: string): number | null {
  let s = cString(raw);
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && (c < 9 || c > 13)) break;
    i++;
  }
  if (i > 0) s = s.slice(i);
  if (s.length === 0) return 0; // strtod parses nothing and stops at the NUL: 0
  if (DECIMAL.test(s)) {
    const d = Number(s);
    if (!Number.isFinite(d)) return null;
    if (Math.abs(d) < MIN_NORMAL && !exactDecimal(s, d)) return null;
    return d;
  }
  if (INFINITY.test(s)) return s.charCodeAt(0) === 45 ? -Infinity : Infinity;
  const hex = HEX.exec(s);
  if (hex !== null) return hexScore(hex[1]!, hex[2]!, hex[3]);
  return null;
}

/** Whether the decimal text `s` is exactly the (tiny or zero) double `d`. */
function exactDecimal(s: string, d: number): boolean {
  const m = /^[+-]?(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(s)!;
  const digits = (m[1]! + m[2]!).replace(/^0+/, "");
  if (digits === "") return true; // zero is exact
  if (d === 0) return false;
  // value = digits * 10^exp10; d = k * 2^-1074 (subnormal or near). Exact iff equal.
  const exp10 = Number(m[3] ?? 0) - m[2]!.length;
  if (exp10 >= 0) return false;
  const k = BigInt(Math.round(Math.abs(d) / 2 ** -1074));
  return BigInt(digits) * 2n ** 1074n === k * 10n ** BigInt(-exp10);
}

/** A hex float `sign 0x mant [p exp]`, exact or rounded to nearest as strtod does. */
function hexScore(sign: string, mant: string, exp: string | undefined): number | null {
  const dot = mant.indexOf(".");
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  let n = BigInt("0x" + (digits === "" ? "0" : digits));
  const neg = sign === "-";
  if (n === 0n) return neg ? -0 : 0;
  let e = Number(exp ?? 0) - 4 * (dot < 0 ? 0 : mant.length - dot - 1);
  while ((n & 1n) === 0n) {
    n >>= 1n;
    e++;
  }
  const bits = n.toString(2).length;
  const exact = bits <= 53 && e >= -1074;
  if (!exact && e + bits - 1 < -1022) return null; // inexact underflow: ERANGE
  // Number(n) rounds to 53 bits; powers of two then scale it exactly (or overflow).
  let d = Number(n);
  for (; e > 1000; e -= 1000) d *= 2 ** 1000;
  for (; e < -1000; e += 1000) d *= 2 ** -1000;
  d *= 2 ** e;
  if (!Number.isFinite(d)) return null;
  return neg ? -d : d;
}

// --- Patterns -------------------------------------------------------------------------------

/**
 * The value a BY/GET pattern names for `subst`: `#` is the element itself; the first `*` is
 * replaced by the element; `key->field` reads a hash field. Null when there is no `*`, the key
 * is missing or of the wrong type, or the field is absent.
 */
function lookupPattern(db: Db, pattern: string, subst: string): string | null {
  if (pattern.charCodeAt(0) === 35 && (pattern.length === 1 || pattern.charCodeAt(1) === 0)) {
    return subst;
  }
  const visible = cString(pattern);
  const star = visible.indexOf("*");
  if (star < 0) return null;
  const arrow = visible.indexOf("->", star + 1);
  const hasField = arrow >= 0 && arrow + 2 < visible.length;
  const key = pattern.slice(0, star) + subst +
    pattern.slice(star + 1, hasField ? arrow : pattern.length);
  const v = db.read(key);
  if (v === undefined) return null;
  if (hasField) {
    const h = asType<HashValue>(v, "hash");
    return h === undefined ? null : h.get(pattern.slice(arrow + 2)) ?? null;
  }
  return isString(v) ? stringOf(v) : null;
}

// --- The command ----------------------------------------------------------------------------

/** `it` as an array, without copying one that already is. */
function arrayOf(it: Iterable<string>): string[] {
  return Array.isArray(it) ? it : Array.from(it);
}

function compareNumeric(a: Item, b: Item): number {
  return a.score > b.score ? 1 : a.score < b.score ? -1 : binaryCompare(a.v, b.v);
}

function nullsFirst(a: Item, b: Item): number {
  return a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
}

function compareByBinary(a: Item, b: Item): number {
  return a.cmp === null || b.cmp === null ? nullsFirst(a, b) : binaryCompare(a.cmp, b.cmp);
}

function compareByC(a: Item, b: Item): number {
  return a.cmp === null || b.cmp === null ? nullsFirst(a, b) : cCompare(a.cmp, b.cmp);
}

function compareSelfBinary(a: Item, b: Item): number {
  return binaryCompare(a.v, b.v);
}

function compareSelfC(a: Item, b: Item): number {
  return cCompare(a.v, b.v);
}

/** A LIMIT argument (a 64-bit integer), clamped far outside any collection size. */
function limitArg(argv: Argv, i: number): number | null {
  const n = parseInt64(argv.str(i));
  if (n === null) return null;
  return n > 1n << 53n ? 2 ** 53 : n < -(1n << 53n) ? -(2 ** 53) : Number(n);
}

function sortGeneric(c: Client, argv: Argv, server: Server, readonly: boolean): void {
  const argc = argv.length;
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let by: string | null = null;
  let dontsort = false;
  let store: string | null = null;
  const gets: string[] = [];
  const cluster = server.config.bool("cluster-enabled");
  for (let j = 2; j < argc; j++) {
    const left = argc - j - 1;
    if (argv.is(j, "asc")) desc = false;
    else if (argv.is(j, "desc")) desc = true;
    else if (argv.is(j, "alpha")) alpha = true;
    else if (argv.is(j, "limit") && left >= 2) {
      const start = limitArg(argv, j + 1);
      const count = start === null ? null : limitArg(argv, j + 2);
      if (start === null || count === null) {
        c.w.error(NOT_INTEGER);
        return;
      }
      limitStart = start;
      limitCount = count;
      j += 2;
    } else if (!readonly && argv.is(j, "store") && left >= 1) {
      store = argv.str(++j);
    } else if (argv.is(j, "by") && left >= 1) {
      by = argv.str(++j);
      // A pattern without '*' means "don't sort"; a later real pattern does not undo that.
      if (!cString(by).includes("*")) dontsort = true;
      else if (cluster) {
        c.w.error(BY_CLUSTER);
        return;
      }
    } else if (argv.is(j, "get") && left >= 1) {
      if (cluster) {
        c.w.error(GET_CLUSTER);
        return;
      }
      gets.push(argv.str(++j));
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }

  const db = c.db;
  const value = db.read(argv.str(1));
  const list = value === undefined ? undefined : asType<ListValue>(value, "list");
  const set = value === undefined ? undefined : asType<SetValue>(value, "set");
  const zset = value === undefined ? undefined : asType<ZSetValue>(value, "zset");
  if (value !== undefined && list === undefined && set === undefined && zset === undefined) {
    c.w.error(WRONGTYPE);
    return;
  }
  // A set has no order of its own: a stored result is sorted so replicas agree.
  if (dontsort && set !== undefined && store !== null) {
    dontsort = false;
    alpha = true;
    by = null;
  }

  const len = value === undefined ? 0 : (list ?? set ?? zset)!.size;
  let start = Math.min(Math.max(limitStart, 0), len);
  const count = Math.min(Math.max(limitCount, -1), len);
  let end = count < 0 ? len - 1 : start + count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  // Lists and sorted sets keep their own order when not sorting: take just the range.
  let elements: string[];
  if (dontsort && (list !== undefined || zset !== undefined)) {
    elements = [];
    if (end >= start) {
      const n = end - start + 1;
      if (zset !== undefined) {
        const scores: number[] = [];
        if (desc) zset.range(len - start - n, len - start - 1, true, elements, scores);
        else zset.range(start, end, false, elements, scores);
      } else {
        const all = arrayOf(list!.values());
        if (desc) { for (let k = 0; k < n; k++) elements.push(all[len - start - 1 - k]!); }
        else elements = all.slice(start, end + 1);
      }
      end -= start;
      start = 0;
    }
  } else if (value === undefined) elements = [];
  else elements = arrayOf((list ?? set ?? zset)!.values());

  const items: Item[] = new Array(elements.length);
  for (let k = 0; k < elements.length; k++) items[k] = { v: elements[k]!, score: 0, cmp: null };

  let badScore = false;
  if (!dontsort) {
    for (const item of items) {
      let key: string | null = item.v;
      if (by !== null) {
        key = lookupPattern(db, by, item.v);
        if (key === null) continue;
      }
      if (alpha) {
        if (by !== null) item.cmp = key;
      } else {
        const d = sortScore(key);
        if (d === null) badScore = true;
        else item.score = d;
      }
    }
    if (!badScore) {
      // Ties left by the comparator keep their input order (glibc's merge sort is stable).
      const cmp = !alpha
        ? compareNumeric
        : by !== null
        ? (store !== null ? compareByBinary : compareByC)
        : (store !== null ? compareSelfBinary : compareSelfC);
      items.sort(desc ? (a, b) => -cmp(a, b) || 0 : cmp);
    }
  }

  const outputLen = gets.length > 0 ? gets.length * (end - start + 1) : end - start + 1;
  if (badScore) {
    c.w.error(NOT_DOUBLE);
    return;
  }
  if (store === null) {
    c.w.array(outputLen);
    for (let k = start; k <= end; k++) {
      const v = items[k]!.v;
      if (gets.length === 0) c.w.bulk(v);
      for (const pattern of gets) {
        const got = lookupPattern(db, pattern, v);
        if (got === null) c.w.nil();
        else c.w.bulk(got);
      }
    }
    return;
  }
  const out: string[] = [];
  for (let k = start; k <= end; k++) {
    const v = items[k]!.v;
    if (gets.length === 0) out.push(v);
    for (const pattern of gets) out.push(lookupPattern(db, pattern, v) ?? "");
  }
  if (outputLen > 0) {
    db.set(store, ListValue.from(out));
    server.touch(c.dbIndex, store);
    server.notify(NOTIFY_LIST, "sortstore", store, c.dbIndex);
    server.dirty += outputLen;
  } else if (db.delete(store)) {
    server.touch(c.dbIndex, store);
    server.notify(NOTIFY_GENERIC, "del", store, c.dbIndex);
    server.dirty++;
  }
  c.w.int(outputLen);
}

export const SORT_HANDLERS: Handlers<Names> = {
  sort(c, argv, server) {
    sortGeneric(c, argv, server, false);
  },
  sort_ro(c, argv, server) {
    sortGeneric(c, argv, server, true);
  },
};
