import assert from "node:assert/strict";
import { rng } from "../_util/rng.ts";
import { CursorRegistry, parseScanCursor } from "./scan.ts";

function segmentsOf(maps: Map<string, number>[]) {
  return (i: number) => maps[i];
}

/** Runs a full iteration, calling `between` after every step. Returns every key seen. */
function fullScan(
  reg: CursorRegistry<string>,
  maps: Map<string, number>[],
  count: number,
  between: () => void = () => {},
): string[] {
  const seen: string[] = [];
  let cursor = 0n;
  let calls = 0;
  do {
    const step = reg.scan(cursor, maps.length, segmentsOf(maps), count, () => true);
    seen.push(...step.items);
    cursor = step.cursor;
    between();
    if (++calls > 1_000_000) throw new Error("scan did not terminate");
  } while (cursor !== 0n);
  return seen;
}

Deno.test("scan: a full iteration returns every key exactly once when nothing changes", () => {
  const maps = [new Map<string, number>(), new Map<string, number>(), new Map<string, number>()];
  for (let i = 0; i < 1000; i++) maps[i % 3]!.set(`k${i}`, i);
  const seen = fullScan(new CursorRegistry(), maps, 7);
  assert.equal(seen.length, 1000);
  assert.equal(new Set(seen).size, 1000);
});

Deno.test("scan: keys present throughout are returned under concurrent inserts and deletes", () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    const rand = rng(seed);
    const maps = Array.from({ length: 4 }, () => new Map<string, number>());
    const stable = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const key = `s${i}`;
      maps[i % 4]!.set(key, i);
      stable.add(key);
    }
    // Churn keys that come and go, including enough growth to force rehashing.
    let next = 0;
    const churn: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const key = `c${next++}`;
      maps[i % 4]!.set(key, 0);
      churn.push(key);
    }
    const reg = new CursorRegistry<string>();
    const seen = new Set(
      fullScan(reg, maps, 1 + Math.floor(rand() * 20), () => {
        for (let j = 0; j < 30; j++) {
          if (rand() < 0.6) {
            const key = `c${next++}`;
            maps[Math.floor(rand() * 4)]!.set(key, 0);
            churn.push(key);
          } else if (churn.length > 0) {
            const at = Math.floor(rand() * churn.length);
            const key = churn[at]!;
            churn[at] = churn[churn.length - 1]!;
            churn.pop();
            for (const m of maps) m.delete(key);
          }
        }
      }),
    );
    for (const key of stable) assert.ok(seen.has(key), `seed ${seed}: ${key} was skipped`);
  }
});

Deno.test("scan: a cursor whose iterator was evicted resumes its segment without skipping", () => {
  const maps = [new Map<string, number>(), new Map<string, number>()];
  for (let i = 0; i < 100; i++) maps[i % 2]!.set(`k${i}`, i);
  const reg = new CursorRegistry<string>();
  const first = reg.scan(0n, 2, segmentsOf(maps), 10, () => true);
  assert.notEqual(first.cursor, 0n);
  // A different registry (a restarted server) has no iterator for this cursor.
  const other = new CursorRegistry<string>();
  // Delete half of the keys already returned: a position-based resume would now skip keys.
  for (const key of first.items.slice(0, 5)) maps[0]!.delete(key);
  const seen = new Set(first.items);
  let cursor = first.cursor;
  while (cursor !== 0n) {
    const step = other.scan(cursor, 2, segmentsOf(maps), 10, () => true);
    for (const k of step.items) seen.add(k);
    cursor = step.cursor;
  }
  for (let i = 0; i < 100; i++) {
    const key = `k${i}`;
    if (maps[i % 2]!.has(key)) assert.ok(seen.has(key), `${key} was skipped`);
  }
});

Deno.test("scan: a replaced map (FLUSHDB, SWAPDB) restarts its segment", () => {
  const maps = [new Map<string, number>([["a", 1], ["b", 2], ["c", 3]])];
  const reg = new CursorRegistry<string>();
  const first = reg.scan(0n, 1, segmentsOf(maps), 1, () => true);
  assert.deepEqual(first.items, ["a"]);
  maps[0] = new Map([["x", 1], ["y", 2]]);
  const rest = reg.scan(first.cursor, 1, segmentsOf(maps), 10, () => true);
  assert.deepEqual(rest.items, ["x", "y"]);
  assert.equal(rest.cursor, 0n);
});

