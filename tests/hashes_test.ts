// In-process tests of the hash commands: encodings and their thresholds (CONFIG SET applies to
// later writes), what writes report (touched keys, keyspace events, the dirty counter), and big
// hashes. Reply-for-reply agreement with redis-server is hashes_diff_test.ts's job.
import assert from "node:assert/strict";
import { InProcess, RespError } from "./_harness.ts";
import { NOTIFY_GENERIC, NOTIFY_HASH } from "../src/server/notify.ts";

/** Records what commands report: touches and keyspace events. */
function record(t: InProcess): { touched: string[]; events: string[] } {
  const log = { touched: [] as string[], events: [] as string[] };
  t.server.touch = (db, key) => void log.touched.push(`${db}:${key}`);
  t.server.notify = (cls, event, key, db) => {
    const kind = cls === NOTIFY_HASH ? "h" : cls === NOTIFY_GENERIC ? "g" : String(cls);
    log.events.push(`${kind}:${event}:${key}@${db}`);
  };
  return log;
}

Deno.test("hashes: OBJECT ENCODING follows the listpack limits, CONFIG SET included", async () => {
  await using t = new InProcess();
  await t.run("HSET", "a", "f", "v");
  assert.equal(await t.run("OBJECT", "ENCODING", "a"), "listpack");
  assert.equal(await t.run("CONFIG", "SET", "hash-max-listpack-entries", "2"), "OK");
  await t.run("HSET", "b", "f1", "1", "f2", "2");
  assert.equal(await t.run("OBJECT", "ENCODING", "b"), "listpack");
  await t.run("HSET", "b", "f3", "3");
  assert.equal(await t.run("OBJECT", "ENCODING", "b"), "hashtable");
  // An existing listpack converts on its next write past the new limit.
  await t.run("HSET", "a", "g", "1", "h", "2");
  assert.equal(await t.run("OBJECT", "ENCODING", "a"), "hashtable");
  await t.run("HDEL", "b", "f1", "f2");
  assert.equal(await t.run("OBJECT", "ENCODING", "b"), "hashtable");

  await t.run("CONFIG", "SET", "hash-max-listpack-entries", "128");
  await t.run("CONFIG", "SET", "hash-max-listpack-value", "3");
  await t.run("HSET", "c", "abc", "xyz");
  assert.equal(await t.run("OBJECT", "ENCODING", "c"), "listpack");
  await t.run("HSET", "d", "abcd", "x");
  assert.equal(await t.run("OBJECT", "ENCODING", "d"), "hashtable");
  await t.run("HSET", "e", "a", "1");
  await t.run("HINCRBY", "e", "a", "1000");
  assert.equal(await t.run("OBJECT", "ENCODING", "e"), "hashtable");
  await t.run("CONFIG", "SET", "hash-max-ziplist-value", "64");
  await t.run("HSET", "f", "abcd", "x");
  assert.equal(await t.run("OBJECT", "ENCODING", "f"), "listpack");
});

Deno.test("hashes: writes report touched keys, events and changes", async () => {
  await using t = new InProcess();
  const log = record(t);
  const dirty = () => t.server.dirty;
  let before = dirty();
  assert.equal(await t.run("HSET", "h", "a", "1", "b", "2"), 2);
  assert.equal(dirty() - before, 2);
  before = dirty();
  assert.equal(await t.run("HSET", "h", "a", "1"), 0);
  assert.equal(dirty() - before, 1, "an update still counts, as in Redis");
  assert.equal(await t.run("HSETNX", "h", "a", "9"), 0);
  assert.equal(await t.run("HDEL", "h", "zz"), 0);
  assert.ok(await t.run("HINCRBY", "h", "a", "x") instanceof RespError);
  assert.equal(await t.run("HINCRBY", "h", "n", "2"), 2);
  assert.equal(await t.run("HINCRBYFLOAT", "h", "n", "0.5"), "2.5");
  assert.equal(await t.run("HSETNX", "h", "c", "3"), 1);
  assert.equal(await t.run("HMSET", "h", "d", "4"), "OK");
  assert.equal(await t.run("HDEL", "h", "a", "b", "c", "d", "n"), 5);
  assert.equal(await t.run("EXISTS", "h"), 0);
  assert.deepEqual(log.events, [
    "h:hset:h@0",
    "h:hset:h@0",
    "h:hincrby:h@0",
    "h:hincrbyfloat:h@0",
    "h:hset:h@0",
    "h:hset:h@0",
    "h:hdel:h@0",
    "g:del:h@0",
  ]);
  assert.equal(log.touched.length, log.events.length - 1);
  assert.ok(log.touched.every((k) => k === "0:h"));
});

Deno.test("hashes: a failed write reports nothing", async () => {
  await using t = new InProcess();
  await t.run("HSET", "h", "s", "abc", "big", "9223372036854775807");
  await t.run("SET", "str", "v");
  const log = record(t);
  const before = t.server.dirty;
  for (
    const cmd of [
      ["HINCRBY", "h", "s", "1"],
      ["HINCRBY", "h", "big", "1"],
      ["HINCRBYFLOAT", "h", "s", "1"],
      ["HINCRBYFLOAT", "h", "x", "inf"],
      ["HSET", "str", "a", "1"],
      ["HSET", "h", "a"],
      ["HDEL", "nokey", "a"],
      ["HSETNX", "h", "s", "x"],
    ]
  ) await t.run(...cmd);
  assert.equal(t.server.dirty, before);
  assert.deepEqual(log, { touched: [], events: [] });
});

