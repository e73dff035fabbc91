// hakv proxy's shared links: clients without connection state of their own share one connection
// to the master, a stateful command moves its client to a connection of its own, and every
// client still gets exactly its own replies, in order, with the proxy's own replies in their
// place. Static-backend mode, so each test needs only the data nodes it is about.
import assert from "node:assert/strict";
import { RespClient, spawnHakv, spawnProxy } from "./_harness.ts";
import { Group, settle } from "./_sentinel.ts";
import { infoMap } from "../src/client/mod.ts";
import { withTimeout } from "../src/_util/timeout.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The master's normal clients, without the one asking: [name/db, last command] pairs. */
async function clientsOn(port: number): Promise<{ db: string; cmd: string }[]> {
  await using c = await RespClient.connect({ port });
  const list = String(await c.command("CLIENT", "LIST"));
  return list.split("\n").filter((l) => l.includes("id=")).map((line) =>
    Object.fromEntries(line.trim().split(" ").map((kv) => kv.split("=", 2)))
  ).filter((f) => f.cmd !== "client|list" && f.cmd !== "role" && !/[SM]/.test(f.flags)).map(
    (f) => ({ db: f.db, cmd: f.cmd }),
  );
}

async function proxyInfo(port: number): Promise<Map<string, string>> {
  await using c = await RespClient.connect({ port });
  return infoMap(String(await c.command("INFO", "proxy")));
}

/** Sends `bytes` in one write and reads until the proxy closes the connection. */
async function rawExchange(port: number, text: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(enc.encode(text));
    let out = "";
    const buf = new Uint8Array(64 * 1024);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const n = await conn.read(buf);
      if (n === null) return out;
      out += dec.decode(buf.subarray(0, n));
    }
    throw new Error(`the proxy did not close the connection; got ${JSON.stringify(out)}`);
  } finally {
    try {
      conn.close();
    } catch {
      // closed
    }
  }
}

async function ready(port: number): Promise<void> {
  await settle(async () => {
    try {
      await using c = await RespClient.connect({ port });
      return (await c.call("PING")) === "PONG";
    } catch {
      return false;
    }
  }, 10_000);
}

Deno.test("clients without connection state share one link; SELECT moves a client to its own", async () => {
  await using m = await spawnHakv();
  await using proxy = await spawnProxy(["--backend", `127.0.0.1:${m.port}`]);
  await ready(proxy.port);
  const clients = await Promise.all(
    Array.from({ length: 20 }, () => RespClient.connect({ port: proxy.port })),
  );
  try {
    await Promise.all(clients.map(async (c, i) => {
      assert.equal(await c.command("SET", `k${i}`, String(i)), "OK");
      assert.equal(await c.command("GET", `k${i}`), String(i));
    }));
    const shared = await clientsOn(m.port);
    assert.equal(shared.length, 1, `connections on the master: ${JSON.stringify(shared)}`);
    let info = await proxyInfo(proxy.port);
    assert.equal(info.get("proxy_clients"), "21"); // with the one asking
    assert.equal(info.get("proxy_dedicated_clients"), "0");
    assert.equal(info.get("proxy_shared_links"), "1");

    // SELECT is the client's own: it gets a connection, and the others stay in db 0.
    assert.equal(await clients[0]!.command("SELECT", "2"), "OK");
    assert.equal(await clients[0]!.command("SET", "mine", "x"), "OK");
    assert.equal(await clients[1]!.command("GET", "mine"), null);
    assert.equal(await clients[0]!.command("GET", "mine"), "x");
    assert.equal(await clients[0]!.command("GET", "k0"), null, "still in db 2");
    info = await proxyInfo(proxy.port);
    assert.equal(info.get("proxy_dedicated_clients"), "1");
    const after = await clientsOn(m.port);
    assert.equal(after.length, 2, JSON.stringify(after));
    assert.deepEqual(after.map((c) => c.db).sort(), ["0", "2"]);
    // CLIENT describes the client's own connection, so it gets one too.
    const id1 = await clients[1]!.command("CLIENT", "ID");
    const id2 = await clients[2]!.command("CLIENT", "ID");
    assert.notEqual(id1, id2);
  } finally {
    for (const c of clients) c.close();
  }
});

