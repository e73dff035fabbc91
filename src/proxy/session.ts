// One client of the proxy. Commands pass through as bytes (pipelining kept); the session only
// finds where each command and each reply ends, so it knows which replies it is owed.
//
// A session starts on the shared links (pool.ts): its commands travel with other clients'
// over a few connections to the master. The first command that gives the connection a state
// of its own (SELECT, AUTH, HELLO, CLIENT, MULTI, WATCH, SUBSCRIBE, MONITOR, READONLY, RESET, a
// blocking command) moves it, for good, to a dedicated connection: once the replies it is owed
// on the shared link are delivered, that command and the ones after it go there. WAIT is sent
// on the shared link, which carries all of this session's writes (and others', so WAIT waits
// for at least as much as it must), and the session goes dedicated after it: a WAIT never holds
// up other clients twice.
//
// When the master changes: an idle session moves (a dedicated one gets its SELECT, AUTH,
// HELLO and CLIENT SETNAME replayed); one owed replies, or in MULTI, SUBSCRIBE or MONITOR, is
// closed at the next command boundary, and at once if its master died: a command that was sent
// and not answered has an unknown outcome, which no error reply may claim is a failure.
import { makeRoom } from "../_util/binary.ts";
import { COMMANDS } from "../commands/mod.ts";
import { Argv, encodeCommand, RequestParser, RespWriter } from "../resp/mod.ts";
import { type Addr, type MasterTracker, sameAddr } from "./discovery.ts";
import { FrameReader } from "./frames.ts";
import { Outbox } from "./outbox.ts";
import type { LinkUser, Pool, SharedLink } from "./pool.ts";

const READ_CHUNK = 64 * 1024;
const MAX_BULK = 512 * 1024 * 1024;
/** Bytes of commands a session may hold while there is no master. */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
/** Replies waiting for a slow client past this: stop reading its commands until it catches up. */
const CLIENT_HIGH_WATER = 1024 * 1024;
/** Commands waiting to be written to a shared link past this: wait for the link. */
const LINK_HIGH_WATER = 4 * 1024 * 1024;
const encoder = new TextEncoder();

/** What to do with a command's reply. */
const FORWARD = 0;
const DROP = 1; // the reply to a replayed SELECT/AUTH/HELLO/CLIENT SETNAME
const INFO = 2; // INFO: the proxy adds its own section
type Slot = typeof FORWARD | typeof DROP | typeof INFO;
/** A reply owed to the client: one from the master, or one the proxy gives itself, in order. */
type Owed = Slot | Uint8Array;

/** Commands that give a connection a state of its own: they need a dedicated connection. */
const STATEFUL = new Set([
  "select",
  "auth",
  "hello",
  "client",
  "multi",
  "exec",
  "discard",
  "watch",
  "unwatch",
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "unsubscribe",
  "punsubscribe",
  "sunsubscribe",
  "monitor",
  "sync",
  "psync",
  "replconf",
  "readonly",
  "readwrite",
  "reset",
  "asking",
  ...COMMANDS.filter((c) => c.flags?.includes("blocking") && !c.name.includes("|")).map((c) =>
    c.name
  ),
]);
/**
 * What read routing may send to a replica: commands the table flags read-only, and nothing that
 * blocks, subscribes or administers.
 */
const READS = new Set<string>(
  COMMANDS.filter((c) =>
    !c.name.includes("|") && c.flags?.includes("readonly") &&
    !c.flags.some((f) => f === "write" || f === "blocking" || f === "pubsub" || f === "admin")
  ).map((c) => c.name),
);
/** Sent on the shared link (which carried the session's writes); the session goes dedicated after. */
const AFTER_SHARED = new Set(["wait", "waitaof"]);

