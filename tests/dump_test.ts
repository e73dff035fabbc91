// DUMP and RESTORE against a real redis-server 7.0: payloads cross both ways for every type and
// encoding with the values compared after, every RESTORE error and option is a differential,
// and a DUMP → RESTORE round trip inside hakv keeps the TTL with ABSTTL.
import assert from "node:assert/strict";
import { Crc64 } from "../src/server/persistence/crc64.ts";
import { DiffPair } from "./_diff.ts";
import { requireTool, type RespClient, waitFor } from "./_harness.ts";

type Kind = "string" | "list" | "set" | "hash" | "zset";

/** The keys and how to fill them: one per type and encoding Redis 7.0 has. */
function dataset(): [string, Kind, (string | number)[][]][] {
  const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
  const big = "x".repeat(300) + "\x00\xff\r\n";
  return [
    ["s:int", "string", [["SET", "s:int", "12345"]]],
    ["s:neg", "string", [["SET", "s:neg", "-2147483648"]]],
    ["s:raw", "string", [["SET", "s:raw", "hello \x00\xff world"]]],
    ["s:lzf", "string", [["SET", "s:lzf", "abc".repeat(200)]]],
    ["s:empty", "string", [["SET", "s:empty", ""]]],
    ["l:small", "list", [["RPUSH", "l:small", "a", "1", "-7", "b\x00c"]]],
    ["l:big", "list", [["RPUSH", "l:big", ...many(400, (i) => `item${i}`), big]]],
    ["st:int", "set", [["SADD", "st:int", "1", "2", "-30", "65536", "9223372036854775807"]]],
    ["st:big", "set", [["SADD", "st:big", ...many(700, (i) => `m${i}`)]]],
    ["h:small", "hash", [["HSET", "h:small", "f1", "v1", "f2", "22", "\x00", "\xff"]]],
    ["h:big", "hash", [["HSET", "h:big", ...many(300, (i) => i % 2 ? `v${i}` : `f${i}`)]]],
    ["h:long", "hash", [["HSET", "h:long", "f", big]]],
    ["z:small", "zset", [["ZADD", "z:small", "1", "a", "-2.5", "b", "inf", "c", "0", "d"]]],
    ["z:big", "zset", [["ZADD", "z:big", ...many(600, (i) => i % 2 ? `m${i}` : `${i / 3}`)]]],
    ["z:long", "zset", [["ZADD", "z:long", "3.14159", big]]],
  ];
}

/** A type's contents in a comparable order. */
async function contents(c: RespClient, key: string, kind: Kind): Promise<unknown> {
  switch (kind) {
    case "string":
      return await c.call("GET", key);
    case "list":
      return await c.call("LRANGE", key, 0, -1);
    case "set":
      return [...(await c.call("SMEMBERS", key)) as string[]].sort();
    case "hash": {
      const flat = (await c.call("HGETALL", key)) as string[];
      const pairs: string[] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
      return pairs.sort();
    }
    case "zset":
      return await c.call("ZRANGE", key, 0, -1, "WITHSCORES");
  }
}

async function fill(c: RespClient): Promise<void> {
  for (const [, , cmds] of dataset()) for (const cmd of cmds) await c.call(...cmd);
}

