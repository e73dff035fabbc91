// Hash commands, with Redis 7.0's replies, error texts and argument-checking order. Values live
// in engine/hash.ts (listpack → hashtable). Also the HSCAN/SSCAN option parsing and compact-
// collection scan that sets.ts shares.
import { replyEmptyScan, replyScan, scanCursor, scanMap, scanOptions } from "./_scan.ts";
import { refuseHugeReply } from "./_reply.ts";
import { type HashLimits, HashValue } from "../../engine/hash.ts";
import { add, formatHuman, isFinite, parseLongDouble, ZERO } from "../../engine/long_double.ts";
import { asType, INT64_MAX, INT64_MIN, parseInt64, parseSafeInt } from "../../engine/values.ts";
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import {
  arityError,
  NAN_OR_INF,
  NOT_FLOAT,
  NOT_INTEGER,
  OUT_OF_RANGE,
  OVERFLOW,
  SYNTAX,
  WRONGTYPE,
} from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { NOTIFY_GENERIC, NOTIFY_HASH } from "../notify.ts";
import type { Server } from "../server.ts";

type Names =
  | "hset"
  | "hsetnx"
  | "hget"
  | "hmget"
  | "hmset"
  | "hdel"
  | "hlen"
  | "hstrlen"
  | "hexists"
  | "hkeys"
  | "hvals"
  | "hgetall"
  | "hincrby"
  | "hincrbyfloat"
  | "hrandfield"
  | "hscan";

const HASH_NOT_INTEGER = "ERR hash value is not an integer";
const HASH_NOT_FLOAT = "ERR hash value is not a float";
const INCR_NAN_OR_INF = "ERR value is NaN or Infinity";
/** getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)'s range error. */
export const COUNT_RANGE =
  "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";
/** LONG_MAX / 2: larger WITHVALUES counts would overflow Redis's reply length. */
const WITHVALUES_MAX = 4611686018427387903n;
// --- Config, cached per server so hot commands do not parse it ---------------------------------

const hashLimitsOf = new WeakMap<Server, HashLimits>();

function hashLimits(server: Server): HashLimits {
  let l = hashLimitsOf.get(server);
  if (l === undefined) {
    const limits: HashLimits = { maxEntries: 0, maxValue: 0 };
    server.config.watch("hash-max-listpack-entries", (v) => (limits.maxEntries = Number(v)));
    server.config.watch("hash-max-listpack-value", (v) => (limits.maxValue = Number(v)));
    hashLimitsOf.set(server, limits);
    l = limits;
  }
  return l;
}

/** Reused for multi-argument commands so they allocate no array per call. */
const scratch: string[] = [];

function argsFrom(argv: Argv, from: number): string[] {
  scratch.length = 0;
  for (let i = from; i < argv.length; i++) scratch.push(argv.str(i));
  return scratch;
}

const WRONG = Symbol("wrongtype");

/** The hash at `key` for a write (no hit/miss counting): undefined if absent, WRONG if not a hash. */
function writeHash(c: Client, key: string): HashValue | undefined | typeof WRONG {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  return asType<HashValue>(v, "hash") ?? WRONG;
}

/** The hash at `key` for a read (counts a hit or miss). */
function readHash(c: Client, key: string): HashValue | undefined | typeof WRONG {
  const v = c.db.read(key);
  if (v === undefined) return undefined;
  return asType<HashValue>(v, "hash") ?? WRONG;
}

/** A 64-bit integer: a number when exact, else a bigint; null if Redis would not read one. */
function int64Of(s: string): number | bigint | null {
  const n = parseSafeInt(s);
  return n !== null ? n : parseInt64(s);
}

// --- Handlers ---------------------------------------------------------------------------------

function hsetGeneric(c: Client, argv: Argv, server: Server, hmset: boolean): void {
  if ((argv.length & 1) === 1) {
    c.w.error(arityError(hmset ? "hmset" : "hset"));
    return;
  }
  const key = argv.str(1);
  const found = writeHash(c, key);
  if (found === WRONG) {
    c.w.error(WRONGTYPE);
    return;
  }
  const h = found ?? new HashValue();
  const limits = hashLimits(server);
  const created = argv.length === 4
    ? (h.set(argv.str(2), argv.str(3), limits) ? 1 : 0)
    : h.setPairs(argsFrom(argv, 2), 0, argv.length - 2, limits);
  if (found === undefined) c.db.set(key, h);
  if (hmset) c.w.ok();
  else c.w.int(created);
  server.touch(c.dbIndex, key);
  server.notify(NOTIFY_HASH, "hset", key, c.dbIndex);
  server.dirty += (argv.length - 2) >> 1;
}

