// RDB snapshots of the whole keyspace: SAVE writes every database to `<dir>/<dbfilename>`
// through a temp file, fsync and rename (so a crash never leaves a half-written dump), and
// start-up loads that file back, turning the reader's neutral values into engine values.
import { HashValue } from "../../engine/hash.ts";
import { ListValue } from "../../engine/list.ts";
import { SetValue } from "../../engine/set.ts";
import type { Value } from "../../engine/values.ts";
import { ZSetValue } from "../../engine/zset.ts";
import type { Config } from "../config.ts";
import type { Server } from "../server.ts";
import { REDIS_VERSION } from "../version.ts";
import { RdbError, RdbReader, type RdbSummary, type RdbValue } from "./rdb_reader.ts";
import { SnapshotWalker } from "./walker.ts";

/** The file SAVE writes and start-up reads: `<dir>/<dbfilename>`. */
export function snapshotPath(server: Server): string {
  return `${server.config.get("dir")}/${server.config.get("dbfilename")}`;
}

/**
 * A walker over the server's keyspace as it is now, with the configured encoding options. Files
 * record the replication history the data stands at (`repl-id`, `repl-offset`); a full sync's
 * image (`forReplica`) does not: its offset travels in +FULLRESYNC.
 */
export function snapshotWalker(
  server: Server,
  options: { live: boolean; sink?: (chunk: Uint8Array) => void; forReplica?: boolean },
): SnapshotWalker {
  const mem = Deno.memoryUsage();
  const repl = options.forReplica ? null : server.repl.history();
  return new SnapshotWalker(server.keyspace, {
    live: options.live,
    ...(options.sink !== undefined ? { sink: options.sink } : {}),
    compression: server.config.bool("rdbcompression"),
    checksum: server.config.bool("rdbchecksum"),
    aux: {
      redisVer: REDIS_VERSION,
      redisBits: 64,
      ctime: Math.floor(Date.now() / 1000),
      usedMem: mem.heapUsed + mem.external,
      aofBase: false,
      ...(repl !== null ? { repl } : {}),
    },
  });
}

