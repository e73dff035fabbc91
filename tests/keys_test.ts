// In-process tests of the generic keyspace commands (expiry has tests/expire_test.ts), and
// spawned-server tests of KEYS against hostile patterns.
import assert from "node:assert/strict";
import { InProcess, RespError, type RespValue, spawnHakv } from "./_harness.ts";
import { MutableString } from "../src/engine/values.ts";

async function expectError(reply: Promise<RespValue>, message: string): Promise<void> {
  const r = await reply;
  assert.ok(r instanceof RespError, `expected error ${message}, got ${JSON.stringify(r)}`);
  assert.equal(r.message, message);
}

function sorted(v: RespValue): string[] {
  assert.ok(Array.isArray(v), `expected an array, got ${JSON.stringify(v)}`);
  return (v as string[]).slice().sort();
}

/** Every key a full SCAN returns (as a set), with extra arguments after the cursor. */
async function scanAll(s: InProcess, ...options: (string | number)[]): Promise<Set<string>> {
  const seen = new Set<string>();
  let cursor = "0";
  let calls = 0;
  do {
    const r = await s.run("SCAN", cursor, ...options) as [string, string[]];
    cursor = r[0];
    for (const k of r[1]) seen.add(k);
    if (++calls > 100_000) throw new Error("SCAN did not finish");
  } while (cursor !== "0");
  return seen;
}

const SAME = "ERR source and destination objects are the same";

// --- DEL, UNLINK, EXISTS, TOUCH, TYPE --------------------------------------------------------

Deno.test("DEL and UNLINK count the keys removed, once each", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  await s.run("SET", "b", "2");
  assert.equal(await s.run("DEL", "a", "a", "missing"), 1);
  assert.equal(await s.run("EXISTS", "a"), 0);
  assert.equal(await s.run("UNLINK", "b", "b"), 1);
  assert.equal(await s.run("UNLINK", "b"), 0);
  await expectError(s.run("DEL"), "ERR wrong number of arguments for 'del' command");
  await expectError(s.run("UNLINK"), "ERR wrong number of arguments for 'unlink' command");
});

Deno.test("EXISTS and TOUCH count every argument, duplicates included", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  assert.equal(await s.run("EXISTS", "a", "a", "a", "nope"), 3);
  assert.equal(await s.run("TOUCH", "a", "nope", "a"), 2);
  assert.equal(await s.run("EXISTS", "nope"), 0);
  await expectError(s.run("EXISTS"), "ERR wrong number of arguments for 'exists' command");
  await expectError(s.run("TOUCH"), "ERR wrong number of arguments for 'touch' command");
});

Deno.test("EXISTS, TOUCH, TYPE, TTL and OBJECT count keyspace hits and misses", async () => {
  await using s = new InProcess();
  const ks = s.server.keyspace;
  await s.run("SET", "a", "1");
  const before = [ks.hits, ks.misses];
  await s.run("EXISTS", "a", "x");
  await s.run("TOUCH", "a", "x");
  await s.run("TYPE", "a");
  await s.run("TTL", "x");
  await s.run("OBJECT", "ENCODING", "a");
  assert.deepEqual([ks.hits - before[0]!, ks.misses - before[1]!], [4, 3]);
  // Writes look keys up without counting.
  const mid = [ks.hits, ks.misses];
  await s.run("RENAME", "a", "b");
  await s.run("EXPIRE", "b", "100");
  await s.run("PERSIST", "b");
  await s.run("MOVE", "b", "1");
  assert.deepEqual([ks.hits, ks.misses], mid);
});

Deno.test("TYPE names the value's type, or none", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  assert.equal(await s.run("TYPE", "a"), "string");
  assert.equal(await s.run("TYPE", "missing"), "none");
  await expectError(s.run("TYPE"), "ERR wrong number of arguments for 'type' command");
  await expectError(s.run("TYPE", "a", "b"), "ERR wrong number of arguments for 'type' command");
});

// --- KEYS ------------------------------------------------------------------------------------

