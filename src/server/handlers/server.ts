// Server commands: INFO, CONFIG, DBSIZE, FLUSH*, SWAPDB, TIME, LASTSAVE, SHUTDOWN, COMMAND,
// DEBUG, MEMORY, SLOWLOG, MONITOR. Replies and error texts are Redis 7.0's.
import type { Command, CommandSpec } from "../../commands/mod.ts";
import {
  isString,
  MutableString,
  parseInt64,
  stringEncoding,
  type Value,
} from "../../engine/values.ts";
import { globMatch } from "../../engine/glob.ts";
import type { Argv, RespWriter } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import { ConfigError } from "../config.ts";
import { DB_OUT_OF_RANGE, NO_SUCH_KEY, NOT_INTEGER, SYNTAX } from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { infoText, lruClock, measureMemory, selectSections } from "../info.ts";
import type { Server } from "../server.ts";
import { intArg } from "./_args.ts";

type Names =
  | "info"
  | "config|get"
  | "config|set"
  | "config|resetstat"
  | "config|rewrite"
  | "config|help"
  | "dbsize"
  | "flushdb"
  | "flushall"
  | "swapdb"
  | "time"
  | "lastsave"
  | "shutdown"
  | "command"
  | "command|count"
  | "command|info"
  | "command|docs"
  | "command|getkeys"
  | "command|getkeysandflags"
  | "command|list"
  | "command|help"
  | "debug"
  | "memory|usage"
  | "memory|stats"
  | "memory|doctor"
  | "memory|malloc-stats"
  | "memory|purge"
  | "memory|help"
  | "slowlog|get"
  | "slowlog|len"
  | "slowlog|reset"
  | "slowlog|help"
  | "monitor";

const DEBUG_NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';
const NOT_POSITIVE = "ERR value is out of range, must be positive";
const SLOWLOG_COUNT = "ERR count should be greater than or equal to -1";

/** `<SUBCOMMAND>` help replies: the title line, then the text as Redis prints it. */
function help(container: string, lines: readonly string[]): string[] {
  return [
    `${container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
    ...lines,
    "HELP",
    "    Prints this help.",
  ];
}

const CONFIG_HELP = help("CONFIG", [
  "GET <pattern>",
  "    Return parameters matching the glob-like <pattern> and their values.",
  "SET <directive> <value>",
  "    Set the configuration <directive> to <value>.",
  "RESETSTAT",
  "    Reset statistics reported by the INFO command.",
  "REWRITE",
  "    Rewrite the configuration file.",
]);

const COMMAND_HELP = help("COMMAND", [
  "(no subcommand)",
  "    Return details about all Redis commands.",
  "COUNT",
  "    Return the total number of commands in this Redis server.",
  "LIST",
  "    Return a list of all commands in this Redis server.",
  "INFO [<command-name> ...]",
  "    Return details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "DOCS [<command-name> ...]",
  "    Return documentation details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "GETKEYS <full-command>",
  "    Return the keys from a full Redis command.",
  "GETKEYSANDFLAGS <full-command>",
  "    Return the keys and the access flags from a full Redis command.",
]);

const MEMORY_HELP = help("MEMORY", [
  "DOCTOR",
  "    Return memory problems reports.",
  "MALLOC-STATS",
  "    Return internal statistics report from the memory allocator.",
  "PURGE",
  "    Attempt to purge dirty pages for reclamation by the allocator.",
  "STATS",
  "    Return information about the memory usage of the server.",
  "USAGE <key> [SAMPLES <count>]",
  "    Return memory in bytes used by <key> and its value. Nested values are",
  "    sampled up to <count> times (default: 5, 0 means sample all).",
]);

const SLOWLOG_HELP = help("SLOWLOG", [
  "GET [<count>]",
  "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
  "    Entries are made of:",
  "    id, timestamp, time in microseconds, arguments array, client IP and port,",
  "    client name",
  "LEN",
  "    Return the length of the slowlog.",
  "RESET",
  "    Reset the slowlog.",
]);

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

/** Writes a help reply: an array of status lines. */
export function replyHelp(c: Client, lines: readonly string[]): void {
  c.w.array(lines.length);
  for (const line of lines) c.w.simple(line);
}

/** Redis's reply to a known container's subcommand used with the wrong arguments. */
export function subcommandSyntaxError(argv: Argv): string {
  return `ERR unknown subcommand or wrong number of arguments for '${
    argv.str(1).slice(0, 128)
  }'. Try ${argv.str(0).toUpperCase()} HELP.`;
}