Deno.test("shared-links 0: every client has a connection of its own", async () => {
  await using m = await spawnHakv();
  await using proxy = await spawnProxy(["--backend", `127.0.0.1:${m.port}`, "--shared-links", "0"]);
  await ready(proxy.port);
  const clients = await Promise.all(
    Array.from({ length: 5 }, () => RespClient.connect({ port: proxy.port })),
  );
  try {
    for (const c of clients) assert.equal(await c.command("SET", "a", "1"), "OK");
    assert.equal((await clientsOn(m.port)).length, 5);
    assert.equal((await proxyInfo(proxy.port)).get("proxy_dedicated_clients"), "6");
  } finally {
    for (const c of clients) c.close();
  }
});

Deno.test("a blocking command does not hold up the clients on the shared link", async () => {
  await using m = await spawnHakv();
  await using proxy = await spawnProxy(["--backend", `127.0.0.1:${m.port}`]);
  await ready(proxy.port);
  await using a = await RespClient.connect({ port: proxy.port });
  await using b = await RespClient.connect({ port: proxy.port });
  assert.equal(await a.command("SET", "before", "1"), "OK"); // a starts on the shared link
  const popped = a.command("BLPOP", "q", "0");
  popped.catch(() => {}); // awaited below; a failed test must not leave it unhandled
  assert.equal(await withTimeout(b.command("PING"), 1000, "PING behind BLPOP"), "PONG");
  assert.equal(await withTimeout(b.command("GET", "before"), 1000, "GET behind BLPOP"), "1");
  assert.equal(await b.command("LPUSH", "q", "x"), 1);
  assert.deepEqual(await popped, ["q", "x"]);
  // And a, now on its own connection, still works.
  assert.equal(await a.command("GET", "before"), "1");
});

Deno.test("WAIT through the proxy waits for this client's writes, shared link or not", async () => {
  await using m = await spawnHakv();
  await using r = await spawnHakv(["--replicaof", "127.0.0.1", String(m.port)]);
  await using proxy = await spawnProxy(["--backend", `127.0.0.1:${m.port}`]);
  await ready(proxy.port);
  await settle(async () => {
    await using c = await m.client();
    return infoMap(String(await c.command("INFO", "replication"))).get("connected_slaves") === "1";
  }, 10_000);
  await using c = await RespClient.connect({ port: proxy.port });
  assert.equal(await c.command("SET", "warm", "1"), "OK");
  assert.equal(await c.command("WAIT", "1", "2000"), 1);
  // The replica stops acknowledging: a write made on the shared link is not reported as
  // replicated (a WAIT on a connection that made no write would say 1 at once).
  await using d = await RespClient.connect({ port: proxy.port });
  r.child.kill("SIGSTOP");
  try {
    assert.equal(await d.command("SET", "k", "v"), "OK");
    assert.equal(await d.command("WAIT", "1", "300"), 0);
  } finally {
    r.child.kill("SIGCONT");
  }
  assert.equal(await d.command("WAIT", "1", "5000"), 1);
  // d is on its own connection now; its writes there are waited for the same way.
  r.child.kill("SIGSTOP");
  try {
    assert.equal(await d.command("SET", "k2", "v"), "OK");
    assert.equal(await d.command("WAIT", "1", "300"), 0);
  } finally {
    r.child.kill("SIGCONT");
  }
  assert.equal(await d.command("WAIT", "1", "5000"), 1);
});

