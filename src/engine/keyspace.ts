// The sharded keyspace. Keys map to hash slots and a shard owns the slots with
// `slot % shards === index`; each shard keeps one table per logical database, with the values
// in one Map and the expiry times (absolute ms) in a second Map, so keys without a TTL pay
// nothing for expiry. Expired keys are removed lazily on access and by an active cycle whose
// time per tick is bounded. The engine knows nothing of sockets or RESP.
import { keyHashSlot } from "./slot.ts";
import type { Value } from "./values.ts";

export class Table {
  data = new Map<string, Value>();
  expires = new Map<string, number>();
}

export class Shard {
  readonly tables: Table[];
  constructor(readonly index: number, databases: number) {
    this.tables = Array.from({ length: databases }, () => new Table());
  }
}

export interface KeyspaceOptions {
  shards: number;
  databases: number;
  /** Milliseconds since the epoch; tests and replicas may substitute their own clock. */
  clock?: () => number;
}

/** Why a key disappeared without a command deleting it. */
export type RemovalCause = "expired";

export class Keyspace {
  readonly shards: Shard[];
  readonly databases: number;
  readonly #dbs: Db[];
  readonly #shardMask: number;
  clock: () => number;
  /** Called after a key is removed because its TTL passed (stats, notifications, replication). */
  onExpired: (db: number, key: string) => void = () => {};
  /** Called when a collection is stored at a key: clients blocked on it may be served. */
  onStored: ((db: number, key: string) => void) | null = null;
  /** Called before a key that did not exist is stored ("new" keyspace events); null when unused. */
  onNew: ((db: number, key: string) => void) | null = null;
  /** Called when a read finds no key ("keymiss" keyspace events); null when unused. */
  onMiss: ((db: number, key: string) => void) | null = null;
  /** Keys read that existed / did not exist (INFO keyspace_hits / keyspace_misses). */
  hits = 0;
  misses = 0;
  expiredKeys = 0;
  /**
   * Expiry on a replica (Redis 7): keys go only when the master's DEL says so. 0: a master,
   * expired keys are removed when met. 1: a replica, expired keys read as missing but stay.
   * 2: a replica applying its master's stream, which sees them as the master still did.
   */
  replica: 0 | 1 | 2 = 0;

  constructor(options: KeyspaceOptions) {
    const n = Math.max(1, Math.floor(options.shards));
    this.databases = options.databases;
    this.shards = Array.from({ length: n }, (_, i) => new Shard(i, options.databases));
    this.#shardMask = (n & (n - 1)) === 0 ? n - 1 : -1;
    this.clock = options.clock ?? Date.now;
    this.#dbs = Array.from({ length: options.databases }, (_, i) => new Db(this, i));
  }

  db(index: number): Db {
    return this.#dbs[index]!;
  }

  shardOf(key: string): number {
    const n = this.shards.length;
    if (n === 1) return 0;
    const slot = keyHashSlot(key);
    return this.#shardMask >= 0 ? slot & this.#shardMask : slot % n;
  }

  table(db: number, key: string): Table {
    return this.shards[this.shardOf(key)]!.tables[db]!;
  }

  /** Exchanges two databases in every shard (SWAPDB). */
  swap(a: number, b: number): void {
    for (const shard of this.shards) {
      const t = shard.tables[a]!;
      shard.tables[a] = shard.tables[b]!;
      shard.tables[b] = t;
    }
  }

  /** Empties every database. */
  flushAll(): number {
    let removed = 0;
    for (let d = 0; d < this.databases; d++) removed += this.db(d).flush();
    return removed;
  }

  /** Total keys in every database. */
  keyCount(): number {
    let n = 0;
    for (const shard of this.shards) for (const t of shard.tables) n += t.data.size;
    return n;
  }
}

/** One logical database (SELECT index) seen across all shards. */
export class Db {
  constructor(readonly keyspace: Keyspace, readonly index: number) {}

