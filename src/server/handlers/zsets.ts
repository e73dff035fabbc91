// Sorted set commands: adds and removals, ranks and ranges (by rank, score and lex), pops
// (blocking too), random members, set algebra (union, intersection, difference) and ZSCAN, with
// Redis 7.0's replies, error texts, keyspace events and reply shapes in RESP2 and RESP3.
import { replyEmptyScan, replyScan, scanCursor, scanMap, scanOptions } from "./_scan.ts";
import { refuseHugeReply } from "./_reply.ts";
import { globMatch } from "../../engine/glob.ts";
import { asType, type Value } from "../../engine/values.ts";
import {
  LEX_LE,
  LEX_LT,
  SCORE_LE,
  SCORE_LT,
  ZADD_ADDED,
  ZADD_GT,
  ZADD_INCR,
  ZADD_LT,
  ZADD_NAN,
  ZADD_NOP,
  ZADD_NX,
  ZADD_UPDATED,
  ZADD_XX,
  zaddResult,
  type ZLimits,
  ZSetValue,
} from "../../engine/zset.ts";
import { rng } from "../../_util/rng.ts";
import type { Argv } from "../../resp/mod.ts";
import { formatDouble } from "../../resp/writer.ts";
import type { Client } from "../client.ts";
import {
  COUNT_POSITIVE,
  LIMIT_NEGATIVE,
  NOT_FLOAT,
  NOT_INTEGER,
  NUMKEYS_POSITIVE,
  OUT_OF_RANGE,
  OUT_OF_RANGE_POSITIVE,
  SYNTAX,
  WRONGTYPE,
} from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { NOTIFY_GENERIC, NOTIFY_ZSET } from "../notify.ts";
import type { Server } from "../server.ts";
import { intArg } from "./_args.ts";
import { timeoutArg as listTimeoutArg } from "./lists.ts";

type Names =
  | "zadd"
  | "zincrby"
  | "zrem"
  | "zcard"
  | "zscore"
  | "zmscore"
  | "zrank"
  | "zrevrank"
  | "zcount"
  | "zlexcount"
  | "zrange"
  | "zrangestore"
  | "zrevrange"
  | "zrangebyscore"
  | "zrevrangebyscore"
  | "zrangebylex"
  | "zrevrangebylex"
  | "zremrangebyrank"
  | "zremrangebyscore"
  | "zremrangebylex"
  | "zpopmin"
  | "zpopmax"
  | "zmpop"
  | "bzpopmin"
  | "bzpopmax"
  | "bzmpop"
  | "zrandmember"
  | "zunion"
  | "zunionstore"
  | "zinter"
  | "zinterstore"
  | "zintercard"
  | "zdiff"
  | "zdiffstore"
  | "zscan";

const MINMAX_NOT_FLOAT = "ERR min or max is not a float";
const LEX_NOT_VALID = "ERR min or max not valid string range item";
const NAN_RESULT = "ERR resulting score is not a number (NaN)";
const XX_NX = "ERR XX and NX options at the same time are not compatible";
const GT_LT_NX = "ERR GT, LT, and/or NX options at the same time are not compatible";
const INCR_PAIR = "ERR INCR option supports a single increment-element pair";
const LIMIT_RANK =
  "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
const WITHSCORES_LEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
const WEIGHT_NOT_FLOAT = "ERR weight value is not a float";
const LONG_MAX = 9223372036854775807n;

// --- Shared state and helpers -----------------------------------------------------------------

const limitsBySrv = new WeakMap<Server, ZLimits>();

/** The encoding thresholds, kept current by CONFIG SET (read once per server, not per add). */
function limits(server: Server): ZLimits {
  let l = limitsBySrv.get(server);
  if (l === undefined) {
    const fresh: ZLimits = { entries: 128, value: 64 };
    server.config.watch("zset-max-listpack-entries", (v) => fresh.entries = Number(v));
    server.config.watch("zset-max-listpack-value", (v) => fresh.value = Number(v));
    limitsBySrv.set(server, fresh);
    l = fresh;
  }
  return l;
}

/** Scratch arrays for ranges and pops; handlers are synchronous, so one set serves all. */
const M: string[] = [];
const S: number[] = [];

function clearScratch(): void {
  M.length = 0;
  S.length = 0;
}

/**
 * The sorted set at `key`: undefined when absent, null once WRONGTYPE was replied. `read`
 * counts a keyspace hit or miss.
 */
function zsetAt(c: Client, key: string, read: boolean): ZSetValue | undefined | null {
  const v = read ? c.db.read(key) : c.db.get(key);
  if (v === undefined) return undefined;
  const z = asType<ZSetValue>(v, "zset");
  if (z === undefined) {
    c.w.error(WRONGTYPE);
    return null;
  }
  return z;
}

/** What every change reports: WATCH, keyspace event, dirty. */
function changed(server: Server, c: Client, key: string, event: string, n: number): void {
  server.touch(c.dbIndex, key);
  server.notify(NOTIFY_ZSET, event, key, c.dbIndex);
  server.dirty += n;
}

/** Deletes an emptied set's key with its "del" event. */
function dropIfEmpty(server: Server, c: Client, z: ZSetValue, key: string): void {
  if (z.size !== 0) return;
  c.db.delete(key);
  server.notify(NOTIFY_GENERIC, "del", key, c.dbIndex);
}

/**
 * A compact set's score as ZSCAN prints it (the text Redis's listpack holds, from d2string):
 * integral values up to 2^62 in full, others as %.17g.
 */
function d2string(d: number): string {
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  if (Number.isInteger(d) && d >= -4611686018427387904 && d <= 4611686018427387904) {
    return Math.abs(d) <= Number.MAX_SAFE_INTEGER ? String(d) : BigInt(d).toString();
  }
  return formatDouble(d);
}