Deno.test("the proxy's own replies keep their place among the master's", async () => {
  await using m = await spawnHakv();
  await using proxy = await spawnProxy(["--backend", `127.0.0.1:${m.port}`]);
  await ready(proxy.port);
  assert.equal(
    await rawExchange(proxy.port, "SET a 1\r\nGET a\r\nQUIT\r\nGET a\r\n"),
    "+OK\r\n$1\r\n1\r\n+OK\r\n",
  );
  // A protocol error ends the connection after the replies owed before it.
  assert.equal(
    await rawExchange(proxy.port, "INCR n\r\nINCR n\r\n*1\r\n$x\r\n"),
    ":1\r\n:2\r\n-ERR Protocol error: invalid bulk length\r\n",
  );

  await using locked = await spawnProxy([
    "--backend",
    `127.0.0.1:${m.port}`,
    "--requirepass",
    "pw",
  ]);
  await settle(async () => {
    await using c = await RespClient.connect({ port: locked.port });
    return (await c.call("AUTH", "pw")) === "OK" && (await c.call("PING")) === "PONG";
  }, 10_000);
  assert.equal(
    await rawExchange(
      locked.port,
      "AUTH pw\r\nSET b 2\r\nAUTH wrong\r\nGET b\r\nQUIT\r\n",
    ),
    "+OK\r\n+OK\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n$1\r\n2\r\n+OK\r\n",
  );
});

Deno.test("many clients pipelining at once each get exactly their own replies, in order", async () => {
  await using m = await spawnHakv();
  await using proxy = await spawnProxy(["--backend", `127.0.0.1:${m.port}`]);
  await ready(proxy.port);
  const clients = await Promise.all(
    Array.from({ length: 30 }, () => RespClient.connect({ port: proxy.port })),
  );
  try {
    await Promise.all(clients.map(async (c, i) => {
      const calls: Promise<unknown>[] = [];
      for (let j = 0; j < 300; j++) {
        calls.push(c.call("INCR", `n${i}`));
        if (j % 50 === 0) calls.push(c.call("ECHO", `c${i}-${j}`));
      }
      const replies = await Promise.all(calls);
      const want: unknown[] = [];
      for (let j = 0; j < 300; j++) {
        want.push(j + 1);
        if (j % 50 === 0) want.push(`c${i}-${j}`);
      }
      assert.deepEqual(replies, want, `client ${i}`);
    }));
  } finally {
    for (const c of clients) c.close();
  }
});

Deno.test("a client that does not read its replies holds up nobody else", async () => {
  await using m = await spawnHakv();
  await using proxy = await spawnProxy(["--backend", `127.0.0.1:${m.port}`]);
  await ready(proxy.port);
  const big = "v".repeat(256 * 1024);
  await using setter = await RespClient.connect({ port: proxy.port });
  assert.equal(await setter.command("SET", "big", big), "OK");
  // 200 GETs of 256 KB (50 MB of replies) sent, nothing read for now.
  const slow = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    await slow.write(enc.encode("GET big\r\n".repeat(200)));
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 20; i++) {
      assert.equal(await withTimeout(setter.command("INCR", "other"), 1000, "INCR"), i + 1);
    }
    // Everything arrives once the slow client reads.
    const want = 200 * (`$${big.length}\r\n`.length + big.length + 2);
    let got = 0;
    const buf = new Uint8Array(1024 * 1024);
    while (got < want) {
      const n = await slow.read(buf);
      if (n === null) break;
      got += n;
    }
    assert.equal(got, want);
  } finally {
    slow.close();
  }
});

/** `cmdstat_<name>` calls on the node at `port` (0 when never called). */
async function calls(port: number, name: string): Promise<number> {
  await using c = await RespClient.connect({ port });
  const line = infoMap(String(await c.command("INFO", "commandstats"))).get(`cmdstat_${name}`);
  return line === undefined ? 0 : Number(/calls=(\d+)/.exec(line)![1]);
}