  #table(key: string): Table {
    return this.keyspace.table(this.index, key);
  }

  /** Removes `key` if its TTL has passed; true if it did. */
  #expireIfNeeded(t: Table, key: string, now: number): boolean {
    const at = t.expires.get(key);
    if (at === undefined || at > now) return false;
    if (this.keyspace.replica !== 0) return this.keyspace.replica === 1;
    t.data.delete(key);
    t.expires.delete(key);
    this.keyspace.expiredKeys++;
    this.keyspace.onExpired(this.index, key);
    return true;
  }

  /** The live value of `key`, removing it first if it has expired. */
  get(key: string): Value | undefined {
    const t = this.#table(key);
    const v = t.data.get(key);
    if (v === undefined) return undefined;
    if (t.expires.size > 0 && this.#expireIfNeeded(t, key, this.keyspace.clock())) return undefined;
    return v;
  }

  /** As `get`, counting a keyspace hit or miss (read commands). */
  read(key: string): Value | undefined {
    const v = this.get(key);
    if (v === undefined) {
      this.keyspace.misses++;
      if (this.keyspace.onMiss !== null) this.keyspace.onMiss(this.index, key);
    } else this.keyspace.hits++;
    return v;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Stores `value`. `expireAt` is an absolute ms time; undefined clears any TTL unless
   * `keepTtl` is set.
   */
  set(key: string, value: Value, expireAt?: number, keepTtl = false): void {
    const t = this.#table(key);
    // A key whose TTL passed expires (with its event) before it is overwritten, as in Redis.
    if (t.expires.size > 0) this.#expireIfNeeded(t, key, this.keyspace.clock());
    if (this.keyspace.onNew !== null && !t.data.has(key)) this.keyspace.onNew(this.index, key);
    t.data.set(key, value);
    if (expireAt !== undefined) t.expires.set(key, expireAt);
    else if (!keepTtl && t.expires.size > 0) t.expires.delete(key);
    if (typeof value !== "string" && this.keyspace.onStored !== null) {
      this.keyspace.onStored(this.index, key);
    }
  }

  /** Replaces the value of a key known to exist, keeping its TTL. */
  replace(key: string, value: Value): void {
    this.#table(key).data.set(key, value);
  }

  delete(key: string): boolean {
    const t = this.#table(key);
    if (t.expires.size > 0) {
      if (this.#expireIfNeeded(t, key, this.keyspace.clock())) return false;
      t.expires.delete(key);
    }
    return t.data.delete(key);
  }

  /** Absolute expiry time in ms, or undefined when the key has no TTL (or does not exist). */
  expireTime(key: string): number | undefined {
    return this.#table(key).expires.get(key);
  }

  /** Sets the TTL of an existing key. */
  setExpire(key: string, at: number): void {
    this.#table(key).expires.set(key, at);
  }

  /** Removes the TTL; true if there was one. */
  persist(key: string): boolean {
    return this.#table(key).expires.delete(key);
  }

  get size(): number {
    let n = 0;
    for (const shard of this.keyspace.shards) n += shard.tables[this.index]!.data.size;
    return n;
  }

  get expiresCount(): number {
    let n = 0;
    for (const shard of this.keyspace.shards) n += shard.tables[this.index]!.expires.size;
    return n;
  }

  /** Mean remaining TTL in ms of the keys with one (INFO keyspace avg_ttl), 0 if none. */
  avgTtl(): number {
    const now = this.keyspace.clock();
    let sum = 0;
    let n = 0;
    for (const shard of this.keyspace.shards) {
      for (const at of shard.tables[this.index]!.expires.values()) {
        if (at > now) {
          sum += at - now;
          n++;
        }
        if (n >= 1000) break; // a sample is enough, as Redis's estimate is
      }
    }
    return n === 0 ? 0 : Math.round(sum / n);
  }

  /** Every live key; expired ones are skipped (and removed). */
  *keys(): Generator<string> {
    const now = this.keyspace.clock();
    for (const shard of this.keyspace.shards) {
      const t = shard.tables[this.index]!;
      for (const key of t.data.keys()) {
        if (t.expires.size > 0 && this.#expireIfNeeded(t, key, now)) continue;
        yield key;
      }
    }
  }

  /** A random live key, or undefined if the database is empty. */
  randomKey(): string | undefined {
    for (let attempt = 0; attempt < 100; attempt++) {
      const total = this.size;
      if (total === 0) return undefined;
      let pick = Math.floor(Math.random() * total);
      for (const shard of this.keyspace.shards) {
        const t = shard.tables[this.index]!;
        if (pick >= t.data.size) {
          pick -= t.data.size;
          continue;
        }
        // Maps have no random access: walk from a random start, bounded by the table size.
        let i = 0;
        for (const key of t.data.keys()) {
          if (i++ === pick) {
            if (t.expires.size > 0 && this.#expireIfNeeded(t, key, this.keyspace.clock())) break;
            return key;
          }
        }
        break;
      }
    }
    return undefined;
  }

  /** Removes every key; returns how many there were. */
  flush(): number {
    let n = 0;
    for (const shard of this.keyspace.shards) {
      const t = shard.tables[this.index]!;
      n += t.data.size;
      shard.tables[this.index] = new Table();
    }
    return n;
  }
}

// The active expiry cycle lives in expire.ts; re-exported here where the server looks for it.
export { ActiveExpirer } from "./expire.ts";
