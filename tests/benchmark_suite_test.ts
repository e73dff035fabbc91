// redis-benchmark's default suite (every test it runs without -t: pings, strings, lists, sets,
// hashes, sorted sets, LRANGE of 100..600 elements, MSET) against a spawned hakv, pipelined and
// not: every test must report a rate, nothing may print an error (redis-benchmark 7 exits on the
// first error reply), and the keys it leaves behind must be what it leaves on redis-server.
import assert from "node:assert/strict";
import { type Proc, requireTool, run, spawnHakv, spawnRedis } from "./_harness.ts";

/** The rows redis-benchmark 7.0 prints for its default suite, in order. */
const DEFAULT_SUITE = [
  "PING_INLINE",
  "PING_MBULK",
  "SET",
  "GET",
  "INCR",
  "LPUSH",
  "RPUSH",
  "LPOP",
  "RPOP",
  "SADD",
  "HSET",
  "SPOP",
  "ZADD",
  "ZPOPMIN",
  "LPUSH (needed to benchmark LRANGE)",
  "LRANGE_100 (first 100 elements)",
  "LRANGE_300 (first 300 elements)",
  "LRANGE_500 (first 500 elements)",
  "LRANGE_600 (first 600 elements)",
  "MSET (10 keys)",
];

interface BenchOutput {
  code: number;
  rows: Map<string, number>;
  stdout: string;
  stderr: string;
}

/** Runs redis-benchmark with --csv; rows are test name -> rps. */
async function bench(p: Proc, args: string[]): Promise<BenchOutput> {
  const r = await run(
    "redis-benchmark",
    ["-h", "127.0.0.1", "-p", String(p.port), ...args, "--csv"],
    { allowFailure: true },
  );
  const rows = new Map<string, number>();
  for (const line of r.stdout.split("\n")) {
    const m = /^"([^"]+)","([^"]*)"/.exec(line);
    if (m && m[1] !== "test") rows.set(m[1]!, Number(m[2]));
  }
  return { code: r.code, rows, stdout: r.stdout, stderr: r.stderr };
}

function assertClean(out: BenchOutput, label: string): void {
  const all = out.stdout + out.stderr;
  assert.doesNotMatch(all, /error|ERR |WRONGTYPE/i, `${label}: an error was printed:\n${all}`);
  assert.equal(out.code, 0, `${label}: exit ${out.code}\n${all}`);
  assert.deepEqual([...out.rows.keys()], DEFAULT_SUITE, `${label}: tests reported\n${all}`);
  for (const [name, rps] of out.rows) {
    assert.ok(Number.isFinite(rps) && rps > 0, `${label}: ${name} rate ${rps}`);
  }
}

/** What the suite leaves in the keyspace: every key, its type and size, and a few values. */
async function keyspace(p: Proc): Promise<Record<string, unknown>> {
  await using c = await p.client();
  const keys = (await c.call("KEYS", "*") as string[]).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const type = await c.call("TYPE", k);
    const size = type === "list"
      ? await c.call("LLEN", k)
      : type === "hash"
      ? await c.call("HGETALL", k)
      : type === "set"
      ? await c.call("SCARD", k)
      : type === "zset"
      ? await c.call("ZCARD", k)
      : await c.call("GET", k);
    out[k] = [type, size];
  }
  return out;
}

async function suiteOn(p: Proc, args: string[]) {
  const out = await bench(p, args);
  return { out, keys: await keyspace(p) };
}

const MODES: { label: string; args: string[] }[] = [
  { label: "-P 4", args: ["-n", "2000", "-c", "10", "-P", "4"] },
  { label: "no pipelining", args: ["-n", "2000", "-c", "10"] },
];

