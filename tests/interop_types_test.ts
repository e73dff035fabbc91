// Interop for the data types: npm:ioredis and npm:redis (node-redis v5, RESP2 and RESP3) against
// a spawned hakv (and the same scenario first against redis-server, where installed, to keep the
// expectations honest), one test per command family and client — lists (with blocking pops served
// from another connection), hashes, sets, sorted sets, HyperLogLog, SORT, pub/sub (with keyspace
// notifications) and transactions (MULTI/EXEC pipelines, WATCH). The clients parse and reshape
// replies (objects from HGETALL, {value, score} pairs, WatchError), so these catch reply-shape
// mistakes the RESP-level tests cannot.
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { createClient, WatchError } from "redis";
import { type Proc, requireTool, spawnHakv, spawnRedis, waitFor } from "./_harness.ts";

// --- Clients -----------------------------------------------------------------------------------

/** ioredis clients on one server; disposing quits and disconnects all of them. */
class IoClients {
  readonly #all: Redis[] = [];
  constructor(readonly port: number) {}

  async open(): Promise<Redis> {
    const r = new Redis({
      port: this.port,
      host: "127.0.0.1",
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    this.#all.push(r);
    await r.connect();
    return r;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const r of this.#all) {
      try {
        if (r.status === "ready") await r.quit();
      } catch {
        // already closing
      }
      r.disconnect();
    }
  }
}

type NodeClient = ReturnType<typeof createClient>;

/** node-redis clients speaking `RESP`; disposing destroys them and checks no error was emitted. */
class NodeClients {
  readonly #all: NodeClient[] = [];
  readonly errors: unknown[] = [];
  constructor(readonly port: number, readonly RESP: 2 | 3) {}

  async open(): Promise<NodeClient> {
    const c = createClient({ socket: { host: "127.0.0.1", port: this.port }, RESP: this.RESP });
    c.on("error", (e) => this.errors.push(e));
    this.#all.push(c);
    await c.connect();
    return c;
  }

