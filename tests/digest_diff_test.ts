// Differential test for DEBUG DIGEST and DEBUG DIGEST-VALUE: the same data is built on a
// spawned hakv and a spawned redis-server 7.0, and both signatures must be equal byte for byte,
// for every type in each of its encodings, TTLs, several databases, binary and big values, and
// a seeded random mix of writes.
import assert from "node:assert/strict";
import { rng } from "../src/_util/rng.ts";
import { type Arg, type Cmd, DiffPair } from "./_diff.ts";
import { requireTool } from "./_harness.ts";

// A directory of its own, so no dump.rdb from elsewhere is loaded at start.
const ARGS = ["--enable-debug-command", "yes", "--dir", Deno.makeTempDirSync()];
const ZERO = "0".repeat(40);

/** A deterministic binary string of `n` bytes. */
function noise(n: number, seed: number): string {
  let x = seed >>> 0;
  let out = "";
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += String.fromCharCode(x >>> 24);
  }
  return out;
}

/** Every key of the selected db (both servers must agree on the set, not the order). */
async function keysOf(p: DiffPair): Promise<string[]> {
  const [r, h] = await p.call("KEYS", "*");
  const rs = (r as string[]).slice().sort();
  assert.deepStrictEqual((h as string[]).slice().sort(), rs, "KEYS *");
  return rs;
}

/** DEBUG DIGEST equal on both; DIGEST-VALUE of every key of dbs 0..dbs-1 equal on both. */
async function sameDigests(p: DiffPair, label: string, dbs = 3): Promise<string> {
  const digest = (await p.same("DEBUG DIGEST", label)) as string;
  for (let db = 0; db < dbs; db++) {
    await p.same(["SELECT", db], label);
    const keys = await keysOf(p);
    if (keys.length > 0) await p.same(["DEBUG", "DIGEST-VALUE", ...keys], `${label} db ${db}`);
  }
  await p.same("SELECT 0", label);
  return digest;
}

/** Runs every command on both (compared), then the digests. */
async function build(p: DiffPair, cmds: readonly Cmd[], label: string): Promise<string> {
  await p.run(cmds, label);
  return await sameDigests(p, label);
}

