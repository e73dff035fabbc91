import assert from "node:assert/strict";
import fc from "fast-check";
import {
  applyField,
  bitcount,
  bitop,
  bitpos,
  type Bytes,
  getBit,
  getField,
  popcount,
  setBit,
  setField,
} from "./bits.ts";

function binary(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

/** Bit i of the bytes, the slow obvious way. */
function bitOf(bytes: Uint8Array, i: number): number {
  const b = bytes[Math.floor(i / 8)];
  return b === undefined ? 0 : (b >> (7 - (i % 8))) & 1;
}

/** Redis's range rules written out directly. */
function resolve(start: number, end: number, total: number): [number, number] | null {
  if (start < 0) start += total;
  if (end < 0) end += total;
  start = Math.max(0, start);
  end = Math.max(0, end);
  if (end >= total) end = total - 1;
  return start > end ? null : [start, end];
}

const bytesArb = fc.uint8Array({ maxLength: 40 });
const indexArb = fc.integer({ min: -400, max: 400 });

Deno.test("popcount counts the same over strings and bytes, any alignment", () => {
  fc.assert(
    fc.property(bytesArb, fc.nat(40), fc.nat(40), (bytes, a, b) => {
      const start = Math.min(a, b, bytes.length);
      const end = Math.min(Math.max(a, b), bytes.length);
      let naive = 0;
      for (let i = start * 8; i < end * 8; i++) naive += bitOf(bytes, i);
      assert.equal(popcount(bytes, start, end), naive);
      assert.equal(popcount(binary(bytes), start, end), naive);
    }),
  );
});

Deno.test("bitcount over byte and bit ranges counts exactly the bits inside", () => {
  fc.assert(
    fc.property(bytesArb, indexArb, indexArb, fc.boolean(), (bytes, start, end, bitUnit) => {
      const total = bitUnit ? bytes.length * 8 : bytes.length;
      const r = resolve(start, end, total);
      let naive = 0;
      if (r !== null) {
        const first = bitUnit ? r[0] : r[0] * 8;
        const last = bitUnit ? r[1] : r[1] * 8 + 7;
        for (let i = first; i <= last; i++) naive += bitOf(bytes, i);
      }
      assert.equal(bitcount(bytes, start, end, bitUnit), naive);
      assert.equal(bitcount(binary(bytes), start, end, bitUnit), naive);
    }),
  );
});

Deno.test("bitpos finds the first matching bit, with Redis's answer when none matches", () => {
  fc.assert(
    fc.property(
      bytesArb,
      fc.integer({ min: 0, max: 1 }),
      indexArb,
      fc.option(indexArb, { nil: undefined }),
      fc.boolean(),
      (bytes, bit, start, end, bitUnit) => {
        const total = bitUnit ? bytes.length * 8 : bytes.length;
        const r = resolve(start, end ?? total - 1, total);
        let want = -1;
        if (r !== null) {
          const first = bitUnit ? r[0] : r[0] * 8;
          const last = bitUnit ? r[1] : r[1] * 8 + 7;
          for (let i = first; i <= last && want < 0; i++) if (bitOf(bytes, i) === bit) want = i;
          if (want < 0 && bit === 0 && end === undefined) want = last + 1;
        }
        assert.equal(bitpos(bytes, bit, start, end, bitUnit), want);
        assert.equal(bitpos(binary(bytes), bit, start, end, bitUnit), want);
      },
    ),
  );
});

Deno.test("bitpos for a clear bit in all-ones answers the bit after the string", () => {
  const ones = new Uint8Array([0xff, 0xff]);
  assert.equal(bitpos(ones, 0, 0, undefined, false), 16);
  assert.equal(bitpos(ones, 0, 0, -1, false), -1);
  assert.equal(bitpos(ones, 1, 0, undefined, false), 0);
});

Deno.test("getBit and setBit address bits most significant first, past 2^31 too", () => {
  const buf = new Uint8Array(2);
  assert.equal(setBit(buf, 0, 1), 0);
  assert.equal(setBit(buf, 9, 1), 0);
  assert.equal(setBit(buf, 9, 1), 1);
  assert.deepEqual([...buf], [0x80, 0x40]);
  assert.equal(getBit(buf, 9), 1);
  assert.equal(getBit(buf, 10), 0);
  assert.equal(getBit("\x01", 7), 1);
  // Far past the end reads zero, even beyond 32-bit offsets.
  assert.equal(getBit(buf, 2 ** 34 + 1), 0);
});

Deno.test("bitop combines bytes, treating shorter sources as zero-padded", () => {
  fc.assert(
    fc.property(fc.array(bytesArb, { minLength: 1, maxLength: 4 }), (sources) => {
      const max = Math.max(...sources.map((s) => s.length));
      const at = (s: Uint8Array, i: number) => s[i] ?? 0;
      const and = bitop("and", sources);
      const or = bitop("or", sources.map(binary));
      const xor = bitop("xor", sources);
      const not = bitop("not", [sources[0]!]);
      assert.equal(and.length, max);
      for (let i = 0; i < max; i++) {
        assert.equal(and[i], sources.reduce((v, s) => v & at(s, i), 0xff));
        assert.equal(or[i], sources.reduce((v, s) => v | at(s, i), 0));
        assert.equal(xor[i], sources.reduce((v, s) => v ^ at(s, i), 0));
      }
      assert.deepEqual([...not], [...sources[0]!].map((b) => ~b & 0xff));
    }),
  );
});

const typeArb = fc.oneof(
  fc.integer({ min: 1, max: 64 }).map((bits) => ({ signed: true, bits })),
  fc.integer({ min: 1, max: 63 }).map((bits) => ({ signed: false, bits })),
);

Deno.test("setField then getField round-trips every width and offset", () => {
  fc.assert(
    fc.property(typeArb, fc.nat(100), fc.bigInt(-(2n ** 64n), 2n ** 64n), (type, offset, v) => {
      const buf = new Uint8Array(30);
      buf.fill(0xa5);
      setField(buf, offset, type.bits, v);
      const want = type.signed ? BigInt.asIntN(type.bits, v) : BigInt.asUintN(type.bits, v);
      assert.equal(getField(buf, offset, type), want);
      // Bits outside the field are untouched.
      for (let i = 0; i < 240; i++) {
        if (i < offset || i >= offset + type.bits) {
          assert.equal(bitOf(buf, i), bitOf(new Uint8Array(30).fill(0xa5), i));
        }
      }
    }),
  );
});

Deno.test("getField reads zeros past the end of the value", () => {
  const src: Bytes = "\xff";
  assert.equal(getField(src, 4, { signed: false, bits: 8 }), 0xf0n);
  assert.equal(getField(src, 0, { signed: true, bits: 4 }), -1n);
  assert.equal(getField(src, 100, { signed: true, bits: 64 }), 0n);
});

Deno.test("applyField wraps, saturates or fails on overflow", () => {
  const u8 = { signed: false, bits: 8 };
  const i8 = { signed: true, bits: 8 };
  const i64 = { signed: true, bits: 64 };
  const u63 = { signed: false, bits: 63 };
  assert.deepEqual(applyField(250n, 10n, u8, true, "wrap"), { store: 4n, reply: 4n });
  assert.deepEqual(applyField(250n, 10n, u8, true, "sat"), { store: 255n, reply: 255n });
  assert.deepEqual(applyField(250n, 10n, u8, true, "fail"), { store: null, reply: null });
  assert.deepEqual(applyField(5n, -10n, u8, true, "sat"), { store: 0n, reply: 0n });
  assert.deepEqual(applyField(5n, -10n, u8, true, "wrap"), { store: 251n, reply: 251n });
  // SET replies with the old value; a negative unsigned value saturates to the maximum.
  assert.deepEqual(applyField(7n, -1n, u8, false, "sat"), { store: 255n, reply: 7n });
  assert.deepEqual(applyField(7n, 300n, u8, false, "wrap"), { store: 44n, reply: 7n });
  assert.deepEqual(applyField(0n, -200n, i8, false, "sat"), { store: -128n, reply: 0n });
  assert.deepEqual(applyField(0n, 200n, i8, false, "wrap"), { store: -56n, reply: 0n });
  const min = -(2n ** 63n);
  assert.deepEqual(applyField(min, -1n, i64, true, "wrap"), {
    store: 2n ** 63n - 1n,
    reply: 2n ** 63n - 1n,
  });
  assert.deepEqual(applyField(min, -1n, i64, true, "sat"), { store: min, reply: min });
  assert.deepEqual(applyField(2n ** 63n - 1n, 1n, u63, true, "wrap"), { store: 0n, reply: 0n });
});
