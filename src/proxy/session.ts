// One client of the proxy and its connection to the master. Commands pass through as bytes
// (pipelining kept); the session only finds where each command and each reply ends, so it
// knows how many replies are outstanding. That count decides what a master change does:
// an idle session moves to the new master (its SELECT, AUTH, HELLO and CLIENT SETNAME are
// replayed there); one with replies outstanding, or in MULTI, SUBSCRIBE or MONITOR, is
// closed at the next command boundary, and at once if its master died: a command that was
// sent and not answered has an unknown outcome, which no error reply may claim is a failure.
import { makeRoom } from "../_util/binary.ts";
import { Argv, encodeCommand, RequestParser } from "../resp/mod.ts";
import { type Addr, addrKey, type MasterTracker } from "./discovery.ts";
import { frameEnd } from "./frames.ts";

const READ_CHUNK = 64 * 1024;
const MAX_BULK = 512 * 1024 * 1024;
/** Bytes of commands a session may hold while there is no master. */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
const encoder = new TextEncoder();

/** What to do with a command's reply. */
const FORWARD = 0;
const DROP = 1; // the reply to a replayed SELECT/AUTH/HELLO/CLIENT SETNAME
const INFO = 2; // INFO: the proxy adds its own section
type Slot = typeof FORWARD | typeof DROP | typeof INFO;

export interface ProxyContext {
  readonly tracker: MasterTracker;
  readonly switchTimeout: number;
  readonly requirepass: string | null;
  /** The proxy's `# Proxy` INFO section. */
  infoSection(): string;
  /** Commands waiting for a master, across sessions. */
  queued: number;
}