const SCENARIOS: Record<string, Cmd[]> = {
  "strings: plain, integer-looking, binary, empty, long, edited in place": [
    "SET s:plain hello",
    "SET s:int 12345",
    "SET s:neg -2147483648",
    "SET s:max 9223372036854775807",
    "SET s:over 9223372036854775808",
    "SET s:zero 0",
    "SET s:minus0 -0",
    "SET s:lead 007",
    "SET s:float 1.5",
    ["SET", "s:space", " 1"],
    ["SET", "s:empty", ""],
    ["SET", "s:bin", "\x00\xff\r\n\x80"],
    ["SET", "s:long", "x".repeat(1000)],
    ["SET", "s:huge", noise(40000, 1)],
    ["SET", "s:63", "y".repeat(63)],
    ["SET", "s:64", "y".repeat(64)],
    ["SET", "s:55", "y".repeat(55)],
    ["SET", "s:56", "y".repeat(56)],
    "INCR s:counter",
    "INCRBY s:counter 41",
    "INCRBYFLOAT s:fl 3.25",
    "APPEND s:app abc",
    "APPEND s:app def",
    "SETRANGE s:range 5 xyz",
    "SETRANGE s:range 0 ab",
    "SETBIT s:bits 100 1",
    "SETBIT s:bits 7 1",
    ["SET", "k:".repeat(40), "long key"],
    ["SET", "\x00\xff", "binary key"],
  ],
  "HyperLogLog strings, sparse and dense": [
    "PFADD hll:small a b c d",
    ["PFADD", "hll:dense", ...Array.from({ length: 3000 }, (_, i) => `e${i}`)],
    "PFADD hll:empty",
    "PFMERGE hll:merged hll:small hll:dense",
  ],
  "lists: small, big, integers, binary, edited": [
    "RPUSH l:small a b c 1 -2 0",
    ["RPUSH", "l:bin", "", "\x00", "\xff\xfe"],
    [
      "RPUSH",
      "l:big",
      ...Array.from({ length: 700 }, (_, i) => (i % 7 === 0 ? "x".repeat(i) : String(i))),
    ],
    "LPUSH l:edit z y x",
    "LSET l:edit 1 Y",
    "LINSERT l:edit BEFORE x w",
    "LREM l:edit 1 z",
    "RPUSH l:order a b",
    "RPUSH l:order2 b a",
  ],
  "sets: intset, hashtable, big": [
    "SADD set:int 1 2 3 -5 100000 9223372036854775807 -9223372036854775808",
    "SADD set:one 0",
    "SADD set:str a b c",
    ["SADD", "set:bin", "", "\x00", "\xff"],
    "SADD set:mixed 1 2 x",
    ["SADD", "set:bigint", ...Array.from({ length: 600 }, (_, i) => String(i * 7 - 100))],
    ["SADD", "set:bigstr", ...Array.from({ length: 300 }, (_, i) => `m${i}`)],
    "SADD set:conv 1 2 3",
    "SADD set:conv z",
    "SREM set:conv z",
    "SADD set:same1 a b c",
    "SADD set:same2 c b a",
  ],
  "hashes: listpack and hashtable": [
    "HSET h:small f1 v1 f2 2 f3 -3",
    ["HSET", "h:bin", "", "empty", "\x00", "\xff", "f", ""],
    [
      "HSET",
      "h:many",
      ...Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? `f${i}` : String(i))),
    ],
    ["HSET", "h:longval", "f", "v".repeat(100)],
    "HSET h:edit a 1 b 2",
    "HINCRBY h:edit a 10",
    "HINCRBYFLOAT h:edit c 1.5",
    "HDEL h:edit b",
    "HSET h:order1 a 1 b 2",
    "HSET h:order2 b 2 a 1",
  ],
  "sorted sets: listpack and skiplist, scores as Redis prints them": [
    "ZADD z:small 1 a 2 b 3 c",
    "ZADD z:frac 1.1 a 0.1 b 3.3333333333333335 c -2.5 d 1e-5 e",
    "ZADD z:special inf a -inf b 0 c",
    "ZADD z:big 1e20 a 123456789012345678 b 9007199254740993 c 1.7976931348623157e308 d",
    "ZADD z:negzero -0 a",
    "ZADD z:ints 100 a -100 b 4503599627370496 c",
    ["ZADD", "z:many", ...Array.from({ length: 300 }, (_, i) => [String(i / 3), `m${i}`]).flat()],
    ["ZADD", "z:longmember", "1", "m".repeat(100), "2", "short"],
    ["ZADD", "z:bin", "1", "", "2", "\x00\xff"],
    "ZINCRBY z:small 0.5 a",
    "ZADD z:incr 1 a",
    "ZINCRBY z:incr 0.1 a",
    "ZINCRBY z:incr 0.2 a",
    "ZUNIONSTORE z:union 2 z:small z:frac WEIGHTS 0.3 7",
  ],
  "TTLs on every type": [
    "SET t:s v EX 1000",
    "RPUSH t:l a b",
    "EXPIRE t:l 1000",
    "SADD t:set 1 2",
    "PEXPIRE t:set 999999",
    "HSET t:h a 1",
    "EXPIREAT t:h 4000000000",
    "ZADD t:z 1 a",
    "EXPIRE t:z 5000",
    "SET t:persist v EX 100",
    "PERSIST t:persist",
    "SET t:other v EX 77777",
    "SET t:none v",
  ],
  "several databases": [
    "SET a 1",
    "SELECT 1",
    "SET a 1",
    "RPUSH l x y",
    "SELECT 2",
    "SET a 1",
    "HSET h f v",
    "SELECT 9",
    "ZADD z 1 m",
    "SELECT 15",
    "SET last 1 EX 100",
    "SELECT 0",
  ],
};

