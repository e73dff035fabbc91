// Generic keyspace commands: existence, types, renames and copies, expiry, iteration (KEYS,
// SCAN, RANDOMKEY) and OBJECT introspection, with Redis 7.0's replies and error texts. Changes
// are reported as Redis reports them: WATCH touch, keyspace event (class g), dirty count.
import { scanCursor, scanOptions } from "./_scan.ts";
import type { Db } from "../../engine/keyspace.ts";
import { copyValue, keysMatching, randomKey, scanKeys } from "../../engine/generic.ts";
import {
  INT64_MAX,
  INT64_MIN,
  isString,
  stringEncoding,
  typeOf,
  type Value,
} from "../../engine/values.ts";
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import { DB_OUT_OF_RANGE, INVALID_EXPIRE, NO_SUCH_KEY, NOT_INTEGER, SYNTAX } from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { NOTIFY_GENERIC } from "../notify.ts";
import type { Server } from "../server.ts";
import { int64Arg, intArg } from "./_args.ts";
import { help, replyHelp } from "./_help.ts";

type Names =
  | "del"
  | "unlink"
  | "exists"
  | "type"
  | "keys"
  | "scan"
  | "randomkey"
  | "rename"
  | "renamenx"
  | "copy"
  | "move"
  | "expire"
  | "pexpire"
  | "expireat"
  | "pexpireat"
  | "ttl"
  | "pttl"
  | "expiretime"
  | "pexpiretime"
  | "persist"
  | "touch"
  | "object|encoding"
  | "object|freq"
  | "object|idletime"
  | "object|refcount"
  | "object|help";

const SAME_OBJECT = "ERR source and destination objects are the same";
const NX_AND_OTHERS = "ERR NX and XX, GT or LT options at the same time are not compatible";
const GT_AND_LT = "ERR GT and LT options at the same time are not compatible";
const MOVE_IN_CLUSTER = "ERR MOVE is not allowed in cluster mode";
const COPY_IN_CLUSTER = "ERR Copying to another database is not allowed in cluster mode";
const NO_LFU =
  "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
const LFU_NO_IDLE =
  "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

const OBJECT_HELP = help("OBJECT", [
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>.",
  "FREQ <key>",
  "    Return the access frequency index of the <key>. The returned integer is",
  "    proportional to the logarithm of the recent access frequency of the key.",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key.",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key>.",
]);

/** Redis's refcount of shared objects (OBJ_SHARED_REFCOUNT). */
const SHARED_REFCOUNT = 2147483647;
/** Integers below this are shared objects in Redis (OBJ_SHARED_INTEGERS). */
const SHARED_INTEGERS = 10000;
/** The LFU counter of a key that was never accessed (LFU_INIT_VAL). */
const LFU_INIT_VAL = 5;
const INT32_MAX = 2147483647;
const INT_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647";
const INT32_MIN = -2147483648;

/** How EXPIRE and friends read their time argument. */
interface ExpireForm {
  name: string;
  seconds: boolean;
  /** Relative to now (EXPIRE, PEXPIRE) or absolute (EXPIREAT, PEXPIREAT). */
  relative: boolean;
}

const EXPIRE: ExpireForm = { name: "expire", seconds: true, relative: true };
const PEXPIRE: ExpireForm = { name: "pexpire", seconds: false, relative: true };
const EXPIREAT: ExpireForm = { name: "expireat", seconds: true, relative: false };
const PEXPIREAT: ExpireForm = { name: "pexpireat", seconds: false, relative: false };

/** A C string's view of an argument: it ends at the first NUL (for `%s` in error texts). */
function cString(s: string): string {
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
}

/** An expiry time as the int64 Redis stored (a double at 2^63 was INT64_MAX). */
function storedExpire(at: number): bigint {
  return at >= 2 ** 63 ? INT64_MAX : BigInt(Math.trunc(at));
}

/** Reports a change to `key` in database `db`. */
function changed(server: Server, db: number, key: string, event: string): void {
  server.touch(db, key);
  server.notify(NOTIFY_GENERIC, event, key, db);
  server.dirty++;
}

