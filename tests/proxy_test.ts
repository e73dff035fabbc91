// hakv proxy in front of a sentinel-watched group: the seeds' scenario (write, kill the master,
// read it back through the same address), pipelining, its INFO section, static backends with
// role checks, and its configuration errors.
import assert from "node:assert/strict";
import { RespClient, RespError, run, spawnProxy } from "./_harness.ts";
import { Group, info, role, settle } from "./_sentinel.ts";
import { withTimeout } from "../src/_util/timeout.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function sentinelFlag(g: Group): string[] {
  return ["--sentinel", g.sentinels.map((s) => `127.0.0.1:${s!.port}`).join(",")];
}

/** One command on a fresh connection through the proxy; errors and closes come back as null. */
async function once(port: number, ...args: string[]): Promise<unknown> {
  try {
    const c = await RespClient.connect({ port });
    try {
      return await c.call(...args);
    } finally {
      c.close();
    }
  } catch {
    return null;
  }
}

Deno.test("the seeds' scenario: SET, kill -9 the master, GET through the same address within 3 s", async () => {
  await using g = await Group.start({});
  await using proxy = await spawnProxy(sentinelFlag(g));
  await settle(async () => (await once(proxy.port, "SET", "1", "2")) === "OK", 10_000);
  {
    // Acknowledged by a replica before the kill, as a careful client would make sure.
    const c = await RespClient.connect({ port: proxy.port });
    assert.equal(await c.command("SET", "1", "2"), "OK");
    assert.ok(Number(await c.command("WAIT", 1, 1000)) >= 1);
    c.close();
  }
  const old = g.nodes[0]!;
  const t0 = Date.now();
  await old.kill("SIGKILL");
  await settle(async () => (await once(proxy.port, "GET", "1")) === "2", 3000);
  await settle(async () => (await once(proxy.port, "SET", "after", "yes")) === "OK", 3000);
  const took = Date.now() - t0;
  assert.ok(took < 3000, `took ${took} ms`);
  // The old master, restarted, rejoins as a replica and receives the new writes.
  const back = await g.spawnNode([], old.port);
  g.nodes[0] = back;
  await settle(async () => (await role(back.port)) === "slave", 20_000);
  await settle(async () => {
    await using c = await back.client();
    return (await c.call("GET", "after")) === "yes";
  }, 20_000);
});