/** Whether the client connects from the loopback interface (the "local" config setting). */
export function isLocalClient(c: Client): boolean {
  const host = c.addr.slice(0, c.addr.lastIndexOf(":"));
  return host.startsWith("127.") || host === "[::1]" || host === "[::ffff:127.0.0.1]";
}

function allowedBy(server: Server, c: Client, directive: string): boolean {
  const v = server.config.get(directive);
  return v === "yes" || (v === "local" && isLocalClient(c));
}

// --- COMMAND -----------------------------------------------------------------------------

/** COMMAND INFO prints flags in Redis's bit order; may_replicate is hidden on purpose. */
const FLAG_ORDER = [
  "write",
  "readonly",
  "denyoom",
  "module",
  "admin",
  "pubsub",
  "noscript",
  "blocking",
  "loading",
  "stale",
  "skip_monitor",
  "skip_slowlog",
  "asking",
  "fast",
  "no_auth",
  "no_mandatory_keys",
  "no_async_loading",
  "no_multi",
  "movablekeys",
  "allow_busy",
];

/** ACL categories in the order of Redis's category table. */
const CATEGORY_ORDER = [
  "keyspace",
  "read",
  "write",
  "set",
  "sortedset",
  "list",
  "hash",
  "string",
  "bitmap",
  "hyperloglog",
  "geo",
  "stream",
  "pubsub",
  "admin",
  "fast",
  "slow",
  "blocking",
  "dangerous",
  "connection",
  "transaction",
  "scripting",
];

function byOrder(order: readonly string[]): (a: string, b: string) => number {
  return (a, b) => order.indexOf(a) - order.indexOf(b);
}

function commandFlags(cmd: Command): string[] {
  if (cmd.spec.container) return [];
  const flags = new Set<string>(cmd.spec.flags);
  if (cmd.spec.keys !== undefined) flags.add("movablekeys");
  return [...flags].filter((f) => FLAG_ORDER.includes(f)).sort(byOrder(FLAG_ORDER));
}

function commandCategories(cmd: Command): string[] {
  // A container's own entry only carries the category its (absent) flags imply.
  if (cmd.spec.container) return ["@slow"];
  return [...cmd.categories].sort(byOrder(CATEGORY_ORDER)).map((c) => `@${c}`);
}

/** Key-spec flags: the table's, or the usual ones for a read or a write. */
function keyFlags(spec: CommandSpec): readonly string[] {
  if (spec.keyFlags !== undefined) return spec.keyFlags;
  if (spec.flags.includes("write")) return ["RW", "access", "update"];
  if (spec.flags.includes("readonly")) return ["RO", "access"];
  return ["RO"];
}

function hasKeys(spec: CommandSpec): boolean {
  return spec.firstKey > 0 || spec.keys !== undefined;
}

/** One key spec map: flags, begin_search and find_keys. */
function writeKeySpec(
  w: RespWriter,
  flags: readonly string[],
  begin: [string, [string, string | number][]],
  find: [string, [string, number][]],
): void {
  w.map(3);
  w.bulk("flags");
  w.set(flags.length);
  for (const f of flags) w.simple(f);
  for (const [label, [type, spec]] of [["begin_search", begin], ["find_keys", find]] as const) {
    w.bulk(label);
    w.map(2);
    w.bulk("type");
    w.bulk(type);
    w.bulk("spec");
    w.map(spec.length);
    for (const [k, v] of spec) {
      w.bulk(k);
      if (typeof v === "number") w.int(v);
      else w.bulk(v);
    }
  }
}

