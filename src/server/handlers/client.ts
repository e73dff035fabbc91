// CLIENT and its subcommands: naming, listing and killing connections, pausing, reply modes
// and eviction flags (Redis 7.0's subcommands and reply formats, plus 7.2's SETINFO, which
// clients send on connect).
import { pendingOutput } from "../connection.ts";
import { UNBLOCKED } from "../blocking.ts";
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import { parseInt64 } from "../../engine/values.ts";
import { msTimeoutArg } from "./_args.ts";
import { NOT_INTEGER, SYNTAX } from "../errors.ts";
import { CLIENT_HELP } from "../../commands/help.ts";
import type { Handlers } from "../handler.ts";
import { clientMemory, READ_BUFFER, REPLY_BUFFER } from "../info.ts";
import type { Server } from "../server.ts";
import { intArg } from "./_args.ts";
import { replyHelp, subcommandSyntaxError } from "./_help.ts";

type Names =
  | "client|id"
  | "client|setname"
  | "client|getname"
  | "client|setinfo"
  | "client|list"
  | "client|info"
  | "client|kill"
  | "client|pause"
  | "client|unpause"
  | "client|reply"
  | "client|no-evict"
  | "client|tracking"
  | "client|caching"
  | "client|trackinginfo"
  | "client|getredir"
  | "client|unblock"
  | "client|help";

const CACHING_WITHOUT_OPTMODE =
  "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled";