Deno.test("KEYS returns the keys matching a glob pattern", async () => {
  await using s = new InProcess();
  for (const k of ["foo", "foobar", "fxo", "bar", "f*o", ""]) await s.run("SET", k, "v");
  assert.deepEqual(sorted(await s.run("KEYS", "*")), ["", "bar", "f*o", "foo", "foobar", "fxo"]);
  assert.deepEqual(sorted(await s.run("KEYS", "f?o")), ["f*o", "foo", "fxo"]);
  assert.deepEqual(sorted(await s.run("KEYS", "f[ox]o")), ["foo", "fxo"]);
  assert.deepEqual(sorted(await s.run("KEYS", "f\\*o")), ["f*o"]);
  assert.deepEqual(sorted(await s.run("KEYS", "foo*")), ["foo", "foobar"]);
  // Literal patterns match only themselves; the empty pattern matches the empty key.
  assert.deepEqual(await s.run("KEYS", "foo"), ["foo"]);
  assert.deepEqual(await s.run("KEYS", ""), [""]);
  assert.deepEqual(await s.run("KEYS", "nothing"), []);
  // `**` is not the `*` shortcut: like Redis, it does not match the empty key.
  assert.deepEqual(sorted(await s.run("KEYS", "**")), ["bar", "f*o", "foo", "foobar", "fxo"]);
  await expectError(s.run("KEYS"), "ERR wrong number of arguments for 'keys' command");
});

Deno.test("KEYS sees only the selected database", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  await s.run("SELECT", "3");
  await s.run("SET", "b", "1");
  assert.deepEqual(await s.run("KEYS", "*"), ["b"]);
  await s.run("SELECT", "0");
  assert.deepEqual(await s.run("KEYS", "*"), ["a"]);
});

Deno.test("KEYS with many keys across shards returns each once", async () => {
  await using s = new InProcess({ shards: "8" });
  for (let i = 0; i < 2000; i++) await s.run("SET", `user:${i}`, "v");
  for (let i = 0; i < 100; i++) await s.run("SET", `other:${i}`, "v");
  const users = await s.run("KEYS", "user:*") as string[];
  assert.equal(users.length, 2000);
  assert.equal(new Set(users).size, 2000);
  assert.equal((await s.run("KEYS", "user:1??") as string[]).length, 100);
});

// --- SCAN ------------------------------------------------------------------------------------

Deno.test("SCAN visits every key once over a full iteration", async () => {
  await using s = new InProcess({ shards: "4" });
  for (let i = 0; i < 1000; i++) await s.run("SET", `k${i}`, "v");
  let cursor = "0";
  const seen: string[] = [];
  do {
    const r = await s.run("SCAN", cursor) as [string, string[]];
    assert.ok(r[1].length <= 10);
    cursor = r[0];
    seen.push(...r[1]);
  } while (cursor !== "0");
  assert.equal(seen.length, 1000);
  assert.equal(new Set(seen).size, 1000);
});

Deno.test("SCAN COUNT sets the work per call", async () => {
  await using s = new InProcess({ shards: "1" });
  for (let i = 0; i < 100; i++) await s.run("SET", `k${i}`, "v");
  const r = await s.run("SCAN", "0", "COUNT", "25") as [string, string[]];
  assert.equal(r[1].length, 25);
  const all = await s.run("SCAN", "0", "COUNT", "1000") as [string, string[]];
  assert.equal(all[0], "0");
  assert.equal(all[1].length, 100);
});

Deno.test("SCAN MATCH and TYPE filter the keys returned", async () => {
  await using s = new InProcess();
  for (let i = 0; i < 50; i++) await s.run("SET", `a:${i}`, "v");
  for (let i = 0; i < 50; i++) await s.run("SET", `b:${i}`, "v");
  assert.equal((await scanAll(s, "MATCH", "a:*")).size, 50);
  assert.equal((await scanAll(s, "MATCH", "a:1*", "COUNT", "7")).size, 11);
  assert.equal((await scanAll(s, "TYPE", "string")).size, 100);
  // The type name is compared without case; an unknown one matches nothing.
  assert.equal((await scanAll(s, "type", "STRING")).size, 100);
  assert.equal((await scanAll(s, "TYPE", "list")).size, 0);
  assert.equal((await scanAll(s, "TYPE", "none")).size, 0);
  assert.equal((await scanAll(s, "TYPE", "nosuchtype")).size, 0);
  // Options may repeat; the last one wins.
  assert.equal((await scanAll(s, "MATCH", "a:*", "MATCH", "b:4*")).size, 11);
});