function writeKeySpecs(w: RespWriter, spec: CommandSpec): void {
  const specs: (() => void)[] = [];
  const flags = keyFlags(spec);
  if (spec.firstKey > 0) {
    const last = spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey;
    specs.push(() =>
      writeKeySpec(w, flags, ["index", [["index", spec.firstKey]]], ["range", [
        ["lastkey", last],
        ["keystep", spec.step > 0 ? spec.step : 1],
        ["limit", 0],
      ]])
    );
  }
  const finder = spec.keys;
  if (finder !== undefined && "numkeysAt" in finder) {
    specs.push(() =>
      writeKeySpec(w, flags, ["index", [["index", finder.numkeysAt]]], ["keynum", [
        ["keynumidx", 0],
        ["firstkey", finder.firstAfter - finder.numkeysAt],
        ["keystep", 1],
      ]])
    );
  } else if (finder !== undefined) {
    specs.push(() =>
      writeKeySpec(w, flags, ["keyword", [["keyword", finder.keyword], ["startfrom", 1]]], [
        "range",
        [["lastkey", -1], ["keystep", 1], ["limit", 2]],
      ])
    );
  }
  w.array(specs.length);
  for (const write of specs) write();
}

/** One COMMAND INFO entry (Redis 7.0's ten fields). */
function writeCommandInfo(w: RespWriter, cmd: Command): void {
  const spec = cmd.spec;
  w.array(10);
  w.bulk(cmd.fullName);
  w.int(spec.arity);
  const flags = commandFlags(cmd);
  w.set(flags.length);
  for (const f of flags) w.simple(f);
  w.int(spec.firstKey);
  w.int(spec.lastKey);
  w.int(spec.step);
  const cats = commandCategories(cmd);
  w.set(cats.length);
  for (const cat of cats) w.simple(cat);
  const tips = spec.tips ?? [];
  w.set(tips.length);
  for (const t of tips) w.bulk(t);
  writeKeySpecs(w, spec);
  w.array(cmd.subcommands.size);
  for (const sub of cmd.subcommands.values()) writeCommandInfo(w, sub);
}

/** One COMMAND DOCS entry: summary, since, group, complexity, and subcommands' docs. */
function writeCommandDocs(w: RespWriter, cmd: Command): void {
  const spec = cmd.spec;
  const fields: [string, string][] = [
    ["summary", spec.summary],
    ["since", spec.since],
    ["group", spec.group],
  ];
  if (spec.complexity !== "") fields.push(["complexity", spec.complexity]);
  const subs = cmd.subcommands.size > 0;
  w.map(fields.length + (subs ? 1 : 0));
  for (const [k, v] of fields) {
    w.bulk(k);
    w.bulk(v);
  }
  if (subs) {
    w.bulk("subcommands");
    w.map(cmd.subcommands.size);
    for (const sub of cmd.subcommands.values()) {
      w.bulk(sub.fullName);
      writeCommandDocs(w, sub);
    }
  }
}

/** COMMAND INFO / DOCS names: `get` or `client|list`, any case. */
function commandByFullName(server: Server, name: string): Command | undefined {
  const lower = name.toLowerCase();
  const bar = lower.indexOf("|");
  if (bar < 0) return server.registry.get(lower);
  return server.registry.get(lower.slice(0, bar))?.subcommands.get(lower.slice(bar + 1));
}

/** Every command and subcommand, containers first. */
function* allCommands(server: Server): Generator<Command> {
  for (const cmd of server.registry.top()) {
    yield cmd;
    yield* cmd.subcommands.values();
  }
}

/**
 * COMMAND GETKEYS: the key positions of the command in argv[2..], or an error text. Returns
 * positions relative to the target command (0 = its name).
 */
