// In-process tests of the set commands: encodings and their threshold (CONFIG SET applies to
// later writes), what writes report (touched keys, keyspace events, the dirty counter), random
// picks, and big sets. Reply-for-reply agreement with redis-server is sets_diff_test.ts's job.
import assert from "node:assert/strict";
import { InProcess } from "./_harness.ts";
import { NOTIFY_GENERIC, NOTIFY_SET } from "../src/server/notify.ts";

function record(t: InProcess): { touched: string[]; events: string[] } {
  const log = { touched: [] as string[], events: [] as string[] };
  t.server.touch = (db, key) => void log.touched.push(`${db}:${key}`);
  t.server.notify = (cls, event, key, db) => {
    const kind = cls === NOTIFY_SET ? "s" : cls === NOTIFY_GENERIC ? "g" : String(cls);
    log.events.push(`${kind}:${event}:${key}@${db}`);
  };
  return log;
}

Deno.test("sets: OBJECT ENCODING follows set-max-intset-entries, CONFIG SET included", async () => {
  await using t = new InProcess();
  await t.run("SADD", "a", "1", "2");
  assert.equal(await t.run("OBJECT", "ENCODING", "a"), "intset");
  await t.run("CONFIG", "SET", "set-max-intset-entries", "2");
  await t.run("SADD", "b", "1", "2");
  assert.equal(await t.run("OBJECT", "ENCODING", "b"), "intset");
  await t.run("SADD", "b", "3");
  assert.equal(await t.run("OBJECT", "ENCODING", "b"), "hashtable");
  await t.run("SREM", "b", "3", "2");
  assert.equal(await t.run("OBJECT", "ENCODING", "b"), "hashtable");
  await t.run("SADD", "a", "3");
  assert.equal(await t.run("OBJECT", "ENCODING", "a"), "hashtable");
  await t.run("CONFIG", "SET", "set-max-intset-entries", "512");
  await t.run("SADD", "c", "1", "x");
  assert.equal(await t.run("OBJECT", "ENCODING", "c"), "hashtable");
  await t.run("SADD", "d", "-9223372036854775808", "9223372036854775807");
  assert.equal(await t.run("OBJECT", "ENCODING", "d"), "intset");
  await t.run("SADD", "e", "9223372036854775808");
  assert.equal(await t.run("OBJECT", "ENCODING", "e"), "hashtable");
});

Deno.test("sets: writes report touched keys, events and changes", async () => {
  await using t = new InProcess();
  const log = record(t);
  let before = t.server.dirty;
  assert.equal(await t.run("SADD", "s", "1", "2", "3", "1"), 3);
  assert.equal(t.server.dirty - before, 3);
  assert.equal(await t.run("SADD", "s", "1"), 0);
  assert.equal(await t.run("SREM", "s", "9"), 0);
  assert.equal(await t.run("SREM", "s", "1"), 1);
  assert.equal(await t.run("SMOVE", "s", "s", "2"), 1);
  assert.equal(await t.run("SMOVE", "s", "d", "2"), 1);
  assert.equal(await t.run("SMOVE", "d", "s", "2"), 1);
  assert.deepEqual(await t.run("SPOP", "s", "0"), []);
  before = t.server.dirty;
  assert.deepEqual(await t.run("SPOP", "s", "5"), ["2", "3"]);
  assert.ok(t.server.dirty > before);
  assert.equal(await t.run("SADD", "a", "1", "2"), 2);
  assert.equal(await t.run("SADD", "b", "2", "3"), 2);
  assert.equal(await t.run("SINTERSTORE", "i", "a", "b"), 1);
  assert.equal(await t.run("SUNIONSTORE", "u", "a", "b"), 3);
  assert.equal(await t.run("SDIFFSTORE", "d", "a", "b"), 1);
  assert.equal(await t.run("SDIFFSTORE", "d", "a", "a"), 0);
  assert.equal(await t.run("SINTERSTORE", "nothing", "a", "nokey"), 0);
  assert.equal(typeof await t.run("SPOP", "a"), "string");
  assert.deepEqual(log.events, [
    "s:sadd:s@0",
    "s:srem:s@0",
    "s:srem:s@0",
    "s:sadd:d@0",
    "s:srem:d@0",
    "g:del:d@0",
    "s:sadd:s@0",
    "s:spop:s@0",
    "g:del:s@0",
    "s:sadd:a@0",
    "s:sadd:b@0",
    "s:sinterstore:i@0",
    "s:sunionstore:u@0",
    "s:sdiffstore:d@0",
    "g:del:d@0",
    "s:spop:a@0",
  ]);
  assert.ok(log.touched.includes("0:d") && log.touched.includes("0:i"));
  assert.ok(!log.touched.includes("0:nothing"));
});

