// The master's side of Redis's replication handshake: REPLCONF (listening-port, ip-address,
// capa, ack, getack, rdb-only), PSYNC (partial or full) and legacy SYNC, and WAIT. The stream is
// src/server/replication/mod.ts.
import type { Handlers } from "../handler.ts";
import { NOT_INTEGER, SYNTAX } from "../errors.ts";
import { parseInt64 } from "../../engine/values.ts";
import { msTimeoutArg } from "./_args.ts";
import { clientInfoLine } from "./client.ts";
import { PSYNC_FAILOVER_MASTER, PSYNC_FAILOVER_REPLID } from "../replication/failover.ts";
import { unfollow } from "../replication/replica.ts";

type Names = "replconf" | "psync" | "sync" | "wait";

export const REPLICATION_HANDLERS: Handlers<Names> = {
  replconf(c, argv, server) {
    if (argv.length % 2 === 0) {
      c.w.error(SYNTAX);
      return;
    }
    for (let i = 1; i < argv.length; i += 2) {
      const value = argv.str(i + 1);
      if (argv.is(i, "listening-port")) {
        const port = parseInt64(value);
        if (port === null) {
          c.w.error(NOT_INTEGER);
          return;
        }
        c.replPort = Number(port);
      } else if (argv.is(i, "rdb-only")) {
        c.replRdbOnly = value === "1";
      } else if (argv.is(i, "capa")) {
        if (value.toLowerCase() === "eof") c.replCapaEof = true;
      } else if (argv.is(i, "ack")) {
        // A replica's acknowledgement gets no reply.
        const offset = parseInt64(value);
        if (offset !== null && c.replica) server.repl.ack(c, Number(offset));
        return;
      } else if (argv.is(i, "getack")) {
        return; // only a replica answers GETACK
      } else if (
        !argv.is(i, "ip-address") && !argv.is(i, "rdb-filter-only")
      ) {
        c.w.error(`ERR Unrecognized REPLCONF option: ${argv.str(i)}`);
        return;
      }
    }
    c.w.ok();
  },
  psync(c, argv, server) {
    if (c.replica) return;
    if (argv.length > 3 && argv.is(3, "failover")) {
      // A master's FAILOVER: it follows us from now on, so we promote ourselves first.
      if (server.replicaOf === null) {
        c.w.error(PSYNC_FAILOVER_MASTER);
        return;
      }
      if (argv.str(1) !== server.repl.replid) {
        c.w.error(PSYNC_FAILOVER_REPLID);
        return;
      }
      server.log.warning(`Failover request received for replid ${argv.str(1)}.`);
      unfollow(server);
      server.log.notice(
        `MASTER MODE enabled (failover request from '${clientInfoLine(c, c, argv)}')`,
      );
    }
    const offset = parseInt64(argv.str(2));
    if (offset === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    server.repl.psync(c, argv.str(1), Number(offset), c.replCapaEof, c.replPort);
  },
  wait(c, argv, server) {
    const needed = parseInt64(argv.str(1));
    if (needed === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    const timeout = msTimeoutArg(c, argv, 2);
    if (timeout === null) return;
    const n = server.repl.waits.wait(c, Number(needed), Number(timeout));
    if (typeof n === "number") {
      c.w.int(n);
      return;
    }
    return n.then((acked) => {
      if (typeof acked === "number") c.w.int(acked);
      else c.w.error(acked);
    });
  },
  sync(c, _argv, server) {
    if (c.replica) return;
    server.repl.fullSync(c, false, c.replPort, false);
  },
};
