import assert from "node:assert/strict";
import fc from "fast-check";
import {
  pack,
  packedAppend,
  packedAt,
  packedCount,
  packedFind,
  packedSplice,
  unpack,
} from "./packed.ts";

const binary = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  maxLength: 300,
});

Deno.test("packed round-trips any binary strings, long ones included", () => {
  fc.assert(fc.property(fc.array(binary, { maxLength: 20 }), (items) => {
    const p = pack(items);
    assert.deepEqual(unpack(p), items);
    assert.equal(packedCount(p), items.length);
    items.forEach((item, i) => assert.equal(packedAt(p, i), item));
    assert.equal(packedAt(p, items.length), undefined);
  }));
});

Deno.test("packedFind honours step and start", () => {
  const p = pack(["a", "b", "b", "a", "c", "d"]);
  assert.equal(packedFind(p, "b"), 1);
  assert.equal(packedFind(p, "a", 2), 0);
  assert.equal(packedFind(p, "b", 2), 2);
  assert.equal(packedFind(p, "a", 2, 1), 3);
  assert.equal(packedFind(p, "d", 2), -1);
  assert.equal(packedFind(p, "zz"), -1);
});

Deno.test("packedSplice matches Array.prototype.splice", () => {
  fc.assert(fc.property(
    fc.array(binary, { maxLength: 10 }),
    fc.nat(12),
    fc.nat(4),
    fc.array(binary, { maxLength: 3 }),
    (items, index, remove, add) => {
      const expected = items.slice();
      expected.splice(Math.min(index, items.length), remove, ...add);
      assert.deepEqual(unpack(packedSplice(pack(items), index, remove, ...add)), expected);
    },
  ));
  assert.deepEqual(unpack(packedAppend(pack(["x"]), "y", "z")), ["x", "y", "z"]);
});
