// The sentinel's listener: client connections, their commands (the sentinel's command table:
// PING, INFO, ROLE, HELLO, AUTH, CLIENT, COMMAND, (P)(UN)SUBSCRIBE, PUBLISH, SHUTDOWN and
// SENTINEL), and Pub/Sub, which carries the sentinel's events to clients and hello messages in.
import { makeRoom } from "../_util/binary.ts";
import {
  allCommands,
  commandByFullName,
  writeCommandDocs,
  writeCommandInfo,
} from "../commands/describe.ts";
import {
  arityError,
  NOAUTH,
  unknownCommand,
  unknownSubcommand,
  WRONGPASS,
} from "../commands/errors.ts";
import { CLIENT_HELP, COMMAND_HELP } from "../commands/help.ts";
import { type Command, getKeysOf, SENTINEL_REGISTRY } from "../commands/mod.ts";
import { globMatch } from "../engine/glob.ts";
import { Argv, RequestParser, RespWriter } from "../resp/mod.ts";
import { parseInt64, SENTINEL_HANDLERS } from "./commands.ts";
import { F, HELLO_CHANNEL } from "./instance.ts";
import type { Sentinel } from "./monitor.ts";

const VERSION = "7.0.15";
const READ_CHUNK = 16 * 1024;
const MAX_BULK = 512 * 1024 * 1024;
const SYNTAX = "ERR syntax error";
const SUBSCRIBED_ALLOWED = new Set([
  "subscribe",
  "psubscribe",
  "unsubscribe",
  "punsubscribe",
  "ping",
  "quit",
  "reset",
]);

export class SentinelClient {
  readonly id: number;
  readonly conn: Deno.TcpConn;
  readonly w = new RespWriter();
  readonly addr: string;
  readonly laddr: string;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  name = "";
  libName = "";
  libVer = "";
  authenticated: boolean;
  user = "default";
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  lastCmd = "NULL";
  closed = false;
  /** CLIENT REPLY: "on", "off", or "skip" (the next command's reply is dropped). */
  replyMode: "on" | "off" | "skip" = "on";
  /** CLIENT TRACKING state; the sentinel has no keys, so nothing is ever invalidated. */
  tracking: Tracking | null = null;
  readonly #io: IoStats;
  #writing: Promise<void> = Promise.resolve();

  constructor(id: number, conn: Deno.TcpConn, opts: { authenticated: boolean; io: IoStats }) {
    this.id = id;
    this.conn = conn;
    this.authenticated = opts.authenticated;
    this.#io = opts.io;
    const r = conn.remoteAddr;
    const l = conn.localAddr;
    this.addr = `${r.hostname}:${r.port}`;
    this.laddr = `${l.hostname}:${l.port}`;
  }

  get subscriptions(): number {
    return this.channels.size + this.patterns.size;
  }

  /** Sends what the writer holds; writes are chained so they never interleave. */
  flush(): void {
    if (this.w.length === 0 || this.closed) return;
    const bytes = this.w.bytes().slice();
    this.w.reset();
    this.#io.netOutput += bytes.length;
    this.#io.writes++;
    this.#writing = this.#writing.then(async () => {
      let off = 0;
      while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
    }).catch(() => this.close());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

type Handler = (c: SentinelClient, argv: Argv) => void;

/** Byte and call counts for INFO stats, kept across connections. */
interface IoStats {
  netOutput: number;
  writes: number;
}

interface Tracking {
  flags: Set<"bcast" | "optin" | "optout" | "noloop">;
  redirect: number;
  prefixes: string[];
}

export class SentinelFront {
  readonly sentinel: Sentinel;
  readonly clients = new Map<number, SentinelClient>();
  readonly #channels = new Map<string, Set<SentinelClient>>();
  readonly #patterns = new Map<string, Set<SentinelClient>>();
  #nextId = 1;
  #listener: Deno.TcpListener | null = null;
  connectionsReceived = 0;
  commandsProcessed = 0;
  errorReplies = 0;
  netInput = 0;
  reads = 0;
  readonly #io: IoStats = { netOutput: 0, writes: 0 };
  /** Called when SHUTDOWN is accepted. */
  onShutdown: () => void = () => {};

  constructor(sentinel: Sentinel) {
    this.sentinel = sentinel;
  }

  listen(hostname: string, port: number): Deno.NetAddr {
    this.#listener = Deno.listen({ hostname, port });
    this.#accept(this.#listener);
    return this.#listener.addr as Deno.NetAddr;
  }

  close(): void {
    try {
      this.#listener?.close();
    } catch {
      // already closed
    }
    for (const c of this.clients.values()) c.close();
  }

