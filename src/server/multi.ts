// Transactions: the queue a client fills between MULTI and EXEC, and WATCH's optimistic locks
// (which clients watch which keys, and the "dirty CAS" flag a change to one of them sets).
// dispatch.ts queues commands and runs EXEC; the handlers in handlers/transactions.ts start,
// discard and watch.
import type { Command } from "../commands/mod.ts";
import { Argv } from "../resp/mod.ts";
import type { Client } from "./client.ts";
import type { Server } from "./server.ts";

export const EXECABORT = "EXECABORT Transaction discarded because of previous errors.";
export const NOT_IN_MULTI = "ERR Command not allowed inside a transaction";
/** Redis refuses DEBUG before queueing it when enable-debug-command keeps it out. */
export const DEBUG_NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

/** The commands a client queued since MULTI. */
export class Transaction {
  readonly commands: Command[] = [];
  readonly args: Argv[] = [];
  /** A command failed its checks while queued: EXEC replies EXECABORT. */
  aborted = false;
  /** What CLIENT LIST shows as multi-mem: argument bytes plus a pointer per argument. */
  memory = 0;
  /** The first queued command that writes (or may replicate): EXEC waits out a write pause. */
  write: Command | null = null;

  get count(): number {
    return this.commands.length;
  }

  queue(cmd: Command, argv: Argv): void {
    this.commands.push(cmd);
    this.args.push(keep(argv));
    for (let i = 0; i < argv.length; i++) this.memory += argv.len(i) + 8;
    if (this.write === null && (cmd.isWrite || cmd.flags.has("may_replicate"))) this.write = cmd;
  }
}

/**
 * A copy of `argv` that outlives the read buffer it points into: one buffer holding the
 * arguments' span, rather than one per argument.
 */
function keep(argv: Argv): Argv {
  if (argv.owned !== null || argv.length === 0) return argv.clone();
  const from = argv.starts[0]!;
  const to = argv.ends[argv.length - 1]!;
  const copy = new Argv();
  copy.buf = argv.buf.slice(from, to);
  copy.length = argv.length;
  for (let i = 0; i < argv.length; i++) {
    copy.starts.push(argv.starts[i]! - from);
    copy.ends.push(argv.ends[i]! - from);
  }
  return copy;
}

/** One client watching one key of one database. */
export interface WatchedKey {
  readonly client: Client;
  readonly db: number;
  readonly key: string;
  /**
   * The key was logically expired (still stored, TTL passed) when watched. Its removal is then
   * no change; anything else about it is.
   */
  expired: boolean;
}

export class Watches {
  /** Per database: key -> who watches it. Created on first use. */
  readonly #byDb: (Map<string, WatchedKey[]> | undefined)[] = [];
  /** Watched (client, key) pairs in all: `touch` returns at once when there are none. */
  #count = 0;

  constructor(readonly server: Server) {}

  /** How many (client, key) pairs are watched. */
  get size(): number {
    return this.#count;
  }

