import assert from "node:assert/strict";
import { mutableOf, substringRange, wrapBytes, writeAt } from "./strings.ts";
import { MutableString, stringOf } from "./values.ts";

Deno.test("substringRange follows GETRANGE's index rules", () => {
  assert.deepEqual(substringRange(10, 0, 4), [0, 5]);
  assert.deepEqual(substringRange(10, -3, -1), [7, 10]);
  assert.deepEqual(substringRange(10, -100, 100), [0, 10]);
  assert.equal(substringRange(10, 5, 2), null);
  assert.equal(substringRange(0, 0, -1), null);
  assert.deepEqual(substringRange(10, 9, 9), [9, 10]);
});

Deno.test("mutableOf reuses a MutableString and zero-fills growth", () => {
  const m = mutableOf("ab", 4);
  assert.equal(stringOf(m), "ab\x00\x00");
  assert.equal(mutableOf(m, 2), m);
  assert.equal(m.length, 4);
  const fresh = mutableOf(undefined, 3);
  assert.equal(stringOf(fresh), "\x00\x00\x00");
});

Deno.test("writeAt grows the value and keeps the bytes around the write", () => {
  const m = new MutableString("hello");
  writeAt(m, 3, new Uint8Array([88, 89, 90]));
  assert.equal(stringOf(m), "helXYZ");
  writeAt(m, 8, new Uint8Array([33]));
  assert.equal(stringOf(m), "helXYZ\x00\x00!");
});

Deno.test("wrapBytes adopts the array without copying", () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const m = wrapBytes(bytes);
  assert.equal(m.bytes, bytes);
  assert.equal(m.length, 3);
});
