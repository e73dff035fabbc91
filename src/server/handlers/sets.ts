// Set commands, with Redis 7.0's replies, error texts, argument-checking order and keyspace
// events. Values live in engine/set.ts (intset → hashtable). Results of SINTER, SUNION and SDIFF
// are built the way Redis builds them (an intset first, converted as members arrive), which
// decides their encoding when stored and their order when returned (ascending for an intset).
import { refuseHugeReply } from "./_reply.ts";
import { SetValue } from "../../engine/set.ts";
import { asType, parseInt64, parseSafeInt } from "../../engine/values.ts";
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import {
  LIMIT_NEGATIVE,
  NOT_INTEGER,
  NUMKEYS_POSITIVE,
  OUT_OF_RANGE_POSITIVE,
  SYNTAX,
  WRONGTYPE,
} from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { NOTIFY_GENERIC, NOTIFY_SET } from "../notify.ts";
import type { Server } from "../server.ts";
import { COUNT_RANGE } from "./hashes.ts";
import { replyEmptyScan, replyScan, scanCursor, scanMap, scanOptions } from "./_scan.ts";

type Names =
  | "sadd"
  | "srem"
  | "scard"
  | "sismember"
  | "smismember"
  | "smembers"
  | "spop"
  | "srandmember"
  | "smove"
  | "sinter"
  | "sintercard"
  | "sinterstore"
  | "sunion"
  | "sunionstore"
  | "sdiff"
  | "sdiffstore"
  | "sscan";

const TOO_MANY_KEYS = "ERR Number of keys can't be greater than number of args";

// --- Config, cached per server ------------------------------------------------------------------

const limitsOf = new WeakMap<Server, { maxIntset: number }>();

function maxIntset(server: Server): number {
  let l = limitsOf.get(server);
  if (l === undefined) {
    const limits = { maxIntset: 0 };
    server.config.watch("set-max-intset-entries", (v) => (limits.maxIntset = Number(v)));
    limitsOf.set(server, limits);
    l = limits;
  }
  return l.maxIntset;
}

const WRONG = Symbol("wrongtype");

/** The set at `key`: undefined if absent, WRONG if another type. `read` counts hits/misses. */
function lookup(c: Client, key: string, read: boolean): SetValue | undefined | typeof WRONG {
  const v = read ? c.db.read(key) : c.db.get(key);
  if (v === undefined) return undefined;
  return asType<SetValue>(v, "set") ?? WRONG;
}

function int64Of(s: string): number | bigint | null {
  const n = parseSafeInt(s);
  return n !== null ? n : parseInt64(s);
}

/** Writes every member as a RESP3 set (an array in RESP2). */
function replyMembers(c: Client, s: SetValue): void {
  c.w.set(s.size);
  for (const m of s.values()) c.w.bulk(m);
}

/**
 * `count` distinct members picked uniformly (count < size): a partial shuffle of all of them
 * when most are wanted, else random positions until enough distinct ones.
 */
function sampleUnique(s: SetValue, count: number): string[] {
  const size = s.size;
  const out: string[] = [];
  if (count * 3 > size) {
    const all = s.toArray();
    for (let k = 0; k < count; k++) {
      const j = k + Math.floor(Math.random() * (size - k));
      const m = all[j]!;
      all[j] = all[k]!;
      all[k] = m;
      out.push(m);
    }
    return out;
  }
  const seen = new Set<number>();
  while (out.length < count) {
    const i = Math.floor(Math.random() * size);
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(s.at(i));
  }
  return out;
}

/** Stores a computed set at `dst` (or deletes `dst` when it is empty) and replies its size. */
function store(c: Client, server: Server, dst: string, result: SetValue, event: string): void {
  const size = result.size;
  c.w.int(size);
  if (size > 0) {
    result.compact();
    c.db.set(dst, result);
    server.touch(c.dbIndex, dst);
    server.notify(NOTIFY_SET, event, dst, c.dbIndex);
    server.dirty++;
  } else if (c.db.delete(dst)) {
    server.touch(c.dbIndex, dst);
    server.notify(NOTIFY_GENERIC, "del", dst, c.dbIndex);
    server.dirty++;
  }
}

/** The sets named by argv[from..to): null after replying WRONGTYPE; missing keys are null. */
function loadSets(
  c: Client,
  argv: Argv,
  from: number,
  to: number,
  read: boolean,
): (SetValue | null)[] | null {
  const sets: (SetValue | null)[] = [];
  for (let i = from; i < to; i++) {
    const s = lookup(c, argv.str(i), read);
    if (s === WRONG) {
      c.w.error(WRONGTYPE);
      return null;
    }
    sets.push(s ?? null);
  }
  return sets;
}

