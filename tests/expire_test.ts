// Expiry: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with their options and limits, TTL, PTTL,
// EXPIRETIME, PEXPIRETIME, PERSIST; lazy expiry on every read path; active expiry on a real
// server. In-process tests drive the keyspace clock by hand so nothing depends on timing.
import assert from "node:assert/strict";
import { InProcess, RespError, type RespValue, spawnHakv, waitFor } from "./_harness.ts";

async function expectError(reply: Promise<RespValue>, message: string): Promise<void> {
  const r = await reply;
  assert.ok(r instanceof RespError, `expected error ${message}, got ${JSON.stringify(r)}`);
  assert.equal(r.message, message);
}

/** An in-process server whose keyspace clock only moves when the test says so. */
function withClock(start = 1_700_000_000_000): { s: InProcess; clock: { now: number } } {
  const s = new InProcess();
  const clock = { now: start };
  s.server.keyspace.clock = () => clock.now;
  return { s, clock };
}

const NX_AND_OTHERS = "ERR NX and XX, GT or LT options at the same time are not compatible";
const GT_AND_LT = "ERR GT and LT options at the same time are not compatible";
const NOT_INT = "ERR value is not an integer or out of range";

Deno.test("EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT set the same absolute time", async () => {
  const { s, clock } = withClock();
  await using _ = s;
  for (const k of ["a", "b", "c", "d"]) await s.run("SET", k, "v");
  assert.equal(await s.run("EXPIRE", "a", "100"), 1);
  assert.equal(await s.run("PEXPIRE", "b", "100000"), 1);
  assert.equal(await s.run("EXPIREAT", "c", String(clock.now / 1000 + 100)), 1);
  assert.equal(await s.run("PEXPIREAT", "d", String(clock.now + 100_000)), 1);
  for (const k of ["a", "b", "c", "d"]) {
    assert.equal(await s.run("PEXPIRETIME", k), clock.now + 100_000);
    assert.equal(await s.run("EXPIRETIME", k), clock.now / 1000 + 100);
    assert.equal(await s.run("TTL", k), 100);
    assert.equal(await s.run("PTTL", k), 100_000);
  }
});

Deno.test("TTL rounds to the nearest second; PTTL is exact", async () => {
  const { s, clock } = withClock();
  await using _ = s;
  await s.run("SET", "k", "v");
  await s.run("PEXPIRE", "k", "1499");
  assert.equal(await s.run("TTL", "k"), 1);
  assert.equal(await s.run("PTTL", "k"), 1499);
  await s.run("PEXPIRE", "k", "1500");
  assert.equal(await s.run("TTL", "k"), 2);
  clock.now += 1001;
  assert.equal(await s.run("PTTL", "k"), 499);
  assert.equal(await s.run("TTL", "k"), 0);
  // EXPIRETIME rounds the absolute time the same way.
  await s.run("PEXPIREAT", "k", String(clock.now + 10_499));
  assert.equal(await s.run("EXPIRETIME", "k"), Math.floor((clock.now + 10_499 + 500) / 1000));
});

