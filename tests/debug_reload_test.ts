// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] against redis-server 7.0: each server runs in a
// directory of its own, the same commands go to both and the replies (DEBUG DIGEST included)
// must be identical: data of every type survives a reload, NOSAVE brings back the last saved
// file, NOFLUSH/MERGE combine the file with memory as Redis does, and the failures (no file, a
// corrupt file, a failed save, a duplicate key without MERGE) answer or end the server as
// Redis does.
import assert from "node:assert/strict";
import { type Arg, argsOf, type Cmd, norm, show } from "./_diff.ts";
import {
  type Proc,
  requireTool,
  RespClient,
  RespError,
  type RespValue,
  spawnHakv,
  spawnRedis,
} from "./_harness.ts";

/** redis-server and hakv, each with its own --dir, one client to each. */
class Pair {
  private constructor(
    readonly redisDir: string,
    readonly hakvDir: string,
    readonly redisProc: Proc,
    readonly hakvProc: Proc,
    readonly redis: RespClient,
    readonly hakv: RespClient,
  ) {}

  static async start(): Promise<Pair> {
    const redisDir = await Deno.makeTempDir();
    const hakvDir = await Deno.makeTempDir();
    const args = (dir: string) => ["--enable-debug-command", "yes", "--dir", dir];
    const [redisProc, hakvProc] = await Promise.all([
      spawnRedis(args(redisDir)),
      spawnHakv(args(hakvDir)),
    ]);
    const [redis, hakv] = await Promise.all([redisProc.client(), hakvProc.client()]);
    return new Pair(redisDir, hakvDir, redisProc, hakvProc, redis, hakv);
  }

  async call(...args: Arg[]): Promise<[RespValue, RespValue]> {
    return await Promise.all([this.redis.call(...args), this.hakv.call(...args)]);
  }

  /** Sends `cmd` to both; the replies must be identical. Returns Redis's. */
  async same(cmd: Cmd, label = ""): Promise<RespValue> {
    const args = argsOf(cmd);
    const [r, h] = await this.call(...args);
    assert.deepStrictEqual(norm(h), norm(r), `${label} ${show(args)}`);
    return r;
  }

  async all(cmds: readonly Cmd[], label = ""): Promise<void> {
    for (const cmd of cmds) await this.same(cmd, label);
  }