/**
 * SINTER, SINTERCARD and SINTERSTORE: keys argv[from..to). `dst` is the store key or null;
 * `limit` > 0 stops SINTERCARD's count there.
 */
function interGeneric(
  c: Client,
  argv: Argv,
  server: Server,
  range: { from: number; to: number },
  dst: string | null,
  cardOnly: boolean,
  limit: number,
): void {
  const loaded = loadSets(c, argv, range.from, range.to, dst === null);
  if (loaded === null) return;
  if (loaded.includes(null)) {
    // An intersection with an empty set is empty.
    if (dst !== null) store(c, server, dst, new SetValue(), "sinterstore");
    else if (cardOnly) c.w.int(0);
    else c.w.set(0);
    return;
  }
  const sets = loaded as SetValue[];
  // Smallest first (a stable sort, as glibc's qsort is for these sizes).
  sets.sort((a, b) => a.size - b.size);
  const first = sets[0]!;
  const result = dst !== null ? new SetValue() : null;
  const max = dst !== null ? maxIntset(server) : 0;
  const members: string[] = [];
  let cardinality = 0;
  outer: for (const m of first.values()) {
    for (let j = 1; j < sets.length; j++) {
      const s = sets[j]!;
      if (s !== first && !s.has(m)) continue outer;
    }
    cardinality++;
    if (cardOnly) {
      if (limit > 0 && cardinality >= limit) break;
    } else if (result !== null) result.add(m, max);
    else members.push(m);
  }
  if (cardOnly) c.w.int(cardinality);
  else if (dst !== null) store(c, server, dst, result!, "sinterstore");
  else {
    c.w.set(members.length);
    for (const m of members) c.w.bulk(m);
  }
}

const UNION = 0;
const DIFF = 1;

/** SUNION, SDIFF and their STORE forms over keys argv[from..). */
function unionDiffGeneric(
  c: Client,
  argv: Argv,
  server: Server,
  from: number,
  dst: string | null,
  op: number,
): void {
  const sets = loadSets(c, argv, from, argv.length, dst === null);
  if (sets === null) return;
  const first = sets[0] ?? null;
  let sameSet = false;
  for (let j = 1; j < sets.length; j++) if (first !== null && sets[j] === first) sameSet = true;
  const max = maxIntset(server);
  const result = new SetValue();
  if (op === UNION) {
    for (const s of sets) {
      if (s !== null) { for (const m of s.values()) result.add(m, max); }
    }
  } else if (first !== null && !sameSet) {
    // Redis picks between two algorithms by estimated work; which one runs decides the
    // intermediate size of the result, and so its encoding.
    let oneWork = 0;
    let twoWork = 0;
    for (const s of sets) {
      if (s === null) continue;
      oneWork += first.size;
      twoWork += s.size;
    }
    if (Math.floor(oneWork / 2) <= twoWork) {
      outer: for (const m of first.values()) {
        for (let j = 1; j < sets.length; j++) {
          const s = sets[j];
          if (s != null && s.has(m)) continue outer;
        }
        result.add(m, max);
      }
    } else {
      for (let j = 0; j < sets.length; j++) {
        const s = sets[j];
        if (s == null) continue;
        if (j === 0) { for (const m of s.values()) result.add(m, max); }
        else for (const m of s.values()) result.remove(m);
        if (result.size === 0) break;
      }
    }
  }
  if (dst === null) replyMembers(c, result);
  else store(c, server, dst, result, op === UNION ? "sunionstore" : "sdiffstore");
}