/** DEL and UNLINK: each key removed is one change. */
function deleteKeys(c: Client, argv: Argv, server: Server): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv.str(i);
    if (c.db.delete(key)) {
      changed(server, c.dbIndex, key, "del");
      n++;
    }
  }
  c.w.int(n);
}

/** The DB index argument at `i` (getIntFromObjectOrReply, then the range check), or null. */
function dbArg(c: Client, argv: Argv, i: number, server: Server): Db | null {
  const n = intArg(argv, i);
  if (n === null) {
    c.w.error(NOT_INTEGER);
    return null;
  }
  if (n < INT32_MIN || n > INT32_MAX) {
    c.w.error(INT_RANGE);
    return null;
  }
  if (n < 0 || n >= server.keyspace.databases) {
    c.w.error(DB_OUT_OF_RANGE);
    return null;
  }
  return server.keyspace.db(n);
}

function expireGeneric(c: Client, argv: Argv, server: Server, form: ExpireForm): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  // Redis checks the options before the time argument.
  for (let i = 3; i < argv.length; i++) {
    if (argv.is(i, "nx")) nx = true;
    else if (argv.is(i, "xx")) xx = true;
    else if (argv.is(i, "gt")) gt = true;
    else if (argv.is(i, "lt")) lt = true;
    else {
      c.w.error(`ERR Unsupported option ${cString(argv.str(i))}`);
      return;
    }
  }
  if (nx && (xx || gt || lt)) {
    c.w.error(NX_AND_OTHERS);
    return;
  }
  if (gt && lt) {
    c.w.error(GT_AND_LT);
    return;
  }
  let when = int64Arg(argv, 2);
  if (when === null) {
    c.w.error(NOT_INTEGER);
    return;
  }
  const db = c.db;
  const now = db.keyspace.clock();
  // Overflow of the unit conversion or of adding the base time is refused, not wrapped.
  if (form.seconds) {
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) {
      c.w.error(INVALID_EXPIRE(form.name));
      return;
    }
    when *= 1000n;
  }
  if (form.relative) {
    const base = BigInt(now);
    if (when > INT64_MAX - base) {
      c.w.error(INVALID_EXPIRE(form.name));
      return;
    }
    when += base;
  }
  const key = argv.str(1);
  if (db.get(key) === undefined) {
    c.w.int(0);
    return;
  }
  if (nx || xx || gt || lt) {
    const current = db.expireTime(key);
    // No TTL counts as an infinite one: GT never beats it, LT always does.
    if (
      (nx && current !== undefined) ||
      (xx && current === undefined) ||
      (gt && (current === undefined || when <= storedExpire(current))) ||
      (lt && current !== undefined && when >= storedExpire(current))
    ) {
      c.w.int(0);
      return;
    }
  }
  // A time already past deletes the key (reported as a DEL).
  if (when <= BigInt(now)) {
    db.delete(key);
    changed(server, c.dbIndex, key, "del");
    if (server.repl.active) server.repl.rewrite([expiredDel(server), key]);
  } else {
    db.setExpire(key, Number(when));
    changed(server, c.dbIndex, key, "expire");
    // Replicas get the absolute time, so a late apply cannot move the expiry.
    if (server.repl.active) {
      const args = ["PEXPIREAT", key, String(when)];
      for (let i = 3; i < argv.length; i++) args.push(argv.str(i));
      server.repl.rewrite(args);
    }
  }
  c.w.int(1);
}

/** What replicas get for a key a past expiry time deleted: DEL, or UNLINK when freed lazily. */
function expiredDel(server: Server): string {
  return server.config.bool("lazyfree-lazy-expire") ? "UNLINK" : "DEL";
}

function ttlGeneric(c: Client, argv: Argv, ms: boolean, absolute: boolean): void {
  const db = c.db;
  const key = argv.str(1);
  if (db.read(key) === undefined) {
    c.w.int(-2);
    return;
  }
  const at = db.expireTime(key);
  if (at === undefined) {
    c.w.int(-1);
    return;
  }
  if (at < 2 ** 53) {
    let ttl = absolute ? at : at - db.keyspace.clock();
    if (ttl < 0) ttl = 0;
    c.w.int(ms ? ttl : Math.floor((ttl + 500) / 1000));
    return;
  }
  // Past 2^53 ms (year 287396) the stored double is approximate; keep the arithmetic exact.
  let ttl = absolute ? storedExpire(at) : storedExpire(at) - BigInt(db.keyspace.clock());
  if (ttl < 0n) ttl = 0n;
  c.w.int(ms ? ttl : (ttl + 500n) / 1000n);
}

