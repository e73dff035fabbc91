// In-process tests of the string and bitmap commands: every command, option and error, run
// through the real dispatch pipeline. Expected replies are redis-server 7.0's (the
// differential test in strings_diff_test.ts checks the same ground against a live one).
import assert from "node:assert/strict";
import { InProcess, RespError, type RespValue } from "./_harness.ts";
import { MutableString, type Value } from "../src/engine/values.ts";

type Step = [cmd: (string | number)[], want: RespValue | Err];

class Err {
  constructor(readonly message: string) {}
}

function err(message: string): Err {
  return new Err(message);
}

const WRONGTYPE = err("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INT = err("ERR value is not an integer or out of range");
const NOT_FLOAT = err("ERR value is not a valid float");
const SYNTAX = err("ERR syntax error");
const BIT_OFFSET = err("ERR bit offset is not an integer or out of range");
const TOO_BIG = err("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
const BF_TYPE = err(
  "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
);

function words(s: string): string[] {
  return s.split(" ");
}

/** Runs steps in order, each a command and its expected reply. */
async function check(s: InProcess, steps: Step[]): Promise<void> {
  for (const [cmd, want] of steps) {
    const got = await s.run(...cmd);
    const label = cmd.map((a) => JSON.stringify(String(a))).join(" ");
    if (want instanceof Err) {
      assert.ok(got instanceof RespError, `${label}: expected an error, got ${String(got)}`);
      assert.equal(got.message, want.message, label);
    } else assert.deepStrictEqual(got, want, label);
  }
}

/** Shorthand: "CMD a b" => reply. */
function t(cmd: string | (string | number)[], want: RespValue | Err): Step {
  return [typeof cmd === "string" ? words(cmd) : cmd, want];
}

/** A server whose clock the test moves by hand. */
function clocked(
  directives: Record<string, string> = {},
): { s: InProcess; tick: (ms: number) => void } {
  const s = new InProcess(directives);
  let now = 1_700_000_000_000;
  s.server.keyspace.clock = () => now;
  return { s, tick: (ms) => (now += ms) };
}

/** Stores a value no string command may touch (collections arrive with their own issue). */
function putNonString(s: InProcess, key: string): void {
  s.server.keyspace.db(0).set(key, { kind: "list" } as unknown as Value);
}

function stored(s: InProcess, key: string): Value | undefined {
  return s.server.keyspace.db(0).get(key);
}

// --- SET family ----------------------------------------------------------------------------

Deno.test("SET stores a value and GET reads it back, binary-safe", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET k v", "OK"),
    t("GET k", "v"),
    t(["SET", "\x00\xff", "\x00\x01\xff"], "OK"),
    t(["GET", "\x00\xff"], "\x00\x01\xff"),
    t(["SET", "e", ""], "OK"),
    t("GET e", ""),
    t("GET missing", null),
  ]);
});

Deno.test("SET NX and XX write only when the key is absent or present", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET k v NX", "OK"),
    t("SET k w NX", null),
    t("GET k", "v"),
    t("SET k w XX", "OK"),
    t("GET k", "w"),
    t("SET other v XX", null),
    t("GET other", null),
    t("SET k v NX NX", null),
    t("SET k v nx xx", SYNTAX),
    t("SET k v XX NX", SYNTAX),
  ]);
});

Deno.test("SET GET replies with the old value, also when NX or XX refuse the write", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET k v GET", null),
    t("SET k w GET", "v"),
    t("SET k x NX GET", "w"),
    t("GET k", "w"),
    t("SET n x XX GET", null),
    t("EXISTS n", 0),
    t("SET k y XX GET", "w"),
    t("GET k", "y"),
    t("SET k v GET GET", "y"),
  ]);
});

Deno.test("SET EX PX EXAT PXAT set the TTL; KEEPTTL keeps it; plain SET clears it", async () => {
  const { s, tick } = clocked();
  await using _ = s;
  const now = s.server.keyspace.clock();
  await check(s, [
    t("SET k v EX 100", "OK"),
    t("TTL k", 100),
    t("SET k v PX 5000", "OK"),
    t("PTTL k", 5000),
    t(["SET", "k", "v", "EXAT", Math.floor(now / 1000) + 50], "OK"),
    t("SET k v KEEPTTL", "OK"),
    t(["SET", "k", "v", "PXAT", now + 7000], "OK"),
    t("PTTL k", 7000),
    t("SET k v KEEPTTL", "OK"),
    t("PTTL k", 7000),
    t("SET k v", "OK"),
    t("TTL k", -1),
    // Repeating one kind of expire is allowed; the last one wins.
    t("SET k v EX 10 EX 20", "OK"),
    t("TTL k", 20),
    t("SET k v EX abc EX 30", "OK"),
    t("TTL k", 30),
  ]);
  tick(30_000);
  await check(s, [t("GET k", null)]);
});

