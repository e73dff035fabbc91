// DEBUG: the subcommands hakv supports (HELP, POPULATE, SLEEP, SET-ACTIVE-EXPIRE, OBJECT,
// LOG, ERROR, PROTOCOL, DIGEST, DIGEST-VALUE, RELOAD), gated by enable-debug-command as in
// Redis 7.0.
import { datasetDigest, EMPTY_DIGEST, valueDigest } from "../../engine/digest.ts";
import { isString, parseInt64, stringEncoding, type Value } from "../../engine/values.ts";
import { formatDouble } from "../../resp/writer.ts";
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import { NO_SUCH_KEY, OUT_OF_RANGE_POSITIVE } from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { lruClock } from "../info.ts";
import type { Server } from "../server.ts";
import { readRdb } from "../persistence/rdb_reader.ts";
import {
  loadSnapshot,
  readSnapshotFile,
  saveSnapshot,
  snapshotPath,
} from "../persistence/snapshot.ts";
import { allowedBy } from "./_access.ts";
import { intArg } from "./_args.ts";
import { help, replyHelp, subcommandSyntaxError } from "./_help.ts";
import { valueBytes } from "./memory.ts";

const DEBUG_NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

const DEBUG_HELP = help("DEBUG", [
  "AOF-FLUSH-SLEEP <microsec>",
  "    Server will sleep before flushing the AOF, this is used for testing.",
  "ASSERT",
  "    Crash by assertion failed.",
  "CHANGE-REPL-ID",
  "    Change the replication IDs of the instance.",
  "    Dangerous: should be used only for testing the replication subsystem.",
  "CONFIG-REWRITE-FORCE-ALL",
  "    Like CONFIG REWRITE but writes all configuration options, including",
  "    keywords not listed in original configuration file or default values.",
  "CRASH-AND-RECOVER [<milliseconds>]",
  "    Hard crash and restart after a <milliseconds> delay (default 0).",
  "DIGEST",
  "    Output a hex signature representing the current DB content.",
  "DIGEST-VALUE <key> [<key> ...]",
  "    Output a hex signature of the values of all the specified keys.",
  "ERROR <string>",
  "    Return a Redis protocol error with <string> as message. Useful for clients",
  "    unit tests to simulate Redis errors.",
  "LEAK <string>",
  "    Create a memory leak of the input string.",
  "LOG <message>",
  "    Write <message> to the server log.",
  "HTSTATS <dbid>",
  "    Return hash table statistics of the specified Redis database.",
  "HTSTATS-KEY <key>",
  "    Like HTSTATS but for the hash table stored at <key>'s value.",
  "LOADAOF",
  "    Flush the AOF buffers on disk and reload the AOF in memory.",
  "REPLICATE <string>",
  "    Replicates the provided string to replicas, allowing data divergence.",
  "MALLCTL <key> [<val>]",
  "    Get or set a malloc tuning integer.",
  "MALLCTL-STR <key> [<val>]",
  "    Get or set a malloc tuning string.",
  "OBJECT <key>",
  "    Show low level info about `key` and associated value.",
  "DROP-CLUSTER-PACKET-FILTER <packet-type>",
  "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
  "OOM",
  "    Crash the server simulating an out-of-memory error.",
  "PANIC",
  "    Crash the server simulating a panic.",
  "POPULATE <count> [<prefix>] [<size>]",
  "    Create <count> string keys named key:<num>. If <prefix> is specified then",
  "    it is used instead of the 'key' prefix. These are not propagated to",
  "    replicas. Cluster slots are not respected so keys not belonging to the",
  "    current node can be created in cluster mode.",
  "PROTOCOL <type>",
  "    Reply with a test value of the specified type. <type> can be: string,",
  "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
  "    true, false.",
  "RELOAD [option ...]",
  "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
  "    * MERGE: conflicting keys will be loaded from RDB.",
  "    * NOFLUSH: the existing database will not be removed before load, but",
  "      conflicting keys will generate an exception and kill the server.",
  "    * NOSAVE: the database will be loaded from an existing RDB file.",
  "    Examples:",
  "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
  "      the database.",
  "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
  "      existing RDB file.",
  "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
  "      file to the database.",
  "RESTART [<milliseconds>]",
  "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
  "SDSLEN <key>",
  "    Show low level SDS string info representing `key` and value.",
  "SEGFAULT",
  "    Crash the server with sigsegv.",
  "SET-ACTIVE-EXPIRE <0|1>",
  "    Setting it to 0 disables expiring keys in background when they are not",
  "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
  "    default.",
  "QUICKLIST-PACKED-THRESHOLD <size>",
  "    Sets the threshold for elements to be inserted as plain vs packed nodes",
  "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
  "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
  "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
  "SLEEP <seconds>",
  "    Stop the server for <seconds>. Decimals allowed.",
  "STRINGMATCH-TEST",
  "    Run a fuzz tester against the stringmatchlen() function.",
  "STRUCTSIZE",
  "    Return the size of different Redis core C structures.",
  "LISTPACK <key>",
  "    Show low level info about the listpack encoding of <key>.",
  "QUICKLIST <key> [<0|1>]",
  "    Show low level info about the quicklist encoding of <key>.",
  "    The optional argument (0 by default) sets the level of detail",
  "CLIENT-EVICTION",
  "    Show low level client eviction pools info (maxmemory-clients).",
  "PAUSE-CRON <0|1>",
  "    Stop periodic cron job processing.",
  "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
  "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
  "    In case NEVER is provided the last observed peak will never be reset",
  "    In case RESET is provided the peak reset time will be restored to the default value",
  "REPLYBUFFER RESIZING <0|1>",
  "    Enable or disable the reply buffer resize cron job",
  "CLUSTERLINK KILL <to|from|all> <node-id>",
  "    Kills the link based on the direction to/from (both) with the provided node.",
]);

