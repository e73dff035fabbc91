// String and bitmap commands. Values are binary strings; in-place edits (APPEND, SETRANGE,
// SETBIT, BITFIELD) turn a value into a MutableString so repeated edits reuse its buffer.
// Argument checks run in Redis's order, so the first error a client sees is Redis's.
// Every change is reported as Redis reports it: WATCH touch, keyspace event, dirty count.
import {
  applyField,
  bitcount,
  type BitOp,
  bitop,
  bitpos,
  type FieldType,
  getBit,
  getField,
  type Overflow,
  setBit,
  setField,
} from "../../engine/bits.ts";
import type { Db } from "../../engine/keyspace.ts";
import { lcs, lcsFits } from "../../engine/lcs.ts";
import { add, formatHuman, isFinite, parseLongDouble, ZERO } from "../../engine/long_double.ts";
import { bytesOf, mutableOf, substringRange, wrapBytes, writeAt } from "../../engine/strings.ts";
import {
  INT64_MAX,
  INT64_MIN,
  isString,
  type MutableString,
  parseInt64,
  parseSafeInt,
  stringOf,
  type StringValue,
} from "../../engine/values.ts";
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import {
  arityError,
  BIT_OFFSET,
  INVALID_EXPIRE,
  NAN_OR_INF,
  NOT_FLOAT,
  NOT_INTEGER,
  OFFSET_RANGE,
  OVERFLOW,
  STRING_TOO_BIG,
  SYNTAX,
  WRONGTYPE,
} from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { NOTIFY_GENERIC, NOTIFY_STRING } from "../notify.ts";
import type { Server } from "../server.ts";

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

const DECR_OVERFLOW = "ERR decrement would overflow";
const BIT_VALUE = "ERR bit is not an integer or out of range";
const BIT_ARG = "ERR The bit argument must be 1 or 0.";
const BITOP_NOT = "ERR BITOP NOT must be called with a single source key.";
const BITFIELD_TYPE =
  "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
const BITFIELD_OVERFLOW = "ERR Invalid OVERFLOW type specified";
const BITFIELD_RO = "ERR BITFIELD_RO only supports the GET subcommand";
const LCS_TYPES = "ERR The specified keys must contain string values";
const LCS_BOTH = "ERR If you want both the length and indexes, please just use IDX.";
const LCS_MEMORY = "ERR Insufficient memory, failed allocating transient memory for LCS";

/**
 * Values never grow past this even if proto-max-bulk-len is raised further: Redis would try
 * the allocation and die; refusing keeps one command from exhausting memory.
 */
const MAX_VALUE_BYTES = 2 ** 32;
/** Most spare room a value gets when APPEND first turns it into a MutableString. */
const APPEND_SLACK = 1024 * 1024;
/** Redis reads floats of at most this many bytes; longer values are not floats. */
const MAX_FLOAT_CHARS = 5 * 1024;
/** Integers past this magnitude behave alike in every range computation here. */
const INDEX_CLAMP = 2 ** 53;

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

/** Reports a change to `key`: WATCH invalidation, the keyspace event and one dirty write. */
function changed(server: Server, c: Client, key: string, event: string, cls = NOTIFY_STRING): void {
  server.touch(c.dbIndex, key);
  server.notify(cls, event, key, c.dbIndex);
  server.dirty++;
}

/** The largest value a command may create or grow to. */
function sizeLimit(server: Server): number {
  return Math.min(server.maxBulkLen, MAX_VALUE_BYTES);
}

// --- Argument parsing ----------------------------------------------------------------------

/** A 64-bit integer: a number when exact, else a bigint; null if Redis would not read one. */
function int64Of(s: string): number | bigint | null {
  const n = parseSafeInt(s);
  return n !== null ? n : parseInt64(s);
}

function int64(argv: Argv, i: number): number | bigint | null {
  return int64Of(argv.str(i));
}

/** A 64-bit integer argument, or null after replying the error. */
function int64OrReply(c: Client, argv: Argv, i: number): number | bigint | null {
  const n = int64(argv, i);
  if (n === null) c.w.error(NOT_INTEGER);
  return n;
}

