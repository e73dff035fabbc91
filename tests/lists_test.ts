// In-process list tests: OBJECT ENCODING, big lists through the commands, COPY and timeout
// parsing. The deque itself is tested in src/engine/list_test.ts.
import assert from "node:assert/strict";
import { errorText, InProcess } from "./_harness.ts";

Deno.test("lists: OBJECT ENCODING is quicklist at every size; TYPE is list", async () => {
  await using t = new InProcess();
  await t.run("RPUSH", "l", "a");
  assert.equal(await t.run("OBJECT", "ENCODING", "l"), "quicklist");
  assert.equal(await t.run("TYPE", "l"), "list");
  const many = Array.from({ length: 1000 }, (_, i) => "x".repeat(i % 100));
  await t.run("RPUSH", "l", ...many);
  assert.equal(await t.run("OBJECT", "ENCODING", "l"), "quicklist");
});

Deno.test("lists: a big list keeps order through pushes and pops at both ends", async () => {
  await using t = new InProcess();
  const n = 100000;
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: 1000 }, (_, k) => String(i + k));
    await t.run("RPUSH", "big", ...batch);
  }
  assert.equal(await t.run("LLEN", "big"), n);
  assert.equal(await t.run("LINDEX", "big", 54321), "54321");
  assert.deepStrictEqual(await t.run("LRANGE", "big", -3, -1), ["99997", "99998", "99999"]);
  assert.deepStrictEqual(await t.run("LPOP", "big", 3), ["0", "1", "2"]);
  await t.run("LPUSH", "big", "h");
  assert.equal(await t.run("LINDEX", "big", 0), "h");
  assert.equal(await t.run("LPOS", "big", "99999"), n - 3);
  assert.equal(await t.run("LREM", "big", 0, "50000"), 1);
  await t.run("LTRIM", "big", 10, 19);
  assert.deepStrictEqual(await t.run("LRANGE", "big", 0, 1), ["12", "13"]);
  assert.equal(await t.run("LLEN", "big"), 10);
});

Deno.test("lists: copy via COPY shares nothing", async () => {
  await using t = new InProcess();
  await t.run("RPUSH", "a", "1", "2");
  const copied = await t.run("COPY", "a", "b");
  if (copied !== 1) return; // COPY belongs to the keys module; skip if not there yet
  await t.run("RPUSH", "b", "3");
  assert.deepStrictEqual(await t.run("LRANGE", "a", 0, -1), ["1", "2"]);
  assert.deepStrictEqual(await t.run("LRANGE", "b", 0, -1), ["1", "2", "3"]);
});

Deno.test("lists: timeouts parse as Redis reads them", async () => {
  await using t = new InProcess();
  assert.equal(errorText(await t.run("BLPOP", "k", "-0.0011")), "ERR timeout is negative");
  assert.equal(errorText(await t.run("BLPOP", "k", "1e400")), "ERR timeout is negative");
  assert.equal(
    errorText(await t.run("BLPOP", "k", "1e5000")),
    "ERR timeout is not a float or out of range",
  );
  assert.equal(
    errorText(await t.run("BLPOP", "k", "nan")),
    "ERR timeout is not a float or out of range",
  );
  // Sub-millisecond positive timeouts round up to 1 ms rather than waiting forever.
  assert.equal(await t.run("BLPOP", "k", "0.0001"), null);
  assert.equal(await t.run("BLMOVE", "k", "d", "LEFT", "LEFT", "0x1p-10"), null);
});