Deno.test("hashes: RESP3 replies a map for HGETALL and pairs for HRANDFIELD WITHVALUES", async () => {
  await using t = new InProcess();
  await t.run("HELLO", "3");
  await t.run("HSET", "h", "a", "1", "b", "2");
  assert.deepEqual(await t.run("HGETALL", "h"), new Map([["a", "1"], ["b", "2"]]));
  assert.deepEqual(await t.run("HGETALL", "nokey"), new Map());
  assert.deepEqual(await t.run("HRANDFIELD", "h", "2", "WITHVALUES"), [["a", "1"], ["b", "2"]]);
  const picks = await t.run("HRANDFIELD", "h", "-3", "WITHVALUES") as string[][];
  assert.equal(picks.length, 3);
  for (const p of picks) assert.ok(p[0] === "a" ? p[1] === "1" : p[0] === "b" && p[1] === "2");
  assert.equal(await t.run("HRANDFIELD", "nokey"), null);
});

Deno.test("hashes: a big hash keeps every field, HSCAN visits them all", async () => {
  await using t = new InProcess();
  const N = 20000;
  for (let i = 0; i < N; i += 500) {
    const args: string[] = ["HSET", "big"];
    for (let j = i; j < i + 500; j++) args.push(`f${j}`, `v${j}`);
    assert.equal(await t.run(...args), 500);
  }
  assert.equal(await t.run("HLEN", "big"), N);
  assert.equal(await t.run("OBJECT", "ENCODING", "big"), "hashtable");
  assert.equal(await t.run("HGET", "big", "f12345"), "v12345");
  const seen = new Set<string>();
  let cursor = "0";
  let calls = 0;
  do {
    const [next, items] = await t.run("HSCAN", "big", cursor, "COUNT", "100") as [string, string[]];
    for (let i = 0; i < items.length; i += 2) {
      assert.equal(items[i + 1], `v${items[i]!.slice(1)}`);
      seen.add(items[i]!);
    }
    // Writes during the scan: fields present throughout must still be returned.
    if (calls++ % 10 === 0) await t.run("HSET", "big", `new${calls}`, "x");
    cursor = next;
  } while (cursor !== "0");
  for (let j = 0; j < N; j++) assert.ok(seen.has(`f${j}`), `f${j} missed`);
  assert.ok(calls > 50, `COUNT bounds each call (${calls} calls)`);
  const [, matched] = await t.run("HSCAN", "big", "0", "MATCH", "f1999*", "COUNT", "100000") as [
    string,
    string[],
  ];
  assert.deepEqual(matched.filter((_, i) => i % 2 === 0).sort(), [
    "f1999",
    "f19990",
    "f19991",
    "f19992",
    "f19993",
    "f19994",
    "f19995",
    "f19996",
    "f19997",
    "f19998",
    "f19999",
  ]);
  const fields = new Set(await t.run("HKEYS", "big") as string[]);
  assert.ok(fields.size >= N);
  for (let j = 0; j < N; j += 2) await t.run("HDEL", "big", `f${j}`);
  assert.equal(await t.run("HEXISTS", "big", "f2"), 0);
  assert.equal(await t.run("HEXISTS", "big", "f3"), 1);
  const r = await t.run("HRANDFIELD", "big") as string;
  assert.equal(await t.run("HEXISTS", "big", r), 1);
});

Deno.test("hashes: listpack fields longer than 127 bytes survive edits", async () => {
  await using t = new InProcess();
  await t.run("CONFIG", "SET", "hash-max-listpack-value", "1000");
  const long = "x".repeat(300);
  await t.run("HSET", "h", "a", long, long, "b", "c", "1");
  assert.equal(await t.run("OBJECT", "ENCODING", "h"), "listpack");
  assert.equal(await t.run("HGET", "h", long), "b");
  assert.equal(await t.run("HSTRLEN", "h", "a"), 300);
  await t.run("HSET", "h", "a", "short");
  await t.run("HSET", "h", long, long);
  assert.deepEqual(await t.run("HGETALL", "h"), ["a", "short", long, long, "c", "1"]);
  await t.run("HDEL", "h", long);
  assert.deepEqual(await t.run("HGETALL", "h"), ["a", "short", "c", "1"]);
});

Deno.test("hashes: COPY and MEMORY USAGE see hash values", async () => {
  await using t = new InProcess();
  await t.run("HSET", "h", "a", "1");
  assert.equal(await t.run("COPY", "h", "h2"), 1);
  await t.run("HSET", "h2", "a", "2");
  assert.equal(await t.run("HGET", "h", "a"), "1");
  assert.equal(await t.run("TYPE", "h2"), "hash");
  const usage = await t.run("MEMORY", "USAGE", "h");
  assert.ok(typeof usage === "number" && usage > 0);
});
