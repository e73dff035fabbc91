// In-process tests of the HyperLogLog commands: how values are held (sparse strings, dense
// MutableStrings edited in place), WATCH invalidation by writes and by PFCOUNT's cache
// update, TTLs, COPY independence and PFSELFTEST. Byte-level agreement with Redis is in
// hll_diff_test.ts.
import assert from "node:assert/strict";
import { HLL_DENSE_SIZE } from "../src/engine/hll.ts";
import { MutableString } from "../src/engine/values.ts";
import { errorText, InProcess } from "./_harness.ts";

function elements(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

Deno.test("sparse HLLs are plain strings; dense ones are MutableStrings edited in place", async () => {
  await using t = new InProcess();
  assert.equal(await t.run("PFADD", "h", "a", "b"), 1);
  assert.equal(typeof t.c.db.get("h"), "string");
  await t.run("PFADD", "h", ...elements("e", 3000));
  const dense = t.c.db.get("h");
  assert.ok(dense instanceof MutableString);
  assert.equal(dense.length, HLL_DENSE_SIZE);
  await t.run("PFADD", "h", ...elements("f", 100));
  assert.equal(t.c.db.get("h"), dense, "the same object is edited");
  const n = await t.run("PFCOUNT", "h") as number;
  assert.ok(Math.abs(n - 3102) < 3102 * 0.03, String(n));
  assert.equal(t.c.db.get("h"), dense);
});

Deno.test("PFADD reports 1 for a new key even without elements, 0 when nothing changes", async () => {
  await using t = new InProcess();
  assert.equal(await t.run("PFADD", "h"), 1);
  assert.equal(await t.run("PFADD", "h"), 0);
  assert.equal(await t.run("PFADD", "h", "x"), 1);
  assert.equal(await t.run("PFADD", "h", "x"), 0);
  assert.equal(await t.run("PFCOUNT", "h"), 1);
  assert.equal(await t.run("PFCOUNT", "nokey"), 0);
});

Deno.test("PFCOUNT that refreshes the cache invalidates WATCH; a cached one does not", async () => {
  await using t = new InProcess();
  const other = t.client();
  await t.run("PFADD", "h", "a", "b", "c");
  await t.run("WATCH", "h");
  assert.equal(await t.runAs(other, "PFCOUNT", "h"), 3);
  await t.run("MULTI");
  await t.run("PING");
  assert.equal(await t.run("EXEC"), null);

  await t.run("WATCH", "h");
  assert.equal(await t.runAs(other, "PFCOUNT", "h"), 3);
  await t.run("MULTI");
  await t.run("PING");
  assert.deepEqual(await t.run("EXEC"), ["PONG"]);

  await t.run("WATCH", "h");
  assert.equal(await t.runAs(other, "PFADD", "h", "a"), 0);
  await t.run("MULTI");
  await t.run("PING");
  assert.deepEqual(await t.run("EXEC"), ["PONG"], "a PFADD that changes nothing");

  await t.run("WATCH", "h");
  assert.equal(await t.runAs(other, "PFADD", "h", "d"), 1);
  await t.run("MULTI");
  await t.run("PING");
  assert.equal(await t.run("EXEC"), null);
});

Deno.test("PFADD, PFCOUNT and PFMERGE keep the key's TTL", async () => {
  await using t = new InProcess();
  await t.run("PFADD", "h", "a");
  await t.run("EXPIRE", "h", 1000);
  await t.run("PFADD", "h", "b", ...elements("x", 2000));
  assert.equal(await t.run("TTL", "h"), 1000);
  await t.run("PFCOUNT", "h");
  await t.run("PFMERGE", "h", "other");
  assert.equal(await t.run("TTL", "h"), 1000);
});

Deno.test("a COPY of a dense HLL is independent of the original", async () => {
  await using t = new InProcess();
  await t.run("PFADD", "h", ...elements("e", 2000));
  await t.run("COPY", "h", "c");
  const before = await t.run("GET", "h");
  await t.run("PFADD", "c", ...elements("z", 2000));
  assert.equal(await t.run("GET", "h"), before);
  assert.notEqual(await t.run("GET", "c"), before);
});

Deno.test("PFMERGE of nothing creates an empty HLL; sources may repeat", async () => {
  await using t = new InProcess();
  assert.equal(await t.run("PFMERGE", "d"), "OK");
  assert.equal(await t.run("PFCOUNT", "d"), 0);
  await t.run("PFADD", "a", "1", "2", "3");
  assert.equal(await t.run("PFMERGE", "d", "a", "a", "d"), "OK");
  assert.equal(await t.run("PFCOUNT", "d"), 3);
  assert.equal(await t.run("PFCOUNT", "a", "d", "missing"), 3);
});

Deno.test("errors: wrong type, not an HLL, corrupt", async () => {
  await using t = new InProcess();
  await t.run("SET", "s", "plain");
  assert.equal(
    errorText(await t.run("PFADD", "s", "a")),
    "WRONGTYPE Key is not a valid HyperLogLog string value.",
  );
  await t.run("SET", "bad", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x40\x00");
  assert.equal(
    errorText(await t.run("PFCOUNT", "bad")),
    "INVALIDOBJ Corrupted HLL object detected",
  );
  assert.equal(
    errorText(await t.run("PFDEBUG", "GETREG", "missing")),
    "ERR The specified key does not exist",
  );
  assert.equal(
    errorText(await t.run("PFDEBUG", "BOGUS", "bad")),
    "ERR Unknown PFDEBUG subcommand 'BOGUS'",
  );
});

Deno.test("PFSELFTEST passes", async () => {
  await using t = new InProcess();
  assert.equal(await t.run("PFSELFTEST"), "OK");
});
