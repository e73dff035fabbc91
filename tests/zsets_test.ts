// In-process tests of the sorted set commands: encodings and conversions, what writes report
// (keyspace events, WATCH, dirty), blocking pops across clients, and random-member shapes.
// Replies themselves are checked against redis-server in zsets_diff_test.ts.
import assert from "node:assert/strict";
import { drain, InProcess, type RespValue } from "./_harness.ts";

Deno.test("zsets: encodings follow zset-max-listpack-entries and -value", async () => {
  await using t = new InProcess({
    "zset-max-listpack-entries": "4",
    "zset-max-listpack-value": "8",
  });
  await t.run("ZADD", "z", 1, "a", 2, "b", 3, "c", 4, "d");
  assert.equal(await t.run("OBJECT", "ENCODING", "z"), "listpack");
  await t.run("ZADD", "z", 5, "e");
  assert.equal(await t.run("OBJECT", "ENCODING", "z"), "skiplist");
  await t.run("ZPOPMIN", "z", 4);
  assert.equal(await t.run("OBJECT", "ENCODING", "z"), "skiplist");
  await t.run("ZADD", "y", 1, "123456789");
  assert.equal(await t.run("OBJECT", "ENCODING", "y"), "skiplist");
  await t.run("ZUNIONSTORE", "u", 1, "z");
  assert.equal(await t.run("OBJECT", "ENCODING", "u"), "listpack");
  await t.run("COPY", "z", "zc");
  assert.deepEqual(await t.run("ZRANGE", "zc", 0, -1, "WITHSCORES"), ["e", "5"]);
  assert.equal(await t.run("OBJECT", "ENCODING", "zc"), "skiplist");
});

Deno.test("zsets: a big set keeps order through many adds, updates and pops", async () => {
  await using t = new InProcess();
  const model = new Map<string, number>();
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 3000; i++) {
    const m = `m${rand(1000)}`;
    const s = rand(500) - 250;
    await t.run("ZADD", "z", s, m);
    model.set(m, s);
  }
  const sorted = [...model].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  assert.equal(await t.run("ZCARD", "z"), sorted.length);
  assert.deepEqual(await t.run("ZRANGE", "z", 0, 9), sorted.slice(0, 10).map((e) => e[0]));
  const mid = sorted.length >> 1;
  const [m, s] = sorted[mid]!;
  assert.equal(await t.run("ZRANK", "z", m), mid);
  assert.equal(await t.run("ZSCORE", "z", m), String(s));
  assert.equal(
    await t.run("ZCOUNT", "z", "-10", "(10"),
    sorted.filter((e) => e[1] >= -10 && e[1] < 10).length,
  );
  const popped = await t.run("ZPOPMAX", "z", 3) as string[];
  assert.deepEqual(
    popped.filter((_, i) => i % 2 === 0),
    sorted.slice(-3).reverse().map((e) => e[0]),
  );
});

Deno.test("zsets: writes publish Redis's keyspace events", async () => {
  await using t = new InProcess({ "notify-keyspace-events": "KEA" });
  const sub = t.client();
  await t.runAs(sub, "PSUBSCRIBE", "__keyevent@0__:*");
  const events = async (...cmd: (string | number)[]) => {
    drain(sub);
    await t.run(...cmd);
    return drain(sub).map((m) => (m as RespValue[])[2]);
  };
  assert.deepEqual(await events("ZADD", "z", 1, "a", 2, "b", 3, "c"), ["__keyevent@0__:zadd"]);
  assert.deepEqual(await events("ZADD", "z", "NX", 1, "a"), []);
  assert.deepEqual(await events("ZINCRBY", "z", 1, "a"), ["__keyevent@0__:zincr"]);
  assert.deepEqual(await events("ZREM", "z", "nope"), []);
  assert.deepEqual(await events("ZREM", "z", "a"), ["__keyevent@0__:zrem"]);
  assert.deepEqual(await events("ZREMRANGEBYSCORE", "z", 2, 2), [
    "__keyevent@0__:zremrangebyscore",
  ]);
  assert.deepEqual(await events("ZPOPMIN", "z"), [
    "__keyevent@0__:zpopmin",
    "__keyevent@0__:del",
  ]);
  await t.run("ZADD", "s", 1, "a");
  assert.deepEqual(await events("ZUNIONSTORE", "d", 1, "s"), ["__keyevent@0__:zunionstore"]);
  assert.deepEqual(await events("ZINTERSTORE", "d", 2, "s", "nokey"), ["__keyevent@0__:del"]);
  assert.deepEqual(await events("ZRANGESTORE", "d", "s", 0, -1), ["__keyevent@0__:zrangestore"]);
  assert.deepEqual(await events("ZDIFFSTORE", "d", 1, "s"), ["__keyevent@0__:zdiffstore"]);
  assert.deepEqual(await events("ZREMRANGEBYRANK", "s", 0, -1), [
    "__keyevent@0__:zremrangebyrank",
    "__keyevent@0__:del",
  ]);
});

