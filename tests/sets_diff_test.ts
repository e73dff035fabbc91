// Differential test for the set commands: the same sequences go to a spawned hakv and a
// spawned redis-server 7.0. Replies must be identical, except where Redis's order is not
// deterministic (a hashtable's iteration order) or the reply is random (SPOP, SRANDMEMBER):
// those are compared as multisets or checked for validity, and after a random SPOP both
// servers are brought back to the same contents. Intset replies are ascending in Redis and
// compared exactly.
import assert from "node:assert/strict";
import { rng } from "../src/_util/rng.ts";
import { type Arg, DiffPair, norm, show } from "./_diff.ts";
import { requireTool, RespError, type RespValue } from "./_harness.ts";

/** A scenario line: compared exactly, or (`{ u }`) as a multiset. */
type Line = string | Arg[] | { u: string };

const SCENARIOS: Record<string, Line[]> = {
  "SADD SREM SCARD SISMEMBER SMISMEMBER": [
    "SADD s 3 1 2",
    "SADD s 2 4",
    "SADD s 4",
    "SCARD s",
    "SCARD nokey",
    "SISMEMBER s 1",
    "SISMEMBER s 9",
    "SISMEMBER s x",
    "SISMEMBER s 01",
    "SISMEMBER nokey 1",
    "SMISMEMBER s 1 9 x 4",
    "SMISMEMBER nokey a b",
    "SMEMBERS s",
    "SREM s 9",
    "SREM s x",
    "SREM s 1 1 2",
    "SMEMBERS s",
    "SREM s 3 4 5",
    "EXISTS s",
    "SREM nokey a",
    "SADD s",
    "SREM s",
    "SADD t a",
    "SADD t b a c",
    "SISMEMBER t a",
    "SMISMEMBER t a z",
    "SREM t a z",
    { u: "SMEMBERS t" },
    ["SADD", "bin", "\x00", "\xff\xfe", ""],
    ["SISMEMBER", "bin", ""],
    ["SISMEMBER", "bin", "\x00"],
    "SCARD bin",
  ],
  "intsets: canonical integers, order, int64 range": [
    "SADD s 10 -5 0 7 -100 3",
    "SMEMBERS s",
    "OBJECT ENCODING s",
    "SADD s 9223372036854775807 -9223372036854775808",
    "SMEMBERS s",
    "OBJECT ENCODING s",
    "SADD s 9007199254740993 9007199254740992 -9007199254740993",
    "SMEMBERS s",
    "SISMEMBER s 9007199254740993",
    "SISMEMBER s 9007199254740994",
    "SREM s 9007199254740993",
    "SMEMBERS s",
    "OBJECT ENCODING s",
    "SADD a 01",
    "OBJECT ENCODING a",
    "SADD b +1",
    "OBJECT ENCODING b",
    "SADD c -0",
    "OBJECT ENCODING c",
    "SADD d 9223372036854775808",
    "OBJECT ENCODING d",
    "SADD e ' 1'",
    "OBJECT ENCODING e",
    "SADD f 1.0",
    "OBJECT ENCODING f",
    "SADD g 0",
    "SISMEMBER g -0",
    "SISMEMBER g 00",
    "OBJECT ENCODING g",
    "SADD h 1 2 x",
    "OBJECT ENCODING h",
    "SREM h x",
    "OBJECT ENCODING h",
  ],
  "set-max-intset-entries": [
    "CONFIG SET set-max-intset-entries 3",
    "SADD s 1 2 3",
    "OBJECT ENCODING s",
    "SADD s 4",
    "OBJECT ENCODING s",
    "SREM s 4",
    "OBJECT ENCODING s",
    "SADD t 1 2 3 4",
    "OBJECT ENCODING t",
    "CONFIG SET set-max-intset-entries 0",
    "SADD u 1",
    "OBJECT ENCODING u",
    "CONFIG SET set-max-intset-entries 512",
    "SADD v 1",
    "OBJECT ENCODING v",
  ],
  "SPOP and SRANDMEMBER (deterministic forms)": [
    "SPOP nokey",
    "SPOP nokey 3",
    "SPOP nokey 0",
    "SPOP nokey -1",
    "SPOP nokey abc",
    "SPOP s 1 2",
    "SRANDMEMBER nokey",
    "SRANDMEMBER nokey 3",
    "SRANDMEMBER nokey -3",
    "SRANDMEMBER nokey abc",
    "SRANDMEMBER s 1 2",
    "SADD one x",
    "SRANDMEMBER one",
    "SRANDMEMBER one 1",
    "SRANDMEMBER one -3",
    "SRANDMEMBER one 5",
    "SRANDMEMBER one 0",
    "SRANDMEMBER one 1.5",
    "SRANDMEMBER one -9223372036854775808",
    "SRANDMEMBER one 9223372036854775807",
    "SPOP one",
    "EXISTS one",
    "SADD s 5 3 1 4 2",
    "SRANDMEMBER s 5",
    "SRANDMEMBER s 100",
    "SPOP s 0",
    "SPOP s -1",
    "SPOP s abc",
    "SPOP s 1.5",
    "SPOP s 5",
    "EXISTS s",
    "SADD s 5 3 1",
    "SPOP s 9223372036854775807",
    "EXISTS s",
  ],
  "SMOVE": [
    "SADD a 1 2 x",
    "SADD b 3",
    "SMOVE a b 1",
    "SMOVE a b 1",
    "SMOVE a b x",
    { u: "SMEMBERS b" },
    "OBJECT ENCODING b",
    "SMOVE a a 2",
    "SMOVE a a 9",
    "SMOVE nokey b 1",
    "SMOVE a c 2",
    "EXISTS a",
    "SMEMBERS c",
    "OBJECT ENCODING c",
    "SADD d q",
    "SMOVE d e q",
    "OBJECT ENCODING e",
    "SET str v",
    "SMOVE str c 1",
    "SMOVE c str 1",
    "SMOVE nokey str 1",
    "SMOVE c nokey 99",
    "EXISTS nokey",
    "SADD f 5",
    "SADD g 5",
    "SMOVE f g 5",
    "EXISTS f",
    "SMEMBERS g",
  ],
  "SINTER SINTERCARD SINTERSTORE": [
    "SADD a 1 2 3 4 5",
    "SADD b 5 4 3 9",
    "SADD c 3 4 5 6",
    "SINTER a b c",
    "SINTER c b a",
    "SINTER a",
    "SINTER a nokey",
    "SINTER nokey a",
    "SINTER a a",
    "SINTERCARD 3 a b c",
    "SINTERCARD 1 a",
    "SINTERCARD 2 a nokey",
    "SINTERCARD 3 a b c LIMIT 2",
    "SINTERCARD 3 a b c LIMIT 0",
    "SINTERCARD 3 a b c limit 100",
    "SINTERCARD 1 a LIMIT 1 LIMIT 3",
    "SINTERCARD 0 a",
    "SINTERCARD -1 a",
    "SINTERCARD abc a",
    "SINTERCARD 3 a b",
    "SINTERCARD 9223372036854775808 a",
    "SINTERCARD 1 a LIMIT -1",
    "SINTERCARD 1 a LIMIT x",
    "SINTERCARD 1 a LIMIT",
    "SINTERCARD 1 a FOO",
    "SINTERCARD 1 a b",
    "SINTERSTORE d a b c",
    "SMEMBERS d",
    "OBJECT ENCODING d",
    "SINTERSTORE d a nokey",
    "EXISTS d",
    "SET str v",
    "EXPIRE str 100",
    "SINTERSTORE str a b",
    "TYPE str",
    "TTL str",
    "SMEMBERS str",
    "SINTERSTORE e a",
    "SMEMBERS e",
    "SINTERSTORE a a b",
    "SMEMBERS a",
    "SINTER str b",
    "SET s2 x",
    "SINTER a s2",
    "SINTER nokey s2",
    "SINTERCARD 2 nokey s2",
    "SINTERSTORE d s2",
    "SADD h x y 1 2",
    "SADD i 2 1 7",
    "SINTER i h",
    "SINTERSTORE j h i",
    "OBJECT ENCODING j",
    "SMEMBERS j",
  ],
  "SUNION SDIFF and their STORE forms": [
    "SADD a 1 2 3",
    "SADD b 3 4 5",
    "SADD c 5 6",
    "SUNION a b c",
    "SUNION c nokey",
    "SUNION nokey",
    "SDIFF a b c",
    "SDIFF b a",
    "SDIFF a nokey",
    "SDIFF nokey a",
    "SDIFF a a",
    "SDIFF a b a",
    "SUNIONSTORE d a b",
    "SMEMBERS d",
    "OBJECT ENCODING d",
    "SUNIONSTORE d nokey",
    "EXISTS d",
    "SDIFFSTORE d a b",
    "SMEMBERS d",
    "SDIFFSTORE d a a",
    "EXISTS d",
    "SET str v",
    "SUNIONSTORE str a",
    "TYPE str",
    "SUNION a str",
    "SDIFF str a",
    "SDIFF nokey str",
    "SDIFFSTORE d str",
    "SUNIONSTORE a a b",
    "SMEMBERS a",
    "SADD x p q",
    { u: "SUNION x a" },
    "SDIFF a x",
    "SADD y 1 q",
    "SDIFF y x",
    "SDIFFSTORE z y x",
    "OBJECT ENCODING z",
    "SMEMBERS z",
  ],
  "STORE results follow set-max-intset-entries": [
    "CONFIG SET set-max-intset-entries 4",
    "SADD a 1 2 3",
    "SADD b 4 5 6",
    "SUNIONSTORE u a b",
    "OBJECT ENCODING u",
    "SADD big 1 2 3 4 5 6 7 8",
    "SDIFFSTORE d big a",
    "OBJECT ENCODING d",
    "SADD small 9",
    "SDIFFSTORE d2 big small",
    "OBJECT ENCODING d2",
    "SREM big 5 6 7 8",
    "OBJECT ENCODING big",
    "SDIFFSTORE d3 big small",
    "OBJECT ENCODING d3",
    "SMEMBERS d3",
    "SINTERSTORE i big a",
    "OBJECT ENCODING i",
    "SMEMBERS i",
    "SUNION big",
    "SPOP big 10",
    "CONFIG SET set-max-intset-entries 512",
  ],
  "SSCAN on an intset": [
    "SSCAN nokey 0",
    "SSCAN nokey x",
    "SADD s 1 2 10 11 20",
    "SSCAN s 0",
    "SSCAN s 7",
    "SSCAN s 0 MATCH 1*",
    "SSCAN s 0 MATCH * COUNT 1",
    "SSCAN s 0 COUNT 0",
    "SSCAN s 0 COUNT x",
    "SSCAN s 0 MATCH",
    "SSCAN s 0 TYPE set",
    "SSCAN s x",
    "SSCAN s -1",
    "SADD t a",
    "SSCAN t 0",
  ],
  "WRONGTYPE": [
    "SET k v",
    "SADD k a",
    "SREM k a",
    "SCARD k",
    "SISMEMBER k a",
    "SMISMEMBER k a b",
    "SMEMBERS k",
    "SPOP k",
    "SPOP k 2",
    "SPOP k x",
    "SRANDMEMBER k",
    "SRANDMEMBER k 2",
    "SRANDMEMBER k x",
    "SINTER k",
    "SINTERCARD 1 k",
    "SUNION k",
    "SDIFF k",
    "SSCAN k 0",
    "SSCAN k x",
    "SSCAN k 0 COUNT 0",
    "SADD s a",
    "GET s",
    "HSET s a 1",
    "TYPE s",
  ],
};