Deno.test("TTL and friends: -2 for a missing key, -1 for a key without TTL", async () => {
  await using s = new InProcess();
  await s.run("SET", "k", "v");
  for (const cmd of ["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]) {
    assert.equal(await s.run(cmd, "missing"), -2, cmd);
    assert.equal(await s.run(cmd, "k"), -1, cmd);
    await expectError(
      s.run(cmd),
      `ERR wrong number of arguments for '${cmd.toLowerCase()}' command`,
    );
  }
});

Deno.test("EXPIRE on a missing key returns 0 and creates nothing", async () => {
  await using s = new InProcess();
  for (const cmd of ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"]) {
    assert.equal(await s.run(cmd, "missing", "100"), 0);
  }
  assert.equal(await s.run("EXISTS", "missing"), 0);
});

Deno.test("a past, zero or negative expire time deletes the key and returns 1", async () => {
  const { s, clock } = withClock();
  await using _ = s;
  const cases: [string, string][] = [
    ["EXPIRE", "0"],
    ["EXPIRE", "-5"],
    ["PEXPIRE", "0"],
    ["PEXPIRE", "-9223372036854775808"],
    ["EXPIREAT", "0"],
    ["EXPIREAT", String(clock.now / 1000 - 1)],
    ["PEXPIREAT", String(clock.now)],
    ["PEXPIREAT", "1"],
  ];
  for (const [cmd, t] of cases) {
    await s.run("SET", "k", "v");
    assert.equal(await s.run(cmd, "k", t), 1, `${cmd} ${t}`);
    assert.equal(await s.run("EXISTS", "k"), 0, `${cmd} ${t}`);
    assert.equal(s.server.keyspace.db(0).size, 0, `${cmd} ${t}`);
  }
  // One millisecond in the future is not the past.
  await s.run("SET", "k", "v");
  assert.equal(await s.run("PEXPIREAT", "k", String(clock.now + 1)), 1);
  assert.equal(await s.run("EXISTS", "k"), 1);
});

Deno.test("EXPIRE NX and XX depend on whether the key has a TTL", async () => {
  await using s = new InProcess();
  await s.run("SET", "k", "v");
  assert.equal(await s.run("EXPIRE", "k", "100", "XX"), 0);
  assert.equal(await s.run("TTL", "k"), -1);
  assert.equal(await s.run("EXPIRE", "k", "100", "NX"), 1);
  assert.equal(await s.run("EXPIRE", "k", "200", "NX"), 0);
  assert.equal(await s.run("TTL", "k"), 100);
  assert.equal(await s.run("EXPIRE", "k", "200", "xx"), 1);
  assert.equal(await s.run("TTL", "k"), 200);
  // Options may repeat.
  assert.equal(await s.run("EXPIRE", "k", "300", "XX", "XX"), 1);
  assert.equal(await s.run("EXPIRE", "missing", "300", "NX"), 0);
});

Deno.test("EXPIRE GT and LT compare with the current TTL; none counts as infinite", async () => {
  await using s = new InProcess();
  await s.run("SET", "k", "v");
  assert.equal(await s.run("EXPIRE", "k", "100", "GT"), 0);
  assert.equal(await s.run("TTL", "k"), -1);
  assert.equal(await s.run("EXPIRE", "k", "100", "LT"), 1);
  assert.equal(await s.run("EXPIRE", "k", "100", "GT"), 0);
  assert.equal(await s.run("EXPIRE", "k", "100", "LT"), 0);
  assert.equal(await s.run("EXPIRE", "k", "200", "LT"), 0);
  assert.equal(await s.run("EXPIRE", "k", "200", "GT"), 1);
  assert.equal(await s.run("TTL", "k"), 200);
  assert.equal(await s.run("EXPIRE", "k", "50", "LT", "XX"), 1);
  assert.equal(await s.run("TTL", "k"), 50);
  assert.equal(await s.run("EXPIRE", "k", "500", "XX", "GT"), 1);
  // GT with a past time fails against any TTL; LT with one deletes the key.
  assert.equal(await s.run("EXPIRE", "k", "-1", "GT"), 0);
  assert.equal(await s.run("EXPIRE", "k", "-1", "LT"), 1);
  assert.equal(await s.run("EXISTS", "k"), 0);
});

Deno.test("EXPIRE option errors come before the time is parsed", async () => {
  await using s = new InProcess();
  await s.run("SET", "k", "v");
  for (const cmd of ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"]) {
    await expectError(s.run(cmd, "k", "10", "NX", "XX"), NX_AND_OTHERS);
    await expectError(s.run(cmd, "k", "10", "NX", "GT"), NX_AND_OTHERS);
    await expectError(s.run(cmd, "k", "10", "lt", "nx"), NX_AND_OTHERS);
    await expectError(s.run(cmd, "k", "10", "GT", "LT"), GT_AND_LT);
    await expectError(s.run(cmd, "k", "10", "XX", "GT", "LT"), GT_AND_LT);
    await expectError(s.run(cmd, "k", "10", "FOO"), "ERR Unsupported option FOO");
    await expectError(s.run(cmd, "k", "abc", "FOO"), "ERR Unsupported option FOO");
    await expectError(s.run(cmd, "k", "abc", "NX", "XX"), NX_AND_OTHERS);
    // The option text is quoted up to its first NUL, as C's %s prints it.
    await expectError(s.run(cmd, "k", "10", "ab\0cd"), "ERR Unsupported option ab");
    await expectError(s.run(cmd, "k", "abc"), NOT_INT);
    await expectError(s.run(cmd, "k", "1.5"), NOT_INT);
    await expectError(s.run(cmd, "k", " 10"), NOT_INT);
    await expectError(s.run(cmd, "k", ""), NOT_INT);
    await expectError(s.run(cmd, "k", "9223372036854775808"), NOT_INT);
    await expectError(
      s.run(cmd, "k"),
      `ERR wrong number of arguments for '${cmd.toLowerCase()}' command`,
    );
  }
  assert.equal(await s.run("TTL", "k"), -1);
});

Deno.test("expire times that overflow 64 bits are refused", async () => {
  await using s = new InProcess();
  await s.run("SET", "k", "v");
  const invalid = (cmd: string) => `ERR invalid expire time in '${cmd}' command`;
  await expectError(s.run("EXPIRE", "k", "9223372036854775807"), invalid("expire"));
  await expectError(s.run("EXPIRE", "k", "9223372036854776"), invalid("expire"));
  // In range for the unit conversion, but not once now is added.
  await expectError(s.run("EXPIRE", "k", "9223372036854775"), invalid("expire"));
  await expectError(s.run("EXPIRE", "k", "-9223372036854776"), invalid("expire"));
  await expectError(s.run("PEXPIRE", "k", "9223372036854775807"), invalid("pexpire"));
  await expectError(s.run("EXPIREAT", "k", "9223372036854775807"), invalid("expireat"));
  await expectError(s.run("EXPIREAT", "k", "-9223372036854776"), invalid("expireat"));
  assert.equal(await s.run("TTL", "k"), -1);
  // The largest absolute times are fine.
  assert.equal(await s.run("EXPIREAT", "k", "9223372036854775"), 1);
  assert.equal(await s.run("PEXPIREAT", "k", "9223372036854775807"), 1);
  assert.equal(await s.run("PEXPIRETIME", "k"), 9223372036854775807n);
  assert.equal(await s.run("EXPIRETIME", "k"), 9223372036854776n);
  assert.equal(await s.run("EXISTS", "k"), 1);
});

Deno.test("PERSIST removes a TTL and says whether there was one", async () => {
  await using s = new InProcess();
  await s.run("SET", "k", "v");
  assert.equal(await s.run("PERSIST", "k"), 0);
  await s.run("EXPIRE", "k", "100");
  assert.equal(await s.run("PERSIST", "k"), 1);
  assert.equal(await s.run("TTL", "k"), -1);
  assert.equal(await s.run("PERSIST", "k"), 0);
  assert.equal(await s.run("PERSIST", "missing"), 0);
  await expectError(s.run("PERSIST"), "ERR wrong number of arguments for 'persist' command");
});

Deno.test("expired keys are never returned by any read path", async () => {
  const { s, clock } = withClock();
  await using _ = s;
  const db = s.server.keyspace.db(0);
  await s.run("SET", "live", "v");
  for (let i = 0; i < 200; i++) {
    await s.run("SET", `gone:${i}`, "v");
    await s.run("PEXPIRE", `gone:${i}`, "10");
  }
  clock.now += 10;
  // Nothing has removed them yet (no cron runs in-process): every reader must skip them.
  assert.equal(db.size, 201);
  assert.deepEqual(await s.run("KEYS", "*"), ["live"]);
  assert.deepEqual(await s.run("KEYS", "gone:1*"), []);
  assert.deepEqual(await s.run("KEYS", "gone:1"), []);
  let cursor = "0";
  const seen: string[] = [];
  do {
    const r = await s.run("SCAN", cursor, "COUNT", "13") as [string, string[]];
    cursor = r[0];
    seen.push(...r[1]);
  } while (cursor !== "0");
  assert.deepEqual(seen, ["live"]);
  for (let i = 0; i < 50; i++) assert.equal(await s.run("RANDOMKEY"), "live");
  assert.equal(await s.run("GET", "gone:7"), null);
  assert.equal(await s.run("EXISTS", "gone:8", "gone:9"), 0);
  assert.equal(await s.run("TYPE", "gone:10"), "none");
  assert.equal(await s.run("TTL", "gone:11"), -2);
  assert.equal(await s.run("PTTL", "gone:12"), -2);
  assert.equal(await s.run("OBJECT", "ENCODING", "gone:13"), null);
  assert.equal(await s.run("TOUCH", "gone:14"), 0);
  assert.equal(await s.run("PERSIST", "gone:15"), 0);
  assert.equal(await s.run("EXPIRE", "gone:16", "100"), 0);
  assert.equal(await s.run("COPY", "gone:17", "copy"), 0);
  assert.equal(await s.run("MOVE", "gone:18", "1"), 0);
  await expectError(s.run("RENAME", "gone:19", "x"), "ERR no such key");
  assert.equal(
    await s.run("SCAN", "0", "TYPE", "string", "COUNT", "1000").then((r) =>
      (r as [string, string[]])[1].length
    ),
    1,
  );
  assert.equal(await s.run("DEL", "gone:20"), 0);
});

Deno.test("SCAN and RANDOMKEY remove the expired keys they meet; KEYS leaves them", async () => {
  const { s, clock } = withClock();
  await using _ = s;
  const ks = s.server.keyspace;
  for (let i = 0; i < 20; i++) {
    await s.run("SET", `k${i}`, "v");
    await s.run("PEXPIRE", `k${i}`, "5");
  }
  clock.now += 5;
  await s.run("KEYS", "*");
  assert.equal(ks.db(0).size, 20);
  assert.equal(await s.run("RANDOMKEY"), null);
  assert.equal(ks.db(0).size, 0);
  assert.equal(ks.expiredKeys, 20);
});

Deno.test("a key's TTL follows RENAME and MOVE, and is copied by COPY", async () => {
  const { s, clock } = withClock();
  await using _ = s;
  await s.run("SET", "a", "v");
  await s.run("PEXPIRE", "a", "5000");
  await s.run("RENAME", "a", "b");
  await s.run("COPY", "b", "c");
  await s.run("MOVE", "c", "1");
  assert.equal(await s.run("PEXPIRETIME", "b"), clock.now + 5000);
  await s.run("SELECT", "1");
  assert.equal(await s.run("PEXPIRETIME", "c"), clock.now + 5000);
  clock.now += 5000;
  assert.equal(await s.run("EXISTS", "c"), 0);
  await s.run("SELECT", "0");
  assert.equal(await s.run("EXISTS", "b"), 0);
});

// --- Active expiry on a real server ------------------------------------------------------------

Deno.test("process: keys with short TTLs disappear without being touched", async () => {
  await using p = await spawnHakv(["--hz", "50"]);
  await using c = await p.client();
  const pending: Promise<RespValue>[] = [];
  for (let i = 0; i < 2000; i++) {
    pending.push(c.call("SET", `tmp:${i}`, "v"));
    pending.push(c.call("PEXPIRE", `tmp:${i}`, String(50 + (i % 100))));
  }
  for (let i = 0; i < 10; i++) pending.push(c.call("SET", `keep:${i}`, "v"));
  await Promise.all(pending);
  assert.ok((await c.call("DBSIZE") as number) > 10);
  // DBSIZE counts stored keys without reading (so without lazy expiry): only the active cycle
  // can bring it down.
  await waitFor(async () => (await c.call("DBSIZE")) === 10, 10_000);
  const seen = new Set<string>();
  let cursor = "0";
  do {
    const r = await c.call("SCAN", cursor, "COUNT", "100") as [string, string[]];
    cursor = r[0];
    for (const k of r[1]) seen.add(k);
  } while (cursor !== "0");
  assert.deepEqual([...seen].sort(), Array.from({ length: 10 }, (_, i) => `keep:${i}`).sort());
});

Deno.test("process: expired keys are invisible to readers even before the cycle runs", async () => {
  await using p = await spawnHakv(["--hz", "1"]);
  await using c = await p.client();
  for (let round = 0; round < 3; round++) {
    await c.call("FLUSHALL");
    await c.call("SET", "live", "v");
    const pending: Promise<RespValue>[] = [];
    for (let i = 0; i < 300; i++) {
      pending.push(c.call("SET", `t${i}`, "v"));
      pending.push(c.call("PEXPIRE", `t${i}`, "20"));
    }
    await Promise.all(pending);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(await c.call("KEYS", "*"), ["live"]);
    assert.deepEqual(await c.call("SCAN", "0", "COUNT", "10000"), ["0", ["live"]]);
    assert.equal(await c.call("RANDOMKEY"), "live");
    assert.equal(await c.call("GET", "t1"), null);
    assert.equal(await c.call("EXISTS", "t2", "t3"), 0);
  }
});
