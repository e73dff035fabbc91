// RespClient never drops a frame: pub/sub in RESP2 and RESP3, bursts and split frames, calls
// interleaved with unsolicited frames, pipelining, close while a consumer waits, and the bounded
// unread queue. Against a real redis-server, a spawned hakv, and a raw TCP peer that controls
// exactly how bytes are cut into writes.
import assert from "node:assert/strict";
import { type Proc, requireTool, spawnHakv, spawnRedis } from "../../tests/_harness.ts";
import { encodeCommand } from "../resp/mod.ts";
import { RespClient, RespPush, type RespValue } from "./mod.ts";

const REDIS_PORT = 7791;
const HAKV_PORT = 7792;
const PEER_PORT = 7793;

/** Runs `body` against redis-server (when installed) and hakv. */
async function onBoth(body: (p: Proc, name: string) => Promise<void>): Promise<void> {
  if (requireTool("redis-server")) {
    await using r = await spawnRedis([], REDIS_PORT);
    await body(r, "redis");
  }
  await using h = await spawnHakv([], HAKV_PORT);
  await body(h, "hakv");
}

async function take(c: RespClient, n: number): Promise<RespValue[]> {
  const out: RespValue[] = [];
  for (let i = 0; i < n; i++) out.push(await c.next());
  return out;
}

Deno.test("RESP2 SUBSCRIBE: confirmations then 10,000 messages, all in order", async () => {
  await onBoth(async (p, name) => {
    await using sub = await p.client();
    await using pub = await p.client();
    assert.equal(await sub.call("SUBSCRIBE", "a", "b"), null, "no reply of its own");
    assert.deepEqual(await take(sub, 2), [["subscribe", "a", 1], ["subscribe", "b", 2]]);
    // Published without waiting, so messages arrive in large bursts.
    const sent: Promise<RespValue>[] = [];
    for (let i = 0; i < 10_000; i++) sent.push(pub.call("PUBLISH", i % 2 ? "a" : "b", `m${i}`));
    let i = 0;
    for await (const f of sub) {
      assert.deepEqual(f, ["message", i % 2 ? "a" : "b", `m${i}`], `${name} message ${i}`);
      if (++i === 10_000) break;
    }
    assert.ok((await Promise.all(sent)).every((n) => n === 1));
    assert.equal(sub.unread, 0);
  });
});

Deno.test("RESP2 PSUBSCRIBE: pmessages in order, mixed with channel messages", async () => {
  await onBoth(async (p, name) => {
    await using sub = await p.client();
    await using pub = await p.client();
    await sub.call("PSUBSCRIBE", "news.*", "sport.?");
    await sub.call("SUBSCRIBE", "news.x");
    assert.deepEqual(await take(sub, 3), [
      ["psubscribe", "news.*", 1],
      ["psubscribe", "sport.?", 2],
      ["subscribe", "news.x", 3],
    ]);
    const sent = [];
    for (let i = 0; i < 1000; i++) sent.push(pub.call("PUBLISH", i % 3 ? "news.x" : "sport.1", i));
    const want: RespValue[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 3 === 0) {
        want.push(["pmessage", "sport.?", "sport.1", String(i)]);
        continue;
      }
      // Channel subscribers are served before pattern subscribers.
      want.push(["message", "news.x", String(i)]);
      want.push(["pmessage", "news.*", "news.x", String(i)]);
    }
    assert.deepEqual(await take(sub, want.length), want, name);
    await Promise.all(sent);
    await sub.call("PUNSUBSCRIBE", "news.*");
    assert.deepEqual(await sub.next(), ["punsubscribe", "news.*", 2]);
  });
});

