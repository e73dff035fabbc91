// Differential tests: the same generic keyspace commands go to hakv and to a real redis-server
// 7.0, and the replies must agree. Replies that are unordered (KEYS, SCAN) are compared as sets;
// replies that depend on the clock (TTL, PTTL, EXPIRETIME of relative times) within a tolerance;
// RANDOMKEY by whether it found a key that exists. Random sequences come from fixed seeds.
import assert from "node:assert/strict";
import { rng } from "../src/_util/rng.ts";
import { DiffPair } from "./_diff.ts";
import { requireTool, RespClient, RespError, type RespValue } from "./_harness.ts";

/** A reply as text for failure messages. */
function show(v: RespValue): string {
  if (v instanceof RespError) return `(error) ${v.message}`;
  return JSON.stringify(v, (_k, x) => typeof x === "bigint" ? `${x}n` : x);
}

const CLOCK_DEPENDENT = new Set(["ttl", "pttl", "expiretime", "pexpiretime"]);

/** Compares one command's replies as the command's nature allows; throws with context. */
function compare(args: string[], redis: RespValue, hakv: RespValue, where: string): void {
  const name = args[0]!.toLowerCase();
  const ctx = `${where}: ${args.map((a) => JSON.stringify(a)).join(" ")}\n  redis: ${
    show(redis)
  }\n  hakv:  ${show(hakv)}`;
  if (redis instanceof RespError || hakv instanceof RespError) {
    assert.ok(redis instanceof RespError && hakv instanceof RespError, ctx);
    assert.equal(hakv.message, redis.message, ctx);
    return;
  }
  if (name === "keys") {
    assert.deepEqual([...(hakv as string[])].sort(), [...(redis as string[])].sort(), ctx);
    return;
  }
  if (name === "scan") {
    // Only single calls that finish the iteration are compared this way (cursors differ).
    const [rc, rk] = redis as [string, string[]];
    const [hc, hk] = hakv as [string, string[]];
    assert.deepEqual([hc, [...hk].sort()], [rc, [...rk].sort()], ctx);
    return;
  }
  if (name === "randomkey") {
    assert.equal(hakv === null, redis === null, ctx);
    return;
  }
  if (name === "object" && args[1]!.toLowerCase() === "idletime") {
    assert.equal(typeof hakv, typeof redis, ctx);
    return;
  }
  if (CLOCK_DEPENDENT.has(name) && typeof redis === "number" && typeof hakv === "number") {
    // The two servers read their clocks a little apart; negative replies are exact.
    const tolerance = redis < 0 ? 0 : name === "pttl" || name === "pexpiretime" ? 250 : 1;
    assert.ok(Math.abs(redis - hakv) <= tolerance, ctx);
    return;
  }
  assert.deepEqual(hakv, redis, ctx);
}

/** Runs a full SCAN on both servers with the same options; compares the sets of keys. */
async function compareScan(pair: DiffPair, options: string[], where: string): Promise<void> {
  const collect = async (c: RespClient): Promise<string[] | string> => {
    const seen = new Set<string>();
    let cursor = "0";
    let calls = 0;
    do {
      const r = await c.call("SCAN", cursor, ...options);
      if (r instanceof RespError) return `(error) ${r.message}`;
      const [next, keys] = r as [string, string[]];
      cursor = next;
      for (const k of keys) seen.add(k);
      if (++calls > 100_000) throw new Error("SCAN did not finish");
    } while (cursor !== "0");
    return [...seen].sort();
  };
  const [r, h] = await Promise.all([collect(pair.redis), collect(pair.hakv)]);
  assert.deepEqual(h, r, `${where}: SCAN ${options.join(" ")}`);
}