Deno.test("pipelined commands come back in order through the proxy, and INFO has a Proxy section", async () => {
  await using g = await Group.start({ replicas: 1, sentinelCount: 1, quorum: 1 });
  await using proxy = await spawnProxy(sentinelFlag(g));
  await settle(async () => (await once(proxy.port, "PING")) === "PONG", 10_000);
  const c = await RespClient.connect({ port: proxy.port });
  try {
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) calls.push(c.call("INCR", "n"));
    const replies = await Promise.all(calls);
    assert.deepEqual(replies, Array.from({ length: 2000 }, (_, i) => i + 1));
    const text = String(await c.command("INFO"));
    assert.match(text, /# Server\r\n/);
    assert.match(
      text,
      new RegExp(
        `# Proxy\\r\\nproxy_mode:sentinel\\r\\nproxy_master:127\\.0\\.0\\.1:${
          g.nodes[0]!.port
        }\\r\\n`,
      ),
    );
    assert.match(String(await c.command("INFO", "proxy")), /^# Proxy\r\n/);
    assert.doesNotMatch(String(await c.command("INFO", "replication")), /# Proxy/);
    // SELECT is the session's: it is kept on the master connection.
    assert.equal(await c.command("SELECT", "3"), "OK");
    assert.equal(await c.command("SET", "in3", "x"), "OK");
    await using direct = await g.nodes[0]!.client();
    await direct.command("SELECT", "3");
    assert.equal(await direct.command("GET", "in3"), "x");
  } finally {
    c.close();
  }
});

Deno.test("static backends: the one node claiming master gets traffic; with two claimants, none does", async () => {
  await using g = await Group.start({ replicas: 1, sentinelCount: 0 });
  const [m, r] = [g.nodes[0]!, g.nodes[1]!];
  await using proxy = await spawnProxy([
    "--backend",
    `127.0.0.1:${m.port},127.0.0.1:${r.port}`,
    "--check-interval",
    "100",
    "--switch-timeout",
    "500",
  ]);
  // A second proxy that checks only once a minute: it has not looked again by the end.
  await using slow = await spawnProxy([
    ...["--backend", `127.0.0.1:${m.port},127.0.0.1:${r.port}`, "--check-interval", "60000"],
  ]);
  await settle(async () => (await once(proxy.port, "SET", "k", "v")) === "OK", 10_000);
  await settle(async () => (await once(slow.port, "SET", "k", "v")) === "OK", 10_000);
  // The replica also claims to be master: a split brain the proxy must not route into.
  {
    await using c = await r.client();
    await c.command("REPLICAOF", "NO", "ONE");
  }
  await untilMasterDown(proxy.port, 5000);
  // check-interval is obeyed: 1.5 s later the slow proxy has still not checked again.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(await once(slow.port, "SET", "k", "w"), "OK");
  // Resolved: one master again, and traffic flows to it.
  {
    await using c = await r.client();
    await c.command("REPLICAOF", "127.0.0.1", String(m.port));
  }
  await settle(async () => (await once(proxy.port, "SET", "k", "x")) === "OK", 5000);
  await using direct = await m.client();
  assert.equal(await direct.command("GET", "k"), "x");
  await settle(async () => {
    await using c = await r.client();
    return (await info(c)).get("master_link_status") === "up";
  }, 10_000);
});

Deno.test("proxy configuration: YAML keys, and unknown keys or bad values stop start-up", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hakv-proxy-conf-" });
  try {
    Deno.writeTextFileSync(`${dir}/bad.yaml`, "sentinel: 127.0.0.1:26379\nmaster_name: x\n");
    const bad = await run(Deno.execPath(), [
      "run",
      "-A",
      `${ROOT}main.ts`,
      "proxy",
      "--config",
      `${dir}/bad.yaml`,
    ], {
      allowFailure: true,
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unknown key 'master_name'/);
    const port = await run(Deno.execPath(), [
      "run",
      "-A",
      `${ROOT}main.ts`,
      "proxy",
      "--sentinel",
      "127.0.0.1:1",
      "--port",
      "x",
    ], {
      allowFailure: true,
    });
    assert.equal(port.code, 1);
    assert.match(port.stderr, /port: 'x' must be an integer/);
    const none = await run(Deno.execPath(), ["run", "-A", `${ROOT}main.ts`, "proxy"], {
      allowFailure: true,
    });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /give --sentinel/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("on a switch, an idle session moves with its SELECT; MULTI and SUBSCRIBE sessions are closed", async () => {
  await using g = await Group.start({});
  await using proxy = await spawnProxy(sentinelFlag(g));
  await settle(async () => (await once(proxy.port, "PING")) === "PONG", 10_000);
  const idle = await RespClient.connect({ port: proxy.port });
  const multi = await RespClient.connect({ port: proxy.port });
  const sub = await RespClient.connect({ port: proxy.port });
  try {
    assert.equal(await idle.command("SELECT", "2"), "OK");
    assert.equal(await idle.command("SET", "before", "1"), "OK");
    assert.equal(await multi.command("MULTI"), "OK");
    assert.equal(await multi.command("SET", "inmulti", "1"), "QUEUED");
    await sub.call("SUBSCRIBE", "news");
    assert.deepEqual(await sub.next(), ["subscribe", "news", 1]);
    const old = g.nodes[0]!.port;
    {
      await using s = await g.sentinelClient(g.sentinels[0]!);
      assert.equal(await s.command("SENTINEL", "FAILOVER", "mymaster"), "OK");
    }
    const port = await g.waitForNewMaster(old, 20_000);
    // The idle session keeps its connection and its database, now on the new master.
    await settle(async () => (await idle.call("SET", "after", "2")) === "OK", 5000);
    await using direct = await g.node(port).client();
    await direct.command("SELECT", "2");
    assert.equal(await direct.command("GET", "after"), "2");
    assert.equal(await direct.command("GET", "before"), "1");
    // The others can't move: their connections were closed, not answered with errors.
    await settle(() => multi.closed && sub.closed, 5000);
    assert.equal(await direct.command("EXISTS", "inmulti"), 0);
  } finally {
    idle.close();
    multi.close();
    sub.close();
  }
});

Deno.test("a proxy-level requirepass: NOAUTH until AUTH, which the proxy answers itself", async () => {
  await using g = await Group.start({ replicas: 1, sentinelCount: 1, quorum: 1 });
  await using proxy = await spawnProxy([...sentinelFlag(g), "--requirepass", "pw"]);
  await settle(async () => {
    const r = await once(proxy.port, "PING");
    return r instanceof Error && r.message === "NOAUTH Authentication required.";
  }, 10_000);
  const c = await RespClient.connect({ port: proxy.port });
  try {
    const wrong = await c.call("AUTH", "nope");
    assert.equal(
      (wrong as Error).message,
      "WRONGPASS invalid username-password pair or user is disabled.",
    );
    assert.equal(await c.command("AUTH", "pw"), "OK");
    await settle(async () => (await c.call("SET", "k", "v")) === "OK", 5000);
    assert.equal(await c.command("GET", "k"), "v");
  } finally {
    c.close();
  }
});

/**
 * A proxy in front of `g` and two clients through it that have had a reply: one on the shared
 * link, one with a connection of its own (SELECT gives it one).
 */
async function proxyAndClients(g: Group, switchTimeout: number) {
  const proxy = await spawnProxy([...sentinelFlag(g), "--switch-timeout", String(switchTimeout)]);
  await settle(async () => (await once(proxy.port, "SET", "k", "v")) === "OK", 10_000);
  const shared = await RespClient.connect({ port: proxy.port });
  const own = await RespClient.connect({ port: proxy.port });
  assert.equal(await shared.command("GET", "k"), "v");
  assert.equal(await own.command("SELECT", "0"), "OK");
  return {
    proxy,
    shared,
    own,
    async [Symbol.asyncDispose]() {
      shared.close();
      own.close();
      await proxy[Symbol.asyncDispose]();
    },
  };
}

Deno.test("a client owed a reply by a master that stopped answering is closed soon after the switch", async () => {
  await using g = await Group.start({});
  await using t = await proxyAndClients(g, 1000);
  const { shared, own } = t;
  {
    const old = g.nodes[0]!;
    old.child.kill("SIGSTOP");
    try {
      const t0 = Date.now();
      // Sent to a master that will never answer them: their outcome is unknown.
      const a = shared.command("GET", "k").then(() => "answered", () => "closed");
      const b = own.command("GET", "k").then(() => "answered", () => "closed");
      // The failover takes about 2 s; the clients are closed 1 s (switch-timeout) after it,
      // while the old master is still stopped (it gets SIGCONT only below).
      assert.deepEqual(await withTimeout(Promise.all([a, b]), 5000, "the close"), [
        "closed",
        "closed",
      ]);
      const took = Date.now() - t0;
      assert.ok(took < 8000, `closed after ${took} ms`);
    } finally {
      old.child.kill("SIGCONT");
    }
  }
});

/** As `once`, but null also when no reply comes within `ms`. */
async function onceWithin(port: number, ms: number, ...args: string[]): Promise<unknown> {
  const c = await RespClient.connect({ port });
  try {
    return await withTimeout(c.call(...args), ms);
  } catch {
    return null;
  } finally {
    c.close();
  }
}

/** "closed" when the connection closed without a reply; otherwise the reply or error text. */
function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    (v) => `reply ${String(v)}`,
    (err: Error) => err instanceof RespError ? `error ${err.message}` : "closed",
  );
}

Deno.test("a master frozen past a switch: what it runs when it wakes never reaches the client", async () => {
  // The chaos run's loss: commands queued at a frozen master ran when it woke, after a replica
  // had been promoted. Their replies said OK, and a replica not yet moved to the new master
  // even acknowledged them to WAIT, on a history the failover then discarded.
  await using g = await Group.start({});
  // A switch-timeout far longer than the test, so no grace timer closes anything: only the
  // rule can close the clients within seconds of the old master waking.
  await using t = await proxyAndClients(g, 60_000);
  const { proxy, shared, own } = t;
  {
    const old = g.nodes[0]!;
    const oldAddr = `127.0.0.1:${old.port}`;
    old.child.kill("SIGSTOP");
    let a: Promise<string>;
    let b: Promise<string>;
    try {
      a = outcome(shared.command("SET", "frozen-shared", "1"));
      b = outcome(own.command("SET", "frozen-own", "1"));
      // The proxy has moved to a promoted replica... (asked with a deadline: until it moves,
      // the INFO goes to the frozen master too)
      await settle(async () => {
        const text = await onceWithin(proxy.port, 300, "INFO", "proxy");
        const m = /^proxy_master:(\S+)/m.exec(String(text));
        return m !== null && m[1] !== oldAddr && m[1] !== "none";
      }, 15_000);
    } finally {
      // ...when the old master wakes and runs the two SETs at once.
      old.child.kill("SIGCONT");
    }
    assert.deepEqual(await withTimeout(Promise.all([a, b]), 5000, "the close"), [
      "closed",
      "closed",
    ]);
    // Answering OK would have been a lie: the new master never had them, and once the old one
    // has been demoted to follow it, neither has it.
    await settle(async () => (await role(old.port)) === "slave", 15_000);
    assert.equal(await once(proxy.port, "GET", "frozen-shared"), null);
    assert.equal(await once(proxy.port, "GET", "frozen-own"), null);
    await using direct = await old.client();
    await settle(async () => (await info(direct)).get("master_link_status") === "up", 15_000);
    assert.equal(await direct.command("GET", "frozen-shared"), null);
  }
});

/** SENTINEL FAILOVER, asked again while the sentinel has no fresh INFO (NOGOODSLAVE). */
async function failoverVia(sentinel: { port: number }, name: string): Promise<void> {
  await settle(async () => {
    await using c = await RespClient.connect({ port: sentinel.port });
    return (await c.call("SENTINEL", "FAILOVER", name)) === "OK";
  }, 10_000);
}

/** Until a command through the proxy is refused with MASTERDOWN. */
async function untilMasterDown(port: number, ms: number): Promise<void> {
  await settle(async () => {
    const reply = await once(port, "SET", "k", "w");
    return reply instanceof Error && /^MASTERDOWN /.test(reply.message);
  }, ms);
}

Deno.test("a sentinel with a newer config naming another master holds the proxy until they agree", async () => {
  // Mid-failover the leader names the replica it promoted, with a new config epoch, while the
  // others still name the old master. Here two sentinels watch M (epoch 0) and a third, watching
  // another pair under the same name, fails over to N (epoch 1): that disagreement to order.
  await using g = await Group.start({ replicas: 1, sentinelCount: 2 });
  await using other = await Group.start({ replicas: 1, sentinelCount: 1, quorum: 1 });
  const sentinels = [...g.sentinels, ...other.sentinels].map((s) => `127.0.0.1:${s!.port}`);
  await using proxy = await spawnProxy([
    ...["--sentinel", sentinels.join(","), "--switch-timeout", "300"],
  ]);
  const m = g.nodes[0]!;
  // Both name a master in epoch 0: the majority's is used.
  await settle(async () => (await once(proxy.port, "SET", "k", "v")) === "OK", 10_000);
  const third = other.sentinels[0]!;
  await failoverVia(third, other.name);
  // The third sentinel now names N in epoch 1, and N says it is master: no master until the
  // sentinels agree, so commands wait and are refused.
  await untilMasterDown(proxy.port, 15_000);
  // That sentinel gone, the two that remain agree on M again.
  await third.kill("SIGKILL");
  await settle(async () => (await once(proxy.port, "SET", "k", "x")) === "OK", 10_000);
  await using direct = await m.client();
  assert.equal(await direct.command("GET", "k"), "x");
});

Deno.test("a failover's promotion stops the proxy using the old master before +switch-master", async () => {
  // The leader's config names the promoted replica from +promoted-slave on, but +switch-master
  // waits for every replica to follow it. Here one replica cannot be moved (REPLICAOF and SLAVEOF
  // are renamed away), so the failover stays in its last stage until failover-timeout. The
  // proxy checks only every 60 s: the event alone must stop it using the old master in time.
  await using g = await Group.start({ replicas: 1, sentinelCount: 2 });
  await using other = await Group.start({
    replicas: 2,
    sentinelCount: 1,
    quorum: 1,
    failoverTimeout: 120_000,
    nodeArgs: (i) =>
      i === 2
        ? [
          ...["--replica-priority", "0"],
          ...["--rename-command", "REPLICAOF", ""],
          ...["--rename-command", "SLAVEOF", ""],
        ]
        : [],
  });
  const sentinels = [...g.sentinels, ...other.sentinels].map((s) => `127.0.0.1:${s!.port}`);
  await using proxy = await spawnProxy([
    ...["--sentinel", sentinels.join(","), "--switch-timeout", "300", "--check-interval", "60000"],
  ]);
  await settle(async () => (await once(proxy.port, "SET", "k", "v")) === "OK", 10_000);
  const third = other.sentinels[0]!;
  await failoverVia(third, other.name);
  await untilMasterDown(proxy.port, 10_000);
  // Still mid-failover: no +switch-master has been published.
  await using c = await RespClient.connect({ port: third.port });
  const master = await c.call("SENTINEL", "MASTER", other.name);
  assert.ok(Array.isArray(master));
  const flags = String(master[master.indexOf("flags") + 1]);
  assert.match(flags, /failover_in_progress/);
});
