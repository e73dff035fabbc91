// WAIT numreplicas timeout: a client waits until that many replicas have acknowledged the
// stream up to its own last write, or the timeout passes; the reply is how many have. The
// master asks replicas for ACKs (REPLCONF GETACK *) once per batch of new waiters.
import type { Client } from "../client.ts";
import type { Replication } from "./mod.ts";

interface Waiter {
  c: Client;
  needed: number;
  offset: number;
  /** The count so far, or the error that ended the wait. */
  done: (acked: number | string) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class Waits {
  readonly #repl: Replication;
  readonly #waiters = new Set<Waiter>();
  #askScheduled = false;

  constructor(repl: Replication) {
    this.#repl = repl;
  }

  /**
   * The count to reply now, or a promise of it. `timeoutMs` 0 waits for ever. Inside EXEC it
   * never waits, as in Redis.
   */
  wait(c: Client, needed: number, timeoutMs: number): number | Promise<number | string> {
    const offset = c.replOffset;
    const acked = this.#repl.ackedAt(offset);
    if (acked >= needed || c.inExec) return acked;
    return new Promise((resolve) => {
      const w: Waiter = { c, needed, offset, done: resolve, timer: undefined };
      w.done = (n) => {
        if (!this.#waiters.delete(w)) return;
        if (w.timer !== undefined) clearTimeout(w.timer);
        c.unblock = null;
        resolve(n);
      };
      if (timeoutMs > 0) {
        w.timer = setTimeout(() => w.done(this.#repl.ackedAt(offset)), timeoutMs);
      }
      // Unblocked (CLIENT UNBLOCK, a change of master): the error given, else the count so far.
      c.unblock = (error) => w.done(error ?? this.#repl.ackedAt(offset));
      this.#waiters.add(w);
      this.#askSoon();
    });
  }

  /** An ACK arrived: serve the waiters it satisfies. */
  acked(): void {
    for (const w of [...this.#waiters]) {
      const n = this.#repl.ackedAt(w.offset);
      if (n >= w.needed) w.done(n);
    }
  }

  /** A client left: forget its wait. */
  removeClient(c: Client): void {
    for (const w of this.#waiters) if (w.c === c) w.done(0);
  }

  #askSoon(): void {
    if (this.#askScheduled) return;
    this.#askScheduled = true;
    queueMicrotask(() => {
      this.#askScheduled = false;
      this.#repl.requestAcks();
    });
  }
}
