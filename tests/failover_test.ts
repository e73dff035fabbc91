// FAILOVER as Redis 7.0 runs it, between hakv nodes and with redis-server on either side: the
// argument errors and state checks (compared with a real redis-server), INFO's
// master_failover_state, the write pause, the hand-over by PSYNC ... FAILOVER, aborts and FORCE,
// and that nothing acknowledged is lost while writers keep writing. Also what a master that
// becomes a replica does to its clients: -UNBLOCKED for blocked ones (Redis 7.0's text) and,
// with hakv's replica-close-clients-on-demote (default yes), closing normal and pub/sub ones.
import assert from "node:assert/strict";
import {
  type Proc,
  requireTool,
  RespClient,
  RespError,
  type RespValue,
  spawnHakv,
  spawnRedis,
  waitFor,
} from "./_harness.ts";
import { info, linkUp, sameDigest } from "./_repl.ts";

// Each node writes its files (a dump saved at shutdown) in a directory of its own (the harness
// runs every server in a private working directory): a dump shared between nodes would carry one
// node's replication history into another's start-up.
const DEBUG = ["--enable-debug-command", "yes"];
const REDIS = [...DEBUG, "--repl-diskless-sync-delay", "0"];

async function state(c: RespClient): Promise<string | undefined> {
  return (await info(c)).get("master_failover_state");
}

/** A reply, or the error's text; a dropped connection is "closed". */
async function reply(c: RespClient, ...args: (string | number)[]): Promise<RespValue | string> {
  try {
    const v = await c.call(...args);
    return v instanceof RespError ? `-${v.message}` : v;
  } catch (err) {
    return err instanceof RespError ? `-${err.message}` : "closed";
  }
}

async function role(c: RespClient): Promise<string> {
  return String(((await c.call("ROLE")) as RespValue[])[0]);
}

/** A master and its replica, both hakv or both redis-server, linked. */
async function pair(
  spawn: typeof spawnHakv,
  ports: [number, number],
): Promise<{ master: Proc; replica: Proc; m: RespClient; r: RespClient }> {
  const master = await spawn(REDIS, ports[0]);
  const replica = await spawn([...REDIS, "--replicaof", "127.0.0.1", String(ports[0])], ports[1]);
  const m = await master.client();
  const r = await replica.client();
  await linkUp(r);
  return { master, replica, m, r };
}

/** Argument lines checked before anything else, replica or not. */
const ARGUMENT_LINES: string[][] = [
  ["TO"],
  ["TO", "127.0.0.1"],
  ["TO", "127.0.0.1", "abc"],
  ["TIMEOUT"],
  ["TIMEOUT", "0"],
  ["TIMEOUT", "-5"],
  ["TIMEOUT", "abc"],
  ["TIMEOUT", "1", "TIMEOUT", "2"],
  ["TO", "h", "1", "TO", "h", "2"],
  ["ABORT"],
  ["ABORT", "ABORT"],
  ["ABORT", "TIMEOUT", "10"],
  ["ABORT", "TO", "127.0.0.1", "1"],
  ["FORCE"],
  ["FORCE", "FORCE"],
  ["FORCE", "TIMEOUT", "10"],
  ["TO", "127.0.0.1", "1", "FORCE"],
  ["FOO"],
  ["to", "127.0.0.1", "99999"],
];