for (const mode of MODES) {
  Deno.test(`redis-benchmark default suite (${mode.label}) completes on hakv`, async () => {
    if (!requireTool("redis-benchmark")) return;
    await using h = await spawnHakv();
    const hakv = await suiteOn(h, mode.args);
    assertClean(hakv.out, `hakv ${mode.label}`);
    // 2000 LPUSH + 2000 RPUSH - 2000 LPOP - 2000 RPOP + 2000 LPUSH for LRANGE.
    assert.deepEqual(hakv.keys["mylist"], ["list", 2000]);
    assert.deepEqual(hakv.keys["counter:__rand_int__"], ["string", "2000"]);
    assert.deepEqual(hakv.keys["myhash"], ["hash", ["element:__rand_int__", "VXK"]]);
    // SPOP and ZPOPMIN empty the one-member set and sorted set, which removes the keys.
    assert.equal(hakv.keys["myset"], undefined);
    assert.equal(hakv.keys["myzset"], undefined);
    if (requireTool("redis-server")) {
      await using r = await spawnRedis();
      const redis = await suiteOn(r, mode.args);
      assertClean(redis.out, `redis ${mode.label}`);
      assert.deepEqual(hakv.keys, redis.keys);
    }
  });
}

Deno.test("redis-benchmark writers leave their collections behind", async () => {
  if (!requireTool("redis-benchmark")) return;
  const state = async (p: Proc) => {
    const out = await bench(p, ["-t", "lpush,rpush,sadd,hset,zadd", "-n", "3000", "-P", "8"]);
    await using c = await p.client();
    return {
      code: out.code,
      tests: [...out.rows.keys()],
      llen: await c.call("LLEN", "mylist"),
      scard: await c.call("SCARD", "myset"),
      smembers: await c.call("SMEMBERS", "myset"),
      zcard: await c.call("ZCARD", "myzset"),
      zrange: await c.call("ZRANGE", "myzset", "0", "-1", "WITHSCORES"),
      hlen: await c.call("HLEN", "myhash"),
      stderr: out.stderr,
    };
  };
  await using h = await spawnHakv();
  const hakv = await state(h);
  assert.equal(hakv.code, 0, hakv.stderr);
  assert.deepEqual(hakv.tests, ["LPUSH", "RPUSH", "SADD", "HSET", "ZADD"]);
  assert.equal(hakv.llen, 6000);
  assert.equal(hakv.scard, 1);
  assert.deepEqual(hakv.smembers, ["element:__rand_int__"]);
  assert.equal(hakv.zcard, 1);
  assert.deepEqual(hakv.zrange, ["element:__rand_int__", "0"]);
  assert.equal(hakv.hlen, 1);
  if (requireTool("redis-server")) {
    await using r = await spawnRedis();
    assert.deepEqual(hakv, await state(r));
  }
});

Deno.test("redis-benchmark with -r spreads collections over many keys", async () => {
  if (!requireTool("redis-benchmark")) return;
  const state = async (p: Proc) => {
    const out = await bench(p, [
      ...["-t", "lpush,sadd,hset,zadd,spop,zpopmin,lrange_100"],
      ...["-n", "4000", "-c", "20", "-P", "16", "-r", "50"],
    ]);
    await using c = await p.client();
    const types: Record<string, unknown> = {};
    for (const k of await c.call("KEYS", "*") as string[]) types[k] = await c.call("TYPE", k);
    return {
      code: out.code,
      tests: [...out.rows.keys()],
      types,
      // 4000 draws from 50 field names: all 50 are there (a miss has odds of about 1e-33).
      hlen: await c.call("HLEN", "myhash"),
      llen: await c.call("LLEN", "mylist"),
      stderr: out.stderr,
    };
  };
  await using h = await spawnHakv();
  const hakv = await state(h);
  assert.equal(hakv.code, 0, hakv.stderr);
  assert.equal(hakv.tests.length, 8, hakv.tests.join(", "));
  // -r randomises the members, not the key names; SPOP and ZPOPMIN drain what SADD and ZADD
  // wrote (4000 pops against at most 50 members), so those keys are gone again.
  assert.deepEqual(hakv.types, { mylist: "list", myhash: "hash" });
  assert.equal(hakv.hlen, 50);
  assert.equal(hakv.llen, 8000);
  if (requireTool("redis-server")) {
    await using r = await spawnRedis();
    const redis = await state(r);
    assert.deepEqual({ ...hakv, stderr: "" }, { ...redis, stderr: "" });
  }
});
