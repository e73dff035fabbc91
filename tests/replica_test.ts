// hakv as a replica: it follows a redis-server master and a hakv master (full sync of every type
// in several databases with TTLs, the live stream, partial resync after a cut link), relays the
// stream down a chain of hakv nodes, refuses writes with Redis's READONLY / MASTERDOWN, promotes
// with REPLICAOF NO ONE, and answers REPLICAOF, ROLE and INFO replication as Redis 7.0 does.
// DEBUG DIGEST (hakv's equals Redis's) must agree between master and replica after each step.
import assert from "node:assert/strict";
import {
  errorText,
  requireTool,
  type RespClient,
  RespError,
  type RespValue,
  spawnHakv,
  spawnRedis,
  tempDir,
  waitFor,
} from "./_harness.ts";
import { info, linkUp, sameDigest } from "./_repl.ts";

const DEBUG = ["--enable-debug-command", "yes"];

/** INFO replication's field names, in order. */
async function infoKeys(c: RespClient): Promise<string[]> {
  return [...(await info(c, "replication")).keys()];
}

/** Every type, in three databases, with TTLs. */
async function seed(c: RespClient, tag = ""): Promise<void> {
  for (let db = 0; db < 3; db++) {
    await c.call("SELECT", db);
    await c.call("DEBUG", "POPULATE", 500, `k${tag}${db}`, 20);
    await c.call("RPUSH", `list${tag}`, "a", "b", "12", "x".repeat(9000), "c");
    await c.call("HSET", `small${tag}`, "f", "v", "n", "1");
    const big: string[] = [];
    for (let i = 0; i < 300; i++) big.push(`f${i}`, `v${i}`);
    await c.call("HSET", `big${tag}`, ...big);
    await c.call("SADD", `ints${tag}`, 1, 2, 3, -40000);
    await c.call("SADD", `strs${tag}`, "a", "b", "c");
    await c.call("ZADD", `z${tag}`, 1, "a", 2.5, "b", "-inf", "c");
    await c.call("PFADD", `hll${tag}`, "a", "b", "c");
    await c.call("SET", `ttl${tag}`, "v", "PXAT", Date.now() + 5_000_000);
    await c.call("HSET", `ttlhash${tag}`, "a", "1");
    await c.call("PEXPIREAT", `ttlhash${tag}`, Date.now() + 7_000_000);
  }
  await c.call("SELECT", 0);
}

/** Writes of every family, across databases, a transaction; no SPOP or relative EXPIRE. */
async function liveWrites(m: RespClient, tag: string): Promise<void> {
  await m.call("SET", `s${tag}`, "1");
  await m.call("INCRBY", `s${tag}`, 41);
  await m.call("APPEND", `s${tag}`, "x");
  await m.call("LPUSH", `l${tag}`, "new", "newer");
  await m.call("LMOVE", `l${tag}`, `l2${tag}`, "LEFT", "RIGHT");
  await m.call("HINCRBY", `h${tag}`, "n", 5);
  await m.call("ZINCRBY", `zz${tag}`, 3, "a");
  await m.call("SADD", `set${tag}`, "x", "y");
  await m.call("SINTERSTORE", `inter${tag}`, `set${tag}`, `set${tag}`);
  await m.call("PFADD", `p${tag}`, "q", "r");
  await m.call("DEL", "k00:7", "k00:8");
  await m.call("SELECT", 2);
  await m.call("SET", `in2${tag}`, "yes", "PXAT", Date.now() + 9_000_000);
  await m.call("HSET", `h2${tag}`, "a", "b");
  await m.call("SELECT", 1);
  await m.call("MULTI");
  await m.call("SET", `tx1${tag}`, "a");
  await m.call("RPUSH", `tx2${tag}`, "b");
  await m.call("EXEC");
  await m.call("SELECT", 0);
}

function isError(v: RespValue): boolean {
  return v instanceof RespError;
}

