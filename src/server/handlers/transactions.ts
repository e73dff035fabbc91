// MULTI, EXEC, DISCARD, WATCH and UNWATCH. Queueing and running a transaction happen in
// dispatch.ts (a client in MULTI never reaches these handlers for the commands it queues, nor
// for EXEC); the watch bookkeeping is multi.ts's `Watches`.
import type { Handlers } from "../handler.ts";
import { Transaction } from "../multi.ts";

type Names = "multi" | "exec" | "discard" | "watch" | "unwatch";

export const TRANSACTION_HANDLERS: Handlers<Names> = {
  multi(c) {
    if (c.multi !== null) {
      c.w.error("ERR MULTI calls can not be nested");
      return;
    }
    c.multi = new Transaction();
    c.w.ok();
  },
  exec(c) {
    // Reached only outside MULTI: dispatch runs the EXEC of a transaction itself.
    c.w.error("ERR EXEC without MULTI");
  },
  discard(c, _argv, server) {
    if (c.multi === null) {
      c.w.error("ERR DISCARD without MULTI");
      return;
    }
    server.watches.resetClient(c);
    c.w.ok();
  },
  watch(c, argv, server) {
    if (c.multi !== null) {
      c.w.error("ERR WATCH inside MULTI is not allowed");
      return;
    }
    // Already doomed: watching more keys cannot change the outcome.
    if (!c.dirtyCas) {
      for (let i = 1; i < argv.length; i++) server.watches.watch(c, c.dbIndex, argv.str(i));
    }
    c.w.ok();
  },
  unwatch(c, _argv, server) {
    server.watches.unwatchAll(c);
    c.dirtyCas = false;
    c.w.ok();
  },
};