Deno.test("SET refuses mixed or incomplete expire options with a syntax error", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET k v PX 100 EX 10", SYNTAX),
    t("SET k v EX 10 PX 100", SYNTAX),
    t("SET k v EXAT 10 PXAT 100", SYNTAX),
    t("SET k v KEEPTTL EX 10", SYNTAX),
    t("SET k v EX 10 KEEPTTL", SYNTAX),
    t("SET k v EX", SYNTAX),
    t("SET k v PERSIST", SYNTAX),
    t("SET k v FOO", SYNTAX),
    // Options are all parsed before the expire value is read.
    t("SET k v EX abc FOO", SYNTAX),
    t("GET k", null),
  ]);
});

Deno.test("SET rejects invalid expire times with Redis's errors, exactly at 64-bit edges", async () => {
  await using s = new InProcess();
  const invalid = err("ERR invalid expire time in 'set' command");
  await check(s, [
    t("SET k v EX abc", NOT_INT),
    t("SET k v EX 1.5", NOT_INT),
    t("SET k v EX 0", invalid),
    t("SET k v EX -1", invalid),
    t("SET k v PX 0", invalid),
    t("SET k v EXAT 0", invalid),
    t("SET k v PXAT -5", invalid),
    t("SET k v EX 9223372036854775", invalid),
    t("SET k v EX 9223372036854774", invalid),
    t("SET k v EXAT 9223372036854775", "OK"),
    t("SET k v EXAT 9223372036854776", invalid),
    t("SET k v PX 9223372036854775807", invalid),
    t("SET k v PXAT 9223372036854775807", "OK"),
    t("SET k v PXAT 9223372036854775808", NOT_INT),
  ]);
});

Deno.test("SET with an absolute time in the past leaves no key behind", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET k v EXAT 1", "OK"),
    t("EXISTS k", 0),
    t("SET k v PXAT 1", "OK"),
    t("GET k", null),
  ]);
});

Deno.test("SETNX, SETEX and PSETEX", async () => {
  const { s, tick } = clocked();
  await using _ = s;
  await check(s, [
    t("SETNX k v", 1),
    t("SETNX k w", 0),
    t("GET k", "v"),
    t("SETEX k 100 v2", "OK"),
    t("TTL k", 100),
    t("GET k", "v2"),
    t("PSETEX p 1500 v", "OK"),
    t("PTTL p", 1500),
    t("SETEX k 0 v", err("ERR invalid expire time in 'setex' command")),
    t("SETEX k -1 v", err("ERR invalid expire time in 'setex' command")),
    t("SETEX k abc v", NOT_INT),
    t("PSETEX k 0 v", err("ERR invalid expire time in 'psetex' command")),
    t("PSETEX k 9223372036854775807 v", err("ERR invalid expire time in 'psetex' command")),
    t("SETEX k 100", err("ERR wrong number of arguments for 'setex' command")),
    t("SETNX k", err("ERR wrong number of arguments for 'setnx' command")),
  ]);
  tick(1500);
  await check(s, [t("GET p", null), t("SETNX p again", 1)]);
});

Deno.test("MSET, MGET and MSETNX", async () => {
  await using s = new InProcess();
  await check(s, [
    t("MSET a 1 b 2 c 3", "OK"),
    t("MGET a b c d", ["1", "2", "3", null]),
    t("MSET a 1 a 2", "OK"),
    t("GET a", "2"),
    t("MSET a 1 b", err("ERR wrong number of arguments for 'mset' command")),
    t("MSETNX a 1 x 2", 0),
    t("GET x", null),
    t("MSETNX x 1 y 2", 1),
    t("MGET x y", ["1", "2"]),
    t("MSETNX x 1 y", err("ERR wrong number of arguments for 'msetnx' command")),
    t("MGET", err("ERR wrong number of arguments for 'mget' command")),
    // A key named twice is simply written twice (CVE-2023-28425 crashed on this).
    t("MSETNX dup 1 dup 2", 1),
    t("GET dup", "2"),
  ]);
});

Deno.test("MGET answers nil for a key of another type", async () => {
  await using s = new InProcess();
  putNonString(s, "l");
  await check(s, [t("SET a 1", "OK"), t("MGET a l", ["1", null])]);
});

Deno.test("GETSET replaces the value and clears the TTL", async () => {
  await using s = new InProcess();
  await check(s, [
    t("GETSET k v", null),
    t("GETSET k w", "v"),
    t("SET t v EX 100", "OK"),
    t("GETSET t w", "v"),
    t("TTL t", -1),
  ]);
});

Deno.test("GETDEL returns the value and removes the key", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET k v", "OK"),
    t("GETDEL k", "v"),
    t("GETDEL k", null),
    t("EXISTS k", 0),
  ]);
});

