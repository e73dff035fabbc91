// RDB snapshots end to end: hakv's file reloads into hakv and into redis-server, redis-server's
// file loads into hakv, expired keys and foreign db indexes are handled at load, and a corrupt
// file stops start-up with a message naming the problem.
import assert from "node:assert/strict";
import {
  InProcess,
  type Proc,
  requireTool,
  RespClient,
  type RespValue,
  spawnHakv,
  spawnRedis,
} from "./_harness.ts";
import {
  encodeSnapshot,
  loadSnapshot,
  saveSnapshot,
  SnapshotError,
} from "../src/server/persistence/snapshot.ts";
import { RdbWriter } from "../src/server/persistence/rdb_writer.ts";

type Call = (...args: string[]) => Promise<RespValue>;

function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

function overWire(c: RespClient): Call {
  return (...args) => c.command(...args.map(bytes));
}

function inProcess(t: InProcess): Call {
  return (...args) => t.run(...args);
}

/** A deterministic pseudo-random binary string. */
function noise(n: number, seed: number): string {
  let x = seed >>> 0;
  let out = "";
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += String.fromCharCode(x >>> 24);
  }
  return out;
}

/** Every type in its small and big encodings, odd strings, TTLs, three databases. */
async function populate(call: Call, expireAt: number): Promise<void> {
  const at = String(expireAt);
  await call("SELECT", "0");
  for (
    const [k, v] of [
      ["s:int", "12345"],
      ["s:neg", "-2147483648"],
      ["s:big", "9223372036854775807"],
      ["s:zero", "0"],
      ["s:minus0", "-0"],
      ["s:lead", "01"],
      ["s:long", "a".repeat(1000)],
      ["s:noise", noise(300, 7)],
      ["s:bin", "\x00\xff\r\n\x80"],
      ["s:empty", ""],
    ]
  ) await call("SET", k!, v!);
  await call("SET", "s:ttl", "v", "PXAT", at);
  await call("APPEND", "s:mut", "abc");
  await call("APPEND", "s:mut", "def");
  await call("RPUSH", "l:small", "a", "b", "c", "1", "-2", "");
  const many = Array.from({ length: 600 }, (_, i) => (i % 7 === 0 ? "x".repeat(i) : String(i)));
  await call("RPUSH", "l:big", ...many);
  await call("LPUSH", "l:ttl", "z", "y");
  await call("PEXPIREAT", "l:ttl", at);
  await call("SADD", "set:int", "1", "2", "3", "-5", "100000", "9223372036854775807");
  await call("SADD", "set:big", ...Array.from({ length: 1000 }, (_, i) => String(i * 3)));
  await call("SADD", "set:str", "a", "b", "c", noise(40, 3));
  await call("PEXPIREAT", "set:str", at);
  await call("HSET", "h:small", "f1", "v1", "f2", "2", "", "empty");
  const fields: string[] = [];
  for (let i = 0; i < 300; i++) fields.push(`field:${i}`, i % 5 === 0 ? noise(i, i) : String(i));
  await call("HSET", "h:big", ...fields);
  await call("HSET", "h:longval", "f", "y".repeat(100));
  await call("PEXPIREAT", "h:small", at);
  await call("ZADD", "z:small", "1", "a", "2.5", "b", "-inf", "c", "inf", "d", "0", "e");
  const zs: string[] = [];
  for (let i = 0; i < 300; i++) zs.push(String(i % 3 === 0 ? i * 1e-300 : i / 7), `m${i}`);
  await call("ZADD", "z:big", ...zs);
  await call("ZADD", "z:long", "3.14159", "w".repeat(100));
  await call("PEXPIREAT", "z:small", at);
  await call("SELECT", "1");
  await call("SET", "k1", "v1");
  await call("RPUSH", "l", "1");
  await call("SET", "gone-later", "v", "PXAT", at);
  await call("SELECT", "3");
  await call("ZADD", "z", "1", "one");
  await call("SELECT", "0");
}

