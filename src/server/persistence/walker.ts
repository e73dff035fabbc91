// A point-in-time RDB image of a live keyspace, produced a slice at a time while clients keep
// writing (hakv's forkless BGSAVE; SAVE runs the same walk to the end in one go).
//
// The walk visits every table (one per database per shard) that existed when it began. The
// image is the keyspace as it was at that moment because every write first calls
// `beforeWrite(db, key)`: if the walk has not reached that key yet, its current value, which is
// still its value at the start, is written out now, and the key is remembered so the walk
// skips it later (copy-before-write at key granularity, as Dragonfly does per bucket). A key
// absent at that point is remembered too, so a key created after the start is never written.
// Tables replaced wholesale (FLUSHDB, FLUSHALL, SWAPDB) need no hook: the walk keeps the table
// objects it started with, which nobody writes any more once they are detached.
//
// The extra memory is the set of keys written or skipped ahead of the walk, plus the keys
// walked in the table being walked (one shard of one database), plus unflushed output.
import type { Keyspace, Table } from "../../engine/keyspace.ts";
import type { HashValue } from "../../engine/hash.ts";
import type { ListValue } from "../../engine/list.ts";
import type { SetValue } from "../../engine/set.ts";
import { type Collection, isString, type StringValue, type Value } from "../../engine/values.ts";
import type { ZSetValue } from "../../engine/zset.ts";
import { type RdbAuxFields, RdbWriter } from "./rdb_writer.ts";

interface TableWalk {
  readonly table: Table;
  /** The database the table belonged to at the start (its SELECTDB in the image). */
  readonly db: number;
  /** Keys a hook wrote (or found absent) ahead of the walk, which it must skip. */
  hooked: Set<string>;
  done: boolean;
}

export interface WalkerOptions {
  compression: boolean;
  checksum: boolean;
  aux: RdbAuxFields;
  /**
   * Clients write while the walk runs (BGSAVE): remember walked keys for `beforeWrite`. A walk
   * run to the end at once (SAVE) skips that cost.
   */
  live: boolean;
  /** Chunks go here as they fill (see RdbWriterOptions.sink) instead of to `take()`. */
  sink?: (chunk: Uint8Array) => void;
}

/** Entries written between clock reads while a slice runs. */
const CLOCK_EVERY = 64;

export class SnapshotWalker {
  readonly #writer: RdbWriter;
  readonly #byTable = new Map<Table, TableWalk>();
  readonly #order: TableWalk[] = [];
  /** Per database at the start: [keys, keys with a TTL] (the RESIZEDB hint). */
  readonly #sizes: [number, number][] = [];
  readonly #keyspace: Keyspace;
  /** The start time: a TTL that had passed by then leaves its key out. */
  readonly #now: number;
  #at = 0;
  #iter: Iterator<string> | null = null;
  /** The database the output has selected (-1: none yet). */
  #db = -1;
  #finished = false;
  readonly #live: boolean;
  /** Keys walked so far in the table being walked. */
  readonly #walked = new WalkedKeys();
  #walkedTable: TableWalk | null = null;
  /** Keys in the image so far, and keys the keyspace held at the start. */
  keysDone = 0;
  readonly keysTotal: number;

