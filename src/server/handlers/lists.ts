// List command handlers, blocking ones included. Argument checks run in Redis 7.0's order, so
// the first error a client sees is Redis's; replies come straight from the deque (LRANGE
// builds no array). Every write touches, notifies (NOTIFY_LIST with Redis's event names, and a
// generic "del" when a pop empties a key) and counts dirty. Blocking variants try once, then
// park the client through server.blocking with a ListBlock that finishes the command when a
// key it waits on becomes ready.
import { parseLongDouble } from "../../engine/long_double.ts";
import { ListValue } from "../../engine/list.ts";
import { parseInt64 } from "../../engine/values.ts";
import type { Argv } from "../../resp/mod.ts";
import type { BlockSpec } from "../blocking.ts";
import type { Client } from "../client.ts";
import {
  COUNT_POSITIVE,
  NO_SUCH_KEY,
  NOT_INTEGER,
  NUMKEYS_POSITIVE,
  OUT_OF_RANGE_POSITIVE,
  SYNTAX,
  TIMEOUT_NEGATIVE,
  TIMEOUT_NOT_FLOAT,
  WRONGTYPE,
} from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { NOTIFY_GENERIC, NOTIFY_LIST } from "../notify.ts";
import type { Server } from "../server.ts";
import { intArg } from "./_args.ts";

type Names =
  | "lpush"
  | "rpush"
  | "lpushx"
  | "rpushx"
  | "lpop"
  | "rpop"
  | "llen"
  | "lrange"
  | "lindex"
  | "lset"
  | "linsert"
  | "lrem"
  | "ltrim"
  | "lpos"
  | "lmove"
  | "rpoplpush"
  | "lmpop"
  | "blpop"
  | "brpop"
  | "blmove"
  | "brpoplpush"
  | "blmpop";

const INDEX_RANGE = "ERR index out of range";
const RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const COUNT_NEGATIVE = "ERR COUNT can't be negative";
const MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";

const INT64_MIN = -9223372036854775808n;

