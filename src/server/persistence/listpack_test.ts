// Tests for listpack.ts and intset.ts: every listpack element encoding from hand-built bytes,
// encoder/decoder round trips, ziplists, intsets, and malformed input giving null.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  canonicalInt64,
  decodeListpack,
  decodeZiplist,
  decodeZipmap,
  encodeListpack,
} from "./listpack.ts";
import { decodeIntset, encodeIntset } from "./intset.ts";

/** A listpack from raw entries (encoding + data); backlens, header and terminator added here. */
function lp(entries: number[][], count = entries.length): Uint8Array {
  const body: number[] = [];
  for (const e of entries) {
    body.push(...e);
    const n = e.length;
    if (n < 128) body.push(n);
    else if (n < 16384) body.push(n >> 7, (n & 127) | 128);
    else body.push(n >> 14, ((n >> 7) & 127) | 128, (n & 127) | 128);
  }
  const total = 6 + body.length + 1;
  return new Uint8Array([
    total & 0xff,
    (total >> 8) & 0xff,
    (total >> 16) & 0xff,
    total >>> 24,
    count & 0xff,
    count >> 8,
    ...body,
    0xff,
  ]);
}

const bytesOf = (s: string) => [...s].map((c) => c.charCodeAt(0));

Deno.test("listpack: every element encoding decodes", () => {
  const s63 = "x".repeat(63);
  const s64 = "y".repeat(64);
  const s4095 = "z".repeat(4095);
  const s4096 = "w".repeat(4096);
  const got = decodeListpack(lp([
    [0], // 7-bit uint
    [127],
    [0x80], // 6-bit string, empty
    [0x83, ...bytesOf("abc")],
    [0x80 | 63, ...bytesOf(s63)],
    [0xc0, 128], // 13-bit int: 128
    [0xcf, 0xff], // 4095
    [0xd0, 0x00], // -4096
    [0xdf, 0xff], // -1
    [0xe0, 64, ...bytesOf(s64)], // 12-bit string
    [0xef, 0xff, ...bytesOf(s4095)],
    [0xf0, 0x00, 0x10, 0, 0, ...bytesOf(s4096)], // 32-bit string
    [0xf1, 0x00, 0x80], // int16 -32768
    [0xf1, 0xff, 0x7f], // 32767
    [0xf2, 0x00, 0x00, 0x80], // int24 -8388608
    [0xf2, 0xff, 0xff, 0x7f],
    [0xf3, 0x00, 0x00, 0x00, 0x80], // int32 -2147483648
    [0xf3, 0xff, 0xff, 0xff, 0x7f],
    [0xf4, 0, 0, 0, 0, 0, 0, 0, 0x80], // int64 min
    [0xf4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
    [0xf4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // -1
    [0x82, 0x00, 0xff], // binary
  ]));
  assert.deepEqual(got, [
    "0",
    "127",
    "",
    "abc",
    s63,
    "128",
    "4095",
    "-4096",
    "-1",
    s64,
    s4095,
    s4096,
    "-32768",
    "32767",
    "-8388608",
    "8388607",
    "-2147483648",
    "2147483647",
    "-9223372036854775808",
    "9223372036854775807",
    "-1",
    "\x00\xff",
  ]);
});

Deno.test("listpack: empty, and unknown element count (65535) is walked", () => {
  assert.deepEqual(decodeListpack(new Uint8Array([7, 0, 0, 0, 0, 0, 0xff])), []);
  assert.deepEqual(decodeListpack(lp([[1], [2]], 65535)), ["1", "2"]);
});

Deno.test("listpack: encoder picks the smallest encoding, byte for byte", () => {
  const cases: [string, number[]][] = [
    ["0", [0]],
    ["127", [127]],
    ["128", [0xc0, 128]],
    ["-1", [0xdf, 0xff]],
    ["4095", [0xcf, 0xff]],
    ["-4096", [0xd0, 0]],
    ["4096", [0xf1, 0x00, 0x10]],
    ["-32768", [0xf1, 0x00, 0x80]],
    ["32768", [0xf2, 0x00, 0x80, 0x00]],
    ["8388608", [0xf3, 0, 0, 0x80, 0]],
    ["2147483648", [0xf4, 0, 0, 0, 0x80, 0, 0, 0, 0]],
    ["-0", [0x82, 0x2d, 0x30]],
    ["01", [0x82, 0x30, 0x31]],
    ["9223372036854775808", [0x80 | 19, ...bytesOf("9223372036854775808")]],
    ["", [0x80]],
  ];
  for (const [s, entry] of cases) {
    assert.deepEqual([...encodeListpack([s])], [...lp([entry])], s);
  }
  const long = "q".repeat(200);
  assert.deepEqual([...encodeListpack([long])], [...lp([[0xe0, 200, ...bytesOf(long)]])]);
  const huge = "h".repeat(20000);
  assert.deepEqual(
    [...encodeListpack([huge])],
    [...lp([[0xf0, 0x20, 0x4e, 0, 0, ...bytesOf(huge)]])],
  );
});

Deno.test("listpack: random items round-trip", () => {
  const item = fc.oneof(
    fc.uint8Array({ maxLength: 80 }).map((b) => String.fromCharCode(...b)),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
    fc.integer({ min: -70000, max: 70000 }).map(String),
    fc.constantFrom("x".repeat(5000), "-0", "007", "+5", " 1"),
  );
  fc.assert(
    fc.property(fc.array(item, { maxLength: 40 }), (items) => {
      assert.deepEqual(decodeListpack(encodeListpack(items)), items);
    }),
    { numRuns: 500 },
  );
  assert.equal(canonicalInt64("9223372036854775807"), 2n ** 63n - 1n);
  assert.equal(canonicalInt64("-9223372036854775809"), null);
});

Deno.test("listpack: malformed input gives null", () => {
  const good = lp([[0x83, ...bytesOf("abc")], [0xf1, 1, 2], [5]]);
  assert.notEqual(decodeListpack(good), null);
  // Every truncation (total size then disagrees) and a fixed-up total that lies.
  for (let n = 0; n < good.length; n++) assert.equal(decodeListpack(good.subarray(0, n)), null);
  const cut = good.slice(0, good.length - 1);
  cut[0] = cut.length;
  assert.equal(decodeListpack(cut), null, "no terminator");
  const wrongCount = good.slice();
  wrongCount[4] = 2;
  assert.equal(decodeListpack(wrongCount), null, "count");
  const badBacklen = good.slice();
  badBacklen[6 + 4] = 5; // "abc" entry's backlen says 5, not 4
  assert.equal(decodeListpack(badBacklen), null, "backlen");
  const longString = good.slice();
  longString[6] = 0x80 | 40; // string runs past the end
  assert.equal(decodeListpack(longString), null, "string overrun");
  for (const tag of [0xf5, 0xf8, 0xfe, 0xff]) {
    assert.equal(decodeListpack(lp([[tag]])), null, `tag ${tag}`);
  }
  assert.equal(decodeListpack(lp([[0xf0, 0xff, 0xff, 0xff, 0xff]])), null, "huge 32-bit string");
  assert.equal(decodeListpack(lp([[0xf4, 1, 2]])), null, "short int64");
  // Random flips never throw.
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })), {
        minLength: 1,
        maxLength: 3,
      }),
      (flips) => {
        const bad = good.slice();
        for (const [i, m] of flips) bad[i]! ^= m;
        const r = decodeListpack(bad);
        assert.ok(r === null || Array.isArray(r));
      },
    ),
    { numRuns: 2000 },
  );
});