  /** WATCH: `c` fails its next EXEC if `key` of `dbIndex` changes. */
  watch(c: Client, dbIndex: number, key: string): void {
    const map = this.#byDb[dbIndex] ??= new Map();
    let list = map.get(key);
    if (list === undefined) map.set(key, list = []);
    else {
      for (let i = 0; i < list.length; i++) if (list[i]!.client === c) return;
    }
    const wk: WatchedKey = { client: c, db: dbIndex, key, expired: this.#isExpired(dbIndex, key) };
    list.push(wk);
    (c.watched ??= []).push(wk);
    this.#count++;
  }

  /** A key was modified: every client watching it fails its next EXEC (signalModifiedKey). */
  touch(dbIndex: number, key: string): void {
    if (this.#count === 0) return;
    const list = this.#byDb[dbIndex]?.get(key);
    if (list === undefined) return;
    for (const wk of list.slice()) {
      // Removing a key that had already expired when watched changes nothing visible.
      if (wk.expired && !this.#stored(dbIndex, key)) {
        wk.expired = false;
        continue;
      }
      this.#dirty(wk.client);
    }
  }

  /** A key was removed because its TTL passed. */
  expired(dbIndex: number, key: string): void {
    this.touch(dbIndex, key);
  }

  /**
   * FLUSHDB / FLUSHALL (dbIndex -1), called before the keys go: watchers of keys that exist
   * fail their EXEC, except of keys already expired when watched.
   */
  flushed(dbIndex: number): void {
    if (this.#count === 0) return;
    const from = dbIndex < 0 ? 0 : dbIndex;
    const to = dbIndex < 0 ? this.#byDb.length - 1 : dbIndex;
    for (let db = from; db <= to; db++) {
      const map = this.#byDb[db];
      if (map === undefined) continue;
      for (const [key, list] of [...map]) {
        if (!this.#stored(db, key)) continue;
        for (const wk of list.slice()) {
          if (wk.expired) wk.expired = false;
          else this.#dirty(wk.client);
        }
      }
    }
  }

  /**
   * SWAPDB, called after the swap: a watched key fails EXEC if the value visible under it
   * changes. A key in neither database is untouched; an expired key staying expired, or a
   * missing one becoming an expired one, is no visible change.
   */
  swapped(a: number, b: number): void {
    if (this.#count === 0) return;
    // Keys watched in `a` now see what was in `b` (stored at `a`), and what was theirs is at `b`.
    this.#swappedOne(a, b);
    this.#swappedOne(b, a);
  }

  #swappedOne(db: number, old: number): void {
    const map = this.#byDb[db];
    if (map === undefined) return;
    for (const [key, list] of [...map]) {
      const before = this.#stored(old, key);
      const now = this.#stored(db, key);
      if (!before && !now) continue;
      const nowExpired = now && this.#isExpired(db, key);
      for (const wk of list.slice()) {
        if (wk.expired) {
          if (!now) {
            wk.expired = false;
            continue;
          }
          if (nowExpired) continue;
        } else if (!before && nowExpired) {
          wk.expired = true;
          continue;
        }
        this.#dirty(wk.client);
      }
    }
  }

  /** At EXEC: a key watched while live that has expired since fails the transaction. */
  checkExpired(c: Client): void {
    const watched = c.watched;
    if (watched === null) return;
    for (const wk of watched) {
      if (!wk.expired && this.#isExpired(wk.db, wk.key)) {
        this.#dirty(c);
        return;
      }
    }
  }

  /** UNWATCH (and EXEC, DISCARD): forgets every key `c` watches. */
  unwatchAll(c: Client): void {
    const watched = c.watched;
    if (watched === null) return;
    c.watched = null;
    for (const wk of watched) {
      const map = this.#byDb[wk.db]!;
      const list = map.get(wk.key)!;
      if (list.length === 1) map.delete(wk.key);
      else list.splice(list.indexOf(wk), 1);
    }
    this.#count -= watched.length;
  }

  /** Ends the client's transaction and drops its WATCHes (EXEC, DISCARD, RESET, disconnection). */
  resetClient(c: Client): void {
    c.multi = null;
    c.dirtyCas = false;
    this.unwatchAll(c);
  }

  /** The client's next EXEC fails; its watches no longer matter. */
  #dirty(c: Client): void {
    c.dirtyCas = true;
    this.unwatchAll(c);
  }

  /** Whether `key` is stored in `db`, expired or not (no lazy expiry: looking changes nothing). */
  #stored(db: number, key: string): boolean {
    return this.server.keyspace.table(db, key).data.has(key);
  }

  /** Stored with a TTL that has passed (Redis's keyIsExpired). */
  #isExpired(db: number, key: string): boolean {
    const t = this.server.keyspace.table(db, key);
    const at = t.expires.get(key);
    return at !== undefined && at <= this.server.keyspace.clock() && t.data.has(key);
  }
}
