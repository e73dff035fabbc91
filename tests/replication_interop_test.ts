// Redis's own replica follows a hakv master: redis-server --replicaof hakv loads the full sync
// (a point-in-time image sent diskless, `$EOF:` framing), then applies the live stream, and after
// a cut link continues by partial resync from hakv's backlog. DEBUG DIGEST, which hakv computes
// exactly as Redis does, must agree after each step.
import assert from "node:assert/strict";
import { requireTool, type RespClient, spawnHakv, spawnRedis, waitFor } from "./_harness.ts";
import { info, sameDigest } from "./_repl.ts";

async function seed(c: RespClient): Promise<void> {
  for (let db = 0; db < 3; db++) {
    await c.call("SELECT", db);
    await c.call("DEBUG", "POPULATE", 3000, `k${db}`, 40);
    await c.call("RPUSH", "list", "a", "b", "12", "x".repeat(9000), "c");
    await c.call("HSET", "small", "f", "v", "n", "1");
    const big: string[] = [];
    for (let i = 0; i < 300; i++) big.push(`f${i}`, `v${i}`);
    await c.call("HSET", "big", ...big);
    await c.call("SADD", "ints", 1, 2, 3, -40000);
    await c.call("SADD", "strs", "a", "b", "c");
    await c.call("ZADD", "z", 1, "a", 2.5, "b", "-inf", "c");
    await c.call("PFADD", "hll", "a", "b", "c");
    await c.call("SET", "ttl", "v", "EX", 5000);
  }
  await c.call("SELECT", 0);
}