/** RDB-encoded length of a string value (integers as 1, 2 or 4 bytes; no compression). */
function serializedLength(v: Value): number {
  if (!isString(v)) return valueBytes(v, 5);
  const len = v.length;
  if (typeof v === "string" && len <= 11) {
    const n = parseInt64(v);
    if (n !== null) {
      if (n >= -128n && n <= 127n) return 2;
      if (n >= -32768n && n <= 32767n) return 3;
      if (n >= -2147483648n && n <= 2147483647n) return 5;
    }
  }
  return (len < 64 ? 1 : len < 16384 ? 2 : 5) + len;
}

/** A stable stand-in for an object address, derived from the key. */
function fakeAddress(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return `0x7f${(h >>> 0).toString(16).padStart(8, "0")}00`;
}

function encodingName(v: Value): string {
  return isString(v) ? stringEncoding(v) : v.encoding();
}

function debugPopulate(c: Client, argv: Argv, server: Server): void {
  const count = positiveArg(argv, 2);
  if (count === null) {
    c.w.error(OUT_OF_RANGE_POSITIVE);
    return;
  }
  const prefix = argv.length > 3 ? argv.str(3) : "key";
  let size = 0;
  if (argv.length > 4) {
    const s = positiveArg(argv, 4);
    if (s === null) {
      c.w.error(OUT_OF_RANGE_POSITIVE);
      return;
    }
    size = s;
  }
  const db = c.db;
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
    server.beforeWrite(c.dbIndex, key); // DEBUG is no write command: dispatch doesn't hook it
    if (db.has(key)) continue;
    let value = `value:${j}`;
    if (size > 0) {
      value = value.length >= size
        ? value.slice(0, size)
        : value + "\0".repeat(size - value.length);
    }
    db.set(key, value);
  }
  c.w.ok();
}