Deno.test("calls answered in order while messages flow; PING in RESP2 pub/sub mode", async () => {
  await onBoth(async (p, name) => {
    await using sub = await p.client();
    await using pub = await p.client();
    await sub.call("SUBSCRIBE", "ch");
    // Published only once subscribed (the call resolves when written, not when served).
    assert.deepEqual(await sub.next(), ["subscribe", "ch", 1]);
    const flood: Promise<RespValue>[] = [];
    for (let i = 0; i < 3000; i++) flood.push(pub.call("PUBLISH", "ch", i));
    // Calls race with the flood: each PING gets its own pong, never a message.
    const pings: Promise<RespValue>[] = [];
    for (let i = 0; i < 200; i++) pings.push(sub.call("PING", `p${i}`));
    const frames = await take(sub, 3000);
    for (let i = 0; i < 3000; i++) assert.deepEqual(frames[i], ["message", "ch", String(i)]);
    assert.deepEqual(await Promise.all(pings), pings.map((_, i) => ["pong", `p${i}`]), name);
    await Promise.all(flood);
  });
});

Deno.test("RESP3: pushes queue for next() without onPush, go to onPush when set", async () => {
  await onBoth(async (p, name) => {
    await using sub = await p.client();
    await using pub = await p.client();
    await sub.call("HELLO", 3);
    await sub.call("SUBSCRIBE", "ch");
    // SUBSCRIBE's call resolves once written: wait for the confirmation, or the first messages
    // could be published before the server has subscribed this client.
    const first = await sub.next();
    assert.ok(first instanceof RespPush);
    assert.deepEqual(first.items, ["subscribe", "ch", 1]);
    const flood: Promise<RespValue>[] = [];
    for (let i = 0; i < 1000; i++) flood.push(pub.call("PUBLISH", "ch", i));
    // Any command runs in RESP3 while subscribed; arrays shaped like messages are replies.
    await sub.call("RPUSH", "l", "message", "ch", "x");
    const gets: Promise<RespValue>[] = [];
    for (let i = 0; i < 100; i++) gets.push(sub.call("LRANGE", "l", 0, -1));
    for (let i = 0; i < 1000; i++) {
      const f = await sub.next();
      assert.ok(f instanceof RespPush);
      assert.deepEqual(f.items, ["message", "ch", String(i)], `${name} ${i}`);
    }
    for (const g of await Promise.all(gets)) assert.deepEqual(g, ["message", "ch", "x"]);
    await Promise.all(flood);
    const seen: RespValue[][] = [];
    sub.onPush = (items) => seen.push(items);
    await pub.call("PUBLISH", "ch", "late");
    assert.equal(await sub.call("PING"), "PONG");
    assert.deepEqual(seen, [["message", "ch", "late"]]);
    assert.equal(sub.unread, 0);
  });
});

Deno.test("pipelined calls match replies in order; raw writes' replies come unsolicited", async () => {
  await onBoth(async (p) => {
    await using c = await p.client();
    const calls: Promise<RespValue>[] = [];
    for (let i = 0; i < 5000; i++) calls.push(c.call("INCR", "n"));
    assert.deepEqual(await Promise.all(calls), calls.map((_, i) => i + 1));
    await c.write(encodeCommand(["GET", "n"]));
    await c.write(new TextEncoder().encode("PING\r\nECHO hi\r\n"));
    assert.deepEqual(await take(c, 3), ["5000", "PONG", "hi"]);
    assert.equal(await c.call("DECR", "n"), 4999);
  });
});

Deno.test("MONITOR lines arrive unsolicited; none are lost between calls", async () => {
  await onBoth(async (p, name) => {
    await using m = await p.client();
    await using c = await p.client();
    assert.equal(await m.call("MONITOR"), "OK");
    for (let i = 0; i < 50; i++) await c.call("SET", "k", i);
    const lines = (await take(m, 50)).map(String);
    lines.forEach((l, i) => assert.match(l, new RegExp(`"SET" "k" "${i}"$`), name));
  });
});

/** A TCP peer that answers the first thing it reads with `script`'s writes. */
async function withPeer(
  script: (conn: Deno.Conn) => Promise<void>,
  body: (c: RespClient) => Promise<void>,
): Promise<void> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: PEER_PORT });
  const served = (async () => {
    const conn = await listener.accept();
    conn.setNoDelay(true);
    await conn.read(new Uint8Array(1024));
    try {
      await script(conn);
    } finally {
      conn.close();
    }
  })();
  await using c = await RespClient.connect({ port: PEER_PORT });
  await body(c);
  c.close();
  await served;
}