/** A ziplist from raw entry bodies (encoding + data); prevlens, header and end added here. */
function zl(entries: number[][]): Uint8Array {
  const body: number[] = [];
  let prev = 0;
  let tail = 10;
  for (const e of entries) {
    tail = 10 + body.length;
    const head = prev < 254 ? [prev] : [0xfe, prev & 0xff, (prev >> 8) & 0xff, prev >> 16, 0];
    body.push(...head, ...e);
    prev = head.length + e.length;
  }
  const total = 10 + body.length + 1;
  const n = entries.length;
  return new Uint8Array([
    total & 0xff,
    (total >> 8) & 0xff,
    (total >> 16) & 0xff,
    total >>> 24,
    tail & 0xff,
    (tail >> 8) & 0xff,
    0,
    0,
    n & 0xff,
    n >> 8,
    ...body,
    0xff,
  ]);
}

Deno.test("ziplist: every entry encoding decodes; malformed gives null", () => {
  const s300 = "s".repeat(300);
  const got = decodeZiplist(zl([
    [0x03, ...bytesOf("abc")],
    [0x41, 0x2c, ...bytesOf(s300)], // 14-bit length 300 (big-endian)
    [0x80, 0, 0, 0, 2, 0x41, 0x42],
    [0xc0, 0x00, 0x80], // int16
    [0xd0, 0xff, 0xff, 0xff, 0x7f], // int32
    [0xe0, 0, 0, 0, 0, 0, 0, 0, 0x80], // int64
    [0xf0, 0xff, 0xff, 0xff], // int24 -1
    [0xfe, 0x80], // int8 -128
    [0xf1], // immediate 0
    [0xfd], // immediate 12
  ]));
  assert.deepEqual(got, [
    "abc",
    s300,
    "AB",
    "-32768",
    "2147483647",
    "-9223372036854775808",
    "-1",
    "-128",
    "0",
    "12",
  ]);
  const good = zl([[0x01, 0x61], [0xfe, 5]]);
  assert.deepEqual(decodeZiplist(good), ["a", "5"]);
  for (let n = 0; n < good.length; n++) assert.equal(decodeZiplist(good.subarray(0, n)), null);
  const badPrev = good.slice();
  badPrev[10 + 3] = 9;
  assert.equal(decodeZiplist(badPrev), null);
  const badTail = good.slice();
  badTail[4] = 10;
  assert.equal(decodeZiplist(badTail), null);
  assert.equal(decodeZiplist(zl([[0xf0, 1]])), null);
});