const RESP3_SCENARIO: Line[] = [
  "SMEMBERS nokey",
  "SADD s 3 1 2",
  "SMEMBERS s",
  "SINTER s",
  "SUNION s nokey",
  "SDIFF s nokey",
  "SINTER s nokey",
  "SMISMEMBER s 1 9",
  "SRANDMEMBER s 5",
  "SRANDMEMBER nokey 5",
  "SRANDMEMBER nokey",
  "SPOP nokey",
  "SPOP nokey 2",
  "SPOP s 0",
  "SSCAN s 0",
  "SPOP s 5",
];

// --- Comparisons ------------------------------------------------------------------------------

function words(line: string): Arg[] {
  const out: Arg[] = [];
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

function sortedItems(v: RespValue): string[] {
  const items = v instanceof Set ? [...v] : v;
  assert.ok(Array.isArray(items), `expected an array, got ${JSON.stringify(norm(v))}`);
  return items.map((x) => JSON.stringify(norm(x))).sort();
}

/** Same reply, or for a successful multi-element reply the same multiset. */
async function sameUnordered(pair: DiffPair, args: Arg[], label: string): Promise<RespValue> {
  const [r, h] = await pair.call(...args);
  if (r instanceof RespError || !(Array.isArray(r) || r instanceof Set)) {
    assert.deepStrictEqual(norm(h), norm(r), `${label} ${show(args)}`);
  } else {
    assert.equal(r instanceof Set, h instanceof Set, `${label} ${show(args)}: reply type`);
    assert.deepStrictEqual(sortedItems(h), sortedItems(r), `${label} ${show(args)}`);
  }
  return r;
}

async function runLines(pair: DiffPair, lines: readonly Line[], label: string) {
  await pair.same("FLUSHALL", label);
  for (const line of lines) {
    if (typeof line === "object" && !Array.isArray(line)) {
      await sameUnordered(pair, words(line.u), label);
    } else await pair.same(typeof line === "string" ? words(line) : line, label);
  }
}

/** SMEMBERS-like reply of one key: exact for an intset, as a multiset for a hashtable. */
async function sameMembers(pair: DiffPair, args: Arg[], key: string, label: string) {
  const enc = await pair.same(["OBJECT", "ENCODING", key], label);
  if (enc === "hashtable") await sameUnordered(pair, args, label);
  else await pair.same(args, label);
}

function isAscendingInts(v: RespValue): boolean {
  const items = v instanceof Set ? [...v] : v;
  if (!Array.isArray(items)) return false;
  let prev: bigint | null = null;
  for (const x of items) {
    if (typeof x !== "string" || !/^(0|-?[1-9][0-9]*)$/.test(x)) return false;
    const n = BigInt(x);
    if (prev !== null && n <= prev) return false;
    prev = n;
  }
  return true;
}

/**
 * SUNION / SDIFF / SINTER: the same multiset; when hakv built an intset (integers only, at
 * most `maxIntset`), Redis did too and both replies are ascending.
 */
async function sameSetOp(pair: DiffPair, args: Arg[], maxIntset: number, label: string) {
  const r = await sameUnordered(pair, args, label);
  const op = String(args[0]).toUpperCase();
  if (op === "SINTER" || !(r instanceof Set || Array.isArray(r))) return;
  const size = r instanceof Set ? r.size : (r as RespValue[]).length;
  const [, h] = await pair.call(...args);
  if (size <= maxIntset && sortedItems(h).every((x) => /^"(0|-?[1-9][0-9]*)"$/.test(x))) {
    assert.ok(isAscendingInts(h), `${label} ${show(args)}: intset result not ascending`);
  }
}

/** Members of `key` on one server, sorted. */
async function membersOf(client: DiffPair["redis"], key: string): Promise<string[]> {
  const v = await client.call("SMEMBERS", key);
  if (v instanceof Set) return ([...v] as string[]).sort();
  return Array.isArray(v) ? (v as string[]).slice().sort() : [];
}

/**
 * SPOP with a random outcome: same error or reply size; each popped member was in the set.
 * Then Redis gets hakv's outcome (its pops re-added, hakv's removed), so both hold the same.
 */
async function checkSpop(pair: DiffPair, args: Arg[], label: string) {
  const key = String(args[1]);
  const before = new Set(await membersOf(pair.hakv, key));
  const [r, h] = await pair.call(...args);
  const where = `${label} ${show(args)}`;
  if (r instanceof RespError || r === null || h === null || h instanceof RespError) {
    assert.deepStrictEqual(norm(h), norm(r), where);
    return;
  }
  const asList = (v: RespValue) =>
    v instanceof Set ? [...v] as string[] : Array.isArray(v) ? v as string[] : [v as string];
  const rs = asList(r);
  const hs = asList(h);
  assert.equal(hs.length, rs.length, where);
  for (const m of hs) assert.ok(before.has(m), `${where}: ${m} was not a member`);
  assert.equal(new Set(hs).size, hs.length, `${where}: popped twice`);
  if (rs.length > 0) await pair.redis.call("SADD", key, ...rs);
  if (hs.length > 0) await pair.redis.call("SREM", key, ...hs);
  assert.deepStrictEqual(await membersOf(pair.hakv, key), await membersOf(pair.redis, key), where);
}

/** SRANDMEMBER: same error or size; picks are members, distinct for a positive count. */
async function checkRandmember(pair: DiffPair, args: Arg[], label: string) {
  const key = String(args[1]);
  const members = new Set(await membersOf(pair.hakv, key));
  const [r, h] = await pair.call(...args);
  const where = `${label} ${show(args)}`;
  if (!Array.isArray(r)) {
    if (typeof r === "string") {
      assert.ok(typeof h === "string" && members.has(h), where);
    } else assert.deepStrictEqual(norm(h), norm(r), where);
    return;
  }
  assert.ok(Array.isArray(h), where);
  assert.equal(h.length, r.length, where);
  for (const m of h) assert.ok(members.has(m as string), `${where}: ${m} is not a member`);
  const count = Number(args[2]);
  if (count > 0) assert.equal(new Set(h).size, h.length, `${where}: repeated member`);
  if (count >= members.size) await sameMembers(pair, args, key, label);
}

/** A full SSCAN on each server: the same members. */
async function checkFullScan(pair: DiffPair, key: string, extra: Arg[], label: string) {
  const collect = async (client: DiffPair["redis"]) => {
    const seen = new Set<string>();
    let cursor = "0";
    let rounds = 0;
    do {
      const reply = await client.call("SSCAN", key, cursor, ...extra) as [string, string[]];
      cursor = reply[0];
      for (const m of reply[1]) seen.add(m);
      assert.ok(++rounds < 100_000, `${label}: SSCAN does not end`);
    } while (cursor !== "0");
    return [...seen].sort();
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

const KEYS = ["s1", "s2", "s3", "s4", "str"];
const ODD = ["a", "b", "c", "01", "+1", "-0", "", "9223372036854775807", "-9223372036854775808"];

function member(g: Gen, ints: boolean): string {
  if (ints || g.chance(0.75)) return String(g.int(30) - 10);
  return g.pick(ODD);
}

function randomCommand(g: Gen, ints: boolean): [Arg[], string] {
  const k = g.pick(KEYS);
  const keys = (n: number) => Array.from({ length: n }, () => g.pick(KEYS));
  switch (g.int(22)) {
    case 0:
    case 1:
    case 2: {
      const args: Arg[] = ["SADD", k];
      for (let n = 1 + g.int(5); n > 0; n--) args.push(member(g, ints));
      return [args, "exact"];
    }
    case 3:
    case 4: {
      const args: Arg[] = ["SREM", k];
      for (let n = 1 + g.int(3); n > 0; n--) args.push(member(g, ints));
      return [args, "exact"];
    }
    case 5:
      return [["SCARD", k], "exact"];
    case 6:
      return [["SISMEMBER", k, member(g, ints)], "exact"];
    case 7:
      return [["SMISMEMBER", k, member(g, ints), member(g, ints)], "exact"];
    case 8:
      return [["SMEMBERS", k], "members"];
    case 9:
      return [g.chance(0.5) ? ["SPOP", k] : ["SPOP", k, String(g.int(6))], "spop"];
    case 10:
      return [
        g.chance(0.3) ? ["SRANDMEMBER", k] : ["SRANDMEMBER", k, String(g.int(14) - 6)],
        "randmember",
      ];
    case 11:
      return [["SMOVE", k, g.pick(KEYS), member(g, ints)], "exact"];
    case 12:
      return [["SINTER", ...keys(1 + g.int(3))], "setop"];
    case 13: {
      const n = 1 + g.int(3);
      const args: Arg[] = ["SINTERCARD", String(n), ...keys(n)];
      if (g.chance(0.4)) args.push("LIMIT", String(g.int(4)));
      return [args, "exact"];
    }
    case 14:
      return [["SINTERSTORE", k, ...keys(1 + g.int(3))], "exact"];
    case 15:
      return [["SUNION", ...keys(1 + g.int(3))], "setop"];
    case 16:
      return [["SUNIONSTORE", k, ...keys(1 + g.int(3))], "exact"];
    case 17:
      return [["SDIFF", ...keys(1 + g.int(3))], "setop"];
    case 18:
      return [["SDIFFSTORE", k, ...keys(1 + g.int(3))], "exact"];
    case 19:
      return [["OBJECT", "ENCODING", k], "exact"];
    case 20:
      return [
        ["SSCAN", k, "0", ...(g.chance(0.3) ? ["MATCH", g.pick(["1*", "*", "-?"])] : [])],
        "scan",
      ];
    default:
      return [g.chance(0.5) ? ["DEL", k] : ["SET", "str", "v"], "exact"];
  }
}

async function runChecked(pair: DiffPair, args: Arg[], check: string, max: number, label: string) {
  switch (check) {
    case "exact":
      await pair.same(args, label);
      return;
    case "members":
      await sameMembers(pair, args, String(args[1]), label);
      return;
    case "spop":
      await checkSpop(pair, args, label);
      return;
    case "randmember":
      await checkRandmember(pair, args, label);
      return;
    case "setop":
      await sameSetOp(pair, args, max, label);
      return;
    default: {
      const enc = await pair.same(["OBJECT", "ENCODING", String(args[1])], label);
      if (enc === "hashtable") await checkFullScan(pair, String(args[1]), args.slice(3), label);
      else await pair.same(args, label);
    }
  }
}

Deno.test("sets: hakv answers every set command like redis-server", async (t) => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();

  for (const [name, lines] of Object.entries(SCENARIOS)) {
    await t.step(name, async () => {
      try {
        await runLines(pair, lines, name);
      } finally {
        await pair.call("CONFIG", "SET", "set-max-intset-entries", "512");
      }
    });
  }

  await t.step("RESP3 shapes", async () => {
    await pair.call("HELLO", "3");
    try {
      await runLines(pair, RESP3_SCENARIO, "resp3");
      await pair.same("SADD h a b c");
      await sameUnordered(pair, ["SMEMBERS", "h"], "resp3");
      await checkSpop(pair, ["SPOP", "h", "2"], "resp3");
      await checkRandmember(pair, ["SRANDMEMBER", "h", "-4"], "resp3");
    } finally {
      await pair.call("HELLO", "2");
    }
  });

  await t.step("SPOP and SRANDMEMBER pick real members", async () => {
    await pair.same("FLUSHALL");
    const big: Arg[] = ["SADD", "big"];
    for (let i = 0; i < 1000; i++) big.push(`m${i}`);
    await pair.same(big);
    await pair.same("SADD ints 1 2 3 4 5 6 7 8 9 10");
    for (const key of ["big", "ints"]) {
      for (const count of ["1", "2", "5", "9", "10", "400", "999", "-3", "-30"]) {
        await checkRandmember(pair, ["SRANDMEMBER", key, count], key);
      }
      await checkRandmember(pair, ["SRANDMEMBER", key], key);
      for (const count of ["1", "3", "2", "300"]) await checkSpop(pair, ["SPOP", key, count], key);
      await checkSpop(pair, ["SPOP", key], key);
      await pair.same(["SCARD", key]);
    }
    await checkSpop(pair, ["SPOP", "big", "10000"], "big");
    await pair.same("EXISTS big");
  });

  await t.step("big sets: SSCAN, set operations, conversions", async () => {
    await pair.same("FLUSHALL");
    for (let i = 0; i < 3000; i += 500) {
      const a: Arg[] = ["SADD", "a"];
      const b: Arg[] = ["SADD", "b"];
      for (let j = i; j < i + 500; j++) {
        a.push(String(j));
        if (j % 3 === 0) b.push(String(j));
      }
      await pair.same(a);
      await pair.same(b);
    }
    await pair.same("OBJECT ENCODING a");
    await pair.same("OBJECT ENCODING b");
    await checkFullScan(pair, "a", [], "sscan");
    await checkFullScan(pair, "a", ["COUNT", "3"], "sscan count");
    await checkFullScan(pair, "a", ["MATCH", "*7", "COUNT", "100"], "sscan match");
    await pair.same("SSCAN a 0 COUNT 0");
    await pair.same("SINTERCARD 2 a b");
    await pair.same("SINTERCARD 2 a b LIMIT 10");
    for (const cmd of ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]) {
      await pair.same([cmd, "d", "a", "b"]);
      await pair.same("SCARD d");
      await pair.same("OBJECT ENCODING d");
      await sameUnordered(pair, ["SMEMBERS", "d"], cmd);
    }
    await sameUnordered(pair, ["SINTER", "a", "b"], "sinter");
    await sameUnordered(pair, ["SDIFF", "b", "a"], "sdiff");
    for (let j = 0; j < 3000; j += 2) await pair.same(["SREM", "a", String(j)]);
    await pair.same("SCARD a");
    await pair.same("OBJECT ENCODING a");
    await checkFullScan(pair, "a", [], "sscan after removals");
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    await t.step(`random sequence, seed ${seed}`, async () => {
      const g = new Gen(seed);
      await pair.same("FLUSHALL");
      const max = seed % 2 === 0 ? 5 : 512;
      await pair.same(["CONFIG", "SET", "set-max-intset-entries", String(max)]);
      try {
        for (let i = 0; i < 800; i++) {
          const [args, check] = randomCommand(g, seed > 6);
          await runChecked(pair, args, check, max, `seed ${seed} #${i}`);
        }
        for (const k of KEYS.slice(0, 4)) {
          await sameMembers(pair, ["SMEMBERS", k], k, `seed ${seed} final`);
        }
      } finally {
        await pair.call("CONFIG", "SET", "set-max-intset-entries", "512");
      }
    });
  }
});
