// A connection's outgoing bytes. Everything pushed during one turn of the event loop goes out
// in one write: the flush runs as a microtask, after every read that completed in the same
// turn has been handled. That is where the proxy's speed comes from: fifty clients' commands
// reach the master in one write, and a session's replies from one read of the master reach
// its client in one write. The bytes wait in RespWriter buffers, two of them: one fills while
// the other is being written.
import { RespWriter } from "../resp/mod.ts";

export class Outbox {
  readonly #conn: Deno.Conn;
  readonly #onError: () => void;
  #buf = new RespWriter();
  #spare = new RespWriter();
  #inflight = 0;
  #scheduled = false;
  #failed = false;
  #waiters: (() => void)[] = [];

  constructor(conn: Deno.Conn, onError: () => void) {
    this.#conn = conn;
    this.#onError = onError;
  }

  /** Bytes pushed and not yet written. */
  get pending(): number {
    return this.#buf.length + this.#inflight;
  }

  /** Copies `bytes` to go out with the next write; the caller may reuse them at once. */
  push(bytes: Uint8Array): void {
    if (this.#failed || bytes.length === 0) return;
    this.#buf.raw(bytes);
    if (!this.#scheduled && this.#inflight === 0) {
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Resolves once everything pushed so far is written (or the connection failed). */
  drained(): Promise<void> {
    if (this.pending === 0 || this.#failed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    try {
      while (this.#buf.length > 0 && !this.#failed) {
        // Swap buffers: pushes made while this write is under way fill the other one.
        const out = this.#buf;
        this.#buf = this.#spare;
        this.#spare = out;
        const bytes = out.bytes();
        this.#inflight = bytes.length;
        let off = 0;
        while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
        this.#inflight = 0;
        out.reset();
      }
    } catch {
      this.#failed = true;
      this.#inflight = 0;
      this.#buf.reset();
      this.#spare.reset();
      this.#onError();
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
