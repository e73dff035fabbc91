// The replica side of Redis replication: a `Follower` keeps one link to a master (REPLICAOF or the
// `replicaof` directive). It runs Redis's handshake (PING, AUTH, REPLCONF listening-port and
// capa, PSYNC with the cached id and offset), loads a full sync's RDB (`$<len>` or `$EOF:<mark>`)
// into an emptied keyspace while clients get -LOADING, or continues after +CONTINUE, then
// applies the stream through dispatch as the master's client, counting its bytes: ACKs every
// second and on GETACK, and the same bytes relayed to this node's own backlog and sub-replicas.
// A dropped link is retried with a short backoff and resumes by partial resync. Also the gate
// dispatch consults on a replica (READONLY, MASTERDOWN), and what becoming a replica does to the
// clients: -UNBLOCKED for blocked ones, closing the others (replica-close-clients-on-demote).
import type { Command } from "../../commands/mod.ts";
import { Argv, encodeCommand, latin1, RequestParser } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import { pendingOutput } from "../connection.ts";
import { execute } from "../dispatch.ts";
import { RdbReader } from "../persistence/rdb_reader.ts";
import { SnapshotLoader } from "../persistence/snapshot.ts";
import type { Server } from "../server.ts";

export const READONLY = "READONLY You can't write against a read only replica.";
export const MASTERDOWN =
  "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
/** What a client blocked when this node turns into a replica gets (Redis 7.0's text). */
export const UNBLOCKED_DEMOTED =
  "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)";

/** ROLE's replica states, Redis's names. */
export type FollowState = "connect" | "connecting" | "handshake" | "sync" | "connected";

/** How much of an image `rdbIsEmpty` reads at a time. */
const LOAD_STEP_BYTES = 64 * 1024;
const READ_SIZE = 64 * 1024;
/** Reconnect delays: the first retry soon, then doubling up to Redis's once a second. */
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 1000;
/** A replica busy loading its image sends this to its master every second. */
const NEWLINE = new Uint8Array([10]);

/** The link was lost or refused; the follower retries. */
class LinkError extends Error {}

/** Buffered reads over the master's socket. */
class LinkReader {
  buf = new Uint8Array(READ_SIZE);
  start = 0;
  end = 0;
  constructor(readonly conn: Deno.TcpConn, readonly onRead: (n: number) => void) {}

  /** Reads more bytes; `need` is how many the partial command at `start` needs in all. */
  async fill(need = 0): Promise<boolean> {
    if (this.start === this.end) this.start = this.end = 0;
    const live = this.end - this.start;
    const capacity = Math.max(live + READ_SIZE / 4, need);
    if (this.buf.length - this.start < capacity) {
      const next = capacity <= this.buf.length
        ? this.buf
        : new Uint8Array(Math.max(this.buf.length * 2, capacity + READ_SIZE));
      if (next === this.buf) next.copyWithin(0, this.start, this.end);
      else next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    let n: number | null;
    try {
      n = await this.conn.read(this.buf.subarray(this.end));
    } catch {
      return false;
    }
    if (n === null) return false;
    this.end += n;
    this.onRead(n);
    return true;
  }

  /** One reply line without its CRLF (a bare LF also ends one, as Redis's keepalives). */
  async line(): Promise<string> {
    for (;;) {
      const lf = this.buf.subarray(this.start, this.end).indexOf(10);
      if (lf >= 0) {
        const at = this.start + lf;
        const stop = at > this.start && this.buf[at - 1] === 13 ? at - 1 : at;
        const s = latin1(this.buf, this.start, stop);
        this.start = at + 1;
        return s;
      }
      if (!await this.fill()) throw new LinkError("connection lost");
    }
  }

  /** A reply line, skipping the empty lines a master sends to keep the link alive. */
  async reply(): Promise<string> {
    for (;;) {
      const s = await this.line();
      if (s !== "") return s;
    }
  }
}

export interface FollowerOptions {
  /** This node has a history to continue (it was a master, or synced before): PSYNC id off. */
  cached: boolean;
  /** FAILOVER made this master a replica: its PSYNC tells the target to promote itself. */
  failover: boolean;
}

/** One master this node replicates, from REPLICAOF until REPLICAOF NO ONE or another master. */
export class Follower {
  readonly #server: Server;
  state: FollowState = "connect";
  /** The master's link client while the stream is applied (Redis's server.master). */
  client: Client | null = null;
  #conn: Deno.TcpConn | null = null;
  #reader: LinkReader | null = null;
  #stopped = false;
  #cached: boolean;
  #failover: boolean;
  #timer: ReturnType<typeof setInterval>;
  #writing: Promise<unknown> = Promise.resolve();
  /** Last byte from the master (ms); the link's and the transfer's. */
  #lastIo = 0;
  /** When the link went down (ms), 0 if it never was up or is up. */
  #downSince = 0;
  /** A full sync's transfer: total (-1: EOF framing), read. */
  #transferSize = -1;
  #transferRead = 0;
  /** This follower completed a sync with its master at least once (see `#refuseEmpty`). */
  #synced = false;
  /** Gate flags cached from config. */
  readOnly = true;
  serveStale = true;

