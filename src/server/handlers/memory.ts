// MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP: estimates of what keys and the
// process take, in Redis 7.0's reply formats. Sizes are V8's layouts, not jemalloc's.
import { isCollection, MutableString, type Value } from "../../engine/values.ts";
import type { Client } from "../client.ts";
import { NOT_INTEGER, SYNTAX } from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { measureMemory } from "../info.ts";
import type { Server } from "../server.ts";
import { intArg } from "./_args.ts";
import { help, replyHelp } from "./_help.ts";

type Names =
  | "memory|usage"
  | "memory|stats"
  | "memory|doctor"
  | "memory|malloc-stats"
  | "memory|purge"
  | "memory|help";

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

/** V8's layout, 64-bit without pointer compression: a sequential one-byte string. */
function stringBytes(len: number): number {
  return (16 + len + 7) & ~7;
}

/** An OrderedHashMap entry (key, value, chain) plus its share of the bucket array. */
const MAP_ENTRY = 40;
const SET_ENTRY = 32;

/** An estimate of the bytes a value takes, sampling `samples` elements of collections. */
export function valueBytes(v: unknown, samples: number, depth = 0): number {
  if (typeof v === "string") return stringBytes(v.length);
  if (typeof v === "number") return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 8 : 16;
  if (typeof v === "bigint") return 24;
  if (typeof v === "boolean" || v === null || v === undefined) return 8;
  if (v instanceof MutableString) return 56 + 96 + v.bytes.byteLength;
  if (isCollection(v)) return v.memoryUsage(samples === Infinity ? 0 : samples);
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

export const MEMORY_HANDLERS: Handlers<Names> = {
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
};