Deno.test("SCAN refuses bad cursors and options with Redis's errors", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  await expectError(s.run("SCAN", "x"), "ERR invalid cursor");
  await expectError(s.run("SCAN", " 0"), "ERR invalid cursor");
  await expectError(s.run("SCAN", "1.5"), "ERR invalid cursor");
  await expectError(s.run("SCAN", "18446744073709551616"), "ERR invalid cursor");
  // The cursor is checked before the options.
  await expectError(s.run("SCAN", "x", "COUNT", "0"), "ERR invalid cursor");
  await expectError(s.run("SCAN", "0", "COUNT", "0"), "ERR syntax error");
  await expectError(s.run("SCAN", "0", "COUNT", "-1"), "ERR syntax error");
  await expectError(
    s.run("SCAN", "0", "COUNT", "ten"),
    "ERR value is not an integer or out of range",
  );
  await expectError(s.run("SCAN", "0", "COUNT"), "ERR syntax error");
  await expectError(s.run("SCAN", "0", "MATCH"), "ERR syntax error");
  await expectError(s.run("SCAN", "0", "TYPE"), "ERR syntax error");
  await expectError(s.run("SCAN", "0", "FOO", "bar"), "ERR syntax error");
  await expectError(s.run("SCAN"), "ERR wrong number of arguments for 'scan' command");
});

Deno.test("SCAN accepts every cursor strtoul does", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  for (const c of ["", "+0", "-0", "00"]) assert.deepEqual(await s.run("SCAN", c), ["0", ["a"]]);
  // Far-off cursors name no segment: the iteration is over, as in Redis on a small db.
  assert.deepEqual(await s.run("SCAN", "-1"), ["0", []]);
  assert.deepEqual(await s.run("SCAN", "18446744073709551615"), ["0", []]);
});

Deno.test("SCAN returns keys present throughout while others are added and deleted", async () => {
  await using s = new InProcess({ shards: "4" });
  for (let i = 0; i < 500; i++) await s.run("SET", `stable:${i}`, "v");
  let n = 0;
  const live: string[] = [];
  const seen = new Set<string>();
  let cursor = "0";
  do {
    const r = await s.run("SCAN", cursor, "COUNT", "7") as [string, string[]];
    cursor = r[0];
    for (const k of r[1]) seen.add(k);
    // Twenty writes between calls: more than the scan reads, so the keyspace keeps growing.
    for (let j = 0; j < 20; j++) {
      if (j % 3 === 2 && live.length > 0) await s.run("DEL", live.shift()!);
      else {
        const k = `churn:${n++}`;
        live.push(k);
        await s.run("SET", k, "v");
      }
    }
  } while (cursor !== "0");
  for (let i = 0; i < 500; i++) assert.ok(seen.has(`stable:${i}`), `stable:${i} was skipped`);
});

Deno.test("SCAN survives FLUSHDB, SELECT and a cursor reused", async () => {
  await using s = new InProcess({ shards: "2" });
  for (let i = 0; i < 100; i++) await s.run("SET", `k${i}`, "v");
  const first = await s.run("SCAN", "0") as [string, string[]];
  await s.run("FLUSHDB");
  await s.run("SET", "after", "v");
  let cursor = first[0];
  const seen = new Set<string>();
  do {
    const r = await s.run("SCAN", cursor) as [string, string[]];
    for (const k of r[1]) seen.add(k);
    cursor = r[0];
  } while (cursor !== "0");
  assert.ok(seen.has("after"));
  for (const k of seen) assert.equal(await s.run("EXISTS", k), 1);
  // The same cursor twice: both continuations work (keys may repeat, none is lost).
  for (let i = 0; i < 100; i++) await s.run("SET", `k${i}`, "v");
  const a = await s.run("SCAN", "0") as [string, string[]];
  const seenA = new Set(a[1]);
  const seenB = new Set(a[1]);
  for (const seenX of [seenA, seenB]) {
    let c = a[0];
    do {
      const r = await s.run("SCAN", c) as [string, string[]];
      for (const k of r[1]) seenX.add(k);
      c = r[0];
    } while (c !== "0");
    assert.equal(seenX.size, 101);
  }
});