Deno.test("hakv replicates a redis-server master: full sync, live stream, partial resync", async () => {
  if (!requireTool("redis-server")) return;
  await using master = await spawnRedis([...DEBUG, "--repl-diskless-sync-delay", "0"], 7844);
  await using m = await master.client();
  await seed(m);
  await using replica = await spawnHakv([...DEBUG, "--replicaof", "127.0.0.1", "7844"], 7845);
  await using r = await replica.client();
  await linkUp(r);
  await sameDigest(m, r, { nonEmpty: true });
  assert.equal((await info(m, "stats")).get("sync_full"), "1");
  const ri = await info(r, "replication");
  const mi = await info(m, "replication");
  assert.equal(ri.get("role"), "slave");
  assert.equal(ri.get("master_replid"), mi.get("master_replid"));
  assert.equal(await r.call("DBSIZE"), await m.call("DBSIZE"));
  assert.deepEqual(await r.call("TTL", "ttl"), await m.call("TTL", "ttl"));

  await liveWrites(m, "a");
  await sameDigest(m, r, { nonEmpty: true });
  assert.equal(await r.call("GET", "sa"), "42x");
  // Offsets follow the master's byte for byte.
  await waitFor(async () =>
    (await info(r, "replication")).get("master_repl_offset") ===
      (await info(m, "replication")).get("master_repl_offset")
  );
  // The master sees the replica's ACKs.
  await waitFor(async () => {
    const [mo, line] = [await info(m, "replication"), ""];
    void line;
    return (mo.get("slave0") ?? "").includes(`offset=${mo.get("master_repl_offset")},`);
  });

  // A cut link continues from the master's backlog.
  const before = Number((await info(m, "stats")).get("sync_partial_ok"));
  assert.equal(await m.call("CLIENT", "KILL", "TYPE", "replica"), 1);
  for (let i = 0; i < 100; i++) await m.call("INCR", "after-cut");
  await liveWrites(m, "b");
  await waitFor(
    async () => Number((await info(m, "stats")).get("sync_partial_ok")) === before + 1,
    10_000,
  );
  await linkUp(r);
  await sameDigest(m, r, { nonEmpty: true });
  assert.equal(await r.call("GET", "after-cut"), "100");
  assert.equal((await info(m, "stats")).get("sync_full"), "1");
  // A key the master expires reaches the replica as a DEL.
  await m.call("SET", "short", "v", "PX", 30);
  await waitFor(async () => (await m.call("EXISTS", "short")) === 0);
  await sameDigest(m, r, { nonEmpty: true });
});