Deno.test("zsets: a write invalidates WATCH; a no-op does not", async () => {
  await using t = new InProcess();
  const other = t.client();
  await t.run("ZADD", "z", 1, "a");
  await t.run("WATCH", "z");
  await t.runAs(other, "ZADD", "z", "NX", 5, "a");
  await t.run("MULTI");
  await t.run("ZCARD", "z");
  assert.deepEqual(await t.run("EXEC"), [1]);
  await t.run("WATCH", "z");
  await t.runAs(other, "ZINCRBY", "z", 1, "a");
  await t.run("MULTI");
  await t.run("ZCARD", "z");
  assert.equal(await t.run("EXEC"), null);
});

Deno.test("zsets: BZPOPMIN waits for a ZADD from another client", async () => {
  await using t = new InProcess();
  const waiter = t.client();
  const pending = t.runAs(waiter, "BZPOPMIN", "q1", "q2", 0);
  await t.run("ZADD", "q2", 3, "c", 1, "a");
  assert.deepEqual(await pending, ["q2", "a", "1"]);
  assert.deepEqual(await t.run("ZRANGE", "q2", 0, -1), ["c"]);
});

Deno.test("zsets: BZPOPMAX and BZMPOP wake in arrival order and time out with nil", async () => {
  await using t = new InProcess();
  const first = t.client();
  const second = t.client();
  const p1 = t.runAs(first, "BZPOPMAX", "q", 0);
  const p2 = t.runAs(second, "BZMPOP", 0, 1, "q", "MIN", "COUNT", 5);
  await t.run("ZADD", "q", 1, "a", 2, "b", 3, "c");
  assert.deepEqual(await p1, ["q", "c", "3"]);
  assert.deepEqual(await p2, ["q", [["a", "1"], ["b", "2"]]]);
  assert.equal(await t.run("EXISTS", "q"), 0);
  assert.equal(await t.runAs(first, "BZPOPMIN", "q", 0.05), null);
  assert.equal(await t.runAs(second, "BZMPOP", 0.05, 1, "q", "MAX"), null);
});

Deno.test("zsets: a blocked pop is not served by a key of another type", async () => {
  await using t = new InProcess();
  const waiter = t.client();
  const pending = t.runAs(waiter, "BZPOPMIN", "q", 0.2);
  await t.run("SET", "q", "x");
  await t.run("DEL", "q");
  await t.run("ZADD", "q", 1, "a");
  assert.deepEqual(await pending, ["q", "a", "1"]);
});

Deno.test("zsets: ZRANDMEMBER picks distinct members for a positive count", async () => {
  await using t = new InProcess();
  const args: (string | number)[] = ["ZADD", "z"];
  for (let i = 0; i < 50; i++) args.push(i, `m${i}`);
  await t.run(...args);
  for (const n of [1, 5, 20, 49]) {
    const got = await t.run("ZRANDMEMBER", "z", n) as string[];
    assert.equal(got.length, n);
    assert.equal(new Set(got).size, n);
  }
  const rep = await t.run("ZRANDMEMBER", "z", -200, "WITHSCORES") as string[];
  assert.equal(rep.length, 400);
  for (let i = 0; i < rep.length; i += 2) assert.equal(rep[i], `m${rep[i + 1]}`);
  assert.match(await t.run("ZRANDMEMBER", "z") as string, /^m\d+$/);
});
