// A master's side of Redis replication: the replication id and offset, the backlog, the replicas
// attached by PSYNC/SYNC, and the stream of writes they receive. A full sync sends a point-in-time
// image made by the same walk as BGSAVE (no fork, no dump file): diskless `$EOF:<mark>` framing
// for replicas that announce `capa eof`, else `$<length>`. The stream is kept once, in the
// replication log (backlog.ts); each replica's output is its position in it. Writes made while
// an image is sent stay in the log and follow the image; an online replica is handed the log a
// window at a time as its socket drains. Propagation is what changed data (the dirty counter
// moved), as in Redis.
//
// A replica that falls too far behind (its client-output-buffer-limit) while it is still reading
// makes writers wait for it instead of being dropped: dropping it would force another full sync,
// which falls behind the same way (Redis's endless full-sync loop). One that stops reading and
// sends nothing for STALL_MS is dropped, as Redis drops it, and the writers go on.
import { encodeCommand } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import { pendingOutput } from "../connection.ts";
import { snapshotWalker } from "../persistence/snapshot.ts";
import type { Server } from "../server.ts";
import { randomHex } from "../server.ts";
import { ReplLog } from "./backlog.ts";
import { Failover } from "./failover.ts";
import { Waits } from "./wait.ts";

type LinkState = "wait_bgsave" | "send_bulk" | "online";

/** One replica, on the connection that sent PSYNC or SYNC. */
export class ReplicaLink {
  state: LinkState = "wait_bgsave";
  /** The offset the replica last acknowledged (REPLCONF ACK), and when (ms). */
  ackOffset = 0;
  ackTime = Date.now();
  /**
   * Offset of the next stream byte to hand to this replica's socket. Until its image is taken
   * it needs none of the log (the image will cover it).
   */
  next = Number.MAX_SAFE_INTEGER;
  /** Bytes to send ahead of the log's once the image is through (a relayed stream's SELECT). */
  lead: Uint8Array | null = null;
  /** When this replica's output first passed the soft limit (0: it is under it). */
  softSince = 0;
  /** An `$EOF:` image was sent: the stream starts on the replica's first ACK. */
  awaitingAck = false;
  /** Over its output limit while still reading: writers wait for it. */
  throttling = false;
  /** When its socket last drained (what the replica reads is its progress). */
  drainedAt = Date.now();
  constructor(readonly c: Client, readonly port: number, readonly ip: string) {}

  /** True while the replica reads its stream or talks to the master (ACKs, keepalives). */
  alive(now: number): boolean {
    return now - Math.max(this.drainedAt, this.c.lastInteraction) <= STALL_MS;
  }
}

/** Stream bytes handed to an online replica's socket buffer at a time. */
const WINDOW = 1024 * 1024;
/**
 * A replica over its output limit that has neither read nor sent anything for this long is
 * gone, not slow: it is dropped and writers stop waiting for it. Replicas ACK every second and
 * send keepalives every second while they load an image, Redis's and hakv's alike.
 */
const STALL_MS = 3000;
/** Output a full sync lets pile up for a replica before it waits for the socket. */
const SYNC_OUTPUT_LIMIT = 8 * 1024 * 1024;
const BUSY_SLICE_MS = 0.25;
const IDLE_SLICE_MS = 20;
const PING_STREAM = encodeCommand(["PING"]);
export const NOREPLICAS = "NOREPLICAS Not enough good replicas to write.";
const GETACK_STREAM = encodeCommand(["REPLCONF", "GETACK", "*"]);

export class Replication {
  readonly #server: Server;
  replid = randomHex(40);
  replid2 = "0".repeat(40);
  secondOffset = -1;
  /** master_repl_offset: stream bytes produced since the replication id began. */
  offset = 0;
  /** The replication log; its last repl-backlog-size bytes are the backlog. */
  backlog: ReplLog | null = null;
  readonly replicas = new Set<ReplicaLink>();
  /** The database the stream has selected (-1: the next command selects one). */
  #streamDb = -1;
  /** Commands of an EXEC, wrapped in MULTI/EXEC when there is more than one. */
  #tx: [number, string[]][] | null = null;
  /**
   * This node follows a master (replication/replica.ts): its stream and backlog carry the
   * master's bytes, relayed as applied, and nothing of its own; `relayDb` is the database the
   * relayed stream has selected (what a sub-replica's full sync must start in).
   */
  following = false;
  relayDb = 0;
  /** While following: false until the link to the master is up (sub-replicas must wait). */
  linkUp = true;
  /** INFO stats. */
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;

