// Interop: a spawned hakv driven by the clients people actually use — redis-cli, redis-benchmark,
// npm:ioredis and npm:redis. Where redis-server is installed, what redis-cli and redis-benchmark
// leave behind is compared with what they leave on Redis itself.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { type Proc, requireTool, run, spawnHakv, spawnRedis } from "./_harness.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function cli(
  p: Proc,
  args: string[],
  stdin?: Uint8Array,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return await run("redis-cli", ["-p", String(p.port), ...args], {
    ...(stdin ? { stdin } : {}),
    allowFailure: true,
  });
}

/** Runs `fn` against hakv and, when installed, against redis-server; returns both results. */
async function both<T>(
  fn: (p: Proc) => Promise<T>,
): Promise<{ hakv: T; redis: T | undefined }> {
  await using h = await spawnHakv();
  const hakv = await fn(h);
  if (!requireTool("redis-server")) return { hakv, redis: undefined };
  await using r = await spawnRedis();
  return { hakv, redis: await fn(r) };
}

// A transcript of commands fed to redis-cli on stdin, one per line, as a user would type them.
// Only replies that do not depend on time, ids or the server's build.
const TRANSCRIPT = [
  "PING",
  "PING hello",
  'ECHO "two words"',
  "SET k v",
  "GET k",
  "GET missing",
  "SET k v2 NX",
  "SET k v3 XX GET",
  "GET k",
  "INCR n",
  "INCR n",
  "INCRBY n 40",
  "DECR n",
  "INCR k",
  "INCRBY n notanumber",
  "MSET a 1 b 2 c 3",
  "MGET a b missing c",
  "EXISTS a b missing",
  "DEL a b missing",
  'SET utf "h\\xc3\\xa9llo"',
  "GET utf",
  'SET "key with spaces" "value with\\nnewline"',
  'GET "key with spaces"',
  "SET k v EX 0",
  "SET k v PX notanumber",
  "NOSUCHCOMMAND a b",
  "GET",
  "SELECT 99",
  "DBSIZE",
  "SELECT 2",
  "SET other 1",
  "DBSIZE",
];

Deno.test("redis-cli prints the same transcript for hakv as for redis-server", async () => {
  if (!requireTool("redis-cli")) return;
  const input = enc.encode(TRANSCRIPT.join("\n") + "\n");
  for (const mode of [[], ["--no-raw"]]) {
    const out = await both(async (p) => (await cli(p, mode, input)).stdout);
    assert.ok(out.hakv.includes("PONG"), out.hakv);
    // Raw mode prints the bytes; --no-raw escapes them.
    assert.ok(
      out.hakv.includes(mode.length === 0 ? "héllo" : String.raw`"h\xc3\xa9llo"`),
      out.hakv,
    );
    if (out.redis !== undefined) assert.equal(out.hakv, out.redis, `mode ${mode.join(" ")}`);
  }
});

Deno.test("redis-cli -n selects the database for the whole session", async () => {
  if (!requireTool("redis-cli")) return;
  const out = await both(async (p) => {
    const lines: string[] = [];
    const say = async (...args: string[]) => {
      const r = await cli(p, args);
      lines.push(`${args.join(" ")} => ${r.code} ${r.stdout.trimEnd()} ${r.stderr.trimEnd()}`);
    };
    await say("-n", "3", "SET", "k", "in-three");
    await say("-n", "3", "GET", "k");
    await say("GET", "k");
    await say("-n", "3", "DBSIZE");
    await say("-n", "0", "DBSIZE");
    await say("-n", "15", "SET", "k", "in-fifteen");
    await say("-n", "15", "GET", "k");
    await say("-n", "16", "PING");
    return lines;
  });
  assert.ok(out.hakv.includes("-n 3 GET k => 0 in-three "), out.hakv.join("\n"));
  assert.ok(out.hakv.includes("GET k => 0  "), out.hakv.join("\n"));
  assert.ok(out.hakv.includes("-n 3 DBSIZE => 0 1 "), out.hakv.join("\n"));
  assert.ok(out.hakv.includes("-n 15 GET k => 0 in-fifteen "), out.hakv.join("\n"));
  assert.match(out.hakv.at(-1)!, /ERR DB index is out of range/);
  if (out.redis !== undefined) assert.deepEqual(out.hakv, out.redis);
});

