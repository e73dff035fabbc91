import assert from "node:assert/strict";
import { ActiveExpirer } from "./expire.ts";
import { Keyspace } from "./keyspace.ts";

function keyspace(now: { t: number }, shards = 4, databases = 2): Keyspace {
  return new Keyspace({ shards, databases, clock: () => now.t });
}

Deno.test("active expiry: one cycle with a 1 ms budget stops early on 200k expired keys", () => {
  const now = { t: 1_000_000 };
  const ks = keyspace(now);
  const db = ks.db(0);
  const total = 200_000;
  for (let i = 0; i < total; i++) db.set(`key:${i}`, "v", now.t + 10);
  now.t += 1000;
  const expirer = new ActiveExpirer(ks);
  const start = performance.now();
  const removed = expirer.cycle(1);
  const elapsed = performance.now() - start;
  // Bounded: it stopped with keys left (removing all 200k takes tens of ms), and it returned
  // soon after its budget. The generous bound only guards against an unbounded cycle.
  assert.ok(removed > 0, "removed nothing");
  assert.ok(removed < total, `removed all ${total} keys in one 1 ms cycle`);
  assert.ok(elapsed < 50, `cycle took ${elapsed.toFixed(1)} ms`);
  assert.equal(db.size, total - removed);
  assert.equal(ks.expiredKeys, removed);
  // Further cycles finish the job.
  let cycles = 1;
  while (db.size > 0 && cycles < 100_000) {
    expirer.cycle(1);
    cycles++;
  }
  assert.equal(db.size, 0);
  assert.equal(db.expiresCount, 0);
  assert.equal(ks.expiredKeys, total);
});

Deno.test("active expiry: keys deep in a big mostly-live table are eventually removed", () => {
  // Only the last keys of a large table expire: sampling always from the start of the TTL index
  // would never reach them, since each sample looks fresh enough to move on.
  const now = { t: 5_000_000 };
  const ks = keyspace(now, 1, 1);
  const db = ks.db(0);
  for (let i = 0; i < 50_000; i++) db.set(`live:${i}`, "v", now.t + 3_600_000);
  for (let i = 0; i < 100; i++) db.set(`dead:${i}`, "v", now.t + 5);
  now.t += 10;
  const expirer = new ActiveExpirer(ks);
  let removed = 0;
  for (let i = 0; i < 5000 && removed < 100; i++) removed += expirer.cycle(0.05);
  assert.equal(removed, 100);
  assert.equal(db.size, 50_000);
});

Deno.test("active expiry: live keys stay and the expired callback sees each removal", () => {
  const now = { t: 1000 };
  const ks = keyspace(now);
  const seen: string[] = [];
  ks.onExpired = (dbIndex, key) => seen.push(`${dbIndex}:${key}`);
  ks.db(0).set("a", "1", 1500);
  ks.db(1).set("b", "2", 1500);
  ks.db(1).set("c", "3", 9999);
  ks.db(0).set("d", "4");
  now.t = 2000;
  const removed = new ActiveExpirer(ks).cycle(100);
  assert.equal(removed, 2);
  assert.deepEqual(seen.sort(), ["0:a", "1:b"]);
  assert.equal(ks.db(1).get("c"), "3");
  assert.equal(ks.db(0).get("d"), "4");
});

Deno.test("active expiry: a flushed table does not confuse a sweep in progress", () => {
  const now = { t: 1000 };
  const ks = keyspace(now, 1, 1);
  const db = ks.db(0);
  for (let i = 0; i < 1000; i++) db.set(`k${i}`, "v", 1001 + (i % 2) * 1_000_000);
  now.t = 2000;
  const expirer = new ActiveExpirer(ks);
  expirer.cycle(0); // a zero budget still samples once
  db.flush();
  db.set("x", "v", 1500);
  db.set("y", "v", 999_999);
  now.t = 3000;
  assert.equal(expirer.cycle(100), 1);
  assert.equal(db.get("y"), "v");
  assert.equal(db.size, 1);
});
