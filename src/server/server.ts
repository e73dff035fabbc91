// The data node: owns the configuration, the keyspace, the connected clients and the periodic
// work (active expiry, idle timeouts, rates). Sockets are served by connection.ts, commands by
// dispatch.ts and the handlers.
import { type Command, type HandlerName, SERVER_REGISTRY } from "../commands/mod.ts";
import { ActiveExpirer, Keyspace } from "../engine/keyspace.ts";
import { CursorRegistry } from "../engine/scan.ts";
import type { Argv } from "../resp/mod.ts";
import { Logger } from "../_util/log.ts";
import { repr } from "../_util/repr.ts";
import { Client } from "./client.ts";
import type { Config } from "./config.ts";
import { serveConnection } from "./connection.ts";
import { MAX_CLIENTS } from "./errors.ts";
import type { Handler } from "./handler.ts";
import { HANDLERS } from "./handlers/mod.ts";
import { Stats } from "./stats.ts";
import { Blocking } from "./blocking.ts";
import { Watches } from "./multi.ts";
import { NOTIFY_EXPIRED, type NotifyClass, notifyKeyspaceEvent } from "./notify.ts";
import { PubSub } from "./pubsub.ts";
import { Persistence } from "./persistence/mod.ts";
import { Replication } from "./replication/mod.ts";
import { follow, type Follower, refreshReplicaGate } from "./replication/replica.ts";
import type { SnapshotWalker } from "./persistence/walker.ts";

export { HAKV_VERSION, REDIS_VERSION } from "./version.ts";

const PROTECTED_MODE_DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/**
 * Who holds commands back (Redis 7's pause purposes): CLIENT PAUSE, a FAILOVER waiting for its
 * target, and replicas too far behind the write stream (replication/mod.ts). Each is set and
 * lifted on its own; commands wait while any holds them.
 */
export type PausePurpose = "client" | "failover" | "replica-lag";