Deno.test("intset: widths 2, 4, 8 decode; unsorted or wrong sizes give null", () => {
  assert.deepEqual(decodeIntset(encodeIntset([3n, -1n, 2n])), ["-1", "2", "3"]);
  assert.deepEqual([...encodeIntset([1n, -2n])], [2, 0, 0, 0, 2, 0, 0, 0, 0xfe, 0xff, 1, 0]);
  assert.deepEqual(decodeIntset(encodeIntset([40000n, -5n])), ["-5", "40000"]);
  assert.equal(encodeIntset([40000n])[0], 4);
  const wide = [-(2n ** 63n), 0n, 2n ** 63n - 1n];
  assert.deepEqual(decodeIntset(encodeIntset(wide)), wide.map(String));
  assert.equal(encodeIntset(wide)[0], 8);
  assert.deepEqual(decodeIntset(encodeIntset([])), []);
  assert.equal(decodeIntset(new Uint8Array([2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 1, 0])), null);
  assert.equal(decodeIntset(new Uint8Array([2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 1, 0])), null);
  assert.equal(decodeIntset(new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0])), null);
  assert.equal(decodeIntset(new Uint8Array([2, 0, 0, 0, 2, 0, 0, 0, 1, 0])), null);
  assert.equal(decodeIntset(new Uint8Array([2, 0, 0])), null);
});

Deno.test("zipmap: pairs with free space and long lengths decode; malformed gives null", () => {
  const v300 = "v".repeat(300);
  const zm = new Uint8Array([
    2,
    1,
    0x61, // "a"
    2,
    1, // one free byte after the value
    0x78,
    0x79,
    0, // the free byte
    2,
    0x62,
    0x63, // "bc"
    254,
    44,
    1,
    0,
    0, // 300, four bytes little-endian
    0,
    ...bytesOf(v300),
    0xff,
  ]);
  assert.deepEqual(decodeZipmap(zm), ["a", "xy", "bc", v300]);
  const unknownCount = zm.slice();
  unknownCount[0] = 254;
  assert.deepEqual(decodeZipmap(unknownCount), ["a", "xy", "bc", v300]);
  assert.deepEqual(decodeZipmap(new Uint8Array([0, 0xff])), []);
  for (let n = 0; n < zm.length; n++) assert.equal(decodeZipmap(zm.subarray(0, n)), null);
  const wrongCount = zm.slice();
  wrongCount[0] = 3;
  assert.equal(decodeZipmap(wrongCount), null);
  const bigFree = zm.slice();
  bigFree[4] = 200;
  assert.equal(decodeZipmap(bigFree), null);
});