Deno.test("GETEX sets or removes the TTL, and deletes on an absolute time already past", async () => {
  const { s } = clocked();
  await using _ = s;
  const now = s.server.keyspace.clock();
  await check(s, [
    t("SET k v", "OK"),
    t("GETEX k", "v"),
    t("TTL k", -1),
    t("GETEX k EX 100", "v"),
    t("TTL k", 100),
    t("GETEX k PX 2500", "v"),
    t("PTTL k", 2500),
    t(["GETEX", "k", "PXAT", now + 9000], "v"),
    t("PTTL k", 9000),
    t(["GETEX", "k", "EXAT", Math.floor(now / 1000) + 60], "v"),
    t("GETEX k PERSIST", "v"),
    t("TTL k", -1),
    t("GETEX k EX 10 EX 100", "v"),
    t("TTL k", 100),
    t("GETEX k EXAT 1", "v"),
    t("EXISTS k", 0),
    t("SET k v", "OK"),
    t(["GETEX", "k", "PXAT", now], "v"),
    t("EXISTS k", 0),
  ]);
});

Deno.test("GETEX refuses SET-only options and checks the expire only for an existing key", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET k v", "OK"),
    t("GETEX k NX", SYNTAX),
    t("GETEX k XX", SYNTAX),
    t("GETEX k GET", SYNTAX),
    t("GETEX k KEEPTTL", SYNTAX),
    t("GETEX k PERSIST EX 10", SYNTAX),
    t("GETEX k EX 10 PERSIST", SYNTAX),
    t("GETEX k EX", SYNTAX),
    t("GETEX k EX abc", NOT_INT),
    t("GETEX k EX 0", err("ERR invalid expire time in 'getex' command")),
    t("GETEX k EX 9223372036854775", err("ERR invalid expire time in 'getex' command")),
    // A missing key answers nil before the expire value is looked at.
    t("GETEX nokey EX abc", null),
    t("GETEX nokey EX 0", null),
    t("GETEX nokey FOO", SYNTAX),
  ]);
});

// --- APPEND, STRLEN, ranges ----------------------------------------------------------------

Deno.test("APPEND creates or extends the value and returns the new length", async () => {
  await using s = new InProcess();
  await check(s, [
    t("APPEND k abc", 3),
    t("APPEND k def", 6),
    t("GET k", "abcdef"),
    t("STRLEN k", 6),
    t(["APPEND", "k", ""], 6),
    t(["APPEND", "b", "\x00\xff"], 2),
    t(["APPEND", "b", "\x80"], 3),
    t("GET b", "\x00\xff\x80"),
    t("STRLEN nokey", 0),
    t("SET n 10", "OK"),
    t("APPEND n 5", 3),
    t("INCR n", 106),
    t("SET t v EX 100", "OK"),
    t("APPEND t w", 2),
    t("TTL t", 100),
  ]);
});

Deno.test("repeated APPENDs edit one buffer in place instead of copying the value", async () => {
  await using s = new InProcess();
  await s.run("SET", "k", "x".repeat(1000));
  await s.run("APPEND", "k", "y");
  const first = stored(s, "k");
  assert.ok(first instanceof MutableString);
  const buffer = first.bytes;
  for (let i = 0; i < 100; i++) await s.run("APPEND", "k", "z");
  assert.equal(stored(s, "k"), first);
  assert.equal(first.bytes, buffer, "100 one-byte appends should fit the grown buffer");
  assert.equal(await s.run("STRLEN", "k"), 1101);
  assert.equal(await s.run("GET", "k"), "x".repeat(1000) + "y" + "z".repeat(100));
});

Deno.test("GETRANGE and SUBSTR slice with negative indexes and clamping", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET k HelloWorld", "OK"),
    t("GETRANGE k 0 4", "Hello"),
    t("GETRANGE k -3 -1", "rld"),
    t("GETRANGE k 0 -1", "HelloWorld"),
    t("GETRANGE k -1 -3", ""),
    t("GETRANGE k 5 2", ""),
    t("GETRANGE k 100 200", ""),
    t("GETRANGE k -100 100", "HelloWorld"),
    t("GETRANGE k -100 -50", "H"),
    t("GETRANGE k 9223372036854775807 -9223372036854775808", ""),
    t("GETRANGE k -9223372036854775807 -9223372036854775808", ""),
    t("GETRANGE k -9223372036854775808 -9223372036854775807", "H"),
    t("GETRANGE nokey 0 1", ""),
    t("GETRANGE nokey a 1", NOT_INT),
    t("GETRANGE k 0 b", NOT_INT),
    t("SUBSTR k 1 3", "ell"),
    t("SET e ''", "OK"),
    t(["SET", "e", ""], "OK"),
    t("GETRANGE e 0 -1", ""),
    t("SETRANGE m 2 ab", 4),
    t("GETRANGE m 1 2", "\x00a"),
  ]);
});