  /** Writes the same file contents into both directories. */
  async writeDumps(bytes: Uint8Array): Promise<void> {
    await Deno.writeFile(`${this.redisDir}/dump.rdb`, bytes);
    await Deno.writeFile(`${this.hakvDir}/dump.rdb`, bytes);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.redis.close();
    this.hakv.close();
    await Promise.all([
      this.redisProc[Symbol.asyncDispose](),
      this.hakvProc[Symbol.asyncDispose](),
    ]);
    for (const dir of [this.redisDir, this.hakvDir]) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}

/** Every type in each encoding, binary data, TTLs, three databases. */
const POPULATE: Cmd[] = [
  "FLUSHALL",
  "SET s:plain hello",
  "SET s:int 12345",
  "SET s:neg -9223372036854775808",
  ["SET", "s:bin", "\x00\xff\r\n\x80"],
  ["SET", "s:long", "abc".repeat(2000)],
  "SETRANGE s:edited 3 xyz",
  "SET s:ttl v EX 1000",
  "PFADD hll a b c",
  "RPUSH l:small a b 1 -2",
  ["RPUSH", "l:big", ...Array.from({ length: 600 }, (_, i) => `item${i}`)],
  "SADD set:int 1 2 3 -7",
  "SADD set:str a b c",
  ["SADD", "set:big", ...Array.from({ length: 700 }, (_, i) => String(i))],
  "HSET h:small f v g 1",
  ["HSET", "h:big", ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat()],
  "ZADD z:small 1.5 a 2 b -inf c",
  ["ZADD", "z:big", ...Array.from({ length: 200 }, (_, i) => [String(i / 3), `m${i}`]).flat()],
  "PEXPIRE z:small 500000",
  "SELECT 1",
  "SET s:db1 one",
  "RPUSH l:db1 x",
  "EXPIRE l:db1 1000",
  "SELECT 7",
  "HSET h:db7 a b",
  "SELECT 0",
];

/** Key counts per db and the digest, compared. */
async function sameState(p: Pair, label: string): Promise<RespValue> {
  for (const db of [0, 1, 7]) {
    await p.same(["SELECT", db], label);
    await p.same("DBSIZE", label);
  }
  await p.same("SELECT 0", label);
  return await p.same("DEBUG DIGEST", label);
}

Deno.test("DEBUG RELOAD", async (t) => {
  if (!requireTool("redis-server")) return;
  await using p = await Pair.start();

  await t.step("option errors", async () => {
    await p.same("DEBUG RELOAD FOO");
    await p.same("DEBUG RELOAD NOSAVE bar");
    await p.same("DEBUG RELOAD nosave NOSAVE noflush Merge", "options twice, any case");
  });

  await t.step("every type survives with an unchanged digest", async () => {
    await p.all(POPULATE);
    const before = await sameState(p, "before");
    assert.equal(await p.same("DEBUG RELOAD"), "OK");
    assert.equal(await sameState(p, "after"), before);
    await Deno.stat(`${p.hakvDir}/dump.rdb`);
    await p.same("TTL s:ttl");
    await p.same("OBJECT ENCODING set:int");
    await p.same("OBJECT ENCODING z:big");
    assert.match(p.hakvProc.output(), /\* DB saved on disk\n/);
    assert.match(p.hakvProc.output(), /# DB reloaded by DEBUG RELOAD\n/);
  });

  await t.step("NOSAVE reloads the last saved file: later changes are gone", async () => {
    await p.all(POPULATE);
    await p.same("SAVE");
    const saved = await sameState(p, "saved");
    await p.all([
      "SET s:new x",
      "DEL s:plain",
      "SELECT 1",
      "FLUSHDB",
      "SELECT 0",
      "RPUSH l:small z",
    ]);
    assert.notEqual(await sameState(p, "changed"), saved);
    assert.equal(await p.same("DEBUG RELOAD NOSAVE"), "OK");
    assert.equal(await sameState(p, "reloaded"), saved);
    await p.same("EXISTS s:new s:plain");
  });

  await t.step("MERGE without NOFLUSH is a plain reload", async () => {
    await p.all(["FLUSHALL", "SET a 1", "SET b 2", "SAVE", "SET a changed", "SET c 3"]);
    await p.same("DEBUG RELOAD NOSAVE MERGE");
    await p.same("MGET a b c");
  });

  await t.step("NOFLUSH MERGE: the file's value wins, keys only in memory stay", async () => {
    await p.all(["FLUSHALL", "SET a 1", "RPUSH b x", "SAVE", "SET a changed", "SET c 3"]);
    await p.all(["DEL b", "SADD b m"]);
    await p.same("DEBUG RELOAD NOSAVE NOFLUSH MERGE");
    await p.all(["MGET a c", "TYPE b", "LRANGE b 0 -1", "DBSIZE"]);
    await sameState(p, "merged");
  });

  await t.step("NOFLUSH without a conflicting key adds the file to memory", async () => {
    await p.all(["FLUSHALL", "SET a 1", "SAVE", "DEL a", "SET b 2"]);
    await p.same("DEBUG RELOAD NOSAVE NOFLUSH");
    await p.all(["MGET a b", "DBSIZE"]);
  });

  await t.step("NOFLUSH and a key expired in the file: no conflict", async () => {
    await p.all(["FLUSHALL", "SET a 1 PX 150", "SET b 2", "SAVE", "DEL b", "SET c 3"]);
    await new Promise((r) => setTimeout(r, 200));
    await p.all(["DEBUG SET-ACTIVE-EXPIRE 0"]);
    await p.same("DEBUG RELOAD NOSAVE NOFLUSH");
    await p.all(["MGET b c", "DEBUG SET-ACTIVE-EXPIRE 1"]);
  });

  await t.step("a reload fails the EXEC of a client watching a key", async () => {
    await p.all(["FLUSHALL", "SET w 1"]);
    const [r2, h2] = await Promise.all([p.redisProc.client(), p.hakvProc.client()]);
    try {
      const both = (...args: Arg[]) => Promise.all([r2.call(...args), h2.call(...args)]);
      await both("WATCH", "w");
      await p.same("DEBUG RELOAD");
      await both("MULTI");
      await both("GET", "w");
      const [r, h] = await both("EXEC");
      assert.deepStrictEqual(norm(h), norm(r));
      assert.equal(r, null);
    } finally {
      r2.close();
      h2.close();
    }
  });

  await t.step("NOSAVE with no file: the data is flushed and the load fails", async () => {
    await p.all(POPULATE);
    await Deno.remove(`${p.redisDir}/dump.rdb`).catch(() => {});
    await Deno.remove(`${p.hakvDir}/dump.rdb`).catch(() => {});
    const r = await p.same("DEBUG RELOAD NOSAVE");
    assert.ok(r instanceof RespError);
    assert.equal(r.message, "ERR Error trying to load the RDB dump");
    await p.same("DBSIZE");
  });

  await t.step("NOSAVE with a corrupt file: the load fails", async () => {
    for (
      const bytes of [
        "garbage\n",
        "XXXXX0009\xff",
        "REDIS0009\xff",
        "REDIS0009\xfe\x00\x00\x01a\x01b\xff\x00\x00\x00\x00\x00\x00\x00\x01",
      ]
    ) {
      await p.all(POPULATE);
      await p.writeDumps(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
      const r = await p.same("DEBUG RELOAD NOSAVE", JSON.stringify(bytes));
      assert.ok(r instanceof RespError);
      await p.same("DBSIZE");
    }
  });

  await t.step("a failed save answers -ERR and keeps the data", async () => {
    await p.all(POPULATE);
    const before = await sameState(p, "before");
    // A directory that disappears: the temp file cannot be created.
    await Deno.remove(p.redisDir, { recursive: true });
    await Deno.remove(p.hakvDir, { recursive: true });
    const r = await p.same("DEBUG RELOAD");
    assert.ok(r instanceof RespError);
    assert.equal(r.message, "ERR");
    assert.equal(await sameState(p, "after"), before);
    await p.same("DEBUG RELOAD NOSAVE");
    await p.same("DBSIZE");
    await Deno.mkdir(p.redisDir);
    await Deno.mkdir(p.hakvDir);
  });
});

Deno.test("DEBUG RELOAD NOFLUSH without MERGE ends the server on a key it already has", async () => {
  if (!requireTool("redis-server")) return;
  await using p = await Pair.start();
  await p.all(["SET a 1", "SET b 2", "SAVE", "SET b changed"]);
  const [r, h] = await Promise.allSettled([
    p.redis.call("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH"),
    p.hakv.call("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH"),
  ]);
  // No reply: the connection closes as the server goes down.
  assert.equal(r.status, "rejected");
  assert.equal(h.status, "rejected");
  const [rs, hs] = await Promise.all([p.redisProc.status, p.hakvProc.status]);
  assert.equal(rs.success, false);
  assert.equal(hs.success, false);
  for (const proc of [p.redisProc, p.hakvProc]) {
    assert.match(proc.output(), /# RDB has duplicated key '(a|b)' in DB 0\n/);
    assert.match(proc.output(), /Guru Meditation: Duplicated key found in RDB file/);
  }
});