  /** client-output-buffer-limit for the replica class: hard, soft bytes, soft seconds. */
  #limit = { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, seconds: 60 };

  /** FAILOVER's state (failover.ts). */
  readonly failover: Failover;

  constructor(server: Server) {
    this.#server = server;
    this.failover = new Failover(server);
    server.config.watch("min-replicas-to-write", () => this.refreshGoodReplicas());
    server.config.watch("min-replicas-max-lag", () => this.refreshGoodReplicas());
    server.config.watch("repl-backlog-size", (v) => {
      if (this.backlog !== null) this.backlog.size = Number(v);
    });
    server.config.watch("client-output-buffer-limit", (v) => {
      const w = v.split(" ");
      for (let k = 0; k + 3 < w.length; k += 4) {
        if (w[k] !== "slave" && w[k] !== "replica") continue;
        this.#limit = { hard: Number(w[k + 1]), soft: Number(w[k + 2]), seconds: Number(w[k + 3]) };
      }
    });
  }

  /** True once anything must be recorded: a backlog exists or replicas are attached. */
  get active(): boolean {
    return this.backlog !== null && !this.following;
  }

  /**
   * Set by a handler while it runs: what its command propagates as instead of itself (Redis's
   * rewriteClientCommandVector / alsoPropagate), for effects that must not be recomputed on
   * a replica (randomness, relative times). Dispatch takes it after the handler.
   */
  #rewrites: string[][] | null = null;

