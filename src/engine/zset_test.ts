// The sorted set value in both encodings and its B+tree, checked against a sorted array model.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeScore,
  encodeScore,
  LEX_LE,
  LEX_LT,
  SCORE_LE,
  SCORE_LT,
  ZADD_ADDED,
  ZADD_GT,
  ZADD_INCR,
  ZADD_NAN,
  ZADD_NOP,
  ZADD_NX,
  ZADD_UPDATED,
  zaddResult,
  ZSetValue,
} from "./zset.ts";
import { type Cursor, type Leaf, ZTree } from "./zset_tree.ts";

const LIMITS = { entries: 128, value: 64 };
const BIG = { entries: 0, value: 64 };

type Entry = [string, number];

function cmp(a: Entry, b: Entry): number {
  return a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

function all(z: ZSetValue): Entry[] {
  const m: string[] = [];
  const s: number[] = [];
  if (z.size > 0) z.range(0, z.size - 1, false, m, s);
  return m.map((x, i) => [x, s[i]!]);
}

Deno.test("zset score encoding keeps every double exactly and stays short", () => {
  for (
    const d of [0, 1, -1, 42, 1.5, 0.1, 1e308, -1e-300, 5e-324, Infinity, -Infinity, 2 ** 53 + 2]
  ) {
    const e = encodeScore(d);
    assert.ok(e.length !== 8 || String(d).length >= 8, `${d}`);
    assert.equal(decodeScore(e, 0, e.length), d);
  }
  assert.equal(encodeScore(7).length, 1);
  assert.equal(encodeScore(0.30000000000000004).length, 8);
  // The compact form forgets -0, as Redis's listpack does.
  assert.ok(Object.is(decodeScore(encodeScore(-0), 0, 1), 0));
});

Deno.test("zset stays compact within the limits and converts one way", () => {
  const z = new ZSetValue();
  const lim = { entries: 3, value: 4 };
  z.add("a", 1, 0, lim);
  z.add("b", 2, 0, lim);
  z.add("c", 3, 0, lim);
  assert.equal(z.encoding(), "listpack");
  z.add("d", 4, 0, lim);
  assert.equal(z.encoding(), "skiplist");
  z.remove("a");
  z.remove("b");
  assert.equal(z.encoding(), "skiplist");
  const y = new ZSetValue();
  y.add("abcde", 1, 0, lim);
  assert.equal(y.encoding(), "skiplist");
  assert.deepEqual(all(z), [["c", 3], ["d", 4]]);
  // Results built by ZUNIONSTORE & co shrink back when they fit.
  z.shrinkIfFits(lim);
  assert.equal(z.encoding(), "listpack");
  assert.deepEqual(all(z), [["c", 3], ["d", 4]]);
});

Deno.test("zset add follows ZADD's flag rules in both encodings", () => {
  for (const lim of [LIMITS, BIG]) {
    const z = new ZSetValue();
    assert.equal(z.add("a", 1, 0, lim), ZADD_ADDED);
    assert.equal(z.add("a", 1, 0, lim), 0);
    assert.equal(z.add("a", 2, 0, lim), ZADD_UPDATED);
    assert.equal(z.add("a", 5, ZADD_NX, lim), ZADD_NOP);
    assert.equal(z.add("a", 1, ZADD_GT, lim), ZADD_NOP);
    assert.equal(z.add("a", 3, ZADD_INCR, lim), ZADD_UPDATED);
    assert.equal(zaddResult.score, 5);
    z.add("b", Infinity, 0, lim);
    assert.equal(z.add("b", -Infinity, ZADD_INCR, lim), ZADD_NAN);
    assert.equal(z.score("b"), Infinity);
    assert.equal(z.rank("a"), 0);
    assert.equal(z.rank("b"), 1);
    assert.equal(z.rank("zz"), -1);
  }
});

Deno.test("zset copy shares nothing with the original", () => {
  for (const lim of [LIMITS, BIG]) {
    const z = new ZSetValue();
    z.add("a", 1, 0, lim);
    const c = z.copy();
    c.add("b", 2, 0, lim);
    assert.equal(z.size, 1);
    assert.equal(c.size, 2);
    assert.equal(c.encoding(), z.encoding());
  }
});

Deno.test("ztree agrees with a sorted array on rank, select and bounds (property)", () => {
  const op = fc.oneof(
    fc.record({
      add: fc.constant(true),
      m: fc.integer({ min: 0, max: 2000 }),
      s: fc.integer({ min: -20, max: 20 }),
    }),
    fc.record({ add: fc.constant(false), m: fc.integer({ min: 0, max: 2000 }), s: fc.constant(0) }),
  );
  fc.assert(
    fc.property(fc.array(op, { minLength: 300, maxLength: 3000 }), (ops) => {
      const tree = new ZTree();
      const dict = new Map<string, number>();
      for (const o of ops) {
        const m = `m${o.m}`;
        const cur = dict.get(m);
        if (cur !== undefined) {
          tree.remove(cur, m);
          dict.delete(m);
        }
        if (o.add) {
          tree.insert(o.s, m);
          dict.set(m, o.s);
        }
      }
      tree.check();
      const model: Entry[] = [...dict].sort(cmp);
      assert.equal(tree.size, model.length);
      assert.deepEqual([...tree.entries()], model);
      const cur: Cursor = { leaf: tree.first, index: 0 };
      for (let r = 0; r < model.length; r += 7) {
        const [m, s] = model[r]!;
        assert.equal(tree.rank(s, m), r);
        tree.select(r, cur);
        const leaf: Leaf = cur.leaf;
        assert.equal(leaf.members[cur.index], m);
      }
      for (let b = -21; b <= 21; b += 3) {
        assert.equal(tree.countBelow(SCORE_LT, b, ""), model.filter((e) => e[1] < b).length);
        assert.equal(tree.countBelow(SCORE_LE, b, ""), model.filter((e) => e[1] <= b).length);
      }
    }),
    { numRuns: 60 },
  );
});

Deno.test("zset ranges and removals agree with a model in both encodings (property)", () => {
  const op = fc.record({
    kind: fc.integer({ min: 0, max: 5 }),
    m: fc.integer({ min: 0, max: 60 }),
    s: fc.integer({ min: -5, max: 5 }),
    a: fc.integer({ min: 0, max: 70 }),
    b: fc.integer({ min: 0, max: 70 }),
  });
  fc.assert(
    fc.property(fc.array(op, { minLength: 50, maxLength: 400 }), fc.boolean(), (ops, big) => {
      const lim = big ? BIG : { entries: 40, value: 64 };
      const z = new ZSetValue();
      let model: Entry[] = [];
      for (const o of ops) {
        const m = `m${o.m}`;
        if (o.kind <= 2) {
          z.add(m, o.s, 0, lim);
          model = model.filter((e) => e[0] !== m);
          model.push([m, o.s]);
          model.sort(cmp);
        } else if (o.kind === 3) {
          assert.equal(z.remove(m), model.some((e) => e[0] === m));
          model = model.filter((e) => e[0] !== m);
        } else if (o.kind === 4 && model.length > 0) {
          const lo = Math.min(o.a, o.b) % model.length;
          const hi = Math.min(Math.max(o.a, o.b), model.length - 1);
          if (lo <= hi) {
            assert.equal(z.removeRange(lo, hi), hi - lo + 1);
            model.splice(lo, hi - lo + 1);
          }
        } else if (model.length > 0) {
          const lo = Math.min(o.a, o.b) % model.length;
          const hi = Math.min(Math.max(o.a, o.b), model.length - 1);
          if (lo <= hi) {
            const ms: string[] = [];
            const ss: number[] = [];
            z.range(lo, hi, o.m % 2 === 0, ms, ss);
            const want = model.slice(lo, hi + 1);
            if (o.m % 2 === 0) want.reverse();
            assert.deepEqual(ms.map((x, i) => [x, ss[i]]), want);
          }
        }
        assert.equal(z.size, model.length);
      }
      assert.deepEqual(all(z), model);
      for (const e of model) assert.equal(z.score(e[0]), e[1]);
      // Lex bounds over equal scores.
      const lex = new ZSetValue();
      for (const e of model) lex.add(e[0], 0, 0, lim);
      const names = model.map((e) => e[0]).sort();
      for (const probe of ["m1", "m30", "m5", "m", "n"]) {
        assert.equal(lex.countBelow(LEX_LT, 0, probe), names.filter((n) => n < probe).length);
        assert.equal(lex.countBelow(LEX_LE, 0, probe), names.filter((n) => n <= probe).length);
      }
    }),
    { numRuns: 80 },
  );
});

Deno.test("ztree keeps its invariants through growth to three levels and back", () => {
  const tree = new ZTree();
  const dict = new Map<string, number>();
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 20000; i++) {
      const m = `k${rand(30000)}`;
      const old = dict.get(m);
      if (old !== undefined) tree.remove(old, m);
      const s = rand(1000);
      tree.insert(s, m);
      dict.set(m, s);
    }
    tree.check();
    for (const m of [...dict.keys()]) {
      if (rand(10) < 8) {
        tree.remove(dict.get(m)!, m);
        dict.delete(m);
      }
    }
    tree.check();
    assert.equal(tree.size, dict.size);
  }
  for (const [m, s] of [...dict]) tree.remove(s, m);
  tree.check();
  assert.equal(tree.size, 0);
});