  constructor(
    server: Server,
    readonly host: string,
    readonly port: number,
    options: FollowerOptions,
  ) {
    this.#server = server;
    this.#cached = options.cached;
    this.#failover = options.failover;
    this.#timer = setInterval(() => this.#cron(), 1000);
    this.refreshConfig();
    server.log.notice(`Connecting to MASTER ${host}:${port}`);
    this.#run();
  }

  /** Whether the link is up (the stream is being applied). */
  get linkUp(): boolean {
    return this.state === "connected";
  }

  /** Whether this node has a history a master may continue (see FollowerOptions). */
  get cached(): boolean {
    return this.#cached;
  }

  /**
   * Start-up loaded a dump of this master's data (its history is restored): the first PSYNC
   * asks to continue it, and an empty image under another history is refused as after a sync.
   */
  resumeHistory(): void {
    this.#cached = true;
    this.#synced = true;
  }

  refreshConfig(): void {
    const config = this.#server.config;
    this.readOnly = config.bool("replica-read-only");
    this.serveStale = config.bool("replica-serve-stale-data");
  }

  /** Ends the link for good (REPLICAOF NO ONE or another master). */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#closeLink();
  }

  #closeLink(): void {
    try {
      this.#conn?.close();
    } catch {
      // already closed
    }
    this.#conn = null;
  }

  /** Once a second: the ACK, and the link's timeout. */
  #cron(): void {
    if (this.#conn === null) return;
    const timeout = this.#server.config.int("repl-timeout") * 1000;
    if (this.#lastIo > 0 && Date.now() - this.#lastIo > timeout) {
      this.#server.log.warning(
        this.state === "sync"
          ? "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value."
          : "MASTER timeout: no data nor PING received...",
      );
      this.#closeLink();
      return;
    }
    if (this.state === "connected") this.#ack();
  }

  #send(args: string[] | Uint8Array): void {
    const conn = this.#conn;
    if (conn === null) return;
    const bytes = args instanceof Uint8Array ? args : encodeCommand(args);
    this.#writing = this.#writing.then(() => writeAll(conn, bytes)).catch(() => this.#closeLink());
  }

  #ack(): void {
    this.#send(["REPLCONF", "ACK", String(this.#server.repl.offset)]);
  }

  async #run(): Promise<void> {
    const server = this.#server;
    await server.ready.catch(() => {});
    let delay = RETRY_MIN_MS;
    while (!this.#stopped) {
      let wasUp = false;
      try {
        wasUp = await this.#session();
      } catch (err) {
        if (!this.#stopped) {
          server.log.warning(
            `Error condition on socket for SYNC: ${err instanceof Error ? err.message : err}`,
          );
        }
      }
      this.#endSession();
      if (this.#stopped) return;
      if (wasUp) delay = RETRY_MIN_MS;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(RETRY_MAX_MS, delay * 2);
      if (!this.#stopped) server.log.notice(`Connecting to MASTER ${this.host}:${this.port}`);
    }
  }

  /** After a session: the master client goes, the link is down. */
  #endSession(): void {
    const server = this.#server;
    this.#closeLink();
    this.#reader = null;
    if (this.client !== null) {
      server.repl.relayDb = this.client.dbIndex;
      this.client.closed = true;
      server.removeClient(this.client);
      this.client = null;
    }
    if (this.state === "connected") {
      this.#downSince = Date.now();
      server.log.notice("Connection with master lost.");
    }
    if (server.loadingData && this.state === "sync") server.persistence.endLoad();
    this.state = "connect";
    server.repl.linkUp = false;
    this.#lastIo = 0;
  }

  /** One connection: handshake, sync, stream. True if the stream was reached. */
  async #session(): Promise<boolean> {
    const server = this.#server;
    const config = server.config;
    this.state = "connecting";
    const conn = await Deno.connect({ hostname: this.host, port: this.port });
    if (this.#stopped) {
      conn.close();
      return false;
    }
    this.#conn = conn;
    try {
      conn.setNoDelay(true);
    } catch {
      // the peer may be gone already
    }
    this.#lastIo = Date.now();
    const reader = new LinkReader(conn, (n) => {
      this.#lastIo = Date.now();
      server.stats.netInputBytes += n;
    });
    this.#reader = reader;
    this.state = "handshake";
    server.log.notice("MASTER <-> REPLICA sync started");

    this.#send(["PING"]);
    const pong = await reader.reply();
    if (
      pong.startsWith("-") && !pong.startsWith("-NOAUTH") && !pong.startsWith("-NOPERM") &&
      !pong.startsWith("-ERR operation not permitted")
    ) {
      throw new LinkError(`Error reply to PING from master: '${pong.slice(1)}'`);
    }
    server.log.notice("Master replied to PING, replication can continue...");
    const auth = config.get("masterauth");
    if (auth !== "") {
      const user = config.get("masteruser");
      this.#send(user !== "" ? ["AUTH", user, auth] : ["AUTH", auth]);
      const r = await reader.reply();
      if (r.startsWith("-")) throw new LinkError(`Unable to AUTH to MASTER: ${r.slice(1)}`);
    }
    const announcePort = config.int("replica-announce-port");
    this.#send(["REPLCONF", "listening-port", String(announcePort || server.port)]);
    let r = await reader.reply();
    if (r.startsWith("-")) {
      server.log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${r}`);
    }
    const announceIp = config.get("replica-announce-ip");
    if (announceIp !== "") {
      this.#send(["REPLCONF", "ip-address", announceIp]);
      r = await reader.reply();
      if (r.startsWith("-")) {
        server.log.notice(`(Non critical) Master does not understand REPLCONF ip-address: ${r}`);
      }
    }
    this.#send(["REPLCONF", "capa", "eof", "capa", "psync2"]);
    r = await reader.reply();
    if (r.startsWith("-")) {
      server.log.notice(`(Non critical) Master does not understand REPLCONF capa: ${r}`);
    }

    const repl = server.repl;
    if (this.#cached) {
      server.log.notice(
        `Trying a partial resynchronization (request ${repl.replid}:${repl.offset + 1}).`,
      );
      const psync = ["PSYNC", repl.replid, String(repl.offset + 1)];
      if (this.#failover) psync.push("FAILOVER");
      this.#send(psync);
    } else {
      server.log.notice("Partial resynchronization not possible (no cached master)");
      this.#send(["PSYNC", "?", "-1"]);
    }
    const reply = await reader.reply();
    if (this.#failover) {
      // The target answered the FAILOVER PSYNC: the failover ends here, one way or the other.
      this.#failover = false;
      const accepted = reply.startsWith("+FULLRESYNC") || reply.startsWith("+CONTINUE");
      repl.failover.psyncAnswered(accepted);
      if (!accepted) throw new LinkError(`Failover target rejected PSYNC: ${reply}`);
    }
    if (reply.startsWith("+FULLRESYNC")) {
      const [, id, off] = reply.split(" ");
      const offset = Number(off);
      if (id === undefined || id.length !== 40 || !Number.isSafeInteger(offset)) {
        throw new LinkError(`Master replied with wrong +FULLRESYNC syntax: ${reply}`);
      }
      server.log.notice(`Full resync from master: ${id}:${offset}`);
      await this.#fullSync(reader, id, offset);
    } else if (reply.startsWith("+CONTINUE")) {
      const id = reply.slice("+CONTINUE".length).trim();
      server.log.notice("Successful partial resynchronization with master.");
      if (id.length === 40 && id !== repl.replid) {
        server.log.notice(`Master replication ID changed to ${id}`);
        repl.shiftId(id);
      }
      server.log.notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
      this.#synced = true;
    } else if (reply.startsWith("-NOMASTERLINK") || reply.startsWith("-LOADING")) {
      throw new LinkError(
        `Master is currently unable to PSYNC but should be in the future: ${reply}`,
      );
    } else {
      throw new LinkError(`Unexpected reply to PSYNC from master: ${reply}`);
    }
    if (this.#stopped) return false;
    await this.#stream(reader);
    return true;
  }

  /**
   * Receives the RDB payload and loads it as it arrives, in place of the dataset: loading the
   * image overlaps its transfer, so a full sync takes about as long as the slower of the two.
   */
  async #fullSync(reader: LinkReader, replid: string, offset: number): Promise<void> {
    const server = this.#server;
    this.state = "sync";
    let header = await reader.reply();
    while (header === "") header = await reader.reply();
    if (header.startsWith("-")) {
      throw new LinkError(`MASTER aborted replication with an error: ${header.slice(1)}`);
    }
    if (!header.startsWith("$")) {
      throw new LinkError(`Bad protocol from MASTER, the first byte is not '$': ${header}`);
    }
    const image = new IncomingImage();
    let receiving: Promise<void>;
    if (header.startsWith("$EOF:")) {
      const mark = header.slice(5);
      if (mark.length !== 40) throw new LinkError(`Bad EOF mark from MASTER: ${header}`);
      server.log.notice(
        "MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk",
      );
      this.#transferSize = -1;
      receiving = this.#receiveUntilMark(reader, mark, image);
    } else {
      const len = Number(header.slice(1));
      if (!Number.isSafeInteger(len) || len < 0) {
        throw new LinkError(`Bad bulk length from MASTER: ${header}`);
      }
      server.log.notice(`MASTER <-> REPLICA sync: receiving ${len} bytes from master to disk`);
      this.#transferSize = len;
      receiving = this.#receiveExactly(reader, len, image);
    }
    receiving = receiving.catch((err) => image.fail(err));
    // Nothing is flushed until the image is known to hold a key (its first records say so) or
    // to be empty (a master that restarted empty must not wipe this node: #refuseEmpty).
    let empty: boolean | null;
    while ((empty = probeEmpty(image.bytes(), image.final)) === null) await image.next();
    if (this.#stopped) return;
    if (empty && this.#refuseEmpty(replid)) return;
    await this.#load(image, replid, offset);
    await receiving;
    // The stream starts after the mark (or the length): the image must have been all of it.
    if (image.failure !== null) throw image.failure;
  }

  /**
   * A master this follower synced with comes back with another history and an empty image: it
   * most likely restarted without persistence, and loading the image would erase every key here
   * (Redis does). The data is kept and the link halts, loudly, until an operator decides
   * (docs/replication.md, "Protecting a replica's data"). True when the image was refused.
   */
  #refuseEmpty(replid: string): boolean {
    const server = this.#server;
    const repl = server.repl;
    if (!this.#synced || replid === repl.replid || replid === repl.replid2) return false;
    const keys = server.keyspace.keyCount();
    if (keys === 0) return false;
    server.log.warning(
      `MASTER <-> REPLICA sync: REFUSED an empty dataset from MASTER ${this.host}:${this.port} ` +
        `with a new replication ID ${replid} (was ${repl.replid}): the master probably ` +
        `restarted without persistence. Keeping the ${keys} keys held here and stopping ` +
        `replication. Run REPLICAOF NO ONE to keep serving this data as a master, or ` +
        `REPLICAOF NO ONE then REPLICAOF ${this.host} ${this.port} to accept the empty dataset.`,
    );
    this.stop();
    return true;
  }

  async #receiveExactly(reader: LinkReader, len: number, image: IncomingImage): Promise<void> {
    this.#transferRead = 0;
    let got = 0;
    while (got < len) {
      if (reader.start === reader.end && !await reader.fill()) {
        throw new LinkError("connection lost");
      }
      const n = Math.min(len - got, reader.end - reader.start);
      image.append(reader.buf.subarray(reader.start, reader.start + n));
      reader.start += n;
      got += n;
      this.#transferRead = got;
      image.publish(got, got === len);
    }
    if (len === 0) image.publish(0, true);
  }

  /** The payload of `$EOF:<mark>` framing: every byte up to the 40-byte mark. */
  async #receiveUntilMark(reader: LinkReader, mark: string, image: IncomingImage): Promise<void> {
    const m = new Uint8Array(40);
    for (let i = 0; i < 40; i++) m[i] = mark.charCodeAt(i);
    this.#transferRead = 0;
    for (;;) {
      if (reader.start === reader.end && !await reader.fill()) {
        throw new LinkError("connection lost");
      }
      const n = reader.end - reader.start;
      const before = image.length;
      image.append(reader.buf.subarray(reader.start, reader.end));
      // The stream may follow the mark in the same read: find where the mark ends exactly.
      const at = findMark(image.buf, Math.max(0, before - 39), image.length, m);
      if (at >= 0) {
        const used = at + 40 - before;
        reader.start += used;
        this.#transferRead += used;
        image.publish(at, true);
        return;
      }
      reader.start = reader.end;
      this.#transferRead += n;
      // The last 39 bytes may be the start of the mark: the loader sees them once ruled out.
      image.publish(Math.max(0, image.length - 39), false);
    }
  }

  /** Empties the dataset and loads the image, a slice at a time, with -LOADING meanwhile. */
  async #load(image: IncomingImage, replid: string, offset: number): Promise<void> {
    const server = this.#server;
    const ks = server.keyspace;
    server.log.notice("MASTER <-> REPLICA sync: Flushing old data");
    server.persistence.abortBackground();
    server.repl.dropReplicas();
    server.watches.flushed(-1);
    ks.flushAll();
    // Until the image is whole there is no history to continue.
    this.#cached = false;
    server.log.notice("MASTER <-> REPLICA sync: Loading DB in memory");
    let streamDb = 0;
    // A newline a second tells the master this replica is busy loading, not gone (Redis's
    // replicas send the same): its stream waits for us instead of dropping the link.
    const keepalive = setInterval(() => this.#send(NEWLINE), 1000);
    try {
      // A replica keeps keys whose TTL passed: the master's DEL removes them (Redis 7).
      const loader = new SnapshotLoader(server, image.bytes(), "from the master", {
        keepExpired: true,
        onAux: (k, v) => {
          if (k === "repl-stream-db") streamDb = Number(v) | 0;
        },
        streaming: !image.final,
      });
      image.attach(loader);
      const more = () => image.next();
      if (await server.persistence.runLoad(loader, () => this.#stopped, more) === null) return;
    } catch (err) {
      // The link dropped mid-image: that, not a bad image, is what went wrong.
      if (err instanceof LinkError) {
        ks.flushAll();
        throw err;
      }
      server.log.warning(
        `Failed trying to load the MASTER synchronization DB from socket: ${
          err instanceof Error ? err.message : err
        }`,
      );
      ks.flushAll();
      throw new LinkError("bad RDB payload");
    } finally {
      clearInterval(keepalive);
    }
    server.repl.adoptFull(replid, offset);
    server.repl.relayDb = streamDb;
    this.#cached = true;
    this.#synced = true;
    server.log.notice("MASTER <-> REPLICA sync: Finished with success");
  }

  /** The link is up: applies the master's commands until the link drops. */
  async #stream(reader: LinkReader): Promise<void> {
    const server = this.#server;
    const repl = server.repl;
    const ks = server.keyspace;
    const conn = this.#conn!;
    const local = conn.localAddr as Deno.NetAddr;
    const c = server.newClient(`${this.host}:${this.port}`, `${local.hostname}:${local.port}`);
    c.authenticated = true;
    c.master = true;
    c.db = ks.db(repl.relayDb);
    c.dbIndex = repl.relayDb;
    c.interrupt = () => {
      if (c.closed) this.#closeLink();
    };
    this.client = c;
    this.state = "connected";
    this.#downSince = 0;
    repl.linkUp = true;
    this.#ack(); // a diskless master puts the replica online on its first ACK
    const parser = new RequestParser();
    const limits = { maxBulkLen: server.maxBulkLen, unauthenticated: false };
    const argv = new Argv();
    for (;;) {
      let relayFrom = reader.start;
      const relay = () => {
        if (reader.start > relayFrom) {
          repl.relay(reader.buf.slice(relayFrom, reader.start));
          relayFrom = reader.start;
        }
      };
      while (reader.start < reader.end && !c.closed) {
        const used = parser.parse(reader.buf, reader.start, reader.end, argv, limits);
        if (used === 0) break;
        if (used < 0) throw new LinkError(`Protocol error from MASTER: ${parser.error}`);
        if (argv.length >= 2 && argv.is(0, "replconf") && argv.is(1, "getack")) {
          // Answered with the offset before this command, as Redis does; it never runs.
          relay();
          reader.start += used;
          this.#ack();
          continue;
        }
        reader.start += used;
        if (argv.length === 0) continue;
        ks.replica = 2;
        let pending;
        try {
          pending = execute(server, c, argv);
        } finally {
          ks.replica = 1;
        }
        if (pending !== undefined) {
          // A pause holds the master's stream too (Redis 7.0 pauses its client).
          relay();
          await pending;
          relayFrom = reader.start;
        }
        c.w.reset();
        repl.relayDb = c.dbIndex;
      }
      relay();
      if (c.closed || this.#stopped) return;
      if (!await reader.fill(parser.need)) return;
    }
  }

  /** INFO replication's replica fields after role:slave, in Redis's order. */
  infoFields(): [string, string | number][] {
    const repl = this.#server.repl;
    const now = Date.now();
    const up = this.state === "connected";
    const reader = this.#reader;
    const unread = up && reader !== null ? reader.end - reader.start : 0;
    const offset = this.#cached || up ? repl.offset : 1;
    const fields: [string, string | number][] = [
      ["master_host", this.host],
      ["master_port", this.port],
      ["master_link_status", up ? "up" : "down"],
      ["master_last_io_seconds_ago", up ? Math.floor((now - this.#lastIo) / 1000) : -1],
      ["master_sync_in_progress", this.state === "sync" ? 1 : 0],
      ["slave_read_repl_offset", offset + unread],
      ["slave_repl_offset", offset],
    ];
    if (this.state === "sync") {
      const size = this.#transferSize;
      const read = this.#transferRead;
      fields.push(
        ["master_sync_total_bytes", size],
        ["master_sync_read_bytes", read],
        ["master_sync_left_bytes", size - read],
        ["master_sync_perc", ((read / size) * 100).toFixed(2)],
        ["master_sync_last_io_seconds_ago", Math.floor((now - this.#lastIo) / 1000)],
      );
    }
    if (!up) {
      fields.push([
        "master_link_down_since_seconds",
        this.#downSince === 0 ? -1 : Math.floor((now - this.#downSince) / 1000),
      ]);
    }
    const config = this.#server.config;
    fields.push(
      ["slave_priority", config.int("replica-priority")],
      ["slave_read_only", this.readOnly ? 1 : 0],
      ["replica_announced", config.bool("replica-announced") ? 1 : 0],
    );
    return fields;
  }
}

/**
 * Whether an image received so far holds no key: true or false once its first records (or its
 * end) say, null while more bytes are needed. A corrupt image counts as not empty: loading
 * reports it.
 */
function probeEmpty(bytes: Uint8Array, final: boolean): boolean | null {
  if (bytes.length < 9 && !final) return null;
  const found = new Error("a key");
  try {
    const reader = new RdbReader(
      bytes,
      () => {
        throw found;
      },
      {},
      !final,
    );
    for (;;) {
      if (reader.step(LOAD_STEP_BYTES) !== null) return true;
      if (reader.starved) return null;
    }
  } catch {
    return false;
  }
}

/**
 * The image of a full sync as it arrives: one growing buffer, of which the first `visible` bytes
 * are known to be image (with `$EOF:` framing the last 39 received could still be the mark's),
 * handed to the loader as they come.
 */
class IncomingImage {
  buf = new Uint8Array(READ_SIZE * 4);
  /** Bytes received. */
  length = 0;
  #visible = 0;
  final = false;
  failure: Error | null = null;
  #loader: SnapshotLoader | null = null;
  #waiting: PromiseWithResolvers<void> | null = null;

  append(src: Uint8Array): void {
    if (this.length + src.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + src.length));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(src, this.length);
    this.length += src.length;
  }

  /** The image so far. */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.#visible);
  }

  /** The first `n` bytes are image; `final` when they are all of it. */
  publish(n: number, final: boolean): void {
    this.#visible = n;
    this.final = final;
    this.#loader?.feed(this.bytes(), final);
    this.#wake();
  }

  /** The transfer failed: whoever waits for bytes gets `err`. */
  fail(err: unknown): void {
    this.failure = err instanceof Error ? err : new LinkError(String(err));
    this.#wake();
  }

  /** From now on `loader` (made with the bytes so far) gets each part as it is published. */
  attach(loader: SnapshotLoader): void {
    this.#loader = loader;
  }

  /** Resolves when more is published; throws if the transfer failed. */
  async next(): Promise<void> {
    if (this.failure !== null) throw this.failure;
    this.#waiting ??= Promise.withResolvers<void>();
    await this.#waiting.promise;
    if (this.failure !== null) throw this.failure;
  }

  #wake(): void {
    this.#waiting?.resolve();
    this.#waiting = null;
  }
}

/** Where the 40-byte mark starts in `buf[from, end)`, or -1. */
function findMark(buf: Uint8Array, from: number, end: number, mark: Uint8Array): number {
  const first = mark[0]!;
  for (let i = from; i + 40 <= end; i++) {
    if (buf[i] !== first) continue;
    let k = 1;
    while (k < 40 && buf[i + k] === mark[k]) k++;
    if (k === 40) return i;
  }
  return -1;
}

function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<unknown> {
  return conn.write(bytes).then((n) => n < bytes.length ? writeAll(conn, bytes.subarray(n)) : n);
}

// --- Becoming a replica, and a master again ---------------------------------------------------

export interface FollowOptions {
  /** The `replicaof` directive at start-up: no history, no clients yet. */
  startup?: boolean;
  /** FAILOVER demotes this master (see FollowerOptions). */
  failover?: boolean;
  /** Who asked (REPLICAOF): it keeps its connection when clients are closed. */
  caller?: Client;
}

/** Follows `host:port` from now on (REPLICAOF host port, FAILOVER, or the directive). */
export function follow(
  server: Server,
  host: string,
  port: number,
  options: FollowOptions = {},
): void {
  const old = server.replicaOf;
  const startup = options.startup === true;
  // A master continues its own history with the new master (Redis caches "itself" as master);
  // a replica keeps the one it has; a node started as a replica has none yet.
  const cached = old !== null ? old.cached : !startup;
  if (old === null && !startup) {
    server.log.notice(
      "Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.",
    );
  }
  old?.stop();
  const repl = server.repl;
  if (old === null) repl.relayDb = 0;
  repl.following = true;
  repl.linkUp = false;
  // min-replicas-to-write is a master's rule: a demoted master stops refusing at once.
  repl.refreshGoodReplicas();
  server.keyspace.replica = 1;
  server.replicaOf = new Follower(server, host, port, {
    cached,
    failover: options.failover === true,
  });
  server.config.set("replicaof", [host, String(port)]);
  refreshReplicaGate(server);
  if (startup) return;
  unblockAll(server);
  if (old === null && server.config.bool("replica-close-clients-on-demote")) {
    closeClients(server, options.caller ?? null);
  }
}

/**
 * Every blocked client (BLPOP, XREAD BLOCK, WAIT...) gets -UNBLOCKED when the node starts to
 * follow a master, as in Redis 7.0; clients held by a pause are not blocked: they run after it.
 */
function unblockAll(server: Server): void {
  for (const c of server.clients.values()) {
    const unblock = c.unblock;
    if (unblock === null || c.closed) continue;
    unblock(UNBLOCKED_DEMOTED);
    c.interrupt();
  }
}

/** How long closing waits for replies in flight (tries of SWEEP_MS) before it cuts them. */
const SWEEP_TRIES = 200;
const SWEEP_MS = 10;

/**
 * replica-close-clients-on-demote (hakv's, default yes): a master that becomes a replica closes
 * its normal and pub/sub clients, so clients that look up the master (Sentinel-aware ones)
 * reconnect to the new one instead of getting -READONLY for ever. A client whose command waits
 * (in a pause: FAILOVER's) or whose reply is on its way closes once that reply is written.
 */
function closeClients(server: Server, except: Client | null): void {
  const victims: Client[] = [];
  for (const c of server.clients.values()) {
    if (c === except || c.replica || c.master || c.closed) continue;
    c.closeAfterReply = true;
    victims.push(c);
  }
  if (victims.length === 0) return;
  server.log.notice(
    `Closing ${victims.length} client connection(s): this node is a replica now (replica-close-clients-on-demote)`,
  );
  let tries = 0;
  const sweep = () => {
    let left = 0;
    for (const c of victims) {
      if (c.closed) continue;
      if ((server.paused() || pendingOutput(c) > 0) && tries < SWEEP_TRIES) {
        left++;
        continue;
      }
      c.kill();
      server.removeClient(c);
    }
    if (left > 0) {
      tries++;
      setTimeout(sweep, SWEEP_MS);
    }
  };
  setTimeout(sweep, 0);
}

/** REPLICAOF NO ONE: keeps the data, starts a new history (the old id stays as replid2). */
export function unfollow(server: Server): void {
  const f = server.replicaOf;
  if (f === null) return;
  f.stop();
  server.replicaOf = null;
  const repl = server.repl;
  repl.following = false;
  repl.linkUp = true;
  repl.shiftId();
  server.keyspace.replica = 0;
  server.config.set("replicaof", ["no", "one"]);
  refreshReplicaGate(server);
}

/** Recomputes `server.replicaGate`, the one flag dispatch checks for replicas. */
export function refreshReplicaGate(server: Server): void {
  const f = server.replicaOf;
  if (f !== null) f.refreshConfig();
  server.replicaGate = f !== null && (f.readOnly || !f.serveStale);
}

/** What a replica refuses `cmd` from `c` with, or null (dispatch, when replicaGate is set). */
export function replicaRefusal(server: Server, c: Client, cmd: Command): string | null {
  const f = server.replicaOf;
  if (f === null || c === f.client) return null;
  if (f.readOnly && cmd.isWrite) return READONLY;
  if (!f.serveStale && !f.linkUp && !cmd.flags.has("stale")) return MASTERDOWN;
  return null;
}
