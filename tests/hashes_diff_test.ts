// Differential test for the hash commands: the same sequences go to a spawned hakv and a
// spawned redis-server 7.0. Replies must be identical, except where Redis's order is not
// deterministic (a hashtable's iteration order, random picks): those are compared as multisets
// or checked for validity. Hand-written scenarios cover every command, option and error; a
// seeded random mix with small listpack limits crosses the conversion thresholds.
import assert from "node:assert/strict";
import { rng } from "../src/_util/rng.ts";
import { type Arg, type Cmd, DiffPair, norm, show } from "./_diff.ts";
import { requireTool, RespError, type RespValue } from "./_harness.ts";

const BIN = "\x00\x01\x7f\x80\xfe\xff";

/** Hand-written sequences; every reply is compared exactly. */
const SCENARIOS: Record<string, Cmd[]> = {
  "HSET HMSET HGET HMGET": [
    "HSET h a 1",
    "HSET h a 2 b 3",
    "HSET h a 2 b 3",
    "HGET h a",
    "HGET h zz",
    "HGET nokey a",
    "HMSET h c 4 d 5",
    "HMGET h a b c d e",
    "HMGET nokey a b",
    "HSET h a",
    "HSET h a 1 b",
    "HMSET h a",
    "HSET h",
    "HSET h x 1 x 2 x 3",
    "HGET h x",
    "HGETALL h",
    ["HSET", "bin", BIN, BIN, "", ""],
    ["HGET", "bin", BIN],
    ["HGET", "bin", ""],
    "HGETALL bin",
    "HLEN bin",
  ],
  "HSETNX": [
    "HSETNX h a 1",
    "HSETNX h a 2",
    "HGET h a",
    "HSETNX h b 2",
    "HGETALL h",
    "HSETNX h a",
  ],
  "HDEL HLEN HEXISTS HSTRLEN": [
    "HSET h a 1 b 22 c 333 d 4444",
    "HLEN h",
    "HSTRLEN h c",
    "HSTRLEN h zz",
    "HSTRLEN nokey a",
    "HEXISTS h a",
    "HEXISTS h zz",
    "HEXISTS nokey a",
    "HDEL h zz",
    "HDEL h a a",
    "HDEL h b zz c",
    "HGETALL h",
    "HLEN h",
    "HDEL h d",
    "EXISTS h",
    "HLEN h",
    "HDEL nokey a",
    "HDEL h",
  ],
  "HKEYS HVALS HGETALL": [
    "HKEYS nokey",
    "HVALS nokey",
    "HGETALL nokey",
    "HSET h z 1 y 2 x 3",
    "HSET h y 20",
    "HKEYS h",
    "HVALS h",
    "HGETALL h",
    "HDEL h z",
    "HSET h z 1",
    "HGETALL h",
  ],
  "HINCRBY": [
    "HINCRBY h a 1",
    "HINCRBY h a -5",
    "HINCRBY h a 9223372036854775807",
    "HINCRBY h a -9223372036854775808",
    "HSET h big 9223372036854775807 small -9223372036854775808",
    "HINCRBY h big 1",
    "HINCRBY h big 0",
    "HINCRBY h small -1",
    "HINCRBY h small 9223372036854775807",
    "HINCRBY h a abc",
    "HINCRBY h a 1.5",
    "HINCRBY h a 9223372036854775808",
    "HINCRBY h a ''",
    "HSET h s abc f 1.5 sp ' 1' z 007 neg -0",
    "HINCRBY h s 1",
    "HINCRBY h f 1",
    "HINCRBY h sp 1",
    "HINCRBY h z 1",
    "HINCRBY h neg 1",
    "HINCRBY h 9007199254740993 1",
    "HSET h p 9007199254740993",
    "HINCRBY h p 2",
    "HINCRBY h p -9007199254740993",
    "HGETALL h",
  ],
  "HINCRBYFLOAT": [
    "HINCRBYFLOAT h a 1.5",
    "HINCRBYFLOAT h a 0.1",
    "HINCRBYFLOAT h a -3",
    "HINCRBYFLOAT h a 1e10",
    "HINCRBYFLOAT h a 5.0e3",
    "HINCRBYFLOAT h b 10.6",
    "HINCRBYFLOAT h b 5000",
    "HINCRBYFLOAT h a inf",
    "HINCRBYFLOAT h a -inf",
    "HINCRBYFLOAT h a nan",
    "HINCRBYFLOAT h a abc",
    "HINCRBYFLOAT h a ''",
    "HINCRBYFLOAT h a 1e400",
    "HINCRBYFLOAT h a 0x10",
    "HSET h s abc i 12 e 1e2 inf inf sp ' 1'",
    "HINCRBYFLOAT h s 1",
    "HINCRBYFLOAT h i 1.25",
    "HINCRBYFLOAT h e 1",
    "HINCRBYFLOAT h inf 1",
    "HINCRBYFLOAT h sp 1",
    "HSET h m 1.7976931348623157e308",
    "HINCRBYFLOAT h m 1.7976931348623157e308",
    "HINCRBYFLOAT h m 1e4932",
    "HGET h m",
    "OBJECT ENCODING h",
  ],
  "HRANDFIELD (deterministic forms)": [
    "HRANDFIELD nokey",
    "HRANDFIELD nokey 3",
    "HRANDFIELD nokey 3 WITHVALUES",
    "HRANDFIELD nokey abc",
    "HRANDFIELD nokey 1 foo",
    "HSET one f v",
    "HRANDFIELD one",
    "HRANDFIELD one 1",
    "HRANDFIELD one -3",
    "HRANDFIELD one -3 WITHVALUES",
    "HRANDFIELD one 5 withvalues",
    "HSET h a 1 b 2 c 3",
    "HRANDFIELD h 0",
    "HRANDFIELD h 0 WITHVALUES",
    "HRANDFIELD h 3",
    "HRANDFIELD h 10 WITHVALUES",
    "HRANDFIELD h 9223372036854775807",
    "HRANDFIELD h -9223372036854775808",
    "HRANDFIELD h 4611686018427387904 WITHVALUES",
    "HRANDFIELD h -4611686018427387904 WITHVALUES",
    "HRANDFIELD h 4611686018427387903 WITHVALUES",
    "HRANDFIELD h 1 WITHVALUES x",
    "HRANDFIELD h 1 foo",
    "HRANDFIELD h abc",
    "HRANDFIELD h 1.5",
  ],
  "HSCAN on a listpack": [
    "HSCAN nokey 0",
    "HSCAN nokey abc",
    "HSCAN nokey 0 COUNT 0",
    "HSET h a 1 b 2 ab 3 ba 4",
    "HSCAN h 0",
    "HSCAN h 123",
    "HSCAN h 0 COUNT 1",
    "HSCAN h 0 MATCH a*",
    "HSCAN h 0 MATCH *",
    "HSCAN h 0 MATCH a* COUNT 100",
    "HSCAN h 0 COUNT 0",
    "HSCAN h 0 COUNT -1",
    "HSCAN h 0 COUNT abc",
    "HSCAN h 0 MATCH",
    "HSCAN h 0 TYPE string",
    "HSCAN h 0 FOO bar",
    "HSCAN h abc",
    "HSCAN h -1",
    "HSCAN h 18446744073709551615",
    "HSCAN h 18446744073709551616",
  ],
  "WRONGTYPE": [
    "SET s v",
    "HSET s a 1",
    "HMSET s a 1",
    "HSETNX s a 1",
    "HGET s a",
    "HMGET s a",
    "HDEL s a",
    "HLEN s",
    "HSTRLEN s a",
    "HEXISTS s a",
    "HKEYS s",
    "HVALS s",
    "HGETALL s",
    "HINCRBY s a 1",
    "HINCRBY s a x",
    "HINCRBYFLOAT s a 1",
    "HINCRBYFLOAT s a x",
    "HRANDFIELD s",
    "HRANDFIELD s 2",
    "HRANDFIELD s 2 WITHVALUES",
    "HRANDFIELD s x",
    "HSCAN s 0",
    "HSCAN s x",
    "HSCAN s 0 COUNT 0",
    "HSET h a 1",
    "GET h",
    "APPEND h x",
    "TYPE h",
    "OBJECT ENCODING h",
  ],
  "encodings cross the listpack limits": [
    "CONFIG SET hash-max-listpack-entries 3",
    "CONFIG SET hash-max-listpack-value 8",
    "HSET a f1 1 f2 2 f3 3",
    "OBJECT ENCODING a",
    "HSET a f4 4",
    "OBJECT ENCODING a",
    "HDEL a f1 f2 f3",
    "OBJECT ENCODING a",
    "HSET b f 12345678",
    "OBJECT ENCODING b",
    "HSET b f 123456789",
    "OBJECT ENCODING b",
    "HSET c 123456789 v",
    "OBJECT ENCODING c",
    "HSET d x 1 y 2 x 3 y 4",
    "OBJECT ENCODING d",
    "HSETNX e f 123456789",
    "OBJECT ENCODING e",
    "HSET g f 1",
    "HSETNX g f 123456789",
    "OBJECT ENCODING g",
    "HINCRBYFLOAT g f 1.2345678",
    "OBJECT ENCODING g",
    "HSET i f 1",
    "HINCRBY i a-long-field 1",
    "OBJECT ENCODING i",
    "HSET j f 1",
    "HINCRBY j f 99999999",
    "OBJECT ENCODING j",
    "HINCRBY j f 1",
    "OBJECT ENCODING j",
    "CONFIG SET hash-max-listpack-entries 0",
    "HSET k f v",
    "OBJECT ENCODING k",
    "CONFIG SET hash-max-listpack-entries 512",
    "CONFIG SET hash-max-listpack-value 64",
    "HSET l f v",
    "OBJECT ENCODING l",
  ],
};