export interface ProxyContext {
  readonly tracker: MasterTracker;
  readonly switchTimeout: number;
  readonly requirepass: string | null;
  /** Sessions start on shared links (false: each gets its own connection to the master). */
  readonly sharing: boolean;
  /** The shared links to the current master; null while there is none. */
  pool(): Pool | null;
  /** Read-only commands of sessions on shared links go to a replica. */
  readonly readFromReplicas: boolean;
  /** The shared links to the replica for session number `n`; null while there is none. */
  replicaPool(n: number): Pool | null;
  /** Commands sent to replicas. */
  replicaReads: number;
  /** Sessions waiting for a shared link to come up. */
  readonly waiting: Set<Session>;
  /** The proxy's `# Proxy` INFO section. */
  infoSection(): string;
  /** Commands waiting for a master, across sessions. */
  queued: number;
  /** Numbers sessions, to spread them over the shared links. */
  nextId: number;
  /** Sessions that have a dedicated connection. */
  dedicated: number;
}

/** One reply the proxy gives itself, encoded by the RESP writer. */
function reply(write: (w: RespWriter) => void): Uint8Array {
  const w = new RespWriter(256);
  write(w);
  return w.bytes().slice();
}

function errorReply(text: string): Uint8Array {
  return reply((w) => w.error(text));
}

const OK = reply((w) => w.ok());
const NO_MASTER = "MASTERDOWN no master is available (hakv proxy: failover in progress)";

function remoteCount(owed: readonly Owed[]): number {
  let n = 0;
  for (const o of owed) if (typeof o === "number") n++;
  return n;
}

export class Session implements LinkUser {
  readonly #ctx: ProxyContext;
  readonly #client: Deno.TcpConn;
  readonly #out: Outbox;
  readonly #id: number;
  /** On the shared links (until a stateful command). */
  #shared: boolean;
  /** The shared link this session's commands went to, and how many replies it still owes. */
  #link: SharedLink | null = null;
  #linkOwed = 0;
  /** The commands being forwarded are reads for a replica. */
  #toReplica = false;

  #backend: Deno.TcpConn | null = null;
  #backendAddr: Addr | null = null;
  #connecting = false;
  /** The first dedicated connection needs no replay: the session had no state before it. */
  #skipReplay = false;
  /** Replies owed to the client, oldest first, from `#head`. */
  #owed: Owed[] = [];
  #head = 0;
  /** Commands (and what they are owed) waiting for a connection. */
  #pending: { bytes: Uint8Array; owed: Owed[]; toReplica: boolean }[] = [];
  #pendingBytes = 0;
  #pendingTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  // Connection state to carry to a new master.
  #db = "0";
  #auth: string[] | null = null;
  #hello: string[] | null = null;
  #name: string | null = null;
  #authenticated: boolean;

  #inMulti = false;
  /** SUBSCRIBE, MONITOR, CLIENT REPLY OFF: replies can no longer be counted. */
  #pinned = false;
  /** A switch happened while replies were outstanding: close once they are delivered. */
  #closeWhenIdle = false;
  /** QUIT: close once every reply owed is written. */
  #quit = false;
  readonly #onClose: () => void;