Deno.test("FAILOVER's errors and state checks match redis-server", async () => {
  if (!requireTool("redis-server")) return;
  const h = await pair(spawnHakv, [7864, 7865]);
  const x = await pair(spawnRedis, [7866, 7867]);
  await using _a = h.master, _b = h.replica, _c = x.master, _d = x.replica;
  try {
    const lines = [
      ...ARGUMENT_LINES,
      ["TO", "127.0.0.1", "7999"],
      ["TO", "localhost", "PORT"],
      ["TO", "127.0.0.1", "PORT", "FORCE"],
    ];
    const fill = (l: string[], port: number) => l.map((a) => a === "PORT" ? String(port) : a);
    // FAILOVER alone would start one (the replicas are synced): only a replica refuses it here.
    assert.equal(await reply(h.r, "FAILOVER"), await reply(x.r, "FAILOVER"));
    for (const line of lines) {
      for (const who of ["m", "r"] as const) {
        const [hc, xc] = who === "m" ? [h.m, x.m] : [h.r, x.r];
        const got = await reply(hc, "FAILOVER", ...fill(line, 7865));
        const want = await reply(xc, "FAILOVER", ...fill(line, 7867));
        if (want === "OK") {
          // Only FAILOVER with no target may start one here (its replica is synced): undo it.
          await reply(xc, "FAILOVER", "ABORT");
        }
        if (got === "OK") await reply(hc, "FAILOVER", "ABORT");
        assert.deepEqual(got, want, `${who}: FAILOVER ${line.join(" ")}`);
      }
    }
    // PSYNC ... FAILOVER is a master's request to its replica, for the replica's own history.
    for (const args of [["PSYNC", "abc", "1", "FAILOVER"], ["PSYNC", "abc", "x", "failover"]]) {
      assert.equal(await reply(h.m, ...args), await reply(x.m, ...args));
      assert.equal(await reply(h.r, ...args), await reply(x.r, ...args));
    }
    // A failover that can't finish: the replica is stalled while the master's offset moves.
    for (
      const [mc, rc, port, stall] of [
        [h.m, h.r, 7865, ["CLIENT", "PAUSE", "3000", "ALL"]],
        [x.m, x.r, 7867, ["DEBUG", "SLEEP", "3"]],
      ] as const
    ) {
      assert.equal(await state(mc), "no-failover");
      const stalled = reply(rc, ...stall);
      await new Promise((res) => setTimeout(res, 100));
      assert.equal(await mc.call("SET", "moved", "on"), "OK");
      assert.equal(await reply(mc, "FAILOVER", "TO", "127.0.0.1", port), "OK");
      assert.equal(await state(mc), "waiting-for-sync");
      assert.equal(await reply(mc, "FAILOVER"), "-ERR FAILOVER already in progress.");
      assert.equal(
        await reply(mc, "REPLICAOF", "127.0.0.1", 1),
        "-ERR REPLICAOF not allowed while failing over.",
      );
      assert.equal(await reply(mc, "FAILOVER", "ABORT"), "OK");
      assert.equal(await state(mc), "no-failover");
      assert.equal(await reply(mc, "FAILOVER", "ABORT"), "-ERR No failover in progress.");
      // Writes flow again.
      assert.equal(await mc.call("SET", "after-abort", "1"), "OK");
      if (stall[0] === "CLIENT") await rc.call("CLIENT", "UNPAUSE");
      await stalled;
    }
    assert.match(h.master.output(), /FAILOVER requested to 127\.0\.0\.1:7865\./);
    assert.match(
      h.master.output(),
      /FAILOVER to 127\.0\.0\.1:7865 aborted: Failover manually aborted/,
    );
  } finally {
    for (const c of [h.m, h.r, x.m, x.r]) c.close();
  }
});

Deno.test("FAILOVER TIMEOUT aborts when the replica lags; FORCE fails over anyway", async () => {
  const { master, replica, m, r } = await pair(spawnHakv, [7868, 7869]);
  await using _a = master, _b = replica;
  try {
    const w = await master.client();
    await r.call("CLIENT", "PAUSE", "5000", "ALL");
    await m.call("SET", "a", "1");
    assert.equal(await m.call("FAILOVER", "TIMEOUT", "300"), "OK");
    // Writes wait during the pause and go through after the abort.
    const t0 = Date.now();
    const held = reply(w, "SET", "held", "1").then((v) => ({ v, ms: Date.now() - t0 }));
    // CLIENT UNPAUSE lifts CLIENT PAUSE only: the failover's pause is its own, as in Redis.
    assert.equal(await m.call("CLIENT", "UNPAUSE"), "OK");
    await waitFor(async () => (await state(m)) === "no-failover", 3000);
    const { v, ms } = await held;
    assert.equal(v, "OK");
    assert.ok(ms >= 200, `the write waited ${ms} ms`);
    assert.match(
      master.output(),
      /FAILOVER to any replica aborted: Replica never caught up before timeout/,
    );
    assert.equal(await role(m), "master");

    assert.equal(
      await m.call("FAILOVER", "TO", "127.0.0.1", 7869, "FORCE", "TIMEOUT", "200"),
      "OK",
    );
    // Clients of the demoted master are closed (after their next reply): a new one looks.
    await waitFor(() => /time out exceeded, failing over\./.test(master.output()), 3000);
    assert.match(
      master.output(),
      /FAILOVER to 127\.0\.0\.1:7869 time out exceeded, failing over\./,
    );
    const m2 = await master.client();
    assert.equal(await state(m2), "failover-in-progress");
    assert.equal(await role(m2), "slave");
    await r.call("CLIENT", "UNPAUSE");
    await waitFor(async () => (await role(r)) === "master", 5000);
    await waitFor(async () => (await state(m2)) === "no-failover", 5000);
    await linkUp(m2);
    await sameDigest(m2, r);
    m2.close();
    w.close();
  } finally {
    m.close();
    r.close();
  }
});