function spopWithCount(c: Client, argv: Argv, server: Server): void {
  const n = int64Of(argv.str(2));
  if (n === null || n < 0) {
    c.w.error(OUT_OF_RANGE_POSITIVE);
    return;
  }
  const key = argv.str(1);
  const s = lookup(c, key, false);
  if (s === WRONG) {
    c.w.error(WRONGTYPE);
    return;
  }
  if (s === undefined || n === 0) {
    c.w.set(0);
    return;
  }
  const count = Number(n);
  const size = s.size;
  server.notify(NOTIFY_SET, "spop", key, c.dbIndex);
  if (count >= size) {
    // Redis answers this with SUNION of the key: the copy's encoding decides the order.
    replyMembers(c, SetValue.from(s.values(), maxIntset(server)));
    c.db.delete(key);
    server.notify(NOTIFY_GENERIC, "del", key, c.dbIndex);
    // Replicas must drop the same members, not pick their own: here, all of them.
    if (server.repl.active) server.repl.rewrite(["DEL", key]);
  } else {
    c.w.set(count);
    if (server.repl.active) {
      // One SREM per member, in reply order (Redis 7.0 sends them as one transaction).
      for (let k = 0; k < count; k++) {
        const m = s.pop();
        c.w.bulk(m);
        server.repl.rewrite(["SREM", key, m]);
      }
    } else {
      for (let k = 0; k < count; k++) c.w.bulk(s.pop());
    }
  }
  server.touch(c.dbIndex, key);
  server.dirty += Math.min(count, size);
}

function srandmemberWithCount(c: Client, argv: Argv, server: Server): void {
  const n = int64Of(argv.str(2));
  if (n === null) {
    c.w.error(NOT_INTEGER);
    return;
  }
  if (typeof n === "bigint" && n === -(2n ** 63n)) {
    c.w.error(COUNT_RANGE);
    return;
  }
  const s = lookup(c, argv.str(1), true);
  if (s === WRONG) {
    c.w.error(WRONGTYPE);
    return;
  }
  if (s === undefined || n === 0) {
    c.w.array(0);
    return;
  }
  const size = s.size;
  if (n < 0) {
    const count = Number(-n);
    if (refuseHugeReply(c, server, count)) return;
    c.w.array(count);
    for (let k = 0; k < count; k++) c.w.bulk(s.random());
    return;
  }
  const count = Number(n);
  if (count >= size) {
    c.w.array(size);
    for (const m of s.values()) c.w.bulk(m);
    return;
  }
  c.w.bulks(sampleUnique(s, count));
}