/** Compares the whole visible state of databases 0..2: keys, values and TTLs. */
async function compareState(pair: DiffPair, where: string): Promise<void> {
  for (const db of ["0", "1", "2"]) {
    await pair.call("SELECT", db);
    const [rk, hk] = await pair.call("KEYS", "*");
    compare(["KEYS", "*"], rk, hk, `${where} db${db}`);
    for (const key of rk as string[]) {
      for (const cmd of ["GET", "PTTL", "TYPE"]) {
        const [r, h] = await pair.call(cmd, key);
        compare([cmd, key], r, h, `${where} db${db}`);
      }
    }
  }
  await pair.call("SELECT", "0");
}

/** Runs each command on both servers and compares the replies. */
async function runAll(pair: DiffPair, commands: string[][], where: string): Promise<void> {
  for (const args of commands) {
    if (args[0] === "SCAN*") {
      await compareScan(pair, args.slice(1), where);
      continue;
    }
    const [r, h] = await pair.call(...args);
    compare(args, r, h, where);
  }
}

const skip = !requireTool("redis-server");

Deno.test({
  name: "diff: fixed sequences of generic commands reply as Redis does",
  ignore: skip,
  async fn() {
    await using pair = await DiffPair.start();
    const big = "x".repeat(60);
    const sequences: Record<string, string[][]> = {
      "del, exists, touch, type": [
        ["SET", "a", "1"],
        ["SET", "b", "hello"],
        ["DEL", "a", "a", "zz"],
        ["EXISTS", "a", "b", "b", "zz"],
        ["TOUCH", "b", "b", "zz"],
        ["TYPE", "b"],
        ["TYPE", "zz"],
        ["UNLINK", "b", "zz"],
        ["DEL"],
        ["EXISTS"],
        ["TYPE"],
        ["TYPE", "a", "b"],
      ],
      "keys patterns": [
        ["SET", "foo", "1"],
        ["SET", "foobar", "1"],
        ["SET", "f*o", "1"],
        ["SET", "", "1"],
        ["SET", "h[e]llo", "1"],
        ["KEYS", "*"],
        ["KEYS", "**"],
        ["KEYS", ""],
        ["KEYS", "f?o"],
        ["KEYS", "f\\*o"],
        ["KEYS", "f[a-z]o*"],
        ["KEYS", "h\\[e\\]llo"],
        ["KEYS", "[^f]*"],
        ["KEYS", "foo"],
        ["KEYS", "["],
        ["KEYS", "\\"],
        ["KEYS"],
        ["FLUSHALL"],
      ],
      "scan options and errors": [
        ["MSET", "a1", "1", "a2", "2", "b1", "3", "b2", big],
        ["SCAN*"],
        ["SCAN*", "COUNT", "1"],
        ["SCAN*", "MATCH", "a*"],
        ["SCAN*", "MATCH", "*1", "COUNT", "3"],
        ["SCAN*", "TYPE", "string"],
        ["SCAN*", "TYPE", "STRING"],
        ["SCAN*", "TYPE", "list"],
        ["SCAN*", "TYPE", "nosuch"],
        ["SCAN*", "MATCH", "a*", "MATCH", "b*"],
        ["SCAN", "x"],
        ["SCAN", " 0"],
        ["SCAN", "1.5"],
        ["SCAN", "18446744073709551616"],
        ["SCAN", "-18446744073709551616"],
        ["SCAN", "x", "COUNT", "0"],
        ["SCAN", "0", "COUNT", "0"],
        ["SCAN", "0", "COUNT", "-5"],
        ["SCAN", "0", "COUNT", "abc"],
        ["SCAN", "0", "COUNT", "99999999999999999999"],
        ["SCAN", "0", "COUNT"],
        ["SCAN", "0", "MATCH"],
        ["SCAN", "0", "TYPE"],
        ["SCAN", "0", "BAD", "x"],
        ["SCAN", "0", "COUNT", "1000"],
        ["SCAN", "", "COUNT", "1000"],
        ["SCAN", "+0", "COUNT", "1000"],
        ["SCAN", "-0", "COUNT", "1000"],
        ["SCAN"],
        ["FLUSHALL"],
      ],
      "randomkey": [
        ["RANDOMKEY"],
        ["SET", "only", "1"],
        ["RANDOMKEY"],
        ["RANDOMKEY", "x"],
        ["FLUSHALL"],
      ],
      "rename and renamenx": [
        ["RENAME", "nope", "x"],
        ["RENAME", "nope", "nope"],
        ["RENAMENX", "nope", "x"],
        ["SET", "a", "1"],
        ["EXPIRE", "a", "1000"],
        ["RENAME", "a", "a"],
        ["RENAMENX", "a", "a"],
        ["RENAME", "a", "b"],
        ["TTL", "b"],
        ["EXISTS", "a"],
        ["SET", "c", "2"],
        ["RENAMENX", "b", "c"],
        ["RENAMENX", "b", "d"],
        ["TTL", "d"],
        ["SET", "e", "3"],
        ["EXPIRE", "e", "500"],
        ["RENAME", "c", "e"],
        ["TTL", "e"],
        ["GET", "e"],
        ["RENAME", "a"],
        ["RENAMENX", "a", "b", "c"],
        ["FLUSHALL"],
      ],
      "copy": [
        ["SET", "a", "1"],
        ["SET", "s", big],
        ["PEXPIRE", "s", "100000"],
        ["COPY", "a", "a"],
        ["COPY", "nope", "nope"],
        ["COPY", "a", "b"],
        ["COPY", "a", "b"],
        ["COPY", "s", "b", "REPLACE"],
        ["PTTL", "b"],
        ["OBJECT", "ENCODING", "b"],
        ["COPY", "a", "b", "replace", "REPLACE"],
        ["TTL", "b"],
        ["COPY", "a", "a", "DB", "1"],
        ["COPY", "a", "a", "DB", "1"],
        ["COPY", "a", "a", "DB", "0"],
        ["COPY", "a", "z", "DB", "0", "DB", "2"],
        ["COPY", "a", "z", "DB"],
        ["COPY", "a", "z", "DB", "16"],
        ["COPY", "a", "z", "DB", "-1"],
        ["COPY", "a", "z", "DB", "x"],
        ["COPY", "a", "z", "DB", "4294967296"],
        ["COPY", "a", "z", "BAD"],
        ["COPY", "a", "a", "BAD"],
        ["COPY", "nope", "z"],
        ["COPY", "a"],
        ["SELECT", "2"],
        ["GET", "z"],
        ["SELECT", "0"],
        ["FLUSHALL"],
      ],
      "move": [
        ["SET", "a", "1"],
        ["EXPIRE", "a", "1000"],
        ["MOVE", "a", "0"],
        ["MOVE", "nope", "0"],
        ["MOVE", "a", "16"],
        ["MOVE", "a", "-1"],
        ["MOVE", "a", "x"],
        ["MOVE", "a", "1.0"],
        ["MOVE", "a", "99999999999"],
        ["MOVE", "nope", "1"],
        ["MOVE", "a", "1"],
        ["EXISTS", "a"],
        ["SELECT", "1"],
        ["TTL", "a"],
        ["SET", "b", "x"],
        ["SELECT", "0"],
        ["SET", "b", "y"],
        ["MOVE", "b", "1"],
        ["GET", "b"],
        ["MOVE", "a"],
        ["FLUSHALL"],
      ],
      "expire options, errors and limits": [
        ["SET", "k", "v"],
        ["EXPIRE", "k", "100", "XX"],
        ["EXPIRE", "k", "100", "GT"],
        ["EXPIRE", "k", "100", "LT"],
        ["EXPIRE", "k", "50", "NX"],
        ["EXPIRE", "k", "200", "GT"],
        ["EXPIRE", "k", "300", "XX", "GT"],
        ["EXPIRE", "k", "10", "xx", "lt"],
        ["TTL", "k"],
        ["EXPIRE", "k", "10", "NX", "XX"],
        ["EXPIRE", "k", "10", "NX", "GT"],
        ["EXPIRE", "k", "10", "NX", "LT"],
        ["EXPIRE", "k", "10", "GT", "LT"],
        ["EXPIRE", "k", "10", "LT", "GT", "NX"],
        ["EXPIRE", "k", "10", "nope"],
        ["EXPIRE", "k", "abc", "nope"],
        ["EXPIRE", "k", "abc", "NX", "XX"],
        ["EXPIRE", "k", "abc"],
        ["EXPIRE", "k", "1.5"],
        ["EXPIRE", "k", ""],
        ["EXPIRE", "k", " 1"],
        ["EXPIRE", "k", "9223372036854775808"],
        ["EXPIRE", "k", "9223372036854775807"],
        ["EXPIRE", "k", "9223372036854775"],
        ["EXPIRE", "k", "-9223372036854775"],
        ["EXPIRE", "k", "-9223372036854776"],
        ["PEXPIRE", "k", "9223372036854775807"],
        ["PEXPIRE", "k", "9223372036854775000"],
        ["EXPIREAT", "k", "9223372036854775807"],
        ["EXPIREAT", "k", "9223372036854776"],
        ["EXPIREAT", "k", "-9223372036854776"],
        ["PEXPIREAT", "k", "9223372036854775807"],
        ["PEXPIRETIME", "k"],
        ["EXPIRETIME", "k"],
        ["EXPIREAT", "k", "9223372036854775"],
        ["EXPIRETIME", "k"],
        ["PEXPIREAT", "k", "4102444800000"],
        ["PEXPIRETIME", "k"],
        ["EXPIRETIME", "k"],
        ["EXPIREAT", "k", "4102444800"],
        ["PEXPIRETIME", "k"],
        ["PERSIST", "k"],
        ["PERSIST", "k"],
        ["TTL", "k"],
        ["PTTL", "k"],
        ["EXPIRETIME", "k"],
        ["PEXPIRETIME", "k"],
        ["TTL", "nope"],
        ["PTTL", "nope"],
        ["EXPIRETIME", "nope"],
        ["PEXPIRETIME", "nope"],
        ["PERSIST", "nope"],
        ["EXPIRE", "nope", "10"],
        ["EXPIRE", "k", "-1", "GT"],
        ["EXPIRE", "k", "0", "XX"],
        ["EXPIRE", "k", "0"],
        ["EXISTS", "k"],
        ["SET", "k", "v"],
        ["PEXPIREAT", "k", "1"],
        ["EXISTS", "k"],
        ["SET", "k", "v"],
        ["PEXPIRE", "k", "-9223372036854775808"],
        ["EXISTS", "k"],
        ["SET", "k", "v"],
        ["EXPIREAT", "k", "0", "LT"],
        ["EXISTS", "k"],
        ["EXPIRE", "k"],
        ["TTL"],
        ["PERSIST"],
        ["FLUSHALL"],
      ],
      "object": [
        ["SET", "i", "12345"],
        ["SET", "small", "7"],
        ["SET", "neg", "-7"],
        ["SET", "lead", "007"],
        ["SET", "max", "9223372036854775807"],
        ["SET", "over", "9223372036854775808"],
        ["SET", "e", "x".repeat(44)],
        ["SET", "r", "x".repeat(45)],
        ...["i", "small", "neg", "lead", "max", "over", "e", "r", "nope"].flatMap((k) => [
          ["OBJECT", "ENCODING", k],
          ["OBJECT", "REFCOUNT", k],
          ["OBJECT", "FREQ", k],
          ["OBJECT", "IDLETIME", k],
        ]),
        ["OBJECT", "HELP"],
        ["OBJECT", "help"],
        ["OBJECT", "HELP", "x"],
        ["OBJECT", "FOO"],
        ["OBJECT", "FOO", "a"],
        ["OBJECT", "ENCODING"],
        ["OBJECT", "ENCODING", "i", "j"],
        ["OBJECT"],
        ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
        ["OBJECT", "IDLETIME", "i"],
        ["OBJECT", "IDLETIME", "nope"],
        ["OBJECT", "FREQ", "nope"],
        ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
        ["FLUSHALL"],
      ],
    };
    for (const [name, commands] of Object.entries(sequences)) {
      await runAll(pair, commands, name);
    }
  },
});