Deno.test("scan: accept filters what is returned but still counts as visited", () => {
  const maps = [new Map<string, number>()];
  for (let i = 0; i < 50; i++) maps[0]!.set(`k${i}`, i);
  const reg = new CursorRegistry<string>();
  const step = reg.scan(0n, 1, segmentsOf(maps), 10, (k) => k.endsWith("0"));
  // k0 only among the first 10 entries (k0..k9).
  assert.deepEqual(step.items, ["k0"]);
  assert.notEqual(step.cursor, 0n);
});

Deno.test("scan: accept may delete the key it is given", () => {
  const maps = [new Map<string, number>()];
  for (let i = 0; i < 20; i++) maps[0]!.set(`k${i}`, i);
  const reg = new CursorRegistry<string>();
  const seen = [];
  let cursor = 0n;
  do {
    const step = reg.scan(cursor, 1, segmentsOf(maps), 3, (k) => {
      if (Number(k.slice(1)) % 2 === 0) {
        maps[0]!.delete(k);
        return false;
      }
      return true;
    });
    seen.push(...step.items);
    cursor = step.cursor;
  } while (cursor !== 0n);
  assert.equal(seen.length, 10);
  assert.equal(maps[0]!.size, 10);
});

Deno.test("scan: empty segments are skipped and an empty source ends at once", () => {
  const reg = new CursorRegistry<string>();
  const none = reg.scan(0n, 3, () => new Map(), 10, () => true);
  assert.deepEqual(none, { cursor: 0n, items: [] });
  const maps = [new Map<string, number>(), new Map<string, number>([["z", 1]])];
  assert.deepEqual(reg.scan(0n, 2, segmentsOf(maps), 10, () => true), { cursor: 0n, items: ["z"] });
});

Deno.test("scan: cursors it could not have issued end the iteration", () => {
  const maps = [new Map<string, number>([["a", 1]])];
  const reg = new CursorRegistry<string>();
  assert.deepEqual(reg.scan(2n ** 64n - 1n, 1, segmentsOf(maps), 10, () => true), {
    cursor: 0n,
    items: [],
  });
  // A cursor naming a segment past the last one ends too.
  assert.deepEqual(reg.scan(5n << 54n, 1, segmentsOf(maps), 10, () => true), {
    cursor: 0n,
    items: [],
  });
});

Deno.test("scan: live cursors are bounded and an evicted one resumes after its last key", () => {
  const maps = [new Map<string, number>()];
  for (let i = 0; i < 20_000; i++) maps[0]!.set(`k${i}`, i);
  const reg = new CursorRegistry<string>();
  const keep = reg.scan(0n, 1, segmentsOf(maps), 1, () => true);
  assert.deepEqual(keep.items, ["k0"]);
  // Cursors at 10000 different places: far more than the registry keeps.
  for (let i = 2; i < 10_000; i++) reg.scan(0n, 1, segmentsOf(maps), i, () => true);
  assert.ok(reg.size <= 4096, `${reg.size} live cursors`);
  // The first cursor's iterator is gone; its cursor alone says where it was.
  const again = reg.scan(keep.cursor, 1, segmentsOf(maps), 1, () => true);
  assert.deepEqual(again.items, ["k1"]);
  // A cursor that was just used stays live and continues where it was.
  const b = reg.scan(again.cursor, 1, segmentsOf(maps), 1, () => true);
  assert.deepEqual(b.items, ["k2"]);
});

Deno.test("scan: two walks standing at the same place both finish without skipping", () => {
  const maps = [new Map<string, number>()];
  for (let i = 0; i < 30; i++) maps[0]!.set(`k${i}`, i);
  const reg = new CursorRegistry<string>();
  const a = reg.scan(0n, 1, segmentsOf(maps), 5, () => true);
  const b = reg.scan(0n, 1, segmentsOf(maps), 5, () => true);
  // Same map, same position: the cursors are equal, and each holder goes on by itself.
  assert.equal(a.cursor, b.cursor);
  for (const first of [a, b]) {
    const seen = new Set(first.items);
    let cursor = first.cursor;
    while (cursor !== 0n) {
      const step = reg.scan(cursor, 1, segmentsOf(maps), 5, () => true);
      for (const k of step.items) seen.add(k);
      cursor = step.cursor;
    }
    assert.equal(seen.size, 30);
  }
});