  /**
   * Called by a handler: its command reaches replicas and the backlog as `commands` (in order)
   * instead of as sent. Calling it again adds more. Cheap when nothing replicates.
   */
  rewrite(...commands: string[][]): void {
    if (this.backlog === null || this.following) return;
    if (this.#rewrites === null) this.#rewrites = [];
    this.#rewrites.push(...commands);
  }

  /** Dispatch, after a handler: the rewrites it asked for, clearing them; null if none. */
  takeRewrites(): string[][] | null {
    const r = this.#rewrites;
    this.#rewrites = null;
    return r;
  }

  /**
   * Something changed data: it goes to the stream (the command as sent, a handler's rewrite, an
   * expiry's DEL). Within a command or an EXEC it joins that group (see `endCommand`).
   */
  propagate(db: number, args: string[]): void {
    if (this.backlog === null || this.following) return;
    if (this.#tx !== null) {
      this.#tx.push([db, args]);
      return;
    }
    if (this.#cmd !== null) {
      this.#cmd.push([db, args]);
      return;
    }
    this.#feed(db, [args]);
  }

  /** What one command propagates (a DEL of a key it found expired, then its own effects). */
  #cmd: [number, string[]][] | null = null;

  /** Dispatch, before a handler: collect what the command propagates. */
  beginCommand(): void {
    if (this.backlog !== null && !this.following && this.#tx === null) this.#cmd = [];
  }

  /**
   * Dispatch, after it: send the command's effects, as one MULTI/EXEC when there are several,
   * as Redis 7.0 does. Returns how many commands went out.
   */
  endCommand(): number {
    const cmd = this.#cmd;
    this.#cmd = null;
    if (cmd === null || cmd.length === 0 || this.following) return 0;
    this.#sendGroup(cmd);
    return cmd.length;
  }

  /** EXEC begins: its writes are collected and sent together. */
  beginTransaction(): void {
    if (this.backlog !== null && !this.following) this.#tx = [];
  }

  endTransaction(): void {
    const tx = this.#tx;
    this.#tx = null;
    if (tx !== null && tx.length > 0) this.#sendGroup(tx);
  }

  /** One command as it is; several wrapped in MULTI/EXEC, with SELECTs where the db changes. */
  #sendGroup(tx: [number, string[]][]): void {
    if (tx.length === 1) {
      this.#feed(tx[0]![0], [tx[0]![1]]);
      return;
    }
    const parts: Uint8Array[] = [];
    let db = tx[0]![0];
    if (this.#streamDb !== db) parts.push(encodeCommand(["SELECT", String(db)]));
    parts.push(encodeCommand(["MULTI"]));
    for (const [d, args] of tx) {
      if (d !== db) {
        parts.push(encodeCommand(["SELECT", String(d)]));
        db = d;
      }
      parts.push(encodeCommand(args));
    }
    parts.push(encodeCommand(["EXEC"]));
    this.#streamDb = db;
    this.#emit(parts);
  }

  /** The master's periodic PING into the stream (repl-ping-replica-period). */
  ping(): void {
    // A failing-over master keeps its offset still for the target to reach (Redis pauses it).
    if (this.replicas.size > 0 && !this.following && !this.failover.active) {
      this.#emit([PING_STREAM]);
    }
  }

  // --- Following a master (replica.ts drives these) ------------------------------------------

  /** Bytes of the master's stream this node applied: into the backlog and to sub-replicas. */
  relay(bytes: Uint8Array): void {
    this.#ensureBacklog();
    this.#emit([bytes]);
  }

  /**
   * A full sync from the master: its replication id and offset become this node's, with a
   * fresh backlog; sub-replicas must sync again.
   */
  adoptFull(replid: string, offset: number): void {
    this.replid = replid;
    this.replid2 = "0".repeat(40);
    this.secondOffset = -1;
    this.offset = offset;
    this.backlog = new ReplLog(this.#server.config.int("repl-backlog-size"), offset);
    this.dropReplicas();
  }

  /**
   * The history changes id at the current offset (+CONTINUE with a new id, or a promotion):
   * the old id stays valid as replid2 up to here, so sub-replicas can continue.
   */
  shiftId(replid = randomHex(40)): void {
    this.replid2 = this.replid;
    this.secondOffset = this.offset + 1;
    this.replid = replid;
    this.#streamDb = -1;
    this.dropReplicas();
  }

  /** Disconnects every sub-replica (they reconnect and PSYNC). */
  dropReplicas(): void {
    for (const link of this.replicas) link.c.kill();
  }

  #feed(db: number, commands: string[][]): void {
    const parts: Uint8Array[] = [];
    if (this.#streamDb !== db) {
      parts.push(encodeCommand(["SELECT", String(db)]));
      this.#streamDb = db;
    }
    for (const args of commands) parts.push(encodeCommand(args));
    this.#emit(parts);
  }

  #emit(parts: Uint8Array[]): void {
    const log = this.backlog;
    if (log === null) return;
    const before = log.end + 1;
    for (const p of parts) {
      log.append(p);
      this.offset += p.length;
    }
    if (this.replicas.size === 0) {
      log.trim(before);
      return;
    }
    let keepFrom = log.end + 1;
    for (const link of this.replicas) {
      if (link.state === "online" && !link.awaitingAck) {
        const c = link.c;
        if (link.next === before && pendingOutput(c) < WINDOW) {
          // Caught up (the common case): straight into its output, no log read.
          for (const p of parts) c.w.raw(p);
          link.next = log.end + 1;
          c.interrupt();
        } else this.#pump(link);
      }
      this.#checkLimit(link);
      if (link.next < keepFrom) keepFrom = link.next;
    }
    log.trim(keepFrom);
  }

  /** Hands an online replica's socket the log from its position, up to WINDOW bytes pending. */
  #pump(link: ReplicaLink): void {
    const log = this.backlog;
    const c = link.c;
    if (log === null || c.closed || link.next > log.end) return;
    const room = WINDOW - pendingOutput(c);
    if (room <= 0) return;
    link.next += log.read(link.next, room, (view) => c.w.raw(view));
    c.interrupt();
  }

