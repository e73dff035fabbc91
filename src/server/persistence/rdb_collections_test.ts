// Tests for lists, sets, hashes and sorted sets in rdb_reader.ts and rdb_writer.ts: hand-built
// files for each type code, round trips through our writer, and interop both ways with
// redis-server 7.0 (its dump.rdb in every encoding it writes read here; ours loaded there).
import assert from "node:assert/strict";
import fc from "fast-check";
import { RdbWriter } from "./rdb_writer.ts";
import { RdbError, type RdbValue, readRdb } from "./rdb_reader.ts";
import { encodeListpack } from "./listpack.ts";
import { encodeIntset } from "./intset.ts";
import { RespClient } from "../../client/mod.ts";
import { requireTool, spawnRedis } from "../../../tests/_harness.ts";

function fromBinary(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A key's contents in a comparable shape: sets, hashes and zsets sorted. */
type Norm =
  | { type: "string"; value: string }
  | { type: "list"; items: string[] }
  | { type: "set"; members: string[] }
  | { type: "hash"; pairs: [string, string][] }
  | { type: "zset"; pairs: [string, number][] };

interface Row {
  db: number;
  key: string;
  value: Norm;
  expireAt: number | undefined;
}

const byStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byFirst = (a: [string, unknown], b: [string, unknown]) => byStr(a[0], b[0]);

function normalize(v: RdbValue): Norm {
  if (typeof v === "string") return { type: "string", value: v };
  switch (v.type) {
    case "list":
      return v;
    case "set":
      return { type: "set", members: [...v.members].sort(byStr) };
    case "hash": {
      const pairs: [string, string][] = [];
      for (let i = 0; i < v.pairs.length; i += 2) pairs.push([v.pairs[i]!, v.pairs[i + 1]!]);
      return { type: "hash", pairs: pairs.sort(byFirst) };
    }
    case "zset":
      return { type: "zset", pairs: [...v.pairs].sort(byFirst) };
  }
}

function readAll(bytes: Uint8Array): Row[] {
  const out: Row[] = [];
  readRdb(bytes, (db, key, value, expireAt) => {
    out.push({ db, key, value: normalize(value), expireAt });
  });
  return sortRows(out);
}

function sortRows(rows: Row[]): Row[] {
  return rows.sort((a, b) => a.db - b.db || byStr(a.key, b.key));
}

function parseRedisScore(s: string): number {
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  return Number(s);
}

/** Everything in `dbs` as the server reports it (RESP2: scores as text). */
async function dumpServer(c: RespClient, dbs: number[]): Promise<Row[]> {
  const out: Row[] = [];
  for (const db of dbs) {
    await c.command("SELECT", db);
    const keys = await c.command("KEYS", "*") as string[];
    for (const key of keys) {
      const k = fromBinary(key);
      const type = await c.command("TYPE", k) as string;
      let value: Norm;
      switch (type) {
        case "string":
          value = { type, value: await c.command("GET", k) as string };
          break;
        case "list":
          value = { type, items: await c.command("LRANGE", k, 0, -1) as string[] };
          break;
        case "set":
          value = { type, members: (await c.command("SMEMBERS", k) as string[]).sort(byStr) };
          break;
        case "hash": {
          const flat = await c.command("HGETALL", k) as string[];
          const pairs: [string, string][] = [];
          for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
          value = { type, pairs: pairs.sort(byFirst) };
          break;
        }
        case "zset": {
          const flat = await c.command("ZRANGE", k, 0, -1, "WITHSCORES") as string[];
          const pairs: [string, number][] = [];
          for (let i = 0; i < flat.length; i += 2) {
            pairs.push([flat[i]!, parseRedisScore(flat[i + 1]!)]);
          }
          value = { type, pairs: pairs.sort(byFirst) };
          break;
        }
        default:
          throw new Error(`unexpected type ${type}`);
      }
      const pexp = await c.command("PEXPIRETIME", k) as number;
      out.push({ db, key, value, expireAt: pexp === -1 ? undefined : pexp });
    }
  }
  return sortRows(out);
}

// ---- the dataset

let BINARY = "";
for (let i = 0; i < 256; i++) BINARY += String.fromCharCode(i);
/** Binary but short enough for a listpack (64 bytes at most by default). */
const SHORT_BINARY = "\x00\xff\x80\r\n\x7f";
/** One integer per listpack integer width, both ends, plus strings that look like integers. */
const INTS = [
  "0",
  "127",
  "128",
  "-1",
  "4095",
  "-4096",
  "4096",
  "-32768",
  "32767",
  "32768",
  "-8388608",
  "8388607",
  "8388608",
  "-2147483648",
  "2147483647",
  "2147483648",
  "-9223372036854775808",
  "9223372036854775807",
  "9223372036854775808",
  "-0",
  "007",
];
const SCORES = [1.5, -Infinity, Infinity, 1e308, -0, 0, 3, -7, 2 ** 53, 0.1, -2.5e-300, 123456789];

interface Spec {
  db: number;
  key: string;
  /** Redis commands that build it. */
  build: (string | number | Uint8Array)[][];
  expireAt?: number;
}

function dataset(): Spec[] {
  const far = Date.now() + 10 * 365 * 86400_000;
  const specs: Spec[] = [];
  const big: string[] = [];
  for (let i = 0; i < 10_000; i++) big.push(i % 3 === 0 ? String(i * 7919 - 40000) : `item:${i}`);
  const longVal = "v".repeat(100);
  for (const db of [0, 2]) {
    const ex = (i: number) => (db === 2 && i % 2 === 0 ? far + i : undefined);
    const s = (key: string, build: Spec["build"], i: number) => {
      const spec: Spec = { db, key: `${key}:${db}`, build };
      const e = ex(i);
      if (e !== undefined) spec.expireAt = e;
      specs.push(spec);
    };
    s("str", [["SET", "str", "plain"]], 0);
    s("list:small", [["RPUSH", "list:small", "a", "", fromBinary(BINARY), ...INTS]], 1);
    s("list:big", [["RPUSH", "list:big", ...big]], 2);
    s("list:long", [["RPUSH", "list:long", "x".repeat(10_000), "y", "z".repeat(70_000)]], 3);
    s("set:intset", [["SADD", "set:intset", "1", "-5", "40000", "-2147483649", "7"]], 4);
    s("set:intset16", [["SADD", "set:intset16", "1", "2", "-3"]], 5);
    s("set:ht", [["SADD", "set:ht", "a", "b", fromBinary(BINARY), "1", ""]], 6);
    s("set:bigint", [["SADD", "set:bigint", ...big.slice(0, 600).map((_, i) => String(i))]], 7);
    const smallHash: (string | Uint8Array)[] = [
      "f1",
      "v1",
      "n",
      "12345",
      "neg",
      "-9223372036854775808",
      "",
      "empty",
      fromBinary(SHORT_BINARY),
      fromBinary(SHORT_BINARY),
    ];
    s("hash:lp", [["HSET", "hash:lp", ...smallHash]], 8);
    s("hash:long", [["HSET", "hash:long", "f", longVal, "g", "1"]], 9);
    const bigHash = big.slice(0, 300).flatMap((v, i) => [`field${i}`, v]);
    s("hash:ht", [["HSET", "hash:ht", ...bigHash]], 10);
    const zpairs = SCORES.flatMap((sc, i) => [redisScore(sc), `m${i}`]);
    s("zset:lp", [["ZADD", "zset:lp", ...zpairs, "1", fromBinary(SHORT_BINARY), "77", "12"]], 11);
    const bigZ = big.slice(0, 300).flatMap((v, i) => [
      redisScore(SCORES[i % SCORES.length]! + (i % 2 ? 0 : i)),
      v,
    ]);
    s("zset:skiplist", [["ZADD", "zset:skiplist", ...bigZ]], 12);
    s("zset:longmember", [["ZADD", "zset:longmember", "2", "m".repeat(100), "-0", "a"]], 13);
  }
  for (const spec of specs) {
    const key = spec.key;
    for (const cmd of spec.build) cmd[1] = key;
  }
  return specs;
}

function redisScore(n: number): string {
  if (n === Infinity) return "+inf";
  if (n === -Infinity) return "-inf";
  if (Object.is(n, -0)) return "-0";
  return String(n);
}

async function fill(c: RespClient, specs: Spec[]): Promise<void> {
  for (const spec of specs) {
    await c.command("SELECT", spec.db);
    for (const cmd of spec.build) await c.command(...cmd);
    if (spec.expireAt !== undefined) await c.command("PEXPIREAT", spec.key, spec.expireAt);
  }
}

/** Writes `rows` with our writer, grouped by db. */
function writeRows(rows: Row[], options: { compression?: boolean } = {}): Uint8Array {
  const w = new RdbWriter(options);
  w.header();
  w.standardAux({
    redisVer: "7.0.15",
    redisBits: 64,
    ctime: 1700000000,
    usedMem: 1,
    aofBase: false,
  });
  for (const db of [...new Set(rows.map((r) => r.db))]) {
    const mine = rows.filter((r) => r.db === db);
    w.selectDb(db);
    w.resizeDb(mine.length, mine.filter((r) => r.expireAt !== undefined).length);
    for (const { key, value: v, expireAt } of mine) {
      switch (v.type) {
        case "string":
          w.stringEntry(key, v.value, expireAt);
          break;
        case "list":
          w.listEntry(key, v.items, expireAt);
          break;
        case "set":
          w.setEntry(key, v.members, expireAt);
          break;
        case "hash":
          w.hashEntry(key, v.pairs.flat(), expireAt);
          break;
        case "zset":
          w.zsetEntry(key, v.pairs, expireAt);
          break;
      }
    }
  }
  w.end();
  return w.bytes();
}

// ---- interop

Deno.test("reads every collection encoding in redis-server's dump.rdb", async () => {
  if (!requireTool("redis-server")) return;
  const dir = await Deno.makeTempDir();
  try {
    // Compress quicklist nodes past the head and tail, so LZF-packed nodes are read too.
    await using redis = await spawnRedis([
      "--dir",
      dir,
      "--dbfilename",
      "dump.rdb",
      "--list-compress-depth",
      "1",
      "--enable-debug-command",
      "yes",
    ]);
    await using c = await redis.client();
    // Items over 1000 bytes get a quicklist node of their own (PLAIN), as 1 GB items would.
    assert.equal(await c.command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", 1000), "OK");
    const specs = dataset();
    await fill(c, specs);
    // The encodings this test means to cover really are the ones in the file.
    const encodings = new Map<string, string>();
    for (const spec of specs) {
      await c.command("SELECT", spec.db);
      encodings.set(spec.key, await c.command("OBJECT", "ENCODING", spec.key) as string);
    }
    assert.deepEqual(
      [...new Set(encodings.values())].sort(),
      ["embstr", "hashtable", "intset", "listpack", "quicklist", "skiplist"],
    );
    assert.equal(encodings.get("set:intset:0"), "intset");
    assert.equal(encodings.get("hash:lp:0"), "listpack");
    assert.equal(encodings.get("zset:lp:0"), "listpack");
    assert.equal(await c.command("SAVE"), "OK");
    const file = await Deno.readFile(`${dir}/dump.rdb`);
    const got = readAll(file);
    const types = new Set(scanTypes(file));
    assert.ok(hasPlainNode(file), "a PLAIN quicklist node");
    assert.deepEqual([...types].sort((a, b) => a - b), [0, 2, 4, 5, 11, 16, 17, 18]);
    const expected = await dumpServer(c, [0, 2]);
    assert.equal(expected.length, specs.length);
    assert.deepEqual(got, expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Type codes of the entries in a file: the byte before each key, found by searching for the
 * keys (short raw strings, distinct from every value here) in file order.
 */
function scanTypes(file: Uint8Array): number[] {
  const types: number[] = [];
  const seen: string[] = [];
  readRdb(file, (_db, key) => seen.push(key));
  let from = 9;
  for (const key of seen) {
    // Each key is written as a short raw string right after its type byte.
    const needle = [key.length, ...fromBinary(key)];
    const at = indexOf(file, needle, from);
    assert.ok(at > 0, key);
    types.push(file[at - 1]!);
    from = at + needle.length;
  }
  return types;
}

/** True if the big-item list's first node is PLAIN (container 1) holding the 10 KB item. */
function hasPlainNode(file: Uint8Array): boolean {
  const name = "list:long:0";
  const key = [name.length, ...fromBinary(name)];
  const at = indexOf(file, key, 9);
  // Three nodes follow the key: node count 3, then the first node's container.
  return at > 0 && file[at + key.length] === 3 && file[at + key.length + 1] === 1;
}

function indexOf(hay: Uint8Array, needle: number[], from: number): number {
  outer: for (let i = from; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

for (const options of [{}, { compression: false }]) {
  Deno.test(`redis-server loads collections we write ${JSON.stringify(options)}`, async () => {
    if (!requireTool("redis-server")) return;
    const dir = await Deno.makeTempDir();
    const dir2 = await Deno.makeTempDir();
    try {
      // The rows: what a real server holds for the dataset, read back from it.
      let rows: Row[];
      {
        await using src = await spawnRedis(["--dir", dir2]);
        await using c = await src.client();
        await fill(c, dataset());
        rows = await dumpServer(c, [0, 2]);
      }
      await Deno.writeFile(`${dir}/dump.rdb`, writeRows(rows, options));
      assert.deepEqual(readAll(await Deno.readFile(`${dir}/dump.rdb`)), rows);
      await using redis = await spawnRedis(["--dir", dir, "--dbfilename", "dump.rdb"]);
      await using c = await redis.client();
      assert.deepEqual(await dumpServer(c, [0, 2]), rows);
      // Redis re-encodes what it loads: small ones compact again.
      await c.command("SELECT", 0);
      assert.equal(await c.command("OBJECT", "ENCODING", "hash:lp:0"), "listpack");
      assert.equal(await c.command("OBJECT", "ENCODING", "zset:lp:0"), "listpack");
      assert.equal(await c.command("OBJECT", "ENCODING", "set:intset:0"), "intset");
      assert.equal(await c.command("OBJECT", "ENCODING", "list:small:0"), "quicklist");
      assert.equal(await c.command("OBJECT", "ENCODING", "zset:skiplist:0"), "skiplist");
    } finally {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(dir2, { recursive: true });
    }
  });
}

// ---- hand-built files

function file(body: number[]): Uint8Array {
  return new Uint8Array([...fromBinary("REDIS0010"), ...body, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
}

function blob(b: Uint8Array): number[] {
  assert.ok(b.length < 64);
  return [b.length, ...b];
}

function readOne(bytes: Uint8Array): RdbValue {
  const out: RdbValue[] = [];
  readRdb(bytes, (_db, _key, value) => out.push(value));
  assert.equal(out.length, 1);
  return out[0]!;
}

Deno.test("each collection type code decodes from hand-built bytes", () => {
  const k = [1, 0x6b];
  assert.deepEqual(readOne(file([1, ...k, 2, 1, 0x61, 0xc0, 5])), {
    type: "list",
    items: ["a", "5"],
  });
  assert.deepEqual(readOne(file([2, ...k, 1, 1, 0x61])), { type: "set", members: ["a"] });
  assert.deepEqual(readOne(file([4, ...k, 1, 1, 0x66, 1, 0x76])), {
    type: "hash",
    pairs: ["f", "v"],
  });
  // Type 3: scores as text, 253/254/255 for nan/+inf/-inf.
  assert.deepEqual(
    readOne(file([3, ...k, 3, 1, 0x61, 3, 0x31, 0x2e, 0x35, 1, 0x62, 254, 1, 0x63, 255])),
    { type: "zset", pairs: [["a", 1.5], ["b", Infinity], ["c", -Infinity]] },
  );
  assert.throws(() => readOne(file([3, ...k, 1, 1, 0x61, 253])), /zset score is NaN/);
  assert.deepEqual(readOne(file([5, ...k, 1, 1, 0x61, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f])), {
    type: "zset",
    pairs: [["a", 1.5]],
  });
  assert.deepEqual(readOne(file([11, ...k, ...blob(encodeIntset([5n, -1n]))])), {
    type: "set",
    members: ["-1", "5"],
  });
  assert.deepEqual(readOne(file([16, ...k, ...blob(encodeListpack(["f", "1"]))])), {
    type: "hash",
    pairs: ["f", "1"],
  });
  assert.deepEqual(
    readOne(file([17, ...k, ...blob(encodeListpack(["a", "-inf", "b", "2", "c", "2.5"]))])),
    { type: "zset", pairs: [["a", -Infinity], ["b", 2], ["c", 2.5]] },
  );
  // Quicklist 2: a packed node, a plain node, another packed node.
  assert.deepEqual(
    readOne(file([
      18,
      ...k,
      3,
      2,
      ...blob(encodeListpack(["a", "1"])),
      1,
      2,
      0x78,
      0x79,
      2,
      ...blob(encodeListpack(["z"])),
    ])),
    { type: "list", items: ["a", "1", "xy", "z"] },
  );
});

/** A ziplist of short strings (under 64 bytes), as Redis before 7.0 wrote small collections. */
function ziplist(items: string[]): Uint8Array {
  const body: number[] = [];
  let prev = 0;
  let tail = 10;
  for (const s of items) {
    assert.ok(s.length < 64 && prev < 254);
    tail = 10 + body.length;
    body.push(prev, s.length, ...fromBinary(s));
    prev = 2 + s.length;
  }
  const total = 10 + body.length + 1;
  return new Uint8Array([total, 0, 0, 0, tail, 0, 0, 0, items.length, 0, ...body, 0xff]);
}

Deno.test("pre-7.0 encodings decode: ziplists (10, 12, 13), quicklist (14), zipmap (9)", () => {
  const k = [1, 0x6b];
  assert.deepEqual(readOne(file([10, ...k, ...blob(ziplist(["a", "b"]))])), {
    type: "list",
    items: ["a", "b"],
  });
  assert.deepEqual(
    readOne(file([14, ...k, 2, ...blob(ziplist(["a", "b"])), ...blob(ziplist(["c"]))])),
    { type: "list", items: ["a", "b", "c"] },
  );
  assert.deepEqual(readOne(file([13, ...k, ...blob(ziplist(["f", "v"]))])), {
    type: "hash",
    pairs: ["f", "v"],
  });
  assert.deepEqual(readOne(file([12, ...k, ...blob(ziplist(["m", "-1.5", "n", "inf"]))])), {
    type: "zset",
    pairs: [["m", -1.5], ["n", Infinity]],
  });
  assert.deepEqual(readOne(file([9, ...k, 7, 1, 1, 0x66, 1, 0, 0x76, 0xff])), {
    type: "hash",
    pairs: ["f", "v"],
  });
  assert.throws(() => readOne(file([9, ...k, 3, 1, 1, 0x66])), /corrupt zipmap/);
});

Deno.test("corrupt collections give an RdbError", () => {
  const k = [1, 0x6b];
  const cases: [number[], RegExp][] = [
    [[16, ...k, ...blob(encodeListpack(["f"]))], /hash with an odd element count/],
    [[17, ...k, ...blob(encodeListpack(["a", "x"]))], /bad zset score/],
    [[17, ...k, ...blob(encodeListpack(["a"]))], /zset with an odd element count/],
    [[16, ...k, 3, 1, 2, 3], /corrupt listpack/],
    [[11, ...k, 3, 1, 2, 3], /corrupt intset/],
    [[10, ...k, 3, 1, 2, 3], /corrupt ziplist/],
    [[18, ...k, 1, 3, 0], /unknown quicklist container 3/],
    [[16, ...k, 0xc0, 5], /integer where a packed blob was expected/],
    [[1, ...k, 0x80, 0x7f, 0xff, 0xff, 0xff], /unexpected end of file/],
    [[4, ...k, 0x80, 0x7f, 0xff, 0xff, 0xff], /unexpected end of file/],
    [[18, ...k, 0x80, 0x7f, 0xff, 0xff, 0xff], /unexpected end of file/],
  ];
  for (const [body, re] of cases) {
    assert.throws(() => readOne(file(body)), (e) => e instanceof RdbError && re.test(e.message));
  }
});

Deno.test("our writer's collections round-trip through our reader", () => {
  const rows: Row[] = sortRows([
    { db: 0, key: "l", value: { type: "list", items: ["a", "", BINARY, ...INTS] }, expireAt: 9 },
    { db: 0, key: "s", value: { type: "set", members: ["1", "b"] }, expireAt: undefined },
    { db: 1, key: "h", value: { type: "hash", pairs: [["f", "1"]] }, expireAt: undefined },
    {
      db: 1,
      key: "z",
      value: { type: "zset", pairs: SCORES.map((s, i) => [`m${i}`, s] as [string, number]) },
      expireAt: undefined,
    },
  ]);
  const zrow = rows.find((r) => r.key === "z")!;
  if (zrow.value.type === "zset") zrow.value.pairs.sort(byFirst);
  assert.deepEqual(readAll(writeRows(rows)), rows);
  const z = readAll(writeRows(rows)).find((r) => r.key === "z")!.value;
  assert.ok(z.type === "zset" && z.pairs.some(([, s]) => Object.is(s, -0)));
});

Deno.test("random corruption of collection entries never throws anything but RdbError", () => {
  const k = [1, 0x6b];
  const good = file([
    ...[18, ...k, 2, 2, ...blob(encodeListpack(["a", "1", "-5000"])), 1, 2, 0x78, 0x79],
    ...[17, ...k, ...blob(encodeListpack(["a", "1.5", "b", "2"]))],
    ...[16, ...k, ...blob(encodeListpack(["f", "v"]))],
    ...[11, ...k, ...blob(encodeIntset([1n, 70000n]))],
    ...[10, ...k, ...blob(ziplist(["a", "b"]))],
    ...[9, ...k, 7, 1, 1, 0x66, 1, 0, 0x76, 0xff],
    ...[5, ...k, 1, 1, 0x61, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f],
    ...[4, ...k, 1, 1, 0x66, 1, 0x76],
    ...[2, ...k, 2, 1, 0x61, 0xc0, 7],
  ]);
  let keys = 0;
  readRdb(good, () => keys++);
  assert.equal(keys, 9);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(good.length - 9), fc.integer({ min: 1, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      (flips) => {
        const bad = good.slice();
        for (const [i, m] of flips) bad[i + 9]! ^= m;
        try {
          readRdb(bad, () => {});
        } catch (e) {
          assert.ok(e instanceof RdbError, String(e));
        }
      },
    ),
    { numRuns: 5000 },
  );
});