/** Scenarios in RESP3: the shapes of maps and pairs. */
const RESP3_SCENARIO: Cmd[] = [
  "HGETALL nokey",
  "HSET h a 1 b 2",
  "HGETALL h",
  "HKEYS h",
  "HVALS h",
  "HMGET h a x",
  "HGET h x",
  "HRANDFIELD nokey",
  "HRANDFIELD nokey 2",
  "HRANDFIELD h 5",
  "HRANDFIELD h 5 WITHVALUES",
  "HRANDFIELD h 0 WITHVALUES",
  "HSET one f v",
  "HRANDFIELD one 1 WITHVALUES",
  "HRANDFIELD one -2 WITHVALUES",
  "HINCRBYFLOAT h c 1.5",
  "HSCAN h 0",
  "HSCAN nokey 0",
];

// --- Comparisons where Redis's order is not deterministic -----------------------------------

function sortedPairs(v: RespValue): string[] {
  assert.ok(Array.isArray(v), `expected an array, got ${JSON.stringify(norm(v))}`);
  const pairs: string[] = [];
  for (let i = 0; i < v.length; i += 2) pairs.push(JSON.stringify([v[i], v[i + 1]]));
  return pairs.sort();
}

function sortedItems(v: RespValue): string[] {
  assert.ok(Array.isArray(v), `expected an array, got ${JSON.stringify(norm(v))}`);
  return v.map((x) => JSON.stringify(norm(x))).sort();
}