// --- RANDOMKEY -------------------------------------------------------------------------------

Deno.test("RANDOMKEY returns nil on an empty database and each key eventually", async () => {
  await using s = new InProcess({ shards: "4" });
  assert.equal(await s.run("RANDOMKEY"), null);
  const keys = ["a", "b", "c", "d", "e", "f"];
  for (const k of keys) await s.run("SET", k, "v");
  const seen = new Set<string>();
  for (let i = 0; i < 500 && seen.size < keys.length; i++) {
    seen.add(await s.run("RANDOMKEY") as string);
  }
  assert.deepEqual([...seen].sort(), keys);
  await expectError(
    s.run("RANDOMKEY", "x"),
    "ERR wrong number of arguments for 'randomkey' command",
  );
});

Deno.test("RANDOMKEY spreads over a large table and only returns existing keys", async () => {
  await using s = new InProcess({ shards: "1" });
  const db = s.server.keyspace.db(0);
  for (let i = 0; i < 5000; i++) db.set(`k${i}`, "v");
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const k = await s.run("RANDOMKEY") as string;
    assert.ok(db.has(k));
    seen.add(k);
  }
  assert.ok(seen.size > 1000, `only ${seen.size} distinct keys`);
});

// --- RENAME, RENAMENX ------------------------------------------------------------------------

Deno.test("RENAME moves the value and its TTL, replacing the target", async () => {
  await using s = new InProcess();
  await s.run("SET", "src", "v1");
  await s.run("PEXPIRE", "src", "100000");
  await s.run("SET", "dst", "old");
  assert.equal(await s.run("RENAME", "src", "dst"), "OK");
  assert.equal(await s.run("GET", "dst"), "v1");
  assert.equal(await s.run("EXISTS", "src"), 0);
  const pttl = await s.run("PTTL", "dst") as number;
  assert.ok(pttl > 99_000 && pttl <= 100_000, `pttl ${pttl}`);
  // A target's own TTL does not survive being replaced by a key without one.
  await s.run("SET", "x", "1");
  await s.run("SET", "y", "2");
  await s.run("EXPIRE", "y", "100");
  await s.run("RENAME", "x", "y");
  assert.equal(await s.run("TTL", "y"), -1);
});

Deno.test("RENAME and RENAMENX on the same key, and on a missing key", async () => {
  await using s = new InProcess();
  await expectError(s.run("RENAME", "missing", "x"), "ERR no such key");
  await expectError(s.run("RENAME", "missing", "missing"), "ERR no such key");
  await expectError(s.run("RENAMENX", "missing", "x"), "ERR no such key");
  await expectError(s.run("RENAMENX", "missing", "missing"), "ERR no such key");
  await s.run("SET", "a", "1");
  await s.run("EXPIRE", "a", "100");
  assert.equal(await s.run("RENAME", "a", "a"), "OK");
  assert.equal(await s.run("RENAMENX", "a", "a"), 0);
  assert.equal(await s.run("GET", "a"), "1");
  assert.equal(await s.run("TTL", "a"), 100);
});

Deno.test("RENAMENX renames only when the target is missing", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  await s.run("SET", "b", "2");
  assert.equal(await s.run("RENAMENX", "a", "b"), 0);
  assert.equal(await s.run("GET", "a"), "1");
  assert.equal(await s.run("GET", "b"), "2");
  assert.equal(await s.run("RENAMENX", "a", "c"), 1);
  assert.equal(await s.run("GET", "c"), "1");
  assert.equal(await s.run("EXISTS", "a"), 0);
  await expectError(s.run("RENAME", "a"), "ERR wrong number of arguments for 'rename' command");
});