interface Pause {
  /** When it ends by itself (ms epoch); Infinity: when lifted. */
  until: number;
  /** Every command waits, not only writes. */
  all: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class Server {
  readonly registry = SERVER_REGISTRY;
  readonly keyspace: Keyspace;
  readonly stats: Stats;
  readonly clients = new Map<number, Client>();
  readonly monitors = new Set<Client>();
  readonly scans = new CursorRegistry<string>();
  /** Clients parked in blocking commands (blocking.ts). */
  readonly blocking: Blocking;
  /** Channel and pattern subscriptions (pubsub.ts). */
  readonly pubsub = new PubSub();
  /** WATCHed keys (multi.ts). */
  readonly watches: Watches;
  readonly runId: string;
  readonly startTime = Date.now();
  readonly log: Logger;
  readonly #expirer: ActiveExpirer;
  readonly #listeners: Deno.TcpListener[] = [];
  readonly #acceptLoops: Promise<void>[] = [];
  /** The `bind` value the listeners were opened for. */
  #bound = "";
  #listening = false;
  #nextClientId = 1;
  #cron: ReturnType<typeof setInterval> | undefined;
  #lastReplPing = Date.now();
  readonly #pauses = new Map<PausePurpose, Pause>();
  /** What held commands wait on; settled (and dropped) whenever a pause is lifted. */
  #pauseDone: PromiseWithResolvers<void> | null = null;
  #renamed = new Map<string, Command | null>();
  readonly #byLength: { name: string; cmd: Command }[][] = [];
  readonly #handlers: Handler[] = [];
  #stopping: Promise<void> | null = null;
  /** Resolves when the server has shut down (SHUTDOWN, signals, close()). */
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;
  /** Cached hot config values. */
  slowlogThreshold = 10000;
  maxBulkLen = 512 * 1024 * 1024;
  queryBufferLimit = 1024 * 1024 * 1024;
  requirePass = "";
  lastSave = Math.floor(Date.now() / 1000);
  /** Bytes lost to closed connections, for info. */
  port = 0;
  /** Set by SHUTDOWN/signals: the process exit code main.ts should use. */
  exitCode = 0;
  /** DEBUG SET-ACTIVE-EXPIRE 0 turns the active expiry cycle off (lazy expiry remains). */
  activeExpire = true;
  /**
   * While a connection runs a batch of commands synchronously: performance.now() when the last
   * command ended (or the batch began); -1 at any other time. A command then starts its clock
   * where the previous one stopped, so a pipelined command costs one clock read, not two (each
   * is ~100 ns, about 3% of a pipelined GET). Its time so includes its own parsing, which a
   * separate read would leave out. The socket loop resets it before every await.
   */
  batchClock = -1;
  /** Writes since the last save (INFO rdb_changes_since_last_save). */
  dirty = 0;
  /** Saves, save points, loading (persistence/mod.ts). */
  readonly persistence: Persistence;
  /** The master side of replication: id, offset, backlog, replicas (replication/mod.ts). */
  readonly repl: Replication;
  /** The master this node replicates (replication/replica.ts); null on a master. */
  replicaOf: Follower | null = null;
  /** A replica that may refuse commands (READONLY, MASTERDOWN): dispatch asks replica.ts. */
  replicaGate = false;
  /**
   * The background save's walk while it runs: every write must call `beforeWrite` for each key
   * it changes first (dispatch does it for the keys a command names).
   */
  snapshot: SnapshotWalker | null = null;
  /** After a failed background save with stop-writes-on-bgsave-error: refuse writes (MISCONF). */
  refuseWrites = false;
  /** min-replicas-to-write is set and fewer good replicas are connected: refuse writes. */
  noReplicas = false;
  /** While the dataset loads at start-up: refuse commands without the `loading` flag. */
  loadingData = false;
  /** Settles when start-up loading ends; rejects if the dump could not be loaded. */
  ready: Promise<void> = Promise.resolve();
  /** Heap + external bytes when the server started, and the highest seen since (INFO). */
  startupMemory = 0;
  memoryPeak = 0;

  constructor(readonly config: Config, log = new Logger()) {
    this.log = log;
    this.runId = randomHex(40);
    this.keyspace = new Keyspace({
      shards: config.int("shards"),
      databases: config.int("databases"),
    });
    this.#expirer = new ActiveExpirer(this.keyspace);
    this.blocking = new Blocking(this);
    this.keyspace.onStored = (db, key) => this.blocking.signalReady(db, key);
    this.keyspace.onExpired = (db, key) => {
      // Replicas never expire keys themselves: the master's DEL does it.
      this.repl.propagate(db, ["DEL", key]);
      this.watches.expired(db, key);
      this.notify(NOTIFY_EXPIRED, "expired", key, db);
    };
    this.watches = new Watches(this);
    this.pubsub.attach(this);
    this.stats = new Stats(this.registry.all().length);
    const mem = Deno.memoryUsage();
    this.startupMemory = this.memoryPeak = mem.heapUsed + mem.external;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    config.watch("slowlog-log-slower-than", (v) => (this.slowlogThreshold = Number(v)));
    config.watch("proto-max-bulk-len", (v) => (this.maxBulkLen = Number(v)));
    config.watch("client-query-buffer-limit", (v) => (this.queryBufferLimit = Number(v)));
    config.watch("requirepass", (v) => (this.requirePass = v));
    config.watch("loglevel", (v) => (this.log.level = v as Logger["level"]));
    config.watch("slowlog-max-len", (v) => {
      const max = Number(v);
      if (this.stats.slowlog.length > max) this.stats.slowlog.length = max;
    });
    config.watch("hz", () => this.#scheduleCron());
    this.persistence = new Persistence(this);
    this.repl = new Replication(this);
    config.watch("replica-read-only", () => refreshReplicaGate(this));
    config.watch("replica-serve-stale-data", () => refreshReplicaGate(this));
    for (const [from, to] of config.renames) {
      this.#renamed.set(from, null);
      if (to !== "") this.#renamed.set(to, this.registry.get(from) ?? null);
    }
    this.#buildLookup();
  }

  /** A top-level command by lower-case name, after `rename-command`. */
  commandByName(name: string): Command | undefined {
    if (this.#renamed.size > 0 && this.#renamed.has(name)) {
      return this.#renamed.get(name) ?? undefined;
    }
    return this.registry.get(name);
  }

  /**
   * The command named by argument 0, without allocating: names are bucketed by length and
   * compared byte-wise, and a hit moves to the front of its bucket, so pipelines of one
   * command find it first.
   */
  commandOf(argv: Argv): Command | undefined {
    const bucket = this.#byLength[argv.len(0)];
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const entry = bucket[i]!;
      if (argv.is(0, entry.name)) {
        if (i > 0) {
          bucket[i] = bucket[i - 1]!;
          bucket[i - 1] = entry;
        }
        return entry.cmd;
      }
    }
    return undefined;
  }

  #buildLookup(): void {
    for (const cmd of this.registry.top()) {
      const name = cmd.fullName;
      if (this.#renamed.has(name)) continue;
      (this.#byLength[name.length] ??= []).push({ name, cmd });
    }
    for (const [name, cmd] of this.#renamed) {
      if (cmd !== null) (this.#byLength[name.length] ??= []).push({ name, cmd });
    }
    for (const cmd of this.registry.all()) {
      this.#handlers[cmd.id] = HANDLERS[cmd.fullName as HandlerName];
    }
  }

  handlerFor(cmd: Command): Handler {
    return this.#handlers[cmd.id]!;
  }

  /** Creates the state for a new connection (also used by in-process tests). */
  newClient(addr: string, laddr: string): Client {
    const c = new Client(
      this.#nextClientId++,
      addr,
      laddr,
      this.keyspace.db(0),
      this.requirePass === "",
    );
    this.clients.set(c.id, c);
    this.stats.connectionsReceived++;
    return c;
  }

  removeClient(c: Client): void {
    this.clients.delete(c.id);
    this.monitors.delete(c);
    this.pubsub.removeClient(c);
    this.blocking.removeClient(c);
    this.watches.resetClient(c);
    if (c.replica) this.repl.clientGone(c);
    this.repl.waits.removeClient(c);
  }

  // --- What write commands report --------------------------------------------------------------

  /**
   * A command changed `key` (Redis's signalModifiedKey): WATCHers of it fail their EXEC.
   * Every write handler calls this for each key it changes, with `notify` and `dirty++`.
   */
  touch(dbIndex: number, key: string): void {
    this.watches.touch(dbIndex, key);
  }

  /** Publishes a keyspace notification when `notify-keyspace-events` selects its class. */
  notify(cls: NotifyClass, event: string, key: string, dbIndex: number): void {
    notifyKeyspaceEvent(this, cls, event, key, dbIndex);
  }

  // --- Listening ---------------------------------------------------------------------------

  /** Whether listen() ran: CONFIG SET bind / port then move the listeners. */
  get listening(): boolean {
    return this.#listening;
  }

  /** The `bind` addresses currently listened on. */
  get bound(): string {
    return this.#bound;
  }

  /** Binds every configured address and starts serving. */
  listen(): void {
    this.#listening = true;
    this.port = this.config.int("port");
    if (this.config.int("tls-port") !== 0) {
      throw new Error("TLS is not supported by hakv yet (tls-port must be 0)");
    }
    if (this.port === 0) {
      this.log.warning("port 0: not listening on TCP");
    } else {
      try {
        this.#bindAll(this.config.get("bind"), this.port);
      } catch (err) {
        throw new Error(
          `Failed listening on port ${this.port} (tcp), aborting: ${
            err instanceof Error ? err.message : err
          }`,
        );
      }
    }
    this.#scheduleCron();
    // The `replicaof` directive: follow that master once start-up loading is done.
    const master = this.config.get("replicaof");
    if (master !== "" && this.replicaOf === null) {
      const at = master.lastIndexOf(" ");
      follow(this, master.slice(0, at), Number(master.slice(at + 1)), { startup: true });
    }
  }

  /** Opens a listener per address of `bind` (`-addr` may fail); all or none. */
  #bindAll(bind: string, port: number): void {
    if (port === 0) return;
    const opened: Deno.TcpListener[] = [];
    for (const raw of bind.split(" ")) {
      const optional = raw.startsWith("-");
      const addr = optional ? raw.slice(1) : raw;
      const hostname = addr === "*" ? "0.0.0.0" : addr === "::*" ? "::" : addr;
      try {
        opened.push(Deno.listen({ hostname, port, transport: "tcp" }));
      } catch (err) {
        if (optional) continue;
        for (const l of opened) l.close();
        throw err;
      }
    }
    for (const l of opened) {
      this.#listeners.push(l);
      this.#acceptLoops.push(this.#accept(l));
    }
    this.#bound = bind;
  }

  /**
   * CONFIG SET bind / port: listens on the new addresses, or keeps the old ones and throws
   * `failure` if one cannot be bound. Closed sockets are released only once their pending
   * accept ends, hence async.
   */
  async rebind(bind: string, port: number, failure: string): Promise<void> {
    const oldBind = this.#bound;
    const oldPort = this.port;
    for (const l of this.#listeners.splice(0)) {
      try {
        l.close();
      } catch {
        // already closed
      }
    }
    await Promise.all(this.#acceptLoops.splice(0));
    try {
      this.#bindAll(bind, port);
      this.port = port;
    } catch (err) {
      this.log.warning(`Failed to bind: ${err instanceof Error ? err.message : err}`);
      try {
        this.#bindAll(oldBind, oldPort);
      } catch {
        this.log.warning("Failed to restore the old listening sockets");
      }
      throw new Error(failure);
    }
  }

  async #accept(listener: Deno.TcpListener): Promise<void> {
    while (true) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        return; // listener closed
      }
      this.#onConnection(conn);
    }
  }