Deno.test("hakv follows a disk-based sync ($<len>), answers GETACK (WAIT), keeps expired keys", async () => {
  if (!requireTool("redis-server")) return;
  // A disk-based sync writes the master's dump first: into a directory of the test's own.
  const dir = await Deno.makeTempDir();
  try {
    await using master = await spawnRedis(
      [...DEBUG, "--repl-diskless-sync", "no", "--dir", dir],
      7857,
    );
    await using m = await master.client();
    await seed(m, "d");
    await using replica = await spawnHakv([...DEBUG, "--replicaof", "127.0.0.1", "7857"], 7858);
    await using r = await replica.client();
    await linkUp(r);
    await sameDigest(m, r, { nonEmpty: true });
    assert.match(replica.output(), /receiving \d+ bytes from master/);
    // WAIT makes the master put REPLCONF GETACK * in the stream; the replica's ACK answers it.
    await m.call("SET", "w", "1");
    assert.equal(await m.call("WAIT", 1, 5000), 1);
    // Keys expire on a replica only by the master's DEL: until then they read as missing but
    // are still there (DBSIZE counts them), as in Redis 7.
    await m.call("DEBUG", "SET-ACTIVE-EXPIRE", 0);
    await m.call("SET", "e", "v", "PX", 100);
    await waitFor(async () => (await r.call("DBSIZE")) === (await m.call("DBSIZE")));
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(await r.call("GET", "e"), null);
    assert.equal(await r.call("EXISTS", "e"), 0);
    assert.equal(await r.call("TTL", "e"), -2);
    assert.equal(await r.call("DBSIZE"), await m.call("DBSIZE"));
    await sameDigest(m, r, { nonEmpty: true });
    // The master's own lazy expiry sends the DEL.
    assert.equal(await m.call("GET", "e"), null);
    await waitFor(async () => (await r.call("DBSIZE")) === (await m.call("DBSIZE")));
    await sameDigest(m, r, { nonEmpty: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hakv replicates a hakv master (REPLICAOF at run time), then partial resync", async () => {
  await using master = await spawnHakv(DEBUG, 7846);
  await using m = await master.client();
  await seed(m);
  await using replica = await spawnHakv(DEBUG, 7847);
  await using r = await replica.client();
  await r.call("SET", "old", "data");
  assert.equal(await r.call("REPLICAOF", "127.0.0.1", 7846), "OK");
  assert.equal(
    await r.call("REPLICAOF", "127.0.0.1", 7846),
    "OK Already connected to specified master",
  );
  await linkUp(r);
  await sameDigest(m, r, { nonEmpty: true });
  assert.equal(await r.call("EXISTS", "old"), 0);
  // The replica's first PSYNC offered its own history, which the master could not continue.
  assert.equal((await info(m, "stats")).get("sync_partial_err"), "1");
  await liveWrites(m, "a");
  await sameDigest(m, r, { nonEmpty: true });
  const mi = await info(m, "replication");
  assert.match(
    mi.get("slave0") ?? "",
    /^ip=127\.0\.0\.1,port=7847,state=online,offset=\d+,lag=\d+$/,
  );

  // The master kills the link; the replica comes back by partial resync.
  assert.equal(await m.call("CLIENT", "KILL", "TYPE", "replica"), 1);
  await liveWrites(m, "b");
  await waitFor(async () => (await info(m, "stats")).get("sync_partial_ok") === "1", 10_000);
  await sameDigest(m, r, { nonEmpty: true });
  // The replica kills its master client (whose address is the master's): the same.
  assert.equal(await r.call("CLIENT", "KILL", "ADDR", "127.0.0.1:7846"), 1);
  await liveWrites(m, "c");
  await waitFor(async () => (await info(m, "stats")).get("sync_partial_ok") === "2", 10_000);
  await sameDigest(m, r, { nonEmpty: true });
  assert.equal((await info(m, "stats")).get("sync_full"), "1");
  const [ri, mi2] = [await info(r, "replication"), await info(m, "replication")];
  assert.equal(ri.get("master_repl_offset"), mi2.get("master_repl_offset"));
  assert.equal(ri.get("slave_repl_offset"), mi2.get("master_repl_offset"));
});

Deno.test("a chain hakv -> hakv -> hakv: the middle node relays its master's stream", async () => {
  await using a = await spawnHakv(DEBUG, 7848);
  await using ca = await a.client();
  await seed(ca);
  await using b = await spawnHakv([...DEBUG, "--replicaof", "127.0.0.1", "7848"], 7849);
  await using cb = await b.client();
  await linkUp(cb);
  // The stream now has db 2 selected: the last node's full sync starts in the middle of it.
  await ca.call("SELECT", 2);
  await ca.call("SET", "in-db2", "1");
  await sameDigest(ca, cb, { nonEmpty: true });
  await using c = await spawnHakv([...DEBUG, "--replicaof", "127.0.0.1", "7849"], 7850);
  await using cc = await c.client();
  await linkUp(cc);
  await ca.call("SET", "in-db2-after", "2");
  await sameDigest(ca, cc, { nonEmpty: true });
  await cc.call("SELECT", 2);
  assert.equal(await cc.call("GET", "in-db2-after"), "2");
  await cc.call("SELECT", 0);
  await ca.call("SELECT", 0);
  await liveWrites(ca, "a");
  await sameDigest(ca, cb, { nonEmpty: true });
  await sameDigest(ca, cc, { nonEmpty: true });
  const [ia, ib, ic] = [
    await info(ca, "replication"),
    await info(cb, "replication"),
    await info(cc, "replication"),
  ];
  assert.equal(ib.get("master_replid"), ia.get("master_replid"));
  assert.equal(ic.get("master_replid"), ia.get("master_replid"));
  await waitFor(async () =>
    (await info(cc, "replication")).get("master_repl_offset") ===
      (await info(ca, "replication")).get("master_repl_offset")
  );
  assert.equal(ib.get("connected_slaves"), "1");

  // The middle node's link is cut: it resumes, and so does the last one.
  assert.equal(await ca.call("CLIENT", "KILL", "TYPE", "replica"), 1);
  await liveWrites(ca, "b");
  await waitFor(async () => (await info(ca, "stats")).get("sync_partial_ok") === "1", 10_000);
  await sameDigest(ca, cc, { nonEmpty: true });

  // The middle node is promoted: the last one continues with it (+CONTINUE, new id).
  const oldId = ib.get("master_replid")!;
  assert.equal(await cb.call("REPLICAOF", "NO", "ONE"), "OK");
  const pb = await info(cb, "replication");
  assert.equal(pb.get("role"), "master");
  assert.equal(pb.get("master_replid2"), oldId);
  assert.equal(Number(pb.get("second_repl_offset")), Number(pb.get("master_repl_offset")) + 1);
  assert.notEqual(pb.get("master_replid"), oldId);
  await cb.call("SET", "written-on-b", "yes");
  await waitFor(async () => (await cc.call("GET", "written-on-b")) === "yes", 10_000);
  await sameDigest(cb, cc, { nonEmpty: true });
  assert.equal((await info(cb, "stats")).get("sync_full"), "1");
  assert.equal((await info(cb, "stats")).get("sync_partial_ok"), "1");
  assert.equal((await info(cc, "replication")).get("master_replid"), pb.get("master_replid"));
});

Deno.test("a replica refuses writes (READONLY), MASTERDOWN without stale data, promotes", async () => {
  await using master = await spawnHakv(DEBUG, 7851);
  await using m = await master.client();
  await m.call("SET", "k", "v");
  await using replica = await spawnHakv(
    [...DEBUG, "--replicaof", "127.0.0.1", "7851", "--replica-serve-stale-data", "no"],
    7852,
  );
  await using r = await replica.client();
  await linkUp(r);
  const ro = await r.call("SET", "x", "1");
  assert.ok(isError(ro));
  assert.equal((ro as RespError).message, "READONLY You can't write against a read only replica.");
  assert.equal(await r.call("GET", "k"), "v");
  // Inside MULTI a refused write dooms the transaction.
  await r.call("MULTI");
  assert.ok(isError(await r.call("INCR", "n")));
  const exec = await r.call("EXEC");
  assert.ok(isError(exec));
  assert.match((exec as RespError).message, /^EXECABORT/);
  await r.call("CONFIG", "SET", "replica-read-only", "no");
  assert.equal(await r.call("SET", "local", "1"), "OK");
  await r.call("CONFIG", "SET", "replica-read-only", "yes");
  // The master goes away: stale reads are refused, commands flagged `stale` still run.
  await master.kill("SIGKILL");
  await waitFor(async () => (await info(r, "replication")).get("master_link_status") === "down");
  const down = await r.call("GET", "k");
  assert.ok(isError(down));
  assert.equal(
    (down as RespError).message,
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
  );
  assert.ok(isError(await r.call("PING"))); // PING has no `stale` flag
  assert.equal((await info(r, "replication")).get("role"), "slave");
  const ri = await info(r, "replication");
  assert.ok(Number(ri.get("master_link_down_since_seconds")) >= 0);
  assert.equal(ri.get("master_last_io_seconds_ago"), "-1");
  const role = await r.call("ROLE") as RespValue[];
  assert.equal(role[0], "slave");
  assert.ok(role[3] === "connect" || role[3] === "connecting", String(role[3]));
  assert.equal(role[4], -1);
  // Promotion keeps the data and accepts writes.
  assert.equal(await r.call("REPLICAOF", "NO", "ONE"), "OK");
  assert.equal(await r.call("GET", "k"), "v");
  assert.equal(await r.call("SET", "x", "1"), "OK");
  assert.equal((await info(r, "replication")).get("role"), "master");
  assert.deepEqual(await r.call("CONFIG", "GET", "replicaof"), ["replicaof", ""]);
});

/** Runs the same commands on both and compares replies (errors by text). */
async function sameReplies(a: RespClient, b: RespClient, cmds: (string | number)[][]) {
  for (const cmd of cmds) {
    const [x, y] = [await a.call(...cmd), await b.call(...cmd)];
    assert.deepEqual(
      x instanceof RespError ? { error: x.message } : x,
      y instanceof RespError ? { error: y.message } : y,
      `${cmd.join(" ")}`,
    );
  }
}

Deno.test("REPLICAOF replies, ROLE and INFO replication match redis-server's", async () => {
  if (!requireTool("redis-server")) return;
  await using redis = await spawnRedis([], 7853);
  await using hakv = await spawnHakv([], 7854);
  await using rc = await redis.client();
  await using hc = await hakv.client();
  await sameReplies(rc, hc, [
    ["ROLE"],
    ["REPLICAOF", "NO", "ONE"],
    ["REPLICAOF", "127.0.0.1", "abc"],
    ["REPLICAOF", "127.0.0.1", "-1"],
    ["REPLICAOF", "127.0.0.1", "65536"],
    ["REPLICAOF", "no", "two"],
    ["REPLICAOF", "127.0.0.1"],
    ["SLAVEOF", "127.0.0.1", "7859"],
    ["SLAVEOF", "127.0.0.1", "7859"],
    ["REPLICAOF", "127.0.0.1", "7859"],
    ["SET", "a", "b"],
    ["CONFIG", "GET", "replicaof"],
  ]);
  // ROLE and INFO of a replica whose master can't be reached: same shape, same fields.
  const [rr, hr] = [await rc.call("ROLE") as RespValue[], await hc.call("ROLE") as RespValue[]];
  assert.deepEqual(hr.slice(0, 3), rr.slice(0, 3));
  assert.equal(hr.length, 5);
  assert.equal(typeof hr[3], "string");
  assert.equal(hr[4], -1);
  assert.deepEqual(await infoKeys(hc), await infoKeys(rc));
  await sameReplies(rc, hc, [["REPLICAOF", "NO", "ONE"], ["ROLE"]]);
  assert.deepEqual(await infoKeys(hc), await infoKeys(rc));
  const hi = await info(hc, "replication");
  assert.equal(hi.get("second_repl_offset"), "1");
  assert.notEqual(hi.get("master_replid2"), "0".repeat(40));

  // A master with one replica each: ROLE ["master", offset, [[ip, "port", "offset"]]], and the
  // replicas' ROLE and INFO field lists agree once connected.
  await using hr2 = await spawnHakv(["--replicaof", "127.0.0.1", "7854"], 7855);
  // A Redis replica writes what it receives to <dir>/dump.rdb: not into the repository.
  const dir = await Deno.makeTempDir();
  await using rr2 = await spawnRedis(["--replicaof", "127.0.0.1", "7853", "--dir", dir], 7856);
  await using h2 = await hr2.client();
  await using r2 = await rr2.client();
  await linkUp(h2);
  await linkUp(r2);
  const shape = (v: RespValue): unknown =>
    Array.isArray(v) ? v.map(shape) : typeof v === "string" ? "s" : typeof v;
  // Each master lists its replica once that is online (after its first ACK): wait for both.
  for (const c of [hc, rc]) {
    await waitFor(async () => ((await c.call("ROLE")) as RespValue[])[2]!.toString() !== "");
  }
  assert.deepEqual(shape(await hc.call("ROLE")), shape(await rc.call("ROLE")));
  assert.deepEqual(shape(await h2.call("ROLE")), shape(await r2.call("ROLE")));
  const [hrole, rrole] = [
    await h2.call("ROLE") as RespValue[],
    await r2.call("ROLE") as RespValue[],
  ];
  assert.equal(hrole[3], "connected");
  assert.equal(rrole[3], "connected");
  assert.deepEqual(await infoKeys(h2), await infoKeys(r2));
  const hmrole = await hc.call("ROLE") as RespValue[];
  assert.deepEqual((hmrole[2] as RespValue[][])[0]!.slice(0, 2), ["127.0.0.1", "7855"]);
  await rr2.kill("SIGKILL");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a replica loads its master's image while the image is still arriving", async () => {
  await using master = await spawnHakv(DEBUG, 7876);
  await using m = await master.client();
  await m.call("DEBUG", "POPULATE", 2000, "slow", 100);
  // About a millisecond per key: the image takes seconds to send.
  await m.call("CONFIG", "SET", "rdb-key-save-delay", 1000);
  await using replica = await spawnHakv([...DEBUG, "--replicaof", "127.0.0.1", "7876"], 7877);
  await using r = await replica.client();
  const samples: { loaded: number; read: number }[] = [];
  await waitFor(async () => {
    const p = await info(r, "persistence");
    const rep = await info(r, "replication");
    if (p.get("loading") === "1") {
      samples.push({
        loaded: Number(p.get("loading_loaded_bytes")),
        read: Number(rep.get("master_sync_read_bytes")),
      });
    }
    return rep.get("master_link_status") === "up";
  }, 30_000);
  await m.call("CONFIG", "SET", "rdb-key-save-delay", 0);
  await sameDigest(m, r);
  // While loading, the loader kept up with the transfer: more of the image was both received
  // and loaded between samples (a replica that loads only once the transfer ends would show
  // the whole image received from its first loading sample on).
  const first = samples.find((s) => s.loaded > 0);
  assert.ok(first !== undefined, `no loading sample with progress: ${JSON.stringify(samples)}`);
  const later = samples.filter((s) => s.read > first.read && s.loaded > first.loaded);
  assert.ok(later.length >= 3, `transfer and load did not overlap: ${JSON.stringify(samples)}`);
});

Deno.test("a restarted replica, and the replica of a restarted master, continue by partial resync from the dump", async () => {
  await using mdir = await tempDir("hakv-replica-test-");
  await using rdir = await tempDir("hakv-replica-test-");
  const masterArgs = [...DEBUG, "--dir", mdir.path, "--save", ""];
  const replicaArgs = [
    ...DEBUG,
    "--dir",
    rdir.path,
    "--save",
    "",
    "--replicaof",
    "127.0.0.1",
    "7860",
  ];
  await using master = await spawnHakv(masterArgs, 7860);
  await using m = await master.client();
  await m.call("DEBUG", "POPULATE", 3000, "k", 50);
  await m.call("SELECT", 2);
  await m.call("SET", "in2", "before");
  {
    await using replica = await spawnHakv(replicaArgs, 7861);
    await using r = await replica.client();
    await linkUp(r);
    await sameDigest(m, r);
    // SHUTDOWN SAVE writes the dump with the history it stands at.
    await r.call("SHUTDOWN", "SAVE").catch(() => {});
    await replica.status;
  }
  // Written while the replica is down, after a SELECT the restarted replica must not need.
  await m.call("SET", "in2", "while-down");
  await m.call("INCR", "counter");
  {
    await using replica = await spawnHakv(replicaArgs, 7861);
    await using r = await replica.client();
    await linkUp(r);
    await sameDigest(m, r);
    assert.match(replica.output(), /Restored replication ID [0-9a-f]{40} and offset \d+/);
    const stats = await info(m, "stats");
    assert.deepEqual([stats.get("sync_full"), stats.get("sync_partial_ok")], ["1", "1"]);
    // Now the master restarts from its own dump; the replica catches up with it first.
    await m.call("SET", "last", "x");
    await waitFor(async () => {
      const a = (await info(m, "replication")).get("master_repl_offset");
      return (await info(r, "replication")).get("master_repl_offset") === a;
    });
    const offset = (await info(m, "replication")).get("master_repl_offset");
    await m.call("SAVE");
    // SAVE is not a write: it reaches neither the stream nor the replica.
    assert.equal((await info(m, "replication")).get("master_repl_offset"), offset);
    await master.kill("SIGKILL");
    await using again = await spawnHakv(masterArgs, 7860);
    await using m2 = await again.client();
    await linkUp(r, 15_000);
    await m2.call("SET", "after", "restart");
    await sameDigest(m2, r);
    const s2 = await info(m2, "stats");
    assert.deepEqual([s2.get("sync_full"), s2.get("sync_partial_ok")], ["0", "1"]);
  }
});

Deno.test("a demoted master with min-replicas-to-write applies its new master's stream from the first write", async () => {
  // As a master with no replica it refuses writes (NOREPLICAS). Once it follows another master,
  // that rule is not its own: refusing the stream's first writes would lose them while its
  // offset moved on (found by the HA checker).
  await using m = await spawnHakv(DEBUG);
  await using b = await spawnHakv([
    ...DEBUG,
    "--min-replicas-to-write",
    "1",
    "--min-replicas-max-lag",
    "10",
  ]);
  {
    await using c = await b.client();
    assert.equal(
      errorText(await c.call("SET", "x", "1")),
      "NOREPLICAS Not enough good replicas to write.",
    );
  }
  let stop = false;
  let written = 0;
  const writer = (async () => {
    await using c = await m.client();
    while (!stop) {
      const batch: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) batch.push(c.call("SET", `k${written++}`, "v"));
      await Promise.all(batch);
    }
  })();
  {
    await using c = await b.client();
    await c.command("REPLICAOF", "127.0.0.1", String(m.port));
    await linkUp(c);
  }
  await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await writer;
  await using cm = await m.client();
  await using cb = await b.client();
  await sameDigest(cm, cb, { nonEmpty: true });
  assert.equal(await cb.command("DBSIZE"), written);
});
