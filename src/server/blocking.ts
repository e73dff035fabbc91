// Blocking commands (BLPOP, BLMOVE, BLMPOP, BZPOPMIN...): clients parked on keys, served first
// come first served when a key they wait on becomes ready. As in Redis 7.0, readiness is only a
// hint: a key is signalled when a list or sorted set is stored at it (Db.set), and after the
// signalling command finishes (after EXEC for a transaction) each waiter on the key, oldest
// first, is offered it; the waiter's own `serve` decides (a key deleted, overwritten with
// another type or already emptied again serves nobody, and those clients keep waiting). A
// client waiting on several keys is served by whichever becomes ready first. Serving can make
// more keys ready (BLMOVE pushes onto its destination); those are served in the same pass.
import type { Client } from "./client.ts";
import type { Server } from "./server.ts";

export interface BlockSpec {
  /** Keys waited on, in argument order, in the client's selected database. */
  readonly keys: readonly string[];
  /** Milliseconds to wait; 0 waits forever. */
  readonly timeoutMs: number;
  /**
   * Tries to serve the client from `key`, which just became ready; writes the reply (and does
   * the command's effects) and returns true, or returns false to keep waiting.
   */
  serve(key: string): boolean;
  /** A key serving also writes besides the ready one (BLMOVE's destination), if any. */
  readonly writes?: string | undefined;
  /** Writes the reply for a timeout (a null array, for most). */
  timedOut(): void;
}

/** CLIENT UNBLOCK <id> ERROR's reply. */
export const UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK";

/** Timers cannot wait longer than 2^31-1 ms (almost 25 days); longer waits never time out. */
const MAX_TIMER = 2147483647;

/** One parked client. */
class Waiter {
  timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    readonly c: Client,
    readonly spec: BlockSpec,
    readonly db: number,
    /** spec.keys without duplicates. */
    readonly keys: readonly string[],
    readonly resolve: () => void,
  ) {}
}

export class Blocking {
  /** Per database: key -> waiters in arrival order. */
  readonly #byKey: (Map<string, Waiter[]> | undefined)[] = [];
  readonly #byClient = new Map<Client, Waiter>();
  /** Keys signalled since the last handleReady, as parallel arrays (db, key). */
  #readyDbs: number[] = [];
  #readyKeys: string[] = [];
  /** `${db}:${key}` of what is in the ready arrays, so a key is queued once. */
  readonly #queued = new Set<string>();
  #watchingClose = false;

  constructor(readonly server: Server) {}

  /** Clients currently parked. */
  get count(): number {
    return this.#byClient.size;
  }

  /**
   * Parks `c` until `spec.serve` succeeds, the timeout passes, CLIENT UNBLOCK or the client
   * goes away. The caller has already tried the keys once. Inside MULTI/EXEC callers must not
   * block: they write the timeout reply at once (see `Client.inExec`).
   */
  block(c: Client, spec: BlockSpec): Promise<void> {
    if (c.inExec) {
      spec.timedOut();
      return Promise.resolve();
    }
    if (!this.#watchingClose) {
      // Parked clients must not outlive the server (nor keep its timers alive).
      this.#watchingClose = true;
      this.server.closed.then(() => this.#releaseAll());
    }
    return new Promise<void>((resolve) => {
      const keys = spec.keys.length === 1 ? spec.keys : [...new Set(spec.keys)];
      const w = new Waiter(c, spec, c.dbIndex, keys, resolve);
      const map = this.#byKey[w.db] ??= new Map();
      for (const key of keys) {
        const queue = map.get(key);
        if (queue === undefined) map.set(key, [w]);
        else queue.push(w);
      }
      this.#byClient.set(c, w);
      if (spec.timeoutMs > 0 && spec.timeoutMs <= MAX_TIMER) {
        w.timer = setTimeout(() => {
          w.timer = undefined;
          this.#release(w);
          spec.timedOut();
        }, spec.timeoutMs);
      }
      c.unblock = (error) => {
        this.#release(w);
        if (error !== null) {
          c.w.error(error);
          this.server.stats.countError("UNBLOCKED");
        } else spec.timedOut();
      };
    });
  }

  /** A list or sorted set now exists at `key` (called by Db.set and pushes). */
  signalReady(dbIndex: number, key: string): void {
    if (this.#byClient.size === 0) return;
    const map = this.#byKey[dbIndex];
    if (map === undefined || !map.has(key)) return;
    const tag = `${dbIndex}:${key}`;
    if (this.#queued.has(tag)) return;
    this.#queued.add(tag);
    this.#readyDbs.push(dbIndex);
    this.#readyKeys.push(key);
  }

  /**
   * Every key in `dbIndex` that clients wait on is signalled (SWAPDB, FLUSHDB-then-restore
   * paths: whatever now sits under those keys may serve them).
   */
  signalDb(dbIndex: number): void {
    const map = this.#byKey[dbIndex];
    if (map === undefined) return;
    for (const key of map.keys()) this.signalReady(dbIndex, key);
  }

  /** Serves clients blocked on keys signalled ready; dispatch calls it after each command. */
  handleReady(): void {
    if (this.#readyKeys.length === 0) return;
    // Serving may signal more keys (BLMOVE's destination): loop until none are left.
    while (this.#readyKeys.length > 0) {
      const dbs = this.#readyDbs;
      const keys = this.#readyKeys;
      this.#readyDbs = [];
      this.#readyKeys = [];
      this.#queued.clear();
      for (let i = 0; i < keys.length; i++) this.#serveKey(dbs[i]!, keys[i]!);
    }
  }

  /** Forgets a client that disconnected while blocked. */
  removeClient(c: Client): void {
    const w = this.#byClient.get(c);
    if (w !== undefined) this.#release(w);
  }

  /** Offers `key` to its waiters, oldest first, while it exists. */
  #serveKey(dbIndex: number, key: string): void {
    const queue = this.#byKey[dbIndex]?.get(key);
    if (queue === undefined) return;
    const db = this.server.keyspace.db(dbIndex);
    let i = 0;
    while (i < queue.length) {
      if (db.get(key) === undefined) return;
      const w = queue[i]!;
      // Served outside dispatch, so the snapshot hook dispatch runs for writes runs here.
      if (this.server.snapshot !== null) {
        this.server.beforeWrite(dbIndex, key);
        if (w.spec.writes !== undefined) this.server.beforeWrite(dbIndex, w.spec.writes);
      }
      // A served waiter leaves this queue, so the next one moves into slot i.
      if (w.spec.serve(key)) this.#release(w);
      else i++;
    }
  }

  /** Unparks `w`: out of every queue, timer cleared, the client resumes. */
  #release(w: Waiter): void {
    if (this.#byClient.get(w.c) !== w) return;
    this.#byClient.delete(w.c);
    const map = this.#byKey[w.db]!;
    for (const key of w.keys) {
      const queue = map.get(key)!;
      const at = queue.indexOf(w);
      if (at >= 0) queue.splice(at, 1);
      if (queue.length === 0) map.delete(key);
    }
    if (w.timer !== undefined) clearTimeout(w.timer);
    w.timer = undefined;
    w.c.unblock = null;
    w.resolve();
  }

  #releaseAll(): void {
    for (const w of [...this.#byClient.values()]) this.#release(w);
  }
}