const enc = new TextEncoder();
const msg = (i: number) => `*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$${String(i).length}\r\n${i}\r\n`;

Deno.test("a burst of 5,000 messages in one write and messages cut byte by byte", async () => {
  let tail = "";
  for (let i = 5000; i < 5020; i++) tail += msg(i);
  await withPeer(async (conn) => {
    let burst = "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n";
    for (let i = 0; i < 5000; i++) burst += msg(i);
    await conn.write(enc.encode(burst));
    // Every byte its own write, with a pause so each is its own read too.
    for (const b of enc.encode(tail)) {
      await conn.write(Uint8Array.of(b));
      await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setTimeout(r, 50));
  }, async (c) => {
    await c.call("SUBSCRIBE", "ch");
    assert.deepEqual(await c.next(), ["subscribe", "ch", 1]);
    for (let i = 0; i < 5020; i++) assert.deepEqual(await c.next(), ["message", "ch", String(i)]);
  });
});

Deno.test("frames arriving with nobody waiting are kept until read", async () => {
  await withPeer(async (conn) => {
    await conn.write(enc.encode("+FULLRESYNC abc 0\r\n*1\r\n$4\r\nPING\r\n:7\r\n"));
    await new Promise((r) => setTimeout(r, 50));
  }, async (c) => {
    await c.write(enc.encode("PSYNC ? -1\r\n"));
    await new Promise((r) => setTimeout(r, 30)); // everything arrived before anyone asked
    assert.equal(c.unread, 3);
    assert.deepEqual(await take(c, 3), ["FULLRESYNC abc 0", ["PING"], 7]);
  });
});

Deno.test("closing while a consumer waits: next() rejects, for await ends, calls reject", async () => {
  await onBoth(async (p) => {
    const c = await p.client();
    const waiting = c.next();
    const iterated = (async () => {
      const got: RespValue[] = [];
      for await (const f of c) got.push(f);
      return got;
    })();
    await c.call("SUBSCRIBE", "ch");
    const ping = c.call("PING");
    assert.deepEqual(await waiting, ["subscribe", "ch", 1]);
    await ping;
    c.close();
    await assert.rejects(c.next(), /connection closed/);
    await assert.rejects(c.call("PING"), /connection closed/);
    assert.deepEqual(await iterated, [], "the iterator ends cleanly");
    await c.done;

    // The peer closing: a waiting next() rejects; queued frames are still read first.
    const victim = await p.client();
    await using admin = await p.client();
    const id = await victim.call("CLIENT", "ID") as number;
    await victim.write(enc.encode("ECHO queued\r\n"));
    while (victim.unread === 0) await new Promise((r) => setTimeout(r, 5));
    await admin.call("CLIENT", "KILL", "ID", id);
    await victim.done;
    assert.equal(await victim.next(), "queued");
    await assert.rejects(victim.next(), /closed by peer/);
  });
});

Deno.test("the unread queue is bounded: past maxUnread the connection closes with an error", async () => {
  await onBoth(async (p, name) => {
    await using sub = await RespClient.connect({ port: p.port, maxUnread: 100 });
    await using pub = await p.client();
    await sub.call("SUBSCRIBE", "ch");
    // Publish only once the server has subscribed it (the confirmation is queued).
    while (sub.unread === 0) await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 300 && !sub.closed; i++) await pub.call("PUBLISH", "ch", i);
    await sub.done;
    assert.ok(sub.closed, name);
    assert.equal(sub.unread, 100);
    let n = 0;
    await assert.rejects(async () => {
      for await (const f of sub) {
        assert.deepEqual(f, n === 0 ? ["subscribe", "ch", 1] : ["message", "ch", String(n - 1)]);
        n++;
      }
    }, /unread frame queue full \(100 frames\)/);
    assert.equal(n, 100, "the frames queued before the limit are all still readable");
  });
});