/** Writes one field (and its value) of a random pick, in HRANDFIELD's shapes. */
function replyPick(c: Client, field: string, value: string, withValues: boolean): void {
  if (withValues && c.w.protocol === 3) c.w.array(2);
  c.w.bulk(field);
  if (withValues) c.w.bulk(value);
}

function hrandfieldWithCount(c: Client, argv: Argv, server: Server): void {
  const parsed = int64Of(argv.str(2));
  if (parsed === null) {
    c.w.error(NOT_INTEGER);
    return;
  }
  if (parsed === INT64_MIN) {
    c.w.error(COUNT_RANGE);
    return;
  }
  if (argv.length > 4 || (argv.length === 4 && !argv.is(3, "withvalues"))) {
    c.w.error(SYNTAX);
    return;
  }
  const withValues = argv.length === 4;
  if (withValues && (parsed < -WITHVALUES_MAX || parsed > WITHVALUES_MAX)) {
    c.w.error(OUT_OF_RANGE);
    return;
  }
  const h = readHash(c, argv.str(1));
  if (h === WRONG) {
    c.w.error(WRONGTYPE);
    return;
  }
  if (h === undefined || parsed === 0) {
    c.w.array(0);
    return;
  }
  const unique = parsed > 0;
  const count = Number(unique ? parsed : -parsed);
  const size = h.size;
  const flatten = withValues && c.w.protocol === 2;
  if (!unique || count === 1) {
    if (refuseHugeReply(c, server, withValues ? count * 2 : count)) return;
    c.w.array(flatten ? count * 2 : count);
    if (count === 1) {
      const [f, v] = h.sample(1, false) as [string, string];
      replyPick(c, f, v, withValues);
      return;
    }
    // Redis streams these one by one; so does this, from one snapshot of the pairs.
    const all = h.flat();
    const n = all.length >> 1;
    for (let k = 0; k < count; k++) {
      const i = Math.floor(Math.random() * n) << 1;
      replyPick(c, all[i]!, all[i + 1]!, withValues);
    }
    return;
  }
  const picks = count >= size ? h.flat() : h.sample(count, true);
  const n = picks.length >> 1;
  c.w.array(flatten ? n * 2 : n);
  for (let i = 0; i < picks.length; i += 2) replyPick(c, picks[i]!, picks[i + 1]!, withValues);
}