Deno.test("read-from-replicas: reads from clients on the shared link go to a replica, in order", async () => {
  await using m = await spawnHakv();
  await using r = await spawnHakv(["--replicaof", "127.0.0.1", String(m.port)]);
  await using proxy = await spawnProxy([
    ...["--backend", `127.0.0.1:${m.port},127.0.0.1:${r.port}`],
    ...["--check-interval", "100", "--read-from-replicas", "yes"],
  ]);
  await ready(proxy.port);
  await settle(
    async () => (await proxyInfo(proxy.port)).get("proxy_read_replicas") === `127.0.0.1:${r.port}`,
    10_000,
  );
  {
    await using w = await RespClient.connect({ port: proxy.port });
    assert.equal(await w.command("SET", "k", "v"), "OK");
    assert.equal(await w.command("WAIT", "1", "2000"), 1);
  }
  const before = { m: await calls(m.port, "get"), r: await calls(r.port, "get") };
  await using c = await RespClient.connect({ port: proxy.port });
  // Reads and writes interleaved in one pipeline: each goes where it should, replies in order.
  const replies = await withTimeout(
    Promise.all([
      c.call("GET", "k"),
      c.call("SET", "w1", "x"),
      c.call("GET", "k"),
      c.call("STRLEN", "k"),
      c.call("INCR", "n"),
      c.call("GET", "k"),
    ]),
    5000,
    "the mixed pipeline",
  );
  assert.deepEqual(replies, ["v", "OK", "v", 1, 1, "v"]);
  assert.equal((await calls(r.port, "get")) - before.r, 3, "GETs served by the replica");
  assert.equal((await calls(m.port, "get")) - before.m, 0, "no GET on the master");
  assert.equal(await calls(r.port, "strlen"), 1);
  assert.equal(await calls(m.port, "incr"), 1);
  assert.equal((await proxyInfo(proxy.port)).get("proxy_replica_reads"), "4");

  // The replica goes: reads go to the master again once the check notices.
  await r.kill("SIGKILL");
  await settle(async () => (await proxyInfo(proxy.port)).get("proxy_read_replicas") === "", 5000);
  await using d = await RespClient.connect({ port: proxy.port });
  assert.equal(await d.command("GET", "k"), "v");
  assert.equal((await calls(m.port, "get")) - before.m, 1);
});

Deno.test("read-from-replicas with sentinels: the replicas of the master the sentinels agree on", async () => {
  await using g = await Group.start({});
  await using proxy = await spawnProxy([
    ...["--sentinel", g.sentinels.map((s) => `127.0.0.1:${s!.port}`).join(",")],
    ...["--read-from-replicas", "yes"],
  ]);
  const replicaList = (ports: number[]) => ports.map((p) => `127.0.0.1:${p}`).sort().join(",");
  const listed = async () =>
    ((await proxyInfo(proxy.port)).get("proxy_read_replicas") ?? "").split(",").sort().join(",");
  const [m, r1, r2] = g.nodes as [typeof g.nodes[0], typeof g.nodes[0], typeof g.nodes[0]];
  await settle(async () => (await listed()) === replicaList([r1.port, r2.port]), 15_000);
  await using c = await RespClient.connect({ port: proxy.port });
  assert.equal(await c.command("SET", "k", "v"), "OK");
  assert.equal(await c.command("WAIT", "2", "2000"), 2);
  await using d = await RespClient.connect({ port: proxy.port });
  assert.equal(await d.command("GET", "k"), "v");
  assert.equal((await calls(r1.port, "get")) + (await calls(r2.port, "get")), 1);
  assert.equal(await calls(m.port, "get"), 0);

  // After a failover, the list is the new master's other replica.
  await m.kill("SIGKILL");
  await settle(async () => {
    const l = await listed();
    return l === replicaList([r1.port]) || l === replicaList([r2.port]);
  }, 15_000);
  await settle(async () => {
    try {
      await using e = await RespClient.connect({ port: proxy.port });
      return (await e.call("GET", "k")) === "v";
    } catch {
      return false;
    }
  }, 5000);
});

Deno.test("read-from-replicas: bad values stop start-up", async () => {
  const { loadProxyConf } = await import("../src/proxy/mod.ts");
  assert.throws(
    () => loadProxyConf(["--backend", "127.0.0.1:1", "--read-from-replicas", "maybe"]),
    /read-from-replicas: 'maybe' must be yes or no/,
  );
  assert.throws(
    () =>
      loadProxyConf([
        ...["--backend", "127.0.0.1:1", "--read-from-replicas", "yes", "--shared-links", "0"],
      ]),
    /read-from-replicas needs shared-links of at least 1/,
  );
  assert.equal(loadProxyConf(["--backend", "127.0.0.1:1"]).readFromReplicas, false);
});
