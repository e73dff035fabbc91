// Active expiry: the periodic cycle that removes keys whose TTL passed without anyone touching
// them (lazy expiry on access lives in keyspace.ts). Each table keeps its own iterator over its
// TTL index across calls, so every key with a TTL is eventually visited however large the table,
// and each call stops when its time budget is spent, so a flood of expired keys never stalls
// the server: they go over several calls.
import type { Keyspace, Table } from "./keyspace.ts";

/** Keys looked at between two checks of the clock and of the stale ratio (Redis: 20). */
const KEYS_PER_LOOP = 20;

export class ActiveExpirer {
  /** Next table to visit, as `db * shards + shard`. */
  #cursor = 0;
  /** Where each table's sweep stands; a flushed table is dropped with its iterator. */
  #sweeps = new WeakMap<Table, Iterator<[string, number]>>();

  constructor(readonly keyspace: Keyspace) {}

  /**
   * Runs one cycle of at most about `budgetMs`; returns the number of keys removed. Like Redis,
   * it stays on a table while more than `10 - effort`% of a sample was stale, and visits each
   * table at most once per call. `effort` (1..10) is active-expire-effort.
   */
  cycle(budgetMs: number, effort = 1): number {
    const ks = this.keyspace;
    const shards = ks.shards.length;
    const tables = shards * ks.databases;
    const perLoop = KEYS_PER_LOOP + Math.floor(KEYS_PER_LOOP / 4) * (effort - 1);
    const acceptableStale = 10 - (effort - 1);
    const deadline = performance.now() + budgetMs;
    let removed = 0;
    for (let visited = 0; visited < tables; visited++) {
      const index = this.#cursor;
      this.#cursor = (this.#cursor + 1) % tables;
      const dbIndex = Math.floor(index / shards);
      const table = ks.shards[index % shards]!.tables[dbIndex]!;
      if (table.expires.size === 0) continue;
      while (true) {
        const { sampled, expired, done } = this.#sample(table, dbIndex, perLoop);
        removed += expired;
        if (performance.now() >= deadline) {
          // Come back to this table first next time if it still looked stale.
          if (!done && expired * 100 > sampled * acceptableStale) this.#cursor = index;
          return removed;
        }
        if (done || expired * 100 <= sampled * acceptableStale) break;
      }
    }
    return removed;
  }

  /** Looks at up to `n` keys of `table`'s TTL index, removing the expired ones. */
  #sample(
    table: Table,
    dbIndex: number,
    n: number,
  ): { sampled: number; expired: number; done: boolean } {
    const ks = this.keyspace;
    let iter = this.#sweeps.get(table);
    if (iter === undefined) {
      iter = table.expires.entries();
      this.#sweeps.set(table, iter);
    }
    const now = ks.clock();
    let sampled = 0;
    let expired = 0;
    while (sampled < n) {
      const next = iter.next();
      if (next.done) {
        // The sweep wrapped: start again from the oldest TTL next time.
        this.#sweeps.delete(table);
        return { sampled, expired, done: true };
      }
      sampled++;
      const [key, at] = next.value;
      if (at <= now) {
        table.data.delete(key);
        table.expires.delete(key);
        ks.expiredKeys++;
        ks.onExpired(dbIndex, key);
        expired++;
      }
    }
    return { sampled, expired, done: false };
  }
}