Deno.test({
  name: "diff: keys whose TTL passed are gone on both servers",
  ignore: skip,
  async fn() {
    await using pair = await DiffPair.start();
    await runAll(pair, [
      ["SET", "live", "1"],
      ["MSET", "t1", "1", "t2", "2", "t3", "3"],
      ["PEXPIRE", "t1", "5"],
      ["PEXPIRE", "t2", "5"],
      ["PEXPIRE", "t3", "5"],
    ], "short ttl");
    await new Promise((r) => setTimeout(r, 30));
    await runAll(pair, [
      ["KEYS", "*"],
      ["SCAN*"],
      ["SCAN*", "TYPE", "string"],
      ["GET", "t1"],
      ["EXISTS", "t2", "t3"],
      ["TTL", "t1"],
      ["TYPE", "t2"],
      ["RANDOMKEY"],
      ["RENAME", "t3", "x"],
      ["COPY", "t3", "x"],
      ["MOVE", "t3", "1"],
      ["EXPIRE", "t3", "100"],
      ["PERSIST", "t3"],
      ["DEL", "t1", "t2", "t3"],
    ], "after expiry");
  },
});

/** One random command over a small key space, with mostly valid and some invalid arguments. */
function randomCommand(rand: () => number, now: number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const keys = ["k0", "k1", "k2", "k3", "k4", "{t}a", "{t}b", "x:1", "x:2", ""];
  const key = () => pick(keys);
  const values = ["0", "1", "9999", "10000", "-3", "007", "abc", "", "x".repeat(50), "3.5"];
  const seconds = () =>
    pick(["100", "5000", "86400", "-1", "0", "abc", "9223372036854775807", "1000000"]);
  const millis = () => pick(["100000", "5000000", "-1", "0", "x", "9223372036854775807"]);
  const absSeconds = () =>
    pick([String(Math.floor(now / 1000) + 3600), "1", "0", "4102444800", "nope"]);
  const absMillis = () => pick([String(now + 3_600_000), "1", "4102444800000", "1.0"]);
  const expireOptions = (): string[] => {
    const r = rand();
    if (r < 0.5) return [];
    if (r < 0.85) return [pick(["NX", "XX", "GT", "LT", "nx", "gt"])];
    return [pick(["NX", "XX", "GT", "LT", "BAD"]), pick(["NX", "XX", "GT", "LT"])];
  };
  const r = rand();
  if (r < 0.14) return ["SET", key(), pick(values)];
  if (r < 0.18) return [pick(["DEL", "UNLINK"]), key(), ...(rand() < 0.3 ? [key()] : [])];
  if (r < 0.22) return [pick(["EXISTS", "TOUCH"]), key(), key(), key()];
  if (r < 0.25) return ["TYPE", key()];
  if (r < 0.30) return [pick(["RENAME", "RENAMENX"]), key(), key()];
  if (r < 0.36) {
    const args = ["COPY", key(), key()];
    if (rand() < 0.4) args.push("REPLACE");
    if (rand() < 0.3) args.push("DB", pick(["0", "1", "2", "16", "x"]));
    return args;
  }
  if (r < 0.40) return ["MOVE", key(), pick(["0", "1", "2", "16", "-1"])];
  if (r < 0.46) return ["EXPIRE", key(), seconds(), ...expireOptions()];
  if (r < 0.50) return ["PEXPIRE", key(), millis(), ...expireOptions()];
  if (r < 0.53) return ["EXPIREAT", key(), absSeconds(), ...expireOptions()];
  if (r < 0.56) return ["PEXPIREAT", key(), absMillis(), ...expireOptions()];
  if (r < 0.64) return [pick(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]), key()];
  if (r < 0.67) return ["PERSIST", key()];
  if (r < 0.70) return ["GET", key()];
  if (r < 0.74) return ["SELECT", pick(["0", "0", "1", "2"])];
  if (r < 0.78) return ["OBJECT", pick(["ENCODING", "FREQ", "IDLETIME"]), key()];
  if (r < 0.83) return ["KEYS", pick(["*", "k*", "{t}*", "x:?", "k[0-2]", "*1*", "", "nope"])];
  if (r < 0.88) {
    const opts: string[] = [];
    if (rand() < 0.5) opts.push("COUNT", pick(["1", "2", "5", "100"]));
    if (rand() < 0.4) opts.push("MATCH", pick(["k*", "*", "x:*", "{t}?"]));
    if (rand() < 0.2) opts.push("TYPE", pick(["string", "hash"]));
    return ["SCAN*", ...opts];
  }
  if (r < 0.91) return ["RANDOMKEY"];
  if (r < 0.92) return ["FLUSHDB"];
  return ["DBSIZE"];
}

