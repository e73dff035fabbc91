import assert from "node:assert/strict";
import fc from "fast-check";
import { lcs, lcsFits, MAX_LCS_CELLS } from "./lcs.ts";

/** The textbook full-table LCS length. */
function naiveLength(a: string, b: string): number {
  const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      t[i]![j] = a[i - 1] === b[j - 1]
        ? t[i - 1]![j - 1]! + 1
        : Math.max(t[i - 1]![j]!, t[i]![j - 1]!);
    }
  }
  return t[a.length]![b.length]!;
}

const ALL = { sequence: true, ranges: true, minMatchLen: 0 };

Deno.test("lcs returns Redis's example sequence and ranges", () => {
  const r = lcs("ohmytext", "mynewtext", ALL);
  assert.equal(r.len, 6);
  assert.equal(r.sequence, "mytext");
  assert.deepEqual(r.matches.map((m) => [m.aStart, m.aEnd, m.bStart, m.bEnd, m.len]), [
    [4, 7, 5, 8, 4],
    [2, 3, 0, 1, 2],
  ]);
  const min = lcs("ohmytext", "mynewtext", { ...ALL, minMatchLen: 4 });
  assert.deepEqual(min.matches.map((m) => m.len), [4]);
});

Deno.test("lcs length, sequence and ranges agree with each other and a naive table", () => {
  const str = fc.string({ unit: fc.constantFrom("a", "b", "c", "\x00", "\xff"), maxLength: 30 });
  fc.assert(
    fc.property(str, str, (a, b) => {
      const r = lcs(a, b, ALL);
      assert.equal(r.len, naiveLength(a, b));
      assert.equal(r.sequence.length, r.len);
      // The sequence is a subsequence of both strings.
      for (const s of [a, b]) {
        let p = 0;
        for (const ch of r.sequence) p = s.indexOf(ch, p) + 1;
        assert.ok(p > 0 || r.len === 0);
      }
      // The ranges cover the sequence exactly, and each range matches in both strings.
      let covered = 0;
      for (const m of r.matches) {
        assert.equal(a.slice(m.aStart, m.aEnd + 1), b.slice(m.bStart, m.bEnd + 1));
        covered += m.len;
      }
      assert.equal(covered, r.len);
      // Byte arrays give the same answer as binary strings.
      const bytes = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
      assert.deepEqual(lcs(bytes(a), bytes(b), ALL), r);
    }),
  );
});

Deno.test("lcs of empty inputs is empty", () => {
  assert.deepEqual(lcs("", "abc", ALL), { len: 0, sequence: "", matches: [] });
  assert.deepEqual(lcs("abc", "", ALL), { len: 0, sequence: "", matches: [] });
});

Deno.test("lcs refuses tables beyond its cell budget", () => {
  assert.ok(lcsFits(1000, 1000));
  assert.ok(!lcsFits(20000, 20000));
  assert.ok(!lcsFits(MAX_LCS_CELLS, 0));
  assert.ok(lcsFits(MAX_LCS_CELLS - 1, 0));
});
