// Server commands: INFO, CONFIG, DBSIZE, FLUSH*, SWAPDB, TIME, LASTSAVE, SHUTDOWN, COMMAND,
// DEBUG, MEMORY, SLOWLOG, MONITOR.
import type { Handlers } from "../handler.ts";
import { notYet } from "./_pending.ts";

type Names =
  | "info"
  | "config|get"
  | "config|set"
  | "config|resetstat"
  | "config|rewrite"
  | "config|help"
  | "dbsize"
  | "flushdb"
  | "flushall"
  | "swapdb"
  | "time"
  | "lastsave"
  | "shutdown"
  | "command"
  | "command|count"
  | "command|info"
  | "command|docs"
  | "command|getkeys"
  | "command|getkeysandflags"
  | "command|list"
  | "command|help"
  | "debug"
  | "memory|usage"
  | "memory|stats"
  | "memory|doctor"
  | "memory|malloc-stats"
  | "memory|purge"
  | "memory|help"
  | "slowlog|get"
  | "slowlog|len"
  | "slowlog|reset"
  | "slowlog|help"
  | "monitor";

export const SERVER_HANDLERS: Handlers<Names> = {
  dbsize(c) {
    c.w.int(c.db.size);
  },
  flushdb(c) {
    c.db.flush();
    c.w.ok();
  },
  flushall(c, _argv, server) {
    server.keyspace.flushAll();
    c.w.ok();
  },
  info: notYet,
  "config|get": notYet,
  "config|set": notYet,
  "config|resetstat": notYet,
  "config|rewrite": notYet,
  "config|help": notYet,
  swapdb: notYet,
  time: notYet,
  lastsave: notYet,
  shutdown: notYet,
  command: notYet,
  "command|count": notYet,
  "command|info": notYet,
  "command|docs": notYet,
  "command|getkeys": notYet,
  "command|getkeysandflags": notYet,
  "command|list": notYet,
  "command|help": notYet,
  debug: notYet,
  "memory|usage": notYet,
  "memory|stats": notYet,
  "memory|doctor": notYet,
  "memory|malloc-stats": notYet,
  "memory|purge": notYet,
  "memory|help": notYet,
  "slowlog|get": notYet,
  "slowlog|len": notYet,
  "slowlog|reset": notYet,
  "slowlog|help": notYet,
  monitor: notYet,
};
