// HashValue against a Map model: random edits across both encodings, long entries whose packed
// length takes several bytes, and the one-way conversion.
import assert from "node:assert/strict";
import { HashValue } from "./hash.ts";
import { rng } from "../_util/rng.ts";

const SMALL = { maxEntries: 8, maxValue: 300 };

function check(h: HashValue, model: Map<string, string>): void {
  assert.equal(h.size, model.size);
  const flat = h.flat();
  const pairs = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) pairs.set(flat[i]!, flat[i + 1]!);
  assert.deepEqual(pairs, model);
  assert.deepEqual(h.fields(), [...pairs.keys()]);
  assert.deepEqual(h.values(), [...pairs.values()]);
  assert.deepEqual([...h.entries()], [...pairs.entries()]);
  for (const [f, v] of model) {
    assert.equal(h.get(f), v);
    assert.ok(h.has(f));
    assert.equal(h.valueLength(f), v.length);
  }
}

Deno.test("hash: random edits match a Map in both encodings", () => {
  for (const seed of [1, 2, 3, 4]) {
    const rand = rng(seed);
    const int = (n: number) => Math.floor(rand() * n);
    const h = new HashValue();
    const model = new Map<string, string>();
    const str = () => {
      // Mostly short, sometimes past 127 bytes (a two-byte length), any byte value.
      const n = rand() < 0.1 ? 120 + int(180) : int(6);
      let s = "";
      for (let i = 0; i < n; i++) s += String.fromCharCode(rand() < 0.9 ? 97 + int(4) : int(256));
      return s;
    };
    for (let step = 0; step < 2000; step++) {
      const op = int(10);
      if (op < 5) {
        const f = str();
        const v = str();
        assert.equal(h.set(f, v, SMALL), !model.has(f));
        model.set(f, v);
      } else if (op < 7) {
        const args: string[] = [];
        for (let n = 1 + int(4); n > 0; n--) args.push(str(), str());
        let created = 0;
        for (let i = 0; i < args.length; i += 2) {
          if (!model.has(args[i]!)) created++;
          model.set(args[i]!, args[i + 1]!);
        }
        assert.equal(h.setPairs(args, 0, args.length, SMALL), created);
      } else if (op < 9) {
        const f = rand() < 0.7 && model.size > 0 ? [...model.keys()][int(model.size)]! : str();
        assert.equal(h.delete(f), model.delete(f));
      } else {
        const fields = [str(), ...model.keys()].slice(0, 3);
        let removed = 0;
        for (const f of fields) if (model.delete(f)) removed++;
        assert.equal(h.deleteFields(fields, 0, fields.length), removed);
      }
      check(h, model);
      if (model.size > SMALL.maxEntries) assert.equal(h.encoding(), "hashtable");
    }
  }
});

Deno.test("hash: converts once past either limit and never back", () => {
  const limits = { maxEntries: 2, maxValue: 4 };
  const h = new HashValue();
  h.set("a", "1234", limits);
  h.set("b", "2", limits);
  assert.equal(h.encoding(), "listpack");
  assert.equal(h.table, null);
  h.set("c", "3", limits);
  assert.equal(h.encoding(), "hashtable");
  h.delete("a");
  h.delete("b");
  assert.equal(h.encoding(), "hashtable");
  assert.deepEqual(h.flat(), ["c", "3"]);

  const long = new HashValue();
  long.set("f", "12345", limits);
  assert.equal(long.encoding(), "hashtable");
  const pairs = new HashValue();
  // Redis checks every argument before setting any: a long last value converts the first too.
  pairs.setPairs(["x", "1", "y", "12345"], 0, 4, { maxEntries: 10, maxValue: 4 });
  assert.equal(pairs.encoding(), "hashtable");
  assert.deepEqual(pairs.flat(), ["x", "1", "y", "12345"]);
});

Deno.test("hash: a batch crossing the entry limit keeps insertion order", () => {
  const h = new HashValue();
  const args = ["a", "1", "b", "2", "c", "3", "a", "4", "d", "5"];
  assert.equal(h.setPairs(args, 0, args.length, { maxEntries: 2, maxValue: 64 }), 4);
  assert.equal(h.encoding(), "hashtable");
  assert.deepEqual(h.flat(), ["a", "4", "b", "2", "c", "3", "d", "5"]);
});

Deno.test("hash: copies share nothing", () => {
  for (const limits of [{ maxEntries: 10, maxValue: 64 }, { maxEntries: 0, maxValue: 64 }]) {
    const h = new HashValue();
    h.set("a", "1", limits);
    const c = h.copy();
    c.set("a", "2", limits);
    c.set("b", "3", limits);
    assert.equal(h.get("a"), "1");
    assert.equal(h.size, 1);
    assert.equal(c.size, 2);
    assert.equal(c.encoding(), h.encoding());
  }
});

Deno.test("hash: samples are real pairs, distinct when unique", () => {
  const limits = { maxEntries: 1000, maxValue: 64 };
  for (const n of [5, 600]) {
    const h = new HashValue();
    for (let i = 0; i < n; i++) {
      h.set(`f${i}`, `v${i}`, n > 100 ? { ...limits, maxEntries: 10 } : limits);
    }
    const s = h.sample(n - 1, true);
    assert.equal(s.length, 2 * (n - 1));
    const seen = new Set<string>();
    for (let i = 0; i < s.length; i += 2) {
      assert.equal(`v${s[i]!.slice(1)}`, s[i + 1]);
      seen.add(s[i]!);
    }
    assert.equal(seen.size, n - 1);
    const r = h.sample(3 * n, false);
    assert.equal(r.length, 6 * n);
    for (let k = 0; k < 50; k++) {
      const [f, v] = h.sample(1, false);
      assert.equal(h.get(f!), v);
    }
  }
});

Deno.test("hash: memory estimate grows with the contents", () => {
  const h = new HashValue();
  const small = h.memoryUsage(0);
  h.set("field", "x".repeat(40), { maxEntries: 10, maxValue: 64 });
  assert.ok(h.memoryUsage(0) > small);
});
