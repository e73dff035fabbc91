// A connection's outgoing bytes. Everything pushed during one turn of the event loop goes out
// in one write: the flush runs as a microtask, after every read that completed in the same
// turn has been handled. That is where the proxy's speed comes from: fifty clients' commands
// reach the master in one write, and a session's replies from one read of the master reach
// its client in one write.

const INITIAL = 16 * 1024;
/** A buffer grown past this is dropped after use rather than kept. */
const KEEP = 1024 * 1024;

export class Outbox {
  readonly #conn: Deno.Conn;
  readonly #onError: () => void;
  #buf = new Uint8Array(INITIAL);
  #len = 0;
  #spare = new Uint8Array(INITIAL);
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
    return this.#len + this.#inflight;
  }

  /** Copies `bytes` to go out with the next write; the caller may reuse them at once. */
  push(bytes: Uint8Array): void {
    if (this.#failed || bytes.length === 0) return;
    const need = this.#len + bytes.length;
    if (need > this.#buf.length) {
      let size = this.#buf.length * 2;
      while (size < need) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(bytes, this.#len);
    this.#len = need;
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
      while (this.#len > 0 && !this.#failed) {
        // Swap buffers: pushes made while this write is under way fill the other one.
        const out = this.#buf;
        const n = this.#len;
        this.#buf = this.#spare;
        this.#len = 0;
        this.#inflight = n;
        let off = 0;
        while (off < n) off += await this.#conn.write(out.subarray(off, n));
        this.#inflight = 0;
        this.#spare = out.length > KEEP ? new Uint8Array(INITIAL) : out;
      }
    } catch {
      this.#failed = true;
      this.#inflight = 0;
      this.#len = 0;
      this.#onError();
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