Deno.test("SETRANGE overwrites, zero-pads and keeps the TTL", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SETRANGE k 0 Hello", 5),
    t("SETRANGE k 6 World", 11),
    t("GET k", "Hello\x00World"),
    t("SETRANGE k 1 a", 11),
    t("GET k", "Hallo\x00World"),
    t(["SETRANGE", "k", "100", ""], 11),
    t(["SETRANGE", "new", "100", ""], 0),
    t("EXISTS new", 0),
    t("SETRANGE k -1 a", err("ERR offset is out of range")),
    t("SETRANGE k a a", NOT_INT),
    t("SET t abc EX 100", "OK"),
    t("SETRANGE t 1 X", 3),
    t("TTL t", 100),
    t("GET t", "aXc"),
    t("SET n 123", "OK"),
    t("SETRANGE n 1 9", 3),
    t("INCR n", 194),
  ]);
});

Deno.test("SETRANGE past proto-max-bulk-len is refused without creating the key", async () => {
  await using s = new InProcess({ "proto-max-bulk-len": "1048576" });
  await check(s, [
    t("SETRANGE k 1048575 x", 1048576),
    t("SETRANGE k 1048576 x", TOO_BIG),
    t("APPEND k y", TOO_BIG),
    t("STRLEN k", 1048576),
    t("SETRANGE big 1048576 x", TOO_BIG),
    t("SETRANGE big 9223372036854775807 a", TOO_BIG),
    t("SETRANGE big 9223372036854775808 a", NOT_INT),
    t("EXISTS big", 0),
    t("SET e x", "OK"),
    t("SETRANGE e 1048570 abcdef", 1048576),
    t("SETRANGE e 1048570 abcdefg", TOO_BIG),
  ]);
});

Deno.test("values stay bounded even when proto-max-bulk-len is raised absurdly high", async () => {
  await using s = new InProcess({ "proto-max-bulk-len": "9223372036854775807" });
  await check(s, [
    t("SETRANGE k 1099511627776 a", TOO_BIG),
    t("SETBIT k 8796093022208 1", BIT_OFFSET),
    t("BITFIELD k SET u8 8796093022208 1", BIT_OFFSET),
    t("EXISTS k", 0),
    // Reads far out are fine: nothing is allocated for them.
    t("SET r x", "OK"),
    t("GETBIT r 34359738368", 0),
    t("GETBIT r 9223372036854775807", 0),
    t("BITFIELD r GET u8 9223372036854775807 GET i64 #144115188075855871", [0, 0]),
  ]);
});

// --- Counters ------------------------------------------------------------------------------

Deno.test("INCR, DECR, INCRBY and DECRBY count in 64 bits and refuse to overflow", async () => {
  await using s = new InProcess();
  await check(s, [
    t("INCR k", 1),
    t("DECR k", 0),
    t("INCRBY k 10", 10),
    t("DECRBY k 20", -10),
    t("INCRBY k abc", NOT_INT),
    t("INCRBY k 1.5", NOT_INT),
    t("DECRBY k -9223372036854775808", err("ERR decrement would overflow")),
    t("DECRBY k 9223372036854775808", NOT_INT),
    t("SET m 9223372036854775806", "OK"),
    t("INCR m", 9223372036854775807n),
    t("INCR m", err("ERR increment or decrement would overflow")),
    t("SET m -9223372036854775807", "OK"),
    t("DECR m", -9223372036854775808n),
    t("DECR m", err("ERR increment or decrement would overflow")),
    t("INCRBY m 9223372036854775807", -1),
  ]);
});

Deno.test("INCR reads only canonical integers, as Redis's string2ll does", async () => {
  await using s = new InProcess();
  for (const bad of [" 1", "01", "-0", "+1", "1.0", "99999999999999999999", "foo", ""]) {
    await s.run("SET", "s", bad);
    const r = await s.run("INCR", "s");
    assert.ok(r instanceof RespError && r.message === NOT_INT.message, JSON.stringify(bad));
  }
  await s.run("SET", "s", "9".repeat(300));
  assert.ok(await s.run("INCR", "s") instanceof RespError);
  await s.run("SET", "t", "5", "EX", "100");
  assert.equal(await s.run("INCR", "t"), 6);
  assert.equal(await s.run("TTL", "t"), 100);
});

Deno.test("INCRBYFLOAT prints long double results in Redis's human form", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET a 10.5", "OK"),
    t("INCRBYFLOAT a 0.1", "10.6"),
    t("INCRBYFLOAT a 5.0e3", "5010.60000000000000009"),
    t("INCRBYFLOAT b 3.0", "3"),
    t("INCRBYFLOAT b -3", "0"),
    t("INCRBYFLOAT c 0x1.8p1", "3"),
    t("INCRBYFLOAT c .5", "3.5"),
    t("INCRBYFLOAT d 1e-17", "0.00000000000000001"),
    t("INCRBYFLOAT e -5e-18", "0"),
    t("INCRBYFLOAT f 123456789012345678901234567890", "123456789012345678899921813504"),
    t("SET t 1.5 EX 100", "OK"),
    t("INCRBYFLOAT t 1", "2.5"),
    t("TTL t", 100),
  ]);
});