function renameGeneric(c: Client, argv: Argv, server: Server, nx: boolean): void {
  const db = c.db;
  const from = argv.str(1);
  const to = argv.str(2);
  const value = db.get(from);
  if (value === undefined) {
    c.w.error(NO_SUCH_KEY);
    return;
  }
  if (from === to) {
    if (nx) c.w.int(0);
    else c.w.ok();
    return;
  }
  const at = db.expireTime(from);
  if (db.get(to) !== undefined) {
    if (nx) {
      c.w.int(0);
      return;
    }
    db.delete(to);
  }
  db.set(to, value, at);
  db.delete(from);
  server.touch(c.dbIndex, from);
  server.touch(c.dbIndex, to);
  server.notify(NOTIFY_GENERIC, "rename_from", from, c.dbIndex);
  server.notify(NOTIFY_GENERIC, "rename_to", to, c.dbIndex);
  server.dirty++;
  if (nx) c.w.int(1);
  else c.w.ok();
}

function lfuPolicy(server: Server): boolean {
  return server.config.get("maxmemory-policy").endsWith("-lfu");
}

/** OBJECT ENCODING's name for a value's internal representation. */
function encodingOf(value: Value): string {
  return isString(value) ? stringEncoding(value) : value.encoding();
}

/** OBJECT REFCOUNT: small non-negative integers are Redis's shared objects. */
function refcountOf(value: Value, server: Server): number {
  if (typeof value !== "string" || stringEncoding(value) !== "int") return 1;
  const n = Number(value);
  if (n < 0 || n >= SHARED_INTEGERS) return 1;
  // With an LRU/LFU policy and a memory limit Redis gives each value its own object.
  const policy = server.config.get("maxmemory-policy");
  const evictsByUse = policy.endsWith("-lru") || policy.endsWith("-lfu");
  if (evictsByUse && server.config.get("maxmemory") !== "0") return 1;
  return SHARED_REFCOUNT;
}