Deno.test("sets: SPOP, SRANDMEMBER pick real members, uniformly enough", async () => {
  await using t = new InProcess();
  for (const members of [["1", "2", "3", "4"], ["a", "b", "c", "d"]]) {
    await t.run("DEL", "s");
    await t.run("SADD", "s", ...members);
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const m = await t.run("SRANDMEMBER", "s") as string;
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), members);
    for (const n of counts.values()) assert.ok(n > 800 && n < 1200, `skewed: ${n}`);
    const picks = await t.run("SRANDMEMBER", "s", "3") as string[];
    assert.equal(new Set(picks).size, 3);
    assert.equal((await t.run("SRANDMEMBER", "s", "-10") as string[]).length, 10);
    const popped = await t.run("SPOP", "s", "3") as string[];
    assert.equal(new Set(popped).size, 3);
    assert.equal(await t.run("SCARD", "s"), 1);
  }
});

Deno.test("sets: a big set pops to empty and SSCAN visits everything", async () => {
  await using t = new InProcess();
  const N = 20000;
  for (let i = 0; i < N; i += 1000) {
    const args = ["SADD", "big"];
    for (let j = i; j < i + 1000; j++) args.push(`m${j}`);
    assert.equal(await t.run(...args), 1000);
  }
  assert.equal(await t.run("SCARD", "big"), N);
  const seen = new Set<string>();
  let cursor = "0";
  let calls = 0;
  do {
    const [next, items] = await t.run("SSCAN", "big", cursor, "COUNT", "200") as [string, string[]];
    for (const m of items) seen.add(m);
    if (calls++ % 7 === 0) await t.run("SREM", "big", `m${calls * 13}`);
    cursor = next;
  } while (cursor !== "0");
  assert.ok(calls > 50);
  const removed = new Set<string>();
  for (let c = 1; c <= calls; c++) if ((c - 1) % 7 === 0) removed.add(`m${c * 13}`);
  for (let j = 0; j < N; j++) {
    if (!removed.has(`m${j}`)) assert.ok(seen.has(`m${j}`), `m${j} missed`);
  }
  const left = await t.run("SCARD", "big") as number;
  const popped = new Set<string>();
  for (let n = 0; n < left; n += 1000) {
    for (const m of await t.run("SPOP", "big", "1000") as string[]) popped.add(m);
  }
  assert.equal(popped.size, left);
  assert.equal(await t.run("EXISTS", "big"), 0);
  assert.equal(await t.run("SPOP", "big"), null);
});

Deno.test("sets: set operations on big sets", async () => {
  await using t = new InProcess();
  const a = ["SADD", "a"];
  const b = ["SADD", "b"];
  for (let i = 0; i < 5000; i++) {
    a.push(String(i));
    if (i % 2 === 0) b.push(String(i));
  }
  await t.run(...a);
  await t.run(...b);
  assert.equal(await t.run("SINTERCARD", "2", "a", "b"), 2500);
  assert.equal(await t.run("SINTERCARD", "2", "a", "b", "LIMIT", "10"), 10);
  assert.equal(await t.run("SDIFFSTORE", "d", "a", "b"), 2500);
  assert.equal(await t.run("SISMEMBER", "d", "3"), 1);
  assert.equal(await t.run("SISMEMBER", "d", "4"), 0);
  assert.equal(await t.run("SUNIONSTORE", "u", "d", "b"), 5000);
  assert.equal(await t.run("OBJECT", "ENCODING", "u"), "hashtable");
  await t.run("SADD", "small", "4", "2", "x");
  assert.deepEqual((await t.run("SINTER", "small", "a") as string[]).sort(), ["2", "4"]);
});

Deno.test("sets: COPY and MEMORY USAGE see set values", async () => {
  await using t = new InProcess();
  await t.run("SADD", "s", "1", "a");
  assert.equal(await t.run("COPY", "s", "s2"), 1);
  await t.run("SREM", "s2", "a");
  assert.equal(await t.run("SCARD", "s"), 2);
  assert.equal(await t.run("TYPE", "s2"), "set");
  const usage = await t.run("MEMORY", "USAGE", "s");
  assert.ok(typeof usage === "number" && usage > 0);
});