  constructor(ctx: ProxyContext, client: Deno.TcpConn, onClose: () => void) {
    this.#ctx = ctx;
    this.#client = client;
    this.#out = new Outbox(client, () => this.close());
    this.#onClose = onClose;
    this.#authenticated = ctx.requirepass === null;
    this.#id = ctx.nextId++;
    this.#shared = ctx.sharing;
    if (!this.#shared) ctx.dedicated++;
  }

  /** Replies owed by the master (the proxy's own wait behind them). */
  get outstanding(): number {
    return this.#owed.length - this.#head;
  }

  /** Runs until the client leaves or is closed. */
  async serve(): Promise<void> {
    const parser = new RequestParser();
    const argv = new Argv();
    let buf = new Uint8Array(READ_CHUNK);
    let start = 0;
    let end = 0;
    try {
      while (!this.#closed && !this.#quit) {
        if (this.#out.pending > CLIENT_HIGH_WATER) await this.#out.drained();
        if (end === buf.length) {
          buf = makeRoom(buf, start, end);
          end -= start;
          start = 0;
        }
        const n = await this.#client.read(buf.subarray(end));
        if (n === null) break;
        end += n;
        // Complete commands are forwarded as one run of bytes, cut where the proxy answers
        // a command itself and where the session leaves the shared links.
        let runStart = start;
        const run: Owed[] = [];
        while (start < end && !this.#closed && !this.#quit) {
          const used = parser.parse(buf, start, end, argv, {
            maxBulkLen: MAX_BULK,
            unauthenticated: !this.#authenticated,
          });
          if (used === 0) break;
          if (used < 0) {
            await this.#forward(buf.subarray(runStart, start), run.splice(0));
            runStart = start;
            this.#local(errorReply(parser.error));
            this.#quit = true;
            break;
          }
          // An empty command line (`*0`, a blank inline line) is skipped, as Redis skips it.
          const name = argv.length === 0 ? "" : argv.lower(0);
          const local = argv.length === 0 ? null : this.#inspect(name, argv);
          if (local === undefined) {
            if (this.#shared && STATEFUL.has(name)) {
              await this.#forward(buf.subarray(runStart, start), run.splice(0));
              runStart = start;
              this.#goDedicated();
            }
            const toReplica = this.#shared && this.#ctx.readFromReplicas && READS.has(name);
            if (toReplica !== this.#toReplica) {
              await this.#forward(buf.subarray(runStart, start), run.splice(0));
              runStart = start;
              this.#toReplica = toReplica;
            }
            run.push(name === "info" && this.#wantsProxyInfo(argv) ? INFO : FORWARD);
            if (this.#shared && AFTER_SHARED.has(name)) {
              await this.#forward(buf.subarray(runStart, start + used), run.splice(0));
              runStart = start + used;
              this.#goDedicated();
            }
          } else {
            // Answered here (or not at all): forward what came before, then answer in turn.
            await this.#forward(buf.subarray(runStart, start), run.splice(0));
            if (local !== null) this.#local(local);
            runStart = start + used;
          }
          start += used;
        }
        const wait = this.#forward(buf.subarray(runStart, start), run);
        if (wait !== undefined) await wait;
        if (start === end) start = end = 0;
      }
    } catch {
      // the client's connection failed
    }
    if (this.#quit) this.#finishWhenIdle();
    else this.close();
  }

  /** Leaves the shared links; what follows waits until the shared link has answered. */
  #goDedicated(): void {
    this.#shared = false;
    this.#skipReplay = true;
    this.#ctx.dedicated++;
  }

  /**
   * Tracks connection state from a command. Returns undefined to forward it, a reply to
   * answer it here, or null to drop it silently.
   */
  #inspect(name: string, argv: Argv): Uint8Array | null | undefined {
    if (this.#ctx.requirepass !== null) {
      if (name === "auth") {
        const given = argv.str(argv.length - 1);
        if (given !== this.#ctx.requirepass) {
          return errorReply("WRONGPASS invalid username-password pair or user is disabled.");
        }
        this.#authenticated = true;
        return OK;
      }
      if (!this.#authenticated && name !== "hello" && name !== "quit") {
        return errorReply("NOAUTH Authentication required.");
      }
    }
    switch (name) {
      case "quit":
        this.#quit = true;
        return OK;
      case "select":
        if (argv.length === 2) this.#db = argv.str(1);
        break;
      case "auth":
        this.#auth = argv.strings(1);
        break;
      case "hello":
        this.#hello = argv.strings(1);
        break;
      case "client":
        if (argv.length === 3 && argv.is(1, "setname")) this.#name = argv.str(2);
        if (argv.length >= 3 && argv.is(1, "reply") && !argv.is(2, "on")) this.#pinned = true;
        break;
      case "multi":
        this.#inMulti = true;
        break;
      case "exec":
      case "discard":
        this.#inMulti = false;
        break;
      case "subscribe":
      case "psubscribe":
      case "ssubscribe":
      case "monitor":
      case "sync":
      case "psync":
        this.#pinned = true;
        break;
    }
    return undefined;
  }

  #wantsProxyInfo(argv: Argv): boolean {
    if (argv.length === 1) return true;
    for (let i = 1; i < argv.length; i++) {
      const s = argv.lower(i);
      if (s === "proxy" || s === "all" || s === "everything" || s === "default") return true;
    }
    return false;
  }

  /** A reply the proxy gives itself, after every reply owed before it. */
  #local(reply: Uint8Array): void {
    if (this.#closed) return;
    if (this.#pinned) {
      this.#out.push(reply);
    } else if (this.#pending.length > 0) {
      this.#pending[this.#pending.length - 1]!.owed.push(reply);
    } else if (this.outstanding > 0) {
      this.#owed.push(reply);
    } else {
      this.#out.push(reply);
    }
  }

  /**
   * Sends commands to the master, or holds them while there is no connection to send on.
   * Returns a promise only when the caller must wait before reading more.
   */
  #forward(bytes: Uint8Array, owed: Owed[]): Promise<void> | undefined {
    if (bytes.length === 0) return;
    // Bound to a master that was replaced: nothing more goes to it. These commands are never
    // sent; the connection closes once the replies already due are delivered.
    if (this.#closeWhenIdle) return;
    if (this.#pending.length === 0) {
      if (this.#shared) {
        const link = this.#sharedLink(this.#toReplica);
        if (link !== null) {
          this.#send(link, bytes, owed);
          return link.backlog > LINK_HIGH_WATER ? link.drained() : undefined;
        }
      } else if (this.#backend !== null) {
        if (!this.#pinned) { for (const o of owed) this.#owed.push(o); }
        return this.#writeBackend(bytes);
      }
    }
    if (this.#pendingBytes + bytes.length > MAX_PENDING_BYTES) {
      this.close();
      return;
    }
    if (this.#pending.length === 0) {
      this.#pendingTimer = setTimeout(() => this.#failPending(), this.#ctx.switchTimeout);
    }
    this.#pending.push({ bytes: bytes.slice(), owed: [...owed], toReplica: this.#toReplica });
    this.#pendingBytes += bytes.length;
    this.#ctx.queued += remoteCount(owed);
    if (!this.#shared) this.#connect();
  }

  /**
   * The shared link to send on now (a replica's for reads, when there is one), or null: the
   * session is told when one comes up, or when the replies owed on another link are in.
   */
  #sharedLink(toReplica: boolean): SharedLink | null {
    const pool = (toReplica ? this.#ctx.replicaPool(this.#id) : null) ?? this.#ctx.pool();
    const link = pool?.link(this.#id) ?? null;
    if (link === null) {
      if (pool !== null) this.#ctx.waiting.add(this);
      return null;
    }
    // Replies still owed on another link would race this link's: wait for them.
    if (this.#link !== null && this.#link !== link && this.#linkOwed > 0) return null;
    return link;
  }

  #send(link: SharedLink, bytes: Uint8Array, owed: readonly Owed[]): void {
    let n = 0;
    for (const o of owed) {
      this.#owed.push(o);
      if (typeof o === "number") n++;
    }
    this.#link = link;
    this.#linkOwed += n;
    if (!link.toMaster) this.#ctx.replicaReads += n;
    link.send(this, bytes, n);
  }

  /** A shared link came up, or the master changed: send what waits, if it can go now. */
  retry(): void {
    if (this.#closed || this.#pending.length === 0) return;
    if (!this.#shared) {
      this.#connect();
      return;
    }
    // In order, as far as links allow: a change of link waits for the replies owed on the last.
    while (this.#pending.length > 0) {
      const p = this.#pending[0]!;
      const link = this.#sharedLink(p.toReplica);
      if (link === null) return;
      this.#pending.shift();
      this.#pendingBytes -= p.bytes.length;
      this.#ctx.queued -= remoteCount(p.owed);
      this.#send(link, p.bytes, p.owed);
    }
    this.#ctx.waiting.delete(this);
    clearTimeout(this.#pendingTimer);
  }

  deliver(link: SharedLink, frame: Uint8Array): void {
    if (link !== this.#link) return;
    this.#linkOwed--;
    if (this.#closed) return;
    this.#take(frame);
    if (this.#linkOwed === 0 && this.#pending.length > 0) this.retry();
  }

  linkLost(link: SharedLink): void {
    // Commands sent and not answered: their outcomes are unknown, so no reply may be given.
    if (link === this.#link && this.#linkOwed > 0) this.close();
  }

  /** One reply from the master, for the oldest command owed one. */
  #take(frame: Uint8Array): void {
    const slot = this.#owed[this.#head++];
    if (slot === FORWARD) this.#out.push(frame);
    else if (slot === INFO) this.#out.push(this.#withProxySection(frame));
    // The proxy's own replies that were waiting for this one.
    while (this.#head < this.#owed.length) {
      const next = this.#owed[this.#head]!;
      if (typeof next === "number") break;
      this.#out.push(next);
      this.#head++;
    }
    if (this.#head === this.#owed.length) {
      this.#owed = [];
      this.#head = 0;
      if (this.#quit || this.#closeWhenIdle) this.#finishWhenIdle();
    }
  }

  async #writeBackend(bytes: Uint8Array): Promise<void> {
    const b = this.#backend!;
    try {
      let off = 0;
      while (off < bytes.length) off += await b.write(bytes.subarray(off));
    } catch {
      this.#backendLost(b);
    }
  }

  /** Commands that waited too long for a master: they were never sent, so they failed. */
  #failPending(): void {
    if (this.#linkOwed > 0) {
      // Waiting for a link's replies, not for a master: that is no failure.
      this.#pendingTimer = setTimeout(() => this.#failPending(), this.#ctx.switchTimeout);
      return;
    }
    this.#ctx.waiting.delete(this);
    const waiting = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const p of waiting) {
      this.#ctx.queued -= remoteCount(p.owed);
      for (const o of p.owed) {
        if (typeof o !== "number") this.#local(o);
        else if (o !== DROP) this.#local(errorReply(NO_MASTER));
      }
    }
    if (this.#quit) this.#finishWhenIdle();
  }

  /** The master changed (null: there is none right now). */
  masterChanged(addr: Addr | null): void {
    if (this.#closed) return;
    const moved = (a: Addr) => addr === null || !sameAddr(addr, a);
    if (
      this.#link !== null && this.#linkOwed > 0 && this.#link.toMaster && moved(this.#link.addr)
    ) {
      // Replies are on their way from the old master: deliver them, then close.
      this.#closeWhenIdle = true;
    }
    const b = this.#backend;
    if (b !== null && moved(this.#backendAddr!)) {
      if (this.outstanding > 0) {
        this.#closeWhenIdle = true;
        // An old master that stopped answering would hold this client forever.
        setTimeout(() => {
          if (this.#backend === b) this.close();
        }, this.#ctx.switchTimeout);
      } else if (this.#pinned || this.#inMulti) {
        this.close();
        return;
      } else {
        this.#backend = null;
        this.#backendAddr = null;
        try {
          b.close();
        } catch {
          // already closed
        }
      }
    }
    if (addr !== null) this.retry();
  }

  #backendLost(b: Deno.TcpConn): void {
    if (this.#backend !== b) return;
    this.#backend = null;
    this.#backendAddr = null;
    try {
      b.close();
    } catch {
      // already closed
    }
    // Unanswered commands have unknown outcomes; a transaction or subscription can't move.
    if (this.outstanding > 0 || this.#pinned || this.#inMulti || this.#closeWhenIdle) {
      this.close();
    }
  }

  /** Opens a connection to the current master, replays the connection state, sends what waits. */
  #connect(): void {
    if (this.#connecting || this.#backend !== null || this.#closed) return;
    // Replies still owed on the shared link come first; deliver() calls again.
    if (this.#linkOwed > 0) return;
    const addr = this.#ctx.tracker.current;
    if (addr === null) return; // masterChanged() calls again
    this.#connecting = true;
    (async () => {
      let conn: Deno.TcpConn;
      try {
        conn = await Deno.connect({ hostname: addr.host, port: addr.port });
        conn.setNoDelay(true);
      } catch {
        // Not reachable (yet): try again shortly while commands wait.
        setTimeout(() => this.#connect(), 50);
        return;
      }
      if (this.#closed) {
        conn.close();
        return;
      }
      this.#backend = conn;
      this.#backendAddr = addr;
      this.#owed = [];
      this.#head = 0;
      this.#closeWhenIdle = false;
      this.#readBackend(conn);
      const replay: (string | number)[][] = [];
      if (!this.#skipReplay) {
        if (this.#hello !== null) replay.push(["HELLO", ...this.#hello]);
        else if (this.#auth !== null) replay.push(["AUTH", ...this.#auth]);
        if (this.#name !== null) replay.push(["CLIENT", "SETNAME", this.#name]);
        if (this.#db !== "0") replay.push(["SELECT", this.#db]);
      }
      this.#skipReplay = false;
      for (const cmd of replay) {
        this.#owed.push(DROP);
        await this.#writeBackend(encodeCommand(cmd));
      }
      clearTimeout(this.#pendingTimer);
      const waiting = this.#pending;
      this.#pending = [];
      this.#pendingBytes = 0;
      for (const p of waiting) {
        this.#ctx.queued -= remoteCount(p.owed);
        if (!this.#pinned) { for (const o of p.owed) this.#owed.push(o); }
        await this.#writeBackend(p.bytes);
      }
    })().finally(() => {
      this.#connecting = false;
    });
  }

  async #readBackend(conn: Deno.TcpConn): Promise<void> {
    const replies = new FrameReader(conn);
    try {
      const addr = this.#backendAddr!;
      const tracker = this.#ctx.tracker;
      while (this.#backend === conn && await replies.fill()) {
        // As on a shared link: nothing from a master in doubt reaches the client until it is
        // confirmed again, and nothing at all once another node is the master.
        if (!tracker.isCurrent(addr) && !await tracker.confirmed(addr, this.#ctx.switchTimeout)) {
          break;
        }
        if (this.#backend !== conn) break;
        if (this.#pinned) {
          // Counting is off: everything goes to the client as it comes.
          this.#out.push(replies.rest());
        } else {
          for (let f = replies.next(); f !== null; f = replies.next()) {
            if (f[0] !== 62) this.#take(f); // a push is no reply
            else this.#out.push(f);
          }
        }
        if (this.#closeWhenIdle && this.outstanding === 0) return;
        // A client that does not read its replies stops the reading of the master's.
        if (this.#out.pending > CLIENT_HIGH_WATER) await this.#out.drained();
      }
    } catch {
      // the master's connection failed
    }
    this.#backendLost(conn);
  }

  /** An INFO reply (bulk or verbatim string) with the proxy's section appended. */
  #withProxySection(frame: Uint8Array): Uint8Array {
    const text = new TextDecoder().decode(frame);
    const nl = text.indexOf("\r\n");
    let body = text.slice(nl + 2, text.length - 2);
    if (text[0] === "=") body = body.slice(4); // "txt:"
    const section = this.#ctx.infoSection();
    const all = encoder.encode(body === "" ? section : `${body}\r\n${section}`);
    return reply((w) => w.bulkBytes(all));
  }

  /** Closes once nothing more is owed and what is owed has been written. */
  #finishWhenIdle(): void {
    if (this.#closed || this.outstanding > 0) return;
    // Commands held back from a replaced master are never sent; those waiting for one are.
    if (this.#pending.length > 0 && !this.#closeWhenIdle) return;
    this.#out.drained().then(() => this.close());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#pendingTimer);
    this.#ctx.waiting.delete(this);
    for (const p of this.#pending) this.#ctx.queued -= remoteCount(p.owed);
    this.#pending = [];
    if (!this.#shared) this.#ctx.dedicated--;
    for (const c of [this.#client, this.#backend]) {
      try {
        c?.close();
      } catch {
        // already closed
      }
    }
    this.#backend = null;
    this.#onClose();
  }
}