  [Symbol.asyncDispose](): Promise<void> {
    for (const c of this.#all) c.destroy();
    assert.deepEqual(this.errors, [], `RESP${this.RESP} client errors`);
    return Promise.resolve();
  }
}

/** Runs `fn` once per protocol with fresh node-redis clients. */
async function eachResp(p: Proc, fn: (n: NodeClients) => Promise<void>): Promise<void> {
  for (const RESP of [2, 3] as const) {
    await using n = new NodeClients(p.port, RESP);
    const admin = await n.open();
    await admin.flushAll();
    try {
      await fn(n);
    } catch (err) {
      if (err instanceof Error) err.message = `RESP${RESP}: ${err.message}`;
      throw err;
    }
  }
}

/** Waits until the server reports `n` clients blocked (INFO clients, over a raw connection). */
async function blockedClients(p: Proc, n: number): Promise<void> {
  await using c = await p.client();
  let info = "";
  try {
    await waitFor(async () => {
      info = String(await c.call("INFO", "clients"));
      return new RegExp(`\\r\\nblocked_clients:${n}\\r\\n`).test(info);
    });
  } catch {
    throw new Error(`expected blocked_clients:${n} in INFO clients, got:\n${info}`);
  }
}

/** An object with a null prototype or a Map as a plain object, for deepEqual. */
function plain(x: unknown): Record<string, unknown> {
  if (x instanceof Map) return Object.fromEntries(x);
  return { ...(x as Record<string, unknown>) };
}

/** Collects pub/sub messages; `next(n)` waits until n have arrived. */
class Inbox<T> {
  readonly items: T[] = [];
  push = (item: T): void => {
    this.items.push(item);
  };
  async next(n: number): Promise<T[]> {
    await waitFor(() => this.items.length >= n);
    return this.items.slice(0, n);
  }
}

/**
 * A test run against its own hakv and, where redis-server is installed, first against Redis,
 * so an expectation Redis itself does not meet shows up as a test bug rather than a hakv bug.
 * A reply a client does not expect can leave it waiting forever, so a run that makes no
 * progress for 30 s fails, and killing the server then releases the client.
 */
function typesTest(name: string, fn: (p: Proc) => Promise<void>): void {
  Deno.test(name, async () => {
    if (requireTool("redis-server")) {
      await using r = await spawnRedis();
      await runAgainst("redis-server", r, fn);
    }
    await using h = await spawnHakv();
    await runAgainst("hakv", h, fn);
  });
}

async function runAgainst(
  server: string,
  p: Proc,
  fn: (p: Proc) => Promise<void>,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("still waiting after 30 s")), 30_000);
  });
  try {
    await Promise.race([fn(p), stuck]);
  } catch (err) {
    // A client error often means the server went away: show what it printed (its last words
    // may still be on their way through the pipe).
    await new Promise((r) => setTimeout(r, 200));
    const log = p.output().split("\n").slice(-15).join("\n");
    if (err instanceof Error) {
      err.message = `on ${server}: ${err.message}\n--- ${server} output (tail) ---\n${log}`;
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

// --- Lists ------------------------------------------------------------------------------------

typesTest("ioredis: lists, blocking pops served from another connection, timeouts", async (p) => {
  await using io = new IoClients(p.port);
  const a = await io.open();
  const b = await io.open();

  assert.equal(await a.rpush("l", "a", "b", "c"), 3);
  assert.equal(await a.lpush("l", "z"), 4);
  assert.deepEqual(await a.lrange("l", 0, -1), ["z", "a", "b", "c"]);
  assert.equal(await a.llen("l"), 4);
  assert.equal(await a.lindex("l", -1), "c");
  assert.equal(await a.linsert("l", "BEFORE", "b", "ab"), 5);
  assert.equal(await a.lpos("l", "b"), 3);
  assert.equal(await a.lset("l", 0, "y"), "OK");
  assert.equal(await a.lrem("l", 1, "ab"), 1);
  assert.equal(await a.ltrim("l", 0, 2), "OK");
  assert.deepEqual(await a.lrange("l", 0, -1), ["y", "a", "b"]);
  assert.equal(await a.lpop("l"), "y");
  assert.deepEqual(await a.rpop("l", 5), ["b", "a"]);
  assert.equal(await a.exists("l"), 0); // the last pop deleted the key
  assert.equal(await a.lpop("l"), null);
  assert.equal(await a.lmove("missing", "d", "LEFT", "RIGHT"), null);
  await a.rpush("m1", "1", "2", "3");
  assert.deepEqual(await a.lmpop(2, "m0", "m1", "RIGHT", "COUNT", 2), ["m1", ["3", "2"]]);
  await a.set("s", "x");
  await assert.rejects(a.lpush("s", "v"), /^ReplyError: WRONGTYPE Operation against a key/);

  // BLPOP parks on `a`; an LPUSH from `b` serves it.
  const popped = a.blpop("q", 5);
  await blockedClients(p, 1);
  assert.equal(await b.lpush("q", "job1"), 1);
  assert.deepEqual(await popped, ["q", "job1"]);
  assert.equal(await b.exists("q"), 0);

  // BRPOP over several keys is served by whichever gets data.
  const either = a.brpop("q1", "q2", 5);
  await blockedClients(p, 1);
  await b.rpush("q2", "x", "y");
  assert.deepEqual(await either, ["q2", "y"]);

  // BLMOVE moves the pushed element into the destination.
  const moved = a.blmove("src", "dst", "LEFT", "RIGHT", 5);
  await blockedClients(p, 1);
  await b.rpush("src", "v1");
  assert.equal(await moved, "v1");
  assert.deepEqual(await b.lrange("dst", 0, -1), ["v1"]);
  assert.equal(await b.exists("src"), 0);

  // Timeouts reply with a null.
  assert.equal(await a.blpop("empty", 0.05), null);
  assert.equal(await a.blmove("empty", "dst", "LEFT", "LEFT", 0.05), null);
  assert.equal(await a.brpoplpush("empty", "dst", 0.05), null);
  await assert.rejects(a.blpop("q", -1), /ERR timeout is negative/);
  // The connection is usable after a timeout.
  assert.equal(await a.ping(), "PONG");
});

typesTest("node-redis: lists and blocking pops (RESP2 and RESP3)", async (p) => {
  await eachResp(p, async (n) => {
    const a = await n.open();
    const b = await n.open();
    assert.equal(await a.rPush("l", ["a", "b", "c"]), 3);
    assert.equal(await a.lPush("l", "z"), 4);
    assert.deepEqual(await a.lRange("l", 0, -1), ["z", "a", "b", "c"]);
    assert.equal(await a.lLen("l"), 4);
    assert.equal(await a.lPos("l", "c"), 3);
    assert.equal(await a.lMove("l", "l2", "RIGHT", "LEFT"), "c");
    assert.deepEqual(await a.lmPop(["none", "l"], "LEFT", { COUNT: 2 }), ["l", ["z", "a"]]);
    assert.deepEqual(await a.lmPop(["none"], "LEFT"), null);

    const popped = a.blPop("q", 5);
    await blockedClients(p, 1);
    await b.lPush("q", "job");
    assert.deepEqual(await popped, { key: "q", element: "job" });

    const moved = a.blMove("src", "dst", "RIGHT", "LEFT", 5);
    await blockedClients(p, 1);
    await b.rPush("src", ["v1", "v2"]);
    assert.equal(await moved, "v2");
    assert.deepEqual(await b.lRange("dst", 0, -1), ["v2"]);

    assert.equal(await a.blPop("empty", 0.05), null);
    assert.equal(await a.brPop(["e1", "e2"], 0.05), null);
    assert.equal(await a.blMove("empty", "dst", "LEFT", "LEFT", 0.05), null);
    assert.equal(await a.blmPop(0.05, ["e1"], "LEFT"), null);
  });
});

// --- Hashes ------------------------------------------------------------------------------------

typesTest("ioredis: hashes (hgetall objects, hincrbyfloat, hscan)", async (p) => {
  await using io = new IoClients(p.port);
  const r = await io.open();
  assert.equal(await r.hset("h", { name: "ann", age: "41", city: "oslo" }), 3);
  assert.equal(await r.hset("h", "age", "42"), 0);
  assert.deepEqual(await r.hgetall("h"), { name: "ann", age: "42", city: "oslo" });
  assert.deepEqual(await r.hgetall("missing"), {});
  assert.equal(await r.hget("h", "name"), "ann");
  assert.equal(await r.hget("h", "nope"), null);
  assert.deepEqual(await r.hmget("h", "name", "nope", "city"), ["ann", null, "oslo"]);
  assert.equal(await r.hincrby("h", "age", 8), 50);
  assert.equal(await r.hincrbyfloat("h", "score", "1.5"), "1.5");
  assert.equal(await r.hincrbyfloat("h", "score", "0.1"), "1.6");
  assert.equal(await r.hincrbyfloat("h", "score", "-1.6"), "0");
  assert.equal(await r.hincrbyfloat("h", "score", "5.0e3"), "5000");
  await assert.rejects(r.hincrby("h", "name", 1), /ERR hash value is not an integer/);
  await assert.rejects(r.hincrbyfloat("h", "name", 1), /ERR hash value is not a float/);
  assert.equal(await r.hexists("h", "city"), 1);
  assert.equal(await r.hlen("h"), 4);
  assert.equal(await r.hstrlen("h", "city"), 4);
  assert.deepEqual((await r.hkeys("h")).sort(), ["age", "city", "name", "score"]);
  assert.equal((await r.hvals("h")).length, 4);
  assert.equal(await r.hsetnx("h", "name", "bob"), 0);
  assert.equal(await r.hdel("h", "city", "nope"), 1);
  const fields = await r.hrandfield("h", -5, "WITHVALUES");
  assert.equal(fields?.length, 10);
  // HSCAN through a hash big enough to leave the compact encoding.
  const big: Record<string, string> = {};
  for (let i = 0; i < 300; i++) big[`f${i}`] = `v${i}`;
  await r.hset("big", big);
  const seen = new Map<string, string>();
  let cursor = "0";
  do {
    const [next, flat] = await r.hscan("big", cursor, "COUNT", 50);
    for (let i = 0; i < flat.length; i += 2) seen.set(flat[i]!, flat[i + 1]!);
    cursor = next;
  } while (cursor !== "0");
  assert.deepEqual(Object.fromEntries(seen), big);
  assert.deepEqual(await r.hgetall("big"), big);
  assert.equal(await r.del("h", "big"), 2);
});

typesTest("node-redis: hashes (RESP2 and RESP3)", async (p) => {
  await eachResp(p, async (n) => {
    const c = await n.open();
    assert.equal(await c.hSet("h", { a: "1", b: "2", c: "three" }), 3);
    assert.deepEqual(plain(await c.hGetAll("h")), { a: "1", b: "2", c: "three" });
    assert.deepEqual(plain(await c.hGetAll("missing")), {});
    assert.equal(await c.hIncrBy("h", "a", 10), 11);
    assert.equal(await c.hIncrByFloat("h", "f", 2.5), "2.5");
    assert.equal(await c.hIncrByFloat("h", "f", 0.25), "2.75");
    assert.deepEqual(await c.hmGet("h", ["a", "zz", "c"]), ["11", null, "three"]);
    assert.equal(await c.hExists("h", "b"), 1);
    assert.equal(await c.hLen("h"), 4);
    assert.deepEqual(await c.hKeys("h"), ["a", "b", "c", "f"]);
    assert.equal(await c.hDel("h", ["a", "b"]), 2);
    const scanned = await c.hScan("h", "0");
    assert.equal(scanned.cursor, "0");
    assert.deepEqual(
      scanned.entries.map((e) => [e.field, e.value]),
      [["c", "three"], ["f", "2.75"]],
    );
  });
});

// --- Sets --------------------------------------------------------------------------------------

typesTest("ioredis: sets", async (p) => {
  await using io = new IoClients(p.port);
  const r = await io.open();
  assert.equal(await r.sadd("s1", "a", "b", "c", "a"), 3);
  assert.equal(await r.sadd("s2", "b", "c", "d"), 3);
  assert.equal(await r.sadd("ints", 3, 1, 2), 3);
  assert.deepEqual((await r.smembers("s1")).sort(), ["a", "b", "c"]);
  assert.deepEqual(await r.smembers("ints"), ["1", "2", "3"]); // an intset keeps them ordered
  assert.equal(await r.sismember("s1", "a"), 1);
  assert.deepEqual(await r.smismember("s1", "a", "z", "c"), [1, 0, 1]);
  assert.equal(await r.scard("s1"), 3);
  assert.deepEqual((await r.sinter("s1", "s2")).sort(), ["b", "c"]);
  assert.deepEqual((await r.sunion("s1", "s2")).sort(), ["a", "b", "c", "d"]);
  assert.deepEqual(await r.sdiff("s1", "s2"), ["a"]);
  assert.equal(await r.sinterstore("dst", "s1", "s2"), 2);
  assert.equal(await r.sintercard(2, "s1", "s2"), 2);
  assert.equal(await r.smove("s1", "s2", "a"), 1);
  assert.equal(await r.srem("s1", "b", "zz"), 1);
  const popped = await r.spop("s1");
  assert.equal(popped, "c");
  assert.equal(await r.exists("s1"), 0);
  assert.equal((await r.srandmember("s2", 2)).length, 2);
  assert.equal((await r.srandmember("s2", -10)).length, 10);
  const members = new Set<string>();
  for (let i = 0; i < 200; i++) members.add(`m${i}`);
  await r.sadd("big", ...members);
  const seen = new Set<string>();
  let cursor = "0";
  do {
    const [next, page] = await r.sscan("big", cursor, "MATCH", "m1*", "COUNT", 30);
    for (const m of page) seen.add(m);
    cursor = next;
  } while (cursor !== "0");
  assert.deepEqual([...seen].sort(), [...members].filter((m) => m.startsWith("m1")).sort());
  await assert.rejects(r.sadd("dst", []), /wrong number of arguments/);
});

typesTest("node-redis: sets (RESP2 and RESP3)", async (p) => {
  await eachResp(p, async (n) => {
    const c = await n.open();
    assert.equal(await c.sAdd("s", ["x", "y", "z"]), 3);
    assert.equal(await c.sIsMember("s", "x"), 1);
    assert.deepEqual(await c.smIsMember("s", ["x", "q"]), [1, 0]);
    assert.deepEqual((await c.sMembers("s")).sort(), ["x", "y", "z"]);
    assert.equal(await c.sCard("s"), 3);
    assert.deepEqual(await c.sDiff(["s", "missing"]).then((x) => x.sort()), ["x", "y", "z"]);
    assert.equal((await c.sPopCount("s", 2)).length, 2);
    assert.equal(await c.sCard("s"), 1);
    assert.equal(typeof await c.sRandMember("s"), "string");
  });
});

// --- Sorted sets -------------------------------------------------------------------------------

typesTest("ioredis: sorted sets (withscores, byscore with limit, bzpopmin)", async (p) => {
  await using io = new IoClients(p.port);
  const a = await io.open();
  const b = await io.open();
  assert.equal(await a.zadd("z", 1, "one", 2, "two", 3, "three", 2.5, "two.5"), 4);
  assert.equal(await a.zadd("z", "XX", "CH", 1.5, "one"), 1);
  assert.deepEqual(await a.zrange("z", 0, -1), ["one", "two", "two.5", "three"]);
  assert.deepEqual(await a.zrange("z", 0, 1, "WITHSCORES"), ["one", "1.5", "two", "2"]);
  assert.deepEqual(await a.zrangebyscore("z", "(1.5", "+inf", "LIMIT", 1, 2), ["two.5", "three"]);
  assert.deepEqual(
    await a.zrangebyscore("z", "-inf", 2, "WITHSCORES", "LIMIT", 0, 10),
    ["one", "1.5", "two", "2"],
  );
  assert.deepEqual(await a.zrevrangebyscore("z", "+inf", 2.5), ["three", "two.5"]);
  assert.deepEqual(await a.zrange("z", 3, 2, "BYSCORE", "REV"), ["three", "two.5", "two"]);
  assert.deepEqual(await a.zrangebylex("z", "[t", "+"), ["two", "two.5", "three"]);
  assert.equal(await a.zscore("z", "two.5"), "2.5");
  assert.equal(await a.zscore("z", "nope"), null);
  assert.deepEqual(await a.zmscore("z", "one", "nope"), ["1.5", null]);
  assert.equal(await a.zincrby("z", 0.1, "one"), "1.6000000000000001");
  assert.equal(await a.zrank("z", "three"), 3);
  assert.equal(await a.zrevrank("z", "three"), 0);
  assert.equal(await a.zcard("z"), 4);
  assert.equal(await a.zcount("z", 2, 3), 3);
  assert.equal(await a.zlexcount("z", "-", "+"), 4);
  assert.equal(await a.zrem("z", "two", "nope"), 1);
  assert.deepEqual(await a.zpopmin("z"), ["one", "1.6000000000000001"]);
  assert.deepEqual(await a.zpopmax("z", 5), ["three", "3", "two.5", "2.5"]);
  assert.equal(await a.exists("z"), 0);
  await a.zadd("u1", 1, "a", 2, "b");
  await a.zadd("u2", 10, "b", 20, "c");
  assert.equal(await a.zunionstore("u", 2, "u1", "u2", "WEIGHTS", 1, 2), 3);
  assert.deepEqual(await a.zrange("u", 0, -1, "WITHSCORES"), ["a", "1", "b", "22", "c", "40"]);
  assert.deepEqual(await a.zinter(2, "u1", "u2", "WITHSCORES"), ["b", "12"]);
  await assert.rejects(a.zadd("u", "NX", "XX", 1, "a"), /ERR XX and NX options at the same time/);
  await assert.rejects(a.zadd("u", "x", "a"), /ERR value is not a valid float/);

  // BZPOPMIN parks on `a` until `b` adds.
  const waiting = a.bzpopmin("bz", 5);
  await blockedClients(p, 1);
  await b.zadd("bz", 7, "seven", 3, "three");
  assert.deepEqual(await waiting, ["bz", "three", "3"]);
  assert.deepEqual(await b.zrange("bz", 0, -1), ["seven"]);
  const max = a.bzpopmax("bz2", "bz", 5);
  assert.deepEqual(await max, ["bz", "seven", "7"]); // served at once: bz has a member
  assert.equal(await a.bzpopmin("bz", 0.05), null);
  assert.deepEqual(await a.bzmpop(0.05, 1, "bz", "MIN"), null);
  await b.zadd("bz", 1, "x", 2, "y");
  assert.deepEqual(await a.bzmpop(1, 1, "bz", "MAX", "COUNT", 5), ["bz", [["y", "2"], [
    "x",
    "1",
  ]]]);
});

typesTest("node-redis: sorted sets (RESP2 and RESP3)", async (p) => {
  await eachResp(p, async (n) => {
    const a = await n.open();
    const b = await n.open();
    assert.equal(
      await a.zAdd("z", [{ score: 1, value: "a" }, { score: 2, value: "b" }, {
        score: 3,
        value: "c",
      }, { score: -0.5, value: "m" }]),
      4,
    );
    assert.deepEqual(await a.zRange("z", 0, -1), ["m", "a", "b", "c"]);
    assert.deepEqual(await a.zRangeWithScores("z", 0, 1), [
      { value: "m", score: -0.5 },
      { value: "a", score: 1 },
    ]);
    assert.deepEqual(
      await a.zRangeByScore("z", 0, "+inf", { LIMIT: { offset: 1, count: 5 } }),
      ["b", "c"],
    );
    assert.deepEqual(await a.zRange("z", "+inf", 2, { BY: "SCORE", REV: true }), ["c", "b"]);
    assert.equal(await a.zScore("z", "b"), 2);
    assert.equal(await a.zScore("z", "nope"), null);
    assert.equal(await a.zIncrBy("z", 1.25, "a"), 2.25);
    assert.equal(await a.zRank("z", "c"), 3);
    assert.equal(await a.zCard("z"), 4);
    assert.deepEqual(await a.zPopMin("z"), { value: "m", score: -0.5 });

    const waiting = a.bzPopMin("bz", 5);
    await blockedClients(p, 1);
    await b.zAdd("bz", { score: 4, value: "four" });
    assert.deepEqual(await waiting, { key: "bz", value: "four", score: 4 });
    assert.equal(await a.bzPopMax(["bz", "bz2"], 0.05), null);
  });
});

// --- HyperLogLog -------------------------------------------------------------------------------

typesTest("ioredis: HyperLogLog", async (p) => {
  await using io = new IoClients(p.port);
  const r = await io.open();
  assert.equal(await r.pfadd("h1", "a", "b", "c"), 1);
  assert.equal(await r.pfadd("h1", "a"), 0);
  assert.equal(await r.pfcount("h1"), 3);
  const many = Array.from({ length: 5000 }, (_, i) => `item:${i}`);
  for (let i = 0; i < many.length; i += 500) await r.pfadd("h2", ...many.slice(i, i + 500));
  const estimate = await r.pfcount("h2");
  assert.ok(Math.abs(estimate - 5000) < 5000 * 0.03, `estimate ${estimate}`);
  assert.equal(await r.pfmerge("h3", "h1", "h2"), "OK");
  const merged = await r.pfcount("h3");
  assert.ok(Math.abs(merged - 5003) < 5003 * 0.03, `merged ${merged}`);
  assert.equal(await r.pfcount("h1", "h2"), merged);
  assert.equal(await r.type("h1"), "string");
  const raw = await r.getBuffer("h1");
  assert.ok(raw !== null && raw.subarray(0, 4).toString() === "HYLL", "HYLL header");
  // The dump survives a round trip through SET.
  await r.set("copy", raw);
  assert.equal(await r.pfcount("copy"), 3);
  await r.set("notll", "hello");
  await assert.rejects(r.pfadd("notll", "x"), /WRONGTYPE Key is not a valid HyperLogLog/);
});

typesTest("node-redis: HyperLogLog (RESP2 and RESP3)", async (p) => {
  await eachResp(p, async (n) => {
    const c = await n.open();
    assert.equal(await c.pfAdd("h", ["x", "y", "z"]), 1);
    assert.equal(await c.pfCount("h"), 3);
    assert.equal(await c.pfAdd("g", ["z", "w"]), 1);
    assert.equal(await c.pfMerge("m", ["h", "g"]), "OK");
    assert.equal(await c.pfCount(["h", "g"]), 4);
    assert.equal(await c.pfCount("m"), 4);
  });
});

// --- SORT --------------------------------------------------------------------------------------

typesTest("ioredis: SORT with BY, GET, LIMIT, ALPHA and STORE", async (p) => {
  await using io = new IoClients(p.port);
  const r = await io.open();
  await r.rpush("ids", "3", "1", "2", "10");
  assert.deepEqual(await r.sort("ids"), ["1", "2", "3", "10"]);
  assert.deepEqual(await r.sort("ids", "DESC", "LIMIT", 0, 2), ["10", "3"]);
  assert.deepEqual(await r.sort("ids", "ALPHA"), ["1", "10", "2", "3"]);
  await r.mset("w_1", "40", "w_2", "10", "w_3", "30", "w_10", "20");
  await r.hset("obj_1", "name", "one");
  await r.hset("obj_2", "name", "two");
  assert.deepEqual(await r.sort("ids", "BY", "w_*"), ["2", "10", "3", "1"]);
  assert.deepEqual(await r.sort("ids", "BY", "w_*", "GET", "#", "GET", "obj_*->name"), [
    ...["2", "two", "10", null, "3", null, "1", "one"],
  ]);
  assert.deepEqual(await r.sort("ids", "BY", "nosort", "GET", "w_*"), ["30", "40", "10", "20"]);
  assert.equal(await r.sort("ids", "LIMIT", 1, 2, "STORE", "out"), 2);
  assert.deepEqual(await r.lrange("out", 0, -1), ["2", "3"]);
  assert.deepEqual(await r.sort_ro("ids", "DESC"), ["10", "3", "2", "1"]);
  await r.sadd("names", "bob", "al", "cy");
  assert.deepEqual(await r.sort("names", "ALPHA"), ["al", "bob", "cy"]);
  await assert.rejects(r.sort("names"), /ERR One or more scores can't be converted into double/);
  await r.zadd("zs", 3, "x", 1, "y", 2, "z");
  assert.deepEqual(await r.sort("zs", "BY", "nosort"), ["y", "z", "x"]);
});

typesTest("node-redis: SORT (RESP2 and RESP3)", async (p) => {
  await eachResp(p, async (n) => {
    const c = await n.open();
    await c.rPush("l", ["b", "c", "a"]);
    await c.mSet({ "v_a": "3", "v_b": "1", "v_c": "2" });
    assert.deepEqual(await c.sort("l", { ALPHA: true }), ["a", "b", "c"]);
    assert.deepEqual(await c.sort("l", { BY: "v_*", DIRECTION: "DESC" }), ["a", "c", "b"]);
    assert.deepEqual(
      await c.sort("l", { BY: "v_*", GET: ["#", "v_*"], LIMIT: { offset: 0, count: 2 } }),
      ["b", "1", "c", "2"],
    );
    assert.equal(await c.sortStore("l", "dst", { ALPHA: true, DIRECTION: "DESC" }), 3);
    assert.deepEqual(await c.lRange("dst", 0, -1), ["c", "b", "a"]);
  });
});

// --- Pub/sub -----------------------------------------------------------------------------------

typesTest("ioredis: subscribe, psubscribe, unsubscribe and keyspace events", async (p) => {
  await using io = new IoClients(p.port);
  const sub = await io.open();
  const pub = await io.open();
  const messages = new Inbox<[string, string]>();
  const pmessages = new Inbox<[string, string, string]>();
  sub.on("message", (channel: string, message: string) => messages.push([channel, message]));
  sub.on(
    "pmessage",
    (pattern: string, channel: string, message: string) =>
      pmessages.push([pattern, channel, message]),
  );

  assert.equal(await sub.subscribe("news", "sport"), 2);
  assert.equal(await sub.psubscribe("news.*", "w?ather"), 4);
  assert.deepEqual(await pub.pubsub("CHANNELS", "*").then((x) => (x as string[]).sort()), [
    "news",
    "sport",
  ]);
  assert.deepEqual(await pub.pubsub("NUMSUB", "news", "none"), ["news", 1, "none", 0]);
  assert.equal(await pub.pubsub("NUMPAT"), 2);

  assert.equal(await pub.publish("news", "hello"), 1);
  assert.equal(await pub.publish("news.tech", "chips"), 1);
  assert.equal(await pub.publish("weather", "rain"), 1);
  assert.equal(await pub.publish("nobody", "x"), 0);
  assert.deepEqual(await messages.next(1), [["news", "hello"]]);
  assert.deepEqual(await pmessages.next(2), [
    ["news.*", "news.tech", "chips"],
    ["w?ather", "weather", "rain"],
  ]);

  assert.equal(await sub.unsubscribe("news"), 3);
  assert.equal(await sub.punsubscribe("news.*"), 2);
  assert.equal(await pub.publish("news", "unheard"), 0);
  assert.equal(await pub.publish("sport", "goal"), 1);
  assert.deepEqual(await messages.next(2), [["news", "hello"], ["sport", "goal"]]);
  await assert.rejects(sub.get("x"), /Connection in subscriber mode, only subscriber commands/);
  // (ioredis waits forever on an argument-less UNSUBSCRIBE, so name what is left.)
  assert.equal(await sub.unsubscribe("sport"), 1);
  assert.equal(await sub.punsubscribe("w?ather"), 0);
  // Out of subscriber mode: ordinary commands again.
  assert.equal(await sub.set("after", "1"), "OK");

  // Keyspace notifications for the data types arrive as pattern messages.
  const events = new Inbox<[string, string, string]>();
  const ks = await io.open();
  ks.on(
    "pmessage",
    (pattern: string, channel: string, message: string) => events.push([pattern, channel, message]),
  );
  await pub.config("SET", "notify-keyspace-events", "KEA");
  await ks.psubscribe("__keyevent@0__:*");
  await pub.rpush("nl", "a");
  await pub.hset("nh", "f", "v");
  await pub.sadd("ns", "m");
  await pub.zadd("nz", 1, "m");
  await pub.lpop("nl");
  assert.deepEqual((await events.next(6)).map((e) => [e[1], e[2]]), [
    ["__keyevent@0__:rpush", "nl"],
    ["__keyevent@0__:hset", "nh"],
    ["__keyevent@0__:sadd", "ns"],
    ["__keyevent@0__:zadd", "nz"],
    ["__keyevent@0__:lpop", "nl"],
    ["__keyevent@0__:del", "nl"],
  ]);
});

typesTest("node-redis: subscribe and pSubscribe (RESP2 and RESP3)", async (p) => {
  await eachResp(p, async (n) => {
    const sub = await n.open();
    const pub = await n.open();
    const got = new Inbox<string>();
    await sub.subscribe("ch", (message, channel) => got.push(`${channel}:${message}`));
    await sub.pSubscribe("p.*", (message, channel) => got.push(`p ${channel}:${message}`));
    assert.equal(await pub.publish("ch", "one"), 1);
    assert.equal(await pub.publish("p.x", "two"), 1);
    assert.deepEqual(await got.next(2), ["ch:one", "p p.x:two"]);
    assert.deepEqual(plain(await pub.pubSubNumSub(["ch"])), { ch: 1 });
    if (n.RESP === 3) {
      // RESP3 connections may run ordinary commands while subscribed.
      assert.equal(await sub.set("k", "v"), "OK");
      assert.equal(await sub.get("k"), "v");
    }
    await sub.unsubscribe("ch");
    await sub.pUnsubscribe("p.*");
    assert.equal(await pub.publish("ch", "late"), 0);
    assert.equal(await pub.publish("p.x", "late"), 0);
    assert.equal(got.items.length, 2);
  });
});

// --- Transactions ------------------------------------------------------------------------------

typesTest("ioredis: multi/exec, discard, queued errors and WATCH conflicts", async (p) => {
  await using io = new IoClients(p.port);
  const a = await io.open();
  const b = await io.open();
  assert.deepEqual(
    await a.multi().rpush("l", "x", "y").hset("h", "f", "1").sadd("s", "m").zadd("z", 1, "m")
      .lrange("l", 0, -1).hgetall("h").exec(),
    [[null, 2], [null, 1], [null, 1], [null, 1], [null, ["x", "y"]], [null, { f: "1" }]],
  );
  // A runtime error inside EXEC fails only that command.
  const mixed = await a.multi().set("str", "v").lpush("str", "x").get("str").exec();
  assert.equal(mixed?.[0]?.[1], "OK");
  assert.match(String(mixed?.[1]?.[0]), /WRONGTYPE/);
  assert.equal(mixed?.[2]?.[1], "v");
  // A queueing error aborts the whole transaction.
  await assert.rejects(
    a.multi().set("q", "1").call("NOSUCHCMD").exec(),
    /EXECABORT Transaction discarded because of previous errors/,
  );
  assert.equal(await a.exists("q"), 0);
  // MULTI ... DISCARD.
  assert.equal(await a.multi({ pipeline: false }), "OK");
  assert.equal(await a.set("d", "1"), "QUEUED");
  assert.equal(await a.discard(), "OK");
  assert.equal(await a.exists("d"), 0);

  // WATCH, then a write from another connection: EXEC replies null.
  assert.equal(await a.watch("l", "h"), "OK");
  await b.rpush("l", "z");
  assert.equal(await a.multi().lpop("l").exec(), null);
  assert.deepEqual(await a.lrange("l", 0, -1), ["x", "y", "z"]);
  // Without a conflict it runs, and an untouched watch succeeds.
  await a.watch("h");
  assert.deepEqual(await a.multi().hincrby("h", "f", 5).exec(), [[null, 6]]);
  // A write to a watched collection by the data-type commands counts: HSET, ZADD, SADD, LPOP.
  for (
    const write of [
      () => b.hset("h", "g", "1"),
      () => b.zadd("z", 2, "n"),
      () => b.sadd("s", "n"),
      () => b.lpop("l"),
    ]
  ) {
    await a.watch("h", "z", "s", "l");
    await write();
    assert.equal(await a.multi().ping().exec(), null);
  }
  // UNWATCH forgets the watch.
  await a.watch("l");
  await a.unwatch();
  await b.rpush("l", "w");
  assert.deepEqual(await a.multi().llen("l").exec(), [[null, 3]]);
});

typesTest("node-redis: multi/exec and WATCH (RESP2 and RESP3)", async (p) => {
  await eachResp(p, async (n) => {
    const a = await n.open();
    const b = await n.open();
    const results = await a.multi().rPush("l", ["1", "2"]).hSet("h", { f: "v" }).sAdd("s", "m")
      .zAdd("z", { score: 1, value: "m" }).hGetAll("h").zRangeWithScores("z", 0, -1).exec();
    assert.equal(results.length, 6);
    assert.deepEqual(results.slice(0, 4), [2, 1, 1, 1]);
    assert.deepEqual(plain(results[4]), { f: "v" });
    assert.deepEqual(results[5], [{ value: "m", score: 1 }]);
    assert.deepEqual(await a.multi().incr("n").incr("n").exec(), [1, 2]);

    await a.watch("l");
    await b.lPush("l", "0");
    await assert.rejects(a.multi().lPop("l").exec(), WatchError);
    assert.deepEqual(await a.lRange("l", 0, -1), ["0", "1", "2"]);
    await a.watch("l");
    assert.deepEqual(await a.multi().lPop("l").exec(), ["0"]);
  });
});
