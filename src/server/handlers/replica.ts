// REPLICAOF / SLAVEOF (follow a master, or NO ONE to become one again), ROLE and FAILOVER. The
// link itself is src/server/replication/replica.ts, the failover src/server/replication/failover.ts.
import type { Argv } from "../../resp/mod.ts";
import { parseInt64 } from "../../engine/values.ts";
import type { Client } from "../client.ts";
import type { Handlers } from "../handler.ts";
import { REPLICAOF_FAILING_OVER } from "../replication/failover.ts";
import { follow, unfollow } from "../replication/replica.ts";
import type { Server } from "../server.ts";

type Names = "replicaof" | "slaveof" | "role" | "failover";

function replicaof(c: Client, argv: Argv, server: Server): void {
  if (server.repl.failover.active) {
    c.w.error(REPLICAOF_FAILING_OVER);
    return;
  }
  if (argv.is(1, "no") && argv.is(2, "one")) {
    if (server.replicaOf !== null) {
      unfollow(server);
      server.log.notice(`MASTER MODE enabled (user request from 'id=${c.id} addr=${c.addr}')`);
    }
    c.w.ok();
    return;
  }
  if (c.replica) {
    c.w.error("ERR Command is not valid when client is a replica.");
    return;
  }
  const port = parseInt64(argv.str(2));
  if (port === null || port < 0n || port > 65535n) {
    c.w.error("ERR Invalid master port");
    return;
  }
  const host = argv.str(1);
  const f = server.replicaOf;
  if (f !== null && f.host.toLowerCase() === host.toLowerCase() && f.port === Number(port)) {
    c.w.simple("OK Already connected to specified master");
    return;
  }
  follow(server, host, Number(port), { caller: c });
  server.log.notice(
    `REPLICAOF ${host}:${port} enabled (user request from 'id=${c.id} addr=${c.addr}')`,
  );
  c.w.ok();
}

export const REPLICA_HANDLERS: Handlers<Names> = {
  replicaof,
  slaveof: replicaof,
  failover(c, argv, server) {
    server.repl.failover.command(c, argv);
  },
  role(c, _argv, server) {
    const w = c.w;
    const f = server.replicaOf;
    if (f !== null) {
      w.array(5);
      w.bulk("slave");
      w.bulk(f.host);
      w.int(f.port);
      w.bulk(f.state);
      w.int(f.linkUp ? server.repl.offset : -1);
      return;
    }
    const online = [...server.repl.replicas].filter((l) => l.state === "online");
    w.array(3);
    w.bulk("master");
    w.int(server.repl.offset);
    w.array(online.length);
    for (const link of online) {
      w.array(3);
      w.bulk(link.ip);
      w.bulk(String(link.port));
      w.bulk(String(link.ackOffset));
    }
  },
};