/** A member and score; RESP3 nests pairs as arrays (`nest`), RESP2 flattens them. */
function writePairs(c: Client, withScores: boolean, nest: boolean): void {
  const n = M.length;
  const w = c.w;
  if (!withScores) {
    w.array(n);
    for (let i = 0; i < n; i++) w.bulk(M[i]!);
    return;
  }
  if (nest) {
    w.array(n);
    for (let i = 0; i < n; i++) {
      w.array(2);
      w.bulk(M[i]!);
      c.w.double(S[i]!);
    }
    return;
  }
  w.array(n * 2);
  for (let i = 0; i < n; i++) {
    w.bulk(M[i]!);
    c.w.double(S[i]!);
  }
}

// --- Number parsing with strtod's rules -------------------------------------------------------

/** Where the last `strtod` stopped (its start when nothing was read). */
let strtodEnd = 0;
/** Whether the last `strtod` read a mantissa with a non-zero digit (underflow detection). */
let strtodNonZero = false;
/** Whether the last `strtod` read an "inf"/"infinity" literal. */
let strtodInf = false;

function isSpace(ch: number): boolean {
  return ch === 32 || (ch >= 9 && ch <= 13);
}

function hexValue(ch: number): number {
  if (ch >= 48 && ch <= 57) return ch - 48;
  if (ch >= 97 && ch <= 102) return ch - 87;
  if (ch >= 65 && ch <= 70) return ch - 55;
  return -1;
}

