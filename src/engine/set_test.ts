// SetValue against a JS Set model: intset order and integer rules, the conversion, random
// picks and pops.
import assert from "node:assert/strict";
import { intOf, SetValue } from "./set.ts";
import { rng } from "../_util/rng.ts";

Deno.test("set: intOf reads integers as Redis's string2ll does", () => {
  assert.equal(intOf("0"), 0);
  assert.equal(intOf("-12"), -12);
  assert.equal(intOf("9007199254740993"), 9007199254740993n);
  assert.equal(intOf("-9007199254740991"), -9007199254740991);
  assert.equal(intOf("9223372036854775807"), 9223372036854775807n);
  assert.equal(intOf("-9223372036854775808"), -9223372036854775808n);
  for (const s of ["", "-", "01", "+1", "-0", " 1", "1 ", "1.0", "9223372036854775808", "0x1"]) {
    assert.equal(intOf(s), null, s);
  }
});

Deno.test("set: an intset keeps members ascending, big ones exact", () => {
  const s = new SetValue();
  for (
    const m of ["5", "-3", "9223372036854775807", "0", "9007199254740993", "-9223372036854775808"]
  ) {
    assert.ok(s.add(m));
  }
  assert.ok(!s.add("5"));
  assert.ok(!s.add("9007199254740993"));
  assert.equal(s.encoding(), "intset");
  assert.deepEqual([...s.values()], [
    "-9223372036854775808",
    "-3",
    "0",
    "5",
    "9007199254740993",
    "9223372036854775807",
  ]);
  assert.ok(s.has("9007199254740993"));
  assert.ok(!s.has("9007199254740992"));
  assert.ok(!s.has("05"));
  assert.ok(s.remove("9007199254740993"));
  assert.ok(!s.remove("x"));
  assert.equal(s.size, 5);
});

Deno.test("set: converts on a non-integer or past the limit, never back", () => {
  const s = new SetValue();
  s.add("1", 2);
  s.add("2", 2);
  assert.equal(s.encoding(), "intset");
  s.add("3", 2);
  assert.equal(s.encoding(), "hashtable");
  s.remove("3");
  s.remove("2");
  assert.equal(s.encoding(), "hashtable");
  const t = SetValue.from(["1", "01"]);
  assert.equal(t.encoding(), "hashtable");
  assert.ok(t.has("1") && t.has("01"));
  assert.equal(SetValue.from(["1"], 0).encoding(), "hashtable");
  assert.equal(SetValue.from([]).encoding(), "intset");
});

Deno.test("set: random edits match a Set", () => {
  for (const seed of [1, 2, 3]) {
    const rand = rng(seed);
    const int = (n: number) => Math.floor(rand() * n);
    const s = new SetValue();
    const model = new Set<string>();
    const member = () => rand() < 0.9 ? String(int(200) - 100) : `m${int(50)}`;
    for (let step = 0; step < 3000; step++) {
      const op = int(10);
      if (op < 5) {
        const m = member();
        assert.equal(s.add(m, 64), !model.has(m));
        model.add(m);
      } else if (op < 8) {
        const m = member();
        assert.equal(s.remove(m), model.delete(m));
      } else if (op < 9 && model.size > 0) {
        const m = s.pop(rand);
        assert.ok(model.delete(m), m);
      } else if (model.size > 0) {
        assert.ok(model.has(s.random(rand)));
      }
      assert.equal(s.size, model.size);
      assert.deepEqual(new Set(s.values()), model);
      assert.deepEqual(s.toArray(), [...s.values()]);
      if (s.encoding() === "intset") {
        const nums = s.toArray().map(Number);
        assert.deepEqual(nums, [...nums].sort((a, b) => a - b));
      }
      for (const m of model) assert.ok(s.has(m));
    }
  }
});

Deno.test("set: copies share nothing", () => {
  for (const members of [["1", "2"], ["a", "b"]]) {
    const s = SetValue.from(members);
    const c = s.copy();
    c.add("z");
    c.remove(members[0]!);
    assert.deepEqual([...s.values()], members);
    assert.equal(c.size, 2);
    assert.ok(s.memoryUsage(0) > 0);
  }
});