Deno.test("redis-cli -x stores binary stdin and --no-raw shows it escaped", async () => {
  if (!requireTool("redis-cli")) return;
  const value = new Uint8Array([0, 1, 2, 0xff, 0xfe, 13, 10, 0x22, 0x5c, 65]);
  const out = await both(async (p) => {
    const set = await cli(p, ["-x", "SET", "bin"], value);
    const shown = await cli(p, ["--no-raw", "GET", "bin"]);
    const raw = await run("redis-cli", ["-p", String(p.port), "--raw", "GET", "bin"]);
    const len = await cli(p, ["EXISTS", "bin"]);
    return { set: set.stdout, shown: shown.stdout, raw: raw.stdout, len: len.stdout };
  });
  assert.equal(out.hakv.set.trim(), "OK");
  assert.equal(out.hakv.len.trim(), "1");
  if (out.redis !== undefined) assert.deepEqual(out.hakv, out.redis);
});

Deno.test("redis-cli --pipe loads 20000 commands and counts the one error", async () => {
  if (!requireTool("redis-cli")) return;
  const parts: string[] = [];
  const resp = (...args: string[]) =>
    `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join("");
  for (let i = 0; i < 19_999; i++) {
    parts.push(resp("SET", `pipe:${String(i).padStart(8, "0")}`, `value-${i}`));
  }
  parts.push(resp("INCR", "pipe:00000007"));
  const input = enc.encode(parts.join(""));
  const out = await both(async (p) => {
    const r = await cli(p, ["--pipe"], input);
    const size = await cli(p, ["DBSIZE"]);
    const sample = await cli(p, ["GET", "pipe:00012345"]);
    return { ...r, size: size.stdout.trim(), sample: sample.stdout };
  });
  assert.match(out.hakv.stdout, /errors: 1, replies: 20000/);
  assert.match(out.hakv.stderr, /ERR value is not an integer or out of range/);
  assert.equal(out.hakv.code, 1); // redis-cli exits 1 when any reply was an error
  assert.equal(out.hakv.size, "19999");
  assert.equal(out.hakv.sample, "value-12345\n");
  if (out.redis !== undefined) assert.deepEqual(out.hakv, out.redis);
});

Deno.test("redis-cli INFO shows the server, its port and the keyspace", async () => {
  if (!requireTool("redis-cli")) return;
  const out = await both(async (p) => {
    await cli(p, ["SET", "a", "1"]);
    await cli(p, ["SET", "b", "1", "EX", "100"]);
    await cli(p, ["-n", "2", "SET", "c", "1"]);
    const all = (await cli(p, ["INFO"])).stdout;
    return {
      sections: all.split("\r\n").filter((l) => l.startsWith("# ")),
      server: (await cli(p, ["INFO", "server"])).stdout,
      keyspace: (await cli(p, ["INFO", "keyspace"])).stdout,
      port: p.port,
      pid: p.child.pid,
    };
  });
  const { server, keyspace, port, pid } = out.hakv;
  assert.match(server, /^# Server\r\nredis_version:7\.0\.\d+\r\n/);
  assert.match(server, new RegExp(`\r\ntcp_port:${port}\r\n`));
  assert.match(server, new RegExp(`\r\nprocess_id:${pid}\r\n`));
  assert.match(keyspace, /^# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=\d+\r\n/);
  assert.match(keyspace, /\r\ndb2:keys=1,expires=0,avg_ttl=0\r\n/);
  assert.ok(out.hakv.sections.includes("# Keyspace"), out.hakv.sections.join(", "));
  // Clients parse INFO by section: the default sections come in Redis's order.
  if (out.redis !== undefined) assert.deepEqual(out.hakv.sections, out.redis.sections);
});

Deno.test("inline commands over raw TCP get RESP replies", async () => {
  await using p = await spawnHakv();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: p.port });
  try {
    await conn.write(
      enc.encode("PING\r\nSET  inline   'two words'\r\nGET inline\nECHO \"a\\x41\"\r\n"),
    );
    const want = "+PONG\r\n+OK\r\n$9\r\ntwo words\r\n$2\r\naA\r\n";
    let got = "";
    const buf = new Uint8Array(1024);
    while (got.length < want.length) {
      const n = await conn.read(buf);
      if (n === null) break;
      got += dec.decode(buf.subarray(0, n));
    }
    assert.equal(got, want);
  } finally {
    conn.close();
  }
});

/** Parses redis-benchmark --csv output into test name -> rps. */
function csvRows(out: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of out.split("\n")) {
    const m = /^"([^"]+)","([\d.]+)"/.exec(line);
    if (m) rows.set(m[1]!, Number(m[2]));
  }
  return rows;
}

Deno.test("redis-benchmark ping,set,get,incr,mset runs to completion on hakv", async () => {
  if (!requireTool("redis-benchmark") || !requireTool("redis-cli")) return;
  const out = await both(async (p) => {
    const r = await run("redis-benchmark", [
      ...["-p", String(p.port), "-t", "ping,set,get,incr,mset", "-n", "2000", "-c", "8"],
      "--csv",
    ]);
    const size = (await cli(p, ["DBSIZE"])).stdout.trim();
    const found = (await cli(p, ["EXISTS", "counter:__rand_int__", "key:__rand_int__"])).stdout;
    const counter = (await cli(p, ["GET", "counter:__rand_int__"])).stdout.trim();
    const value = (await cli(p, ["GET", "key:__rand_int__"])).stdout.trim();
    return { rows: csvRows(r.stdout), size, found, counter, valueLength: value.length };
  });
  const tests = [...out.hakv.rows.keys()];
  assert.deepEqual(tests, ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)"]);
  for (const [name, rps] of out.hakv.rows) assert.ok(rps > 0, `${name} rps ${rps}`);
  // Without -r redis-benchmark writes only the literal placeholder names.
  assert.equal(out.hakv.size, "2");
  assert.equal(out.hakv.found, "2\n");
  assert.equal(out.hakv.counter, "2000");
  assert.equal(out.hakv.valueLength, 3); // -d defaults to 3 bytes
  if (out.redis !== undefined) {
    assert.deepEqual([...out.redis.rows.keys()], tests);
    assert.equal(out.hakv.size, out.redis.size);
    assert.equal(out.hakv.counter, out.redis.counter);
    assert.equal(out.hakv.valueLength, out.redis.valueLength);
  }
});

Deno.test("redis-benchmark -r expands __rand_int__ into 12-digit key names", async () => {
  if (!requireTool("redis-benchmark") || !requireTool("redis-cli")) return;
  await using p = await spawnHakv();
  const port = String(p.port);
  await run("redis-benchmark", ["-p", port, "-t", "incr", "-r", "0", "-n", "1000", "-q"]);
  assert.equal((await cli(p, ["GET", "counter:000000000000"])).stdout, "1000\n");
  await run("redis-benchmark", [
    ...["-p", port, "-t", "set", "-r", "100", "-n", "5000", "-d", "17", "-P", "16", "-q"],
  ]);
  // Every key written is one of key:000000000000 .. key:000000000099.
  const names = Array.from({ length: 100 }, (_, i) => `key:${String(i).padStart(12, "0")}`);
  const size = Number((await cli(p, ["DBSIZE"])).stdout);
  const found = Number((await cli(p, ["EXISTS", ...names])).stdout);
  assert.ok(size > 50, `${size} keys`);
  assert.equal(found, size - 1); // all but counter:000000000000
  const v = await run("redis-cli", ["-p", port, "--raw", "GET", names[7]!]);
  assert.equal(v.stdout.length, 17 + 1);
});

Deno.test("redis-benchmark pipelined GET/SET from 20 clients returns every reply", async () => {
  if (!requireTool("redis-benchmark")) return;
  await using p = await spawnHakv();
  const r = await run("redis-benchmark", [
    ...["-p", String(p.port), "-t", "set,get", "-n", "40000", "-c", "20", "-P", "16"],
    ...["-r", "10000", "-d", "64", "--csv"],
  ]);
  const rows = csvRows(r.stdout);
  assert.deepEqual([...rows.keys()], ["SET", "GET"]);
  for (const [name, rps] of rows) assert.ok(rps > 0, `${name} rps ${rps}`);
});

Deno.test("ioredis: lazyConnect, commands, pipeline and binary values", async () => {
  await using p = await spawnHakv();
  const r = new Redis({
    port: p.port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    assert.equal(r.status, "wait"); // lazyConnect: nothing happens until connect()
    await r.connect();
    assert.equal(r.status, "ready");
    assert.equal(await r.ping(), "PONG");
    assert.equal(await r.set("k", "v"), "OK");
    assert.equal(await r.get("k"), "v");
    assert.equal(await r.get("missing"), null);
    assert.equal(await r.incr("n"), 1);
    assert.equal(await r.incrby("n", 41), 42);
    assert.equal(await r.mset("a", "1", "b", "2"), "OK");
    assert.deepEqual(await r.mget("a", "missing", "b"), ["1", null, "2"]);
    await assert.rejects(r.incr("k"), /ERR value is not an integer or out of range/);

    const results = await r.pipeline().set("p", "1").incr("p").get("p").del("p", "a").exec();
    assert.deepEqual(results, [[null, "OK"], [null, 2], [null, "2"], [null, 2]]);

    const bytes = Buffer.from([0, 255, 1, 128, 13, 10, 0x80, 0xc3]);
    assert.equal(await r.set(Buffer.from([0xde, 0xad]), bytes), "OK");
    const back = await r.getBuffer(Buffer.from([0xde, 0xad]));
    assert.ok(back !== null && Buffer.compare(back, bytes) === 0, `got ${back?.toString("hex")}`);
    const big = Buffer.alloc(300_000, 0xab);
    await r.set("big", big);
    assert.equal(Buffer.compare((await r.getBuffer("big"))!, big), 0);

    assert.equal(await r.quit(), "OK");
  } finally {
    r.disconnect();
  }
});

Deno.test("ioredis: EXPIRE, TTL and PX expiry", async () => {
  await using p = await spawnHakv();
  const r = new Redis({ port: p.port, host: "127.0.0.1", lazyConnect: true });
  try {
    await r.connect();
    await r.set("k", "v");
    assert.equal(await r.ttl("k"), -1);
    assert.equal(await r.expire("k", 100), 1);
    const ttl = await r.ttl("k");
    assert.ok(ttl > 95 && ttl <= 100, `ttl ${ttl}`);
    const pttl = await r.pttl("k");
    assert.ok(pttl > 95_000 && pttl <= 100_000, `pttl ${pttl}`);
    assert.equal(await r.persist("k"), 1);
    assert.equal(await r.ttl("k"), -1);
    assert.equal(await r.ttl("missing"), -2);
    assert.equal(await r.set("short", "x", "PX", 50), "OK");
    await new Promise((res) => setTimeout(res, 120));
    assert.equal(await r.get("short"), null);
    assert.equal(await r.exists("short"), 0);
    await r.quit();
  } finally {
    r.disconnect();
  }
});

Deno.test("ioredis: 500 concurrent commands come back in order", async () => {
  await using p = await spawnHakv();
  const r = new Redis({
    port: p.port,
    host: "127.0.0.1",
    lazyConnect: true,
  });
  try {
    await r.connect();
    const sets = Array.from({ length: 500 }, (_, i) => r.set(`c:${i}`, String(i * 3)));
    assert.ok((await Promise.all(sets)).every((x) => x === "OK"));
    const gets = await Promise.all(Array.from({ length: 500 }, (_, i) => r.get(`c:${i}`)));
    assert.deepEqual(gets, Array.from({ length: 500 }, (_, i) => String(i * 3)));
    await r.quit();
  } finally {
    r.disconnect();
  }
});

Deno.test("node-redis: RESP2 and RESP3 clients set, get and pipeline", async () => {
  await using p = await spawnHakv();
  for (const RESP of [2, 3] as const) {
    const client = createClient({ socket: { host: "127.0.0.1", port: p.port }, RESP });
    const errors: unknown[] = [];
    client.on("error", (e) => errors.push(e));
    await client.connect();
    try {
      assert.equal(await client.ping(), "PONG");
      assert.equal(await client.set(`r${RESP}`, "hello"), "OK");
      assert.equal(await client.get(`r${RESP}`), "hello");
      assert.equal(await client.incr(`n${RESP}`), 1);
      await client.mSet({ x: "1", y: "2" });
      assert.deepEqual(await client.mGet(["x", "nope", "y"]), ["1", null, "2"]);
      // Commands issued together go out as one pipeline.
      const many = await Promise.all(
        Array.from({ length: 100 }, (_, i) => client.incrBy(`m${RESP}`, i)),
      );
      assert.equal(many[99], 4950);
      assert.equal(await client.sendCommand(["ECHO", "raw"]), "raw");
      await assert.rejects(client.sendCommand(["NOSUCH"]), /ERR unknown command 'NOSUCH'/);
      assert.deepEqual(errors, []);
    } finally {
      client.destroy();
    }
  }
});
