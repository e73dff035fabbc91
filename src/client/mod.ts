// One small RESP client, used by replicas, sentinels, the proxy and the tests. It never drops a
// frame: every frame either answers a call (replies match calls in the order they were sent, so
// calls pipeline) or is "unsolicited" and waits in a bounded queue for `next()` / `for await`.
//
// Unsolicited frames are: RESP3 pushes (unless `onPush` is set); in RESP2 pub/sub mode, the
// subscribe confirmations and messages; and any frame that arrives while no call is waiting
// (MONITOR lines, replies to raw `write`s, a master's replication stream).
import { makeRoom } from "../_util/binary.ts";
import {
  decodeFrame,
  encodeCommand,
  NEED_MORE,
  RespError,
  RespPush,
  type RespValue,
} from "../resp/mod.ts";

export { RespError, RespPush } from "../resp/mod.ts";
export type { RespValue } from "../resp/mod.ts";

/**
 * Unsolicited frames kept for a consumer before the connection is closed with an error. Large
 * enough for bursts (a replication backlog, a flood of pub/sub messages), small enough that a
 * consumer that never reads cannot grow the process without bound.
 */
export const DEFAULT_MAX_UNREAD = 100_000;

export interface ConnectOptions {
  hostname?: string;
  port: number;
  /** Unsolicited frames queued before the connection closes; default DEFAULT_MAX_UNREAD. */
  maxUnread?: number;
}

type Arg = string | number | Uint8Array;

interface Waiter {
  resolve: (v: RespValue) => void;
  reject: (e: Error) => void;
}

/** Commands answered by pub/sub frames (one per channel), never by a reply of their own. */
const SUBSCRIBE_COMMANDS = new Set([
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "unsubscribe",
  "punsubscribe",
  "sunsubscribe",
]);

/** First element of a RESP2 pub/sub frame (confirmation or message). */
const PUBSUB_KINDS = new Set([...SUBSCRIBE_COMMANDS, "message", "pmessage", "smessage"]);

function isSubscribeCommand(name: Arg | undefined): boolean {
  return typeof name === "string" && name.length >= 9 && name.length <= 12 &&
    SUBSCRIBE_COMMANDS.has(name.toLowerCase());
}

/** `[kind, channel, count|payload]` or `[pmessage, pattern, channel, payload]`. */
function isPubSubFrame(v: RespValue): boolean {
  return Array.isArray(v) && (v.length === 3 || v.length === 4) && typeof v[0] === "string" &&
    PUBSUB_KINDS.has(v[0]);
}

/** Stands in the reply line for a SUBSCRIBE-family command: when reached, pub/sub mode begins. */
const PUBSUB_MARK: Waiter = { resolve() {}, reject() {} };

