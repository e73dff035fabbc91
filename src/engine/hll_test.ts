import assert from "node:assert/strict";
import {
  cachedCount,
  createHll,
  decodeSparse,
  denseGet,
  denseSet,
  HLL_DENSE_SIZE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  hllAdd,
  hllCount,
  hllEditable,
  hllPattern,
  hllSet,
  hllSettle,
  invalidateCache,
  isHll,
  mergeInto,
  registersCount,
  setCachedCount,
  toDense,
} from "./hll.ts";
import { MutableString, stringOf } from "./values.ts";

function bin(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

Deno.test("element hashes land where redis-server 7.0 puts them", () => {
  // [element, register, run length] read back with PFDEBUG GETREG from redis-server 7.0.15.
  const vectors: [string, number, number][] = [
    ["", 5938, 2],
    ["a", 12711, 2],
    ["ab", 719, 1],
    ["abc", 9474, 1],
    ["abcd", 11070, 8],
    ["abcde", 3726, 4],
    ["abcdef", 13647, 2],
    ["abcdefg", 5634, 2],
    ["12345678", 10579, 3],
    ["123456789", 9293, 2],
    ["hello world!!!!", 11601, 3],
    ["\x00", 8840, 2],
    ["\xff\xfe\xfd\x80\x7f", 10217, 2],
    ["x".repeat(100), 15288, 1],
    ["redis", 9467, 2],
    ["hyperloglog", 599, 3],
    // Run lengths past 18 come from the hash's upper 32 bits.
    ["hi:4172265", 9744, 21],
    ["hi:5479565", 10047, 22],
    ["hi:5666969", 11481, 25],
  ];
  for (const [ele, index, count] of vectors) {
    assert.deepEqual(hllPattern(bin(ele)), [index, count], JSON.stringify(ele));
  }
});

Deno.test("dense registers read back what was written, the last one included", () => {
  const b = new Uint8Array(HLL_DENSE_SIZE);
  for (let i = 0; i < HLL_REGISTERS; i++) denseSet(b, HLL_HDR_SIZE, i, (i * 7) & 63);
  for (let i = 0; i < HLL_REGISTERS; i++) assert.equal(denseGet(b, HLL_HDR_SIZE, i), (i * 7) & 63);
  denseSet(b, HLL_HDR_SIZE, HLL_REGISTERS - 1, 63);
  assert.equal(denseGet(b, HLL_HDR_SIZE, HLL_REGISTERS - 1), 63);
  assert.equal(b[HLL_DENSE_SIZE - 1], 0xfc | (((HLL_REGISTERS - 2) * 7 & 63) >> 4));
  // Neighbours are untouched by a write.
  denseSet(b, HLL_HDR_SIZE, 5, 0);
  assert.equal(denseGet(b, HLL_HDR_SIZE, 4), 28);
  assert.equal(denseGet(b, HLL_HDR_SIZE, 6), 42);
});

Deno.test("a new HLL is sparse, one XZERO over every register, cached 0", () => {
  const m = createHll();
  assert.equal(stringOf(m), "HYLL\x01\x00\x00\x00" + "\x00".repeat(8) + "\x7f\xff");
  assert.ok(isHll(m));
  assert.equal(cachedCount(m), 0);
  assert.equal(hllCount(m.view()), 0);
  assert.equal(decodeSparse(m.view()), "Z:16384");
});

Deno.test("sparse writes split runs and merge equal neighbours", () => {
  const m = createHll();
  assert.equal(hllSet(m, 100, 3, 3000), 1);
  assert.equal(decodeSparse(m.view()), "Z:100 v:3,1 Z:16283");
  assert.equal(hllSet(m, 100, 2, 3000), 0);
  assert.equal(hllSet(m, 101, 3, 3000), 1);
  assert.equal(decodeSparse(m.view()), "Z:100 v:3,2 Z:16282");
  assert.equal(hllSet(m, 0, 1, 3000), 1);
  assert.equal(decodeSparse(m.view()), "v:1,1 Z:99 v:3,2 Z:16282");
  assert.equal(hllSet(m, 102, 3, 3000), 1);
  assert.equal(hllSet(m, 103, 3, 3000), 1);
  assert.equal(hllSet(m, 104, 3, 3000), 1);
  // A VAL run holds at most four registers.
  assert.equal(decodeSparse(m.view()), "v:1,1 Z:99 v:3,4 v:3,1 Z:16279");
  // The stale bit is set; the cached bytes stay.
  assert.equal(cachedCount(m), -1);
});

Deno.test("a run length above 32 or a full sparse body promotes to dense", () => {
  const m = createHll();
  hllSet(m, 7, 5, 3000);
  assert.equal(hllSet(m, 9, 33, 3000), 1);
  assert.equal(m.length, HLL_DENSE_SIZE);
  assert.equal(m.bytes[4], 0);
  assert.equal(denseGet(m.bytes, HLL_HDR_SIZE, 7), 5);
  assert.equal(denseGet(m.bytes, HLL_HDR_SIZE, 9), 33);
  const small = createHll();
  for (let i = 0; i < 40 && small.length < HLL_DENSE_SIZE; i++) hllSet(small, i * 50, 2, 30);
  assert.equal(small.length, HLL_DENSE_SIZE);
  for (let i = 0; i < 40; i++) {
    if (denseGet(small.bytes, HLL_HDR_SIZE, i * 50) !== 2) {
      // Registers after the promotion point were not written.
      assert.ok(i > 0);
      break;
    }
  }
});

Deno.test("corrupt sparse bodies are detected by count, merge and conversion", () => {
  const header = "HYLL\x01\x00\x00\x00" + "\x00".repeat(7) + "\x80";
  for (const body of ["\x40\x10", "\x7f\xff\x83", "\x7f\xff\x00", ""]) {
    const m = new MutableString(header + body);
    assert.equal(hllCount(m.view()), -1, JSON.stringify(body));
    assert.equal(mergeInto(new Uint8Array(HLL_REGISTERS), m.view()), false);
    assert.equal(toDense(m), false);
  }
  assert.equal(hllAdd(new MutableString(header + "\x40\x10"), bin("x"), 3000), -1);
});

Deno.test("cached cardinality: little endian, top bit of byte 15 marks it stale", () => {
  const m = createHll();
  setCachedCount(m.bytes, 0x123456789a);
  assert.deepEqual([...m.bytes.subarray(8, 16)], [0x9a, 0x78, 0x56, 0x34, 0x12, 0, 0, 0]);
  assert.equal(cachedCount(m), 0x123456789a);
  assert.equal(cachedCount(stringOf(m)), 0x123456789a);
  invalidateCache(m.bytes);
  assert.equal(m.bytes[15], 0x80);
  assert.equal(cachedCount(m), -1);
});

Deno.test("the estimate tracks the true cardinality within a few percent", () => {
  const m = createHll();
  const enc = new TextEncoder();
  for (let n = 1; n <= 50000; n++) {
    hllAdd(m, enc.encode(`e${n}`), 3000);
    if (n === 10 || n === 1000 || n === 50000) {
      const est = hllCount(m.view());
      assert.ok(Math.abs(est - n) <= Math.max(1, n * 0.03), `${n}: ${est}`);
    }
  }
  const max = new Uint8Array(HLL_REGISTERS);
  assert.ok(mergeInto(max, m.view()));
  assert.equal(registersCount(max), hllCount(m.view()));
});

Deno.test("sparse strings are edited in the scratch buffer and stored back as strings", () => {
  const before = stringOf(createHll());
  const m = hllEditable(before);
  assert.equal(hllAdd(m, bin("a"), 3000), 1);
  const after = hllSettle(m, before, true);
  assert.equal(typeof after, "string");
  assert.equal(decodeSparse(bin(after as string)), "Z:12711 v:2,1 Z:3672");
  // Unchanged: the original value is kept.
  const again = hllEditable(after);
  assert.equal(hllAdd(again, bin("a"), 3000), 0);
  assert.equal(hllSettle(again, after, false), after);
  // Promoted: a MutableString of the dense size.
  const p = hllEditable(after);
  hllSet(p, 5, 40, 3000);
  const dense = hllSettle(p, after, true);
  assert.ok(dense instanceof MutableString);
  assert.equal(dense.length, HLL_DENSE_SIZE);
  // A dense value is edited in place.
  assert.equal(hllEditable(dense), dense);
});