/** Serializes every database into RDB bytes (chunks, in order). */
export function encodeSnapshot(server: Server): Uint8Array[] {
  const walker = snapshotWalker(server, { live: false });
  walker.step(Infinity);
  return walker.take();
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
  // Opened outside the cleanup: a temp path that can't be opened (a directory, say) isn't ours.
  const f = Deno.openSync(temp, { write: true, create: true, truncate: true });
  try {
    try {
      // Each 64 KB goes to the file as it fills, so the image is never whole in memory.
      const sink = (chunk: Uint8Array) => {
        let off = 0;
        while (off < chunk.length) off += f.writeSync(chunk.subarray(off));
      };
      snapshotWalker(server, { live: false, sink }).step(Infinity);
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

/** The bytes of the RDB file at `path`, or null if there is none. Throws SnapshotError. */
export function readSnapshotFile(path: string): Uint8Array | null {
  try {
    return Deno.readFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new SnapshotError(
      `Can't read the RDB file ${path}: ${err instanceof Error ? err.message : err}`,
    );
  }
}

/**
 * Loads the RDB file at `path` into the keyspace in one go. A missing file loads nothing and
 * returns null. Throws SnapshotError for a corrupt file, a db index the server doesn't have, or
 * a key already in memory unless `replace` (DEBUG RELOAD MERGE) lets the file's value win.
 */
export function loadSnapshot(
  server: Server,
  path: string,
  options: LoaderOptions = {},
): LoadResult | null {
  const bytes = readSnapshotFile(path);
  if (bytes === null) return null;
  const loader = new SnapshotLoader(server, bytes, path, options);
  for (;;) {
    const done = loader.step(Infinity);
    if (done !== null) return done;
  }
}

export interface LoaderOptions {
  /** A key already in memory takes the file's value (DEBUG RELOAD MERGE), instead of an error. */
  replace?: boolean;
  /** Keep keys whose TTL has passed (a replica: its master's DEL removes them, as in Redis 7). */
  keepExpired?: boolean;
  /** Each aux field (a replica reads repl-stream-db). */
  onAux?: (key: string, value: string) => void;
  /**
   * The bytes given are the image's first part (at least its 9-byte header); the rest comes by
   * `feed` as it arrives, and `step` loads what is there (a replica loading while its master
   * still sends). Without it the bytes are the whole image.
   */
  streaming?: boolean;
}

/**
 * An RDB image loaded into the keyspace a part at a time (start-up and a replica's full sync
 * answer -LOADING between parts). Keys whose TTL has passed are skipped unless `keepExpired`; a
 * key the image holds twice, or already in memory, is an error unless `replace`.
 */
export class SnapshotLoader {
  readonly #server: Server;
  readonly #path: string;
  readonly #reader: RdbReader;
  readonly result: LoadResult = { keys: 0, expired: 0 };
  /** Bytes in the image (while streaming: received so far). */
  total: number;

  constructor(server: Server, bytes: Uint8Array, path: string, options: LoaderOptions = {}) {
    const replace = options.replace ?? false;
    const keepExpired = options.keepExpired ?? false;
    this.#server = server;
    this.#path = path;
    this.total = bytes.length;
    const ks = server.keyspace;
    const now = ks.clock();
    const limits = encodingLimits(server.config);
    const result = this.result;
    this.#reader = this.#guard(() =>
      new RdbReader(
        bytes,
        (db, key, value, expireAt) => {
          if (db >= ks.databases) {
            throw new SnapshotError(
              `FATAL: Data file was created with a Redis server configured to handle more than ${ks.databases} databases. Exiting`,
            );
          }
          if (expireAt !== undefined && expireAt <= now && !keepExpired) {
            result.expired++;
            return;
          }
          // Straight into the table: Db.set's expiry check and hooks are for commands.
          const t = ks.table(db, key);
          const before = t.data.size;
          t.data.set(key, toValue(value, limits));
          // A key the file holds twice: Redis refuses the file. (The size check costs no lookup.)
          if (t.data.size === before && !replace) {
            throw new SnapshotError(`RDB has duplicated key '${key}' in DB ${db}`);
          }
          if (expireAt !== undefined) t.expires.set(key, expireAt);
          else if (t.expires.size > 0) t.expires.delete(key);
          result.keys++;
        },
        options.onAux !== undefined ? { onAux: options.onAux } : {},
        options.streaming ?? false,
      )
    );
  }

  /** Streaming: `bytes` is the image so far (same offsets, more at the end); `final` when whole. */
  feed(bytes: Uint8Array, final: boolean): void {
    this.total = bytes.length;
    this.#reader.feed(bytes, final);
  }

  /** The last step stopped for want of bytes not fed yet. */
  get starved(): boolean {
    return this.#reader.starved;
  }

  /** Bytes read so far. */
  get position(): number {
    return this.#reader.position;
  }

  /** Loads at least `bytes` more bytes; the result at the end, else null. Throws SnapshotError. */
  step(bytes: number): LoadResult | null {
    const ks = this.#server.keyspace;
    // The store hooks would wake blocked clients and raise "new" events for what is only being
    // restored; nothing may react to a load.
    const onStored = ks.onStored;
    const onNew = ks.onNew;
    ks.onStored = null;
    ks.onNew = null;
    try {
      const summary: RdbSummary | null = this.#guard(() => this.#reader.step(bytes));
      return summary === null ? null : this.result;
    } finally {
      ks.onStored = onStored;
      ks.onNew = onNew;
    }
  }

  #guard<T>(f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (err instanceof SnapshotError) throw err;
      const why = err instanceof RdbError || err instanceof Error ? err.message : String(err);
      throw new SnapshotError(`Bad RDB file ${this.#path}: ${why}`);
    }
  }
}

/** The compact-encoding thresholds a loaded collection is built within (the *-max-* directives). */
export interface EncodingLimits {
  setMax: number;
  hashLimits: { maxEntries: number; maxValue: number };
  zLimits: { entries: number; value: number };
}

/** The thresholds as the configuration has them now. */
export function encodingLimits(config: Config): EncodingLimits {
  return {
    setMax: config.int("set-max-intset-entries"),
    hashLimits: {
      maxEntries: config.int("hash-max-listpack-entries"),
      maxValue: config.int("hash-max-listpack-value"),
    },
    zLimits: {
      entries: config.int("zset-max-listpack-entries"),
      value: config.int("zset-max-listpack-value"),
    },
  };
}

/** An engine value from a neutral RDB value, encoded compactly within the given limits. */
export function toValue(v: RdbValue, limits: EncodingLimits): Value {
  if (typeof v === "string") return v;
  const { setMax, hashLimits, zLimits } = limits;
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