function clamp(n: number | bigint): number {
  if (typeof n === "number") return n;
  return n > 0n ? INDEX_CLAMP : -INDEX_CLAMP;
}

/** Both negative with start after end: Redis answers these ranges empty before clamping. */
function emptyNegativeRange(start: number | bigint, end: number | bigint): boolean {
  return start < 0 && end < 0 && start > end;
}

/**
 * A bit offset argument (GETBIT, SETBIT, BITFIELD). `#n` means n fields of `fieldBits` bits
 * when `fieldBits` > 0; the product wraps at 64 bits as in Redis. Offsets whose byte would lie
 * at or past the size limit are refused, so nothing is ever allocated for them.
 */
function bitOffsetArg(
  c: Client,
  argv: Argv,
  i: number,
  fieldBits: number,
  limit: number,
): number | null {
  let s = argv.str(i);
  const hash = fieldBits > 0 && s.length > 1 && s.charCodeAt(0) === 35;
  if (hash) s = s.slice(1);
  let n = int64Of(s);
  if (n !== null && hash) {
    const product = typeof n === "number" ? n * fieldBits : NaN;
    n = Number.isSafeInteger(product) ? product : BigInt.asIntN(64, BigInt(n) * BigInt(fieldBits));
  }
  if (n === null || n < 0 || Number(n) / 8 >= limit) {
    c.w.error(BIT_OFFSET);
    return null;
  }
  return Number(n);
}

// --- SET and friends -----------------------------------------------------------------------

const F_NX = 1;
const F_XX = 2;
const F_GET = 4;
const F_KEEPTTL = 8;
const F_PERSIST = 16;
const F_EX = 32;
const F_PX = 64;
const F_EXAT = 128;
const F_PXAT = 256;
const F_EXPIRES = F_EX | F_PX | F_EXAT | F_PXAT;

interface ExtendedOptions {
  flags: number;
  /** Index of the expire argument, 0 if none. */
  expireAt: number;
}

/**
 * SET's (and GETEX's) options. Repeating the same expire option is allowed (the last wins);
 * mixing two kinds, or KEEPTTL/PERSIST with one, is a syntax error. The expire value itself is
 * read later, after every option parsed, as Redis does. Writes the error and returns null.
 */
function parseExtended(
  c: Client,
  argv: Argv,
  from: number,
  forSet: boolean,
): ExtendedOptions | null {
  let flags = 0;
  let expireAt = 0;
  for (let i = from; i < argv.length; i++) {
    if (forSet && argv.is(i, "nx") && !(flags & F_XX)) flags |= F_NX;
    else if (forSet && argv.is(i, "xx") && !(flags & F_NX)) flags |= F_XX;
    else if (forSet && argv.is(i, "get")) flags |= F_GET;
    else if (forSet && argv.is(i, "keepttl") && !(flags & (F_EXPIRES | F_PERSIST))) {
      flags |= F_KEEPTTL;
    } else if (!forSet && argv.is(i, "persist") && !(flags & (F_EXPIRES | F_KEEPTTL))) {
      flags |= F_PERSIST;
    } else {
      const kind = argv.is(i, "ex")
        ? F_EX
        : argv.is(i, "px")
        ? F_PX
        : argv.is(i, "exat")
        ? F_EXAT
        : argv.is(i, "pxat")
        ? F_PXAT
        : 0;
      const conflict = F_KEEPTTL | F_PERSIST | (F_EXPIRES & ~kind);
      if (kind === 0 || i + 1 >= argv.length || (flags & conflict) !== 0) {
        c.w.error(SYNTAX);
        return null;
      }
      flags |= kind;
      expireAt = ++i;
    }
  }
  return { flags, expireAt };
}

/**
 * The absolute expiry in ms for the expire argument at `i` of kind `kind` (one of F_EX...),
 * or null after replying Redis's error. Exact at the 64-bit edges.
 */
