// RDB snapshots of the whole keyspace: SAVE writes every database to `<dir>/<dbfilename>`
// through a temp file, fsync and rename (so a crash never leaves a half-written dump), and
// start-up loads that file back, turning the reader's neutral values into engine values.
import { HashValue } from "../../engine/hash.ts";
import { ListValue } from "../../engine/list.ts";
import { SetValue } from "../../engine/set.ts";
import { type Collection, isString, type StringValue, type Value } from "../../engine/values.ts";
import { ZSetValue } from "../../engine/zset.ts";
import type { Server } from "../server.ts";
import { REDIS_VERSION } from "../version.ts";
import { RdbError, type RdbValue, readRdb } from "./rdb_reader.ts";
import { RdbWriter } from "./rdb_writer.ts";

/** The file SAVE writes and start-up reads: `<dir>/<dbfilename>`. */
export function snapshotPath(server: Server): string {
  return `${server.config.get("dir")}/${server.config.get("dbfilename")}`;
}

/** Serializes every database into RDB bytes (chunks, in order). */
export function encodeSnapshot(server: Server): Uint8Array[] {
  const w = new RdbWriter({
    compression: server.config.bool("rdbcompression"),
    checksum: server.config.bool("rdbchecksum"),
  });
  w.header();
  const mem = Deno.memoryUsage();
  w.standardAux({
    redisVer: REDIS_VERSION,
    redisBits: 64,
    ctime: Math.floor(Date.now() / 1000),
    usedMem: mem.heapUsed + mem.external,
    aofBase: false,
  });
  const ks = server.keyspace;
  const now = ks.clock();
  for (let db = 0; db < ks.databases; db++) {
    let keys = 0;
    let expires = 0;
    for (const shard of ks.shards) {
      keys += shard.tables[db]!.data.size;
      expires += shard.tables[db]!.expires.size;
    }
    if (keys === 0) continue;
    w.selectDb(db);
    w.resizeDb(keys, expires);
    for (const shard of ks.shards) {
      const t = shard.tables[db]!;
      for (const [key, value] of t.data) {
        const at = t.expires.size > 0 ? t.expires.get(key) : undefined;
        // Redis writes keys that expired but were not yet reclaimed; dropping them is the same
        // for a reader, which skips them anyway.
        if (at !== undefined && at <= now) continue;
        writeEntry(w, key, value, at);
      }
    }
  }
  w.end();
  return w.take();
}

function writeEntry(w: RdbWriter, key: string, value: Value, at: number | undefined): void {
  if (isString(value)) {
    w.stringEntry(key, value as StringValue, at);
    return;
  }
  const c = value as Collection;
  switch (c.type) {
    case "list":
      w.listEntry(key, [...(c as ListValue).values()], at);
      return;
    case "set":
      w.setEntry(key, (c as SetValue).toArray(), at);
      return;
    case "hash":
      w.hashEntry(key, (c as HashValue).flat(), at);
      return;
    case "zset":
      w.zsetEntry(key, [...(c as ZSetValue).entries()], at);
      return;
  }
}

export interface SaveOptions {
  /** The directory to write to instead of config `dir` (tests; config `dir` is the cwd). */
  dir?: string;
}

/**
 * SAVE: writes the snapshot to `temp-<pid>.rdb` in `dir`, fsyncs it and renames it over
 * `<dir>/<dbfilename>`. Throws (after removing the temp file) if anything fails.
 */
export function saveSnapshot(server: Server, options: SaveOptions = {}): void {
  const dir = options.dir ?? server.config.get("dir");
  const temp = `${dir}/temp-${Deno.pid}.rdb`;
  const chunks = encodeSnapshot(server);
  try {
    const f = Deno.openSync(temp, { write: true, create: true, truncate: true });
    try {
      for (const chunk of chunks) {
        let off = 0;
        while (off < chunk.length) off += f.writeSync(chunk.subarray(off));
      }
      f.syncSync();
    } finally {
      f.close();
    }
    Deno.renameSync(temp, `${dir}/${server.config.get("dbfilename")}`);
  } catch (err) {
    try {
      Deno.removeSync(temp);
    } catch {
      // nothing to clean up
    }
    throw err;
  }
  server.dirty = 0;
  server.lastSave = Math.floor(Date.now() / 1000);
}

/** What loading found: keys loaded and keys skipped because their TTL had passed. */
export interface LoadResult {
  keys: number;
  expired: number;
}

/** A snapshot file that cannot be loaded; the message says which file and why. */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnapshotError";
  }
}

/**
 * Loads the RDB file at `path` into the (empty) keyspace. A missing file loads nothing and
 * returns null. Throws SnapshotError for a corrupt file or a db index the server doesn't have.
 */
export function loadSnapshot(server: Server, path: string): LoadResult | null {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new SnapshotError(
      `Can't read the RDB file ${path}: ${err instanceof Error ? err.message : err}`,
    );
  }
  const ks = server.keyspace;
  const now = ks.clock();
  const setMax = server.config.int("set-max-intset-entries");
  const hashLimits = {
    maxEntries: server.config.int("hash-max-listpack-entries"),
    maxValue: server.config.int("hash-max-listpack-value"),
  };
  const zLimits = {
    entries: server.config.int("zset-max-listpack-entries"),
    value: server.config.int("zset-max-listpack-value"),
  };
  const result: LoadResult = { keys: 0, expired: 0 };
  // The keyspace's store hook would wake blocked clients; there are none yet, and it costs.
  const onStored = ks.onStored;
  const onNew = ks.onNew;
  ks.onStored = null;
  ks.onNew = null;
  try {
    readRdb(bytes, (db, key, value, expireAt) => {
      if (db >= ks.databases) {
        throw new SnapshotError(
          `FATAL: Data file was created with a Redis server configured to handle more than ${ks.databases} databases. Exiting`,
        );
      }
      if (expireAt !== undefined && expireAt <= now) {
        result.expired++;
        return;
      }
      ks.db(db).set(key, toValue(value, setMax, hashLimits, zLimits), expireAt);
      result.keys++;
    });
  } catch (err) {
    if (err instanceof SnapshotError) throw err;
    const why = err instanceof RdbError || err instanceof Error ? err.message : String(err);
    throw new SnapshotError(`Bad RDB file ${path}: ${why}`);
  } finally {
    ks.onStored = onStored;
    ks.onNew = onNew;
  }
  return result;
}

/** An engine value from a neutral RDB value, encoded compactly within the given limits. */
export function toValue(
  v: RdbValue,
  setMax: number,
  hashLimits: { maxEntries: number; maxValue: number },
  zLimits: { entries: number; value: number },
): Value {
  if (typeof v === "string") return v;
  switch (v.type) {
    case "list":
      return ListValue.from(v.items);
    case "set":
      return SetValue.from(v.members, setMax);
    case "hash": {
      const h = new HashValue();
      h.setPairs(v.pairs, 0, v.pairs.length, hashLimits);
      return h;
    }
    case "zset": {
      const z = new ZSetValue();
      for (const [m, s] of v.pairs) z.insertNew(m, s, zLimits);
      return z;
    }
  }
}