/** The whole contents of databases 0..4, one line per key, sorted. */
async function dump(call: Call): Promise<string[]> {
  const out: string[] = [];
  for (let db = 0; db < 5; db++) {
    await call("SELECT", String(db));
    const keys = (await call("KEYS", "*")) as string[];
    for (const key of keys.sort()) {
      const type = await call("TYPE", key);
      const exp = await call("PEXPIRETIME", key);
      let content: RespValue;
      switch (type) {
        case "string":
          content = await call("GET", key);
          break;
        case "list":
          content = await call("LRANGE", key, "0", "-1");
          break;
        case "set":
          content = ((await call("SMEMBERS", key)) as string[]).sort();
          break;
        case "hash": {
          const flat = (await call("HGETALL", key)) as string[];
          const pairs: string[] = [];
          for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
          content = pairs.sort();
          break;
        }
        default:
          content = await call("ZRANGE", key, "0", "-1", "WITHSCORES");
      }
      out.push(JSON.stringify([db, key, type, exp, content]));
    }
  }
  await call("SELECT", "0");
  return out;
}

async function withClient<T>(p: Proc, fn: (call: Call) => Promise<T>): Promise<T> {
  const c = await p.client();
  try {
    return await fn(overWire(c));
  } finally {
    c.close();
  }
}

const HOUR_LATER = Date.now() + 3_600_000;