  async #accept(listener: Deno.TcpListener): Promise<void> {
    try {
      for await (const conn of listener) {
        conn.setNoDelay(true);
        this.connectionsReceived++;
        const c = new SentinelClient(this.#nextId++, conn, {
          authenticated: this.sentinel.conf.requirepass === null,
          io: this.#io,
        });
        this.clients.set(c.id, c);
        this.#serve(c).finally(() => this.#drop(c));
      }
    } catch {
      // listener closed
    }
  }

  #drop(c: SentinelClient): void {
    c.close();
    this.clients.delete(c.id);
    for (const ch of c.channels) this.#unsub(this.#channels, ch, c);
    for (const p of c.patterns) this.#unsub(this.#patterns, p, c);
  }

  async #serve(c: SentinelClient): Promise<void> {
    let buf = new Uint8Array(READ_CHUNK);
    let start = 0;
    let end = 0;
    const parser = new RequestParser();
    const argv = new Argv();
    while (!c.closed) {
      if (end === buf.length) {
        buf = makeRoom(buf, start, end);
        end -= start;
        start = 0;
      }
      let n: number | null;
      try {
        n = await c.conn.read(buf.subarray(end));
      } catch {
        return;
      }
      if (n === null) return;
      end += n;
      this.netInput += n;
      this.reads++;
      while (start < end && !c.closed) {
        const used = parser.parse(buf, start, end, argv, {
          maxBulkLen: MAX_BULK,
          unauthenticated: !c.authenticated,
        });
        if (used === 0) break;
        if (used < 0) {
          c.w.error(parser.error);
          c.flush();
          c.close();
          return;
        }
        start += used;
        if (argv.length > 0) this.#dispatch(c, argv);
      }
      if (start === end) start = end = 0;
      c.flush();
    }
  }

  #dispatch(c: SentinelClient, argv: Argv): void {
    c.lastInteraction = Date.now();
    this.commandsProcessed++;
    const before = c.w.errors;
    const mark = c.w.length;
    const mode = c.replyMode;
    this.#run(c, argv);
    this.errorReplies += c.w.errors - before;
    // CLIENT REPLY OFF/SKIP: the reply is dropped (CLIENT REPLY ON's own OK is sent).
    if (mode !== "on" && c.replyMode !== "on") c.w.truncate(mark);
    if (mode === "skip" && c.replyMode === "skip") c.replyMode = "on";
  }

  #run(c: SentinelClient, argv: Argv): void {
    const name = argv.lower(0);
    let cmd: Command | undefined = SENTINEL_REGISTRY.get(name);
    if (cmd === undefined) {
      c.w.error(unknownCommand(argv.str(0), argv.strings(1)));
      return;
    }
    if (!arityOk(cmd, argv.length)) {
      c.w.error(arityError(cmd.fullName));
      return;
    }
    if (cmd.subcommands.size > 0) {
      const sub = cmd.subcommands.get(argv.lower(1));
      if (sub === undefined) {
        c.w.error(unknownSubcommand(argv.str(1), cmd.fullName));
        return;
      }
      cmd = sub;
      if (!arityOk(cmd, argv.length)) {
        c.w.error(arityError(cmd.fullName));
        return;
      }
    }
    c.lastCmd = cmd.fullName;
    if (!c.authenticated && !cmd.flags.has("no_auth")) {
      c.w.error(NOAUTH);
      return;
    }
    if (
      c.subscriptions > 0 && c.w.protocol === 2 &&
      !SUBSCRIBED_ALLOWED.has(cmd.parent?.fullName ?? cmd.fullName)
    ) {
      c.w.error(
        `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
      return;
    }
    const fullName = cmd.fullName;
    if (fullName.startsWith("sentinel|")) {
      (SENTINEL_HANDLERS as Record<string, (c: SentinelClient, a: Argv, s: Sentinel) => void>)[
        fullName
      ]!(c, argv, this.sentinel);
      return;
    }
    const h = this.#handlers[fullName];
    if (h === undefined) throw new Error(`no handler for ${fullName}`);
    h(c, argv);
  }

  // --- Pub/Sub ------------------------------------------------------------------------------

  #unsub(map: Map<string, Set<SentinelClient>>, key: string, c: SentinelClient): void {
    const set = map.get(key);
    if (set === undefined) return;
    set.delete(c);
    if (set.size === 0) map.delete(key);
  }

  /** Delivers a message to subscribers of `channel` and of matching patterns; returns receivers. */
  publish(channel: string, message: string): number {
    let n = 0;
    for (const c of this.#channels.get(channel) ?? []) {
      c.w.push(3);
      c.w.bulk("message");
      c.w.bulk(channel);
      c.w.bulk(message);
      c.flush();
      n++;
    }
    for (const [p, set] of this.#patterns) {
      if (!globMatch(p, channel)) continue;
      for (const c of set) {
        c.w.push(4);
        c.w.bulk("pmessage");
        c.w.bulk(p);
        c.w.bulk(channel);
        c.w.bulk(message);
        c.flush();
        n++;
      }
    }
    return n;
  }

  #subscribe(c: SentinelClient, argv: Argv, pattern: boolean): void {
    const mine = pattern ? c.patterns : c.channels;
    const map = pattern ? this.#patterns : this.#channels;
    for (let i = 1; i < argv.length; i++) {
      const ch = argv.str(i);
      if (!mine.has(ch)) {
        mine.add(ch);
        let set = map.get(ch);
        if (set === undefined) map.set(ch, set = new Set());
        set.add(c);
      }
      c.w.push(3);
      c.w.bulk(pattern ? "psubscribe" : "subscribe");
      c.w.bulk(ch);
      c.w.int(c.subscriptions);
    }
  }

  #unsubscribe(c: SentinelClient, argv: Argv, pattern: boolean): void {
    const mine = pattern ? c.patterns : c.channels;
    const map = pattern ? this.#patterns : this.#channels;
    const kind = pattern ? "punsubscribe" : "unsubscribe";
    const names = argv.length > 1 ? argv.strings(1) : [...mine];
    if (names.length === 0) {
      c.w.push(3);
      c.w.bulk(kind);
      c.w.nil();
      c.w.int(c.subscriptions);
      return;
    }
    for (const ch of names) {
      if (mine.delete(ch)) this.#unsub(map, ch, c);
      c.w.push(3);
      c.w.bulk(kind);
      c.w.bulk(ch);
      c.w.int(c.subscriptions);
    }
  }

  // --- Commands other than SENTINEL ---------------------------------------------------------

  readonly #handlers: Record<string, Handler> = {
    ping: (c, argv) => {
      if (argv.length > 2) return c.w.error(arityError("ping"));
      if (c.subscriptions > 0 && c.w.protocol === 2) {
        c.w.array(2);
        c.w.bulk("pong");
        c.w.bulk(argv.length === 2 ? argv.str(1) : "");
      } else if (argv.length === 2) c.w.bulkBytes(argv.bytes(1));
      else c.w.simple("PONG");
    },
    auth: (c, argv) => {
      if (argv.length > 3) return c.w.error(SYNTAX);
      const pass = this.sentinel.conf.requirepass;
      const user = argv.length === 3 ? argv.str(1) : "default";
      const given = argv.str(argv.length - 1);
      if (pass === null && argv.length === 2) {
        return c.w.error(
          "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        );
      }
      if (user !== "default" || (pass !== null && given !== pass)) return c.w.error(WRONGPASS);
      c.authenticated = true;
      c.w.ok();
    },
    hello: (c, argv) => {
      let proto = c.w.protocol as number;
      let i = 1;
      if (argv.length >= 2) {
        const v = argv.str(1);
        if (!/^-?\d+$/.test(v)) {
          return c.w.error("ERR Protocol version is not an integer or out of range");
        }
        proto = Number(v);
        if (proto < 2 || proto > 3) return c.w.error("NOPROTO unsupported protocol version");
        i = 2;
      }
      let setName: string | null = null;
      for (; i < argv.length; i++) {
        if (argv.is(i, "auth") && i + 2 < argv.length) {
          const pass = this.sentinel.conf.requirepass;
          const user = argv.str(i + 1);
          const given = argv.str(i + 2);
          if (user !== "default" || (pass !== null && given !== pass)) return c.w.error(WRONGPASS);
          c.authenticated = true;
          i += 2;
        } else if (argv.is(i, "setname") && i + 1 < argv.length) {
          setName = argv.str(i + 1);
          if (!validName(setName)) {
            return c.w.error(
              "ERR Client names cannot contain spaces, newlines or special characters.",
            );
          }
          i += 1;
        } else return c.w.error(`ERR Syntax error in HELLO option '${argv.str(i)}'`);
      }
      if (!c.authenticated) {
        return c.w.error(
          "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        );
      }
      if (setName !== null) c.name = setName;
      c.w.protocol = proto as 2 | 3;
      c.w.map(6);
      c.w.bulk("server");
      c.w.bulk("redis");
      c.w.bulk("version");
      c.w.bulk(VERSION);
      c.w.bulk("proto");
      c.w.int(proto);
      c.w.bulk("id");
      c.w.int(c.id);
      c.w.bulk("mode");
      c.w.bulk("sentinel");
      c.w.bulk("modules");
      c.w.array(0);
    },
    role: (c) => {
      c.w.array(2);
      c.w.bulk("sentinel");
      c.w.bulks([...this.sentinel.masters.keys()]);
    },
    info: (c, argv) => {
      // A plain bulk string in RESP3 too: the sentinel's INFO is not verbatim text.
      c.w.bulk(this.info(argv.length > 1 ? argv.strings(1).map((s) => s.toLowerCase()) : []));
    },
    shutdown: (c, argv) => {
      for (let i = 1; i < argv.length; i++) {
        if (argv.is(i, "abort")) return c.w.error("ERR No shutdown in progress.");
        if (!["nosave", "save", "now", "force"].some((w) => argv.is(i, w))) {
          return c.w.error(SYNTAX);
        }
      }
      this.onShutdown();
    },
    subscribe: (c, argv) => this.#subscribe(c, argv, false),
    psubscribe: (c, argv) => this.#subscribe(c, argv, true),
    unsubscribe: (c, argv) => this.#unsubscribe(c, argv, false),
    punsubscribe: (c, argv) => this.#unsubscribe(c, argv, true),
    publish: (c, argv) => {
      if (argv.str(1) !== HELLO_CHANNEL) {
        return c.w.error("ERR Only HELLO messages are accepted by Sentinel instances.");
      }
      this.sentinel.processHello(argv.str(2));
      c.w.int(1);
    },
    command: (c) => {
      c.w.array(SENTINEL_REGISTRY.size);
      for (const cmd of SENTINEL_REGISTRY.top()) writeCommandInfo(c.w, cmd);
    },
    "command|count": (c) => c.w.int(SENTINEL_REGISTRY.size),
    "command|info": (c, argv) => {
      if (argv.length === 2) return this.#handlers.command!(c, argv);
      c.w.array(argv.length - 2);
      for (let i = 2; i < argv.length; i++) {
        const cmd = commandByFullName(SENTINEL_REGISTRY, argv.str(i));
        if (cmd === undefined) c.w.nil();
        else writeCommandInfo(c.w, cmd);
      }
    },
    "command|docs": (c, argv) => {
      const cmds: Command[] = [];
      if (argv.length === 2) cmds.push(...SENTINEL_REGISTRY.top());
      for (let i = 2; i < argv.length; i++) {
        const cmd = commandByFullName(SENTINEL_REGISTRY, argv.str(i));
        if (cmd !== undefined) cmds.push(cmd);
      }
      c.w.map(cmds.length);
      for (const cmd of cmds) {
        c.w.bulk(cmd.fullName);
        writeCommandDocs(c.w, cmd);
      }
    },
    "command|list": (c, argv) => {
      let filter: (cmd: Command) => boolean = () => true;
      if (argv.length !== 2) {
        if (argv.length !== 5 || !argv.is(2, "filterby")) return c.w.error(SYNTAX);
        const value = argv.str(4);
        if (argv.is(3, "module")) filter = () => false;
        else if (argv.is(3, "aclcat")) {
          filter = (cmd) => !cmd.spec.container && cmd.categories.includes(value.toLowerCase());
        } else if (argv.is(3, "pattern")) filter = (cmd) => globMatch(value, cmd.fullName, true);
        else return c.w.error(SYNTAX);
      }
      const names: string[] = [];
      for (const cmd of allCommands(SENTINEL_REGISTRY)) if (filter(cmd)) names.push(cmd.fullName);
      c.w.bulks(names);
    },
    "command|getkeys": (c, argv) => this.#getKeys(c, argv, false),
    "command|getkeysandflags": (c, argv) => this.#getKeys(c, argv, true),
    "command|help": (c) => statusLines(c, COMMAND_HELP),
    "client|id": (c) => c.w.int(c.id),
    "client|getname": (c) => c.name === "" ? c.w.nil() : c.w.bulk(c.name),
    "client|setname": (c, argv) => {
      const name = argv.str(2);
      if (!validName(name)) {
        return c.w.error("ERR Client names cannot contain spaces, newlines or special characters.");
      }
      c.name = name;
      c.w.ok();
    },
    "client|setinfo": (c, argv) => {
      if (argv.length !== 4) return c.w.error(arityError("client|setinfo"));
      const v = argv.str(3);
      if (argv.is(2, "lib-name")) c.libName = v;
      else if (argv.is(2, "lib-ver")) c.libVer = v;
      else return c.w.error(`ERR Unrecognized option '${argv.str(2)}'`);
      c.w.ok();
    },
    "client|list": (c, argv) => {
      let selected: Iterable<SentinelClient> = this.clients.values();
      if (argv.length === 4 && argv.is(2, "type")) {
        const type = argv.lower(3);
        if (!CLIENT_TYPES.has(type)) {
          return c.w.error(`ERR Unknown client type '${argv.str(3)}'`);
        }
        selected = [...this.clients.values()].filter((o) => typeOf(o) === type);
      } else if (argv.length > 3 && argv.is(2, "id")) {
        const picked: SentinelClient[] = [];
        for (let i = 3; i < argv.length; i++) {
          const id = parseInt64(argv.str(i));
          if (id === null) return c.w.error("ERR Invalid client ID");
          const o = this.clients.get(id);
          if (o !== undefined && !picked.includes(o)) picked.push(o);
        }
        selected = picked;
      } else if (argv.length !== 2) return c.w.error(SYNTAX);
      let text = "";
      for (const other of selected) text += this.#clientLine(other) + "\n";
      c.w.verbatim(text);
    },
    "client|info": (c) => c.w.verbatim(this.#clientLine(c) + "\n"),
    "client|kill": (c, argv) => this.#kill(c, argv),
    // The sentinel has no writes and no keys: a pause has nothing to hold back.
    "client|pause": (c, argv) => {
      if (argv.length > 4) {
        return c.w.error(
          "ERR unknown subcommand or wrong number of arguments for 'pause'. Try CLIENT HELP.",
        );
      }
      const ms = parseInt64(argv.str(2));
      if (ms === null) return c.w.error("ERR timeout is not an integer or out of range");
      if (ms < 0) return c.w.error("ERR timeout is negative");
      if (argv.length === 4 && !argv.is(3, "write") && !argv.is(3, "all")) {
        return c.w.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      }
      c.w.ok();
    },
    "client|unpause": (c) => c.w.ok(),
    "client|reply": (c, argv) => {
      if (argv.is(2, "on")) {
        c.replyMode = "on";
        c.w.ok();
      } else if (argv.is(2, "off")) c.replyMode = "off";
      else if (argv.is(2, "skip")) {
        if (c.replyMode === "on") c.replyMode = "skip";
      } else c.w.error(SYNTAX);
    },
    "client|no-evict": (c, argv) => {
      if (argv.is(2, "on") || argv.is(2, "off")) c.w.ok();
      else c.w.error(SYNTAX);
    },
    "client|tracking": (c, argv) => this.#tracking(c, argv),
    "client|caching": (c, argv) => {
      const t = c.tracking;
      if (t === null || !(t.flags.has("optin") || t.flags.has("optout"))) {
        return c.w.error(
          "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        );
      }
      if (argv.is(2, "yes")) {
        if (!t.flags.has("optin")) {
          return c.w.error(
            "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
          );
        }
      } else if (argv.is(2, "no")) {
        if (!t.flags.has("optout")) {
          return c.w.error(
            "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
          );
        }
      } else return c.w.error(SYNTAX);
      c.w.ok();
    },
    "client|trackinginfo": (c) => {
      const t = c.tracking;
      const flags = t === null ? ["off"] : ["on", ...TRACKING_FLAGS.filter((f) => t.flags.has(f))];
      c.w.map(3);
      c.w.bulk("flags");
      c.w.set(flags.length);
      for (const f of flags) c.w.bulk(f);
      c.w.bulk("redirect");
      c.w.int(t === null ? -1 : t.redirect);
      c.w.bulk("prefixes");
      c.w.bulks(t?.prefixes ?? []);
    },
    "client|getredir": (c) => c.w.int(c.tracking === null ? -1 : c.tracking.redirect),
    "client|unblock": (c, argv) => {
      // Nothing blocks in a sentinel: any valid call unblocks no one.
      if (parseInt64(argv.str(2)) === null) {
        return c.w.error("ERR value is not an integer or out of range");
      }
      if (
        argv.length > 4 || (argv.length === 4 && !argv.is(3, "timeout") && !argv.is(3, "error"))
      ) {
        return c.w.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      }
      c.w.int(0);
    },
    "client|help": (c) => statusLines(c, CLIENT_HELP),
  };

  #getKeys(c: SentinelClient, argv: Argv, withFlags: boolean): void {
    const cmd = SENTINEL_REGISTRY.get(argv.lower(2));
    if (cmd === undefined) return c.w.error("ERR Invalid command specified");
    const r = getKeysOf(cmd, { length: argv.length - 2, str: (i) => argv.str(2 + i) });
    if (typeof r === "string") return c.w.error(r);
    c.w.array(r.length);
    for (const k of r) {
      if (withFlags) c.w.array(2);
      c.w.bulkBytes(argv.bytes(2 + k.pos));
      if (withFlags) {
        c.w.set(k.flags.length);
        for (const f of k.flags) c.w.simple(f);
      }
    }
  }

  /** CLIENT TRACKING ON|OFF with its options, checked as Redis checks them. */
  #tracking(c: SentinelClient, argv: Argv): void {
    const flags = new Set<"bcast" | "optin" | "optout" | "noloop">();
    const prefixes: string[] = [];
    let redirect = 0;
    for (let i = 3; i < argv.length; i++) {
      if (argv.is(i, "redirect") && i + 1 < argv.length) {
        const id = parseInt64(argv.str(++i));
        if (id === null) return c.w.error("ERR value is not an integer or out of range");
        if (!this.clients.has(id)) {
          return c.w.error("ERR The client ID you want redirect to does not exist");
        }
        redirect = id;
      } else if (argv.is(i, "bcast")) flags.add("bcast");
      else if (argv.is(i, "optin")) flags.add("optin");
      else if (argv.is(i, "optout")) flags.add("optout");
      else if (argv.is(i, "noloop")) flags.add("noloop");
      else if (argv.is(i, "prefix") && i + 1 < argv.length) prefixes.push(argv.str(++i));
      else return c.w.error(SYNTAX);
    }
    if (argv.is(2, "off")) {
      c.tracking = null;
      return c.w.ok();
    }
    if (!argv.is(2, "on")) return c.w.error(SYNTAX);
    if (flags.has("bcast") && (flags.has("optin") || flags.has("optout"))) {
      return c.w.error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    }
    if (flags.has("optin") && flags.has("optout")) {
      return c.w.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    }
    if (prefixes.length > 0 && !flags.has("bcast")) {
      return c.w.error("ERR PREFIX option requires BCAST mode to be enabled");
    }
    const old = c.tracking;
    if (old !== null && old.flags.has("bcast") !== flags.has("bcast")) {
      return c.w.error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    }
    // New prefixes may overlap neither those the client already has nor each other.
    const overlap = (x: string, y: string) => x.startsWith(y) || y.startsWith(x);
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i]!;
      const had = old?.prefixes.find((q) => overlap(p, q));
      if (had !== undefined) {
        return c.w.error(
          `ERR Prefix '${p}' overlaps with an existing prefix '${had}'. Prefixes for a single client must not overlap.`,
        );
      }
      const other = prefixes.find((q, j) => j !== i && overlap(p, q));
      if (other !== undefined) {
        return c.w.error(
          `ERR Prefix '${p}' overlaps with another provided prefix '${other}'. Prefixes for a single client must not overlap.`,
        );
      }
    }
    if (
      old !== null && ((flags.has("optin") && old.flags.has("optout")) ||
        (flags.has("optout") && old.flags.has("optin")))
    ) {
      return c.w.error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    }
    // BCAST without a prefix tracks every key: the empty prefix. Prefixes add up and are kept
    // sorted, as Redis's radix tree lists them.
    const all = [...(old?.prefixes ?? []), ...prefixes];
    if (flags.has("bcast") && prefixes.length === 0) all.push("");
    const sorted = [...new Set(all)].sort();
    c.tracking = { flags, redirect, prefixes: sorted };
    c.w.ok();
  }

  #kill(c: SentinelClient, argv: Argv): void {
    if (argv.length === 3) {
      const addr = argv.str(2);
      const target = [...this.clients.values()].find((o) => o.addr === addr);
      if (target === undefined) return c.w.error("ERR No such client");
      c.w.ok();
      c.flush();
      target.close();
      return;
    }
    const filters: ((o: SentinelClient) => boolean)[] = [];
    let skipMe = true;
    for (let i = 2; i < argv.length; i += 2) {
      if (i + 1 >= argv.length) return c.w.error(SYNTAX);
      const v = argv.str(i + 1);
      if (argv.is(i, "id")) {
        const id = parseInt64(v);
        if (id === null || id < 1) return c.w.error("ERR client-id should be greater than 0");
        filters.push((o) => o.id === id);
      } else if (argv.is(i, "addr")) filters.push((o) => o.addr === v);
      else if (argv.is(i, "laddr")) filters.push((o) => o.laddr === v);
      else if (argv.is(i, "user")) filters.push((o) => o.user === v);
      else if (argv.is(i, "type")) {
        const t = v.toLowerCase();
        if (!CLIENT_TYPES.has(t)) return c.w.error(`ERR Unknown client type '${v}'`);
        filters.push((o) => typeOf(o) === t);
      } else if (argv.is(i, "skipme")) {
        if (v.toLowerCase() === "yes") skipMe = true;
        else if (v.toLowerCase() === "no") skipMe = false;
        else return c.w.error(SYNTAX);
      } else return c.w.error(SYNTAX);
    }
    let n = 0;
    for (const o of [...this.clients.values()]) {
      if (skipMe && o === c) continue;
      if (!filters.every((f) => f(o))) continue;
      n++;
      if (o === c) {
        c.w.int(n);
        c.flush();
      }
      o.close();
    }
    c.w.int(n);
  }

  #clientLine(o: SentinelClient): string {
    const now = Date.now();
    return `id=${o.id} addr=${o.addr} laddr=${o.laddr} fd=${o.id + 7} name=${o.name} ` +
      `age=${Math.floor((now - o.createdAt) / 1000)} idle=${
        Math.floor((now - o.lastInteraction) / 1000)
      } ` +
      `flags=${
        o.subscriptions > 0 ? "P" : "N"
      } db=0 sub=${o.channels.size} psub=${o.patterns.size} ` +
      `ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 ` +
      `omem=0 tot-mem=0 events=r cmd=${o.lastCmd} user=${o.user} redir=-1 resp=${o.w.protocol}` +
      (o.libName !== "" || o.libVer !== "" ? ` lib-name=${o.libName} lib-ver=${o.libVer}` : "");
  }

  /** INFO for a sentinel: Server, Clients, Stats, CPU and Sentinel, with Redis's fields. */
  info(sections: string[]): string {
    const s = this.sentinel;
    const all = sections.length === 0 ||
      sections.some((x) => x === "all" || x === "everything" || x === "default");
    const want = (name: string) => all || sections.includes(name);
    const out: string[] = [];
    const now = Date.now();
    const section = (title: string, fields: [string, string | number][]) => {
      if (out.length > 0) out.push("");
      out.push(`# ${title}`);
      for (const [k, v] of fields) out.push(`${k}:${v}`);
    };
    if (want("server")) {
      const up = Math.floor((now - s.startTime) / 1000);
      section("Server", [
        ["redis_version", VERSION],
        ["redis_git_sha1", "00000000"],
        ["redis_git_dirty", 0],
        ["redis_build_id", "0000000000000000"],
        ["redis_mode", "sentinel"],
        ["os", osName()],
        ["arch_bits", 64],
        ["monotonic_clock", "POSIX clock_gettime"],
        ["multiplexing_api", Deno.build.os === "linux" ? "epoll" : "kqueue"],
        ["atomicvar_api", "c11-builtin"],
        ["gcc_version", "0.0.0"],
        ["process_id", Deno.pid],
        ["process_supervised", "no"],
        ["run_id", s.myid],
        ["tcp_port", s.port],
        ["server_time_usec", now * 1000],
        ["uptime_in_seconds", up],
        ["uptime_in_days", Math.floor(up / 86400)],
        ["hz", 10],
        ["configured_hz", 10],
        ["lru_clock", Math.floor(now / 1000) % (1 << 24)],
        ["executable", Deno.execPath()],
        ["config_file", s.conf.file],
        ["io_threads_active", 0],
      ]);
    }
    if (want("clients")) {
      section("Clients", [
        ["connected_clients", this.clients.size],
        ["cluster_connections", 0],
        ["maxclients", 10000],
        ["client_recent_max_input_buffer", 0],
        ["client_recent_max_output_buffer", 0],
        ["blocked_clients", 0],
        ["tracking_clients", 0],
        ["clients_in_timeout_table", 0],
      ]);
    }
    if (want("stats")) {
      const zero = (names: string[]) => names.map((n): [string, number] => [n, 0]);
      section("Stats", [
        ["total_connections_received", this.connectionsReceived],
        ["total_commands_processed", this.commandsProcessed],
        ["instantaneous_ops_per_sec", 0],
        ["total_net_input_bytes", this.netInput],
        ["total_net_output_bytes", this.#io.netOutput],
        ["total_net_repl_input_bytes", 0],
        ["total_net_repl_output_bytes", 0],
        ["instantaneous_input_kbps", "0.00"],
        ["instantaneous_output_kbps", "0.00"],
        ["instantaneous_input_repl_kbps", "0.00"],
        ["instantaneous_output_repl_kbps", "0.00"],
        ...zero(["rejected_connections", "sync_full", "sync_partial_ok", "sync_partial_err"]),
        ["expired_keys", 0],
        ["expired_stale_perc", "0.00"],
        ...zero([
          "expired_time_cap_reached_count",
          "expire_cycle_cpu_milliseconds",
          "evicted_keys",
          "evicted_clients",
          "total_eviction_exceeded_time",
          "current_eviction_exceeded_time",
          "keyspace_hits",
          "keyspace_misses",
        ]),
        ["pubsub_channels", this.#channels.size],
        ["pubsub_patterns", this.#patterns.size],
        ...zero([
          "pubsubshard_channels",
          "latest_fork_usec",
          "total_forks",
          "migrate_cached_sockets",
          "slave_expires_tracked_keys",
          "active_defrag_hits",
          "active_defrag_misses",
          "active_defrag_key_hits",
          "active_defrag_key_misses",
          "total_active_defrag_time",
          "current_active_defrag_time",
          "tracking_total_keys",
          "tracking_total_items",
          "tracking_total_prefixes",
          "unexpected_error_replies",
        ]),
        ["total_error_replies", this.errorReplies],
        ["dump_payload_sanitizations", 0],
        ["total_reads_processed", this.reads],
        ["total_writes_processed", this.#io.writes],
        ...zero([
          "io_threaded_reads_processed",
          "io_threaded_writes_processed",
          "reply_buffer_shrinks",
          "reply_buffer_expands",
        ]),
      ]);
    }
    if (want("cpu")) {
      // utime and stime, fields 14 and 15 of /proc/self/stat, in clock ticks (100 a second).
      let user = 0;
      let sys = 0;
      try {
        const stat = Deno.readTextFileSync("/proc/self/stat");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        user = Number(f[11]) / 100;
        sys = Number(f[12]) / 100;
      } catch {
        // not Linux
      }
      section("CPU", [
        ["used_cpu_sys", sys.toFixed(6)],
        ["used_cpu_user", user.toFixed(6)],
        ["used_cpu_sys_children", "0.000000"],
        ["used_cpu_user_children", "0.000000"],
        ["used_cpu_sys_main_thread", sys.toFixed(6)],
        ["used_cpu_user_main_thread", user.toFixed(6)],
      ]);
    }
    if (want("sentinel")) {
      const fields: [string, string | number][] = [
        ["sentinel_masters", s.masters.size],
        ["sentinel_tilt", s.tilt ? 1 : 0],
        [
          "sentinel_tilt_since_seconds",
          s.tilt ? Math.floor((now - s.tiltStartTime) / 1000) : -1,
        ],
        ["sentinel_running_scripts", s.scripts.running],
        ["sentinel_scripts_queue_length", s.scripts.jobs.length],
        [
          "sentinel_simulate_failure_flags",
          (s.simulate.has("crash-after-election") ? 1 : 0) |
          (s.simulate.has("crash-after-promotion") ? 2 : 0),
        ],
      ];
      let i = 0;
      for (const m of s.masters.values()) {
        const status = m.has(F.O_DOWN) ? "odown" : m.has(F.S_DOWN) ? "sdown" : "ok";
        const a = s.currentMasterAddr(m);
        fields.push([
          `master${i++}`,
          `name=${m.name},status=${status},address=${a.host}:${a.port},` +
          `slaves=${m.replicas.size},sentinels=${m.sentinels.size + 1}`,
        ]);
      }
      section("Sentinel", fields);
    }
    return out.length === 0 ? "" : out.join("\r\n") + "\r\n";
  }
}

/** `uname -s -r -m`, as Redis prints it in INFO's os field. */
function osName(): string {
  const names: Record<string, string> = { linux: "Linux", darwin: "Darwin", windows: "Windows" };
  let release = "";
  try {
    release = Deno.osRelease();
  } catch {
    // not permitted
  }
  const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
  return `${names[Deno.build.os] ?? Deno.build.os} ${release} ${arch}`;
}

/** CLIENT TRACKINGINFO lists a client's flags in this order. */
const TRACKING_FLAGS = ["bcast", "optin", "optout", "noloop"] as const;

/** CLIENT LIST / KILL TYPE names; a sentinel's clients are only ever normal or pubsub. */
const CLIENT_TYPES = new Set(["normal", "master", "replica", "slave", "pubsub"]);

function typeOf(o: SentinelClient): string {
  return o.subscriptions > 0 ? "pubsub" : "normal";
}

/** A HELP reply: an array of status lines. */
function statusLines(c: SentinelClient, lines: readonly string[]): void {
  c.w.array(lines.length);
  for (const line of lines) c.w.simple(line);
}

function arityOk(cmd: Command, argc: number): boolean {
  const a = cmd.spec.arity;
  return a > 0 ? argc === a : argc >= -a;
}

function validName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  return true;
}
