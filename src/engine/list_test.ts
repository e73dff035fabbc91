// The list deque: a ring buffer checked against a plain-array model under random pushes, pops,
// inserts, removals and trims at both ends; from/copy/indexOf; memory estimates.
import assert from "node:assert/strict";
import { ListValue } from "./list.ts";
import { rng } from "../_util/rng.ts";

function contents(l: ListValue): string[] {
  return [...l.values()];
}

Deno.test("list deque: the deque matches an array model under random operations", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const rand = rng(seed);
    const int = (n: number) => Math.floor(rand() * n);
    const l = new ListValue();
    const model: string[] = [];
    for (let step = 0; step < 20000; step++) {
      const v = String(int(8));
      switch (int(9)) {
        case 0:
        case 1:
          l.pushHead(v);
          model.unshift(v);
          break;
        case 2:
        case 3:
          l.pushTail(v);
          model.push(v);
          break;
        case 4:
          if (model.length > 0) assert.equal(l.popHead(), model.shift());
          break;
        case 5:
          if (model.length > 0) assert.equal(l.popTail(), model.pop());
          break;
        case 6: {
          const at = int(model.length + 1);
          l.insertAt(at, v);
          model.splice(at, 0, v);
          break;
        }
        case 7: {
          const count = int(3);
          const fromTail = int(2) === 0;
          let removed = 0;
          if (!fromTail) {
            for (let i = 0; i < model.length;) {
              if (model[i] === v && (count === 0 || removed < count)) {
                model.splice(i, 1);
                removed++;
              } else i++;
            }
          } else {
            for (let i = model.length - 1; i >= 0; i--) {
              if (model[i] === v && (count === 0 || removed < count)) {
                model.splice(i, 1);
                removed++;
              }
            }
          }
          assert.equal(l.removeValue(v, count, fromTail), removed);
          break;
        }
        default: {
          if (model.length > 0 && int(10) === 0) {
            const a = int(model.length);
            const b = a + int(model.length - a);
            l.keepRange(a, b);
            model.splice(b + 1);
            model.splice(0, a);
          } else if (model.length > 0) {
            const i = int(model.length);
            l.setAt(i, v);
            model[i] = v;
          }
        }
      }
      assert.equal(l.size, model.length);
      if (step % 97 === 0) assert.deepStrictEqual(contents(l), model, `seed ${seed} step ${step}`);
    }
    assert.deepStrictEqual(contents(l), model);
  }
});

Deno.test("list deque: from, copy and indexOf", () => {
  const l = ListValue.from(["a", "b", "c", "b"]);
  assert.equal(l.size, 4);
  assert.deepStrictEqual(contents(l), ["a", "b", "c", "b"]);
  const c = l.copy();
  c.pushHead("z");
  assert.deepStrictEqual(contents(l), ["a", "b", "c", "b"]);
  assert.deepStrictEqual(contents(c), ["z", "a", "b", "c", "b"]);
  assert.equal(l.indexOf("b", 0, 1), 1);
  assert.equal(l.indexOf("b", 3, -1), 3);
  assert.equal(l.indexOf("b", 2, -1), 1);
  assert.equal(l.indexOf("q", 0, 1), -1);
  assert.equal(ListValue.from([]).size, 0);
  assert.equal(l.encoding(), "quicklist");
  assert.equal(l.type, "list");
});

Deno.test("list deque: memory grows with the items and shrinks after pops", () => {
  const l = new ListValue();
  const small = l.memoryUsage(0);
  for (let i = 0; i < 10000; i++) l.pushTail(`item-${i}`);
  const big = l.memoryUsage(0);
  assert.ok(big > small + 10000 * 8, `${big}`);
  assert.ok(Math.abs(l.memoryUsage(5) - big) < big * 0.2);
  for (let i = 0; i < 9990; i++) l.popHead();
  assert.ok(l.memoryUsage(0) < big / 100, `${l.memoryUsage(0)}`);
});