function bulk(text: string): Uint8Array {
  const body = encoder.encode(text);
  const head = encoder.encode(`$${body.length}\r\n`);
  const out = new Uint8Array(head.length + body.length + 2);
  out.set(head);
  out.set(body, head.length);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

function errorReply(text: string): Uint8Array {
  return encoder.encode(`-${text}\r\n`);
}

const OK = encoder.encode("+OK\r\n");
const NO_MASTER = "MASTERDOWN no master is available (hakv proxy: failover in progress)";

export class Session {
  readonly #ctx: ProxyContext;
  readonly #client: Deno.TcpConn;
  #backend: Deno.TcpConn | null = null;
  #backendAddr: Addr | null = null;
  #connecting = false;
  /** Replies outstanding on the backend, oldest first. */
  #slots: Slot[] = [];
  #slotHead = 0;
  /** Commands (and their reply slots) waiting for a backend. */
  #pending: { bytes: Uint8Array; slots: Slot[] }[] = [];
  #pendingBytes = 0;
  #pendingTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** Writes to the client are chained, in order. */
  #clientWrites: Promise<void> = Promise.resolve();

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
  readonly #onClose: () => void;

  constructor(ctx: ProxyContext, client: Deno.TcpConn, onClose: () => void) {
    this.#ctx = ctx;
    this.#client = client;
    this.#onClose = onClose;
    this.#authenticated = ctx.requirepass === null;
  }

  get outstanding(): number {
    return this.#slots.length - this.#slotHead;
  }

  /** Runs until the client leaves or is closed. */
  async serve(): Promise<void> {
    const parser = new RequestParser();
    const argv = new Argv();
    let buf = new Uint8Array(READ_CHUNK);
    let start = 0;
    let end = 0;
    try {
      while (!this.#closed) {
        if (end === buf.length) {
          buf = makeRoom(buf, start, end);
          end -= start;
          start = 0;
        }
        const n = await this.#client.read(buf.subarray(end));
        if (n === null) break;
        end += n;
        // Complete commands are forwarded as one run of bytes, cut where the proxy answers
        // a command itself.
        let runStart = start;
        const runSlots: Slot[] = [];
        while (start < end && !this.#closed) {
          const used = parser.parse(buf, start, end, argv, {
            maxBulkLen: MAX_BULK,
            unauthenticated: !this.#authenticated,
          });
          if (used === 0) break;
          if (used < 0) {
            await this.#forward(buf.subarray(runStart, start), runSlots);
            this.#reply(errorReply(parser.error));
            this.close();
            return;
          }
          // An empty command line (`*0`, a blank inline line) is skipped, as Redis skips it.
          const local = argv.length === 0 ? null : this.#inspect(argv);
          if (local === undefined) {
            runSlots.push(argv.is(0, "info") && this.#wantsProxyInfo(argv) ? INFO : FORWARD);
          } else {
            // Answered here (or not at all): forward what came before, then answer.
            await this.#forward(buf.subarray(runStart, start), runSlots.splice(0));
            if (local !== null) this.#reply(local);
            runStart = start + used;
          }
          start += used;
        }
        await this.#forward(buf.subarray(runStart, start), runSlots);
        if (start === end) start = end = 0;
      }
    } catch {
      // the client's connection failed
    } finally {
      this.close();
    }
  }

  /**
   * Tracks connection state from a command. Returns undefined to forward it, a reply to
   * answer it here, or null to drop it silently.
   */
  #inspect(argv: Argv): Uint8Array | null | undefined {
    const name = argv.lower(0);
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
        this.#reply(OK);
        this.#clientWrites.finally(() => this.close());
        return null;
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

  /** Sends commands to the master, or holds them while there is none. */
  async #forward(bytes: Uint8Array, slots: Slot[]): Promise<void> {
    if (bytes.length === 0) return;
    // Bound to a master that was replaced: nothing more goes to it. These commands are never
    // sent; the connection closes once the replies already due are delivered.
    if (this.#closeWhenIdle) return;
    if (this.#backend !== null && this.#pending.length === 0) {
      if (!this.#pinned) { for (const s of slots) this.#slots.push(s); }
      await this.#writeBackend(bytes);
      return;
    }
    if (this.#pendingBytes + bytes.length > MAX_PENDING_BYTES) {
      this.close();
      return;
    }
    if (this.#pending.length === 0) {
      this.#pendingTimer = setTimeout(() => this.#failPending(), this.#ctx.switchTimeout);
    }
    this.#pending.push({ bytes: bytes.slice(), slots: [...slots] });
    this.#pendingBytes += bytes.length;
    this.#ctx.queued += slots.length;
    this.#connect();
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
    const waiting = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const p of waiting) {
      this.#ctx.queued -= p.slots.length;
      for (const s of p.slots) if (s !== DROP) this.#reply(errorReply(NO_MASTER));
    }
  }

  /** The master changed (null: there is none right now). */
  masterChanged(addr: Addr | null): void {
    if (this.#closed) return;
    const b = this.#backend;
    if (b !== null && (addr === null || addrKey(addr) !== addrKey(this.#backendAddr!))) {
      if (this.outstanding > 0) {
        // Replies are on their way from the old master: deliver them, then close.
        this.#closeWhenIdle = true;
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
    if (addr !== null && this.#pending.length > 0) this.#connect();
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
      this.#slots = [];
      this.#slotHead = 0;
      this.#closeWhenIdle = false;
      this.#readBackend(conn);
      const replay: (string | number)[][] = [];
      if (this.#hello !== null) replay.push(["HELLO", ...this.#hello]);
      else if (this.#auth !== null) replay.push(["AUTH", ...this.#auth]);
      if (this.#name !== null) replay.push(["CLIENT", "SETNAME", this.#name]);
      if (this.#db !== "0") replay.push(["SELECT", this.#db]);
      for (const cmd of replay) {
        this.#slots.push(DROP);
        await this.#writeBackend(encodeCommand(cmd));
      }
      clearTimeout(this.#pendingTimer);
      const waiting = this.#pending;
      this.#pending = [];
      this.#pendingBytes = 0;
      for (const p of waiting) {
        this.#ctx.queued -= p.slots.length;
        if (!this.#pinned) { for (const s of p.slots) this.#slots.push(s); }
        await this.#writeBackend(p.bytes);
      }
    })().finally(() => {
      this.#connecting = false;
    });
  }

  async #readBackend(conn: Deno.TcpConn): Promise<void> {
    let buf = new Uint8Array(READ_CHUNK);
    let start = 0;
    let end = 0;
    try {
      while (this.#backend === conn) {
        if (end === buf.length) {
          buf = makeRoom(buf, start, end);
          end -= start;
          start = 0;
        }
        const n = await conn.read(buf.subarray(end));
        if (n === null) break;
        end += n;
        if (this.#pinned) {
          // Counting is off: everything goes to the client as it comes.
          await this.#replyNow(buf.subarray(start, end));
          start = end = 0;
          continue;
        }
        let fwd = start;
        while (start < end) {
          const stop = frameEnd(buf, start, end);
          if (stop < 0) break;
          if (buf[start] !== 62) { // a push is not a reply
            const slot = this.#slots[this.#slotHead++];
            if (this.#slotHead === this.#slots.length) {
              this.#slots = [];
              this.#slotHead = 0;
            }
            if (slot === DROP || slot === INFO) {
              if (fwd < start) this.#reply(buf.slice(fwd, start));
              if (slot === INFO) this.#reply(this.#withProxySection(buf.subarray(start, stop)));
              fwd = stop;
            }
          }
          start = stop;
        }
        // The usual case: the replies in this read go out from the read buffer itself, which
        // is not reused until they are written.
        if (fwd < start) await this.#replyNow(buf.subarray(fwd, start));
        if (start === end) start = end = 0;
        if (this.#closeWhenIdle && this.outstanding === 0) {
          this.#clientWrites.finally(() => this.close());
          return;
        }
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
    return bulk(body === "" ? section : `${body}\r\n${section}`);
  }

  /** Writes after whatever is queued for the client, and resolves once written. */
  #replyNow(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const w = this.#clientWrites.then(async () => {
      let off = 0;
      while (off < bytes.length) off += await this.#client.write(bytes.subarray(off));
    });
    this.#clientWrites = w.catch(() => this.close());
    return this.#clientWrites;
  }

  #reply(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#clientWrites = this.#clientWrites.then(async () => {
      let off = 0;
      while (off < bytes.length) off += await this.#client.write(bytes.subarray(off));
    }).catch(() => this.close());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#pendingTimer);
    for (const p of this.#pending) this.#ctx.queued -= p.slots.length;
    this.#pending = [];
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