export const LIST_HANDLERS: Handlers<Names> = {
  lpush(c, argv, server) {
    push(c, argv, server, true, false);
  },
  rpush(c, argv, server) {
    push(c, argv, server, false, false);
  },
  lpushx(c, argv, server) {
    push(c, argv, server, true, true);
  },
  rpushx(c, argv, server) {
    push(c, argv, server, false, true);
  },
  lpop(c, argv, server) {
    pop(c, argv, server, true);
  },
  rpop(c, argv, server) {
    pop(c, argv, server, false);
  },
  llen(c, argv) {
    const v = c.db.read(argv.str(1));
    if (v === undefined) c.w.int(0);
    else if (v instanceof ListValue) c.w.int(v.size);
    else c.w.error(WRONGTYPE);
  },
  lrange(c, argv) {
    let start = intArg(argv, 2);
    let end = intArg(argv, 3);
    if (start === null || end === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    const v = c.db.read(argv.str(1));
    if (v === undefined) {
      c.w.array(0);
      return;
    }
    if (!(v instanceof ListValue)) {
      c.w.error(WRONGTYPE);
      return;
    }
    const n = v.size;
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (start > end || start >= n) {
      c.w.array(0);
      return;
    }
    if (end >= n) end = n - 1;
    const w = c.w;
    w.array(end - start + 1);
    for (let i = start; i <= end; i++) w.bulk(v.at(i));
  },
  lindex(c, argv) {
    const v = c.db.read(argv.str(1));
    if (v === undefined) {
      c.w.nil();
      return;
    }
    if (!(v instanceof ListValue)) {
      c.w.error(WRONGTYPE);
      return;
    }
    let index = intArg(argv, 2);
    if (index === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    if (index < 0) index += v.size;
    if (index < 0 || index >= v.size) c.w.nil();
    else c.w.bulk(v.at(index));
  },
  lset(c, argv, server) {
    const key = argv.str(1);
    const v = c.db.get(key);
    if (v === undefined) {
      c.w.error(NO_SUCH_KEY);
      return;
    }
    if (!(v instanceof ListValue)) {
      c.w.error(WRONGTYPE);
      return;
    }
    let index = intArg(argv, 2);
    if (index === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    if (index < 0) index += v.size;
    if (index < 0 || index >= v.size) {
      c.w.error(INDEX_RANGE);
      return;
    }
    v.setAt(index, argv.str(3));
    c.w.ok();
    changed(c, server, key, "lset", 1);
  },
  linsert(c, argv, server) {
    let after: boolean;
    if (argv.is(2, "after")) after = true;
    else if (argv.is(2, "before")) after = false;
    else {
      c.w.error(SYNTAX);
      return;
    }
    const key = argv.str(1);
    const v = c.db.get(key);
    if (v === undefined) {
      c.w.int(0);
      return;
    }
    if (!(v instanceof ListValue)) {
      c.w.error(WRONGTYPE);
      return;
    }
    const at = v.indexOf(argv.str(3), 0, 1);
    if (at < 0) {
      c.w.int(-1);
      return;
    }
    v.insertAt(after ? at + 1 : at, argv.str(4));
    c.w.int(v.size);
    changed(c, server, key, "linsert", 1);
  },
  lrem(c, argv, server) {
    const count = parseInt64(argv.str(2));
    if (count === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    const key = argv.str(1);
    const v = c.db.get(key);
    if (v === undefined) {
      c.w.int(0);
      return;
    }
    if (!(v instanceof ListValue)) {
      c.w.error(WRONGTYPE);
      return;
    }
    const fromTail = count < 0n;
    const limit = fromTail ? -count : count;
    const removed = v.removeValue(
      argv.str(3),
      limit >= BigInt(v.size) ? 0 : Number(limit),
      fromTail,
    );
    if (removed > 0) {
      server.touch(c.dbIndex, key);
      server.notify(NOTIFY_LIST, "lrem", key, c.dbIndex);
      server.dirty += removed;
      deleteIfEmpty(c, server, key, v);
    }
    c.w.int(removed);
  },
  ltrim(c, argv, server) {
    let start = intArg(argv, 2);
    let end = intArg(argv, 3);
    if (start === null || end === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    const key = argv.str(1);
    const v = c.db.get(key);
    if (v === undefined) {
      c.w.ok();
      return;
    }
    if (!(v instanceof ListValue)) {
      c.w.error(WRONGTYPE);
      return;
    }
    const n = v.size;
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    let removed: number;
    if (start > end || start >= n) {
      removed = n;
      v.clear();
    } else {
      if (end >= n) end = n - 1;
      removed = n - (end - start + 1);
      v.keepRange(start, end);
    }
    server.touch(c.dbIndex, key);
    server.notify(NOTIFY_LIST, "ltrim", key, c.dbIndex);
    server.dirty += removed;
    deleteIfEmpty(c, server, key, v);
    c.w.ok();
  },
  lpos(c, argv) {
    let rank = 1;
    let count = -1;
    let maxlen = 0;
    for (let j = 3; j < argv.length; j++) {
      const more = argv.length - j - 1 > 0;
      if (argv.is(j, "rank") && more) {
        j++;
        const r = parseInt64(argv.str(j));
        if (r === null) {
          c.w.error(NOT_INTEGER);
          return;
        }
        if (r === 0n) {
          c.w.error(RANK_ZERO);
          return;
        }
        // Redis negates the rank to search from the tail; LLONG_MIN stays negative there,
        // so every match counts from the first one (as rank -1 with no COUNT limit).
        rank = r === INT64_MIN ? LLONG_MIN_RANK : Number(r);
      } else if (argv.is(j, "count") && more) {
        j++;
        const n = parseInt64(argv.str(j));
        if (n === null || n < 0n) {
          c.w.error(COUNT_NEGATIVE);
          return;
        }
        count = Number(n);
      } else if (argv.is(j, "maxlen") && more) {
        j++;
        const n = parseInt64(argv.str(j));
        if (n === null || n < 0n) {
          c.w.error(MAXLEN_NEGATIVE);
          return;
        }
        maxlen = Number(n);
      } else {
        c.w.error(SYNTAX);
        return;
      }
    }
    const v = c.db.read(argv.str(1));
    if (v === undefined) {
      if (count !== -1) c.w.array(0);
      else c.w.nil();
      return;
    }
    if (!(v instanceof ListValue)) {
      c.w.error(WRONGTYPE);
      return;
    }
    lpos(c, v, argv.str(2), rank, count, maxlen);
  },
  lmove(c, argv, server) {
    const from = side(argv, 3);
    const to = side(argv, 4);
    if (from === null || to === null) {
      c.w.error(SYNTAX);
      return;
    }
    lmove(c, server, argv.str(1), argv.str(2), from, to);
  },
  rpoplpush(c, argv, server) {
    lmove(c, server, argv.str(1), argv.str(2), false, true);
  },
  lmpop(c, argv, server) {
    const m = parseMpop(c, argv, 1);
    if (m === null) return;
    for (let i = 0; i < m.numkeys; i++) {
      const key = argv.str(2 + i);
      const v = c.db.get(key);
      if (v === undefined) continue;
      if (!(v instanceof ListValue)) {
        c.w.error(WRONGTYPE);
        return;
      }
      const n = popMany(c, server, key, v, m.head, m.count);
      if (server.repl.active) server.repl.rewrite(popArgs(key, m.head, n));
      return;
    }
    c.w.nilArray();
  },
  blpop(c, argv, server) {
    return bpop(c, argv, server, true);
  },
  brpop(c, argv, server) {
    return bpop(c, argv, server, false);
  },
  blmove(c, argv, server) {
    const from = side(argv, 3);
    const to = side(argv, 4);
    if (from === null || to === null) {
      c.w.error(SYNTAX);
      return;
    }
    return blmove(c, argv, server, from, to, 5);
  },
  brpoplpush(c, argv, server) {
    return blmove(c, argv, server, false, true, 3);
  },
  blmpop(c, argv, server) {
    const timeoutMs = timeoutArg(c, argv, 1);
    if (timeoutMs < 0) return;
    const m = parseMpop(c, argv, 2);
    if (m === null) return;
    const keys: string[] = [];
    for (let i = 0; i < m.numkeys; i++) {
      const key = argv.str(3 + i);
      const v = c.db.get(key);
      if (v !== undefined) {
        if (!(v instanceof ListValue)) {
          c.w.error(WRONGTYPE);
          return;
        }
        const n = popMany(c, server, key, v, m.head, m.count);
        if (server.repl.active) server.repl.rewrite(popArgs(key, m.head, n));
        return;
      }
      keys.push(key);
    }
    if (c.inExec) {
      c.w.nilArray();
      return;
    }
    return server.blocking.block(
      c,
      new ListBlock(c, server, keys, timeoutMs, MPOP, m.head, m.count, "", false),
    );
  },
};

/** Rank standing for LLONG_MIN (see LPOS). */
const LLONG_MIN_RANK = -Infinity;

// --- Shared pieces ------------------------------------------------------------------------------

function push(c: Client, argv: Argv, server: Server, head: boolean, onlyExisting: boolean) {
  const key = argv.str(1);
  const v = c.db.get(key);
  let list: ListValue;
  if (v === undefined) {
    if (onlyExisting) {
      c.w.int(0);
      return;
    }
    list = new ListValue(argv.length - 2);
  } else if (v instanceof ListValue) list = v;
  else {
    c.w.error(WRONGTYPE);
    return;
  }
  const n = argv.length;
  if (head) { for (let i = 2; i < n; i++) list.pushHead(argv.str(i)); }
  else for (let i = 2; i < n; i++) list.pushTail(argv.str(i));
  // Stored after filling: Db.set signals clients blocked on the key.
  if (v === undefined) c.db.set(key, list);
  c.w.int(list.size);
  server.touch(c.dbIndex, key);
  server.notify(NOTIFY_LIST, head ? "lpush" : "rpush", key, c.dbIndex);
  server.dirty += n - 2;
}

function pop(c: Client, argv: Argv, server: Server, head: boolean) {
  if (argv.length > 3) {
    c.w.error(`ERR wrong number of arguments for '${head ? "lpop" : "rpop"}' command`);
    return;
  }
  const key = argv.str(1);
  if (argv.length === 2) {
    const v = c.db.get(key);
    if (v === undefined) {
      c.w.nil();
      return;
    }
    if (!(v instanceof ListValue)) {
      c.w.error(WRONGTYPE);
      return;
    }
    c.w.bulk(head ? v.popHead() : v.popTail());
    popped(c, server, key, v, head, 1);
    return;
  }
  const count = parseInt64(argv.str(2));
  if (count === null || count < 0n) {
    c.w.error(OUT_OF_RANGE_POSITIVE);
    return;
  }
  const v = c.db.get(key);
  if (v === undefined) {
    c.w.nilArray();
    return;
  }
  if (!(v instanceof ListValue)) {
    c.w.error(WRONGTYPE);
    return;
  }
  if (count === 0n) {
    c.w.array(0);
    return;
  }
  const n = count > BigInt(v.size) ? v.size : Number(count);
  c.w.array(n);
  for (let i = 0; i < n; i++) c.w.bulk(head ? v.popHead() : v.popTail());
  popped(c, server, key, v, head, n);
}

/** Pops up to `count` items and replies [key, [items]] (LMPOP / BLMPOP). */
function popMany(
  c: Client,
  server: Server,
  key: string,
  v: ListValue,
  head: boolean,
  count: number,
): number {
  const n = Math.min(count, v.size);
  const w = c.w;
  w.array(2);
  w.bulk(key);
  w.array(n);
  for (let i = 0; i < n; i++) w.bulk(head ? v.popHead() : v.popTail());
  popped(c, server, key, v, head, n);
  return n;
}

/**
 * What a multi-key or blocking pop propagates: the plain pop of the key it served (with the
 * count it popped when `n` is given), so a replica never waits or picks a key of its own.
 */
function popArgs(key: string, head: boolean, n?: number): string[] {
  const args = [head ? "LPOP" : "RPOP", key];
  if (n !== undefined) args.push(String(n));
  return args;
}

/** After a pop: the event, the key's removal once empty, WATCH and dirty. */
function popped(c: Client, server: Server, key: string, v: ListValue, head: boolean, n: number) {
  server.notify(NOTIFY_LIST, head ? "lpop" : "rpop", key, c.dbIndex);
  deleteIfEmpty(c, server, key, v);
  server.touch(c.dbIndex, key);
  server.dirty += n;
}

function deleteIfEmpty(c: Client, server: Server, key: string, v: ListValue) {
  if (v.size !== 0) return;
  c.db.delete(key);
  server.notify(NOTIFY_GENERIC, "del", key, c.dbIndex);
}

function changed(c: Client, server: Server, key: string, event: string, dirty: number) {
  server.touch(c.dbIndex, key);
  server.notify(NOTIFY_LIST, event, key, c.dbIndex);
  server.dirty += dirty;
}

/** LEFT -> true (head), RIGHT -> false (tail), anything else null. */
function side(argv: Argv, i: number): boolean | null {
  if (argv.is(i, "left")) return true;
  if (argv.is(i, "right")) return false;
  return null;
}

function lpos(c: Client, v: ListValue, value: string, rank: number, count: number, max: number) {
  const n = v.size;
  const fromTail = rank < 0;
  const skip = rank === LLONG_MIN_RANK ? 0 : fromTail ? -rank - 1 : rank - 1;
  const limit = max === 0 || max > n ? n : max;
  // Unbounded when COUNT 0, or for the LLONG_MIN rank (Redis's count test overflows there).
  const want = count === -1 ? 1 : count === 0 || rank === LLONG_MIN_RANK ? Infinity : count;
  let matches = 0;
  let found = 0;
  // The array header needs the count first, so positions are collected.
  const positions: number[] = [];
  for (let k = 0; k < limit; k++) {
    const i = fromTail ? n - 1 - k : k;
    if (v.at(i) !== value) continue;
    if (matches++ < skip) continue;
    positions.push(i);
    if (++found >= want) break;
  }
  const w = c.w;
  if (count === -1) {
    if (positions.length === 0) w.nil();
    else w.int(positions[0]!);
    return;
  }
  w.array(positions.length);
  for (const p of positions) w.int(p);
}

/** LMOVE's work once its arguments are read. */
function lmove(c: Client, server: Server, src: string, dst: string, from: boolean, to: boolean) {
  const v = c.db.get(src);
  if (v === undefined) {
    c.w.nil();
    return;
  }
  if (!(v instanceof ListValue)) {
    c.w.error(WRONGTYPE);
    return;
  }
  const d = c.db.get(dst);
  if (d !== undefined && !(d instanceof ListValue)) {
    c.w.error(WRONGTYPE);
    return;
  }
  moveOne(c, server, src, v, dst, d, from, to);
}

/** Pops from `src` and pushes onto `dst` (created if missing); replies with the item. */
function moveOne(
  c: Client,
  server: Server,
  src: string,
  v: ListValue,
  dst: string,
  d: ListValue | undefined,
  from: boolean,
  to: boolean,
) {
  const item = from ? v.popHead() : v.popTail();
  let target = d;
  if (target === undefined) target = new ListValue(1);
  if (to) target.pushHead(item);
  else target.pushTail(item);
  if (d === undefined) c.db.set(dst, target);
  server.touch(c.dbIndex, dst);
  server.notify(NOTIFY_LIST, to ? "lpush" : "rpush", dst, c.dbIndex);
  c.w.bulk(item);
  server.notify(NOTIFY_LIST, from ? "lpop" : "rpop", src, c.dbIndex);
  deleteIfEmpty(c, server, src, v);
  server.touch(c.dbIndex, src);
  server.dirty++;
}

interface Mpop {
  numkeys: number;
  head: boolean;
  count: number;
}

/** LMPOP / BLMPOP arguments from `numkeysAt` on, or null after writing the error. */
function parseMpop(c: Client, argv: Argv, numkeysAt: number): Mpop | null {
  const nk = parseInt64(argv.str(numkeysAt));
  if (nk === null || nk <= 0n) {
    c.w.error(NUMKEYS_POSITIVE);
    return null;
  }
  const whereAt = numkeysAt + 1 + (nk > BigInt(argv.length) ? argv.length : Number(nk));
  if (whereAt >= argv.length) {
    c.w.error(SYNTAX);
    return null;
  }
  const head = side(argv, whereAt);
  if (head === null) {
    c.w.error(SYNTAX);
    return null;
  }
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j > 0;
    if (count === -1 && argv.is(j, "count") && more) {
      j++;
      const n = parseInt64(argv.str(j));
      if (n === null || n <= 0n) {
        c.w.error(COUNT_POSITIVE);
        return null;
      }
      count = Number(n);
    } else {
      c.w.error(SYNTAX);
      return null;
    }
  }
  return { numkeys: Number(nk), head, count: count === -1 ? 1 : count };
}

// --- Blocking -----------------------------------------------------------------------------------

const POP = 0;
const MPOP = 1;
const MOVE = 2;
/** A MOVE for BRPOPLPUSH: it propagates as RPOPLPUSH, not LMOVE. */
const RPOPLPUSH = 3;

/**
 * Redis's blocking timeout: float seconds as a long double, times 1000 (rounded to 64 bits),
 * rounded up to whole ms (so 0.0005 waits 1 ms; -0.0005 is 0, forever); past 2^63 ms the cast
 * wraps negative. Returns ms (0 = forever), or -1 after writing the error.
 */
export function timeoutArg(c: Client, argv: Argv, i: number): number {
  const s = argv.str(i);
  // The common forms ("0", "1", "5") need no long double arithmetic.
  const simple = parseInt64(s);
  if (simple !== null && simple >= 0n && simple < 1000000n) return Number(simple) * 1000;
  const ms = timeoutMs(s);
  if (ms === "float") c.w.error(TIMEOUT_NOT_FLOAT);
  else if (ms === "negative") c.w.error(TIMEOUT_NEGATIVE);
  else return ms;
  return -1;
}

/** Milliseconds for a timeout string, or why it is refused. */
export function timeoutMs(s: string): number | "float" | "negative" {
  const x = parseLongDouble(s);
  if (x === null) return "float";
  if (x.mant < 0n) return "negative"; // an infinity casts to LLONG_MIN
  if (x.mant === 0n) return 0;
  // x * 1000, rounded to a 64-bit significand (ties to even) as the x87 multiply does.
  let m = x.mant * 1000n;
  let e = x.exp;
  const bits = m.toString(2).length;
  if (bits > 64) {
    const shift = BigInt(bits - 64);
    const q = m >> shift;
    const r = m - (q << shift);
    const half = 1n << (shift - 1n);
    m = r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
    e += bits - 64;
  }
  // Rounded up to an integer: positive values round away from zero, negative towards it.
  let ms: bigint;
  if (e >= 0) ms = m << BigInt(e);
  else if (-e > 80) ms = x.neg ? 0n : 1n;
  else {
    const whole = m >> BigInt(-e);
    ms = !x.neg && whole << BigInt(-e) !== m ? whole + 1n : whole;
  }
  if (x.neg) return ms === 0n ? 0 : "negative";
  if (ms >= 1n << 63n) return "negative";
  return Number(ms);
}

function bpop(c: Client, argv: Argv, server: Server, head: boolean): void | Promise<void> {
  const last = argv.length - 1;
  const timeoutMs = timeoutArg(c, argv, last);
  if (timeoutMs < 0) return;
  for (let i = 1; i < last; i++) {
    const key = argv.str(i);
    const v = c.db.get(key);
    if (v === undefined) continue;
    if (!(v instanceof ListValue)) {
      c.w.error(WRONGTYPE);
      return;
    }
    servePop(c, server, key, v, head);
    if (server.repl.active) server.repl.rewrite(popArgs(key, head));
    return;
  }
  if (c.inExec) {
    c.w.nilArray();
    return;
  }
  const keys: string[] = [];
  for (let i = 1; i < last; i++) keys.push(argv.str(i));
  return server.blocking.block(
    c,
    new ListBlock(c, server, keys, timeoutMs, POP, head, 1, "", false),
  );
}

/** BLPOP / BRPOP's reply: [key, item]. */
function servePop(c: Client, server: Server, key: string, v: ListValue, head: boolean) {
  const w = c.w;
  w.array(2);
  w.bulk(key);
  w.bulk(head ? v.popHead() : v.popTail());
  popped(c, server, key, v, head, 1);
}

function blmove(
  c: Client,
  argv: Argv,
  server: Server,
  from: boolean,
  to: boolean,
  timeoutAt: number,
): void | Promise<void> {
  const timeoutMs = timeoutArg(c, argv, timeoutAt);
  if (timeoutMs < 0) return;
  const src = argv.str(1);
  const dst = argv.str(2);
  if (c.db.get(src) !== undefined) {
    const dirty = server.dirty;
    lmove(c, server, src, dst, from, to);
    if (server.repl.active && server.dirty !== dirty) {
      // The command without its timeout (BLMOVE keeps its direction words as sent).
      server.repl.rewrite(
        timeoutAt === 3 ? ["RPOPLPUSH", src, dst] : ["LMOVE", src, dst, argv.str(3), argv.str(4)],
      );
    }
    return;
  }
  if (c.inExec) {
    c.w.nil();
    return;
  }
  return server.blocking.block(
    c,
    new ListBlock(
      c,
      server,
      [src],
      timeoutMs,
      timeoutAt === 3 ? RPOPLPUSH : MOVE,
      from,
      1,
      dst,
      to,
    ),
  );
}

/** A list client waiting in BLPOP / BRPOP (POP), BLMPOP (MPOP) or BLMOVE (MOVE). */
class ListBlock implements BlockSpec {
  constructor(
    readonly c: Client,
    readonly server: Server,
    readonly keys: readonly string[],
    readonly timeoutMs: number,
    readonly kind: number,
    readonly head: boolean,
    readonly count: number,
    readonly dst: string,
    readonly toHead: boolean,
  ) {}

  get writes(): string | undefined {
    return this.kind >= MOVE ? this.dst : undefined;
  }

  serve(key: string): boolean {
    const c = this.c;
    const v = c.db.get(key);
    if (!(v instanceof ListValue) || v.size === 0) return false;
    const server = this.server;
    // Served outside dispatch: what replicas get is sent from here, as the command it became.
    const repl = server.repl.active;
    if (this.kind === POP) {
      servePop(c, server, key, v, this.head);
      if (repl) server.repl.propagate(c.dbIndex, popArgs(key, this.head));
    } else if (this.kind === MPOP) {
      const n = popMany(c, server, key, v, this.head, this.count);
      if (repl) server.repl.propagate(c.dbIndex, popArgs(key, this.head, n));
    } else {
      const d = c.db.get(this.dst);
      // A destination of another type ends the wait with an error, leaving the source alone.
      if (d !== undefined && !(d instanceof ListValue)) c.w.error(WRONGTYPE);
      else {
        moveOne(c, server, key, v, this.dst, d, this.head, this.toHead);
        if (repl) {
          server.repl.propagate(
            c.dbIndex,
            this.kind === RPOPLPUSH ? ["RPOPLPUSH", key, this.dst] : [
              "LMOVE",
              key,
              this.dst,
              this.head ? "left" : "right",
              this.toHead ? "left" : "right",
            ],
          );
        }
      }
    }
    return true;
  }

  timedOut(): void {
    this.c.w.nilArray();
  }
}