/** A FIFO with O(1) shift: a head index into an array, compacted as it drains. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(v: T): void {
    this.#items.push(v);
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const v = this.#items[this.#head++];
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return v;
  }

  clear(): T[] {
    const rest = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}

export class RespClient {
  readonly #conn: Deno.TcpConn;
  readonly #maxUnread: number;
  #buf = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;
  /** Calls waiting for their reply, in the order their commands were written. */
  readonly #waiters = new Fifo<Waiter>();
  /** Unsolicited frames nobody has taken yet. */
  readonly #unread = new Fifo<RespValue>();
  /** `next()` callers waiting for an unsolicited frame (only while #unread is empty). */
  readonly #readers = new Fifo<Waiter>();
  /** Writes are chained so a partial write never interleaves with the next command. */
  #writing: Promise<void> = Promise.resolve();
  /**
   * RESP2 pub/sub mode: pub/sub-shaped arrays are unsolicited even while a call waits (a
   * message can arrive before the answer to PING). Once set it stays set: RESET or a last
   * UNSUBSCRIBE may be pipelined with a new SUBSCRIBE, so the count alone can't tell.
   */
  #pubsub = false;
  /** Seen a push: pub/sub frames are pushes, so no array needs to be taken for one. */
  #resp3 = false;
  #closed = false;
  #closeError: Error | null = null;
  /** Closed by close() or by the peer, as opposed to an I/O, protocol or overflow error. */
  #cleanClose = false;
  /** When set, RESP3 pushes go here instead of the unsolicited queue (the older API). */
  onPush: ((push: RespValue[]) => void) | null = null;
  /** Settles when the read loop ends. */
  readonly done: Promise<void>;

  private constructor(conn: Deno.TcpConn, maxUnread: number) {
    this.#conn = conn;
    this.#maxUnread = maxUnread;
    this.done = this.#readLoop();
  }

  static async connect(options: ConnectOptions): Promise<RespClient> {
    const conn = await Deno.connect({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port,
    });
    conn.setNoDelay(true);
    return new RespClient(conn, options.maxUnread ?? DEFAULT_MAX_UNREAD);
  }

  /**
   * Sends one command and resolves with its reply; error replies resolve as RespError.
   * SUBSCRIBE-family commands have no reply of their own: they resolve with null once written,
   * and their confirmations (then the messages) arrive through `next()` / `for await`.
   */
  call(...args: Arg[]): Promise<RespValue> {
    if (!isSubscribeCommand(args[0])) return this.sendRaw(encodeCommand(args));
    if (this.#closed) return Promise.reject(this.#reason());
    // Pub/sub mode starts after the replies to earlier calls, so it waits its turn in line.
    this.#waiters.push(PUBSUB_MARK);
    return this.write(encodeCommand(args)).then(() => null, (err) => {
      this.#fail(err, false);
      throw err;
    });
  }

  /** As `call`, but rejects with the RespError when the reply is an error. */
  async command(...args: Arg[]): Promise<RespValue> {
    const v = await this.call(...args);
    if (v instanceof RespError) throw v;
    return v;
  }

  /** Writes raw bytes (one command) and waits for its one reply. */
  sendRaw(bytes: Uint8Array): Promise<RespValue> {
    if (this.#closed) return Promise.reject(this.#reason());
    const p = new Promise<RespValue>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    this.write(bytes).catch((err) => this.#fail(err, false));
    return p;
  }

  /**
   * Writes raw bytes without expecting a reply: whatever they provoke arrives unsolicited,
   * unless a call is waiting then (don't mix the two on a connection).
   */
  write(bytes: Uint8Array): Promise<void> {
    const w = this.#writing.then(async () => {
      let off = 0;
      while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
    });
    this.#writing = w.catch(() => {});
    return w;
  }

  /**
   * The next unsolicited frame, in arrival order, waiting for one if none is queued. RESP3
   * pushes come as RespPush. Once the connection is closed and the queue drained, rejects with
   * the reason it closed. A pending `next()` owns the frame it will get: don't abandon one.
   */
  next(): Promise<RespValue> {
    if (this.#unread.length > 0) return Promise.resolve(this.#unread.shift()!);
    if (this.#closed) return Promise.reject(this.#reason());
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  /** Unsolicited frames until the connection closes; throws if it closed on an error. */
  async *[Symbol.asyncIterator](): AsyncGenerator<RespValue, void, undefined> {
    while (true) {
      try {
        yield await this.next();
      } catch (err) {
        if (this.#closed && this.#cleanClose && this.#unread.length === 0) return;
        throw err;
      }
    }
  }

  /** Unsolicited frames queued and not yet taken. */
  get unread(): number {
    return this.#unread.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** This end's address (a sentinel announces it in hello messages). */
  get localAddr(): Deno.NetAddr {
    return this.#conn.localAddr;
  }

  /** Closes the connection; pending calls and waiting `next()`s reject. */
  close(): void {
    this.#fail(new Error("connection closed"), true);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.done.catch(() => {});
  }

  #reason(): Error {
    return this.#closeError ?? new Error("connection closed");
  }

  #fail(err: Error, clean: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = err;
    this.#cleanClose = clean;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    for (const w of this.#waiters.clear()) if (w !== PUBSUB_MARK) w.reject(err);
    for (const r of this.#readers.clear()) r.reject(err);
  }

  /** Hands an unsolicited frame to a waiting reader, else queues it (bounded). */
  #deliver(v: RespValue): void {
    const reader = this.#readers.shift();
    if (reader !== undefined) return reader.resolve(v);
    if (this.#unread.length < this.#maxUnread) return this.#unread.push(v);
    // The frames already queued stay readable; this one and everything after is lost with the
    // connection, which the consumer learns from the error once it drains the queue.
    this.#fail(
      new Error(
        `unread frame queue full (${this.#maxUnread} frames): nobody consumes this ` +
          "connection's unsolicited frames with next() or for await; connection closed",
      ),
      false,
    );
  }

  #route(v: RespValue): void {
    while (this.#waiters.peek() === PUBSUB_MARK) {
      this.#waiters.shift();
      this.#pubsub = !this.#resp3;
    }
    if (v instanceof RespPush) {
      this.#resp3 = true;
      this.#pubsub = false;
      if (this.onPush !== null) this.onPush(v.items);
      else this.#deliver(v);
      return;
    }
    if (this.#pubsub && isPubSubFrame(v)) return this.#deliver(v);
    const w = this.#waiters.shift();
    if (w !== undefined) return w.resolve(v);
    // A raw write()'s SUBSCRIBE: from here on its messages must not answer calls either.
    if (
      !this.#pubsub && !this.#resp3 && isPubSubFrame(v) && typeof (v as RespValue[])[2] === "number"
    ) {
      this.#pubsub = true;
    }
    this.#deliver(v);
  }

  async #readLoop(): Promise<void> {
    try {
      while (!this.#closed) {
        if (this.#end === this.#buf.length) {
          this.#buf = makeRoom(this.#buf, this.#start, this.#end);
          this.#end -= this.#start;
          this.#start = 0;
        }
        const n = await this.#conn.read(this.#buf.subarray(this.#end));
        if (n === null) break;
        this.#end += n;
        // Every complete frame in this read is routed before reading again: a burst of many
        // messages in one read is handled frame by frame, a split frame waits for more bytes.
        while (this.#start < this.#end && !this.#closed) {
          const d = decodeFrame(this.#buf, this.#start, this.#end);
          if (d.length === NEED_MORE) break;
          this.#start += d.length;
          this.#route(d.value);
        }
        if (this.#start === this.#end) this.#start = this.#end = 0;
      }
      this.#fail(new Error("connection closed by peer"), true);
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)), false);
    }
  }
}

/** A reply that lists fields and values (a RESP2 flat array or a RESP3 map) as a Map. */
export function fieldMap(v: RespValue): Map<string, string> {
  const out = new Map<string, string>();
  if (v instanceof Map) {
    for (const [k, x] of v) out.set(String(k), String(x));
  } else if (Array.isArray(v)) {
    for (let i = 0; i + 1 < v.length; i += 2) out.set(String(v[i]), String(v[i + 1]));
  }
  return out;
}

/** INFO's text as a Map of its `field:value` lines (section headers left out). */
export function infoMap(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}
