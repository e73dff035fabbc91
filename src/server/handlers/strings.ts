// String commands. Values are binary strings; MutableString holds values edited in place.
import type { Db } from "../../engine/keyspace.ts";
import {
  INT64_MAX,
  INT64_MIN,
  isString,
  MutableString,
  parseInt64,
  parseSafeInt,
  type StringValue,
} from "../../engine/values.ts";
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import { INVALID_EXPIRE, NOT_INTEGER, OVERFLOW, SYNTAX, WRONGTYPE } from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { intArg } from "./_args.ts";
import { notYet } from "./_pending.ts";

type Names =
  | "get"
  | "set"
  | "setnx"
  | "setex"
  | "psetex"
  | "mget"
  | "mset"
  | "msetnx"
  | "getset"
  | "getdel"
  | "getex"
  | "append"
  | "strlen"
  | "incr"
  | "decr"
  | "incrby"
  | "decrby"
  | "incrbyfloat"
  | "getrange"
  | "substr"
  | "setrange"
  | "lcs"
  | "setbit"
  | "getbit"
  | "bitcount"
  | "bitpos"
  | "bitop"
  | "bitfield"
  | "bitfield_ro";

const WRONG = Symbol("wrongtype");

/** The string at `key`: undefined if missing, WRONG if another type. Counts hits/misses. */
export function readString(db: Db, key: string): StringValue | undefined | typeof WRONG {
  const v = db.read(key);
  if (v === undefined) return undefined;
  return isString(v) ? v : WRONG;
}

export { WRONG };

/** Writes a string value as a bulk reply. */
export function replyString(c: Client, v: StringValue): void {
  if (typeof v === "string") c.w.bulk(v);
  else c.w.bulkBytes(v.view());
}

/** Binary string of a value (copying a MutableString). */
function text(v: StringValue): string {
  if (typeof v === "string") return v;
  let s = "";
  for (let i = 0; i < v.length; i++) s += String.fromCharCode(v.bytes[i]!);
  return s;
}

interface SetOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  /** Absolute expiry in ms, if one was given. */
  expireAt: number | undefined;
}

/**
 * Parses SET's options from index `from`. Writes the error and returns null on bad input.
 * Shared with GETEX-like option parsing via `allowed`.
 */
function parseSetOptions(c: Client, argv: Argv, from: number, cmd: string): SetOptions | null {
  const o: SetOptions = { nx: false, xx: false, get: false, keepTtl: false, expireAt: undefined };
  let expireSeen = false;
  for (let i = from; i < argv.length; i++) {
    const hasNext = i + 1 < argv.length;
    if (argv.is(i, "nx") && !o.xx) o.nx = true;
    else if (argv.is(i, "xx") && !o.nx) o.xx = true;
    else if (argv.is(i, "get")) o.get = true;
    else if (argv.is(i, "keepttl") && !expireSeen) o.keepTtl = true;
    else if (
      (argv.is(i, "ex") || argv.is(i, "px") || argv.is(i, "exat") || argv.is(i, "pxat")) &&
      !expireSeen && !o.keepTtl && hasNext
    ) {
      const unit = argv.lower(i);
      const n = intArg(argv, i + 1);
      if (n === null) {
        c.w.error(NOT_INTEGER);
        return null;
      }
      const at = absoluteExpire(n, unit, c.db.keyspace.clock());
      if (at === null) {
        c.w.error(INVALID_EXPIRE(cmd));
        return null;
      }
      o.expireAt = at;
      expireSeen = true;
      i++;
    } else {
      c.w.error(SYNTAX);
      return null;
    }
  }
  return o;
}

const MAX_MS = 9223372036854775807;

/** Converts EX/PX/EXAT/PXAT `n` to absolute ms; null when Redis calls it invalid. */
export function absoluteExpire(n: number, unit: string, now: number): number | null {
  if (n <= 0) return null;
  const seconds = unit === "ex" || unit === "exat";
  if (seconds && n > MAX_MS / 1000) return null;
  const ms = seconds ? n * 1000 : n;
  const at = unit === "ex" || unit === "px" ? ms + now : ms;
  if (at > MAX_MS) return null;
  return at;
}