/** A non-negative integer argument (Redis's getPositiveLongFromObject), or null. */
function positiveArg(argv: Argv, i: number): number | null {
  const n = intArg(argv, i);
  return n === null || n < 0 ? null : n;
}

/** DEBUG SLEEP blocks the whole server, as it does in Redis. */
function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** DEBUG PROTOCOL: one test value of each RESP type. */
function debugProtocol(c: Client, type: string): void {
  const w = c.w;
  const raw = (s: string) => w.raw(new TextEncoder().encode(s));
  switch (type) {
    case "string":
      w.bulk("Hello World");
      return;
    case "integer":
      w.int(12345);
      return;
    case "double":
      w.double(3.141);
      return;
    case "bignum":
      if (c.protocol === 3) raw("(1234567999999999999999999999999999999\r\n");
      else w.bulk("1234567999999999999999999999999999999");
      return;
    case "null":
      w.nil();
      return;
    case "array":
    case "set":
      if (type === "array") w.array(3);
      else w.set(3);
      for (let j = 0; j < 3; j++) w.int(j);
      return;
    case "map":
      w.map(3);
      for (let j = 0; j < 3; j++) {
        w.int(j);
        w.bool(j === 1);
      }
      return;
    case "attrib":
      if (c.protocol === 3) {
        raw("|1\r\n");
        w.bulk("key-popularity");
        w.array(2);
        w.bulk("key:123");
        w.int(90);
      }
      w.bulk("Some real reply following the attribute");
      return;
    case "push":
      if (c.protocol === 3) {
        w.push(2);
        w.bulk("server-cpu-usage");
        w.int(42);
      }
      w.bulk("Some real reply following the push reply");
      return;
    case "true":
      w.bool(true);
      return;
    case "false":
      w.bool(false);
      return;
    case "verbatim":
      w.verbatim("This is a verbatim\nstring");
      return;
  }
  w.error(
    "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
  );
}

const DIGEST_OPTIONS = { scoreText: formatDouble };

/**
 * DEBUG DIGEST-VALUE: one digest per key (zeros for a missing one). Like Redis it looks in the
 * table directly, so a key whose TTL passed but is not yet reclaimed still has its digest.
 */
function debugDigestValue(c: Client, argv: Argv): void {
  const n = argv.length - 2;
  c.w.array(n);
  const ks = c.db.keyspace;
  const db = c.dbIndex;
  for (let i = 2; i < argv.length; i++) {
    const key = argv.str(i);
    const t = ks.table(db, key);
    const v = t.data.get(key);
    c.w.simple(
      v === undefined
        ? EMPTY_DIGEST
        : valueDigest(v, { ttl: t.expires.has(key), scoreText: formatDouble }),
    );
  }
}

/**
 * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save (unless NOSAVE), empty every database (unless
 * NOFLUSH), load the file back. Without MERGE a key of the file that is already in memory is
 * fatal, as in Redis, which panics: only reachable with NOFLUSH.
 */
function debugReload(c: Client, argv: Argv, server: Server): void {
  let merge = false;
  let flush = true;
  let save = true;
  for (let i = 2; i < argv.length; i++) {
    if (argv.is(i, "merge")) merge = true;
    else if (argv.is(i, "noflush")) flush = false;
    else if (argv.is(i, "nosave")) save = false;
    else {
      c.w.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      return;
    }
  }
  const log = server.log;
  if (save) {
    try {
      saveSnapshot(server);
    } catch (err) {
      log.warning(`Failed saving the DB: ${err instanceof Error ? err.message : err}`);
      c.w.error("ERR");
      return;
    }
    log.notice("DB saved on disk");
  }
  const path = snapshotPath(server);
  if (!flush && !merge) panicOnDuplicate(server, path);
  if (flush) {
    // As FLUSHALL: watchers of keys that existed see their EXEC fail.
    server.watches.flushed(-1);
    server.keyspace.flushAll();
  }
  let loaded;
  try {
    loaded = loadSnapshot(server, path, { replace: merge });
  } catch (err) {
    log.warning(err instanceof Error ? err.message : String(err));
    loaded = null;
  }
  if (loaded === null) {
    c.w.error(RELOAD_LOAD_FAILED);
    return;
  }
  log.notice(`Done loading RDB, keys loaded: ${loaded.keys}, keys expired: ${loaded.expired}.`);
  log.warning("DB reloaded by DEBUG RELOAD");
  c.w.ok();
}