function getKeys(server: Server, argv: Argv): { cmd: Command; positions: number[] } | string {
  const argc = argv.length - 2;
  let cmd = server.commandByName(argv.lower(2));
  if (cmd !== undefined && cmd.subcommands.size > 0 && argc >= 2) {
    cmd = cmd.subcommands.get(argv.lower(3));
  }
  if (cmd === undefined) return "ERR Invalid command specified";
  const spec = cmd.spec;
  if (!hasKeys(spec)) return "ERR The command has no key arguments";
  if ((spec.arity > 0 && spec.arity !== argc) || argc < -spec.arity) {
    return "ERR Invalid number of arguments specified for command";
  }
  const positions: number[] = [];
  if (spec.firstKey > 0) {
    const last = spec.lastKey < 0 ? argc + spec.lastKey : spec.lastKey;
    const step = spec.step > 0 ? spec.step : 1;
    for (let i = spec.firstKey; i <= last && i < argc; i += step) positions.push(i);
  }
  const finder = spec.keys;
  if (finder !== undefined && "numkeysAt" in finder) {
    const n = finder.numkeysAt < argc ? parseInt64(argv.str(2 + finder.numkeysAt)) : null;
    if (n === null || n <= 0n || finder.firstAfter + Number(n) > argc) {
      return spec.flags.includes("no_mandatory_keys") && positions.length === 0
        ? { cmd, positions }
        : "ERR Invalid arguments specified for command";
    }
    for (let k = 0; k < Number(n); k++) positions.push(finder.firstAfter + k);
  } else if (finder !== undefined) {
    let at = -1;
    for (let i = 1; i < argc; i++) if (argv.is(2 + i, finder.keyword.toLowerCase())) at = i;
    if (at > 0) {
      const count = Math.floor((argc - at - 1) / 2);
      for (let k = 0; k < count; k++) positions.push(at + 1 + k);
    }
  }
  if (positions.length === 0 && !spec.flags.includes("no_mandatory_keys")) {
    return "ERR Invalid arguments specified for command";
  }
  return { cmd, positions };
}

// --- MEMORY --------------------------------------------------------------------------------

/** V8's layout, 64-bit without pointer compression: a sequential one-byte string. */
function stringBytes(len: number): number {
  return (16 + len + 7) & ~7;
}

/** An OrderedHashMap entry (key, value, chain) plus its share of the bucket array. */
const MAP_ENTRY = 40;
const SET_ENTRY = 32;

/** An estimate of the bytes a value takes, sampling `samples` elements of collections. */
function valueBytes(v: unknown, samples: number, depth = 0): number {
  if (typeof v === "string") return stringBytes(v.length);
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 8 : 16;
  if (typeof v === "bigint") return 24;
  if (typeof v === "boolean" || v === null || v === undefined) return 8;
  if (v instanceof MutableString) return 56 + 96 + v.bytes.byteLength;
  if (ArrayBuffer.isView(v)) return 96 + v.byteLength;
  if (depth > 4) return 16;
  const sampled = (items: Iterable<unknown>, size: number, each: number): number => {
    if (size === 0) return 0;
    let n = 0;
    let sum = 0;
    for (const item of items) {
      sum += valueBytes(item, samples, depth + 1);
      if (++n === samples) break;
    }
    return Math.round(size * (each + sum / n));
  };
  if (v instanceof Map) return 96 + sampled(mapItems(v), v.size, MAP_ENTRY);
  if (v instanceof Set) return 96 + sampled(v, v.size, SET_ENTRY);
  if (Array.isArray(v)) return 32 + sampled(v, v.length, 8);
  if (typeof v === "object") {
    const values = Object.values(v);
    return 24 + sampled(values, values.length, 8);
  }
  return 16;
}

function* mapItems(m: Map<unknown, unknown>): Generator<unknown> {
  for (const [k, v] of m) yield [k, v];
}