Deno.test("DEBUG DIGEST and DIGEST-VALUE match redis-server", async (t) => {
  if (!requireTool("redis-server")) return;
  await using p = await DiffPair.start(ARGS);

  await t.step("empty dataset, missing keys, arity, errors", async () => {
    await p.same("FLUSHALL");
    assert.equal(await p.same("DEBUG DIGEST"), ZERO);
    await p.same("DEBUG DIGEST-VALUE nokey other");
    await p.same("DEBUG DIGEST-VALUE");
    await p.same("DEBUG DIGEST extra");
    await p.same("debug digest");
    await p.same("DEBUG digest-VALUE nokey");
    await p.same("SET k v");
    await p.same("DEBUG DIGEST-VALUE k nokey k");
    await p.same("DEL k");
    assert.equal(await p.same("DEBUG DIGEST"), ZERO);
  });

  for (const [name, cmds] of Object.entries(SCENARIOS)) {
    await t.step(name, async () => {
      const d = await build(p, cmds, name);
      assert.notEqual(d, ZERO);
    });
  }

  await t.step("every scenario at once", async () => {
    await build(p, Object.values(SCENARIOS).flat(), "all");
  });

  await t.step("RESP3 replies", async () => {
    await p.run(SCENARIOS["sorted sets: listpack and skiplist, scores as Redis prints them"]!);
    // HELLO's own reply carries each server's version and client id: not compared.
    await p.call("HELLO", "3");
    await p.same("DEBUG DIGEST");
    await p.same("DEBUG DIGEST-VALUE z:small nokey z:many");
    await p.same("DEBUG DIGEST-VALUE");
    await p.call("HELLO", "2");
  });

  await t.step("the same data in another database digests differently", async () => {
    await p.run(["SET a 1"]);
    const d0 = await p.same("DEBUG DIGEST");
    await p.same("SWAPDB 0 3");
    const d3 = await p.same("DEBUG DIGEST");
    assert.notEqual(d0, d3);
    await p.same("SELECT 3");
    await p.same("DEBUG DIGEST-VALUE a");
    await p.same("SELECT 0");
  });

  await t.step("a key whose TTL passed but is not reclaimed", async () => {
    await p.same("DEBUG SET-ACTIVE-EXPIRE 0");
    await p.run(["SET gone v PX 20", "SET stay v"]);
    await new Promise((r) => setTimeout(r, 60));
    await sameDigests(p, "expired", 1);
    await p.same("GET gone");
    await sameDigests(p, "reclaimed", 1);
    await p.same("DEBUG SET-ACTIVE-EXPIRE 1");
  });

  await t.step("big collections", async () => {
    const cmds: Cmd[] = [];
    for (let k = 0; k < 4; k++) {
      cmds.push(["RPUSH", `bl${k}`, ...Array.from({ length: 5000 }, (_, i) => `${i * k}`)]);
      cmds.push(["SADD", `bs${k}`, ...Array.from({ length: 5000 }, (_, i) => `m${i * k}`)]);
      cmds.push([
        "HSET",
        `bh${k}`,
        ...Array.from({ length: 5000 }, (_, i) => [`f${i}`, `${k}`]).flat(),
      ]);
      cmds.push([
        "ZADD",
        `bz${k}`,
        ...Array.from({ length: 5000 }, (_, i) => [`${i / 7}`, `m${i}`]).flat(),
      ]);
    }
    cmds.push("DEBUG POPULATE 20000 pop 10");
    await build(p, cmds, "big");
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    await t.step(`seeded random mix, seed ${seed}`, async () => {
      const rand = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const int = (n: number) => Math.floor(rand() * n);
      const member = () =>
        pick([
          () => String(int(50) - 10),
          () => `m${int(40)}`,
          () => noise(1 + int(20), int(1000)),
          () => String(int(1e9)),
          () => "",
        ])();
      await p.same("FLUSHALL");
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < 150; i++) {
          const key = `k${int(25)}`;
          let cmd: Arg[];
          switch (int(12)) {
            case 0:
              cmd = ["SET", key, member()];
              break;
            case 1:
              cmd = ["RPUSH", key, member(), member()];
              break;
            case 2:
              cmd = ["SADD", key, member(), member(), member()];
              break;
            case 3:
              cmd = ["HSET", key, member(), member()];
              break;
            case 4:
              cmd = ["ZADD", key, pick(["1", "-2.5", "0.1", "1e300", "7", "inf"]), member()];
              break;
            case 5:
              cmd = ["EXPIRE", key, String(100 + int(1000))];
              break;
            case 6:
              cmd = ["PERSIST", key];
              break;
            case 7:
              cmd = ["DEL", key];
              break;
            case 8:
              cmd = ["SELECT", String(int(3))];
              break;
            case 9:
              cmd = ["LPOP", key];
              break;
            case 10:
              cmd = ["SREM", key, member()];
              break;
            default:
              cmd = ["ZINCRBY", key, pick(["0.3", "1", "-0.7"]), member()];
          }
          await p.same(cmd, `seed ${seed}`);
        }
        await p.same("SELECT 0");
        await sameDigests(p, `seed ${seed} round ${round}`);
      }
    });
  }
});