Deno.test("INCRBYFLOAT refuses non-floats, NaN and infinities", async () => {
  await using s = new InProcess();
  const nanInf = err("ERR increment would produce NaN or Infinity");
  await check(s, [
    t("INCRBYFLOAT k abc", NOT_FLOAT),
    t("INCRBYFLOAT k nan", NOT_FLOAT),
    t("INCRBYFLOAT k 1e5000", NOT_FLOAT),
    t("INCRBYFLOAT k 1e-5000", NOT_FLOAT),
    t(["INCRBYFLOAT", "k", " 1"], NOT_FLOAT),
    t(["INCRBYFLOAT", "k", "1\x00"], NOT_FLOAT),
    t("INCRBYFLOAT k inf", nanInf),
    t("INCRBYFLOAT k -Infinity", nanInf),
    t("SET k 1.18973149535723176502e+4932", "OK"),
    t("INCRBYFLOAT k 1.18973149535723176502e+4932", nanInf),
    t("SET k inf", "OK"),
    t("INCRBYFLOAT k 1", nanInf),
  ]);
  await s.run("SET", "x", "abc");
  await check(s, [t("INCRBYFLOAT x 1", NOT_FLOAT), t("GET x", "abc")]);
  await s.run("SET", "big", "1".repeat(6000));
  await check(s, [t("INCRBYFLOAT big 1", NOT_FLOAT)]);
});

// --- LCS -----------------------------------------------------------------------------------

Deno.test("LCS replies with the sequence, its length or the matching ranges", async () => {
  await using s = new InProcess();
  await check(s, [
    t("MSET a ohmytext b mynewtext", "OK"),
    t("LCS a b", "mytext"),
    t("LCS a b LEN", 6),
    t("LCS a b IDX", ["matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], "len", 6]),
    t("LCS a b IDX WITHMATCHLEN", [
      "matches",
      [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]],
      "len",
      6,
    ]),
    t("LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN", ["matches", [[[4, 7], [5, 8], 4]], "len", 6]),
    t("LCS a b IDX MINMATCHLEN -5", ["matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], "len", 6]),
    t("LCS a b LEN WITHMATCHLEN", 6),
    t("LCS a b WITHMATCHLEN", "mytext"),
    t("LCS a nokey IDX", ["matches", [], "len", 0]),
    t("LCS nokey nokey2", ""),
    t("LCS a b IDX LEN", err("ERR If you want both the length and indexes, please just use IDX.")),
    t("LCS a b FOO", SYNTAX),
    t("LCS a b MINMATCHLEN", SYNTAX),
    t("LCS a b MINMATCHLEN x", NOT_INT),
  ]);
});

Deno.test("LCS IDX replies with a map in RESP3", async () => {
  await using s = new InProcess();
  await s.run("MSET", "a", "ohmytext", "b", "mynewtext");
  s.c.w.protocol = 3;
  const r = await s.run("LCS", "a", "b", "IDX");
  assert.ok(r instanceof Map);
  assert.deepEqual(r.get("len"), 6);
  assert.deepEqual(r.get("matches"), [[[4, 7], [5, 8]], [[2, 3], [0, 1]]]);
});

Deno.test("LCS refuses inputs whose table would be unreasonably large", async () => {
  await using s = new InProcess();
  await s.run("SET", "a", "x".repeat(20000));
  await s.run("SET", "b", "y".repeat(20000));
  const mem = err("ERR Insufficient memory, failed allocating transient memory for LCS");
  await check(s, [t("LCS a b", mem), t("LCS a b LEN", mem), t("LCS a b IDX", mem)]);
  // Inputs within the budget are answered.
  await s.run("SET", "c", "ab".repeat(2000));
  await s.run("SET", "d", "ba".repeat(2000));
  await check(s, [t("LCS c d LEN", 3999)]);
});

// --- Bitmaps -------------------------------------------------------------------------------

Deno.test("SETBIT and GETBIT set, clear and read single bits", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SETBIT k 7 1", 0),
    t("GET k", "\x01"),
    t("SETBIT k 7 0", 1),
    t("SETBIT k 0 1", 0),
    t("GETBIT k 0", 1),
    t("GETBIT k 1", 0),
    t("GETBIT k 100", 0),
    t("GETBIT nokey 0", 0),
    t("SETBIT k 100 1", 0),
    t("STRLEN k", 13),
    t("SET s foobar", "OK"),
    t("GETBIT s 1", 1),
    t("SETBIT s 0 1", 0),
    t("GET s", "\xe6oobar"),
    t("SET t a EX 100", "OK"),
    t("SETBIT t 6 1", 0),
    t("TTL t", 100),
    t("GET t", "c"),
  ]);
});

Deno.test("SETBIT and GETBIT refuse bad bits and offsets", async () => {
  await using s = new InProcess();
  const bit = err("ERR bit is not an integer or out of range");
  await check(s, [
    t("SETBIT k 1 2", bit),
    t("SETBIT k 1 -1", bit),
    t("SETBIT k 1 a", bit),
    t("SETBIT k a 1", BIT_OFFSET),
    t("SETBIT k -1 1", BIT_OFFSET),
    t("SETBIT k #1 1", BIT_OFFSET),
    t("GETBIT k #1", BIT_OFFSET),
    t("GETBIT k 4294967295", 0),
    t("GETBIT k 4294967296", BIT_OFFSET),
    t("SETBIT k 4294967296 1", BIT_OFFSET),
    t("SETBIT k 9223372036854775807 1", BIT_OFFSET),
    t("EXISTS k", 0),
  ]);
});

