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
      queueMicrotask(this.#flush);
    }
  }

  /** Resolves once everything pushed so far is written (or the connection failed). */
  drained(): Promise<void> {
    if (this.pending === 0 || this.#failed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  // Written as callbacks, not an async function: this runs for every reply to every client, and
  // an async function costs a promise of its own per call on top of the write's.
  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#buf.length === 0 || this.#failed) return this.#wake();
    // Swap buffers: pushes made while this write is under way fill the other one.
    const out = this.#buf;
    this.#buf = this.#spare;
    this.#spare = out;
    this.#write(out, out.bytes(), 0);
  };

  #write(out: RespWriter, bytes: Uint8Array, off: number): void {
    this.#inflight = bytes.length - off;
    let written: Promise<number>;
    try {
      written = this.#conn.write(off === 0 ? bytes : bytes.subarray(off));
    } catch {
      // A closed resource can throw before any promise exists.
      return this.#fail();
    }
    written.then((n) => {
      if (off + n < bytes.length) return this.#write(out, bytes, off + n);
      this.#inflight = 0;
      out.reset();
      this.#flush();
    }, this.#fail);
  }

  readonly #fail = (): void => {
    if (this.#failed) return;
    this.#failed = true;
    this.#inflight = 0;
    this.#buf.reset();
    this.#spare.reset();
    this.#onError();
    this.#wake();
  };

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