const RELOAD_LOAD_FAILED = "ERR Error trying to load the RDB dump";

/**
 * Redis loads without MERGE refusing keys that are already in memory, and panics on the first
 * one (the server exits). The file is read ahead here so that happens before anything changes;
 * a file that can't be read is left to the load, which reports it.
 */
function panicOnDuplicate(server: Server, path: string): void {
  const dup = { db: -1, key: "" };
  try {
    const bytes = readSnapshotFile(path);
    if (bytes === null) return;
    const ks = server.keyspace;
    const now = ks.clock();
    readRdb(bytes, (db, key, _value, expireAt) => {
      // Keys expired in the file are skipped before Redis looks for a duplicate.
      if (dup.db >= 0 || db >= ks.databases || (expireAt !== undefined && expireAt <= now)) {
        return;
      }
      if (ks.table(db, key).data.has(key)) {
        dup.db = db;
        dup.key = key;
      }
    });
  } catch {
    // Corrupt or unreadable: the load reports it.
  }
  if (dup.db < 0) return;
  server.log.warning(`RDB has duplicated key '${dup.key}' in DB ${dup.db}`);
  server.log.warning("Guru Meditation: Duplicated key found in RDB file");
  Deno.exit(1);
}

function debug(c: Client, argv: Argv, server: Server): void {
  if (!allowedBy(server, c, "enable-debug-command")) {
    c.w.error(DEBUG_NOT_ALLOWED);
    return;
  }
  const sub = argv.lower(1);
  const argc = argv.length;
  if (sub === "help" && argc === 2) {
    replyHelp(c, DEBUG_HELP);
  } else if (sub === "populate" && argc >= 3 && argc <= 5) {
    debugPopulate(c, argv, server);
  } else if (sub === "sleep" && argc === 3) {
    const seconds = Number.parseFloat(argv.str(2));
    sleepSync(Number.isFinite(seconds) ? seconds * 1000 : 0);
    c.w.ok();
  } else if (sub === "set-active-expire" && argc === 3) {
    // atoi: anything that does not start with a non-zero number turns it off.
    server.activeExpire = (Number.parseInt(argv.str(2), 10) || 0) !== 0;
    c.w.ok();
  } else if (sub === "object" && argc === 3) {
    const key = argv.str(2);
    const v = c.db.get(key);
    if (v === undefined) {
      c.w.error(NO_SUCH_KEY);
      return;
    }
    c.w.simple(
      `Value at:${fakeAddress(key)} refcount:1 encoding:${encodingName(v)} serializedlength:${
        serializedLength(v)
      } lru:${lruClock()} lru_seconds_idle:0`,
    );
  } else if (sub === "log" && argc === 3) {
    server.log.warning(`DEBUG LOG: ${argv.str(2)}`);
    c.w.ok();
  } else if (sub === "error" && argc === 3) {
    c.w.error(argv.str(2));
  } else if (sub === "protocol" && argc === 3) {
    debugProtocol(c, argv.lower(2));
  } else if (sub === "digest" && argc === 2) {
    c.w.simple(datasetDigest(server.keyspace, DIGEST_OPTIONS));
  } else if (sub === "digest-value" && argc >= 2) {
    debugDigestValue(c, argv);
  } else if (sub === "reload") {
    debugReload(c, argv, server);
  } else {
    c.w.error(subcommandSyntaxError(argv));
  }
}

export const DEBUG_HANDLERS: Handlers<"debug"> = { debug };
