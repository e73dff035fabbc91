// Pub/sub: reply shapes and subscribed mode in-process; then against real sockets, frame by
// frame against a real redis-server 7.0 (RESP2 and RESP3, patterns, shard channels, PUBSUB
// introspection, errors), interop with redis-cli, and slow subscribers dropped by
// client-output-buffer-limit while the publisher and other clients carry on.
import assert from "node:assert/strict";
import {
  decodeFrame,
  encodeCommand,
  NEED_MORE,
  RespError,
  RespPush,
  type RespValue,
} from "../src/resp/mod.ts";
import {
  drain,
  errorText,
  InProcess,
  type Proc,
  requireTool,
  spawnHakv,
  spawnRedis,
  waitFor,
} from "./_harness.ts";

const REFUSED = (cmd: string) =>
  `ERR Can't execute '${cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;

// --- In-process ------------------------------------------------------------------------------

Deno.test("subscribe confirms each channel with the client's running count", async () => {
  await using t = new InProcess();
  assert.deepEqual(await t.run("SUBSCRIBE", "a", "b", "a"), [
    ["subscribe", "a", 1],
    ["subscribe", "b", 2],
    ["subscribe", "a", 2],
  ]);
  assert.deepEqual(await t.run("PSUBSCRIBE", "p*"), ["psubscribe", "p*", 3]);
  // Shard channels are counted on their own.
  assert.deepEqual(await t.run("SSUBSCRIBE", "s"), ["ssubscribe", "s", 1]);
  assert.equal(t.c.subscriptionCount, 4);
  assert.equal(t.c.flags(), "P");
  assert.deepEqual(await t.run("PUNSUBSCRIBE"), ["punsubscribe", "p*", 2]);
  assert.deepEqual(await t.run("SUNSUBSCRIBE", "s", "zz"), [
    ["sunsubscribe", "s", 0],
    ["sunsubscribe", "zz", 0],
  ]);
  const all = await t.run("UNSUBSCRIBE") as [string, string, number][];
  assert.deepEqual(all.map((f) => f[1]).sort(), ["a", "b"]);
  assert.deepEqual(all.map((f) => f[2]), [1, 0]);
  assert.deepEqual(await t.run("UNSUBSCRIBE"), ["unsubscribe", null, 0]);
  assert.equal(t.server.pubsub.channelCount, 0);
  assert.equal(await t.run("GET", "x"), null);
});

Deno.test("RESP2 subscribed mode refuses other commands with Redis's error", async () => {
  await using t = new InProcess();
  await t.run("SSUBSCRIBE", "s");
  assert.equal(errorText(await t.run("GET", "x")), REFUSED("get"));
  assert.equal(errorText(await t.run("CONFIG", "GET", "x")), REFUSED("config|get"));
  assert.equal(errorText(await t.run("PUBSUB", "NUMPAT")), REFUSED("pubsub|numpat"));
  // Arity is checked first.
  assert.equal(errorText(await t.run("GET")), "ERR wrong number of arguments for 'get' command");
  assert.deepEqual(await t.run("PING"), ["pong", ""]);
  assert.deepEqual(await t.run("PING", "hi"), ["pong", "hi"]);
  assert.equal(await t.run("RESET"), "RESET");
  assert.equal(t.c.subscriptionCount, 0);
  assert.equal(t.server.pubsub.shardChannelCount, 0);
  assert.equal(await t.run("PING"), "PONG");
});

Deno.test("RESP3 clients run any command while subscribed; messages are pushes", async () => {
  await using t = new InProcess();
  await t.run("HELLO", "3");
  const frames = await t.replies(t.c, "SUBSCRIBE", "ch");
  assert.ok(frames[0] instanceof RespPush);
  assert.equal(await t.run("SET", "k", "v"), "OK");
  assert.equal(await t.run("PING"), "PONG");
  // Publishing to itself: the message comes before the reply, as in Redis.
  const out = await t.replies(t.c, "PUBLISH", "ch", "hi");
  assert.ok(out[0] instanceof RespPush);
  assert.deepEqual((out[0] as RespPush).items, ["message", "ch", "hi"]);
  assert.equal(out[1], 1);
});

Deno.test("publish reaches channel and pattern subscribers; each delivery counts", async () => {
  await using t = new InProcess();
  const sub = t.client();
  const other = t.client();
  await t.runAs(sub, "SUBSCRIBE", "news.1");
  await t.runAs(sub, "PSUBSCRIBE", "news.*", "n[aeiou]ws.?", "zzz*");
  await t.runAs(other, "PSUBSCRIBE", "news.*");
  assert.equal(await t.run("PUBLISH", "news.1", "m"), 4);
  assert.deepEqual(drain(sub), [
    ["message", "news.1", "m"],
    ["pmessage", "news.*", "news.1", "m"],
    ["pmessage", "n[aeiou]ws.?", "news.1", "m"],
  ]);
  assert.deepEqual(drain(other), [["pmessage", "news.*", "news.1", "m"]]);
  assert.equal(await t.run("PUBLISH", "nothing", "m"), 0);
  // Shard channels and plain channels are separate namespaces.
  await t.runAs(sub, "SSUBSCRIBE", "news.1");
  assert.equal(await t.run("SPUBLISH", "news.1", "s"), 1);
  assert.deepEqual(drain(sub), [["smessage", "news.1", "s"]]);
  assert.deepEqual(await t.run("PUBSUB", "NUMPAT"), 3);
  assert.deepEqual(await t.run("PUBSUB", "NUMSUB", "news.1", "x"), ["news.1", 1, "x", 0]);
  assert.deepEqual(await t.run("PUBSUB", "SHARDNUMSUB", "news.1"), ["news.1", 1]);
  assert.deepEqual(await t.run("PUBSUB", "SHARDCHANNELS", "n*"), ["news.1"]);
  // A disconnecting client leaves nothing behind.
  t.server.removeClient(sub);
  t.server.removeClient(other);
  assert.equal(t.server.pubsub.channelCount, 0);
  assert.equal(t.server.pubsub.patternCount, 0);
  assert.equal(t.server.pubsub.shardChannelCount, 0);
  assert.equal(await t.run("PUBLISH", "news.1", "m"), 0);
});

// --- Real sockets: frame-exact sessions ----------------------------------------------------

/** A raw connection that keeps every frame (pushes included) in arrival order. */
class Session {
  readonly #conn: Deno.TcpConn;
  #buf = new Uint8Array(1 << 16);
  #end = 0;
  readonly frames: RespValue[] = [];
  #wake: (() => void) | null = null;
  #closed = false;
  readonly done: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.done = this.#read();
  }

  static async open(port: number): Promise<Session> {
    return new Session(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  async #read(): Promise<void> {
    try {
      while (true) {
        if (this.#end === this.#buf.length) {
          const next = new Uint8Array(this.#buf.length * 2);
          next.set(this.#buf);
          this.#buf = next;
        }
        const n = await this.#conn.read(this.#buf.subarray(this.#end));
        if (n === null) break;
        this.#end += n;
        let p = 0;
        while (p < this.#end) {
          const d = decodeFrame(this.#buf, p, this.#end);
          if (d.length === NEED_MORE) break;
          this.frames.push(d.value);
          p += d.length;
        }
        this.#buf.copyWithin(0, p, this.#end);
        this.#end -= p;
        this.#wake?.();
      }
    } catch {
      // closed
    }
    this.#closed = true;
    this.#wake?.();
  }

  send(...args: (string | number)[]): Promise<number> {
    return this.#conn.write(encodeCommand(args));
  }

  /** Frames until (and without) the reply to a marker PING, so every reply has arrived. */
  async settle(): Promise<RespValue[]> {
    const mark = `mark-${Math.random()}`;
    await this.send("PING", mark);
    while (true) {
      const i = this.frames.findIndex((f) =>
        f === mark || (Array.isArray(f) && f[0] === "pong" && f[1] === mark)
      );
      if (i >= 0) return this.frames.splice(0, i + 1).slice(0, i);
      if (this.#closed) throw new Error("connection closed");
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

/** Frames in a comparable shape: pushes marked, errors by message. */
function shape(v: RespValue): unknown {
  if (v instanceof RespPush) return { push: v.items.map(shape) };
  if (v instanceof RespError) return { error: v.message };
  if (Array.isArray(v)) return v.map(shape);
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => [shape(k), shape(x)]);
  return v;
}

/**
 * Redis delivers to matching patterns in its hash table's order: runs of pmessage frames are
 * compared sorted.
 */
function patternRunsSorted(frames: unknown[]): unknown[] {
  const out = [...frames];
  const isPmessage = (f: unknown) => {
    const items = f !== null && typeof f === "object" && !Array.isArray(f) && "push" in f
      ? f.push
      : f;
    return Array.isArray(items) && items[0] === "pmessage";
  };
  for (let i = 0; i < out.length;) {
    let j = i;
    while (j < out.length && isPmessage(out[j])) j++;
    if (j - i > 1) {
      const run = out.slice(i, j).sort((a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
      out.splice(i, j - i, ...run);
    }
    i = j === i ? i + 1 : j;
  }
  return out;
}

type Step =
  /** The session that sends it, then the command. */
  [number, ...(string | number)[]];

/**
 * Runs the same steps on both servers (session i of each), settling every session after each
 * step, and compares every frame each session received.
 */
async function sameFrames(
  redis: Proc,
  hakv: Proc,
  sessions: number,
  steps: Step[],
  label: string,
  unordered = new Set<number>(),
): Promise<void> {
  const open = async (p: Proc) =>
    await Promise.all(Array.from({ length: sessions }, () => Session.open(p.port)));
  const [rs, hs] = await Promise.all([open(redis), open(hakv)]);
  try {
    for (let n = 0; n < steps.length; n++) {
      const [who, ...args] = steps[n]!;
      await Promise.all([rs[who]!.send(...args), hs[who]!.send(...args)]);
      for (let s = 0; s < sessions; s++) {
        const [r, h] = await Promise.all([rs[s]!.settle(), hs[s]!.settle()]);
        let [rv, hv] = [patternRunsSorted(r.map(shape)), patternRunsSorted(h.map(shape))];
        if (unordered.has(n)) {
          // Redis walks a hash table here: compare as multisets.
          [rv, hv] = [
            rv.map((x) => JSON.stringify(x)).sort(),
            hv.map((x) => JSON.stringify(x)).sort(),
          ];
        }
        assert.deepEqual(hv, rv, `${label}, step ${n} (${args.join(" ")}), session ${s}`);
      }
    }
  } finally {
    for (const s of [...rs, ...hs]) s.close();
    await Promise.all([...rs, ...hs].map((s) => s.done));
  }
}

async function withBoth(fn: (redis: Proc, hakv: Proc) => Promise<void>): Promise<void> {
  const [redis, hakv] = await Promise.all([spawnRedis(), spawnHakv()]);
  try {
    await fn(redis, hakv);
  } finally {
    await Promise.all([redis[Symbol.asyncDispose](), hakv[Symbol.asyncDispose]()]);
  }
}

Deno.test("RESP2 sessions match redis-server frame for frame", async () => {
  if (!requireTool("redis-server")) return;
  await withBoth(async (redis, hakv) => {
    await sameFrames(redis, hakv, 3, [
      [0, "SUBSCRIBE", "a"],
      [0, "SUBSCRIBE", "b", "a", "c"],
      [0, "GET", "x"],
      [0, "GET"],
      [0, "SET", "k", "v"],
      [0, "PING"],
      [0, "PING", "hello"],
      [0, "PING", "a", "b"],
      [0, "ECHO", "x"],
      [0, "PSUBSCRIBE", "a*", "?", "[ab]"],
      [1, "PUBLISH", "a", "one"],
      [1, "PUBLISH", "b", "two"],
      [1, "PUBLISH", "zz", "none"],
      [1, "PUBLISH", "", "empty channel"],
      [1, "PUBLISH", "a\u0000\u00ff", "binary \r\n payload"],
      [2, "PSUBSCRIBE", "*"],
      [1, "PUBLISH", "abc", ""],
      [1, "PUBSUB", "NUMSUB", "a", "b", "c", "zz", "a"],
      [1, "PUBSUB", "NUMSUB"],
      [1, "PUBSUB", "NUMPAT"],
      [1, "PUBSUB", "CHANNELS", "[a]"],
      [1, "PUBSUB", "CHANNELS", "zz*"],
      [1, "PUBSUB", "CHANNELS", "a", "b"],
      [1, "PUBSUB", "NUMPAT", "x"],
      [1, "PUBSUB", "nope"],
      [1, "PUBSUB", "HELP"],
      [1, "PUBSUB"],
      [1, "SUBSCRIBE"],
      [1, "PUBLISH", "a"],
      [1, "SPUBLISH", "a"],
      [0, "UNSUBSCRIBE", "b", "nope"],
      [0, "PUNSUBSCRIBE", "?", "nope"],
      [0, "SSUBSCRIBE", "s1", "s2", "s1"],
      [1, "SPUBLISH", "s1", "shard"],
      [1, "PUBLISH", "s1", "not shard"],
      [1, "PUBSUB", "SHARDNUMSUB", "s1", "s2", "s3"],
      [1, "PUBSUB", "SHARDCHANNELS", "s1"],
      [1, "PUBSUB", "SHARDCHANNELS", "x*"],
      [0, "SUNSUBSCRIBE", "s2"],
      [0, "PUNSUBSCRIBE", "a*"],
      [0, "PUNSUBSCRIBE", "[ab]"],
      [0, "UNSUBSCRIBE", "a"],
      [0, "UNSUBSCRIBE", "c"],
      [0, "UNSUBSCRIBE"],
      [0, "PUNSUBSCRIBE"],
      // Still subscribed to a shard channel: still in subscribed mode.
      [0, "GET", "x"],
      [0, "SUNSUBSCRIBE"],
      [0, "SUNSUBSCRIBE"],
      [0, "GET", "k"],
      [2, "PUNSUBSCRIBE", "*"],
      [1, "PUBLISH", "a", "nobody"],
      [0, "SUBSCRIBE", "x"],
      [0, "PSUBSCRIBE", "y"],
      [0, "RESET"],
      [0, "GET", "k"],
      [1, "PUBLISH", "x", "gone"],
      [1, "PUBSUB", "NUMPAT"],
    ], "resp2");
  });
});

Deno.test("RESP3 sessions match redis-server frame for frame", async () => {
  if (!requireTool("redis-server")) return;
  await withBoth(async (redis, hakv) => {
    // HELLO's reply holds a connection id, which differs: settle it unchecked first.
    const steps: Step[] = [
      [0, "SUBSCRIBE", "a", "b"],
      [0, "GET", "x"],
      [0, "SET", "k", "v"],
      [0, "PING"],
      [0, "PUBLISH", "a", "to myself"],
      [1, "PUBLISH", "b", "from 1"],
      [0, "PSUBSCRIBE", "*"],
      [1, "PUBLISH", "b", "twice"],
      [0, "SSUBSCRIBE", "s"],
      [0, "SPUBLISH", "s", "shard to myself"],
      [0, "UNSUBSCRIBE", "a"],
      [0, "UNSUBSCRIBE", "b"],
      [0, "UNSUBSCRIBE"],
      [0, "PUNSUBSCRIBE"],
      [0, "PUNSUBSCRIBE"],
      [0, "SUNSUBSCRIBE"],
      [0, "SUNSUBSCRIBE"],
      [0, "PUBSUB", "NUMSUB", "a"],
      [0, "SUBSCRIBE", "z"],
      [0, "RESET"],
      [1, "PUBLISH", "z", "gone"],
    ];
    const open = async (p: Proc) => {
      const ss = [await Session.open(p.port), await Session.open(p.port)];
      for (const s of ss) {
        await s.send("HELLO", "3");
        await s.settle();
      }
      return ss;
    };
    const [rs, hs] = await Promise.all([open(redis), open(hakv)]);
    try {
      for (let n = 0; n < steps.length; n++) {
        const [who, ...args] = steps[n]!;
        await Promise.all([rs[who]!.send(...args), hs[who]!.send(...args)]);
        for (let s = 0; s < 2; s++) {
          const [r, h] = await Promise.all([rs[s]!.settle(), hs[s]!.settle()]);
          assert.deepEqual(
            patternRunsSorted(h.map(shape)),
            patternRunsSorted(r.map(shape)),
            `resp3 step ${n} (${args.join(" ")}), session ${s}`,
          );
        }
      }
    } finally {
      for (const s of [...rs, ...hs]) s.close();
      await Promise.all([...rs, ...hs].map((s) => s.done));
    }
  });
});

Deno.test("INFO and CLIENT LIST show subscriptions", async () => {
  await using hakv = await spawnHakv();
  const sub = await Session.open(hakv.port);
  const c = await hakv.client();
  try {
    await sub.send("SUBSCRIBE", "a", "b");
    await sub.send("PSUBSCRIBE", "p*");
    await sub.send("SSUBSCRIBE", "s");
    await sub.settle();
    const info = await c.command("INFO", "stats") as string;
    assert.match(info, /pubsub_channels:2\r\n/);
    assert.match(info, /pubsub_patterns:1\r\n/);
    assert.match(info, /pubsubshard_channels:1\r\n/);
    const list = await c.command("CLIENT", "LIST") as string;
    assert.match(list, /flags=P .*sub=2 psub=1 ssub=1 /);
  } finally {
    sub.close();
    c.close();
    await sub.done;
  }
});

// --- redis-cli interop -----------------------------------------------------------------------

Deno.test("redis-cli subscribe and psubscribe receive what hakv publishes", async () => {
  if (!requireTool("redis-cli")) return;
  await using hakv = await spawnHakv();
  const pub = await hakv.client();
  const cli = (args: string[]) =>
    new Deno.Command("redis-cli", {
      args: ["-p", String(hakv.port), ...args],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  const plain = cli(["subscribe", "ch1", "ch2"]);
  const resp3 = cli(["-3", "psubscribe", "ch*"]);
  try {
    await waitFor(async () =>
      (await pub.command("PUBSUB", "NUMSUB", "ch1") as unknown[])[1] === 1 &&
      (await pub.command("PUBSUB", "NUMPAT")) === 1
    );
    assert.equal(await pub.command("PUBLISH", "ch1", "hello"), 2);
    assert.equal(await pub.command("PUBLISH", "ch2", "a b"), 2);
  } finally {
    await new Promise((r) => setTimeout(r, 200));
    plain.kill();
    resp3.kill();
    pub.close();
  }
  const text = async (p: Deno.ChildProcess) => new TextDecoder().decode((await p.output()).stdout);
  assert.equal(
    await text(plain),
    "subscribe\nch1\n1\nsubscribe\nch2\n2\nmessage\nch1\nhello\nmessage\nch2\na b\n",
  );
  assert.equal(
    await text(resp3),
    "psubscribe\nch*\n1\npmessage\nch*\nch1\nhello\npmessage\nch*\nch2\na b\n",
  );
});

// --- Slow subscribers ------------------------------------------------------------------------

/** Resident memory of a process, in bytes (Linux). */
function rss(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m === null ? 0 : Number(m[1]) * 1024;
}

/** A subscriber that never reads: its socket buffers fill, then the server's output grows. */
async function stuckSubscriber(port: number, channel: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encodeCommand(["SUBSCRIBE", channel]));
  return conn;
}

Deno.test("a subscriber past the hard output limit is dropped; others carry on", async () => {
  await using hakv = await spawnHakv();
  const pub = await hakv.client();
  const other = await hakv.client();
  const stuck = await stuckSubscriber(hakv.port, "firehose");
  // A well-behaved subscriber of another channel keeps receiving.
  const good = await Session.open(hakv.port);
  try {
    await good.send("SUBSCRIBE", "calm");
    await good.settle();
    await waitFor(async () =>
      (await pub.command("PUBSUB", "NUMSUB", "firehose") as unknown[])[1] === 1
    );
    const before = rss(hakv.child.pid);
    const payload = "x".repeat(256 * 1024);
    let delivered = 0;
    // 160 MiB offered against the default 32 MiB hard limit.
    for (let i = 0; i < 640; i++) {
      const n = await pub.command("PUBLISH", "firehose", payload) as number;
      delivered += n;
      if (n === 0) break;
    }
    assert.ok(delivered < 640, "the stuck subscriber was never dropped");
    assert.ok(delivered * payload.length >= 32 * 1024 * 1024, `dropped early (${delivered})`);
    await waitFor(() => hakv.output().includes("for overcoming of output buffer limits"));
    assert.match(hakv.output(), /Client id=\d+ addr=\S+ .*sub=1 .*scheduled to be closed ASAP/);
    // Everyone else is unaffected.
    assert.equal(await pub.command("PUBLISH", "calm", "still here"), 1);
    assert.equal(await other.command("SET", "k", "v"), "OK");
    assert.equal(await other.command("GET", "k"), "v");
    const rest = await good.settle();
    assert.deepEqual(rest.map(shape), [["message", "calm", "still here"]]);
    const list = await other.command("CLIENT", "LIST") as string;
    assert.equal(list.trim().split("\n").length, 3, list);
    assert.equal(
      await other.command("PUBSUB", "NUMSUB", "firehose").then((r) => (r as unknown[])[1]),
      0,
    );
    // The dropped subscriber's buffer was not kept (the server grew by less than what was sent).
    const grown = rss(hakv.child.pid) - before;
    assert.ok(grown < 128 * 1024 * 1024, `server grew by ${grown} bytes`);
  } finally {
    try {
      stuck.close();
    } catch {
      // closed by the server
    }
    good.close();
    await good.done;
    pub.close();
    other.close();
  }
});

Deno.test("a subscriber over the soft limit for its seconds is dropped", async () => {
  await using hakv = await spawnHakv();
  const pub = await hakv.client();
  assert.equal(
    await pub.command("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 1mb 2"),
    "OK",
  );
  const stuck = await stuckSubscriber(hakv.port, "slow");
  try {
    await waitFor(async () =>
      (await pub.command("PUBSUB", "NUMSUB", "slow") as unknown[])[1] === 1
    );
    const payload = "y".repeat(64 * 1024);
    const start = Date.now();
    // Well past the soft limit (socket buffers absorb the first few MiB)...
    for (let i = 0; i < 256; i++) await pub.command("PUBLISH", "slow", payload);
    // ...but over it for less than its seconds: still subscribed (unless this machine is so
    // slow that the loop itself took them).
    const n = await pub.command("PUBLISH", "slow", payload);
    if (Date.now() - start < 1500) assert.equal(n, 1);
    else return;
    await new Promise((r) => setTimeout(r, 2200));
    // The next message finds it over the soft limit for longer: it is the last.
    assert.equal(await pub.command("PUBLISH", "slow", payload), 1);
    assert.equal(await pub.command("PUBLISH", "slow", payload), 0);
    await waitFor(() => hakv.output().includes("for overcoming of output buffer limits"));
    assert.equal(await pub.command("PING"), "PONG");
  } finally {
    try {
      stuck.close();
    } catch {
      // closed by the server
    }
    pub.close();
  }
});

Deno.test("CLIENT LIST TYPE pubsub and CLIENT KILL TYPE pubsub select subscribed clients", async () => {
  await using t = new InProcess();
  const sub = t.client();
  await t.runAs(sub, "SUBSCRIBE", "ch");
  const listed = await t.run("CLIENT", "LIST", "TYPE", "pubsub") as string;
  assert.match(listed, new RegExp(`^id=${sub.id} .*flags=P .*sub=1 `));
  assert.equal((listed.match(/\n/g) ?? []).length, 1, "only the subscriber");
  const normal = await t.run("CLIENT", "LIST", "TYPE", "normal") as string;
  assert.doesNotMatch(normal, new RegExp(`^id=${sub.id} `, "m"));
  assert.equal(await t.run("CLIENT", "KILL", "TYPE", "pubsub"), 1);
  assert.equal(sub.closed, true);
});
