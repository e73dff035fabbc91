// In-process tests of SORT and SORT_RO: what STORE reports (WATCH, keyspace events, dirty
// count), Redis's strtod rules for scores, and where SORT's STORE key is for key extraction.
// Reply-level agreement with Redis is in sort_diff_test.ts.
import assert from "node:assert/strict";
import { sortStoreKeyAt } from "../src/commands/table/sort.ts";
import { sortScore } from "../src/server/handlers/sort.ts";
import { drain, errorText, InProcess } from "./_harness.ts";

Deno.test("scores parse like glibc strtod, with Redis's error cases", () => {
  const ok: [string, number][] = [
    ["1", 1],
    [" 7", 7],
    ["\t\n8", 8],
    ["-0", -0],
    ["", 0],
    ["3\x00junk", 3],
    [".5", 0.5],
    ["5.", 5],
    ["+3", 3],
    ["1E5", 1e5],
    ["inf", Infinity],
    ["-Infinity", -Infinity],
    ["0x10", 16],
    ["0X1.8p1", 3],
    ["0x1p-1074", 5e-324],
    ["0x1.0000000000001p-1022", 2.225073858507202e-308],
    ["0e-400", 0],
    ["2.2250738585072014e-308", 2.2250738585072014e-308],
    ["1.7976931348623157e308", 1.7976931348623157e308],
  ];
  for (const [s, d] of ok) assert.equal(sortScore(s), d, JSON.stringify(s));
  for (
    const s of [
      "nan",
      "-nan",
      "nan(1)",
      "1 ",
      "1e",
      "e1",
      ".",
      "+",
      "0x",
      "0x1p",
      "1_0",
      "infinit",
      "1e-310",
      "1e-400",
      "2.2250738585072011e-308",
      "1.7976931348623159e308",
      "1e400",
      "0x1p-1075",
    ]
  ) {
    assert.equal(sortScore(s), null, JSON.stringify(s));
  }
});

Deno.test("the STORE key is the last STORE with an argument, after LIMIT/BY/GET skips", () => {
  const at = (cmd: string) => {
    const args = cmd.split(" ");
    return sortStoreKeyAt((i) => args[i]!.toLowerCase(), args.length);
  };
  assert.equal(at("sort k by x get y store d"), 7);
  assert.equal(at("sort k store d limit 0 1 store e"), 8);
  assert.equal(at("sort k store"), -1);
  assert.equal(at("sort k limit 0 store d"), -1);
  assert.equal(at("sort k store store d"), 4);
  assert.equal(at("sort k store d store"), 3);
  assert.equal(at("sort k get store"), -1);
});

Deno.test("SORT STORE reports sortstore, or del for an empty result, and counts changes", async () => {
  await using t = new InProcess();
  const sub = t.client();
  await t.run("SADD", "s", "3", "1", "2");
  await t.run("CONFIG", "SET", "notify-keyspace-events", "KEA");
  await t.runAs(sub, "PSUBSCRIBE", "__keyevent@0__:*");
  const events = () =>
    drain(sub).map((m) => {
      const [, , channel, key] = m as string[];
      return `${channel} ${key}`;
    });
  const dirty = () => t.server.dirty;

  let d = dirty();
  assert.equal(await t.run("SORT", "s", "STORE", "out"), 3);
  assert.deepEqual(events(), ["__keyevent@0__:sortstore out"]);
  assert.equal(dirty() - d, 3);

  d = dirty();
  assert.equal(await t.run("SORT", "missing", "STORE", "out"), 0);
  assert.deepEqual(events(), ["__keyevent@0__:del out"]);
  assert.equal(dirty() - d, 1);

  d = dirty();
  assert.equal(await t.run("SORT", "missing", "STORE", "out"), 0);
  assert.deepEqual(events(), []);
  assert.equal(dirty() - d, 0);

  d = dirty();
  assert.deepEqual(await t.run("SORT", "s"), ["1", "2", "3"]);
  assert.deepEqual(events(), []);
  assert.equal(dirty() - d, 0);
});

Deno.test("SORT STORE invalidates WATCH on the destination", async () => {
  await using t = new InProcess();
  const other = t.client();
  await t.run("SADD", "s", "1");
  await t.run("WATCH", "out");
  await t.runAs(other, "SORT", "s", "STORE", "out");
  await t.run("MULTI");
  await t.run("PING");
  assert.equal(await t.run("EXEC"), null);
});

Deno.test("SORT_RO refuses STORE as a syntax error and writes nothing", async () => {
  await using t = new InProcess();
  await t.run("SADD", "s", "1");
  assert.equal(errorText(await t.run("SORT_RO", "s", "STORE", "out")), "ERR syntax error");
  assert.equal(await t.run("EXISTS", "out"), 0);
  assert.deepEqual(await t.run("SORT_RO", "s"), ["1"]);
});