/** MEMORY USAGE: the key, its value, its dict entry and its expiry entry if any. */
function keyUsage(key: string, v: Value, hasTtl: boolean, samples: number): number {
  const value = valueBytes(v, samples === 0 ? Infinity : samples);
  return MAP_ENTRY + stringBytes(key.length) + value + (hasTtl ? MAP_ENTRY + 16 : 0);
}

const DOCTOR_EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const DOCTOR_OK =
  "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";

function memoryDoctor(server: Server): string {
  const f = measureMemory(server);
  if (f.used - f.startup < 5 * 1024 * 1024) return DOCTOR_EMPTY;
  const issues: string[] = [];
  if (f.peak > f.used * 1.5) {
    issues.push(
      " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n",
    );
  }
  if (f.rss / f.used > 1.4) {
    issues.push(
      ` * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc.\n\n`,
    );
  }
  if (issues.length === 0) return DOCTOR_OK;
  return `Sam, I detected a few issues in this Redis instance memory implants:\n\n${
    issues.join("")
  }I'm here to keep you safe, Sam. I want to help you.\n`;
}

function memoryStats(c: Client, server: Server): void {
  const f = measureMemory(server);
  const w = c.w;
  const dbs: [number, number, number][] = [];
  let keys = 0;
  for (let i = 0; i < server.keyspace.databases; i++) {
    const db = server.keyspace.db(i);
    const n = db.size;
    if (n === 0) continue;
    keys += n;
    dbs.push([i, n * MAP_ENTRY, db.expiresCount * MAP_ENTRY]);
  }
  const ints: [string, number][] = [
    ["peak.allocated", f.peak],
    ["total.allocated", f.used],
    ["startup.allocated", f.startup],
    ["replication.backlog", 0],
    ["clients.slaves", 0],
    ["clients.normal", f.clients],
    ["cluster.links", 0],
    ["aof.buffer", 0],
    ["lua.caches", 0],
    ["functions.caches", 0],
  ];
  w.map(ints.length + dbs.length + 17);
  for (const [k, v] of ints) {
    w.bulk(k);
    w.int(v);
  }
  for (const [i, main, expires] of dbs) {
    w.bulk(`db.${i}`);
    w.map(3);
    w.bulk("overhead.hashtable.main");
    w.int(main);
    w.bulk("overhead.hashtable.expires");
    w.int(expires);
    w.bulk("overhead.hashtable.slot-to-keys");
    w.int(0);
  }
  const pairs: [string, number, boolean][] = [
    ["overhead.total", f.overhead, false],
    ["keys.count", keys, false],
    ["keys.bytes-per-key", keys > 0 ? Math.floor((f.used - f.startup) / keys) : 0, false],
    ["dataset.bytes", f.dataset, false],
    ["dataset.percentage", ratio(f.dataset * 100, f.used - f.startup), true],
    ["peak.percentage", ratio(f.used * 100, f.peak), true],
    ["allocator.allocated", f.used, false],
    ["allocator.active", f.heapTotal, false],
    ["allocator.resident", f.rss, false],
    ["allocator-fragmentation.ratio", ratio(f.heapTotal, f.used), true],
    ["allocator-fragmentation.bytes", f.heapTotal - f.used, false],
    ["allocator-rss.ratio", ratio(f.rss, f.heapTotal), true],
    ["allocator-rss.bytes", f.rss - f.heapTotal, false],
    ["rss-overhead.ratio", ratio(f.rss, f.heapTotal), true],
    ["rss-overhead.bytes", f.rss - f.heapTotal, false],
    ["fragmentation", ratio(f.rss, f.used), true],
    ["fragmentation.bytes", f.rss - f.used, false],
  ];
  for (const [k, v, isDouble] of pairs) {
    w.bulk(k);
    if (isDouble) w.double(v);
    else w.int(v);
  }
}

function ratio(a: number, b: number): number {
  // Redis computes these in single precision and prints them as doubles.
  return b > 0 ? Math.fround(a / b) : 0;
}