export const SET_HANDLERS: Handlers<Names> = {
  sadd(c, argv, server) {
    const key = argv.str(1);
    const found = lookup(c, key, false);
    if (found === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    const s = found ?? new SetValue();
    const max = maxIntset(server);
    let added = 0;
    for (let i = 2; i < argv.length; i++) if (s.add(argv.str(i), max)) added++;
    if (added > 0) s.compact();
    if (found === undefined) c.db.set(key, s);
    c.w.int(added);
    if (added === 0) return;
    server.touch(c.dbIndex, key);
    server.notify(NOTIFY_SET, "sadd", key, c.dbIndex);
    server.dirty += added;
  },
  srem(c, argv, server) {
    const key = argv.str(1);
    const s = lookup(c, key, false);
    if (s === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    if (s === undefined) {
      c.w.int(0);
      return;
    }
    let removed = 0;
    let emptied = false;
    for (let i = 2; i < argv.length; i++) {
      if (s.remove(argv.str(i))) {
        removed++;
        if (s.size === 0) {
          emptied = true;
          c.db.delete(key);
          break;
        }
      }
    }
    c.w.int(removed);
    if (removed === 0) return;
    server.touch(c.dbIndex, key);
    server.notify(NOTIFY_SET, "srem", key, c.dbIndex);
    if (emptied) server.notify(NOTIFY_GENERIC, "del", key, c.dbIndex);
    server.dirty += removed;
  },
  scard(c, argv) {
    const s = lookup(c, argv.str(1), true);
    if (s === WRONG) c.w.error(WRONGTYPE);
    else c.w.int(s === undefined ? 0 : s.size);
  },
  sismember(c, argv) {
    const s = lookup(c, argv.str(1), true);
    if (s === WRONG) c.w.error(WRONGTYPE);
    else c.w.int(s !== undefined && s.has(argv.str(2)) ? 1 : 0);
  },
  smismember(c, argv) {
    const s = lookup(c, argv.str(1), true);
    if (s === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    c.w.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) c.w.int(s !== undefined && s.has(argv.str(i)) ? 1 : 0);
  },
  smembers(c, argv) {
    const s = lookup(c, argv.str(1), true);
    if (s === WRONG) c.w.error(WRONGTYPE);
    else if (s === undefined) c.w.set(0);
    else replyMembers(c, s);
  },
  spop(c, argv, server) {
    if (argv.length === 3) {
      spopWithCount(c, argv, server);
      return;
    }
    if (argv.length > 3) {
      c.w.error(SYNTAX);
      return;
    }
    const key = argv.str(1);
    const s = lookup(c, key, false);
    if (s === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    if (s === undefined) {
      c.w.nil();
      return;
    }
    const m = s.pop();
    c.w.bulk(m);
    if (server.repl.active) server.repl.rewrite(["SREM", key, m]);
    server.notify(NOTIFY_SET, "spop", key, c.dbIndex);
    if (s.size === 0) {
      c.db.delete(key);
      server.notify(NOTIFY_GENERIC, "del", key, c.dbIndex);
    }
    server.touch(c.dbIndex, key);
    server.dirty++;
  },
  srandmember(c, argv, server) {
    if (argv.length === 3) {
      srandmemberWithCount(c, argv, server);
      return;
    }
    if (argv.length > 3) {
      c.w.error(SYNTAX);
      return;
    }
    const s = lookup(c, argv.str(1), true);
    if (s === WRONG) c.w.error(WRONGTYPE);
    else if (s === undefined) c.w.nil();
    else c.w.bulk(s.random());
  },
  smove(c, argv, server) {
    const srcKey = argv.str(1);
    const dstKey = argv.str(2);
    const src = lookup(c, srcKey, false);
    const dst = lookup(c, dstKey, false);
    if (src === undefined) {
      c.w.int(0);
      return;
    }
    if (src === WRONG || dst === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    const member = argv.str(3);
    if (src === dst) {
      c.w.int(src.has(member) ? 1 : 0);
      return;
    }
    if (!src.remove(member)) {
      c.w.int(0);
      return;
    }
    const db = c.dbIndex;
    server.notify(NOTIFY_SET, "srem", srcKey, db);
    if (src.size === 0) {
      c.db.delete(srcKey);
      server.notify(NOTIFY_GENERIC, "del", srcKey, db);
    }
    server.touch(db, srcKey);
    server.dirty++;
    const target = dst ?? new SetValue();
    const added = target.add(member, maxIntset(server));
    if (added) target.compact();
    if (dst === undefined) c.db.set(dstKey, target);
    if (added) {
      server.dirty++;
      server.touch(db, dstKey);
      server.notify(NOTIFY_SET, "sadd", dstKey, db);
    }
    c.w.int(1);
  },
  sinter(c, argv, server) {
    interGeneric(c, argv, server, { from: 1, to: argv.length }, null, false, 0);
  },
  sintercard(c, argv, server) {
    const n = int64Of(argv.str(1));
    if (n === null || n < 1) {
      c.w.error(NUMKEYS_POSITIVE);
      return;
    }
    if (n > argv.length - 2) {
      c.w.error(TOO_MANY_KEYS);
      return;
    }
    const numkeys = Number(n);
    let limit = 0;
    for (let i = 2 + numkeys; i < argv.length; i++) {
      if (argv.is(i, "limit") && i + 1 < argv.length) {
        const l = int64Of(argv.str(++i));
        if (l === null || l < 0) {
          c.w.error(LIMIT_NEGATIVE);
          return;
        }
        limit = Number(l);
      } else {
        c.w.error(SYNTAX);
        return;
      }
    }
    interGeneric(c, argv, server, { from: 2, to: 2 + numkeys }, null, true, limit);
  },
  sinterstore(c, argv, server) {
    interGeneric(c, argv, server, { from: 2, to: argv.length }, argv.str(1), false, 0);
  },
  sunion(c, argv, server) {
    unionDiffGeneric(c, argv, server, 1, null, UNION);
  },
  sunionstore(c, argv, server) {
    unionDiffGeneric(c, argv, server, 2, argv.str(1), UNION);
  },
  sdiff(c, argv, server) {
    unionDiffGeneric(c, argv, server, 1, null, DIFF);
  },
  sdiffstore(c, argv, server) {
    unionDiffGeneric(c, argv, server, 2, argv.str(1), DIFF);
  },
  sscan(c, argv, server) {
    const cursor = scanCursor(c, argv, 2);
    if (cursor === null) return;
    const s = lookup(c, argv.str(1), true);
    if (s === WRONG) {
      c.w.error(WRONGTYPE);
      return;
    }
    if (s === undefined) {
      replyEmptyScan(c);
      return;
    }
    const o = scanOptions(c, argv, 3);
    if (o === null) return;
    const map = s.table;
    if (map === null) {
      // An intset is returned whole, whatever the cursor, as Redis does.
      replyScan(c, 0n, s.toArray(), o.pattern, false);
      return;
    }
    const step = scanMap(server, cursor, map, o);
    replyScan(c, step.cursor, step.items, null, false);
  },
};