  #onConnection(conn: Deno.TcpConn): void {
    const remote = conn.remoteAddr as Deno.NetAddr;
    if (this.clients.size >= this.config.int("maxclients")) {
      this.stats.rejectedConnections++;
      conn.write(new TextEncoder().encode(`-${MAX_CLIENTS}\r\n`)).catch(() => {}).finally(() =>
        conn.close()
      );
      return;
    }
    if (
      this.config.bool("protected-mode") && this.requirePass === "" && !isLoopback(remote.hostname)
    ) {
      this.stats.rejectedConnections++;
      conn.write(new TextEncoder().encode(PROTECTED_MODE_DENIED)).catch(() => {}).finally(() =>
        conn.close()
      );
      return;
    }
    try {
      conn.setNoDelay(true);
      const keepalive = this.config.int("tcp-keepalive");
      if (keepalive > 0) conn.setKeepAlive(true);
    } catch {
      // The peer may already be gone.
    }
    const local = conn.localAddr as Deno.NetAddr;
    const c = this.newClient(formatAddr(remote), formatAddr(local));
    serveConnection(this, c, conn).finally(() => this.removeClient(c));
  }

  // --- Periodic work -------------------------------------------------------------------------

  #scheduleCron(): void {
    if (this.#cron !== undefined) clearInterval(this.#cron);
    if (this.#listeners.length === 0 && this.port !== 0) return;
    const hz = Math.max(1, Math.min(500, this.config.int("hz")));
    this.#cron = setInterval(() => this.cron(1000 / hz), 1000 / hz);
  }

  /** One tick: active expiry within 25% of the tick, idle timeouts, rate samples, save points. */
  cron(periodMs: number): void {
    this.persistence.cron();
    this.repl.refreshGoodReplicas();
    this.repl.cron(Date.now());
    const now0 = Date.now();
    if (now0 - this.#lastReplPing >= this.config.int("repl-ping-replica-period") * 1000) {
      this.#lastReplPing = now0;
      this.repl.ping();
    }
    const effort = this.config.int("active-expire-effort");
    // A replica's keys expire by its master's DELs only.
    if (this.activeExpire && this.replicaOf === null) {
      this.#expirer.cycle(periodMs * (0.25 + (effort - 1) * 0.02), effort);
    }
    const now = Date.now();
    const mem = Deno.memoryUsage();
    if (mem.heapUsed + mem.external > this.memoryPeak) {
      this.memoryPeak = mem.heapUsed + mem.external;
    }
    this.stats.opsRate.sample(this.stats.commandsProcessed, now);
    this.stats.inputRate.sample(this.stats.netInputBytes, now);
    this.stats.outputRate.sample(this.stats.netOutputBytes, now);
    const timeout = this.config.int("timeout") * 1000;
    if (timeout > 0) {
      for (const c of this.clients.values()) {
        if (!c.monitor && now - c.lastInteraction > timeout) {
          this.log.verbose("Closing idle client");
          c.kill();
        }
      }
    }
  }

  // --- Client pause --------------------------------------------------------------------------

  /**
   * Holds commands (writes only, or all) for `purpose` until `until` (ms epoch; Infinity: until
   * `unpause`). The same purpose again extends, and ALL wins over WRITE, as CLIENT PAUSE does.
   */
  pause(purpose: PausePurpose, until: number, all: boolean): void {
    const p = this.#pauses.get(purpose);
    if (p !== undefined) {
      until = Math.max(p.until, until);
      all ||= p.all;
      clearTimeout(p.timer);
    }
    const timer = until === Infinity
      ? undefined
      : setTimeout(() => this.unpause(purpose), Math.max(0, until - Date.now()));
    this.#pauses.set(purpose, { until, all, timer });
  }

  /** Lifts `purpose`'s pause; held commands look again (another purpose may still hold them). */
  unpause(purpose: PausePurpose): void {
    const p = this.#pauses.get(purpose);
    if (p === undefined) return;
    clearTimeout(p.timer);
    this.#pauses.delete(purpose);
    const done = this.#pauseDone;
    this.#pauseDone = null;
    done?.resolve();
  }

  /** The promise a command must wait on while commands are paused, if any. */
  pauseFor(_c: Client, cmd: Command): Promise<void> | undefined {
    if (this.#pauses.size === 0) return undefined;
    let all = false;
    for (const p of this.#pauses.values()) all ||= p.all;
    if (all) {
      // Redis lets the commands that manage the pause itself through.
      if (cmd.fullName === "client|unpause" || cmd.fullName === "client|pause") return undefined;
    } else if (!cmd.isWrite && !cmd.flags.has("may_replicate")) return undefined;
    this.#pauseDone ??= Promise.withResolvers<void>();
    return this.#pauseDone.promise;
  }

  /** Whether `purpose` (by default: anything) holds commands now. */
  paused(purpose?: PausePurpose): boolean {
    return purpose === undefined ? this.#pauses.size > 0 : this.#pauses.has(purpose);
  }

  // --- Monitor and slow log ----------------------------------------------------------------

  feedMonitors(c: Client, argv: Argv): void {
    const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    let line = `${Math.floor(micros / 1e6)}.${
      String(micros % 1e6).padStart(6, "0")
    } [${c.dbIndex} ${c.addr}]`;
    const secret = secretArgs(argv);
    for (let i = 0; i < argv.length; i++) {
      line += secret(i) ? ' "(redacted)"' : ` ${repr(argv.str(i))}`;
    }
    // Every monitor sees it, the issuing one included (its reply is already written).
    for (const m of this.monitors) {
      m.w.simple(line);
      if (m !== c) m.interrupt();
    }
  }

  logSlow(c: Client, argv: Argv, micros: number, _cmd: Command): void {
    const max = this.config.int("slowlog-max-len");
    if (max === 0) return;
    const args: string[] = [];
    const shown = Math.min(argv.length, 32);
    const secret = secretArgs(argv);
    for (let i = 0; i < shown; i++) {
      const len = argv.len(i);
      if (shown < argv.length && i === shown - 1) {
        args.push(`... (${argv.length - shown + 1} more arguments)`);
        break;
      }
      if (secret(i)) {
        args.push("(redacted)");
        continue;
      }
      args.push(
        len > 128 ? `${argv.str(i).slice(0, 128)}... (${len - 128} more bytes)` : argv.str(i),
      );
    }
    this.stats.slowlog.unshift({
      id: this.stats.slowlogNextId++,
      time: Math.floor(Date.now() / 1000),
      micros,
      args,
      addr: c.addr,
      name: c.name,
    });
    if (this.stats.slowlog.length > max) this.stats.slowlog.length = max;
  }

  // --- Shutdown ------------------------------------------------------------------------------

  /** Stops listening, closes every client and resolves `closed`. */
  close(): Promise<void> {
    if (this.#stopping !== null) return this.#stopping;
    this.#stopping = (async () => {
      clearInterval(this.#cron);
      this.replicaOf?.stop();
      this.persistence.abortBackground();
      for (const purpose of [...this.#pauses.keys()]) this.unpause(purpose);
      for (const l of this.#listeners) {
        try {
          l.close();
        } catch {
          // already closed
        }
      }
      for (const c of this.clients.values()) c.kill();
      await new Promise((r) => setTimeout(r, 0));
      this.#resolveClosed();
    })();
    return this.#stopping;
  }

  /**
   * Must run before a write changes `key` in database `db` outside a command's named keys
   * (another database, a served blocked client): a background save copies the old value first.
   */
  beforeWrite(db: number, key: string): void {
    if (this.snapshot !== null) this.snapshot.beforeWrite(db, key);
  }

  /**
   * A graceful shutdown: log as Redis does, save if asked to or if save points are set (unless
   * NOSAVE), remove the pid file, close everything. Resolves false, still running, if the save
   * failed and `force` is not set.
   */
  async shutdown(
    options: { save?: boolean; nosave?: boolean; force?: boolean } = {},
  ): Promise<boolean> {
    this.log.warning("User requested shutdown...");
    const saved = this.persistence.shutdownSave({
      save: options.save ?? false,
      nosave: options.nosave ?? false,
    });
    if (!saved && options.force !== true) {
      this.log.warning(
        "Errors trying to shut down the server. Check the logs for more information.",
      );
      return false;
    }
    const pidfile = this.config.get("pidfile");
    if (pidfile !== "") {
      try {
        Deno.removeSync(pidfile);
        this.log.notice("Removing the pid file.");
      } catch {
        // already gone
      }
    }
    await this.close();
    this.log.warning("hakv is now ready to exit, bye bye...");
    return true;
  }

  /** The address clients can reach (tests use the first listener's port). */
  get addresses(): Deno.NetAddr[] {
    return this.#listeners.map((l) => l.addr as Deno.NetAddr);
  }
}

function isLoopback(host: string): boolean {
  return host.startsWith("127.") || host === "::1" || host === "::ffff:127.0.0.1" ||
    host === "localhost";
}

function formatAddr(a: Deno.NetAddr): string {
  return a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`;
}

/**
 * Which arguments MONITOR and the slow log must not show: AUTH's, HELLO's AUTH pair and the
 * values CONFIG SET gives requirepass / masterauth.
 */
function secretArgs(argv: Argv): (i: number) => boolean {
  if (argv.is(0, "auth")) return (i) => i > 0;
  if (argv.is(0, "hello")) {
    let at = -1;
    for (let i = 1; i + 2 < argv.length; i++) if (argv.is(i, "auth")) at = i;
    return (i) => at > 0 && (i === at + 1 || i === at + 2);
  }
  if (argv.is(0, "config") && argv.is(1, "set")) {
    return (i) =>
      i >= 3 && i % 2 === 1 && (argv.is(i - 1, "requirepass") || argv.is(i - 1, "masterauth"));
  }
  return () => false;
}

export function randomHex(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(Math.ceil(n / 2)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, n);
}
