// Tests for lzf.ts: round trips, the format's limits (offsets, run and reference lengths),
// malformed input rejected without throwing, and interop with redis-server's DUMP/RESTORE.
import assert from "node:assert/strict";
import fc from "fast-check";
import { lzfCompress, lzfDecompress } from "./lzf.ts";
import { Crc64 } from "./crc64.ts";
import { requireTool, spawnRedis } from "../../../tests/_harness.ts";

function fromBinary(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function toBinary(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

function roundTrip(input: Uint8Array): Uint8Array | null {
  const c = lzfCompress(input);
  if (c === null) return null;
  assert.ok(c.length < input.length);
  const d = lzfDecompress(c, input.length);
  assert.ok(d !== null);
  assert.deepEqual(d, input);
  return c;
}

/** Data from a small alphabet with repeated chunks: usually compressible. */
const repetitive = fc.array(
  fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 40, min: 97, max: 100 }),
    fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 400 }))
      .map(([unit, times]) => {
        const out = new Uint8Array(unit.length * times);
        for (let i = 0; i < times; i++) out.set(unit, i * unit.length);
        return out;
      }),
  ),
  { maxLength: 30 },
).map((parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
});

Deno.test("lzf round trips random bytes whenever it compresses them", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (b) => void roundTrip(b)), {
    numRuns: 300,
  });
});

Deno.test("lzf round trips repetitive data", () => {
  fc.assert(fc.property(repetitive, (b) => void roundTrip(b)), { numRuns: 500 });
});

Deno.test("lzf compresses long runs and repeats to a small fraction", () => {
  const zeros = new Uint8Array(1 << 20);
  const c = roundTrip(zeros)!;
  // A reference covers at most 264 bytes in 3: the format's best ratio is about 1/88.
  assert.ok(c.length <= Math.ceil((1 << 20) / 264) * 3 + 2, `${c.length}`);
  const text = new TextEncoder().encode("the quick brown fox jumps over the lazy dog ".repeat(500));
  assert.ok(roundTrip(text)!.length < text.length / 10);
});

Deno.test("lzf round trips repeats 8192 bytes back and beyond the reach of a reference", () => {
  const block = new Uint8Array(9100);
  for (let i = 0; i < block.length; i++) block[i] = (i * 2654435761) >>> 24;
  const pattern = new TextEncoder().encode("0123456789ABCDEF");
  for (const gap of [8176, 8177, 8192, 8193, 8194, 9000]) {
    // pattern, `gap - 16` other bytes, pattern again: its repeat starts `gap` bytes later.
    const input = new Uint8Array(gap + 16);
    input.set(pattern, 0);
    input.set(block.subarray(0, gap - 16), 16);
    input.set(pattern, gap);
    const c = lzfCompress(input, input.length + 1000);
    assert.ok(c !== null);
    assert.deepEqual(lzfDecompress(c, input.length), input);
  }
});

Deno.test("lzfCompress returns null when the output would not be smaller", () => {
  assert.equal(lzfCompress(new Uint8Array()), null);
  assert.equal(lzfCompress(new Uint8Array([1, 2, 3])), null);
  const random = new Uint8Array(1000);
  crypto.getRandomValues(random);
  assert.equal(lzfCompress(random), null);
  // With room to grow, incompressible input comes out as literal runs, one header per 32 bytes.
  const withHeaders = lzfCompress(random, 2000);
  assert.ok(withHeaders !== null && withHeaders.length > 1000);
  assert.deepEqual(lzfDecompress(withHeaders, 1000), random);
  const zeros = new Uint8Array(100);
  const c = lzfCompress(zeros)!;
  assert.deepEqual(lzfCompress(zeros, c.length), c);
  assert.equal(lzfCompress(zeros, c.length - 1), null);
  assert.equal(lzfCompress(zeros, 0), null);
});

Deno.test("lzfDecompress decodes hand-built streams", () => {
  // "ab" as literals, then a reference of length 6 at offset 2: "abababab".
  assert.deepEqual(
    lzfDecompress(new Uint8Array([1, 97, 98, (4 << 5) | 0, 1]), 8),
    new TextEncoder().encode("abababab"),
  );
  // A long reference: length 7 + 3 + 2 = 12 copies of one byte.
  assert.deepEqual(
    lzfDecompress(new Uint8Array([0, 120, 7 << 5, 3, 0]), 13),
    new Uint8Array(13).fill(120),
  );
  assert.deepEqual(lzfDecompress(new Uint8Array(), 0), new Uint8Array());
});

