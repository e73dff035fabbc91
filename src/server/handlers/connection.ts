// Connection commands: PING, ECHO, QUIT, HELLO, AUTH, SELECT and RESET (Redis 7.0's reply
// formats, PING's subscribed-mode form included). CLIENT and its subcommands are in client.ts.
import { DB_OUT_OF_RANGE, NOAUTH, NOT_INTEGER, WRONGPASS } from "../errors.ts";
import type { Client } from "../client.ts";
import type { Handlers } from "../handler.ts";
import type { Server } from "../server.ts";
import { HAKV_VERSION, REDIS_VERSION } from "../version.ts";
import { intArg } from "./_args.ts";
import { validName } from "./client.ts";

type Names =
  | "ping"
  | "echo"
  | "quit"
  | "hello"
  | "auth"
  | "select"
  | "reset";

function checkPassword(server: Server, c: Client, user: string, pass: string): boolean {
  if (server.requirePass === "") {
    return user === "default";
  }
  if (user === "default" && pass === server.requirePass) {
    c.authenticated = true;
    c.user = "default";
    return true;
  }
  return false;
}

export const CONNECTION_HANDLERS: Handlers<Names> = {
  ping(c, argv) {
    if (argv.length > 2) {
      c.w.error("ERR wrong number of arguments for 'ping' command");
      return;
    }
    if (c.subscriptionCount > 0 && c.protocol === 2) {
      // RESP2 subscribed mode: replies must look like messages.
      c.w.array(2);
      c.w.bulk("pong");
      if (argv.length === 2) c.w.bulkBytes(argv.bytes(1));
      else c.w.bulk("");
      return;
    }
    if (argv.length === 2) c.w.bulkBytes(argv.bytes(1));
    else c.w.simple("PONG");
  },
  echo(c, argv) {
    c.w.bulkBytes(argv.bytes(1));
  },
  quit(c) {
    c.w.ok();
    c.closeAfterReply = true;
  },
  auth(c, argv, server) {
    if (argv.length > 3) {
      c.w.error("ERR syntax error");
      return;
    }
    const user = argv.length === 3 ? argv.str(1) : "default";
    const pass = argv.str(argv.length - 1);
    if (argv.length === 2 && server.requirePass === "") {
      c.w.error(
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
      );
      return;
    }
    if (checkPassword(server, c, user, pass)) c.w.ok();
    else c.w.error(WRONGPASS);
  },
  hello(c, argv, server) {
    let proto = c.protocol;
    let i = 1;
    if (argv.length >= 2) {
      const v = intArg(argv, 1);
      if (v === null) {
        c.w.error("ERR Protocol version is not an integer or out of range");
        return;
      }
      if (v < 2 || v > 3) {
        c.w.error("NOPROTO unsupported protocol version");
        return;
      }
      proto = v as 2 | 3;
      i = 2;
    }
    let setName: string | undefined;
    let authed = false;
    for (; i < argv.length; i++) {
      const more = argv.length - i - 1;
      if (argv.is(i, "auth") && more >= 2) {
        const user = argv.str(i + 1);
        const pass = argv.str(i + 2);
        if (!checkPassword(server, c, user, pass)) {
          c.w.error(WRONGPASS);
          return;
        }
        authed = true;
        i += 2;
      } else if (argv.is(i, "setname") && more >= 1) {
        setName = argv.str(i + 1);
        if (!validName(setName)) {
          c.w.error("ERR Client names cannot contain spaces, newlines or special characters.");
          return;
        }
        i += 1;
      } else {
        c.w.error(`ERR Syntax error in HELLO option '${argv.str(i)}'`);
        return;
      }
    }
    if (!c.authenticated && !authed) {
      c.w.error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
      );
      return;
    }
    if (setName !== undefined) c.name = setName;
    c.protocol = proto;
    const w = c.w;
    w.map(7);
    w.bulk("server");
    w.bulk("redis");
    w.bulk("version");
    w.bulk(REDIS_VERSION);
    w.bulk("proto");
    w.int(proto);
    w.bulk("id");
    w.int(c.id);
    w.bulk("mode");
    w.bulk("standalone");
    w.bulk("role");
    w.bulk(server.replicaOf !== null ? "replica" : "master");
    w.bulk("modules");
    w.array(0);
    void HAKV_VERSION;
  },
  select(c, argv, server) {
    const n = intArg(argv, 1);
    if (n === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    if (n < 0 || n >= server.keyspace.databases) {
      c.w.error(DB_OUT_OF_RANGE);
      return;
    }
    c.dbIndex = n;
    c.db = server.keyspace.db(n);
    c.w.ok();
  },
  reset(c, _argv, server) {
    // Transaction, WATCHes and subscriptions go silently (no unsubscribe confirmations).
    server.watches.resetClient(c);
    server.pubsub.removeClient(c);
    c.dbIndex = 0;
    c.db = server.keyspace.db(0);
    c.protocol = 2;
    c.name = "";
    c.replyMode = "on";
    c.skipNext = false;
    if (c.monitor) {
      c.monitor = false;
      server.monitors.delete(c);
    }
    c.noEvict = false;
    c.authenticated = server.requirePass === "";
    c.user = "default";
    c.w.simple("RESET");
  },
};

void NOAUTH;