Deno.test({
  name: "diff: random command sequences from fixed seeds reply as Redis does",
  ignore: skip,
  async fn() {
    await using pair = await DiffPair.start();
    for (const seed of [1, 7, 42, 2024, 31337, 99991]) {
      await pair.call("FLUSHALL");
      await pair.call("SELECT", "0");
      const rand = rng(seed);
      const now = Date.now();
      const commands: string[][] = [];
      for (let i = 0; i < 400; i++) commands.push(randomCommand(rand, now));
      for (let i = 0; i < commands.length; i++) {
        await runAll(pair, [commands[i]!], `seed ${seed} step ${i}`);
        if (i % 50 === 49) await compareState(pair, `seed ${seed} step ${i}`);
      }
      await compareState(pair, `seed ${seed} end`);
    }
  },
});

Deno.test({
  name: "diff: KEYS agrees with Redis on random glob patterns and binary keys",
  ignore: skip,
  async fn() {
    await using pair = await DiffPair.start();
    const rand = rng(12345);
    const keyChars = ["a", "b", "c", "A", "-", "]", "[", "\\", "*", "?", "^", "\xff", "\x90", "z"];
    const patChars = ["a", "b", "c", "A", "*", "*", "?", "[", "]", "^", "-", "\\", "\xff", "z"];
    const word = (chars: string[], max: number) => {
      let s = "";
      const n = Math.floor(rand() * (max + 1));
      for (let i = 0; i < n; i++) s += chars[Math.floor(rand() * chars.length)];
      return s;
    };
    const keys = new Set<string>([""]);
    while (keys.size < 150) keys.add(word(keyChars, 6));
    for (const k of keys) await pair.call("SET", k, "v");
    const fixed = [
      "[a-\xff]",
      "[\xff-a]*",
      "[\\]]*",
      "[]]*",
      "[^]*",
      "[a-]*",
      "*\\",
      "\\",
      "[",
      "[^",
      "*[",
      "a*[b",
      "[z-a]*",
      "**",
      "*?*",
      "?",
      "",
    ];
    for (const pattern of fixed) await runAll(pair, [["KEYS", pattern]], "fixed glob");
    for (let i = 0; i < 1500; i++) {
      await runAll(pair, [["KEYS", word(patChars, 7)]], `glob ${i}`);
    }
    // SCAN MATCH uses the same matcher.
    for (let i = 0; i < 100; i++) {
      await compareScan(pair, ["MATCH", word(patChars, 5), "COUNT", "7"], `scan glob ${i}`);
    }
  },
});