Deno.test("lzfDecompress rejects malformed input", () => {
  const cases: [number[], number][] = [
    [[5, 1, 2], 6], // literal run past the input's end
    [[1, 1, 2], 1], // literal run past the output's end
    [[0, 1, 1 << 5, 1], 4], // reference before the output's start
    [[1 << 5, 0], 3], // reference with nothing decoded yet
    [[0, 1, 1 << 5], 4], // reference missing its offset byte
    [[0, 1, 7 << 5], 12], // long reference missing its length byte
    [[0, 1, 7 << 5, 3], 12], // long reference missing its offset byte
    [[0, 1, 7 << 5, 255, 0], 100], // reference past the output's end
    [[1, 1, 2], 3], // output shorter than announced
    [[1, 1, 2], 2.5], // not a length
    [[1, 1, 2], -1],
  ];
  for (const [bytes, len] of cases) {
    assert.equal(lzfDecompress(new Uint8Array(bytes), len), null, JSON.stringify(bytes));
  }
  // Every strict prefix of a valid stream, decoded to the full length, is rejected.
  const input = new TextEncoder().encode("hello hello hello hello world world world!");
  const c = lzfCompress(input)!;
  for (let cut = 0; cut < c.length; cut++) {
    assert.equal(lzfDecompress(c.subarray(0, cut), input.length), null);
  }
  assert.equal(lzfDecompress(c, input.length - 1), null);
  assert.equal(lzfDecompress(c, input.length + 1), null);
});

Deno.test("lzfDecompress never throws on garbage", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(5000), (bytes, len) => {
      const out = lzfDecompress(bytes, len);
      assert.ok(out === null || out.length === len);
    }),
    { numRuns: 2000 },
  );
});

/** RDB length encoding, as DUMP payloads use it. */
function rdbLength(n: number): number[] {
  if (n < 64) return [n];
  if (n < 16384) return [0x40 | (n >> 8), n & 0xff];
  return [0x80, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

function readRdbLength(b: Uint8Array, at: number): [number, number] {
  const first = b[at]!;
  switch (first >> 6) {
    case 0:
      return [first & 0x3f, at + 1];
    case 1:
      return [((first & 0x3f) << 8) | b[at + 1]!, at + 2];
    default: {
      assert.equal(first, 0x80, "only 32-bit lengths expected here");
      const v = ((b[at + 1]! << 24) | (b[at + 2]! << 16) | (b[at + 3]! << 8) | b[at + 4]!) >>> 0;
      return [v, at + 5];
    }
  }
}

/** A string-type DUMP payload holding `value` LZF-compressed, footer computed by crc64.ts. */
function lzfPayload(value: Uint8Array): Uint8Array {
  const c = lzfCompress(value, value.length - 4);
  assert.ok(c !== null);
  const head = [0x00, 0xc3, ...rdbLength(c.length), ...rdbLength(value.length)];
  const out = new Uint8Array(head.length + c.length + 2 + 8);
  out.set(head, 0);
  out.set(c, head.length);
  out.set([0x0a, 0x00], head.length + c.length);
  new Crc64().update(out.subarray(0, out.length - 8)).writeLE(out, out.length - 8);
  return out;
}

Deno.test("lzf interoperates with redis-server DUMP and RESTORE", async () => {
  if (!requireTool("redis-server")) return;
  await using redis = await spawnRedis();
  await using c = await redis.client();
  const abc = "abcdefghij".repeat(20); // 200 bytes
  let binary = "";
  for (let i = 0; i < 3000; i++) binary += String.fromCharCode((i * 7) & 0xff, i & 0x0f);
  const big = "redis snapshot ".repeat(20_000); // 300 kB: 32-bit RDB lengths
  for (const value of [abc, binary, big, "x".repeat(21), "hello world ".repeat(3)]) {
    const bytes = fromBinary(value);
    // Redis's own compression decodes with ours.
    await c.command("SET", "k", bytes);
    const dump = fromBinary(await c.command("DUMP", "k") as string);
    assert.equal(dump[0], 0x00, "string type");
    assert.equal(dump[1], 0xc3, "LZF-encoded string");
    const [clen, at1] = readRdbLength(dump, 2);
    const [len, at2] = readRdbLength(dump, at1);
    assert.equal(len, bytes.length);
    assert.equal(at2 + clen + 10, dump.length);
    assert.deepEqual(lzfDecompress(dump.subarray(at2, at2 + clen), len), bytes);
    // Ours is accepted by RESTORE and reads back intact.
    const payload = lzfPayload(bytes);
    assert.equal(await c.command("RESTORE", "mine", "0", payload, "REPLACE"), "OK");
    assert.equal(await c.command("GET", "mine"), value);
    assert.equal(toBinary(bytes), value);
  }
});