// --- DEBUG -----------------------------------------------------------------------------------

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
  return isString(v) ? stringEncoding(v) : "hashtable";
}

function debugPopulate(c: Client, argv: Argv): void {
  const count = positiveArg(argv, 2);
  if (count === null) {
    c.w.error(NOT_POSITIVE);
    return;
  }
  const prefix = argv.length > 3 ? argv.str(3) : "key";
  let size = 0;
  if (argv.length > 4) {
    const s = positiveArg(argv, 4);
    if (s === null) {
      c.w.error(NOT_POSITIVE);
      return;
    }
    size = s;
  }
  const db = c.db;
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
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
    debugPopulate(c, argv);
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
  } else if (sub === "reload") {
    for (let i = 2; i < argc; i++) {
      if (!argv.is(i, "merge") && !argv.is(i, "noflush") && !argv.is(i, "nosave")) {
        c.w.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        return;
      }
    }
    c.w.error("ERR DEBUG RELOAD is not supported: hakv has no RDB persistence yet");
  } else {
    c.w.error(subcommandSyntaxError(argv));
  }
}

// --- Handlers ----------------------------------------------------------------------------

/** FLUSHDB / FLUSHALL take at most one of ASYNC and SYNC. */
function flushOptionOk(argv: Argv): boolean {
  if (argv.length > 2) return false;
  return argv.length === 1 || argv.is(1, "async") || argv.is(1, "sync");
}