Deno.test({
  name: "DUMP payloads cross between redis-server and hakv for every type and encoding",
  ignore: !requireTool("redis-server"),
  async fn() {
    await using pair = await DiffPair.start();
    await pair.same("FLUSHALL");
    await fill(pair.redis);
    await fill(pair.hakv);
    for (const [key, kind] of dataset()) {
      const expected = await contents(pair.redis, key, kind);
      assert.deepEqual(await contents(pair.hakv, key, kind), expected, key);
      // redis → hakv
      const fromRedis = await pair.redis.call("DUMP", key);
      assert.equal(typeof fromRedis, "string", key);
      assert.equal(await pair.hakv.call("RESTORE", `r:${key}`, 0, fromRedis as string), "OK", key);
      assert.deepEqual(await contents(pair.hakv, `r:${key}`, kind), expected, `redis→hakv ${key}`);
      assert.equal(await pair.hakv.call("TYPE", `r:${key}`), kind, key);
      // hakv → redis
      const fromHakv = await pair.hakv.call("DUMP", key);
      assert.equal(typeof fromHakv, "string", key);
      assert.equal(await pair.redis.call("RESTORE", `h:${key}`, 0, fromHakv as string), "OK", key);
      assert.deepEqual(await contents(pair.redis, `h:${key}`, kind), expected, `hakv→redis ${key}`);
      // What hakv restores gets the encoding Redis gives the same contents.
      await pair.same(["OBJECT", "ENCODING", key]);
    }
    await pair.same("DUMP nosuchkey");
  },
});

Deno.test({
  name: "RESTORE errors and options match redis-server",
  ignore: !requireTool("redis-server"),
  async fn() {
    await using pair = await DiffPair.start();
    await pair.same("FLUSHALL");
    await pair.same("SET src 123");
    await pair.same("RPUSH lsrc a b c");
    const p = (await pair.redis.call("DUMP", "src")) as string;
    const lp = (await pair.redis.call("DUMP", "lsrc")) as string;
    const flip = (s: string, at: number) =>
      s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ 1) + s.slice(at + 1);
    const n = p.length;
    const cases: (string | number)[][] = [
      ["RESTORE", "src", 0, p],
      ["RESTORE", "n", -1, p],
      ["RESTORE", "n", "x", p],
      ["RESTORE", "n", "1.5", p],
      ["RESTORE", "n", 0, "abc"],
      ["RESTORE", "n", 0, ""],
      ["RESTORE", "n", 0, flip(p, n - 1)],
      ["RESTORE", "n", 0, flip(p, 0)],
      ["RESTORE", "n", 0, flip(p, n - 10)], // version 11
      ["RESTORE", "n", 0, p, "BOGUS"],
      ["RESTORE", "n", 0, p, "IDLETIME"],
      ["RESTORE", "n", 0, p, "IDLETIME", "-1"],
      ["RESTORE", "n", 0, p, "IDLETIME", "x"],
      ["RESTORE", "n", 0, p, "FREQ", "256"],
      ["RESTORE", "n", 0, p, "FREQ", "-1"],
      ["RESTORE", "n", 0, p, "FREQ", "x"],
      ["RESTORE", "n", 0, p, "FREQ"],
      ["RESTORE", "n", 0, p, "IDLETIME", "1", "FREQ", "1"],
      ["RESTORE", "n", 0, p, "FREQ", "1", "IDLETIME", "1"],
      ["RESTORE", "n", "x", p, "BOGUS"], // options are checked before the TTL
      ["RESTORE", "n", -1, p, "FREQ", "300"],
      ["RESTORE", "src", 0, "bad", "FREQ", "300"],
      ["RESTORE", "src", 0, "bad"], // BUSYKEY before the payload check
      ["RESTORE", "src", 0, "bad", "REPLACE"],
      ["GET", "src"],
      ["RESTORE", "n", 0, p, "IDLETIME", "100"],
      ["GET", "n"],
      ["RESTORE", "n2", 0, p, "FREQ", "255", "replace", "absttl"],
      ["GET", "n2"],
      ["RESTORE", "src", 0, lp, "REPLACE"],
      ["TYPE", "src"],
      ["LRANGE", "src", 0, -1],
      ["RESTORE", "t", 100000, p],
      ["TTL", "t"],
      ["RESTORE", "past", 1, p, "ABSTTL"], // a TTL already past creates nothing
      ["EXISTS", "past"],
      ["RESTORE", "src", 1, p, "ABSTTL", "REPLACE"], // ...and deletes what it would replace
      ["EXISTS", "src"],
      ["RESTORE", "src2", 1, p, "ABSTTL", "REPLACE"],
      ["EXISTS", "src2"],
      ["RESTORE", "w", 0, "\x00\x01a"],
      ["RESTORE", "w", 0, "\x01\x00" + "\x0a\x00" + "\x00".repeat(8)],
      ["SET", "k", "v"],
      ["RESTORE", "k", 0, p, "REPLACE"],
      ["GET", "k"],
      ["DUMP", "nosuch"],
    ];
    for (const c of cases) await pair.same(c);
    // A short string dumps to the same bytes on both.
    await pair.same(["SET", "e", "x"]);
    await pair.same(["DUMP", "e"]);
    // Bad bodies (empty collections, a stream type, truncation) with a right footer.
    for (const body of ["\x01\x00", "\x02\x00", "\x04\x00", "\x05\x00", "\x0f\x00", "\x00"]) {
      const payload = withFooter(body);
      await pair.same(["RESTORE", "bad", 0, payload]);
    }
  },
});