Deno.test("RENAME onto a key whose TTL passed treats it as missing", async () => {
  await using s = new InProcess();
  let now = 1_000_000;
  s.server.keyspace.clock = () => now;
  await s.run("SET", "a", "1");
  await s.run("SET", "b", "2");
  await s.run("PEXPIRE", "b", "10");
  await s.run("PEXPIRE", "a", "10");
  now += 20;
  await expectError(s.run("RENAME", "a", "c"), "ERR no such key");
  await s.run("SET", "a", "1");
  assert.equal(await s.run("RENAMENX", "a", "b"), 1);
});

// --- COPY ------------------------------------------------------------------------------------

Deno.test("COPY duplicates the value and its TTL", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "hello");
  await s.run("EXPIRE", "a", "100");
  assert.equal(await s.run("COPY", "a", "b"), 1);
  assert.equal(await s.run("GET", "b"), "hello");
  assert.equal(await s.run("TTL", "b"), 100);
  assert.equal(await s.run("GET", "a"), "hello");
  assert.equal(await s.run("COPY", "missing", "c"), 0);
  assert.equal(await s.run("EXISTS", "c"), 0);
});

Deno.test("COPY refuses an existing target unless REPLACE", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  await s.run("SET", "b", "2");
  await s.run("EXPIRE", "b", "100");
  assert.equal(await s.run("COPY", "a", "b"), 0);
  assert.equal(await s.run("GET", "b"), "2");
  assert.equal(await s.run("COPY", "a", "b", "REPLACE"), 1);
  assert.equal(await s.run("GET", "b"), "1");
  assert.equal(await s.run("TTL", "b"), -1);
  assert.equal(await s.run("COPY", "a", "b", "replace", "REPLACE"), 1);
});

Deno.test("COPY DB writes into another database", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  assert.equal(await s.run("COPY", "a", "a", "DB", "2"), 1);
  assert.equal(await s.run("COPY", "a", "a", "DB", "2"), 0);
  assert.equal(await s.run("COPY", "a", "x", "DB", "0", "DB", "2"), 1);
  await s.run("SELECT", "2");
  assert.deepEqual(sorted(await s.run("KEYS", "*")), ["a", "x"]);
  await s.run("SELECT", "0");
  assert.deepEqual(await s.run("KEYS", "*"), ["a"]);
});

Deno.test("COPY errors match Redis", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  await expectError(s.run("COPY", "a", "a"), SAME);
  await expectError(s.run("COPY", "missing", "missing"), SAME);
  await expectError(s.run("COPY", "a", "a", "DB", "0"), SAME);
  await expectError(s.run("COPY", "a", "b", "DB"), "ERR syntax error");
  await expectError(s.run("COPY", "a", "b", "FOO"), "ERR syntax error");
  await expectError(s.run("COPY", "a", "b", "DB", "16"), "ERR DB index is out of range");
  await expectError(s.run("COPY", "a", "b", "DB", "-1"), "ERR DB index is out of range");
  await expectError(
    s.run("COPY", "a", "b", "DB", "x"),
    "ERR value is not an integer or out of range",
  );
  await expectError(
    s.run("COPY", "a", "b", "DB", "4294967296"),
    "ERR value is out of range, value must between -2147483648 and 2147483647",
  );
  await expectError(
    s.run("COPY", "a", "b", "DB", "9223372036854775808"),
    "ERR value is not an integer or out of range",
  );
  // Options are checked before the keys.
  await expectError(s.run("COPY", "a", "a", "BAD"), "ERR syntax error");
  await expectError(s.run("COPY", "a"), "ERR wrong number of arguments for 'copy' command");
});