export const CLIENT_HANDLERS: Handlers<Names> = {
  "client|id"(c) {
    c.w.int(c.id);
  },
  "client|setname"(c, argv) {
    const name = argv.str(2);
    if (!validName(name)) {
      c.w.error("ERR Client names cannot contain spaces, newlines or special characters.");
      return;
    }
    c.name = name;
    c.w.ok();
  },
  "client|getname"(c) {
    if (c.name === "") c.w.nil();
    else c.w.bulk(c.name);
  },
  "client|setinfo"(c, argv) {
    const attr = argv.str(2);
    const value = argv.str(3);
    if (!argv.is(2, "lib-name") && !argv.is(2, "lib-ver")) {
      c.w.error(`ERR Unrecognized option '${attr}'`);
      return;
    }
    if (!validName(value)) {
      c.w.error(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
      return;
    }
    if (argv.is(2, "lib-name")) c.libName = value;
    else c.libVer = value;
    c.w.ok();
  },
  "client|list"(c, argv, server) {
    let selected: Iterable<Client> = server.clients.values();
    if (argv.length === 4 && argv.is(2, "type")) {
      const type = clientType(argv.str(3));
      if (type === null) {
        c.w.error(`ERR Unknown client type '${argv.str(3)}'`);
        return;
      }
      selected = [...server.clients.values()].filter((other) => typeOfClient(other) === type);
    } else if (argv.length > 3 && argv.is(2, "id")) {
      const picked: Client[] = [];
      for (let i = 3; i < argv.length; i++) {
        const id = intArg(argv, i);
        if (id === null) {
          c.w.error("ERR Invalid client ID");
          return;
        }
        const other = server.clients.get(id);
        if (other !== undefined) picked.push(other);
      }
      selected = picked;
    } else if (argv.length !== 2) {
      c.w.error(SYNTAX);
      return;
    }
    let text = "";
    for (const other of selected) text += clientInfoLine(other, c, argv) + "\n";
    c.w.verbatim(text);
  },
  "client|info"(c, argv) {
    c.w.verbatim(clientInfoLine(c, c, argv) + "\n");
  },
  "client|kill"(c, argv, server) {
    if (argv.length === 3) {
      // The old form: one address, and a client may kill itself.
      const addr = argv.str(2);
      const target = [...server.clients.values()].find((other) => other.addr === addr);
      if (target === undefined) {
        c.w.error("ERR No such client");
        return;
      }
      killClient(server, target, c);
      c.w.ok();
      return;
    }
    const filters: ((other: Client) => boolean)[] = [];
    let skipMe = true;
    for (let i = 2; i < argv.length; i += 2) {
      if (i + 1 >= argv.length) {
        c.w.error(SYNTAX);
        return;
      }
      const value = argv.str(i + 1);
      if (argv.is(i, "id")) {
        const id = intArg(argv, i + 1);
        if (id === null || id < 1) {
          c.w.error("ERR client-id should be greater than 0");
          return;
        }
        filters.push((other) => other.id === id);
      } else if (argv.is(i, "type")) {
        const type = clientType(value);
        if (type === null) {
          c.w.error(`ERR Unknown client type '${value}'`);
          return;
        }
        filters.push((other) => typeOfClient(other) === type);
      } else if (argv.is(i, "addr")) {
        filters.push((other) => other.addr === value);
      } else if (argv.is(i, "laddr")) {
        filters.push((other) => other.laddr === value);
      } else if (argv.is(i, "user")) {
        if (value !== "default") {
          c.w.error(`ERR No such user '${value}'`);
          return;
        }
        filters.push((other) => other.user === value);
      } else if (argv.is(i, "skipme")) {
        if (argv.is(i + 1, "yes")) skipMe = true;
        else if (argv.is(i + 1, "no")) skipMe = false;
        else {
          c.w.error(SYNTAX);
          return;
        }
      } else {
        c.w.error(SYNTAX);
        return;
      }
    }
    let killed = 0;
    for (const other of [...server.clients.values()]) {
      if (skipMe && other === c) continue;
      if (!filters.every((f) => f(other))) continue;
      killClient(server, other, c);
      killed++;
    }
    c.w.int(killed);
  },
  "client|pause"(c, argv, server) {
    if (argv.length > 4) {
      c.w.error(subcommandSyntaxError(argv));
      return;
    }
    const timeout = msTimeoutArg(c, argv, 2);
    if (timeout === null) return;
    let all = true;
    if (argv.length === 4) {
      if (argv.is(3, "write")) all = false;
      else if (!argv.is(3, "all")) {
        c.w.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
        return;
      }
    }
    // Timers cannot wait longer than 2^31-1 ms (almost 25 days): longer pauses end then.
    const ms = timeout > MAX_TIMER ? Number(MAX_TIMER) : Number(timeout);
    server.pause("client", Date.now() + ms, all);
    c.w.ok();
  },
  "client|unpause"(c, _argv, server) {
    server.unpause("client");
    c.w.ok();
  },
  "client|reply"(c, argv) {
    // OFF and SKIP write nothing: the socket loop discards replies while they apply.
    if (argv.is(2, "on")) {
      c.replyMode = "on";
      c.w.ok();
    } else if (argv.is(2, "off")) c.replyMode = "off";
    else if (argv.is(2, "skip")) {
      if (c.replyMode === "on") c.replyMode = "skip";
    } else c.w.error(SYNTAX);
  },
  "client|no-evict"(c, argv) {
    if (argv.is(2, "on")) c.noEvict = true;
    else if (argv.is(2, "off")) c.noEvict = false;
    else {
      c.w.error(SYNTAX);
      return;
    }
    c.w.ok();
  },
  "client|tracking"(c, argv) {
    if (argv.is(2, "off")) c.w.ok();
    else if (argv.is(2, "on")) c.w.error(TRACKING_UNSUPPORTED);
    else c.w.error(SYNTAX);
  },
  // Tracking is never on (CLIENT TRACKING ON is refused), so CACHING always finds it off.
  "client|caching"(c) {
    c.w.error(CACHING_WITHOUT_OPTMODE);
  },
  "client|trackinginfo"(c) {
    c.w.map(3);
    c.w.bulk("flags");
    c.w.set(1);
    c.w.bulk("off");
    c.w.bulk("redirect");
    c.w.int(-1);
    c.w.bulk("prefixes");
    c.w.array(0);
  },
  "client|getredir"(c) {
    c.w.int(-1);
  },
  "client|unblock"(c, argv, server) {
    if (argv.length > 4) {
      c.w.error(subcommandSyntaxError(argv));
      return;
    }
    const id = parseInt64(argv.str(2));
    if (id === null) {
      c.w.error(NOT_INTEGER);
      return;
    }
    let error = false;
    if (argv.length === 4) {
      if (argv.is(3, "error")) error = true;
      else if (!argv.is(3, "timeout")) {
        c.w.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        return;
      }
    }
    const target = server.clients.get(Number(id));
    if (target === undefined || target.unblock === null) {
      c.w.int(0);
      return;
    }
    target.unblock(error ? UNBLOCKED : null);
    c.w.int(1);
  },
  "client|help"(c) {
    replyHelp(c, CLIENT_HELP);
  },
};

/** Names are printable ASCII without spaces (Redis's validation). */
export function validName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

const MAX_TIMER = 2147483647n;
const TRACKING_UNSUPPORTED =
  "ERR client-side caching (CLIENT TRACKING) is not supported by hakv yet";

type ClientType = "normal" | "master" | "replica" | "pubsub";

/** CLIENT LIST / KILL TYPE names (slave is an alias of replica), or null. */
function clientType(name: string): ClientType | null {
  const n = name.toLowerCase();
  if (n === "normal" || n === "master" || n === "replica" || n === "pubsub") return n;
  return n === "slave" ? "replica" : null;
}

/** Every connection is a normal client until replication and pub/sub add theirs. */
function typeOfClient(c: Client): ClientType {
  if (c.replica) return "replica";
  if (c.master) return "master";
  return c.subscriptionCount > 0 ? "pubsub" : "normal";
}

/** Closes another client now; the caller itself is closed after its reply is sent. */
function killClient(server: Server, target: Client, caller: Client): void {
  if (target === caller) {
    target.closeAfterReply = true;
    return;
  }
  target.kill();
  server.removeClient(target);
}

/**
 * What a transaction costs a client, as Redis counts it for tot-mem: the queued arguments,
 * the queue's slots (24 bytes each, grown by doubling from 2) and 56 bytes per watched key.
 */
function multiOverhead(c: Client): number {
  let mem = (c.watched?.length ?? 0) * 56;
  const tx = c.multi;
  if (tx !== null && tx.count > 0) {
    let slots = 2;
    while (slots < tx.count) slots *= 2;
    mem += tx.memory + slots * 24;
  }
  return mem;
}

/** One CLIENT LIST line, with Redis 7.0's fields in its order. */
export function clientInfoLine(c: Client, caller: Client, current: Argv): string {
  const now = Date.now();
  const qbuf = c.queryBufferLength;
  const qbufFree = Math.max(0, READ_BUFFER - qbuf);
  // Only the caller is running a command; other clients' arguments are already released.
  let argvMem = 0;
  if (c === caller) { for (let i = 0; i < current.length; i++) argvMem += current.len(i); }
  const obl = c.w.length;
  const rbs = Math.max(REPLY_BUFFER, obl);
  const tx = c.multi;
  const multiMem = tx === null ? 0 : tx.memory;
  return `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=-1 name=${c.name} age=${
    Math.floor((now - c.createdAt) / 1000)
  } idle=${Math.floor((now - c.lastInteraction) / 1000)} flags=${c.flags()} db=${c.dbIndex} ` +
    `sub=${c.channels.size} psub=${c.patterns.size} ssub=${c.shardChannels.size} multi=${
      tx === null ? -1 : tx.count
    } qbuf=${qbuf} qbuf-free=${qbufFree} argv-mem=${argvMem} ` +
    `multi-mem=${multiMem} rbs=${rbs} rbp=${obl} obl=${obl} oll=0 omem=${
      pendingOutput(c) - obl
    } tot-mem=${clientMemory(c) + argvMem + multiOverhead(c)} events=${
      obl > 0 ? "rw" : "r"
    } cmd=${c.lastCommand} user=${c.user} redir=-1 resp=${c.protocol}`;
}