/** `body` followed by RDB version 10 and the right CRC-64. */
function withFooter(body: string): string {
  const bytes = new Uint8Array(body.length + 10);
  for (let i = 0; i < body.length; i++) bytes[i] = body.charCodeAt(i);
  bytes[body.length] = 10;
  new Crc64().update(bytes.subarray(0, body.length + 2)).writeLE(bytes, body.length + 2);
  return String.fromCharCode(...bytes);
}

Deno.test({
  name: "DUMP → RESTORE in hakv keeps the TTL with ABSTTL; keyspace events match redis",
  ignore: !requireTool("redis-server"),
  async fn() {
    await using pair = await DiffPair.start();
    const h = pair.hakv;
    await h.call("SET", "k", "v", "PX", 50000);
    const at = (await h.call("PEXPIRETIME", "k")) as number;
    const payload = (await h.call("DUMP", "k")) as string;
    assert.equal(await h.call("RESTORE", "k2", at, payload, "ABSTTL"), "OK");
    assert.equal(await h.call("PEXPIRETIME", "k2"), at);
    assert.equal(await h.call("GET", "k2"), "v");
    assert.equal(await h.call("RESTORE", "k3", 0, payload), "OK");
    assert.equal(await h.call("TTL", "k3"), -1);
    // Keyspace events: "restore", and "del" when a past TTL removes the replaced key.
    for (const c of [pair.redis, pair.hakv]) {
      await c.call("CONFIG", "SET", "notify-keyspace-events", "KEA");
    }
    const events = async (c: RespClient): Promise<string[][]> => {
      const sub = c === pair.redis ? await pair.redisProc.client() : await pair.hakvProc.client();
      // RESP3, so event messages arrive as pushes, handed to onPush as they come.
      await sub.call("HELLO", 3);
      const out: string[][] = [];
      let subscribed = false;
      sub.onPush = (items) => {
        if (items[0] === "pmessage") out.push([String(items[2]), String(items[3])]);
        else if (items[0] === "psubscribe") subscribed = true;
      };
      // The confirmation is a push too: wait for it before causing events.
      sub.call("PSUBSCRIBE", "__keyevent@0__:*").catch(() => {});
      await waitFor(() => subscribed);
      await c.call("SET", "x", "1");
      const p = (await c.call("DUMP", "x")) as string;
      await c.call("RESTORE", "y", 0, p);
      await c.call("RESTORE", "y", 0, p, "REPLACE");
      await c.call("RESTORE", "y", 1, p, "REPLACE", "ABSTTL");
      await c.call("RESTORE", "z", 1, p, "ABSTTL");
      await c.call("SET", "end", "1");
      await waitFor(() => out.some((e) => e[1] === "end"));
      sub.close();
      return out;
    };
    assert.deepEqual(await events(pair.hakv), await events(pair.redis));
  },
});