Deno.test("COPY gives a MutableString its own bytes", async () => {
  await using s = new InProcess();
  const db = s.server.keyspace.db(0);
  const original = new MutableString("abcdef");
  db.set("m", original);
  assert.equal(await s.run("COPY", "m", "n"), 1);
  const copy = db.get("n");
  assert.ok(copy instanceof MutableString);
  assert.notEqual(copy.bytes, original.bytes);
  original.bytes[0] = "X".charCodeAt(0);
  assert.equal(await s.run("GET", "n"), "abcdef");
  assert.equal(await s.run("GET", "m"), "Xbcdef");
  assert.equal(await s.run("OBJECT", "ENCODING", "n"), "raw");
});

// --- MOVE ------------------------------------------------------------------------------------

Deno.test("MOVE takes the key and its TTL to another database", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  await s.run("EXPIRE", "a", "100");
  assert.equal(await s.run("MOVE", "a", "1"), 1);
  assert.equal(await s.run("EXISTS", "a"), 0);
  await s.run("SELECT", "1");
  assert.equal(await s.run("GET", "a"), "1");
  assert.equal(await s.run("TTL", "a"), 100);
  // Target exists: nothing moves.
  await s.run("SELECT", "0");
  await s.run("SET", "a", "0");
  assert.equal(await s.run("MOVE", "a", "1"), 0);
  assert.equal(await s.run("GET", "a"), "0");
  assert.equal(await s.run("MOVE", "missing", "1"), 0);
});

Deno.test("MOVE errors match Redis", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "1");
  await expectError(s.run("MOVE", "a", "0"), SAME);
  await expectError(s.run("MOVE", "missing", "0"), SAME);
  await expectError(s.run("MOVE", "a", "16"), "ERR DB index is out of range");
  await expectError(s.run("MOVE", "a", "-1"), "ERR DB index is out of range");
  await expectError(s.run("MOVE", "a", "x"), "ERR value is not an integer or out of range");
  await expectError(s.run("MOVE", "a", "1.0"), "ERR value is not an integer or out of range");
  await expectError(
    s.run("MOVE", "a", "-2147483649"),
    "ERR value is out of range, value must between -2147483648 and 2147483647",
  );
  await expectError(s.run("MOVE", "a"), "ERR wrong number of arguments for 'move' command");
});

Deno.test("MOVE and COPY to another database are refused in cluster mode", async () => {
  await using s = new InProcess({ "cluster-enabled": "yes" });
  await s.run("SET", "a", "1");
  await expectError(s.run("MOVE", "a", "1"), "ERR MOVE is not allowed in cluster mode");
  await expectError(
    s.run("COPY", "a", "b", "DB", "1"),
    "ERR Copying to another database is not allowed in cluster mode",
  );
  assert.equal(await s.run("COPY", "a", "b"), 1);
});

// --- OBJECT ----------------------------------------------------------------------------------

Deno.test("OBJECT ENCODING reports int, embstr and raw strings", async () => {
  await using s = new InProcess();
  await s.run("SET", "i", "12345");
  await s.run("SET", "neg", "-9223372036854775808");
  await s.run("SET", "big", "9223372036854775808");
  await s.run("SET", "lead", "0123");
  await s.run("SET", "e", "x".repeat(44));
  await s.run("SET", "r", "x".repeat(45));
  assert.equal(await s.run("OBJECT", "ENCODING", "i"), "int");
  assert.equal(await s.run("OBJECT", "ENCODING", "neg"), "int");
  assert.equal(await s.run("OBJECT", "ENCODING", "big"), "embstr");
  assert.equal(await s.run("OBJECT", "ENCODING", "lead"), "embstr");
  assert.equal(await s.run("OBJECT", "ENCODING", "e"), "embstr");
  assert.equal(await s.run("OBJECT", "ENCODING", "r"), "raw");
  assert.equal(await s.run("OBJECT", "ENCODING", "missing"), null);
  await expectError(
    s.run("OBJECT", "ENCODING"),
    "ERR wrong number of arguments for 'object|encoding' command",
  );
});