  constructor(keyspace: Keyspace, options: WalkerOptions) {
    this.#keyspace = keyspace;
    this.#now = keyspace.clock();
    this.#live = options.live;
    this.#writer = new RdbWriter({
      compression: options.compression,
      checksum: options.checksum,
      ...(options.sink !== undefined ? { sink: options.sink } : {}),
    });
    this.#writer.header();
    this.#writer.standardAux(options.aux);
    let total = 0;
    for (let db = 0; db < keyspace.databases; db++) {
      let keys = 0;
      let expires = 0;
      for (const shard of keyspace.shards) {
        const table = shard.tables[db]!;
        keys += table.data.size;
        expires += table.expires.size;
        if (table.data.size === 0) continue;
        const walk: TableWalk = { table, db, hooked: new Set(), done: false };
        this.#byTable.set(table, walk);
        this.#order.push(walk);
      }
      this.#sizes.push([keys, expires]);
      total += keys;
    }
    this.keysTotal = total;
  }

  /** True once the whole image (EOF and checksum included) has been produced. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Bytes produced so far. */
  get size(): number {
    return this.#writer.size;
  }

  /**
   * Must run before anything changes `key` in database `db` (value, TTL, or existence): writes
   * the key's start-time value ahead of the walk if the walk has yet to reach it.
   */
  beforeWrite(db: number, key: string): void {
    if (this.#finished) return;
    const table = this.#keyspace.table(db, key);
    const walk = this.#byTable.get(table);
    if (walk === undefined || walk.done || walk.hooked.has(key)) return;
    walk.hooked.add(key);
    // Walked already: nothing to write, but a live iterator visits a deleted and re-added key
    // again, and `hooked` is what makes the walk skip it.
    if (walk === this.#walkedTable && this.#walked.has(key)) return;
    const value = table.data.get(key);
    if (value !== undefined) this.#write(walk, key, value);
  }

  /**
   * Walks until `deadline` (performance.now() ms), `maxKeys` keys or the end of the image;
   * returns true once the image is complete. `deadline` Infinity walks to the end.
   */
  step(deadline: number, maxKeys = Infinity): boolean {
    if (this.#finished) return true;
    let n = 0;
    while (this.#at < this.#order.length) {
      const walk = this.#order[this.#at]!;
      if (this.#iter === null) {
        if (this.#live) {
          this.#walked.reset(walk.table.data.size);
          this.#walkedTable = walk;
        }
        // The first table of a database opens it: SELECTDB and the start-time sizes.
        if (this.#at === 0 || this.#order[this.#at - 1]!.db !== walk.db) {
          this.#selectDb(walk.db, true);
        }
        if (!this.#live && deadline === Infinity && maxKeys === Infinity) {
          // SAVE: nothing writes meanwhile, so a plain loop over the entries does.
          for (const [key, value] of walk.table.data) this.#write(walk, key, value);
          this.#at++;
          continue;
        }
        this.#iter = walk.table.data.keys();
      }
      const hooked = walk.hooked;
      const walked = this.#walked;
      const live = this.#live;
      const data = walk.table.data;
      // Keys, not entries: no [key, value] array per key; the lookup costs less than the garbage.
      for (let r = this.#iter.next(); !r.done; r = this.#iter.next()) {
        const key = r.value;
        const value = data.get(key)!;
        if (live) {
          if (hooked.size > 0 && hooked.has(key)) continue;
          walked.add(key);
        }
        this.#write(walk, key, value);
        if (++n >= maxKeys || (n % CLOCK_EVERY === 0 && performance.now() >= deadline)) {
          return false;
        }
      }
      walk.done = true;
      walk.hooked = new Set();
      this.#walkedTable = null;
      this.#byTable.delete(walk.table);
      this.#iter = null;
      this.#at++;
    }
    this.#writer.end();
    this.#finished = true;
    return true;
  }

  /** Drains the bytes produced so far, in order. */
  take(): Uint8Array[] {
    return this.#writer.take();
  }

  /** Returns a taken chunk once written, for its buffer to be reused. */
  recycle(chunk: Uint8Array): void {
    this.#writer.recycle(chunk);
  }

  /** Stops producing: later hooks do nothing and the tables are let go. */
  abandon(): void {
    this.#finished = true;
    this.#byTable.clear();
    this.#order.length = 0;
    this.#iter = null;
  }

  #selectDb(db: number, withSizes: boolean): void {
    if (this.#db !== db) {
      this.#writer.selectDb(db);
      this.#db = db;
    }
    if (withSizes) {
      const [keys, expires] = this.#sizes[db]!;
      this.#writer.resizeDb(keys, expires);
    }
  }

  #write(walk: TableWalk, key: string, value: Value): void {
    const t = walk.table;
    const at = t.expires.size > 0 ? t.expires.get(key) : undefined;
    if (at !== undefined && at <= this.#now) return;
    if (this.#db !== walk.db) this.#selectDb(walk.db, false);
    writeEntry(this.#writer, key, value, at);
    this.keysDone++;
  }
}

/**
 * A set of the keys walked in one table, for `beforeWrite` to tell walked keys from keys still
 * ahead: open addressing over a typed array of indexes into a key array, both reused from table
 * to table. A Set here grew to the table's size and was dropped per table, garbage V8 then kept
 * in the process's RSS during a save.
 */
class WalkedKeys {
  #keys: string[] = [];
  #slots = new Int32Array(0);
  #mask = 0;
  #n = 0;

  /** Empties the set, sized for `expected` keys. */
  reset(expected: number): void {
    let size = 16;
    while (size < expected * 2) size *= 2;
    if (this.#slots.length !== size) this.#slots = new Int32Array(size);
    this.#slots.fill(-1);
    this.#mask = size - 1;
    this.#n = 0;
  }

  add(key: string): void {
    if ((this.#n + 1) * 2 > this.#slots.length) this.#grow();
    const slots = this.#slots;
    let i = hashKey(key) & this.#mask;
    while (slots[i] !== -1) i = (i + 1) & this.#mask;
    slots[i] = this.#n;
    this.#keys[this.#n++] = key;
  }

  has(key: string): boolean {
    const slots = this.#slots;
    if (slots.length === 0) return false;
    for (let i = hashKey(key) & this.#mask;; i = (i + 1) & this.#mask) {
      const at = slots[i]!;
      if (at === -1) return false;
      if (this.#keys[at] === key) return true;
    }
  }

  #grow(): void {
    const n = this.#n;
    this.reset(Math.max(8, n * 2));
    const keys = this.#keys;
    for (let k = 0; k < n; k++) {
      let i = hashKey(keys[k]!) & this.#mask;
      while (this.#slots[i] !== -1) i = (i + 1) & this.#mask;
      this.#slots[i] = k;
    }
    this.#n = n;
  }
}

/** FNV-1a over a key's length, first 16 and last 16 chars: cheap for long keys, spread enough. */
function hashKey(key: string): number {
  const n = key.length;
  let h = 0x811c9dc5 ^ n;
  const head = Math.min(n, 16);
  for (let i = 0; i < head; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  for (let i = Math.max(head, n - 16); i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * One key's RDB entry: expiry, type, key, value. Collections go in the encoding Redis 7.0 would
 * write for them: lists as quicklists of listpacks, small hashes and sorted sets as one
 * listpack, integer sets as an intset, the rest in the plain encodings.
 */
export function writeEntry(w: RdbWriter, key: string, value: Value, at: number | undefined): void {
  if (isString(value)) {
    w.stringEntry(key, value as StringValue, at);
    return;
  }
  const c = value as Collection;
  switch (c.type) {
    case "list":
      w.quicklistEntry(key, [...(c as ListValue).values()], at);
      return;
    case "set":
      if (c.encoding() === "intset") w.intsetEntry(key, (c as SetValue).toArray(), at);
      else w.setEntry(key, (c as SetValue).toArray(), at);
      return;
    case "hash":
      if (c.encoding() === "listpack") w.hashListpackEntry(key, (c as HashValue).flat(), at);
      else w.hashEntry(key, (c as HashValue).flat(), at);
      return;
    case "zset":
      if (c.encoding() === "listpack") {
        w.zsetListpackEntry(key, [...(c as ZSetValue).entries()], at);
      } else w.zsetEntry(key, [...(c as ZSetValue).entries()], at);
      return;
  }
}
