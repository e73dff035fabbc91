// Server-wide commands: INFO, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, LASTSAVE, SAVE, BGSAVE and
// SHUTDOWN.
// Replies and error texts are Redis 7.0's. FLUSH* and SWAPDB report to WATCH as Redis does, and
// SWAPDB wakes clients blocked on keys the swap brought in.
import type { Argv } from "../../resp/mod.ts";
import { DB_OUT_OF_RANGE, SYNTAX } from "../errors.ts";
import type { Handlers } from "../handler.ts";
import type { Server } from "../server.ts";
import { infoText, selectSections } from "../info.ts";
import { typeOf } from "../../engine/values.ts";
import { intArg } from "./_args.ts";
import type { Handler } from "../handler.ts";

/** SAVE: a synchronous snapshot (persistence/snapshot.ts). */
const save: Handler = (c, _argv, server) => {
  const error = server.persistence.saveCommand();
  if (error === null) c.w.ok();
  else c.w.error(error);
};

/** BGSAVE [SCHEDULE]: a forkless background snapshot (persistence/bgsave.ts). */
const bgsave: Handler = (c, argv, server) => {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && argv.is(1, "schedule")) schedule = true;
    else {
      c.w.error(SYNTAX);
      return;
    }
  }
  const reply = server.persistence.bgsaveCommand(schedule, c.inExec);
  if (reply === "started") c.w.simple("Background saving started");
  else if (reply === "scheduled") c.w.simple("Background saving scheduled");
  else c.w.error(reply.error);
};

type Names =
  | "save"
  | "bgsave"
  | "info"
  | "dbsize"
  | "flushdb"
  | "flushall"
  | "swapdb"
  | "time"
  | "lastsave"
  | "shutdown";

/** FLUSHDB / FLUSHALL take at most one of ASYNC and SYNC. */
function flushOptionOk(argv: Argv): boolean {
  if (argv.length > 2) return false;
  return argv.length === 1 || argv.is(1, "async") || argv.is(1, "sync");
}

export const SERVER_HANDLERS: Handlers<Names> = {
  save,
  bgsave,
  info(c, argv, server) {
    c.w.verbatim(infoText(server, selectSections(argv.strings(1))));
  },
  dbsize(c) {
    c.w.int(c.db.size);
  },
  flushdb(c, argv, server) {
    if (!flushOptionOk(argv)) {
      c.w.error(SYNTAX);
      return;
    }
    // WATCH looks at the keys before they go.
    server.watches.flushed(c.dbIndex);
    server.dirty += c.db.flush();
    c.w.ok();
  },
  flushall(c, argv, server) {
    if (!flushOptionOk(argv)) {
      c.w.error(SYNTAX);
      return;
    }
    server.watches.flushed(-1);
    // Redis 7.0.15 counts the keys removed, nothing more (with `save` set it also saves, which
    // zeroes the count: the persistence layer's business).
    server.dirty += server.keyspace.flushAll();
    server.persistence.afterFlushAll();
    c.w.ok();
  },
  swapdb(c, argv, server) {
    const a = int32Arg(argv, 1);
    if (a === null) {
      c.w.error("ERR invalid first DB index");
      return;
    }
    const b = int32Arg(argv, 2);
    if (b === null) {
      c.w.error("ERR invalid second DB index");
      return;
    }
    const n = server.keyspace.databases;
    if (a < 0 || a >= n || b < 0 || b >= n) {
      c.w.error(DB_OUT_OF_RANGE);
      return;
    }
    if (a !== b) {
      server.keyspace.swap(a, b);
      server.watches.swapped(a, b);
      signalSwapped(server, a, b);
    }
    server.dirty++;
    c.w.ok();
  },
  time(c) {
    const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    c.w.array(2);
    c.w.bulk(String(Math.floor(micros / 1e6)));
    c.w.bulk(String(micros % 1e6));
  },
  lastsave(c, _argv, server) {
    c.w.int(server.lastSave);
  },
  shutdown(c, argv, server) {
    let save = false;
    let nosave = false;
    let abort = false;
    let other = false;
    let force = false;
    for (let i = 1; i < argv.length; i++) {
      if (argv.is(i, "nosave")) nosave = true;
      else if (argv.is(i, "save")) save = true;
      else if (argv.is(i, "now")) other = true;
      else if (argv.is(i, "force")) other = force = true;
      else if (argv.is(i, "abort")) abort = true;
      else {
        c.w.error(SYNTAX);
        return;
      }
    }
    if ((abort && (save || nosave || other)) || (save && nosave)) {
      c.w.error(SYNTAX);
      return;
    }
    if (abort) {
      c.w.error("ERR No shutdown in progress.");
      return;
    }
    // No reply on success: the connection closes with the server.
    server.exitCode = 0;
    return server.shutdown({ save, nosave, force }).then((done) => {
      if (!done) c.w.error("ERR Errors trying to SHUTDOWN. Check logs.");
    });
  },
};

/**
 * After SWAPDB, a client blocked on a key may find it in its database (Redis rescans its
 * blocked keys). Only databases with a blocked client are walked, for lists and sorted sets.
 */
function signalSwapped(server: Server, a: number, b: number): void {
  let inA = false;
  let inB = false;
  for (const c of server.clients.values()) {
    if (c.unblock === null) continue;
    if (c.dbIndex === a) inA = true;
    else if (c.dbIndex === b) inB = true;
  }
  if (inA) signalDb(server, a);
  if (inB) signalDb(server, b);
}

function signalDb(server: Server, dbIndex: number): void {
  const db = server.keyspace.db(dbIndex);
  for (const key of db.keys()) {
    const v = db.get(key);
    if (v === undefined) continue;
    const t = typeOf(v);
    if (t === "list" || t === "zset") server.blocking.signalReady(dbIndex, key);
  }
}

/** A 32-bit integer argument (Redis's getIntFromObject), or null. */
function int32Arg(argv: Argv, i: number): number | null {
  const n = intArg(argv, i);
  return n === null || n < -2147483648 || n > 2147483647 ? null : n;
}