Deno.test("SETBIT past proto-max-bulk-len is refused without allocating", async () => {
  await using s = new InProcess({ "proto-max-bulk-len": "1048576" });
  await check(s, [
    t("SETBIT b 8388608 1", BIT_OFFSET),
    t("EXISTS b", 0),
    t("SETBIT b 8388607 1", 0),
    t("STRLEN b", 1048576),
    t("BITFIELD b SET u8 8388608 1", BIT_OFFSET),
    t("BITFIELD b GET u8 8388600", [1]),
  ]);
});

Deno.test("BITCOUNT counts bits in byte or bit ranges", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET k foobar", "OK"),
    t("BITCOUNT k", 26),
    t("BITCOUNT k 0 0", 4),
    t("BITCOUNT k 1 1", 6),
    t("BITCOUNT k 1 1 BYTE", 6),
    t("BITCOUNT k 5 30 BIT", 17),
    t("BITCOUNT k -1 -1", 4),
    t("BITCOUNT k -2 -1 BIT", 1),
    t("BITCOUNT k 3 1", 0),
    t("BITCOUNT k -1 -2", 0),
    // Both negative with start > end answers 0 before the unit is even read.
    t("BITCOUNT k -1 -2 FOO", 0),
    t("BITCOUNT k 0 -1 FOO", SYNTAX),
    t("BITCOUNT k 0 -1 BIT x", SYNTAX),
    t("BITCOUNT k 1", SYNTAX),
    t("BITCOUNT k a b", NOT_INT),
    t("BITCOUNT k -9223372036854775808 9223372036854775807 BIT", 26),
    // A missing key answers 0 before any argument is checked.
    t("BITCOUNT nokey a b", 0),
    t("BITCOUNT nokey 1", 0),
  ]);
});

Deno.test("BITPOS finds the first set or clear bit", async () => {
  await using s = new InProcess();
  await check(s, [
    t(["SET", "k", "\xff\xf0\x00"], "OK"),
    t("BITPOS k 0", 12),
    t("BITPOS k 1 2", -1),
    t("BITPOS k 0 1", 12),
    t("BITPOS k 1 7 15 BIT", 7),
    t("BITPOS k 0 7 15 BIT", 12),
    t(["SET", "ff", "\xff\xff"], "OK"),
    t("BITPOS ff 0", 16),
    t("BITPOS ff 0 0", 16),
    t("BITPOS ff 0 0 -1", -1),
    t("BITPOS ff 0 3 -1 BIT", -1),
    t("BITPOS nokey 1", -1),
    t("BITPOS nokey 0", 0),
    t("SET e ''", "OK"),
    t(["SET", "e", ""], "OK"),
    t("BITPOS e 0", -1),
    t("BITPOS e 1", -1),
  ]);
});

Deno.test("BITPOS checks the bit first, then the key, then the range", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET k foobar", "OK"),
    t("BITPOS k 2", err("ERR The bit argument must be 1 or 0.")),
    t("BITPOS k a", NOT_INT),
    t("BITPOS nokey 2", err("ERR The bit argument must be 1 or 0.")),
    t("BITPOS nokey 1 a b c d", -1),
    t("BITPOS k 1 a b c", NOT_INT),
    t("BITPOS k 1 0 a foo", SYNTAX),
    t("BITPOS k 1 0 1 2 3", SYNTAX),
    t("BITPOS k 1 0 -1 bit", 1),
  ]);
});

Deno.test("BITOP AND OR XOR NOT store the result, zero-padding shorter keys", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET a abc", "OK"),
    t("SET b bcde", "OK"),
    t("BITOP AND d a b", 4),
    t("GET d", "`b`\x00"),
    t("BITOP OR d a b", 4),
    t("GET d", "ccge"),
    t("BITOP XOR d a b", 4),
    t("GET d", "\x03\x01\x07e"),
    t("BITOP NOT d a", 3),
    t("GET d", "\x9e\x9d\x9c"),
    t("SET d x EX 100", "OK"),
    t("BITOP OR d a", 3),
    t("TTL d", -1),
    t("BITOP OR d nokey nokey2", 0),
    t("EXISTS d", 0),
    t("BITOP FOO d a", SYNTAX),
    t("BITOP NOT d a b", err("ERR BITOP NOT must be called with a single source key.")),
    t("BITOP AND d", err("ERR wrong number of arguments for 'bitop' command")),
  ]);
});