export const SERVER_HANDLERS: Handlers<Names> = {
  info(c, argv, server) {
    c.w.verbatim(infoText(server, selectSections(argv.strings(1))));
  },
  "config|get"(c, argv, server) {
    const pairs = server.config.matching(argv.strings(2));
    c.w.map(pairs.length);
    for (const [k, v] of pairs) {
      c.w.bulk(k);
      c.w.bulk(v);
    }
  },
  "config|set"(c, argv, server) {
    if (argv.length % 2 !== 0) {
      c.w.error(SYNTAX);
      return;
    }
    const pairs: [string, string][] = [];
    for (let i = 2; i < argv.length; i += 2) pairs.push([argv.str(i), argv.str(i + 1)]);
    const config = server.config;
    const before = pairs.map(([name]) => [name, config.directive(name) ? config.get(name) : ""]);
    try {
      config.setMany(pairs, { allowProtected: allowedBy(server, c, "enable-protected-configs") });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      c.w.error(`ERR ${err.message}`);
      return;
    }
    const bind = config.get("bind");
    const port = config.int("port");
    if (!server.listening || (bind === server.bound && port === server.port)) {
      c.w.ok();
      return;
    }
    // Moving the listeners waits for the old sockets to close; on failure every value reverts.
    const [arg, why] = bind !== server.bound
      ? ["bind", "Failed to bind to specified addresses."]
      : ["port", "Unable to listen on this port. Check server logs."];
    return server.rebind(bind, port, why).then(() => c.w.ok(), (err: Error) => {
      try {
        config.setMany(before as [string, string][], { allowProtected: true });
      } catch {
        // The old values were valid a moment ago.
      }
      c.w.error(`ERR CONFIG SET failed (possibly related to argument '${arg}') - ${err.message}`);
    });
  },
  "config|resetstat"(c, _argv, server) {
    server.stats.reset();
    const ks = server.keyspace;
    ks.hits = ks.misses = ks.expiredKeys = 0;
    const mem = Deno.memoryUsage();
    server.memoryPeak = mem.heapUsed + mem.external;
    c.w.ok();
  },
  "config|rewrite"(c, _argv, server) {
    try {
      server.config.rewriteFile();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      server.log.warning(`CONFIG REWRITE failed: ${err.message}`);
      c.w.error(`ERR ${err.message}`);
      return;
    }
    server.log.notice("CONFIG REWRITE executed with success.");
    c.w.ok();
  },
  "config|help"(c) {
    replyHelp(c, CONFIG_HELP);
  },
  dbsize(c) {
    c.w.int(c.db.size);
  },
  flushdb(c, argv, server) {
    if (!flushOptionOk(argv)) {
      c.w.error(SYNTAX);
      return;
    }
    server.dirty += c.db.flush();
    c.w.ok();
  },
  flushall(c, argv, server) {
    if (!flushOptionOk(argv)) {
      c.w.error(SYNTAX);
      return;
    }
    server.dirty += server.keyspace.flushAll() + 1;
    c.w.ok();
  },
  swapdb(c, argv, server) {
    const a = int32Arg(argv, 1);
    if (a === null) {
      c.w.error("ERR invalid first DB index");
      return;
    }
    const b = int32Arg(argv, 2);
    if (b === null) {
      c.w.error("ERR invalid second DB index");
      return;
    }
    const n = server.keyspace.databases;
    if (a < 0 || a >= n || b < 0 || b >= n) {
      c.w.error(DB_OUT_OF_RANGE);
      return;
    }
    if (a !== b) server.keyspace.swap(a, b);
    server.dirty++;
    c.w.ok();
  },
  time(c) {
    const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    c.w.array(2);
    c.w.bulk(String(Math.floor(micros / 1e6)));
    c.w.bulk(String(micros % 1e6));
  },
  lastsave(c, _argv, server) {
    c.w.int(server.lastSave);
  },
  shutdown(c, argv, server) {
    let save = false;
    let nosave = false;
    let abort = false;
    let other = false;
    for (let i = 1; i < argv.length; i++) {
      if (argv.is(i, "nosave")) nosave = true;
      else if (argv.is(i, "save")) save = true;
      else if (argv.is(i, "now") || argv.is(i, "force")) other = true;
      else if (argv.is(i, "abort")) abort = true;
      else {
        c.w.error(SYNTAX);
        return;
      }
    }
    if ((abort && (save || nosave || other)) || (save && nosave)) {
      c.w.error(SYNTAX);
      return;
    }
    if (abort) {
      c.w.error("ERR No shutdown in progress.");
      return;
    }
    // No reply on success: the connection closes with the server.
    server.exitCode = 0;
    return server.shutdown();
  },
  command(c, _argv, server) {
    c.w.array(server.registry.size);
    for (const cmd of server.registry.top()) writeCommandInfo(c.w, cmd);
  },
  "command|count"(c, _argv, server) {
    c.w.int(server.registry.size);
  },
  "command|info"(c, argv, server) {
    if (argv.length === 2) {
      c.w.array(server.registry.size);
      for (const cmd of server.registry.top()) writeCommandInfo(c.w, cmd);
      return;
    }
    c.w.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const cmd = commandByFullName(server, argv.str(i));
      if (cmd === undefined) c.w.nil();
      else writeCommandInfo(c.w, cmd);
    }
  },
  "command|docs"(c, argv, server) {
    const cmds: Command[] = [];
    if (argv.length === 2) cmds.push(...server.registry.top());
    else {
      for (let i = 2; i < argv.length; i++) {
        const cmd = commandByFullName(server, argv.str(i));
        if (cmd !== undefined) cmds.push(cmd);
      }
    }
    c.w.map(cmds.length);
    for (const cmd of cmds) {
      c.w.bulk(cmd.fullName);
      writeCommandDocs(c.w, cmd);
    }
  },
  "command|getkeys"(c, argv, server) {
    const r = getKeys(server, argv);
    if (typeof r === "string") {
      c.w.error(r);
      return;
    }
    c.w.array(r.positions.length);
    for (const p of r.positions) c.w.bulkBytes(argv.bytes(2 + p));
  },
  "command|getkeysandflags"(c, argv, server) {
    const r = getKeys(server, argv);
    if (typeof r === "string") {
      c.w.error(r);
      return;
    }
    const flags = keyFlags(r.cmd.spec);
    c.w.array(r.positions.length);
    for (const p of r.positions) {
      c.w.array(2);
      c.w.bulkBytes(argv.bytes(2 + p));
      c.w.set(flags.length);
      for (const f of flags) c.w.simple(f);
    }
  },
  "command|list"(c, argv, server) {
    let filter: (cmd: Command) => boolean = () => true;
    if (argv.length !== 2) {
      if (argv.length !== 5 || !argv.is(2, "filterby")) {
        c.w.error(SYNTAX);
        return;
      }
      const value = argv.str(4);
      if (argv.is(3, "module")) filter = () => false;
      else if (argv.is(3, "aclcat")) {
        const cat = value.toLowerCase();
        filter = (cmd) => !cmd.spec.container && cmd.categories.includes(cat);
      } else if (argv.is(3, "pattern")) filter = (cmd) => globMatch(value, cmd.fullName, true);
      else {
        c.w.error(SYNTAX);
        return;
      }
    }
    const names: string[] = [];
    for (const cmd of allCommands(server)) if (filter(cmd)) names.push(cmd.fullName);
    c.w.bulks(names);
  },
  "command|help"(c) {
    replyHelp(c, COMMAND_HELP);
  },
  debug,
  "memory|usage"(c, argv) {
    let samples = 5;
    for (let i = 3; i < argv.length; i++) {
      if (argv.is(i, "samples") && i + 1 < argv.length) {
        const n = intArg(argv, i + 1);
        if (n === null) {
          c.w.error(NOT_INTEGER);
          return;
        }
        if (n < 0) {
          c.w.error(SYNTAX);
          return;
        }
        samples = n;
        i++;
      } else {
        c.w.error(SYNTAX);
        return;
      }
    }
    const key = argv.str(2);
    const v = c.db.get(key);
    if (v === undefined) c.w.nil();
    else c.w.int(keyUsage(key, v, c.db.expireTime(key) !== undefined, samples));
  },
  "memory|stats"(c, _argv, server) {
    memoryStats(c, server);
  },
  "memory|doctor"(c, _argv, server) {
    c.w.verbatim(memoryDoctor(server));
  },
  "memory|malloc-stats"(c) {
    c.w.verbatim("Stats not supported for the current allocator");
  },
  "memory|purge"(c) {
    c.w.ok();
  },
  "memory|help"(c) {
    replyHelp(c, MEMORY_HELP);
  },
  "slowlog|get"(c, argv, server) {
    if (argv.length > 3) {
      c.w.error(subcommandSyntaxError(argv));
      return;
    }
    let count = 10;
    if (argv.length === 3) {
      const n = intArg(argv, 2);
      if (n === null || n < -1) {
        c.w.error(SLOWLOG_COUNT);
        return;
      }
      count = n;
    }
    const log = server.stats.slowlog;
    const entries = count === -1 ? log : log.slice(0, count);
    c.w.array(entries.length);
    for (const e of entries) {
      c.w.array(6);
      c.w.int(e.id);
      c.w.int(e.time);
      c.w.int(e.micros);
      c.w.bulks(e.args);
      c.w.bulk(e.addr);
      c.w.bulk(e.name);
    }
  },
  "slowlog|len"(c, _argv, server) {
    c.w.int(server.stats.slowlog.length);
  },
  "slowlog|reset"(c, _argv, server) {
    server.stats.slowlog.length = 0;
    c.w.ok();
  },
  "slowlog|help"(c) {
    replyHelp(c, SLOWLOG_HELP);
  },
  monitor(c, _argv, server) {
    // A client already monitoring gets no reply, as in Redis.
    if (c.monitor) return;
    c.monitor = true;
    server.monitors.add(c);
    c.w.ok();
  },
};

/** A 32-bit integer argument (Redis's getIntFromObject), or null. */
function int32Arg(argv: Argv, i: number): number | null {
  const n = intArg(argv, i);
  return n === null || n < -2147483648 || n > 2147483647 ? null : n;
}
