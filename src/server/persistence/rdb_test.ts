// Tests for rdb_writer.ts and rdb_reader.ts: encoding choices byte by byte, round trips of random
// string datasets, interop both ways with redis-server (its dump.rdb read here, ours loaded
// there), and corrupt or truncated files rejected with an RdbError, never another exception.
import assert from "node:assert/strict";
import fc from "fast-check";
import { canonicalInt32, RdbWriter } from "./rdb_writer.ts";
import { RdbError, RdbReader, readRdb } from "./rdb_reader.ts";
import { Crc64 } from "./crc64.ts";
import { MutableString } from "../../engine/values.ts";
import { requireTool, spawnRedis } from "../../../tests/_harness.ts";

interface Entry {
  db: number;
  key: string;
  value: string;
  expireAt: number | undefined;
}

function fromBinary(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function readAll(bytes: Uint8Array): Entry[] {
  const out: Entry[] = [];
  readRdb(
    bytes,
    (db, key, value, expireAt) => out.push({ db, key, value: value as string, expireAt }),
  );
  return out;
}

/** Writes a file of `entries` (grouped by db in the order given). */
function writeFile(entries: Entry[], options: { compression?: boolean; checksum?: boolean } = {}) {
  const w = new RdbWriter(options);
  w.header();
  w.standardAux({
    redisVer: "7.0.15",
    redisBits: 64,
    ctime: 1700000000,
    usedMem: 1234567,
    aofBase: false,
  });
  const dbs = [...new Set(entries.map((e) => e.db))];
  for (const db of dbs) {
    const mine = entries.filter((e) => e.db === db);
    w.selectDb(db);
    w.resizeDb(mine.length, mine.filter((e) => e.expireAt !== undefined).length);
    for (const e of mine) w.stringEntry(e.key, e.value, e.expireAt);
  }
  w.end();
  return w.bytes();
}

/** The encoded bytes of one string. */
function encodeString(s: string, compression = true): number[] {
  const w = new RdbWriter({ compression });
  w.string(s);
  return [...w.bytes()];
}

function encodeLength(n: number): number[] {
  const w = new RdbWriter();
  w.length(n);
  return [...w.bytes()];
}

Deno.test("lengths use the 6-, 14-, 32- and 64-bit forms", () => {
  assert.deepEqual(encodeLength(0), [0]);
  assert.deepEqual(encodeLength(63), [63]);
  assert.deepEqual(encodeLength(64), [0x40, 64]);
  assert.deepEqual(encodeLength(16383), [0x7f, 0xff]);
  assert.deepEqual(encodeLength(16384), [0x80, 0, 0, 0x40, 0]);
  assert.deepEqual(encodeLength(0xffffffff), [0x80, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual(encodeLength(0x100000000), [0x81, 0, 0, 0, 1, 0, 0, 0, 0]);
  assert.deepEqual(encodeLength(2 ** 53 - 1), [0x81, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
});

Deno.test("canonical integers of 8, 16 and 32 bits get integer encodings", () => {
  assert.deepEqual(encodeString("0"), [0xc0, 0]);
  assert.deepEqual(encodeString("-128"), [0xc0, 0x80]);
  assert.deepEqual(encodeString("127"), [0xc0, 0x7f]);
  assert.deepEqual(encodeString("128"), [0xc1, 0x80, 0]);
  assert.deepEqual(encodeString("-129"), [0xc1, 0x7f, 0xff]);
  assert.deepEqual(encodeString("-32768"), [0xc1, 0, 0x80]);
  assert.deepEqual(encodeString("32767"), [0xc1, 0xff, 0x7f]);
  assert.deepEqual(encodeString("32768"), [0xc2, 0, 0x80, 0, 0]);
  assert.deepEqual(encodeString("2147483647"), [0xc2, 0xff, 0xff, 0xff, 0x7f]);
  assert.deepEqual(encodeString("-2147483648"), [0xc2, 0, 0, 0, 0x80]);
  // Not canonical or too wide: raw.
  for (const s of ["2147483648", "-2147483649", "-0", "01", "+1", " 1", "1 ", "", "-", "1a"]) {
    assert.deepEqual(encodeString(s), [s.length, ...fromBinary(s)], s);
    assert.equal(canonicalInt32(s), null, s);
  }
});

Deno.test("long strings are LZF-compressed only when that saves 4 bytes", () => {
  const long = "a".repeat(100);
  const enc = encodeString(long);
  assert.equal(enc[0], 0xc3);
  assert.deepEqual(encodeString(long, false), [0x40, 100, ...fromBinary(long)]);
  // 20 bytes is not "longer than 20": raw even if compressible.
  assert.equal(encodeString("a".repeat(20))[0], 20);
  assert.equal(encodeString("a".repeat(21))[0], 0xc3);
  // Incompressible: raw.
  let noise = "";
  for (let i = 0; i < 64; i++) noise += String.fromCharCode((i * 97 + 13) & 0xff);
  assert.equal(encodeString(noise)[0], 0x40);
  // A MutableString encodes as its bytes.
  const w = new RdbWriter();
  w.string(new MutableString("xyz".repeat(30)));
  assert.deepEqual([...w.bytes()], encodeString("xyz".repeat(30)));
});

Deno.test("header, expiry and footer layout", () => {
  const w = new RdbWriter();
  w.header();
  w.selectDb(2);
  w.stringEntry("k", "v", 0x0102030405);
  w.end();
  const b = w.bytes();
  assert.equal(new TextDecoder().decode(b.subarray(0, 9)), "REDIS0010");
  assert.deepEqual(
    [...b.subarray(9, b.length - 8)],
    [0xfe, 2, 0xfc, 5, 4, 3, 2, 1, 0, 0, 0, 0, 1, 0x6b, 1, 0x76, 0xff],
  );
  assert.ok(new Crc64().update(b.subarray(0, b.length - 8)).equalsLE(b, b.length - 8));
  const off = new RdbWriter({ checksum: false });
  off.header();
  off.end();
  assert.deepEqual([...off.bytes().subarray(10)], [0, 0, 0, 0, 0, 0, 0, 0]);
});

Deno.test("take() streams chunks that concatenate to the whole file", () => {
  const w = new RdbWriter();
  const parts: Uint8Array[] = [];
  w.header();
  let big = "";
  for (let i = 0; i < 200_000; i++) big += String.fromCharCode((i * 7919) & 0xff);
  for (let i = 0; i < 5; i++) {
    w.stringEntry(`k${i}`, big + i);
    parts.push(...w.take());
  }
  w.end();
  parts.push(...w.take());
  const total = parts.reduce((n, p) => n + p.length, 0);
  assert.equal(total, w.size);
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const got = readAll(all);
  assert.equal(got.length, 5);
  for (let i = 0; i < 5; i++) assert.equal(got[i]!.value, big + i);
});

const binaryString = (maxLength: number) =>
  fc.uint8Array({ maxLength }).map((b) => String.fromCharCode(...b));
const interesting = fc.constantFrom(
  "-128",
  "127",
  "128",
  "-129",
  "-32768",
  "32767",
  "32768",
  "-32769",
  "2147483647",
  "2147483648",
  "-2147483648",
  "-2147483649",
  "-0",
  "01",
  "0",
  "",
  "9223372036854775807",
);
/** A short binary unit repeated: long and usually compressible, so LZF is exercised. */
const compressible = fc.tuple(binaryString(6), fc.integer({ min: 1, max: 300 }))
  .map(([u, n]) => (u || "z").repeat(n));
const anyValue = fc.oneof(binaryString(64), interesting, compressible, fc.integer().map(String));

Deno.test("random string datasets round-trip, with and without compression and checksum", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          db: fc.constantFrom(0, 1, 3, 15, 100),
          key: fc.oneof(binaryString(20), interesting),
          value: anyValue,
          expireAt: fc.option(fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.constant(-1)), {
            nil: undefined,
          }),
        }),
        { maxLength: 30 },
      ),
      fc.boolean(),
      fc.boolean(),
      (entries, compression, checksum) => {
        const file = writeFile(entries, { compression, checksum });
        // Plain objects (fast-check's records have a null prototype); grouped by db as written.
        const byDb = [...new Set(entries.map((e) => e.db))].flatMap((db) =>
          entries.filter((e) => e.db === db).map((e) => ({ ...e }))
        );
        assert.deepEqual(readAll(file), byDb);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a file fed in random parts as it arrives reads exactly as the whole file", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          db: fc.constantFrom(0, 2),
          key: binaryString(20),
          value: anyValue,
          expireAt: fc.option(fc.integer({ min: 0, max: 2 ** 45 }), { nil: undefined }),
        }),
        { maxLength: 20 },
      ),
      fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 40 }),
      (entries, cuts) => {
        const file = writeFile(entries);
        const whole = readAll(file);
        const got: Entry[] = [];
        let fed = Math.min(file.length, 9 + cuts[0]!);
        const reader = new RdbReader(
          file.subarray(0, fed),
          (db, key, value, expireAt) => got.push({ db, key, value: value as string, expireAt }),
          {},
          fed < file.length,
        );
        for (let i = 1;; i++) {
          const summary = reader.step(Infinity);
          if (summary !== null) {
            assert.equal(summary.end, file.length);
            break;
          }
          // Stopping is only ever for want of bytes, and never past what was fed.
          assert.ok(reader.starved && fed < file.length);
          assert.ok(reader.position <= fed);
          fed = Math.min(file.length, fed + cuts[i % cuts.length]!);
          reader.feed(file.subarray(0, fed), fed === file.length);
        }
        assert.deepEqual(got, whole);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("a file cut short while streaming is a truncation error once the feed is final", () => {
  const file = writeFile([{ db: 0, key: "k", value: "v".repeat(100), expireAt: undefined }]);
  const reader = new RdbReader(file.subarray(0, 20), () => {}, {}, true);
  assert.equal(reader.step(Infinity), null);
  assert.ok(reader.starved);
  reader.feed(file.subarray(0, 40), true);
  assert.throws(() => reader.step(Infinity), RdbError);
});

Deno.test("reader accepts versions 1 to 10 and refuses others by name", () => {
  for (const version of [1, 5, 9, 10]) {
    const w = new RdbWriter();
    w.header(version);
    w.stringEntry("a", "b");
    w.end();
    // Before version 5 there is no checksum: drop the footer.
    const b = w.bytes();
    const file = version < 5 ? b.subarray(0, b.length - 8) : b;
    assert.deepEqual(readAll(file), [{ db: 0, key: "a", value: "b", expireAt: undefined }]);
  }
  for (const version of [0, 11, 12]) {
    const w = new RdbWriter();
    w.header(version);
    w.end();
    assert.throws(() => readAll(w.bytes()), /can't handle RDB format version/);
  }
});

Deno.test("old EXPIRETIME (seconds) and IDLE/FREQ opcodes are read", () => {
  const b = [...fromBinary("REDIS0009")];
  b.push(0xfd, 0x10, 0, 0, 0, 0, 1, 0x6b, 1, 0x76); // expire 16 s
  b.push(0xf8, 5, 0xf9, 7, 0, 1, 0x6c, 0xc0, 0xff); // idle, freq, "l" = -1
  b.push(0xff, 0, 0, 0, 0, 0, 0, 0, 0);
  assert.deepEqual(readAll(new Uint8Array(b)), [
    { db: 0, key: "k", value: "v", expireAt: 16000 },
    { db: 0, key: "l", value: "-1", expireAt: undefined },
  ]);
});

Deno.test("other types and opcodes are refused by number", () => {
  for (
    const [type, re] of [
      [6, /unsupported type 6 at offset 9/],
      [
        15,
        /unsupported type 15 at offset 9/,
      ],
      [19, /unsupported type 19/],
      [0xf5, /unsupported opcode 245/],
      [
        0xf7,
        /unsupported opcode 247/,
      ],
    ] as const
  ) {
    const b = new Uint8Array([...fromBinary("REDIS0010"), type, 1, 0x61, 1, 0x62, 0xff]);
    assert.throws(() => readAll(b), (e) => e instanceof RdbError && re.test(e.message));
  }
});

function sampleFile(): Uint8Array {
  return writeFile([
    { db: 0, key: "a", value: "hello", expireAt: undefined },
    { db: 0, key: "n", value: "-32768", expireAt: 1893456000000 },
    { db: 3, key: "long", value: "abcabcabc".repeat(10), expireAt: undefined },
    { db: 3, key: "i32", value: "2147483647", expireAt: 5 },
  ]);
}

Deno.test("every truncation and every single-byte flip gives an RdbError or a clean read", () => {
  const file = sampleFile();
  assert.equal(readAll(file).length, 4);
  for (let n = 0; n < file.length; n++) {
    assert.throws(() => readAll(file.subarray(0, n)), RdbError, `truncated at ${n}`);
  }
  for (let i = 0; i < file.length; i++) {
    for (const mask of [1, 0x80, 0xff]) {
      const bad = file.slice();
      bad[i]! ^= mask;
      try {
        readAll(bad);
        assert.fail(`flip of byte ${i} with ${mask} went unnoticed`);
      } catch (e) {
        // The checksum covers every byte, so each flip is caught.
        assert.ok(e instanceof RdbError, `byte ${i}: ${e}`);
      }
    }
  }
});

Deno.test("random corruption of checksum-less files never throws anything but RdbError", () => {
  const file = writeFile([
    { db: 0, key: "a", value: "x".repeat(500), expireAt: 7 },
    { db: 2, key: "b", value: "12", expireAt: undefined },
  ], { checksum: false });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 1, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      (flips) => {
        const bad = file.slice();
        for (const [i, m] of flips) bad[i]! ^= m;
        try {
          readAll(bad);
        } catch (e) {
          assert.ok(e instanceof RdbError, String(e));
        }
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("bad magic, checksum mismatch and huge lengths are named errors", () => {
  const file = sampleFile();
  const magic = file.slice();
  magic[0] = 0x58;
  assert.throws(() => readAll(magic), /wrong signature, not an RDB file at offset 0/);
  const sum = file.slice();
  sum[sum.length - 1]! ^= 1;
  assert.throws(() => readAll(sum), /RDB checksum mismatch at offset \d+/);
  // A raw string claiming 4 GB, and an LZF string claiming a huge output: no allocation.
  const head = [...fromBinary("REDIS0010"), 0];
  assert.throws(
    () => readAll(new Uint8Array([...head, 0x80, 0xff, 0xff, 0xff, 0xff, 1])),
    /unexpected end of file/,
  );
  assert.throws(
    () => readAll(new Uint8Array([...head, 0xc3, 2, 0x81, 0, 0x1f, 0xff, 0xff, 0, 0, 0, 0, 0, 0])),
    /bad LZF lengths/,
  );
  assert.throws(
    () => readAll(new Uint8Array([...head, 0x81, 0xff, 0, 0, 0, 0, 0, 0, 0])),
    /length too large/,
  );
  assert.throws(() => readAll(new Uint8Array([...head, 0xc5])), /unknown string encoding 5/);
});

// ---- interop with redis-server

const ports = { save: 7891, load: 7892, load2: 7893, exact: 7894 };

function redisDataset(): Entry[] {
  const out: Entry[] = [];
  let binary = "";
  for (let i = 0; i < 256; i++) binary += String.fromCharCode(i);
  const far = Date.now() + 10 * 365 * 86400_000;
  const values = [
    "",
    "hello",
    binary,
    "-128",
    "127",
    "128",
    "-32768",
    "32767",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "-0",
    "01",
    "12345678901234567890",
    "3.14",
    "redis snapshot ".repeat(2000),
    "a".repeat(21),
    "ab".repeat(10),
    binary.repeat(40),
    "x".repeat(70_000),
  ];
  values.forEach((v, i) => {
    for (const db of [0, 3]) {
      out.push({ db, key: `k${i}:${db}`, value: v, expireAt: i % 3 === 0 ? far + i : undefined });
    }
  });
  out.push({ db: 0, key: binary, value: "binary key", expireAt: undefined });
  out.push({ db: 3, key: "127", value: "int key", expireAt: undefined });
  return out;
}

function sortEntries(entries: Entry[]): Entry[] {
  return [...entries].sort((a, b) => a.db - b.db || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

Deno.test("reads redis-server's dump.rdb: every key, value and expiry", async () => {
  if (!requireTool("redis-server")) return;
  const dir = await Deno.makeTempDir();
  try {
    await using redis = await spawnRedis(["--dir", dir, "--dbfilename", "dump.rdb"], ports.save);
    await using c = await redis.client();
    const data = redisDataset();
    for (const e of data) {
      await c.command("SELECT", e.db);
      await c.command("SET", e.key, fromBinary(e.value));
      if (e.expireAt !== undefined) await c.command("PEXPIREAT", e.key, e.expireAt);
    }
    assert.equal(await c.command("SAVE"), "OK");
    const got = readAll(await Deno.readFile(`${dir}/dump.rdb`));
    // What the server reports, not what we sent.
    const expected: Entry[] = [];
    for (const db of [0, 3]) {
      await c.command("SELECT", db);
      const keys = await c.command("KEYS", "*") as string[];
      for (const key of keys) {
        const pexp = await c.command("PEXPIRETIME", fromBinary(key)) as number;
        expected.push({
          db,
          key,
          value: await c.command("GET", fromBinary(key)) as string,
          expireAt: pexp === -1 ? undefined : pexp,
        });
      }
    }
    assert.equal(expected.length, data.length);
    assert.deepEqual(sortEntries(got), sortEntries(expected));
    assert.deepEqual(sortEntries(got), sortEntries(data));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const options of [{}, { compression: false, checksum: false }]) {
  Deno.test(`redis-server loads our dump.rdb ${JSON.stringify(options)}`, async () => {
    if (!requireTool("redis-server")) return;
    const dir = await Deno.makeTempDir();
    try {
      const data = redisDataset();
      await Deno.writeFile(`${dir}/dump.rdb`, writeFile(data, options));
      const port = "checksum" in options ? ports.load2 : ports.load;
      await using redis = await spawnRedis(["--dir", dir, "--dbfilename", "dump.rdb"], port);
      await using c = await redis.client();
      for (const db of [0, 3, 1]) {
        await c.command("SELECT", db);
        const mine = data.filter((e) => e.db === db);
        assert.equal(await c.command("DBSIZE"), mine.length, `db ${db}`);
        for (const e of mine) {
          const k = fromBinary(e.key);
          assert.equal(await c.command("GET", k), e.value, `GET ${JSON.stringify(e.key)}`);
          assert.equal(await c.command("PEXPIRETIME", k), e.expireAt ?? -1);
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("our bytes equal redis-server's for a one-key-per-db file without LZF", async () => {
  if (!requireTool("redis-server")) return;
  const dir = await Deno.makeTempDir();
  try {
    await using redis = await spawnRedis(["--dir", dir, "--dbfilename", "dump.rdb"], ports.exact);
    await using c = await redis.client();
    await c.command("SET", "n", "-32768");
    await c.command("PEXPIREAT", "n", 4102444800123);
    await c.command("SELECT", 5);
    await c.command("SET", "s", "plain value");
    await c.command("SAVE");
    const theirs = await Deno.readFile(`${dir}/dump.rdb`);
    const aux: [string, string][] = [];
    readRdb(theirs, () => {}, { onAux: (k, v) => aux.push([k, v]) });
    assert.deepEqual(aux.map(([k]) => k), [
      "redis-ver",
      "redis-bits",
      "ctime",
      "used-mem",
      "aof-base",
    ]);
    const w = new RdbWriter();
    w.header();
    for (const [k, v] of aux) w.aux(k, v);
    w.selectDb(0);
    w.resizeDb(1, 1);
    w.stringEntry("n", "-32768", 4102444800123);
    w.selectDb(5);
    w.resizeDb(1, 0);
    w.stringEntry("s", "plain value");
    w.end();
    assert.deepEqual(w.bytes(), theirs);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("packed collection entries (quicklist, intset, hash and zset listpacks) read back and load into redis-server with Redis's encodings", async () => {
  const big = "x".repeat(5000); // two of these overflow one 8 KB quicklist node
  const list = ["a", "12", "-7", big, big, "9223372036854775807", ""];
  const ints = ["-9223372036854775808", "-1", "0", "70000", "9223372036854775807"];
  const hash = ["f", "v", "n", "123", "e", ""];
  const zset: [string, number][] = [
    ["m1", -Infinity],
    ["m2", -0],
    ["m3", 1.5],
    ["m4", 3],
    [
      "m5",
      1e20,
    ],
    ["m6", 2 ** 53],
    ["m7", Infinity],
  ];
  const w = new RdbWriter();
  w.header();
  w.selectDb(0);
  w.quicklistEntry("l", list);
  w.intsetEntry("s", ints);
  w.hashListpackEntry("h", hash);
  w.zsetListpackEntry("z", zset);
  w.end();
  const bytes = w.bytes();
  const got = new Map<string, unknown>();
  readRdb(bytes, (_db, key, value) => got.set(key, value));
  assert.deepEqual(got.get("l"), { type: "list", items: list });
  assert.deepEqual(got.get("s"), { type: "set", members: ints });
  assert.deepEqual(got.get("h"), { type: "hash", pairs: hash });
  assert.deepEqual(got.get("z"), { type: "zset", pairs: zset });

  if (!requireTool("redis-server")) return;
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/dump.rdb`, bytes);
    await using redis = await spawnRedis(["--dir", dir, "--dbfilename", "dump.rdb"]);
    await using c = await redis.client();
    assert.deepEqual(await c.command("LRANGE", "l", 0, -1), list);
    assert.deepEqual(await c.command("OBJECT", "ENCODING", "l"), "quicklist");
    assert.deepEqual(
      ((await c.command("SMEMBERS", "s")) as string[]).sort(),
      [...ints].sort(),
    );
    assert.equal(await c.command("OBJECT", "ENCODING", "s"), "intset");
    assert.deepEqual(await c.command("HGETALL", "h"), hash);
    assert.equal(await c.command("OBJECT", "ENCODING", "h"), "listpack");
    assert.deepEqual(await c.command("ZRANGE", "z", 0, -1, "WITHSCORES"), [
      "m1",
      "-inf",
      "m2",
      "-0",
      "m3",
      "1.5",
      "m4",
      "3",
      "m5",
      "1e+20",
      "m6",
      "9007199254740992",
      "m7",
      "inf",
    ]);
    assert.equal(await c.command("OBJECT", "ENCODING", "z"), "listpack");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
