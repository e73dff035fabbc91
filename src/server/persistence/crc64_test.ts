// Tests for crc64.ts: the documented check value, incremental feeding, the slicing tables against
// a bit-at-a-time reference, and the footer of real redis-server DUMP payloads.
import assert from "node:assert/strict";
import fc from "fast-check";
import { Crc64, crc64 } from "./crc64.ts";
import { requireTool, RespError, spawnRedis } from "../../../tests/_harness.ts";

const POLY_REFLECTED = 0x95ac9329ac4bc9b5n;
const MASK = 0xffffffffffffffffn;

/** The textbook bit-at-a-time reflected CRC, as the reference the tables must match. */
function referenceCrc64(crc: bigint, bytes: Uint8Array): bigint {
  for (const b of bytes) {
    crc ^= BigInt(b);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ POLY_REFLECTED : crc >> 1n;
  }
  return crc & MASK;
}

function fromBinary(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function readLE64(b: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(b[at + k]!);
  return v;
}

Deno.test("crc64 of '123456789' is Redis's documented check value", () => {
  assert.equal(crc64(0n, new TextEncoder().encode("123456789")), 0xe9c6d914c4b8d9can);
});

Deno.test("crc64 of nothing is the initial value", () => {
  assert.equal(crc64(0n, new Uint8Array()), 0n);
  assert.equal(crc64(0x123456789abcdef0n, new Uint8Array()), 0x123456789abcdef0n);
});

Deno.test("crc64 slicing tables match the bit-at-a-time reference", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.bigInt({ min: 0n, max: MASK }),
      (bytes, start) => {
        assert.equal(crc64(start, bytes), referenceCrc64(start, bytes));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("crc64 fed in chunks equals crc64 of the whole input", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 2000 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (bytes, cuts) => {
        const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
        const h = new Crc64();
        let prev = 0;
        let viaBigint = 0n;
        for (const p of [...points, bytes.length]) {
          h.update(bytes.subarray(prev, p));
          viaBigint = crc64(viaBigint, bytes.subarray(prev, p));
          prev = p;
        }
        const whole = crc64(0n, bytes);
        assert.equal(h.digest(), whole);
        assert.equal(viaBigint, whole);
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("Crc64 writes and compares its value as 8 little-endian bytes", () => {
  const h = new Crc64().update(new TextEncoder().encode("123456789"));
  const out = new Uint8Array(10);
  h.writeLE(out, 1);
  assert.deepEqual([...out], [0, 0xca, 0xd9, 0xb8, 0xc4, 0x14, 0xd9, 0xc6, 0xe9, 0]);
  assert.equal(readLE64(out, 1), h.digest());
  assert.ok(h.equalsLE(out, 1));
  assert.ok(!h.equalsLE(out, 0));
  assert.ok(!h.equalsLE(out, 3)); // runs past the end
  assert.equal(new Crc64(h.digest()).digest(), h.digest());
});

Deno.test("crc64 checksums a large buffer quickly and correctly", () => {
  const big = new Uint8Array(8 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  const sample = big.subarray(0, 4096);
  assert.equal(crc64(0n, sample), referenceCrc64(0n, sample));
  // Two halves fed separately give the same result as the whole.
  const whole = crc64(0n, big);
  assert.equal(crc64(crc64(0n, big.subarray(0, 12345)), big.subarray(12345)), whole);
});

Deno.test("crc64 of a redis-server DUMP payload equals its footer", async () => {
  if (!requireTool("redis-server")) return;
  await using redis = await spawnRedis();
  await using c = await redis.client();
  const rng = (seed: number) => () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  const next = rng(7);
  let allBytes = "";
  for (let i = 0; i < 256; i++) allBytes += String.fromCharCode(i);
  let random = "";
  for (let i = 0; i < 100_000; i++) random += String.fromCharCode(next());
  const values: Record<string, string> = {
    empty: "",
    small: "hi",
    integer: "12345",
    binary: allBytes,
    compressible: "abc".repeat(5000),
    random,
  };
  for (const [key, value] of Object.entries(values)) {
    assert.equal(await c.command("SET", key, fromBinary(value)), "OK");
    const dump = fromBinary(await c.command("DUMP", key) as string);
    const body = dump.subarray(0, dump.length - 8);
    assert.equal(crc64(0n, body), readLE64(dump, dump.length - 8), key);
    assert.ok(new Crc64().update(body).equalsLE(dump, body.length), key);
  }
  // Redis does check the footer: one flipped bit and RESTORE refuses the payload.
  const dump = fromBinary(await c.command("DUMP", "small") as string);
  dump[dump.length - 1]! ^= 1;
  const reply = await c.call("RESTORE", "other", "0", dump);
  assert.ok(reply instanceof RespError);
  assert.equal(reply.message, "ERR DUMP payload version or checksum are wrong");
});
