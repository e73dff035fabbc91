// One small RESP client, used by replicas, sentinels, the proxy and the tests. Commands are
// pipelined: each call writes its command and waits for replies in order. Push frames (RESP3
// pub/sub) go to `onPush` instead of answering a call.
import {
  decodeFrame,
  encodeCommand,
  NEED_MORE,
  RespError,
  RespPush,
  type RespValue,
} from "../resp/mod.ts";

export { RespError } from "../resp/mod.ts";
export type { RespValue } from "../resp/mod.ts";

export interface ConnectOptions {
  hostname?: string;
  port: number;
}

interface Waiter {
  resolve: (v: RespValue) => void;
  reject: (e: Error) => void;
}

export class RespClient {
  readonly #conn: Deno.TcpConn;
  #buf = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;
  readonly #waiters: Waiter[] = [];
  #closed = false;
  #closeError: Error | null = null;
  /** RESP3 push frames and, in subscribed mode, messages arrive here. */
  onPush: (push: RespValue[]) => void = () => {};
  readonly done: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.done = this.#readLoop();
  }

  static async connect(options: ConnectOptions): Promise<RespClient> {
    const conn = await Deno.connect({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port,
    });
    conn.setNoDelay(true);
    return new RespClient(conn);
  }

  /** Sends one command and resolves with its reply; error replies resolve as RespError. */
  call(...args: (string | number | Uint8Array)[]): Promise<RespValue> {
    return this.sendRaw(encodeCommand(args));
  }

  /** As `call`, but rejects with the RespError when the reply is an error. */
  async command(...args: (string | number | Uint8Array)[]): Promise<RespValue> {
    const v = await this.call(...args);
    if (v instanceof RespError) throw v;
    return v;
  }

  /** Writes raw bytes and waits for one reply. */
  sendRaw(bytes: Uint8Array): Promise<RespValue> {
    if (this.#closed) return Promise.reject(this.#closeError ?? new Error("connection closed"));
    const p = new Promise<RespValue>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    this.write(bytes).catch((err) => this.#fail(err));
    return p;
  }

  /** Writes raw bytes without expecting a reply. */
  async write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
  }

  /** Waits for the next reply without sending anything (MONITOR, subscriptions in RESP2). */
  next(): Promise<RespValue> {
    if (this.#closed) return Promise.reject(this.#closeError ?? new Error("connection closed"));
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.done.catch(() => {});
  }

  #fail(err: Error): void {
    this.#closeError ??= err;
    this.close();
    for (const w of this.#waiters.splice(0)) w.reject(err);
  }

  async #readLoop(): Promise<void> {
    try {
      while (true) {
        if (this.#end === this.#buf.length) {
          if (this.#start > 0) {
            this.#buf.copyWithin(0, this.#start, this.#end);
            this.#end -= this.#start;
            this.#start = 0;
          } else {
            const next = new Uint8Array(this.#buf.length * 2);
            next.set(this.#buf);
            this.#buf = next;
          }
        }
        const n = await this.#conn.read(this.#buf.subarray(this.#end));
        if (n === null) break;
        this.#end += n;
        while (this.#start < this.#end) {
          const d = decodeFrame(this.#buf, this.#start, this.#end);
          if (d.length === NEED_MORE) break;
          this.#start += d.length;
          if (d.value instanceof RespPush) {
            this.onPush(d.value.items);
            continue;
          }
          const w = this.#waiters.shift();
          if (w !== undefined) w.resolve(d.value);
        }
        if (this.#start === this.#end) this.#start = this.#end = 0;
      }
      this.#fail(new Error("connection closed by peer"));
    } catch (err) {
      this.#fail(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