Deno.test("redis-server replicates a hakv master: full sync, live stream, partial resync", async () => {
  if (!requireTool("redis-server")) return;
  const dir = await Deno.makeTempDir();
  try {
    await using master = await spawnHakv(["--dir", dir, "--enable-debug-command", "yes"]);
    await using m = await master.client();
    await seed(m);
    await using replica = await spawnRedis([
      "--replicaof",
      "127.0.0.1",
      String(master.port),
      "--enable-debug-command",
      "yes",
      "--dir",
      dir,
    ]);
    await using r = await replica.client();
    // Writes keep coming while the image is sent: they must follow it without confusing the
    // replica about where the image ends.
    let writing = true;
    const writer = (async () => {
      await using w = await master.client();
      for (let i = 0; writing; i++) await w.call("SET", `during:${i % 500}`, String(i));
    })();
    await waitFor(async () => (await info(r, "replication")).get("master_link_status") === "up");
    writing = false;
    await writer;
    await sameDigest(m, r);
    const mi = await info(m, "replication");
    assert.equal(mi.get("connected_slaves"), "1");
    assert.match(
      mi.get("slave0") ?? "",
      /^ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+$/,
    );
    assert.equal((await info(m, "stats")).get("sync_full"), "1");

    // The live stream: every family, SELECT between databases, a transaction, expiry DELs.
    await m.call("SET", "s", "1");
    await m.call("INCRBY", "s", 41);
    await m.call("APPEND", "s", "x");
    await m.call("LPUSH", "list", "new");
    await m.call("LMOVE", "list", "list2", "LEFT", "RIGHT");
    await m.call("HINCRBY", "small", "n", 5);
    await m.call("ZINCRBY", "z", 3, "a");
    await m.call("SINTERSTORE", "inter", "ints", "ints");
    await m.call("DEL", "k0:7", "k0:8");
    await m.call("RENAME", "k0:9", "renamed");
    await m.call("SELECT", 2);
    await m.call("SET", "in2", "yes");
    await m.call("FLUSHDB");
    await m.call("SELECT", 0);
    await m.call("MULTI");
    await m.call("SET", "tx1", "a");
    await m.call("SET", "tx2", "b");
    await m.call("EXEC");
    await m.call("SET", "short", "v", "PX", 50);
    await waitFor(async () => (await m.call("EXISTS", "short")) === 0);
    await sameDigest(m, r);
    assert.equal(await r.call("GET", "s"), "42x");
    assert.equal(await r.call("EXISTS", "short"), 0);

    // WAIT: the replica acknowledges this client's last write (GETACK makes it answer at once).
    await m.call("SET", "acked", "1");
    const t0 = performance.now();
    assert.equal(await m.call("WAIT", 1, 5000), 1);
    assert.ok(performance.now() - t0 < 2000, "WAIT returned on the ACK, not the timeout");
    assert.equal(await m.call("WAIT", 2, 200), 1, "a second replica never comes: the count so far");

    // A cut link continues from the backlog.
    assert.equal(await m.call("CLIENT", "KILL", "TYPE", "replica"), 1);
    for (let i = 0; i < 200; i++) await m.call("INCR", "after-cut");
    await waitFor(async () => (await info(m, "stats")).get("sync_partial_ok") === "1");
    await sameDigest(m, r);
    assert.equal(await r.call("GET", "after-cut"), "200");
    assert.equal((await info(m, "stats")).get("sync_full"), "1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("WAIT without replicas, and its errors, answer as redis-server's", async () => {
  if (!requireTool("redis-server")) return;
  await using h = await spawnHakv();
  await using r = await spawnRedis();
  await using hc = await h.client();
  await using rc = await r.client();
  for (
    const args of [["WAIT", 0, 0], ["WAIT", 1, 50], ["WAIT", "a", 0], ["WAIT", 0, "a"], [
      "WAIT",
      0,
      -1,
    ], ["WAIT", 1]]
  ) {
    const [a, b] = await Promise.all([
      hc.call(...args).catch((e) => `-${e.message}`),
      rc.call(...args).catch((e) => `-${e.message}`),
    ]);
    assert.deepEqual(a, b, JSON.stringify(args));
  }
  await hc.call("MULTI");
  await hc.call("WAIT", 5, 0);
  assert.deepEqual(await hc.call("EXEC"), [0], "inside EXEC WAIT never blocks");
});

Deno.test("min-replicas-to-write: writes get NOREPLICAS until a replica acknowledges", async () => {
  if (!requireTool("redis-server")) return;
  const args = ["--min-replicas-to-write", "1", "--min-replicas-max-lag", "10"];
  await using h = await spawnHakv(args);
  await using rs = await spawnRedis(args);
  await using hc = await h.client();
  await using rc = await rs.client();
  const err = (c: RespClient, ...a: (string | number)[]) =>
    c.call(...a).then((v) => (v instanceof Error ? `-${v.message}` : v), (e) => `-${e.message}`);
  const want = await err(rc, "SET", "k", "v");
  assert.equal(want, "-NOREPLICAS Not enough good replicas to write.");
  assert.equal(await err(hc, "SET", "k", "v"), want);
  assert.equal(await hc.call("GET", "k"), null, "reads still work");
  await hc.call("MULTI");
  await err(hc, "SET", "k", "v");
  assert.equal(
    await err(hc, "EXEC"),
    await (async () => {
      await rc.call("MULTI");
      await err(rc, "SET", "k", "v");
      return err(rc, "EXEC");
    })(),
  );
  const dir = await Deno.makeTempDir();
  try {
    await using replica = await spawnRedis([
      "--replicaof",
      "127.0.0.1",
      String(h.port),
      "--dir",
      dir,
    ]);
    await using r = await replica.client();
    await waitFor(async () => (await info(r, "replication")).get("master_link_status") === "up");
    await waitFor(async () => (await err(hc, "SET", "k", "v")) === "OK");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CLIENT UNBLOCK ends a WAIT as redis-server does: ERROR with -UNBLOCKED, TIMEOUT with the count", async () => {
  if (!requireTool("redis-server")) return;
  await using h = await spawnHakv();
  await using r = await spawnRedis();
  const outcome = async (p: typeof h, reason: string) => {
    await using waiter = await p.client();
    await using admin = await p.client();
    const id = await waiter.call("CLIENT", "ID");
    const pending = waiter.call("WAIT", 1, 0).then(
      (v) => (v instanceof Error ? `-${v.message}` : v),
      (e) => `-${e.message}`,
    );
    await waitFor(async () => String(await admin.call("CLIENT", "LIST")).includes("cmd=wait"));
    assert.equal(await admin.call("CLIENT", "UNBLOCK", id as number, reason), 1);
    return await pending;
  };
  for (const reason of ["ERROR", "TIMEOUT"]) {
    assert.deepEqual(await outcome(h, reason), await outcome(r, reason), reason);
  }
});