Deno.test("hakv's snapshot reloads into a fresh hakv with every key, value and TTL", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using t = new InProcess();
    await populate(inProcess(t), HOUR_LATER);
    const want = await dump(inProcess(t));
    assert.equal(want.length, 28);
    t.server.dirty = 5;
    saveSnapshot(t.server, { dir });
    assert.equal(t.server.dirty, 0);
    assert.ok(Math.abs(t.server.lastSave - Date.now() / 1000) < 5);
    // Written through a temp file renamed into place: only dump.rdb is left.
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["dump.rdb"]);

    await using h = await spawnHakv(["--dir", dir, "--dbfilename", "dump.rdb"]);
    assert.deepEqual(await withClient(h, dump), want);
    assert.match(h.output(), /DB loaded from disk: \d+\.\d{3} seconds/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a dump.rdb written by redis-server loads into hakv with identical contents", async () => {
  if (!requireTool("redis-server")) return;
  const dir = await Deno.makeTempDir();
  try {
    let want: string[];
    {
      await using r = await spawnRedis(["--dir", dir, "--dbfilename", "dump.rdb"]);
      want = await withClient(r, async (call) => {
        await populate(call, HOUR_LATER);
        assert.equal(await call("SAVE"), "OK");
        return await dump(call);
      });
    }
    assert.equal(want.length, 28);
    await using h = await spawnHakv(["--dir", dir, "--dbfilename", "dump.rdb"]);
    assert.deepEqual(await withClient(h, dump), want);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hakv's snapshot loads into redis-server with identical contents", async () => {
  if (!requireTool("redis-server")) return;
  const dir = await Deno.makeTempDir();
  try {
    await using t = new InProcess();
    await populate(inProcess(t), HOUR_LATER);
    const want = await dump(inProcess(t));
    for (const compression of ["yes", "no"]) {
      t.server.config.set("rdbcompression", [compression]);
      saveSnapshot(t.server, { dir });
      await using r = await spawnRedis(["--dir", dir, "--dbfilename", "dump.rdb"]);
      assert.deepEqual(await withClient(r, dump), want, `rdbcompression ${compression}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loading skips keys whose TTL has passed and builds compact encodings", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const w = new RdbWriter();
    w.header();
    w.selectDb(0);
    w.stringEntry("old", "v", Date.now() - 1000);
    w.stringEntry("live", "v", HOUR_LATER);
    w.hashEntry("h", ["f", "v"]);
    w.setEntry("s", ["1", "2"]);
    w.setEntry("s2", ["a", "2"]);
    w.zsetEntry("z", [["m", 1]]);
    w.listEntry("l", ["a"]);
    w.end();
    const path = `${dir}/dump.rdb`;
    await Deno.writeFile(path, w.bytes());
    await using t = new InProcess();
    assert.deepEqual(loadSnapshot(t.server, path), { keys: 6, expired: 1 });
    assert.equal(await t.run("EXISTS", "old"), 0);
    assert.equal(await t.run("PEXPIRETIME", "live"), HOUR_LATER);
    assert.equal(await t.run("OBJECT", "ENCODING", "h"), "listpack");
    assert.equal(await t.run("OBJECT", "ENCODING", "s"), "intset");
    assert.equal(await t.run("OBJECT", "ENCODING", "s2"), "hashtable");
    assert.equal(await t.run("OBJECT", "ENCODING", "z"), "listpack");
    assert.equal(await t.run("OBJECT", "ENCODING", "l"), "quicklist");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a db index the server doesn't have is refused with a clear error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const w = new RdbWriter();
    w.header();
    w.selectDb(20);
    w.stringEntry("k", "v");
    w.end();
    const path = `${dir}/dump.rdb`;
    await Deno.writeFile(path, w.bytes());
    await using t = new InProcess();
    assert.throws(
      () => loadSnapshot(t.server, path),
      (e: unknown) => e instanceof SnapshotError && /more than 16 databases/.test(e.message),
    );
    assert.equal(loadSnapshot(t.server, `${dir}/missing.rdb`), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a key the file holds twice is refused as Redis refuses it; MERGE-style loads replace", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const w = new RdbWriter();
    w.header();
    w.selectDb(3);
    w.stringEntry("k", "first");
    w.listEntry("other", ["a"]);
    w.stringEntry("k", "second");
    w.end();
    const path = `${dir}/dump.rdb`;
    await Deno.writeFile(path, w.bytes());
    await using t = new InProcess();
    assert.throws(
      () => loadSnapshot(t.server, path),
      (e: unknown) =>
        e instanceof SnapshotError && e.message === "RDB has duplicated key 'k' in DB 3",
    );
    await using u = new InProcess();
    assert.deepEqual(loadSnapshot(u.server, path, { replace: true }), { keys: 3, expired: 0 });
    await u.run("SELECT", 3);
    assert.equal(await u.run("GET", "k"), "second");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Starts hakv on `dir` expecting it to fail; returns its exit code and output. */
async function failedStart(dir: string): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "server", "--port", "0", "--dir", dir],
    cwd: new URL("..", import.meta.url).pathname,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A server that loads the file anyway would run forever: stop it.
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code: out.code, output: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("a corrupt dump.rdb stops hakv with a message naming the problem", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using t = new InProcess();
    await populate(inProcess(t), HOUR_LATER);
    const good = new Uint8Array(encodeSnapshot(t.server).flatMap((c) => [...c]));
    const cases: [string, Uint8Array, RegExp][] = [
      ["not an RDB file", new TextEncoder().encode("hello world, not a dump"), /RDB|signature/i],
      ["truncated", good.slice(0, good.length >> 1), /Bad RDB file .*dump\.rdb/],
      ["flipped byte", flip(good, good.length >> 1), /Bad RDB file .*dump\.rdb/],
    ];
    for (const [name, data, why] of cases) {
      await Deno.writeFile(`${dir}/dump.rdb`, data);
      const r = await failedStart(dir);
      assert.notEqual(r.code, 0, name);
      assert.match(r.output, /Fatal error loading the DB/, name);
      assert.match(r.output, why, name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function flip(b: Uint8Array, at: number): Uint8Array {
  const out = b.slice();
  out[at]! ^= 0x55;
  return out;
}

Deno.test("a missing dump.rdb starts an empty server", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using h = await spawnHakv(["--dir", dir, "--dbfilename", "dump.rdb"]);
    assert.equal(await withClient(h, (call) => call("DBSIZE")), 0);
    assert.doesNotMatch(h.output(), /DB loaded from disk/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "SAVE writes dump.rdb, resets the dirty count and moves LASTSAVE",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      let want: string[];
      {
        await using h = await spawnHakv(["--dir", dir, "--dbfilename", "dump.rdb"]);
        want = await withClient(h, async (call) => {
          await populate(call, HOUR_LATER);
          const before = (await call("LASTSAVE")) as number;
          await new Promise((r) => setTimeout(r, 1100));
          assert.equal(await call("SAVE"), "OK");
          assert.ok(((await call("LASTSAVE")) as number) > before);
          const info = (await call("INFO", "persistence")) as unknown as string;
          assert.match(String(info), /rdb_changes_since_last_save:0/);
          return await dump(call);
        });
        assert.match(h.output(), /DB saved on disk/);
      }
      await using h2 = await spawnHakv(["--dir", dir, "--dbfilename", "dump.rdb"]);
      assert.deepEqual(await withClient(h2, dump), want);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