function expireArg(c: Client, argv: Argv, i: number, kind: number, cmd: string): number | null {
  const n = int64(argv, i);
  if (n === null) {
    c.w.error(NOT_INTEGER);
    return null;
  }
  const seconds = kind === F_EX || kind === F_EXAT;
  const relative = kind === F_EX || kind === F_PX;
  const now = c.db.keyspace.clock();
  if (typeof n === "number" && n > 0 && n < 1e12) {
    const ms = seconds ? n * 1000 : n;
    return relative ? ms + now : ms;
  }
  const big = BigInt(n);
  if (big <= 0n || (seconds && big > INT64_MAX / 1000n)) {
    c.w.error(INVALID_EXPIRE(cmd));
    return null;
  }
  let ms = seconds ? big * 1000n : big;
  if (relative) ms += BigInt(now);
  if (ms > INT64_MAX) {
    c.w.error(INVALID_EXPIRE(cmd));
    return null;
  }
  return Number(ms);
}

function expireKind(flags: number): number {
  return flags & F_EXPIRES;
}

/**
 * SET's common path (SET, SETNX, SETEX, PSETEX). `ok`/`abort` replace +OK and nil for SETNX.
 * Expire errors come first, then GET's type check, then NX/XX.
 */
function setGeneric(
  c: Client,
  argv: Argv,
  server: Server,
  valueAt: number,
  o: ExtendedOptions,
  cmd: string,
  replies?: { ok: number; abort: number },
): void {
  const db = c.db;
  const key = argv.str(1);
  let at: number | undefined;
  if (o.expireAt !== 0) {
    const ms = expireArg(c, argv, o.expireAt, expireKind(o.flags), cmd);
    if (ms === null) return;
    at = ms;
  }
  const get = (o.flags & F_GET) !== 0;
  let old: StringValue | undefined;
  if (get) {
    const v = readString(db, key);
    if (v === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    old = v;
    if (old === undefined) c.w.nil();
    else replyString(c, old);
  }
  if (o.flags & (F_NX | F_XX)) {
    const exists = get ? old !== undefined : db.has(key);
    if (((o.flags & F_NX) && exists) || ((o.flags & F_XX) && !exists)) {
      if (!get) {
        if (replies !== undefined) c.w.int(replies.abort);
        else c.w.nil();
      }
      return;
    }
  } else if (!get) {
    // A key whose TTL passed expires first (its event, and KEEPTTL must not keep that TTL).
    db.get(key);
  }
  db.set(key, argv.str(valueAt), at, (o.flags & F_KEEPTTL) !== 0);
  changed(server, c, key, "set");
  if (at !== undefined) server.notify(NOTIFY_GENERIC, "expire", key, c.dbIndex);
  if (server.repl.active && (at !== undefined || get)) setRewrite(argv, server, valueAt, at);
  if (!get) {
    if (replies !== undefined) c.w.int(replies.ok);
    else c.w.ok();
  }
}

/**
 * What a SET with an expiry or GET propagates: `SET key value PXAT <ms>` for any expiry (a
 * replica applying it later must not move the time; NX/XX already held), else the command
 * without GET.
 */
function setRewrite(argv: Argv, server: Server, valueAt: number, at: number | undefined): void {
  if (at !== undefined) {
    server.repl.rewrite(["SET", argv.str(1), argv.str(valueAt), "PXAT", String(at)]);
    return;
  }
  const args = [argv.str(0), argv.str(1), argv.str(2)];
  for (let i = 3; i < argv.length; i++) if (!argv.is(i, "get")) args.push(argv.str(i));
  server.repl.rewrite(args);
}

/** What replicas get for a key deleted now: DEL, or UNLINK when that deletion is lazy. */
function delFor(server: Server, lazyConfig: string): string {
  return server.config.bool(lazyConfig) ? "UNLINK" : "DEL";
}

/** GET's read: the value, nil, or WRONGTYPE; returns what it replied with. */
function getGeneric(c: Client, key: string): StringValue | undefined | typeof WRONG {
  const v = readString(c.db, key);
  if (v === undefined) c.w.nil();
  else if (v === WRONG) c.w.error(WRONGTYPE);
  else replyString(c, v);
  return v;
}

// --- INCR family ---------------------------------------------------------------------------

/** INCRBY and friends: the string must hold a 64-bit integer; the result must fit one. */
function incrBy(c: Client, server: Server, key: string, delta: number | bigint): void {
  const db = c.db;
  const v = db.get(key);
  let current: number | bigint = 0;
  if (v !== undefined) {
    if (!isString(v)) {
      c.w.error(WRONGTYPE);
      return;
    }
    // Longer than any 64-bit integer: refuse before copying a big value.
    const parsed = v.length > 20 ? null : int64Of(stringOf(v));
    if (parsed === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    current = parsed;
  }
  let result: number | bigint;
  if (typeof current === "number" && typeof delta === "number") {
    result = current + delta;
    if (!Number.isSafeInteger(result)) result = BigInt(current) + BigInt(delta);
  } else result = BigInt(current) + BigInt(delta);
  if (typeof result === "bigint" && (result > INT64_MAX || result < INT64_MIN)) {
    c.w.error(OVERFLOW);
    return;
  }
  const out = String(result);
  if (v === undefined) db.set(key, out);
  else db.replace(key, out);
  changed(server, c, key, "incrby");
  c.w.int(result);
}

// --- Bitmaps -------------------------------------------------------------------------------

/** Whether the last writableString call created or lengthened its value (a change in itself). */
let grew = false;

/**
 * The string at `key` made writable and at least `size` bytes long (Redis's
 * lookupStringForBitCommand): created zero-filled when missing, converted to a MutableString
 * otherwise (keeping its TTL). Null after replying WRONGTYPE. Sets `grew`.
 */
function writableString(c: Client, key: string, size: number): MutableString | null {
  const db = c.db;
  const v = db.get(key);
  if (v === undefined) {
    const m = mutableOf(undefined, size);
    db.set(key, m);
    grew = true;
    return m;
  }
  if (!isString(v)) {
    c.w.error(WRONGTYPE);
    return null;
  }
  grew = v.length < size;
  const m = mutableOf(v, size);
  if (m !== v) db.replace(key, m);
  return m;
}

/** BITCOUNT/BITPOS range unit: "byte" (false) or "bit" (true); null after a syntax error. */
function unitArg(c: Client, argv: Argv, i: number): boolean | null {
  if (argv.is(i, "bit")) return true;
  if (argv.is(i, "byte")) return false;
  c.w.error(SYNTAX);
  return null;
}

function fieldTypeArg(c: Client, argv: Argv, i: number): FieldType | null {
  let s = argv.str(i);
  const nul = s.indexOf("\0");
  if (nul >= 0) s = s.slice(0, nul); // Redis reads the width as a C string
  const signed = s.charCodeAt(0) === 105; // 'i'
  if (signed || s.charCodeAt(0) === 117) {
    const bits = parseSafeInt(s.slice(1));
    if (bits !== null && bits >= 1 && bits <= (signed ? 64 : 63)) return { signed, bits };
  }
  c.w.error(BITFIELD_TYPE);
  return null;
}

interface FieldOp {
  readonly kind: "get" | "set" | "incrby";
  readonly type: FieldType;
  readonly offset: number;
  readonly arg: bigint;
  readonly overflow: Overflow;
}

/** BITFIELD and BITFIELD_RO: every operation is parsed (and checked) before any runs. */
function bitfield(c: Client, argv: Argv, server: Server, readOnlyCommand: boolean): void {
  const limit = sizeLimit(server);
  const readLimit = server.maxBulkLen;
  const ops: FieldOp[] = [];
  let overflow: Overflow = "wrap";
  let writes = false;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    let kind: FieldOp["kind"];
    if (argv.is(j, "get") && remaining >= 2) kind = "get";
    else if (argv.is(j, "set") && remaining >= 3) kind = "set";
    else if (argv.is(j, "incrby") && remaining >= 3) kind = "incrby";
    else if (argv.is(j, "overflow") && remaining >= 1) {
      j++;
      if (argv.is(j, "wrap")) overflow = "wrap";
      else if (argv.is(j, "sat")) overflow = "sat";
      else if (argv.is(j, "fail")) overflow = "fail";
      else {
        c.w.error(BITFIELD_OVERFLOW);
        return;
      }
      continue;
    } else {
      c.w.error(SYNTAX);
      return;
    }
    const type = fieldTypeArg(c, argv, j + 1);
    if (type === null) return;
    // Reads allocate nothing, so only writes are held to the stricter size limit.
    const offset = bitOffsetArg(c, argv, j + 2, type.bits, kind === "get" ? readLimit : limit);
    if (offset === null) return;
    let arg = 0n;
    if (kind !== "get") {
      writes = true;
      if (offset + type.bits - 1 > highest) highest = offset + type.bits - 1;
      const n = int64(argv, j + 3);
      if (n === null) {
        c.w.error(NOT_INTEGER);
        return;
      }
      arg = BigInt(n);
    }
    ops.push({ kind, type, offset, arg, overflow });
    j += kind === "get" ? 2 : 3;
  }
  const key = argv.str(1);
  let src: StringValue | undefined;
  let target: MutableString | null = null;
  if (!writes) {
    const v = readString(c.db, key);
    if (v === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    src = v;
  } else {
    if (readOnlyCommand) {
      c.w.error(BITFIELD_RO);
      return;
    }
    target = writableString(c, key, Math.floor(highest / 8) + 1);
    if (target === null) return;
    src = target;
  }
  // Redis 7.0 counts a write as a change only if the value was created or lengthened, or the
  // field's bits differ afterwards.
  let changes = 0;
  const dirty = target !== null && grew;
  c.w.array(ops.length);
  for (const op of ops) {
    if (op.kind === "get" || target === null) {
      c.w.int(src === undefined ? 0 : getField(bytesOf(src), op.offset, op.type));
      continue;
    }
    const old = getField(target.view(), op.offset, op.type);
    const r = applyField(old, op.arg, op.type, op.kind === "incrby", op.overflow);
    if (r.store === null || r.reply === null) c.w.nil();
    else {
      c.w.int(r.reply);
      setField(target.bytes, op.offset, op.type.bits, r.store);
      if (dirty || getField(target.view(), op.offset, op.type) !== old) changes++;
    }
  }
  if (changes > 0) {
    changed(server, c, key, "setbit");
    server.dirty += changes - 1;
  }
}

/** MSET's and MSETNX's writes: one "set" event per pair, dirty counts pairs. */
function msetAll(c: Client, argv: Argv, server: Server): void {
  const db = c.db;
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv.str(i);
    db.set(key, argv.str(i + 1));
    changed(server, c, key, "set");
  }
}

// --- Handlers ------------------------------------------------------------------------------

export const STRING_HANDLERS: Handlers<Names> = {
  get(c, argv) {
    const v = readString(c.db, argv.str(1));
    if (v === undefined) c.w.nil();
    else if (v === WRONG) c.w.error(WRONGTYPE);
    else replyString(c, v);
  },
  set(c, argv, server) {
    if (argv.length === 3) {
      const key = argv.str(1);
      c.db.set(key, argv.str(2));
      server.touch(c.dbIndex, key);
      server.notify(NOTIFY_STRING, "set", key, c.dbIndex);
      server.dirty++;
      c.w.ok();
      return;
    }
    const o = parseExtended(c, argv, 3, true);
    if (o !== null) setGeneric(c, argv, server, 2, o, "set");
  },
  setnx(c, argv, server) {
    setGeneric(c, argv, server, 2, { flags: F_NX, expireAt: 0 }, "setnx", { ok: 1, abort: 0 });
  },
  setex(c, argv, server) {
    setGeneric(c, argv, server, 3, { flags: F_EX, expireAt: 2 }, "setex");
  },
  psetex(c, argv, server) {
    setGeneric(c, argv, server, 3, { flags: F_PX, expireAt: 2 }, "psetex");
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
  mset(c, argv, server) {
    if (argv.length % 2 === 0) {
      c.w.error(arityError("mset"));
      return;
    }
    msetAll(c, argv, server);
    c.w.ok();
  },
  msetnx(c, argv, server) {
    if (argv.length % 2 === 0) {
      c.w.error(arityError("msetnx"));
      return;
    }
    const db = c.db;
    for (let i = 1; i < argv.length; i += 2) {
      if (db.has(argv.str(i))) {
        c.w.int(0);
        return;
      }
    }
    msetAll(c, argv, server);
    c.w.int(1);
  },
  getset(c, argv, server) {
    const key = argv.str(1);
    if (getGeneric(c, key) === WRONG) return;
    c.db.set(key, argv.str(2));
    changed(server, c, key, "set");
    if (server.repl.active) server.repl.rewrite(["SET", key, argv.str(2)]);
  },
  getdel(c, argv, server) {
    const key = argv.str(1);
    const v = getGeneric(c, key);
    if (v !== undefined && v !== WRONG && c.db.delete(key)) {
      changed(server, c, key, "del", NOTIFY_GENERIC);
      if (server.repl.active) server.repl.rewrite([delFor(server, "lazyfree-lazy-user-del"), key]);
    }
  },
  getex(c, argv, server) {
    const o = parseExtended(c, argv, 2, false);
    if (o === null) return;
    const db = c.db;
    const key = argv.str(1);
    // Unlike SET, the key is looked up before the expire value is checked.
    const v = readString(db, key);
    if (v === undefined) {
      c.w.nil();
      return;
    }
    if (v === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    const kind = expireKind(o.flags);
    let at: number | undefined;
    if (o.expireAt !== 0) {
      const ms = expireArg(c, argv, o.expireAt, kind, "getex");
      if (ms === null) return;
      at = ms;
    }
    replyString(c, v);
    if (at !== undefined) {
      // An absolute time already past deletes the key now.
      if ((kind === F_EXAT || kind === F_PXAT) && at <= db.keyspace.clock()) {
        db.delete(key);
        changed(server, c, key, "del", NOTIFY_GENERIC);
        if (server.repl.active) server.repl.rewrite([delFor(server, "lazyfree-lazy-expire"), key]);
      } else {
        db.setExpire(key, at);
        changed(server, c, key, "expire", NOTIFY_GENERIC);
        if (server.repl.active) server.repl.rewrite(["PEXPIREAT", key, String(at)]);
      }
    } else if ((o.flags & F_PERSIST) && db.persist(key)) {
      changed(server, c, key, "persist", NOTIFY_GENERIC);
      if (server.repl.active) server.repl.rewrite(["PERSIST", key]);
    }
  },
  append(c, argv, server) {
    const db = c.db;
    const key = argv.str(1);
    const v = db.get(key);
    if (v === undefined) {
      db.set(key, argv.str(2));
      changed(server, c, key, "append");
      c.w.int(argv.len(2));
      return;
    }
    if (!isString(v)) {
      c.w.error(WRONGTYPE);
      return;
    }
    const total = v.length + argv.len(2);
    if (total > sizeLimit(server)) {
      c.w.error(STRING_TOO_BIG);
      return;
    }
    const oldLen = v.length;
    // A value appended to once is likely appended to again: leave room, as sds does.
    const m = mutableOf(v, total, Math.min(total * 2, total + APPEND_SLACK));
    writeAt(m, oldLen, argv.bytes(2));
    if (m !== v) db.replace(key, m);
    changed(server, c, key, "append");
    c.w.int(total);
  },
  strlen(c, argv) {
    const v = readString(c.db, argv.str(1));
    if (v === undefined) c.w.int(0);
    else if (v === WRONG) c.w.error(WRONGTYPE);
    else c.w.int(v.length);
  },
  incr(c, argv, server) {
    incrBy(c, server, argv.str(1), 1);
  },
  decr(c, argv, server) {
    incrBy(c, server, argv.str(1), -1);
  },
  incrby(c, argv, server) {
    const d = int64OrReply(c, argv, 2);
    if (d !== null) incrBy(c, server, argv.str(1), d);
  },
  decrby(c, argv, server) {
    const d = int64OrReply(c, argv, 2);
    if (d === null) return;
    if (d === INT64_MIN) {
      c.w.error(DECR_OVERFLOW);
      return;
    }
    incrBy(c, server, argv.str(1), -d);
  },
  incrbyfloat(c, argv, server) {
    const db = c.db;
    const key = argv.str(1);
    const v = db.get(key);
    if (v !== undefined && !isString(v)) {
      c.w.error(WRONGTYPE);
      return;
    }
    const current = v === undefined
      ? ZERO
      : v.length >= MAX_FLOAT_CHARS
      ? null
      : parseLongDouble(stringOf(v));
    const incr = parseLongDouble(argv.str(2));
    if (current === null || incr === null) {
      c.w.error(NOT_FLOAT);
      return;
    }
    const sum = add(current, incr);
    if (!isFinite(sum)) {
      c.w.error(NAN_OR_INF);
      return;
    }
    const out = formatHuman(sum);
    if (v === undefined) db.set(key, out);
    else db.replace(key, out);
    changed(server, c, key, "incrbyfloat");
    // The replica must store this exact text, not redo float arithmetic of its own.
    if (server.repl.active) server.repl.rewrite(["SET", key, out, "KEEPTTL"]);
    c.w.bulk(out);
  },
  getrange: getrange,
  substr: getrange,
  setrange(c, argv, server) {
    const offset = int64(argv, 2);
    if (offset === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    if (offset < 0) {
      c.w.error(OFFSET_RANGE);
      return;
    }
    const db = c.db;
    const key = argv.str(1);
    const value = argv.bytes(3);
    const v = db.get(key);
    if (v !== undefined && !isString(v)) {
      c.w.error(WRONGTYPE);
      return;
    }
    if (value.length === 0) {
      c.w.int(v === undefined ? 0 : v.length);
      return;
    }
    const size = Number(offset) + value.length;
    if (size > sizeLimit(server)) {
      c.w.error(STRING_TOO_BIG);
      return;
    }
    const at = Number(offset);
    const m = mutableOf(v, v === undefined ? size : v.length);
    writeAt(m, at, value);
    if (m !== v) {
      if (v === undefined) db.set(key, m);
      else db.replace(key, m);
    }
    changed(server, c, key, "setrange");
    c.w.int(m.length);
  },
  lcs(c, argv) {
    const a = readString(c.db, argv.str(1));
    const b = readString(c.db, argv.str(2));
    if (a === WRONG || b === WRONG) {
      c.w.error(LCS_TYPES);
      return;
    }
    let idx = false;
    let len = false;
    let withLen = false;
    let minMatchLen = 0;
    for (let j = 3; j < argv.length; j++) {
      const more = argv.length - 1 - j;
      if (argv.is(j, "idx")) idx = true;
      else if (argv.is(j, "len")) len = true;
      else if (argv.is(j, "withmatchlen")) withLen = true;
      else if (argv.is(j, "minmatchlen") && more > 0) {
        const n = int64OrReply(c, argv, j + 1);
        if (n === null) return;
        minMatchLen = n < 0 ? 0 : clamp(n);
        j++;
      } else {
        c.w.error(SYNTAX);
        return;
      }
    }
    if (idx && len) {
      c.w.error(LCS_BOTH);
      return;
    }
    const sa = a === undefined ? "" : bytesOf(a);
    const sb = b === undefined ? "" : bytesOf(b);
    if (!lcsFits(sa.length, sb.length)) {
      c.w.error(LCS_MEMORY);
      return;
    }
    const r = lcs(sa, sb, { sequence: !idx && !len, ranges: idx, minMatchLen });
    if (idx) {
      c.w.map(2);
      c.w.bulk("matches");
      c.w.array(r.matches.length);
      for (const m of r.matches) {
        c.w.array(withLen ? 3 : 2);
        c.w.array(2);
        c.w.int(m.aStart);
        c.w.int(m.aEnd);
        c.w.array(2);
        c.w.int(m.bStart);
        c.w.int(m.bEnd);
        if (withLen) c.w.int(m.len);
      }
      c.w.bulk("len");
      c.w.int(r.len);
    } else if (len) c.w.int(r.len);
    else c.w.bulk(r.sequence);
  },
  setbit(c, argv, server) {
    const offset = bitOffsetArg(c, argv, 2, 0, sizeLimit(server));
    if (offset === null) return;
    const on = int64(argv, 3);
    if (on !== 0 && on !== 1) {
      c.w.error(BIT_VALUE);
      return;
    }
    const key = argv.str(1);
    const m = writableString(c, key, Math.floor(offset / 8) + 1);
    if (m === null) return;
    const old = setBit(m.bytes, offset, on);
    // Redis 7.0 reports nothing when the bit already had the value and the string kept its size.
    if (grew || old !== on) changed(server, c, key, "setbit");
    c.w.int(old);
  },
  getbit(c, argv, server) {
    const offset = bitOffsetArg(c, argv, 2, 0, server.maxBulkLen);
    if (offset === null) return;
    const v = readString(c.db, argv.str(1));
    if (v === undefined) c.w.int(0);
    else if (v === WRONG) c.w.error(WRONGTYPE);
    else c.w.int(getBit(bytesOf(v), offset));
  },
  bitcount(c, argv) {
    const v = readString(c.db, argv.str(1));
    if (v === undefined) {
      c.w.int(0);
      return;
    }
    if (v === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    const src = bytesOf(v);
    if (argv.length === 2) {
      c.w.int(bitcount(src, 0, -1, false));
      return;
    }
    if (argv.length !== 4 && argv.length !== 5) {
      c.w.error(SYNTAX);
      return;
    }
    const start = int64OrReply(c, argv, 2);
    if (start === null) return;
    const end = int64OrReply(c, argv, 3);
    if (end === null) return;
    if (emptyNegativeRange(start, end)) {
      c.w.int(0);
      return;
    }
    const bitUnit = argv.length === 5 ? unitArg(c, argv, 4) : false;
    if (bitUnit === null) return;
    c.w.int(bitcount(src, clamp(start), clamp(end), bitUnit));
  },
  bitpos(c, argv) {
    const bit = int64(argv, 2);
    if (bit === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    if (bit !== 0 && bit !== 1) {
      c.w.error(BIT_ARG);
      return;
    }
    const v = readString(c.db, argv.str(1));
    if (v === undefined) {
      c.w.int(bit ? -1 : 0);
      return;
    }
    if (v === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    const src = bytesOf(v);
    if (argv.length === 3) {
      c.w.int(bitpos(src, bit, 0, undefined, false));
      return;
    }
    if (argv.length > 6) {
      c.w.error(SYNTAX);
      return;
    }
    const start = int64OrReply(c, argv, 3);
    if (start === null) return;
    const bitUnit = argv.length === 6 ? unitArg(c, argv, 5) : false;
    if (bitUnit === null) return;
    let end: number | undefined;
    if (argv.length >= 5) {
      const e = int64OrReply(c, argv, 4);
      if (e === null) return;
      end = clamp(e);
    }
    c.w.int(bitpos(src, bit, clamp(start), end, bitUnit));
  },
  bitop(c, argv, server) {
    const name = argv.lower(1);
    if (name !== "and" && name !== "or" && name !== "xor" && name !== "not") {
      c.w.error(SYNTAX);
      return;
    }
    const op: BitOp = name;
    if (op === "not" && argv.length !== 4) {
      c.w.error(BITOP_NOT);
      return;
    }
    const sources = [];
    for (let i = 3; i < argv.length; i++) {
      const v = readString(c.db, argv.str(i));
      if (v === WRONG) {
        c.w.error(WRONGTYPE);
        return;
      }
      sources.push(v === undefined ? "" : bytesOf(v));
    }
    const out = bitop(op, sources);
    const dest = argv.str(2);
    if (out.length > 0) {
      c.db.set(dest, wrapBytes(out));
      changed(server, c, dest, "set");
    } else if (c.db.delete(dest)) changed(server, c, dest, "del", NOTIFY_GENERIC);
    c.w.int(out.length);
  },
  bitfield(c, argv, server) {
    bitfield(c, argv, server, false);
  },
  bitfield_ro(c, argv, server) {
    bitfield(c, argv, server, true);
  },
};

function getrange(c: Client, argv: Argv): void {
  const start = int64OrReply(c, argv, 2);
  if (start === null) return;
  const end = int64OrReply(c, argv, 3);
  if (end === null) return;
  const v = readString(c.db, argv.str(1));
  if (v === WRONG) {
    c.w.error(WRONGTYPE);
    return;
  }
  if (v === undefined || emptyNegativeRange(start, end)) {
    c.w.bulk("");
    return;
  }
  const r = substringRange(v.length, clamp(start), clamp(end));
  if (r === null) c.w.bulk("");
  else if (typeof v === "string") c.w.bulk(v.slice(r[0], r[1]));
  else c.w.bulkBytes(v.bytes.subarray(r[0], r[1]));
}