Deno.test("scan: cursors fit in 64 bits and 0 only ends an iteration", () => {
  const maps = Array.from({ length: 1024 }, (_, i) => new Map<string, number>([[`k${i}`, i]]));
  const reg = new CursorRegistry<string>();
  let cursor = 0n;
  let steps = 0;
  do {
    const step = reg.scan(cursor, 1024, segmentsOf(maps), 1, () => true);
    cursor = step.cursor;
    assert.ok(cursor >= 0n && cursor < 2n ** 64n);
    steps++;
  } while (cursor !== 0n);
  assert.equal(steps, 1024);
});

Deno.test("parseScanCursor reads cursors as Redis's strtoul does", () => {
  assert.equal(parseScanCursor("0"), 0n);
  assert.equal(parseScanCursor(""), 0n);
  assert.equal(parseScanCursor("+0"), 0n);
  assert.equal(parseScanCursor("-0"), 0n);
  assert.equal(parseScanCursor("00"), 0n);
  assert.equal(parseScanCursor("12345"), 12345n);
  assert.equal(parseScanCursor("18446744073709551615"), 2n ** 64n - 1n);
  assert.equal(parseScanCursor("5\0junk"), 5n);
  // Negative numbers wrap around 2^64.
  assert.equal(parseScanCursor("-1"), 2n ** 64n - 1n);
  assert.equal(parseScanCursor("-18446744073709551615"), 1n);
  for (
    const bad of [
      " 0",
      "0 ",
      "+",
      "-",
      "0x1",
      "1.5",
      "abc",
      "18446744073709551616",
      "-18446744073709551616",
    ]
  ) {
    assert.equal(parseScanCursor(bad), null, JSON.stringify(bad));
  }
});

Deno.test("scan: an iteration ends even while writers append faster than it reads", () => {
  const maps = [new Map<string, number>()];
  for (let i = 0; i < 200; i++) maps[0]!.set(`k${i}`, i);
  const reg = new CursorRegistry<string>();
  let added = 0;
  let calls = 0;
  let cursor = 0n;
  const seen = new Set<string>();
  do {
    const step = reg.scan(cursor, 1, segmentsOf(maps), 1, () => true);
    for (const k of step.items) seen.add(k);
    cursor = step.cursor;
    calls++;
    for (let j = 0; j < 50; j++) maps[0]!.set(`new${added++}`, 0);
  } while (cursor !== 0n && calls < 10_000);
  assert.equal(cursor, 0n);
  assert.ok(calls <= 201, `${calls} calls`);
  for (let i = 0; i < 200; i++) assert.ok(seen.has(`k${i}`));
});

Deno.test("scan: keys present throughout survive churn even when every iterator is evicted", () => {
  const rand = rng(7);
  const maps = Array.from({ length: 3 }, () => new Map<string, number>());
  for (let i = 0; i < 600; i++) maps[i % 3]!.set(`s${i}`, i);
  let n = 0;
  const seen = new Set<string>();
  let cursor = 0n;
  let calls = 0;
  do {
    // A fresh registry each call: the cursor alone must carry the iteration.
    const step = new CursorRegistry<string>().scan(cursor, 3, segmentsOf(maps), 25, () => true);
    for (const k of step.items) seen.add(k);
    cursor = step.cursor;
    for (let j = 0; j < 10; j++) {
      const m = maps[Math.floor(rand() * 3)]!;
      if (rand() < 0.5) m.set(`c${n++}`, 0);
      else {for (const k of m.keys()) {
          if (k.startsWith("c")) {
            m.delete(k);
            break;
          }
        }}
    }
  } while (cursor !== 0n && ++calls < 100_000);
  assert.equal(cursor, 0n);
  for (let i = 0; i < 600; i++) assert.ok(seen.has(`s${i}`), `s${i} was skipped`);
});

Deno.test("scan: abandoned cursors over a replaced map are dropped by later scans", () => {
  const maps = [new Map<string, number>()];
  for (let i = 0; i < 500; i++) maps[0]!.set(`k${i}`, i);
  const reg = new CursorRegistry<string>();
  for (let i = 1; i <= 100; i++) reg.scan(0n, 1, segmentsOf(maps), i, () => true);
  assert.equal(reg.size, 100);
  maps[0] = new Map(); // FLUSHDB: nobody comes back for those cursors
  const other = [new Map<string, number>([["x", 1]])];
  for (let i = 0; i < 60; i++) reg.scan(0n, 1, segmentsOf(other), 10, () => true);
  assert.equal(reg.size, 0);
});