Deno.test("OBJECT REFCOUNT reports shared small integers as Redis does", async () => {
  await using s = new InProcess();
  await s.run("SET", "zero", "0");
  await s.run("SET", "small", "9999");
  await s.run("SET", "big", "10000");
  await s.run("SET", "neg", "-1");
  await s.run("SET", "str", "abc");
  assert.equal(await s.run("OBJECT", "REFCOUNT", "zero"), 2147483647);
  assert.equal(await s.run("OBJECT", "REFCOUNT", "small"), 2147483647);
  assert.equal(await s.run("OBJECT", "REFCOUNT", "big"), 1);
  assert.equal(await s.run("OBJECT", "REFCOUNT", "neg"), 1);
  assert.equal(await s.run("OBJECT", "REFCOUNT", "str"), 1);
  assert.equal(await s.run("OBJECT", "REFCOUNT", "missing"), null);
});

Deno.test("OBJECT REFCOUNT: with LRU eviction and a memory limit nothing is shared", async () => {
  await using s = new InProcess({ maxmemory: "100mb", "maxmemory-policy": "allkeys-lru" });
  await s.run("SET", "zero", "0");
  assert.equal(await s.run("OBJECT", "REFCOUNT", "zero"), 1);
});

Deno.test("OBJECT FREQ and IDLETIME depend on the maxmemory policy", async () => {
  const noLfu =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
  const lfu =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";
  {
    await using s = new InProcess();
    await s.run("SET", "a", "1");
    await expectError(s.run("OBJECT", "FREQ", "a"), noLfu);
    assert.equal(await s.run("OBJECT", "FREQ", "missing"), null);
    assert.equal(typeof await s.run("OBJECT", "IDLETIME", "a"), "number");
    assert.equal(await s.run("OBJECT", "IDLETIME", "missing"), null);
  }
  {
    await using s = new InProcess({ "maxmemory-policy": "allkeys-lfu" });
    await s.run("SET", "a", "1");
    await expectError(s.run("OBJECT", "IDLETIME", "a"), lfu);
    assert.equal(typeof await s.run("OBJECT", "FREQ", "a"), "number");
    assert.equal(await s.run("OBJECT", "IDLETIME", "missing"), null);
  }
});

Deno.test("OBJECT HELP lists the subcommands; unknown ones point to it", async () => {
  await using s = new InProcess();
  const help = await s.run("OBJECT", "HELP") as string[];
  assert.equal(help[0], "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  assert.equal(help.length, 15);
  assert.equal(help.at(-1), "    Prints this help.");
  await expectError(s.run("OBJECT", "FOO", "a"), "ERR unknown subcommand 'FOO'. Try OBJECT HELP.");
  await expectError(s.run("OBJECT"), "ERR wrong number of arguments for 'object' command");
  await expectError(
    s.run("OBJECT", "HELP", "x"),
    "ERR wrong number of arguments for 'object|help' command",
  );
});

// --- KEYS against hostile patterns on a real server --------------------------------------------

Deno.test("process: KEYS with pathological patterns returns fast and the server keeps answering", async () => {
  await using p = await spawnHakv();
  await using c = await p.client();
  await using ping = await p.client();
  // Long keys sharing a prefix: a backtracking matcher explodes on them.
  for (let i = 0; i < 200; i++) await c.call("SET", "a".repeat(2000) + i, "v");
  await c.call("SET", "a".repeat(200), "v");
  const patterns = [
    "a*".repeat(50) + "b",
    "*?".repeat(5000) + "b",
    "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
    "[a-z]*".repeat(100) + "x",
  ];
  for (const pattern of patterns) {
    const start = performance.now();
    const [keys, pong] = await Promise.all([c.call("KEYS", pattern), ping.call("PING")]);
    assert.deepEqual(keys, []);
    assert.equal(pong, "PONG");
    // Only here to turn a hang into a failure: these take milliseconds.
    assert.ok(performance.now() - start < 10_000, `KEYS ${pattern.slice(0, 20)}... was slow`);
  }
  assert.equal((await c.call("KEYS", "a*") as string[]).length, 201);
  assert.equal(await ping.call("PING"), "PONG");
});