Deno.test("BITFIELD GET SET INCRBY with every overflow mode", async () => {
  await using s = new InProcess();
  await check(s, [
    t("BITFIELD k", []),
    t("BITFIELD k GET u8 0", [0]),
    t("EXISTS k", 0),
    t("BITFIELD k SET u8 0 255 GET u8 0 GET i8 0", [0, 255, -1]),
    t("BITFIELD k OVERFLOW FAIL SET u8 0 300", [null]),
    t(
      "BITFIELD k SET u8 0 -1 OVERFLOW SAT SET u8 8 -1 OVERFLOW WRAP SET u8 16 -1 GET u8 0 GET u8 8 GET u8 16",
      [255, 0, 0, 255, 255, 255],
    ),
    t("BITFIELD k OVERFLOW SAT SET i8 0 -200 SET i8 0 200 GET i8 0", [-1, -128, 127]),
    t("BITFIELD k SET i64 0 -9223372036854775808 INCRBY i64 0 -1 OVERFLOW SAT INCRBY i64 0 -1", [
      9223370937343148032n,
      9223372036854775807n,
      9223372036854775806n,
    ]),
    t("BITFIELD k OVERFLOW FAIL SET i64 0 9223372036854775807 INCRBY i64 0 1", [
      9223372036854775806n,
      null,
    ]),
    t("BITFIELD k SET u63 0 9223372036854775807 INCRBY u63 0 1 OVERFLOW SAT INCRBY u63 0 1", [
      4611686018427387903n,
      0,
      1,
    ]),
    t("BITFIELD k OVERFLOW WRAP INCRBY u5 3 40 INCRBY i5 3 40 INCRBY i5 3 -40", [8, -16, 8]),
    t("BITFIELD k SET u3 #3 7 GET u3 #3 GET u8 1", [0, 7, 16]),
    t("BITFIELD nokey GET i64 5 GET u63 7", [0, 0]),
  ]);
});

Deno.test("BITFIELD # offsets multiply by the width and wrap at 64 bits like Redis", async () => {
  await using s = new InProcess();
  await check(s, [
    t("SET k A", "OK"),
    t("BITFIELD k GET u8 #0", [65]),
    // 2^58 fields of 64 bits wrap to offset 0; of 8 bits they are far out of range.
    t("BITFIELD k GET i64 #288230376151711744", [4683743612465315840n]),
    t("BITFIELD k GET u8 #288230376151711744", BIT_OFFSET),
    t("BITFIELD k GET i64 #9223372036854775807", BIT_OFFSET),
    t("BITFIELD k GET u8 #-1", BIT_OFFSET),
    t("BITFIELD k GET u8 #", BIT_OFFSET),
  ]);
});

Deno.test("BITFIELD errors come in argument order, before the key is touched", async () => {
  await using s = new InProcess();
  putNonString(s, "l");
  await check(s, [
    t("BITFIELD k GET u8", SYNTAX),
    t("BITFIELD k GET U8 0", BF_TYPE),
    t("BITFIELD k GET u64 0", BF_TYPE),
    t("BITFIELD k GET i65 0", BF_TYPE),
    t("BITFIELD k GET i0 0", BF_TYPE),
    t("BITFIELD k GET u8 -1", BIT_OFFSET),
    t("BITFIELD k OVERFLOW foo GET u8 0", err("ERR Invalid OVERFLOW type specified")),
    t("BITFIELD k OVERFLOW", SYNTAX),
    t("BITFIELD k SET u8 0 a", NOT_INT),
    t("BITFIELD k FOO", SYNTAX),
    t("BITFIELD l GET u8 0 FOO", SYNTAX),
    t("BITFIELD l SET u8 0 a", NOT_INT),
    t("BITFIELD l GET u8 0", WRONGTYPE),
    t("BITFIELD l SET u8 0 1", WRONGTYPE),
    t("EXISTS k", 0),
  ]);
});

Deno.test("BITFIELD_RO reads fields and refuses writes", async () => {
  await using s = new InProcess();
  const ro = err("ERR BITFIELD_RO only supports the GET subcommand");
  await check(s, [
    t("SET k AB", "OK"),
    t("BITFIELD_RO k GET u8 0 GET i16 0", [65, 16706]),
    t("BITFIELD_RO k SET u8 0 1", ro),
    t("BITFIELD_RO k INCRBY u8 0 1", ro),
    t("BITFIELD_RO k GET u8 0 SET u8 0 1", ro),
    t("BITFIELD_RO k SET u8 0 1 GET U9 0", BF_TYPE),
    t("BITFIELD_RO k GET u8 0 FOO", SYNTAX),
    t("BITFIELD_RO k", []),
    t("BITFIELD_RO nokey GET u8 0", [0]),
    t("GET k", "AB"),
  ]);
});