/** Writers that record every write as ok (acknowledged by WAIT too), failed, or unknown. */
async function writers(port: number, n: number, stop: { done: boolean }) {
  const acked: string[] = [];
  const failed: string[] = [];
  const unknown: string[] = [];
  await Promise.all(Array.from({ length: n }, async (_, id) => {
    const c = await RespClient.connect({ port });
    try {
      for (let i = 0; !stop.done; i++) {
        const key = `w${id}:${i}`;
        const r = await reply(c, "SET", key, String(i));
        if (r === "closed") {
          unknown.push(key);
          return;
        }
        if (r !== "OK") {
          failed.push(key);
          assert.match(String(r), /^-READONLY /);
          return;
        }
        const n = await reply(c, "WAIT", 1, 2000);
        if (typeof n === "number" && n >= 1) acked.push(key);
        else unknown.push(key);
        if (n === "closed" || typeof n === "string") return;
      }
    } finally {
      c.close();
    }
  }));
  return { acked, failed, unknown };
}

Deno.test("FAILOVER between hakv nodes loses nothing acknowledged while writers run", async () => {
  const { master, replica, m, r } = await pair(spawnHakv, [7870, 7871]);
  await using _a = master, _b = replica;
  try {
    const replid = (await info(m)).get("master_replid");
    const stop = { done: false };
    const running = writers(7870, 4, stop);
    await waitFor(async () => Number(await r.call("DBSIZE")) > 50, 10_000);
    assert.equal(await m.call("FAILOVER", "TO", "127.0.0.1", 7871), "OK");
    await waitFor(async () => (await role(r)) === "master", 10_000);
    const { acked, failed, unknown } = await running;
    stop.done = true;
    assert.ok(acked.length > 50, `only ${acked.length} writes acknowledged`);
    for (const key of acked) assert.notEqual(await r.call("GET", key), null, `lost ${key}`);
    // A write refused with -READONLY was not made.
    for (const key of failed) assert.equal(await r.call("GET", key), null);
    // Every writer stopped at the switch: its held write refused (-READONLY) or cut off.
    assert.equal(failed.length + unknown.length, 4);
    assert.ok(failed.length >= 1);
    // The old master follows the new one and continued its history (partial resync).
    const m2 = await master.client();
    await linkUp(m2);
    const mi = await info(m2);
    assert.equal(mi.get("role"), "slave");
    assert.equal(mi.get("master_port"), "7871");
    assert.equal(mi.get("master_failover_state"), "no-failover");
    const ri = await info(r);
    assert.equal(ri.get("role"), "master");
    assert.equal(ri.get("master_replid2"), replid);
    assert.equal((await info(r, "stats")).get("sync_partial_ok"), "1");
    await sameDigest(m2, r);
    assert.equal(
      await reply(m2, "SET", "x", "1"),
      "-READONLY You can't write against a read only replica.",
    );
    const out = master.output();
    assert.match(out, /FAILOVER requested to 127\.0\.0\.1:7871\./);
    assert.match(out, /Failover target 127\.0\.0\.1:7871 is synced, failing over\./);
    assert.match(replica.output(), /Failover request received for replid /);
    assert.match(replica.output(), /MASTER MODE enabled \(failover request from 'id=/);
    // The original client was closed by the demotion (replica-close-clients-on-demote yes).
    assert.equal(await reply(m, "PING"), "closed");
    m2.close();
  } finally {
    m.close();
    r.close();
  }
});

Deno.test("FAILOVER hands over between redis-server and hakv, both ways", async () => {
  if (!requireTool("redis-server")) return;
  await using master = await spawnRedis(REDIS, 7872);
  await using replica = await spawnHakv([...DEBUG, "--replicaof", "127.0.0.1", "7872"], 7873);
  const x = await master.client();
  const h = await replica.client();
  try {
    await linkUp(h);
    const kv: string[] = [];
    for (let i = 0; i < 200; i++) kv.push(`p:${i}`, `v${i}`);
    await x.call("MSET", ...kv);
    await x.call("RPUSH", "list", "a", "b");
    assert.equal(await x.call("WAIT", 1, 5000), 1);
    // redis-server hands over to hakv.
    assert.equal(await x.call("FAILOVER"), "OK");
    await waitFor(async () => (await role(h)) === "master", 10_000);
    await linkUp(x);
    assert.equal(await role(x), "slave");
    assert.equal(await h.call("SET", "on-hakv", "1"), "OK");
    await sameDigest(x, h);
    assert.match(replica.output(), /Failover request received for replid /);
    // hakv hands back to redis-server (hakv closes its clients: reconnect).
    assert.equal(await h.call("FAILOVER", "TO", "127.0.0.1", 7872), "OK");
    await waitFor(async () => (await role(x)) === "master", 10_000);
    const h2 = await replica.client();
    await linkUp(h2);
    assert.equal(await x.call("SET", "on-redis", "1"), "OK");
    assert.equal(await x.call("WAIT", 1, 5000), 1);
    await sameDigest(x, h2);
    assert.equal(await h2.call("GET", "on-hakv"), "1");
    assert.equal(await h2.call("GET", "on-redis"), "1");
    // Each side continued the other's history: no full sync after the first one.
    assert.equal((await info(h2, "stats")).get("sync_full"), "0");
    assert.equal((await info(x, "stats")).get("sync_full"), "1");
    assert.equal(await x.call("DBSIZE"), 203);
    h2.close();
  } finally {
    x.close();
    h.close();
  }
});

Deno.test("a master turned replica unblocks blocked clients and closes the others", async () => {
  const want =
    "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)";
  for (const close of ["yes", "no"]) {
    await using node = await spawnHakv(
      ["--replica-close-clients-on-demote", close],
      close === "yes" ? 7874 : 7875,
    );
    const admin = await node.client();
    const idle = await node.client();
    const sub = await node.client();
    const blpop = await node.client();
    const bzpop = await node.client();
    const wait = await node.client();
    try {
      assert.equal(await idle.call("PING"), "PONG");
      await sub.call("SUBSCRIBE", "ch");
      await admin.call("SET", "k", "v");
      const b1 = reply(blpop, "BLPOP", "nolist", 0);
      const b2 = reply(bzpop, "BZPOPMIN", "nozset", 0);
      const b3 = reply(wait, "WAIT", 1, 0);
      await waitFor(async () => (await info(admin, "clients")).get("blocked_clients") === "3");
      // Nothing listens there: the demotion itself is what is observed.
      assert.equal(await admin.call("REPLICAOF", "127.0.0.1", 7879), "OK");
      assert.deepEqual([await b1, await b2, await b3], [want, want, want]);
      assert.equal(await admin.call("PING"), "PONG");
      if (close === "yes") {
        assert.equal(await reply(idle, "PING"), "closed");
        assert.equal(await reply(blpop, "PING"), "closed");
        assert.match(node.output(), /replica-close-clients-on-demote/);
      } else {
        assert.equal(await idle.call("GET", "k"), "v");
        assert.deepEqual(await sub.call("PING"), ["pong", ""]);
      }
      assert.equal(
        await admin.call("CONFIG", "GET", "replica-close-clients-on-demote").then(
          (v) => (v as string[])[1],
        ),
        close,
      );
      assert.deepEqual(await admin.call("CONFIG", "GET", "replica-close-*"), []);
    } finally {
      for (const c of [admin, idle, sub, blpop, bzpop, wait]) c.close();
    }
  }
});