export const KEY_HANDLERS: Handlers<Names> = {
  del(c, argv, server) {
    deleteKeys(c, argv, server);
  },
  unlink(c, argv, server) {
    deleteKeys(c, argv, server);
  },
  exists(c, argv) {
    // Each argument counts, duplicates included; reads count as keyspace hits or misses.
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (c.db.read(argv.str(i)) !== undefined) n++;
    c.w.int(n);
  },
  touch(c, argv) {
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (c.db.read(argv.str(i)) !== undefined) n++;
    c.w.int(n);
  },
  type(c, argv) {
    const v = c.db.read(argv.str(1));
    c.w.simple(v === undefined ? "none" : typeOf(v));
  },
  keys(c, argv) {
    c.w.bulks(keysMatching(c.db, argv.str(1)));
  },
  scan(c, argv, server) {
    const cursor = scanCursor(c, argv, 1);
    if (cursor === null) return;
    const o = scanOptions(c, argv, 2, true);
    if (o === null) return;
    const { count, pattern } = o;
    // Redis compares TYPE as a C string: anything after a NUL byte is ignored.
    const type = o.type === null ? null : cString(o.type);
    const step = scanKeys(server.scans, c.db, cursor, count, { pattern, type });
    c.w.array(2);
    c.w.bulk(String(step.cursor));
    c.w.bulks(step.items);
  },
  randomkey(c) {
    const key = randomKey(c.db);
    if (key === undefined) c.w.nil();
    else c.w.bulk(key);
  },
  rename(c, argv, server) {
    renameGeneric(c, argv, server, false);
  },
  renamenx(c, argv, server) {
    renameGeneric(c, argv, server, true);
  },
  copy(c, argv, server) {
    const src = c.db;
    let dst = c.db;
    let replace = false;
    for (let i = 3; i < argv.length; i++) {
      if (argv.is(i, "replace")) replace = true;
      else if (argv.is(i, "db") && i + 1 < argv.length) {
        const db = dbArg(c, argv, i + 1, server);
        if (db === null) return;
        dst = db;
        i++;
      } else {
        c.w.error(SYNTAX);
        return;
      }
    }
    if (server.config.bool("cluster-enabled") && (src.index !== 0 || dst.index !== 0)) {
      c.w.error(COPY_IN_CLUSTER);
      return;
    }
    const from = argv.str(1);
    const to = argv.str(2);
    if (src === dst && from === to) {
      c.w.error(SAME_OBJECT);
      return;
    }
    const value = src.read(from);
    if (value === undefined) {
      c.w.int(0);
      return;
    }
    const at = src.expireTime(from);
    // The key specs name `to` in the current database only.
    if (dst !== src) server.beforeWrite(dst.index, to);
    if (dst.get(to) !== undefined) {
      if (!replace) {
        c.w.int(0);
        return;
      }
      dst.delete(to);
    }
    dst.set(to, copyValue(value), at);
    changed(server, dst.index, to, "copy_to");
    c.w.int(1);
  },
  move(c, argv, server) {
    if (server.config.bool("cluster-enabled")) {
      c.w.error(MOVE_IN_CLUSTER);
      return;
    }
    const dst = dbArg(c, argv, 2, server);
    if (dst === null) return;
    const src = c.db;
    if (dst === src) {
      c.w.error(SAME_OBJECT);
      return;
    }
    const key = argv.str(1);
    server.beforeWrite(dst.index, key); // the key specs name it in the current database only
    const value = src.get(key);
    if (value === undefined || dst.get(key) !== undefined) {
      c.w.int(0);
      return;
    }
    dst.set(key, value, src.expireTime(key));
    src.delete(key);
    server.touch(src.index, key);
    server.touch(dst.index, key);
    server.notify(NOTIFY_GENERIC, "move_from", key, src.index);
    server.notify(NOTIFY_GENERIC, "move_to", key, dst.index);
    server.dirty++;
    c.w.int(1);
  },
  expire(c, argv, server) {
    expireGeneric(c, argv, server, EXPIRE);
  },
  pexpire(c, argv, server) {
    expireGeneric(c, argv, server, PEXPIRE);
  },
  expireat(c, argv, server) {
    expireGeneric(c, argv, server, EXPIREAT);
  },
  pexpireat(c, argv, server) {
    expireGeneric(c, argv, server, PEXPIREAT);
  },
  ttl(c, argv) {
    ttlGeneric(c, argv, false, false);
  },
  pttl(c, argv) {
    ttlGeneric(c, argv, true, false);
  },
  expiretime(c, argv) {
    ttlGeneric(c, argv, false, true);
  },
  pexpiretime(c, argv) {
    ttlGeneric(c, argv, true, true);
  },
  persist(c, argv, server) {
    const key = argv.str(1);
    if (c.db.get(key) !== undefined && c.db.persist(key)) {
      changed(server, c.dbIndex, key, "persist");
      c.w.int(1);
    } else c.w.int(0);
  },
  "object|encoding"(c, argv) {
    const v = c.db.read(argv.str(2));
    if (v === undefined) c.w.nil();
    else c.w.bulk(encodingOf(v));
  },
  "object|freq"(c, argv, server) {
    if (c.db.read(argv.str(2)) === undefined) c.w.nil();
    else if (!lfuPolicy(server)) c.w.error(NO_LFU);
    // Access frequency is not tracked per key (memory): every key reports a fresh counter.
    else c.w.int(LFU_INIT_VAL);
  },
  "object|idletime"(c, argv, server) {
    if (c.db.read(argv.str(2)) === undefined) c.w.nil();
    else if (lfuPolicy(server)) c.w.error(LFU_NO_IDLE);
    // Access times are not tracked per key yet: a second Map written on every access (values
    // are bare strings, with no room for an LRU field) cost 20-30% of pipelined GET/SET
    // throughput on 1M keys, one more cache miss per command. It returns with eviction, which
    // needs the same data and will keep it beside off-heap values.
    else c.w.int(0);
  },
  "object|refcount"(c, argv, server) {
    const v = c.db.read(argv.str(2));
    if (v === undefined) c.w.nil();
    else c.w.int(refcountOf(v, server));
  },
  "object|help"(c) {
    replyHelp(c, OBJECT_HELP);
  },
};