Deno.test("bit commands edit a MutableString in place and GET serves its bytes", async () => {
  await using s = new InProcess();
  await s.run("SETBIT", "k", 0, 1);
  const m = stored(s, "k");
  assert.ok(m instanceof MutableString);
  await s.run("SETBIT", "k", 15, 1);
  await s.run("BITFIELD", "k", "SET", "u8", 16, 67);
  await s.run("SETRANGE", "k", 3, "D");
  await s.run("APPEND", "k", "E");
  assert.equal(stored(s, "k"), m);
  assert.equal(await s.run("GET", "k"), "\x80\x01CDE");
  assert.equal(await s.run("GETRANGE", "k", 2, 3), "CD");
  assert.equal(await s.run("BITCOUNT", "k"), 2 + 3 + 3 + 2);
});

// --- Types and arity -----------------------------------------------------------------------

Deno.test("every string command answers WRONGTYPE on a value of another type", async () => {
  await using s = new InProcess();
  putNonString(s, "l");
  const lcsTypes = err("ERR The specified keys must contain string values");
  await check(s, [
    t("GET l", WRONGTYPE),
    t("SET l v GET", WRONGTYPE),
    t("SET l v GET EX abc", NOT_INT),
    t("SET l v GET EX -1", err("ERR invalid expire time in 'set' command")),
    t("GETSET l v", WRONGTYPE),
    t("GETDEL l", WRONGTYPE),
    t("GETEX l", WRONGTYPE),
    t("GETEX l EX abc", WRONGTYPE),
    t("APPEND l x", WRONGTYPE),
    t("STRLEN l", WRONGTYPE),
    t("INCR l", WRONGTYPE),
    t("DECRBY l 5", WRONGTYPE),
    t("INCRBYFLOAT l 1", WRONGTYPE),
    t("GETRANGE l 0 1", WRONGTYPE),
    t("GETRANGE l a 1", NOT_INT),
    t("SUBSTR l 0 1", WRONGTYPE),
    t("SETRANGE l 0 x", WRONGTYPE),
    t(["SETRANGE", "l", "0", ""], WRONGTYPE),
    t("SETRANGE l -1 x", err("ERR offset is out of range")),
    t("LCS l x", lcsTypes),
    t("LCS x l FOO", lcsTypes),
    t("SETBIT l 0 1", WRONGTYPE),
    t("SETBIT l a 1", BIT_OFFSET),
    t("GETBIT l 0", WRONGTYPE),
    t("BITCOUNT l", WRONGTYPE),
    t("BITCOUNT l a b", WRONGTYPE),
    t("BITPOS l 1", WRONGTYPE),
    t("BITPOS l 2", err("ERR The bit argument must be 1 or 0.")),
    t("BITOP AND d l", WRONGTYPE),
    t("BITFIELD_RO l GET u8 0", WRONGTYPE),
    t("SETNX l v", 0),
    t("MSETNX l v", 0),
  ]);
  // Plain writes replace a value of any type.
  await check(s, [t("SET l v", "OK"), t("GET l", "v")]);
  putNonString(s, "l");
  await check(s, [t("SETEX l 10 v", "OK"), t("GET l", "v")]);
  putNonString(s, "l");
  await check(s, [t("BITOP OR l x", 0), t("EXISTS l", 0)]);
});

Deno.test("string commands check their arity", async () => {
  await using s = new InProcess();
  const cases: [string, string][] = [
    ["GET", "get"],
    ["GET a b", "get"],
    ["SETNX a", "setnx"],
    ["SETEX a 1", "setex"],
    ["PSETEX a 1", "psetex"],
    ["GETSET a", "getset"],
    ["GETDEL", "getdel"],
    ["GETEX", "getex"],
    ["APPEND a", "append"],
    ["STRLEN", "strlen"],
    ["INCRBYFLOAT a", "incrbyfloat"],
    ["GETRANGE a 1", "getrange"],
    ["SUBSTR a 1", "substr"],
    ["SETRANGE a 1", "setrange"],
    ["LCS a", "lcs"],
    ["SETBIT a 1", "setbit"],
    ["GETBIT a", "getbit"],
    ["BITCOUNT", "bitcount"],
    ["BITPOS a", "bitpos"],
    ["BITOP AND a", "bitop"],
    ["BITFIELD", "bitfield"],
    ["BITFIELD_RO", "bitfield_ro"],
    ["MSETNX a", "msetnx"],
  ];
  for (const [cmd, name] of cases) {
    await check(s, [t(cmd, err(`ERR wrong number of arguments for '${name}' command`))]);
  }
});

Deno.test("reads count keyspace hits and misses; writes do not", async () => {
  await using s = new InProcess();
  const ks = s.server.keyspace;
  await s.run("SET", "k", "v");
  const [hits, misses] = [ks.hits, ks.misses];
  await s.run("GET", "k");
  await s.run("GET", "nokey");
  await s.run("STRLEN", "k");
  await s.run("BITCOUNT", "nokey");
  assert.equal(ks.hits - hits, 2);
  assert.equal(ks.misses - misses, 2);
  await s.run("APPEND", "k", "x");
  await s.run("INCR", "n");
  await s.run("SETBIT", "b", 1, 1);
  assert.equal(ks.hits - hits, 2);
  assert.equal(ks.misses - misses, 2);
});