function setGeneric(c: Client, key: string, value: string, o: SetOptions): void {
  const db = c.db;
  let old: StringValue | undefined;
  if (o.get) {
    const v = db.get(key);
    if (v !== undefined && !isString(v)) {
      c.w.error(WRONGTYPE);
      return;
    }
    old = v;
  }
  if (o.nx || o.xx) {
    const exists = o.get ? old !== undefined : db.has(key);
    if ((o.nx && exists) || (o.xx && !exists)) {
      if (o.get) {
        if (old === undefined) c.w.nil();
        else replyString(c, old);
      } else c.w.nil();
      return;
    }
  }
  db.set(key, value, o.expireAt, o.keepTtl);
  if (o.get) {
    if (old === undefined) c.w.nil();
    else replyString(c, old);
  } else c.w.ok();
}

/** INCRBY and friends: the string must hold a 64-bit integer; the result must fit one. */
function incrBy(c: Client, key: string, delta: number | bigint): void {
  const db = c.db;
  const v = db.get(key);
  let current: number | bigint = 0;
  if (v !== undefined) {
    if (!isString(v)) {
      c.w.error(WRONGTYPE);
      return;
    }
    const s = text(v);
    const fast = parseSafeInt(s);
    if (fast !== null) current = fast;
    else {
      const big = parseInt64(s);
      if (big === null) {
        c.w.error(NOT_INTEGER);
        return;
      }
      current = big;
    }
  }
  let result: number | bigint;
  if (typeof current === "number" && typeof delta === "number") {
    result = current + delta;
    if (!Number.isSafeInteger(result)) result = BigInt(current) + BigInt(delta);
  } else result = BigInt(current) + BigInt(delta);
  if (typeof result === "bigint") {
    if (result > INT64_MAX || result < INT64_MIN) {
      c.w.error(OVERFLOW);
      return;
    }
  }
  const out = String(result);
  if (v === undefined) db.set(key, out);
  else db.replace(key, out);
  c.w.int(result);
}

function deltaArg(c: Client, argv: Argv, i: number): number | bigint | null {
  const s = argv.str(i);
  const fast = parseSafeInt(s);
  if (fast !== null) return fast;
  const big = parseInt64(s);
  if (big === null) {
    c.w.error(NOT_INTEGER);
    return null;
  }
  return big;
}

export const STRING_HANDLERS: Handlers<Names> = {
  get(c, argv) {
    const v = readString(c.db, argv.str(1));
    if (v === undefined) c.w.nil();
    else if (v === WRONG) c.w.error(WRONGTYPE);
    else replyString(c, v);
  },
  set(c, argv) {
    const key = argv.str(1);
    const value = argv.str(2);
    if (argv.length === 3) {
      c.db.set(key, value);
      c.w.ok();
      return;
    }
    const o = parseSetOptions(c, argv, 3, "set");
    if (o !== null) setGeneric(c, key, value, o);
  },
  mget(c, argv) {
    const db = c.db;
    c.w.array(argv.length - 1);
    for (let i = 1; i < argv.length; i++) {
      const v = db.read(argv.str(i));
      if (v === undefined || !isString(v)) c.w.nil();
      else replyString(c, v);
    }
  },
  mset(c, argv) {
    if (argv.length % 2 === 0) {
      c.w.error("ERR wrong number of arguments for 'mset' command");
      return;
    }
    const db = c.db;
    for (let i = 1; i < argv.length; i += 2) db.set(argv.str(i), argv.str(i + 1));
    c.w.ok();
  },
  incr(c, argv) {
    incrBy(c, argv.str(1), 1);
  },
  decr(c, argv) {
    incrBy(c, argv.str(1), -1);
  },
  incrby(c, argv) {
    const d = deltaArg(c, argv, 2);
    if (d !== null) incrBy(c, argv.str(1), d);
  },
  decrby(c, argv) {
    const d = deltaArg(c, argv, 2);
    if (d === null) return;
    if (d === INT64_MIN) {
      c.w.error("ERR decrement would overflow");
      return;
    }
    incrBy(c, argv.str(1), typeof d === "bigint" ? -d : -d);
  },
  setnx: notYet,
  setex: notYet,
  psetex: notYet,
  msetnx: notYet,
  getset: notYet,
  getdel: notYet,
  getex: notYet,
  append: notYet,
  strlen: notYet,
  incrbyfloat: notYet,
  getrange: notYet,
  substr: notYet,
  setrange: notYet,
  lcs: notYet,
  setbit: notYet,
  getbit: notYet,
  bitcount: notYet,
  bitpos: notYet,
  bitop: notYet,
  bitfield: notYet,
  bitfield_ro: notYet,
};

void MutableString;