/** A whole-hash reply (HGETALL, HKEYS, HVALS): exact for a listpack, as a multiset otherwise. */
async function sameHashReply(pair: DiffPair, args: Arg[], label: string): Promise<void> {
  const [r, h] = await pair.call(...args);
  const key = String(args[1]);
  const [er, eh] = await pair.call("OBJECT", "ENCODING", key);
  assert.deepStrictEqual(norm(eh), norm(er), `${label} encoding of ${key}`);
  if (er !== "hashtable" || r instanceof RespError) {
    assert.deepStrictEqual(norm(h), norm(r), `${label} ${show(args)}`);
  } else if (String(args[0]).toUpperCase() === "HGETALL") {
    assert.deepStrictEqual(sortedPairs(h), sortedPairs(r), `${label} ${show(args)}`);
  } else assert.deepStrictEqual(sortedItems(h), sortedItems(r), `${label} ${show(args)}`);
}

/** HRANDFIELD with a count: same error or shape, every pick a real field (and its value). */
async function checkRandfield(
  pair: DiffPair,
  args: Arg[],
  label: string,
  resp3 = false,
): Promise<void> {
  const [r, h] = await pair.call(...args);
  const where = `${label} ${show(args)}`;
  if (r instanceof RespError || !Array.isArray(r) || args.length < 3) {
    if (args.length < 3 && typeof r === "string") {
      assert.equal(typeof h, "string", where);
      const all = await pair.hakv.call("HEXISTS", args[1]!, h as string);
      assert.equal(all, 1, where);
      return;
    }
    assert.deepStrictEqual(norm(h), norm(r), where);
    return;
  }
  assert.ok(Array.isArray(h), where);
  assert.equal(h.length, r.length, where);
  const withValues = args.length === 4;
  const count = Number(args[2]);
  const hash = await pair.hakv.call("HGETALL", args[1]!);
  const map = new Map<string, string>();
  if (hash instanceof Map) { for (const [f, v] of hash) map.set(f as string, v as string); }
  else {
    const a = hash as string[];
    for (let i = 0; i < a.length; i += 2) map.set(a[i]!, a[i + 1]!);
  }
  const picks: string[] = [];
  // RESP3 nests each pick with its value as a pair.
  const flat = h.flatMap((x) => Array.isArray(x) ? x : [x]) as string[];
  if (withValues && h.length > 0) assert.equal(Array.isArray(h[0]), resp3, `${where}: shape`);
  for (let i = 0; i < flat.length; i += withValues ? 2 : 1) {
    const f = flat[i]!;
    assert.ok(map.has(f), `${where}: ${f} is not a field`);
    if (withValues) assert.equal(flat[i + 1], map.get(f), where);
    picks.push(f);
  }
  if (count > 0) assert.equal(new Set(picks).size, picks.length, `${where}: repeated field`);
  if (count >= map.size) assert.deepStrictEqual(sortedItems(h), sortedItems(r), where);
}