  /** A replica's socket drained: it made progress; send it more, and maybe stop throttling. */
  #drained(link: ReplicaLink): void {
    link.drainedAt = Date.now();
    if (link.state !== "online" || link.awaitingAck) return;
    this.#pump(link);
    if (link.throttling) this.#releaseThrottle();
  }

  /** INFO mem_clients_slaves: what replicas' sockets have buffered (the log is counted apart). */
  replicaOutput(): number {
    let n = 0;
    for (const link of this.replicas) n += pendingOutput(link.c);
    return n;
  }

  /** Stream bytes waiting for this replica: its place in the log, plus its socket's buffer. */
  #used(link: ReplicaLink): number {
    const log = this.backlog;
    const behind = log === null || link.next > log.end ? 0 : log.end + 1 - link.next;
    return behind + pendingOutput(link.c);
  }

  /**
   * The replica class's client-output-buffer-limit (hard, or soft for its seconds). A replica
   * past it that is still alive throttles writers (see the top of this file); one that is not
   * is dropped, as Redis drops it, and comes back by partial resync if the backlog still holds
   * its offset. Either way nothing grows without bound.
   */
  #checkLimit(link: ReplicaLink): void {
    const { hard, soft, seconds } = this.#limit;
    if (hard === 0 && soft === 0) return;
    const used = this.#used(link);
    let over = hard > 0 && used >= hard;
    if (!over && soft > 0 && used >= soft) {
      const now = Date.now();
      if (link.softSince === 0) link.softSince = now;
      else if (now - link.softSince > seconds * 1000) over = true;
    } else if (used < soft) link.softSince = 0;
    if (!over || link.throttling) return;
    if (
      link.alive(Date.now()) && !this.following &&
      this.#server.config.bool("repl-throttle-writes")
    ) {
      link.throttling = true;
      if (!this.#server.paused("replica-lag")) {
        this.#server.log.warning(
          `Replica ${link.c.addr} is ${used} bytes behind the write stream: writes wait until it catches up.`,
        );
        this.#server.pause("replica-lag", Infinity, false);
      }
      return;
    }
    this.#dropSlow(link);
  }

  #dropSlow(link: ReplicaLink): void {
    this.#server.log.warning(
      `Client ${link.c.addr} (replica) scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    this.replicas.delete(link);
    link.throttling = false;
    link.c.onWritten = null;
    link.c.w.reset();
    link.c.kill();
    this.#releaseThrottle();
  }

  /**
   * Writers go on once every throttling replica is back under half its hard limit (or under
   * the soft limit, if lower), or gone, or this node follows a master (whose stream must flow).
   */
  #releaseThrottle(): void {
    if (!this.#server.paused("replica-lag")) return;
    const { hard, soft } = this.#limit;
    let resume = hard > 0 ? hard / 2 : soft;
    if (soft > 0 && soft < resume) resume = soft;
    let waiting = false;
    for (const link of this.replicas) {
      if (!link.throttling) continue;
      if (this.following || this.#used(link) < resume) {
        link.throttling = false;
        link.softSince = 0;
      } else waiting = true;
    }
    if (!waiting) this.#server.unpause("replica-lag");
  }

  /** Each cron tick: a throttling replica that stalled is dropped (writers go on). */
  #checkStalls(now: number): void {
    if (!this.#server.paused("replica-lag")) return;
    for (const link of this.replicas) {
      if (link.throttling && !link.alive(now)) {
        this.#server.log.warning(
          `Replica ${link.c.addr} stopped reading its stream for ${STALL_MS} ms while writes waited for it.`,
        );
        this.#dropSlow(link);
      }
    }
    this.#releaseThrottle();
  }

  #ensureBacklog(): ReplLog {
    if (this.backlog === null) {
      const size = this.#server.config.int("repl-backlog-size");
      this.backlog = new ReplLog(size, this.offset);
    }
    return this.backlog;
  }

  /**
   * PSYNC replid offset: continue from the backlog when it can, else a full sync. Resolves when
   * the replica disconnects (the connection then only carries the stream and its ACKs).
   */
  psync(c: Client, replid: string, offset: number, eof: boolean, port: number): void {
    if (this.#noMasterLink(c) || this.#failingOver(c)) return;
    const backlog = this.backlog;
    if (
      backlog !== null && (replid === this.replid || (replid === this.replid2 &&
        offset <= this.secondOffset))
    ) {
      if (backlog.holds(offset)) {
        const link = this.#attach(c, port);
        link.state = "online";
        link.next = offset;
        c.w.simple(`CONTINUE ${this.replid}`);
        this.#pump(link);
        this.syncPartialOk++;
        this.#server.log.notice(
          `Partial resynchronization request from ${c.addr} accepted. Sending ${
            backlog.end + 1 - offset
          } bytes of backlog starting from offset ${offset}.`,
        );
        return;
      }
    }
    if (replid !== "?") this.syncPartialErr++;
    this.fullSync(c, eof, port, true);
  }

  /**
   * A full sync: +FULLRESYNC (PSYNC only), the image, then the stream. It runs in the background
   * while the connection keeps reading the replica's REPLCONF ACKs.
   */
  fullSync(c: Client, eof: boolean, port: number, psync: boolean): void {
    if (!psync && (this.#noMasterLink(c) || this.#failingOver(c))) return;
    this.#fullSync(c, eof, port, psync).catch((err) => {
      this.#server.log.warning(`Full sync with replica ${c.addr} failed: ${err}`);
      c.kill();
    });
  }

  async #fullSync(c: Client, eof: boolean, port: number, psync: boolean): Promise<void> {
    const server = this.#server;
    this.#ensureBacklog();
    const link = this.#attach(c, port);
    this.syncFull++;
    // One walk at a time: wait for a running BGSAVE's.
    while (server.snapshot !== null && !c.closed) await sleep(5);
    if (c.closed) return this.clientGone(c);
    // The image and the offset it stands for are taken in the same synchronous step.
    const walker = snapshotWalker(server, { live: true, forReplica: true });
    server.snapshot = walker;
    let startOffset = this.offset;
    // What is written from here on stays in the log for this replica, behind its image.
    link.next = this.offset + 1;
    this.#streamDb = -1; // the replica starts in db 0: the stream must select
    // A relayed stream selects only when its master's does. The replica starts in db 0, so
    // its stream begins with a SELECT whose bytes are counted as the end of the history it
    // receives (the offset it is told is that much earlier): its offsets stay this node's.
    let lead: Uint8Array | null = null;
    if (this.following && this.relayDb !== 0) {
      lead = encodeCommand(["SELECT", String(this.relayDb)]);
      if (lead.length <= startOffset) startOffset -= lead.length;
      else lead = null;
    }
    link.state = "send_bulk";
    server.log.notice(
      `Replica ${c.addr} asks for synchronization; starting a full sync (diskless: ${eof})`,
    );
    if (psync) c.w.simple(`FULLRESYNC ${this.replid} ${startOffset}`);
    try {
      if (eof) {
        const mark = randomHex(40);
        c.w.raw(new TextEncoder().encode(`$EOF:${mark}\r\n`));
        // Paced as BGSAVE is: short slices and a timer tick while clients are served, long
        // slices otherwise (each yield costs a ~2 ms timer in Deno).
        let seen = server.stats.commandsProcessed;
        let busy = false;
        // rdb-key-save-delay (microseconds after each key) slows the image as it slows BGSAVE,
        // so tests can act while a full sync is in flight.
        const keyDelay = server.config.int("rdb-key-save-delay");
        for (let done = false; !done && !c.closed;) {
          done = keyDelay > 0
            ? walker.step(Infinity, 1)
            : walker.step(performance.now() + (busy ? BUSY_SLICE_MS : IDLE_SLICE_MS));
          for (const chunk of walker.take()) {
            c.w.raw(chunk);
            walker.recycle(chunk);
          }
          c.interrupt();
          // Never more than a few MB waiting for this replica's socket.
          while (!c.closed && pendingOutput(c) > SYNC_OUTPUT_LIMIT) await sleep(1);
          const now = server.stats.commandsProcessed;
          busy = now !== seen;
          seen = now;
          if (keyDelay > 0) await sleep(Math.max(1, Math.round(keyDelay / 1000)));
          else if (!done) await sleep(busy ? 1 : 0);
        }
        c.w.raw(new TextEncoder().encode(mark));
      } else {
        // `$<length>` needs the whole image first: walk it to the end now.
        walker.step(Infinity);
        const chunks = walker.take();
        let n = 0;
        for (const chunk of chunks) n += chunk.length;
        c.w.raw(new TextEncoder().encode(`$${n}\r\n`));
        for (const chunk of chunks) c.w.raw(chunk);
      }
    } finally {
      if (server.snapshot === walker) server.snapshot = null;
      walker.abandon();
    }
    if (c.closed) return this.clientGone(c);
    if (c.replRdbOnly) {
      // The image was all it asked for: let it reach the socket, then close.
      this.clientGone(c);
      c.interrupt();
      while (!c.closed && pendingOutput(c) > 0) await sleep(1);
      c.kill();
      return;
    }
    link.lead = lead; // ahead of everything the log holds for it
    if (eof) {
      // A replica reading an `$EOF:` image knows it ended only when the mark is the last thing it
      // read: the stream waits for its first ACK, as Redis's master makes it wait.
      link.awaitingAck = true;
      c.interrupt();
      return;
    }
    this.#goOnline(link);
  }

  /** The image is through: what waited behind it follows, then the live stream. */
  #goOnline(link: ReplicaLink): void {
    const c = link.c;
    link.awaitingAck = false;
    if (link.lead !== null) c.w.raw(link.lead);
    link.lead = null;
    link.state = "online";
    this.#pump(link);
    c.interrupt();
    this.#server.log.notice(`Synchronization with replica ${c.addr} succeeded`);
  }

  /** A replica whose own master link is down can't serve a sync: Redis's error, true. */
  #noMasterLink(c: Client): boolean {
    if (!this.following || this.linkUp) return false;
    c.w.error("NOMASTERLINK Can't SYNC while not connected with my master");
    return true;
  }

  /** No replica may attach while this master hands over its role: Redis's error, true. */
  #failingOver(c: Client): boolean {
    if (!this.failover.active) return false;
    c.w.error("NOMASTERLINK Can't SYNC while failing over");
    return true;
  }

  /** REPLCONF ACK from a replica's link. */
  ack(c: Client, offset: number): void {
    for (const link of this.replicas) {
      if (link.c === c) {
        link.ackOffset = offset;
        link.ackTime = Date.now();
        if (link.awaitingAck) this.#goOnline(link);
      }
    }
    this.refreshGoodReplicas();
    this.waits.acked();
    this.failover.check();
  }

  /**
   * min-replicas-to-write / min-replicas-max-lag: a master with fewer online replicas whose last
   * ACK is at most max-lag seconds old refuses writes (NOREPLICAS). Run each cron tick and
   * whenever an ACK arrives or a replica comes or goes.
   */
  refreshGoodReplicas(): void {
    const server = this.#server;
    const need = server.config.int("min-replicas-to-write");
    const maxLag = server.config.int("min-replicas-max-lag");
    if (need === 0 || maxLag === 0 || this.following) {
      server.noReplicas = false;
      return;
    }
    const now = Date.now();
    let good = 0;
    for (const link of this.replicas) {
      if (link.state === "online" && now - link.ackTime <= maxLag * 1000) good++;
    }
    server.noReplicas = good < need;
  }

  /** Replicas whose acknowledged offset has reached `offset`. */
  ackedAt(offset: number): number {
    let n = 0;
    for (const link of this.replicas) if (link.state === "online" && link.ackOffset >= offset) n++;
    return n;
  }

  /** Asks every replica for an ACK now (REPLCONF GETACK * in the stream, as Redis sends it). */
  requestAcks(): void {
    if (this.replicas.size > 0 && !this.following) this.#emit([GETACK_STREAM]);
  }

  /** Clients in WAIT. */
  readonly waits = new Waits(this);

  #attach(c: Client, port: number): ReplicaLink {
    this.#ensureBacklog();
    const host = c.addr.slice(0, c.addr.lastIndexOf(":"));
    const link = new ReplicaLink(c, port, host);
    c.replica = true;
    c.onWritten = () => this.#drained(link);
    this.replicas.add(link);
    return link;
  }

  /** A replica's connection closed. */
  clientGone(c: Client): void {
    for (const link of this.replicas) {
      if (link.c === c) {
        this.replicas.delete(link);
        c.onWritten = null;
      }
    }
    this.refreshGoodReplicas();
    this.#releaseThrottle();
  }

  /** Since when a master's backlog has had no replica (0: it has one, or there is none). */
  #aloneSince = 0;

  /**
   * repl-backlog-ttl: a master whose replicas have all been gone that many seconds frees its
   * backlog (and stops recording the stream), as Redis does. A replica keeps its own, so it can
   * be promoted without a full sync for its sub-replicas. Run every cron tick.
   */
  cron(now: number): void {
    this.#checkStalls(now);
    if (this.backlog === null || this.following || this.replicas.size > 0) {
      this.#aloneSince = 0;
      return;
    }
    if (this.#aloneSince === 0) this.#aloneSince = now;
    const ttl = this.#server.config.int("repl-backlog-ttl");
    if (ttl > 0 && now - this.#aloneSince >= ttl * 1000) {
      this.#server.log.notice(
        `Replication backlog freed after ${ttl} seconds without connected replicas.`,
      );
      this.backlog = null;
      this.#aloneSince = 0;
      // A new history: replicas that come later can't continue the old one from here.
      this.replid = randomHex(40);
      this.replid2 = "0".repeat(40);
      this.secondOffset = -1;
    }
  }

  /**
   * The history a dump saved now stands at, as Redis records it (rdbPopulateSaveInfo): a master
   * with a backlog, or a replica that has its master's data; null otherwise.
   */
  history(): { streamDb: number; id: string; offset: number } | null {
    const follower = this.#server.replicaOf;
    if (this.following ? follower === null || !follower.cached : this.backlog === null) {
      return null;
    }
    const streamDb = this.following ? this.relayDb : Math.max(0, this.#streamDb);
    return { streamDb, id: this.replid, offset: this.offset };
  }

  /**
   * Start-up loaded a dump that records a history: this node continues it. Its replicas (or, as
   * a replica, its master) can then go on by partial resync when their offsets meet, instead
   * of a full sync. The backlog starts empty at that offset, as Redis's does.
   */
  restoreHistory(id: string, offset: number, streamDb: number): void {
    this.replid = id;
    this.replid2 = "0".repeat(40);
    this.secondOffset = -1;
    this.offset = offset;
    this.backlog = new ReplLog(this.#server.config.int("repl-backlog-size"), offset);
    this.relayDb = streamDb;
    // A master's restored stream selects its database before its first command.
    this.#streamDb = this.following ? streamDb : -1;
  }

  /** INFO replication's master fields, in Redis's order. */
  infoFields(): [string, string | number][] {
    const fields: [string, string | number][] = [
      ["role", "master"],
      ["connected_slaves", this.replicas.size],
    ];
    let i = 0;
    const now = Date.now();
    for (const link of this.replicas) {
      fields.push([
        `slave${i++}`,
        `ip=${link.ip},port=${link.port},state=${link.state},offset=${link.ackOffset},lag=${
          Math.floor((now - link.ackTime) / 1000)
        }`,
      ]);
    }
    const b = this.backlog;
    fields.push(
      ["master_failover_state", this.failover.state],
      ["master_replid", this.replid],
      ["master_replid2", this.replid2],
      ["master_repl_offset", this.offset],
      ["second_repl_offset", this.secondOffset],
      ["repl_backlog_active", b === null ? 0 : 1],
      ["repl_backlog_size", b?.size ?? this.#server.config.int("repl-backlog-size")],
      ["repl_backlog_first_byte_offset", b === null ? 0 : b.firstOffset],
      ["repl_backlog_histlen", b?.length ?? 0],
    );
    return fields;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