export const HASH_HANDLERS: Handlers<Names> = {
  hset(c, argv, server) {
    hsetGeneric(c, argv, server, false);
  },
  hmset(c, argv, server) {
    hsetGeneric(c, argv, server, true);
  },
  hsetnx(c, argv, server) {
    const key = argv.str(1);
    const found = writeHash(c, key);
    if (found === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    const field = argv.str(2);
    if (found !== undefined && found.has(field)) {
      c.w.int(0);
      return;
    }
    const h = found ?? new HashValue();
    h.set(field, argv.str(3), hashLimits(server));
    if (found === undefined) c.db.set(key, h);
    c.w.int(1);
    server.touch(c.dbIndex, key);
    server.notify(NOTIFY_HASH, "hset", key, c.dbIndex);
    server.dirty++;
  },
  hget(c, argv) {
    const h = readHash(c, argv.str(1));
    if (h === WRONG) c.w.error(WRONGTYPE);
    else {
      const v = h?.get(argv.str(2));
      if (v === undefined) c.w.nil();
      else c.w.bulk(v);
    }
  },
  hmget(c, argv) {
    const h = readHash(c, argv.str(1));
    if (h === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    c.w.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const v = h?.get(argv.str(i));
      if (v === undefined) c.w.nil();
      else c.w.bulk(v);
    }
  },
  hdel(c, argv, server) {
    const key = argv.str(1);
    const h = writeHash(c, key);
    if (h === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    if (h === undefined) {
      c.w.int(0);
      return;
    }
    const removed = argv.length === 3
      ? (h.delete(argv.str(2)) ? 1 : 0)
      : h.deleteFields(argsFrom(argv, 2), 0, argv.length - 2);
    c.w.int(removed);
    if (removed === 0) return;
    const emptied = h.size === 0;
    if (emptied) c.db.delete(key);
    server.touch(c.dbIndex, key);
    server.notify(NOTIFY_HASH, "hdel", key, c.dbIndex);
    if (emptied) server.notify(NOTIFY_GENERIC, "del", key, c.dbIndex);
    server.dirty += removed;
  },
  hlen(c, argv) {
    const h = readHash(c, argv.str(1));
    if (h === WRONG) c.w.error(WRONGTYPE);
    else c.w.int(h === undefined ? 0 : h.size);
  },
  hstrlen(c, argv) {
    const h = readHash(c, argv.str(1));
    if (h === WRONG) c.w.error(WRONGTYPE);
    else c.w.int(h === undefined ? 0 : h.valueLength(argv.str(2)));
  },
  hexists(c, argv) {
    const h = readHash(c, argv.str(1));
    if (h === WRONG) c.w.error(WRONGTYPE);
    else c.w.int(h !== undefined && h.has(argv.str(2)) ? 1 : 0);
  },
  hkeys(c, argv) {
    const h = readHash(c, argv.str(1));
    if (h === WRONG) c.w.error(WRONGTYPE);
    else if (h === undefined) c.w.array(0);
    else c.w.bulks(h.fields());
  },
  hvals(c, argv) {
    const h = readHash(c, argv.str(1));
    if (h === WRONG) c.w.error(WRONGTYPE);
    else if (h === undefined) c.w.array(0);
    else c.w.bulks(h.values());
  },
  hgetall(c, argv) {
    const h = readHash(c, argv.str(1));
    if (h === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    if (h === undefined) {
      c.w.map(0);
      return;
    }
    const all = h.flat();
    c.w.map(all.length >> 1);
    for (let i = 0; i < all.length; i++) c.w.bulk(all[i]!);
  },
  hincrby(c, argv, server) {
    const incr = int64Of(argv.str(3));
    if (incr === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    const key = argv.str(1);
    const found = writeHash(c, key);
    if (found === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    const field = argv.str(2);
    const old = found?.get(field);
    const current = old === undefined ? 0 : int64Of(old);
    if (current === null) {
      c.w.error(HASH_NOT_INTEGER);
      return;
    }
    let result: number | bigint;
    const sum = typeof current === "number" && typeof incr === "number" ? current + incr : NaN;
    if (Number.isSafeInteger(sum)) result = sum;
    else {
      const big = BigInt(current) + BigInt(incr);
      if (big > INT64_MAX || big < INT64_MIN) {
        c.w.error(OVERFLOW);
        return;
      }
      result = big;
    }
    const h = found ?? new HashValue();
    h.set(field, String(result), hashLimits(server));
    if (found === undefined) c.db.set(key, h);
    c.w.int(result);
    server.touch(c.dbIndex, key);
    server.notify(NOTIFY_HASH, "hincrby", key, c.dbIndex);
    server.dirty++;
  },
  hincrbyfloat(c, argv, server) {
    const incr = parseLongDouble(argv.str(3));
    if (incr === null) {
      c.w.error(NOT_FLOAT);
      return;
    }
    if (!isFinite(incr)) {
      c.w.error(INCR_NAN_OR_INF);
      return;
    }
    const key = argv.str(1);
    const found = writeHash(c, key);
    if (found === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    const field = argv.str(2);
    const old = found?.get(field);
    const current = old === undefined ? ZERO : parseLongDouble(old);
    if (current === null) {
      c.w.error(HASH_NOT_FLOAT);
      return;
    }
    const sum = add(current, incr);
    if (!isFinite(sum)) {
      c.w.error(NAN_OR_INF);
      return;
    }
    const out = formatHuman(sum);
    const h = found ?? new HashValue();
    h.set(field, out, hashLimits(server));
    if (found === undefined) c.db.set(key, h);
    c.w.bulk(out);
    server.touch(c.dbIndex, key);
    server.notify(NOTIFY_HASH, "hincrbyfloat", key, c.dbIndex);
    server.dirty++;
    // The replica stores this exact text instead of redoing the float arithmetic.
    if (server.repl.active) server.repl.rewrite(["HSET", key, field, out]);
  },
  hrandfield(c, argv, server) {
    if (argv.length >= 3) {
      hrandfieldWithCount(c, argv, server);
      return;
    }
    const h = readHash(c, argv.str(1));
    if (h === WRONG) c.w.error(WRONGTYPE);
    else if (h === undefined) c.w.nil();
    else c.w.bulk(h.sample(1, false)[0]!);
  },
  hscan(c, argv, server) {
    const cursor = scanCursor(c, argv, 2);
    if (cursor === null) return;
    const h = readHash(c, argv.str(1));
    if (h === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    if (h === undefined) {
      replyEmptyScan(c);
      return;
    }
    const o = scanOptions(c, argv, 3);
    if (o === null) return;
    const map = h.table;
    if (map === null) {
      // A listpack is returned whole, whatever the cursor, as Redis does.
      replyScan(c, 0n, h.flat(), o.pattern, true);
      return;
    }
    const step = scanMap(server, cursor, map, o);
    const items: string[] = [];
    for (const f of step.items) {
      const v = map.get(f);
      if (v !== undefined) items.push(f, v);
    }
    replyScan(c, step.cursor, items, null, true);
  },
};