function startsWithWord(s: string, i: number, word: string): boolean {
  if (i + word.length > s.length) return false;
  for (let k = 0; k < word.length; k++) {
    let ch = s.charCodeAt(i + k);
    if (ch >= 65 && ch <= 90) ch += 32;
    if (ch !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** C's strtod on `s`: leading spaces, sign, inf/nan, hex and decimal forms. */
function strtod(s: string): number {
  const len = s.length;
  let i = 0;
  strtodEnd = 0;
  strtodNonZero = false;
  strtodInf = false;
  while (i < len && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  const sc = s.charCodeAt(i);
  if (sc === 43 || sc === 45) {
    neg = sc === 45;
    i++;
  }
  if (startsWithWord(s, i, "inf")) {
    strtodInf = true;
    strtodEnd = startsWithWord(s, i, "infinity") ? i + 8 : i + 3;
    return neg ? -Infinity : Infinity;
  }
  if (startsWithWord(s, i, "nan")) {
    let end = i + 3;
    if (s.charCodeAt(end) === 40) {
      let k = end + 1;
      while (k < len && /[0-9A-Za-z_]/.test(s[k]!)) k++;
      if (s.charCodeAt(k) === 41) end = k + 1;
    }
    strtodEnd = end;
    return NaN;
  }
  if (
    s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120 &&
    (hexValue(s.charCodeAt(i + 2)) >= 0 ||
      (s.charCodeAt(i + 2) === 46 && hexValue(s.charCodeAt(i + 3)) >= 0))
  ) {
    return hexFloat(s, i + 2, neg);
  }
  const start = i;
  let digits = 0;
  while (i < len && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
    if (s.charCodeAt(i) !== 48) strtodNonZero = true;
    i++;
    digits++;
  }
  if (s.charCodeAt(i) === 46) {
    i++;
    while (i < len && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
      if (s.charCodeAt(i) !== 48) strtodNonZero = true;
      i++;
      digits++;
    }
  }
  if (digits === 0) return 0;
  if ((s.charCodeAt(i) | 32) === 101) {
    let k = i + 1;
    if (s.charCodeAt(k) === 43 || s.charCodeAt(k) === 45) k++;
    if (s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) {
      while (k < len && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
      i = k;
    }
  }
  strtodEnd = i;
  const v = Number(s.slice(start, i));
  return neg ? -v : v;
}

/** A C99 hex float from its first hex digit: mantissa digits, optional '.', optional p-exponent. */
function hexFloat(s: string, i: number, neg: boolean): number {
  let mant = 0n;
  let exp = 0;
  let d: number;
  while ((d = hexValue(s.charCodeAt(i))) >= 0) {
    mant = mant * 16n + BigInt(d);
    i++;
  }
  if (s.charCodeAt(i) === 46) {
    i++;
    while ((d = hexValue(s.charCodeAt(i))) >= 0) {
      mant = mant * 16n + BigInt(d);
      exp -= 4;
      i++;
    }
  }
  if ((s.charCodeAt(i) | 32) === 112) {
    let k = i + 1;
    let eneg = false;
    if (s.charCodeAt(k) === 43 || s.charCodeAt(k) === 45) eneg = s.charCodeAt(k++) === 45;
    if (s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) {
      let e = 0;
      while (s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) {
        e = Math.min(e * 10 + s.charCodeAt(k) - 48, 1e6);
        k++;
      }
      exp += eneg ? -e : e;
      i = k;
    }
  }
  strtodEnd = i;
  strtodNonZero = mant !== 0n;
  let v = Number(mant);
  // Scale in steps so intermediate powers of two stay finite.
  while (exp > 0 && v !== Infinity) {
    const step = Math.min(exp, 1000);
    v *= 2 ** step;
    exp -= step;
  }
  while (exp < 0 && v !== 0) {
    const step = Math.min(-exp, 1000);
    v /= 2 ** step;
    exp += step;
  }
  return neg ? -v : v;
}

/** A score argument with Redis's getDoubleFromObject rules, or null. */
function parseScore(s: string): number | null {
  const len = s.length;
  // Plain integers, the usual case, without strtod's work.
  if (len > 0 && len < 16) {
    let k = s.charCodeAt(0) === 45 ? 1 : 0;
    if (k < len) {
      let n = 0;
      for (; k < len; k++) {
        const d = s.charCodeAt(k) - 48;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
      }
      if (k === len) return s.charCodeAt(0) === 45 ? -n : n;
    }
  }
  if (len === 0 || isSpace(s.charCodeAt(0))) return null;
  const v = strtod(s);
  if (strtodEnd !== len || Number.isNaN(v)) return null;
  if (!strtodInf && (v === Infinity || v === -Infinity)) return null;
  if (v === 0 && strtodNonZero) return null;
  return v;
}

function scoreArg(argv: Argv, i: number): number | null {
  return parseScore(argv.str(i));
}

// --- Ranges -----------------------------------------------------------------------------------

/** A parsed score or lex range, as the rank window [lo, hi) it selects in a given set. */
const range = {
  min: 0,
  max: 0,
  minEx: false,
  maxEx: false,
  lexMin: "",
  lexMax: "",
  /** 0: "[x", 1: "(x", 2: "-", 3: "+" */
  lexMinKind: 0,
  lexMaxKind: 0,
};

/** One end of a score range ("(1.5", "-inf"...) with zslParseRange's plain strtod. */
function scoreBound(s: string, max: boolean): boolean {
  const ex = s.charCodeAt(0) === 40;
  const text = ex ? s.slice(1) : s;
  const v = strtod(text);
  if (strtodEnd !== text.length || Number.isNaN(v)) return false;
  if (max) {
    range.max = v;
    range.maxEx = ex;
  } else {
    range.min = v;
    range.minEx = ex;
  }
  return true;
}

function parseScoreRange(argv: Argv, minAt: number, maxAt: number): boolean {
  return scoreBound(argv.str(minAt), false) && scoreBound(argv.str(maxAt), true);
}

function lexBound(s: string, max: boolean): boolean {
  let kind: number;
  const ch = s.charCodeAt(0);
  if (s.length === 1 && ch === 45) kind = 2;
  else if (s.length === 1 && ch === 43) kind = 3;
  else if (ch === 91) kind = 0;
  else if (ch === 40) kind = 1;
  else return false;
  const text = kind < 2 ? s.slice(1) : "";
  if (max) {
    range.lexMaxKind = kind;
    range.lexMax = text;
  } else {
    range.lexMinKind = kind;
    range.lexMin = text;
  }
  return true;
}

function parseLexRange(argv: Argv, minAt: number, maxAt: number): boolean {
  return lexBound(argv.str(minAt), false) && lexBound(argv.str(maxAt), true);
}

/** The rank window [lo, hi) of the parsed score range in `z` (hi ≤ lo: empty). */
let winLo = 0;
let winHi = 0;

function scoreWindow(z: ZSetValue): void {
  winLo = z.countBelow(range.minEx ? SCORE_LE : SCORE_LT, range.min, "");
  winHi = z.countBelow(range.maxEx ? SCORE_LT : SCORE_LE, range.max, "");
}

function lexWindow(z: ZSetValue): void {
  const n = z.size;
  switch (range.lexMinKind) {
    case 0:
      winLo = z.countBelow(LEX_LT, 0, range.lexMin);
      break;
    case 1:
      winLo = z.countBelow(LEX_LE, 0, range.lexMin);
      break;
    case 2:
      winLo = 0;
      break;
    default:
      winLo = n;
  }
  switch (range.lexMaxKind) {
    case 0:
      winHi = z.countBelow(LEX_LE, 0, range.lexMax);
      break;
    case 1:
      winHi = z.countBelow(LEX_LT, 0, range.lexMax);
      break;
    case 2:
      winHi = 0;
      break;
    default:
      winHi = n;
  }
}

/** Rank start/end as Z[REV]RANGE reads them, clamped: sets winLo..winHi (exclusive). */
function rankWindow(z: ZSetValue, start: number, end: number, rev: boolean): void {
  const n = z.size;
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) {
    winLo = winHi = 0;
    return;
  }
  if (end >= n) end = n - 1;
  if (rev) {
    winLo = n - 1 - end;
    winHi = n - start;
  } else {
    winLo = start;
    winHi = end + 1;
  }
}

/** Fills M/S with the window, in `rev` order, after skipping `offset` and taking `limit`. */
function collectWindow(z: ZSetValue, rev: boolean, offset: number, limit: number): void {
  clearScratch();
  if (winHi <= winLo || offset < 0) return;
  let n = winHi - winLo - offset;
  if (limit >= 0 && limit < n) n = limit;
  if (n <= 0) return;
  if (rev) z.range(winHi - offset - n, winHi - offset - 1, true, M, S);
  else z.range(winLo + offset, winLo + offset + n - 1, false, M, S);
}

// --- ZRANGE and its older forms ---------------------------------------------------------------

const RANK = 0;
const BYSCORE = 1;
const BYLEX = 2;

interface RangeForm {
  /** The preset range type, or -1 (ZRANGE: chosen by BYSCORE/BYLEX). */
  type: number;
  /** Preset direction: 1 reverse, 0 forward, -1 chosen by REV. */
  rev: number;
  store: boolean;
}

const ZRANGE: RangeForm = { type: -1, rev: -1, store: false };
const ZRANGESTORE: RangeForm = { type: -1, rev: -1, store: true };
const ZREVRANGE: RangeForm = { type: RANK, rev: 1, store: false };
const ZRANGEBYSCORE: RangeForm = { type: BYSCORE, rev: 0, store: false };
const ZREVRANGEBYSCORE: RangeForm = { type: BYSCORE, rev: 1, store: false };
const ZRANGEBYLEX: RangeForm = { type: BYLEX, rev: 0, store: false };
const ZREVRANGEBYLEX: RangeForm = { type: BYLEX, rev: 1, store: false };

function zrangeGeneric(c: Client, argv: Argv, server: Server, form: RangeForm): void {
  const keyAt = form.store ? 2 : 1;
  let type = form.type;
  let rev = form.rev;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = keyAt + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    if (!form.store && argv.is(j, "withscores")) withScores = true;
    else if (argv.is(j, "limit") && left >= 2) {
      const o = intArg(argv, j + 1);
      const l = o === null ? null : intArg(argv, j + 2);
      if (o === null || l === null) {
        c.w.error(NOT_INTEGER);
        return;
      }
      offset = o;
      limit = l;
      j += 2;
    } else if (rev === -1 && argv.is(j, "rev")) rev = 1;
    else if (type === -1 && argv.is(j, "bylex")) type = BYLEX;
    else if (type === -1 && argv.is(j, "byscore")) type = BYSCORE;
    else {
      c.w.error(SYNTAX);
      return;
    }
  }
  if (rev === -1) rev = 0;
  if (type === -1) type = RANK;
  if (limit !== -1 && type === RANK) {
    c.w.error(LIMIT_RANK);
    return;
  }
  if (withScores && type === BYLEX) {
    c.w.error(WITHSCORES_LEX);
    return;
  }
  // Reverse score and lex ranges are written max first.
  let minAt = keyAt + 1;
  let maxAt = keyAt + 2;
  if (rev === 1 && type !== RANK) {
    minAt = keyAt + 2;
    maxAt = keyAt + 1;
  }
  let start = 0;
  let end = 0;
  if (type === RANK) {
    const a = intArg(argv, minAt);
    const b = a === null ? null : intArg(argv, maxAt);
    if (a === null || b === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    start = a;
    end = b;
  } else if (type === BYSCORE) {
    if (!parseScoreRange(argv, minAt, maxAt)) {
      c.w.error(MINMAX_NOT_FLOAT);
      return;
    }
  } else if (!parseLexRange(argv, minAt, maxAt)) {
    c.w.error(LEX_NOT_VALID);
    return;
  }
  const key = argv.str(keyAt);
  const z = zsetAt(c, key, true);
  if (z === null) return;
  if (z === undefined) {
    if (form.store) storeResult(c, server, argv.str(1), "zrangestore");
    else c.w.array(0);
    return;
  }
  if (type === RANK) rankWindow(z, start, end, rev === 1);
  else if (type === BYSCORE) scoreWindow(z);
  else lexWindow(z);
  collectWindow(z, rev === 1, type === RANK ? 0 : offset, type === RANK ? -1 : limit);
  if (form.store) storeResult(c, server, argv.str(1), "zrangestore");
  else writePairs(c, withScores, c.w.protocol === 3);
  clearScratch();
}

/** Stores M/S at `dst` (replacing any value) and replies its size; deletes `dst` when empty. */
function storeResult(c: Client, server: Server, dst: string, event: string): void {
  const n = M.length;
  if (n === 0) {
    c.w.int(0);
    if (c.db.delete(dst)) {
      server.touch(c.dbIndex, dst);
      server.notify(NOTIFY_GENERIC, "del", dst, c.dbIndex);
      server.dirty++;
    }
    return;
  }
  const lim = limits(server);
  const z = new ZSetValue();
  // M/S may be in any order (reverse ranges): insertNew keeps the set ordered.
  for (let i = 0; i < n; i++) z.insertNew(M[i]!, S[i]!, lim);
  c.db.set(dst, z);
  c.w.int(n);
  changed(server, c, dst, event, 1);
}

// --- Pops -------------------------------------------------------------------------------------

/** Pops up to `count` entries from one end of `z` into M/S and reports the change. */
function popInto(
  c: Client,
  server: Server,
  z: ZSetValue,
  key: string,
  max: boolean,
  count: number,
): number {
  clearScratch();
  const size = z.size;
  const n = count < size ? count : size;
  if (max) {
    z.range(size - n, size - 1, true, M, S);
    z.removeRange(size - n, size - 1);
  } else {
    z.range(0, n - 1, false, M, S);
    z.removeRange(0, n - 1);
  }
  server.notify(NOTIFY_ZSET, max ? "zpopmax" : "zpopmin", key, c.dbIndex);
  dropIfEmpty(server, c, z, key);
  server.touch(c.dbIndex, key);
  server.dirty += n;
  return n;
}

/**
 * What ZMPOP and the blocking pops propagate: the plain pop of the key served (with the count
 * popped when `n` is given), so a replica never waits or picks a key of its own.
 */
function zpopArgs(key: string, max: boolean, n?: number): string[] {
  const args = [max ? "ZPOPMAX" : "ZPOPMIN", key];
  if (n !== undefined) args.push(String(n));
  return args;
}

function zpop(c: Client, argv: Argv, server: Server, max: boolean): void {
  if (argv.length > 3) {
    c.w.error(SYNTAX);
    return;
  }
  let count = 1;
  if (argv.length === 3) {
    const n = intArg(argv, 2);
    if (n === null || n < 0) {
      c.w.error(OUT_OF_RANGE_POSITIVE);
      return;
    }
    count = n;
  }
  const key = argv.str(1);
  const z = zsetAt(c, key, false);
  if (z === null) return;
  if (z === undefined || count === 0) {
    c.w.array(0);
    return;
  }
  popInto(c, server, z, key, max, count);
  writePairs(c, true, argv.length === 3 && c.w.protocol === 3);
  clearScratch();
}

/** ZMPOP/BZMPOP's arguments after the numkeys position; null once an error was replied. */
interface MpopArgs {
  keys: string[];
  max: boolean;
  count: number;
}

function parseMpop(c: Client, argv: Argv, numkeysAt: number): MpopArgs | null {
  const nk = intArg(argv, numkeysAt);
  if (nk === null || nk < 1) {
    c.w.error(NUMKEYS_POSITIVE);
    return null;
  }
  const whereAt = numkeysAt + nk + 1;
  if (whereAt >= argv.length) {
    c.w.error(SYNTAX);
    return null;
  }
  let max: boolean;
  if (argv.is(whereAt, "min")) max = false;
  else if (argv.is(whereAt, "max")) max = true;
  else {
    c.w.error(SYNTAX);
    return null;
  }
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && argv.is(j, "count") && j + 1 < argv.length) {
      j++;
      const n = intArg(argv, j);
      if (n === null || n < 1) {
        c.w.error(COUNT_POSITIVE);
        return null;
      }
      count = n;
    } else {
      c.w.error(SYNTAX);
      return null;
    }
  }
  const keys: string[] = [];
  for (let k = 0; k < nk; k++) keys.push(argv.str(numkeysAt + 1 + k));
  return { keys, max, count: count === -1 ? 1 : count };
}

/** The [key, [[member, score]...]] reply of ZMPOP from M/S. */
function writeMpop(c: Client, key: string): void {
  c.w.array(2);
  c.w.bulk(key);
  writePairs(c, true, true);
}

/** The first non-empty set among `keys` (undefined: none; null: WRONGTYPE replied). */
function firstZset(c: Client, keys: readonly string[]): [string, ZSetValue] | undefined | null {
  for (const key of keys) {
    const z = zsetAt(c, key, false);
    if (z === null) return null;
    if (z !== undefined) return [key, z];
  }
  return undefined;
}

/**
 * A blocking command's timeout in ms (0: forever), or null once an error was replied. Shares
 * the lists' long double rules, so "inf" and 1e300 are "negative" (the cast wraps) as in Redis.
 */
function timeoutArg(c: Client, argv: Argv, i: number): number | null {
  const ms = listTimeoutArg(c, argv, i);
  return ms < 0 ? null : ms;
}

function bzpop(c: Client, argv: Argv, server: Server, max: boolean): void | Promise<void> {
  const timeoutMs = timeoutArg(c, argv, argv.length - 1);
  if (timeoutMs === null) return;
  const keys: string[] = [];
  for (let i = 1; i < argv.length - 1; i++) keys.push(argv.str(i));
  // Once waiting, a serve runs outside dispatch and propagates by itself.
  let waited = false;
  const serve = (key: string): boolean => {
    const z = asTypeZ(c.db.get(key));
    if (z === undefined || z.size === 0) return false;
    popInto(c, server, z, key, max, 1);
    if (server.repl.active) {
      if (waited) server.repl.propagate(c.dbIndex, zpopArgs(key, max));
      else server.repl.rewrite(zpopArgs(key, max));
    }
    c.w.array(3);
    c.w.bulk(key);
    c.w.bulk(M[0]!);
    c.w.double(S[0]!);
    clearScratch();
    return true;
  };
  for (const key of keys) {
    const z = zsetAt(c, key, false);
    if (z === null) return;
    if (z !== undefined && serve(key)) return;
  }
  if (c.inExec) {
    c.w.nilArray();
    return;
  }
  waited = true;
  return server.blocking.block(c, {
    keys,
    timeoutMs,
    serve,
    timedOut: () => c.w.nilArray(),
  });
}

function asTypeZ(v: Value | undefined): ZSetValue | undefined {
  return v === undefined ? undefined : asType<ZSetValue>(v, "zset");
}

// --- Set algebra ------------------------------------------------------------------------------

const UNION = 0;
const INTER = 1;
const DIFF = 2;

const SUM = 0;
const MIN = 1;
const MAX = 2;

/** A plain set's view, as the sets module provides it. */
interface SetLike {
  readonly size: number;
  values(): Iterable<string>;
  has?(member: string): boolean;
}

/** One input of ZUNION & co: a sorted set, a plain set (every score 1), or nothing. */
interface Source {
  z: ZSetValue | null;
  set: SetLike | null;
  /** Members of `set` when it has no `has` (built on demand). */
  members: Set<string> | null;
  weight: number;
  size: number;
}

function sourceScore(src: Source, member: string): number | undefined {
  if (src.z !== null) return src.z.score(member);
  if (src.set === null) return undefined;
  if (typeof src.set.has === "function") return src.set.has(member) ? 1 : undefined;
  src.members ??= new Set(src.set.values());
  return src.members.has(member) ? 1 : undefined;
}

function* sourceEntries(src: Source): IterableIterator<[string, number]> {
  if (src.z !== null) yield* src.z.entries();
  else if (src.set !== null) { for (const m of src.set.values()) yield [m, 1]; }
}

function aggregate(op: number, a: number, b: number): number {
  if (op === SUM) {
    const r = a + b;
    return Number.isNaN(r) ? 0 : r;
  }
  if (op === MIN) return b < a ? b : a;
  return b > a ? b : a;
}

/** ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD. */
function setOp(
  c: Client,
  argv: Argv,
  server: Server,
  op: number,
  store: boolean,
  cardOnly = false,
): void {
  const numkeysAt = store ? 2 : 1;
  const name = argv.lower(0);
  const nk = intArg(argv, numkeysAt);
  if (nk === null) {
    c.w.error(NOT_INTEGER);
    return;
  }
  if (nk < 1) {
    c.w.error(`ERR at least 1 input key is needed for '${name}' command`);
    return;
  }
  if (nk > argv.length - numkeysAt - 1) {
    c.w.error(SYNTAX);
    return;
  }
  const srcs: Source[] = [];
  for (let k = 0; k < nk; k++) {
    const v = c.db.get(argv.str(numkeysAt + 1 + k));
    const src: Source = { z: null, set: null, members: null, weight: 1, size: 0 };
    if (v !== undefined) {
      const z = asType<ZSetValue>(v, "zset");
      const set = z === undefined ? asType(v, "set") : undefined;
      if (z === undefined && set === undefined) {
        c.w.error(WRONGTYPE);
        return;
      }
      if (z !== undefined) src.z = z;
      else src.set = set as unknown as SetLike;
      src.size = z !== undefined ? z.size : (set as unknown as SetLike).size;
    }
    srcs.push(src);
  }
  let agg = SUM;
  let withScores = false;
  let limit = 0;
  let j = numkeysAt + 1 + nk;
  let remaining = argv.length - j;
  while (remaining > 0) {
    if (op !== DIFF && !cardOnly && remaining >= nk + 1 && argv.is(j, "weights")) {
      j++;
      remaining--;
      for (let k = 0; k < nk; k++, j++, remaining--) {
        const w = scoreArg(argv, j);
        if (w === null) {
          c.w.error(WEIGHT_NOT_FLOAT);
          return;
        }
        srcs[k]!.weight = w;
      }
    } else if (op !== DIFF && !cardOnly && remaining >= 2 && argv.is(j, "aggregate")) {
      j++;
      remaining--;
      if (argv.is(j, "sum")) agg = SUM;
      else if (argv.is(j, "min")) agg = MIN;
      else if (argv.is(j, "max")) agg = MAX;
      else {
        c.w.error(SYNTAX);
        return;
      }
      j++;
      remaining--;
    } else if (!store && !cardOnly && argv.is(j, "withscores")) {
      j++;
      remaining--;
      withScores = true;
    } else if (cardOnly && remaining >= 2 && argv.is(j, "limit")) {
      const n = intArg(argv, j + 1);
      if (n === null || n < 0) {
        c.w.error(LIMIT_NEGATIVE);
        return;
      }
      limit = n;
      j += 2;
      remaining -= 2;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }

  // The result, as member → score; sources smallest first, as Redis adds them in that order.
  const result = new Map<string, number>();
  if (op !== DIFF) srcs.sort((a, b) => a.size - b.size);
  if (op === INTER) {
    const first = srcs[0]!;
    if (first.size > 0) {
      outer: for (const [m, s0] of sourceEntries(first)) {
        let score = first.weight * s0;
        if (Number.isNaN(score)) score = 0;
        for (let k = 1; k < srcs.length; k++) {
          const other = srcs[k]!;
          const s = other.size > 0 ? sourceScore(other, m) : undefined;
          if (s === undefined) continue outer;
          let v = other.weight * s;
          if (Number.isNaN(v)) v = 0;
          score = aggregate(agg, score, v);
        }
        result.set(m, score);
        if (cardOnly && limit > 0 && result.size >= limit) break;
      }
    }
  } else if (op === UNION) {
    for (const src of srcs) {
      if (src.size === 0) continue;
      for (const [m, s] of sourceEntries(src)) {
        let v = src.weight * s;
        if (Number.isNaN(v)) v = 0;
        const cur = result.get(m);
        result.set(m, cur === undefined ? v : aggregate(agg, cur, v));
      }
    }
  } else {
    const first = srcs[0]!;
    outer: for (const [m, s] of sourceEntries(first)) {
      for (let k = 1; k < srcs.length; k++) {
        if (srcs[k]!.size > 0 && sourceScore(srcs[k]!, m) !== undefined) continue outer;
      }
      result.set(m, s);
    }
  }

  if (cardOnly) {
    c.w.int(result.size);
    return;
  }
  const entries = [...result];
  entries.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  clearScratch();
  for (const [m, s] of entries) {
    M.push(m);
    S.push(s);
  }
  if (store) {
    storeResult(c, server, argv.str(1), STORE_EVENTS[op]!);
  } else writePairs(c, withScores, c.w.protocol === 3);
  clearScratch();
}

const STORE_EVENTS = ["zunionstore", "zinterstore", "zdiffstore"];

// --- ZRANDMEMBER ------------------------------------------------------------------------------

let random: () => number = Math.random;

/** Seeds ZRANDMEMBER's choices (tests). */
export function seedZsetRandom(seed: number): void {
  random = rng(seed);
}

function randomInt(n: number): number {
  return Math.floor(random() * n);
}

function zrandmember(c: Client, argv: Argv, server: Server): void {
  if (argv.length === 2) {
    const z = zsetAt(c, argv.str(1), true);
    if (z === null) return;
    if (z === undefined) {
      c.w.nil();
      return;
    }
    clearScratch();
    const r = randomInt(z.size);
    z.range(r, r, false, M, S);
    c.w.bulk(M[0]!);
    clearScratch();
    return;
  }
  const s = argv.str(2);
  const count64 = /^-?\d+$/.test(s) ? BigInt(s) : null;
  const count = intArg(argv, 2);
  if (count === null || count64 === null) {
    c.w.error(NOT_INTEGER);
    return;
  }
  if (count64 < -LONG_MAX) {
    c.w.error(`ERR value is out of range, value must between -${LONG_MAX} and ${LONG_MAX}`);
    return;
  }
  let withScores = false;
  if (argv.length === 4 && argv.is(3, "withscores")) withScores = true;
  else if (argv.length > 3) {
    c.w.error(SYNTAX);
    return;
  }
  if (withScores && (count64 < -LONG_MAX / 2n || count64 > LONG_MAX / 2n)) {
    c.w.error(OUT_OF_RANGE);
    return;
  }
  const z = zsetAt(c, argv.str(1), true);
  if (z === null) return;
  if (z === undefined || count === 0) {
    c.w.array(0);
    return;
  }
  const size = z.size;
  clearScratch();
  if (count < 0) {
    // Repeats allowed: independent picks, written as drawn so no array grows with the count.
    // Past MAX_REPLY_ELEMENTS the client is dropped rather than the process (_reply.ts).
    const n = -count;
    if (refuseHugeReply(c, server, withScores ? n * 2 : n)) return;
    const w = c.w;
    const nest = withScores && w.protocol === 3;
    w.array(withScores && !nest ? n * 2 : n);
    for (let i = 0; i < n; i++) {
      const r = randomInt(size);
      z.range(r, r, false, M, S);
      if (nest) w.array(2);
      w.bulk(M[0]!);
      if (withScores) c.w.double(S[0]!);
      M.length = 0;
      S.length = 0;
    }
    return;
  } else if (count >= size) {
    // The whole set, highest rank first, as Redis 7.0 returns it.
    z.range(0, size - 1, true, M, S);
  } else if (count * 3 < size) {
    // Few distinct picks from many: draw until enough different ranks came up.
    const seen = new Set<number>();
    while (seen.size < count) {
      const r = randomInt(size);
      if (seen.has(r)) continue;
      seen.add(r);
      z.range(r, r, false, M, S);
    }
  } else {
    // Distinct picks: a partial Fisher-Yates over ranks.
    const ranks: number[] = [];
    for (let i = 0; i < size; i++) ranks.push(i);
    for (let i = 0; i < count; i++) {
      const k = i + randomInt(size - i);
      const t = ranks[i]!;
      ranks[i] = ranks[k]!;
      ranks[k] = t;
      z.range(ranks[i]!, ranks[i]!, false, M, S);
    }
  }
  writePairs(c, withScores, c.w.protocol === 3);
  clearScratch();
}

// --- ZSCAN ------------------------------------------------------------------------------------

function zscan(c: Client, argv: Argv, server: Server): void {
  const cursor = scanCursor(c, argv, 2);
  if (cursor === null) return;
  const z = zsetAt(c, argv.str(1), true);
  if (z === null) return;
  if (z === undefined) {
    replyEmptyScan(c);
    return;
  }
  const o = scanOptions(c, argv, 3);
  if (o === null) return;
  const pattern = o.pattern;
  const out: string[] = [];
  let next = 0n;
  const dict = z.dict;
  if (dict === null) {
    // The compact form is returned whole, as Redis does for a listpack.
    for (const [m, s] of z.entries()) {
      if (pattern === null || globMatch(pattern, m)) out.push(m, d2string(s));
    }
  } else {
    const step = scanMap(server, cursor, dict, o);
    next = step.cursor;
    for (const m of step.items) {
      const s = dict.get(m);
      // A big set prints %.17g here, not the compact form's integer text.
      if (s !== undefined) out.push(m, formatDouble(s));
    }
  }
  replyScan(c, next, out, null, true);
}

// --- The handlers -----------------------------------------------------------------------------

/** ZADD's score arguments, parsed before anything changes. */
const ADD_SCORES: number[] = [];

function zaddGeneric(c: Client, argv: Argv, server: Server, incrOnly: boolean): void {
  let flags = 0;
  let ch = false;
  let at = 2;
  if (incrOnly) flags = ZADD_INCR;
  else {
    for (; at < argv.length; at++) {
      if (argv.is(at, "nx")) flags |= ZADD_NX;
      else if (argv.is(at, "xx")) flags |= ZADD_XX;
      else if (argv.is(at, "gt")) flags |= ZADD_GT;
      else if (argv.is(at, "lt")) flags |= ZADD_LT;
      else if (argv.is(at, "ch")) ch = true;
      else if (argv.is(at, "incr")) flags |= ZADD_INCR;
      else break;
    }
  }
  const elements = argv.length - at;
  if (elements === 0 || elements % 2 !== 0) {
    c.w.error(SYNTAX);
    return;
  }
  const pairs = elements / 2;
  if ((flags & ZADD_NX) !== 0 && (flags & ZADD_XX) !== 0) {
    c.w.error(XX_NX);
    return;
  }
  const gt = (flags & ZADD_GT) !== 0;
  const lt = (flags & ZADD_LT) !== 0;
  if ((flags & ZADD_NX) !== 0 && (gt || lt) || (gt && lt)) {
    c.w.error(GT_LT_NX);
    return;
  }
  const incr = (flags & ZADD_INCR) !== 0;
  if (incr && pairs > 1) {
    c.w.error(INCR_PAIR);
    return;
  }
  ADD_SCORES.length = 0;
  for (let i = 0; i < pairs; i++) {
    const s = scoreArg(argv, at + 2 * i);
    if (s === null) {
      c.w.error(NOT_FLOAT);
      return;
    }
    ADD_SCORES.push(s);
  }
  const key = argv.str(1);
  let z = zsetAt(c, key, false);
  if (z === null) return;
  if (z === undefined) {
    if ((flags & ZADD_XX) !== 0) {
      if (incr) c.w.nil();
      else c.w.int(0);
      return;
    }
    z = new ZSetValue();
    c.db.set(key, z);
  }
  const lim = limits(server);
  let added = 0;
  let updated = 0;
  let processed = 0;
  for (let i = 0; i < pairs; i++) {
    const r = z.add(argv.str(at + 2 * i + 1), ADD_SCORES[i]!, flags, lim);
    if (r === ZADD_NAN) {
      c.w.error(NAN_RESULT);
      if (added + updated > 0) changed(server, c, key, incr ? "zincr" : "zadd", added + updated);
      dropIfEmpty(server, c, z, key);
      return;
    }
    if (r === ZADD_ADDED) added++;
    else if (r === ZADD_UPDATED) updated++;
    if (r !== ZADD_NOP) processed++;
  }
  if (incr) {
    if (processed > 0) c.w.double(zaddResult.score);
    else c.w.nil();
  } else c.w.int(ch ? added + updated : added);
  if (added + updated > 0) changed(server, c, key, incr ? "zincr" : "zadd", added + updated);
}

function zremrange(c: Client, argv: Argv, server: Server, type: number): void {
  let start = 0;
  let end = 0;
  if (type === RANK) {
    const a = intArg(argv, 2);
    const b = a === null ? null : intArg(argv, 3);
    if (a === null || b === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    start = a;
    end = b;
  } else if (type === BYSCORE) {
    if (!parseScoreRange(argv, 2, 3)) {
      c.w.error(MINMAX_NOT_FLOAT);
      return;
    }
  } else if (!parseLexRange(argv, 2, 3)) {
    c.w.error(LEX_NOT_VALID);
    return;
  }
  const key = argv.str(1);
  const z = zsetAt(c, key, false);
  if (z === null) return;
  if (z === undefined) {
    c.w.int(0);
    return;
  }
  if (type === RANK) rankWindow(z, start, end, false);
  else if (type === BYSCORE) scoreWindow(z);
  else lexWindow(z);
  const n = winHi > winLo ? z.removeRange(winLo, winHi - 1) : 0;
  c.w.int(n);
  if (n > 0) {
    const event = type === RANK
      ? "zremrangebyrank"
      : type === BYSCORE
      ? "zremrangebyscore"
      : "zremrangebylex";
    server.notify(NOTIFY_ZSET, event, key, c.dbIndex);
    dropIfEmpty(server, c, z, key);
    server.touch(c.dbIndex, key);
    server.dirty += n;
  }
}

function zcountGeneric(c: Client, argv: Argv, lex: boolean): void {
  if (lex ? !parseLexRange(argv, 2, 3) : !parseScoreRange(argv, 2, 3)) {
    c.w.error(lex ? LEX_NOT_VALID : MINMAX_NOT_FLOAT);
    return;
  }
  const z = zsetAt(c, argv.str(1), true);
  if (z === null) return;
  if (z === undefined) {
    c.w.int(0);
    return;
  }
  if (lex) lexWindow(z);
  else scoreWindow(z);
  c.w.int(winHi > winLo ? winHi - winLo : 0);
}

function zrankGeneric(c: Client, argv: Argv, rev: boolean): void {
  const z = zsetAt(c, argv.str(1), true);
  if (z === null) return;
  if (z === undefined) {
    c.w.nil();
    return;
  }
  const r = z.rank(argv.str(2));
  if (r < 0) c.w.nil();
  else c.w.int(rev ? z.size - 1 - r : r);
}

function zmpop(c: Client, argv: Argv, server: Server): void {
  const args = parseMpop(c, argv, 1);
  if (args === null) return;
  const found = firstZset(c, args.keys);
  if (found === null) return;
  if (found === undefined) {
    c.w.nilArray();
    return;
  }
  const n = popInto(c, server, found[1], found[0], args.max, args.count);
  if (server.repl.active) server.repl.rewrite(zpopArgs(found[0], args.max, n));
  writeMpop(c, found[0]);
  clearScratch();
}

function bzmpop(c: Client, argv: Argv, server: Server): void | Promise<void> {
  const timeoutMs = timeoutArg(c, argv, 1);
  if (timeoutMs === null) return;
  const args = parseMpop(c, argv, 2);
  if (args === null) return;
  const found = firstZset(c, args.keys);
  if (found === null) return;
  if (found !== undefined) {
    const n = popInto(c, server, found[1], found[0], args.max, args.count);
    if (server.repl.active) server.repl.rewrite(zpopArgs(found[0], args.max, n));
    writeMpop(c, found[0]);
    clearScratch();
    return;
  }
  if (c.inExec) {
    c.w.nilArray();
    return;
  }
  return server.blocking.block(c, {
    keys: args.keys,
    timeoutMs,
    serve: (key) => {
      const z = asTypeZ(c.db.get(key));
      if (z === undefined || z.size === 0) return false;
      const n = popInto(c, server, z, key, args.max, args.count);
      // Served outside dispatch: replicas get the pop from here.
      if (server.repl.active) server.repl.propagate(c.dbIndex, zpopArgs(key, args.max, n));
      writeMpop(c, key);
      clearScratch();
      return true;
    },
    timedOut: () => c.w.nilArray(),
  });
}

export const ZSET_HANDLERS: Handlers<Names> = {
  zadd(c, argv, server) {
    zaddGeneric(c, argv, server, false);
  },
  zincrby(c, argv, server) {
    zaddGeneric(c, argv, server, true);
  },
  zrem(c, argv, server) {
    const key = argv.str(1);
    const z = zsetAt(c, key, false);
    if (z === null) return;
    if (z === undefined) {
      c.w.int(0);
      return;
    }
    let n = 0;
    for (let i = 2; i < argv.length; i++) {
      if (z.remove(argv.str(i))) {
        n++;
        if (z.size === 0) break;
      }
    }
    c.w.int(n);
    if (n > 0) {
      server.notify(NOTIFY_ZSET, "zrem", key, c.dbIndex);
      dropIfEmpty(server, c, z, key);
      server.touch(c.dbIndex, key);
      server.dirty += n;
    }
  },
  zcard(c, argv) {
    const z = zsetAt(c, argv.str(1), true);
    if (z === null) return;
    c.w.int(z === undefined ? 0 : z.size);
  },
  zscore(c, argv) {
    const z = zsetAt(c, argv.str(1), true);
    if (z === null) return;
    const s = z === undefined ? undefined : z.score(argv.str(2));
    if (s === undefined) c.w.nil();
    else c.w.double(s);
  },
  zmscore(c, argv) {
    const z = zsetAt(c, argv.str(1), true);
    if (z === null) return;
    c.w.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const s = z === undefined ? undefined : z.score(argv.str(i));
      if (s === undefined) c.w.nil();
      else c.w.double(s);
    }
  },
  zrank(c, argv) {
    zrankGeneric(c, argv, false);
  },
  zrevrank(c, argv) {
    zrankGeneric(c, argv, true);
  },
  zcount(c, argv) {
    zcountGeneric(c, argv, false);
  },
  zlexcount(c, argv) {
    zcountGeneric(c, argv, true);
  },
  zrange(c, argv, server) {
    zrangeGeneric(c, argv, server, ZRANGE);
  },
  zrangestore(c, argv, server) {
    zrangeGeneric(c, argv, server, ZRANGESTORE);
  },
  zrevrange(c, argv, server) {
    zrangeGeneric(c, argv, server, ZREVRANGE);
  },
  zrangebyscore(c, argv, server) {
    zrangeGeneric(c, argv, server, ZRANGEBYSCORE);
  },
  zrevrangebyscore(c, argv, server) {
    zrangeGeneric(c, argv, server, ZREVRANGEBYSCORE);
  },
  zrangebylex(c, argv, server) {
    zrangeGeneric(c, argv, server, ZRANGEBYLEX);
  },
  zrevrangebylex(c, argv, server) {
    zrangeGeneric(c, argv, server, ZREVRANGEBYLEX);
  },
  zremrangebyrank(c, argv, server) {
    zremrange(c, argv, server, RANK);
  },
  zremrangebyscore(c, argv, server) {
    zremrange(c, argv, server, BYSCORE);
  },
  zremrangebylex(c, argv, server) {
    zremrange(c, argv, server, BYLEX);
  },
  zpopmin(c, argv, server) {
    zpop(c, argv, server, false);
  },
  zpopmax(c, argv, server) {
    zpop(c, argv, server, true);
  },
  zmpop,
  bzpopmin(c, argv, server) {
    return bzpop(c, argv, server, false);
  },
  bzpopmax(c, argv, server) {
    return bzpop(c, argv, server, true);
  },
  bzmpop,
  zrandmember(c, argv, server) {
    zrandmember(c, argv, server);
  },
  zunion(c, argv, server) {
    setOp(c, argv, server, UNION, false);
  },
  zunionstore(c, argv, server) {
    setOp(c, argv, server, UNION, true);
  },
  zinter(c, argv, server) {
    setOp(c, argv, server, INTER, false);
  },
  zinterstore(c, argv, server) {
    setOp(c, argv, server, INTER, true);
  },
  zintercard(c, argv, server) {
    setOp(c, argv, server, INTER, false, true);
  },
  zdiff(c, argv, server) {
    setOp(c, argv, server, DIFF, false);
  },
  zdiffstore(c, argv, server) {
    setOp(c, argv, server, DIFF, true);
  },
  zscan,
};