/** A full HSCAN iteration on each server: the same fields and values. */
async function checkFullScan(pair: DiffPair, key: string, extra: Arg[], label: string) {
  const collect = async (client: DiffPair["redis"]) => {
    const seen = new Map<string, string>();
    let cursor = "0";
    let rounds = 0;
    do {
      const reply = await client.call("HSCAN", key, cursor, ...extra) as [string, string[]];
      cursor = reply[0];
      for (let i = 0; i < reply[1].length; i += 2) seen.set(reply[1][i]!, reply[1][i + 1]!);
      assert.ok(++rounds < 100_000, `${label}: HSCAN does not end`);
    } while (cursor !== "0");
    return [...seen.entries()].sort();
  };
  assert.deepStrictEqual(await collect(pair.hakv), await collect(pair.redis), label);
}

// --- Seeded fuzzing ------------------------------------------------------------------------

class Gen {
  readonly #rand: () => number;
  constructor(seed: number) {
    this.#rand = rng(seed);
  }
  int(n: number): number {
    return Math.floor(this.#rand() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.#rand() < p;
  }
}

const KEYS = ["h1", "h2", "h3", "str"];
const FIELDS = ["a", "b", "c", "d", "e", "f", "g", "long-field-name-x", "", "\x00\xff"];
const VALUES = ["1", "-2", "0", "10", "3.5", "x", "", "9223372036854775807", "1e3", "long-value-y"];

function field(g: Gen): string {
  return g.chance(0.9) ? g.pick(FIELDS.slice(0, 7)) : g.pick(FIELDS);
}

function value(g: Gen): string {
  return g.chance(0.5) ? String(g.int(100) - 20) : g.pick(VALUES);
}

type Check = "exact" | "whole" | "random" | "scan";

/** One random command and how its reply is compared. */
function randomCommand(g: Gen): [Arg[], Check] {
  const k = g.pick(KEYS);
  switch (g.int(20)) {
    case 0:
    case 1: {
      const args: Arg[] = [g.chance(0.8) ? "HSET" : "HMSET", k];
      for (let n = 1 + g.int(4); n > 0; n--) args.push(field(g), value(g));
      if (g.chance(0.03)) args.pop();
      return [args, "exact"];
    }
    case 2:
      return [["HSETNX", k, field(g), value(g)], "exact"];
    case 3:
      return [["HGET", k, field(g)], "exact"];
    case 4:
      return [["HMGET", k, field(g), field(g), field(g)], "exact"];
    case 5:
    case 6: {
      const args: Arg[] = ["HDEL", k];
      for (let n = 1 + g.int(3); n > 0; n--) args.push(field(g));
      return [args, "exact"];
    }
    case 7:
      return [["HLEN", k, ...(g.chance(0.05) ? [field(g)] : [])], "exact"];
    case 8:
      return [["HSTRLEN", k, field(g)], "exact"];
    case 9:
      return [["HEXISTS", k, field(g)], "exact"];
    case 10:
      return [[g.pick(["HKEYS", "HVALS", "HGETALL"]), k], "whole"];
    case 11:
      return [
        ["HINCRBY", k, field(g), g.pick(["1", "-1", "100", "x", "9223372036854775807"])],
        "exact",
      ];
    case 12:
      return [
        ["HINCRBYFLOAT", k, field(g), g.pick(["1.5", "-0.25", "1e2", "x", "inf", "3"])],
        "exact",
      ];
    case 13: {
      const args: Arg[] = ["HRANDFIELD", k];
      if (g.chance(0.8)) args.push(String(g.int(12) - 5));
      if (args.length === 3 && g.chance(0.4)) args.push("WITHVALUES");
      return [args, "random"];
    }
    case 14:
      return [[
        "HSCAN",
        k,
        "0",
        ...(g.chance(0.3) ? ["MATCH", g.pick(["a*", "*", "?", "[a-c]"])] : []),
      ], "scan"];
    case 15:
      return [["DEL", k], "exact"];
    case 16:
      return [["SET", "str", "v"], "exact"];
    case 17:
      return [["OBJECT", "ENCODING", k], "exact"];
    case 18:
      return [["HLEN", k], "exact"];
    default:
      return [["EXISTS", k], "exact"];
  }
}

async function runChecked(pair: DiffPair, args: Arg[], check: Check, label: string) {
  if (check === "exact") await pair.same(args, label);
  else if (check === "whole") await sameHashReply(pair, args, label);
  else if (check === "random") await checkRandfield(pair, args, label);
  else {
    const [r] = await pair.call("OBJECT", "ENCODING", args[1]!);
    if (r === "hashtable") {
      await checkFullScan(pair, String(args[1]), args.slice(3), label);
    } else await pair.same(args, label);
  }
}

Deno.test("hashes: hakv answers every hash command like redis-server", async (t) => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();

  for (const [name, cmds] of Object.entries(SCENARIOS)) {
    await t.step(name, async () => {
      await pair.run(cmds.map((c) => typeof c === "string" ? quoted(c) : c), name);
    });
  }

  await t.step("RESP3 shapes", async () => {
    await pair.call("HELLO", "3");
    try {
      await pair.run(RESP3_SCENARIO.map((c) => typeof c === "string" ? quoted(c) : c), "resp3");
      await checkRandfield(pair, ["HRANDFIELD", "h", "-5", "WITHVALUES"], "resp3", true);
      await checkRandfield(pair, ["HRANDFIELD", "h", "1", "WITHVALUES"], "resp3", true);
    } finally {
      await pair.call("HELLO", "2");
    }
  });

  await t.step("HRANDFIELD picks real fields", async () => {
    await pair.same("FLUSHALL");
    await pair.same("HSET h a 1 b 2 c 3 d 4 e 5");
    for (const count of ["1", "2", "4", "5", "9", "-1", "-3", "-20"]) {
      await checkRandfield(pair, ["HRANDFIELD", "h", count], "randfield");
      await checkRandfield(pair, ["HRANDFIELD", "h", count, "WITHVALUES"], "randfield");
    }
    await checkRandfield(pair, ["HRANDFIELD", "h"], "randfield");
    // A hashtable, big enough for every sampling strategy.
    const args: Arg[] = ["HSET", "big"];
    for (let i = 0; i < 1000; i++) args.push(`f${i}`, `v${i}`);
    await pair.same(args);
    for (const count of ["1", "10", "500", "999", "1000", "2000", "-5", "-2000"]) {
      await checkRandfield(pair, ["HRANDFIELD", "big", count, "WITHVALUES"], "randfield big");
    }
    await checkRandfield(pair, ["HRANDFIELD", "big"], "randfield big");
  });

  await t.step("big hashes: whole replies, HSCAN and conversion", async () => {
    await pair.same("FLUSHALL");
    for (let i = 0; i < 2000; i += 100) {
      const args: Arg[] = ["HSET", "big"];
      for (let j = i; j < i + 100; j++) args.push(`field:${j}`, `value:${j * 7}`);
      await pair.same(args);
    }
    await pair.same("OBJECT ENCODING big");
    await pair.same("HLEN big");
    for (const cmd of ["HGETALL", "HKEYS", "HVALS"]) await sameHashReply(pair, [cmd, "big"], cmd);
    await checkFullScan(pair, "big", [], "hscan");
    await checkFullScan(pair, "big", ["COUNT", "7"], "hscan count");
    await checkFullScan(pair, "big", ["MATCH", "field:1*", "COUNT", "50"], "hscan match");
    await pair.same("HSCAN big 0 COUNT 0");
    await pair.same("HSCAN big x");
    for (let j = 0; j < 2000; j += 3) await pair.same(["HDEL", "big", `field:${j}`]);
    await pair.same("HLEN big");
    await pair.same("HGET big field:4");
    await pair.same("HINCRBY big field:4 3");
    await pair.same("HINCRBYFLOAT big field:5 0.5");
    await sameHashReply(pair, ["HGETALL", "big"], "after deletes");
    await checkFullScan(pair, "big", [], "hscan after deletes");
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    await t.step(`random sequence, seed ${seed}`, async () => {
      const g = new Gen(seed);
      await pair.same("FLUSHALL");
      const limits = seed <= 3 ? ["4", "6"] : ["512", "64"];
      await pair.same(["CONFIG", "SET", "hash-max-listpack-entries", limits[0]!]);
      await pair.same(["CONFIG", "SET", "hash-max-listpack-value", limits[1]!]);
      try {
        for (let i = 0; i < 800; i++) {
          const [args, check] = randomCommand(g);
          await runChecked(pair, args, check, `seed ${seed} #${i}`);
        }
        for (const k of KEYS.slice(0, 3)) {
          await sameHashReply(pair, ["HGETALL", k], `seed ${seed} final`);
        }
      } finally {
        await pair.call("CONFIG", "SET", "hash-max-listpack-entries", "512");
        await pair.call("CONFIG", "SET", "hash-max-listpack-value", "64");
      }
    });
  }
});

/** Splits a scenario line on spaces, keeping '...' quoted words (and '' as an empty one). */
function quoted(line: string): Arg[] {
  const out: Arg[] = [];
  const re = /'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2]!);
  return out;
}
