// The connection's behaviour on bad input, over real TCP: the same raw bytes go to a spawned
// hakv and, where it is installed, to a spawned redis-server, and both must answer with the
// exact bytes of Redis 7.0 and close (or keep) the connection as Redis does
// (reference/reliability.md §4). Also pipelining, byte-by-byte commands, the query buffer limit,
// and garbage from many connections.
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Proc, requireTool, spawnHakv, spawnRedis } from "./_harness.ts";
import { concatBytes } from "../src/resp/mod.ts";
import { DiffPair } from "./_diff.ts";

function bin(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

function raw(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A raw TCP connection that records every byte received and whether the peer closed. */
class RawConn {
  readonly #conn: Deno.TcpConn;
  readonly #chunks: Uint8Array[] = [];
  #received = 0;
  #lastData = Date.now();
  closed = false;
  readonly done: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.done = this.#readLoop();
  }

  static async open(port: number): Promise<RawConn> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    return new RawConn(conn);
  }

  async #readLoop(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        this.#chunks.push(buf.slice(0, n));
        this.#received += n;
        this.#lastData = Date.now();
      }
    } catch {
      // reset by peer, or closed by us
    }
    this.closed = true;
  }

  get received(): number {
    return this.#received;
  }

  /** Everything received so far, as a binary string. */
  text(): string {
    return this.#chunks.map(bin).join("");
  }

  /** Writes all bytes; false if the peer had already gone. */
  async write(data: string | Uint8Array): Promise<boolean> {
    const bytes = typeof data === "string" ? raw(data) : data;
    try {
      let off = 0;
      while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
      return true;
    } catch {
      return false;
    }
  }

  /** Waits until the peer closes, or nothing has arrived for `idleMs` (at most `maxMs`). */
  async settle(idleMs = 200, maxMs = 10_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    const start = Date.now();
    while (!this.closed && Date.now() < deadline) {
      if (Date.now() - Math.max(this.#lastData, start) >= idleMs) return;
      await delay(10);
    }
  }

  /** Waits until `n` bytes have arrived or the peer closed. */
  async waitBytes(n: number, maxMs = 10_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (this.#received < n && !this.closed && Date.now() < deadline) await delay(5);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    await this.done;
  }
}

interface Outcome {
  reply: string;
  closed: boolean;
}

/** Sends `input` on a new connection; returns what came back before it went quiet or closed. */
async function exchange(port: number, input: string | Uint8Array, idleMs = 200): Promise<Outcome> {
  await using c = await RawConn.open(port);
  await c.write(input);
  await c.settle(idleMs);
  return { reply: c.text(), closed: c.closed };
}

type Servers = { name: string; proc: Proc }[] & AsyncDisposable;

/** The servers to run against: hakv always, redis-server when installed. Disposing stops them. */
async function servers(args: string[] = []): Promise<Servers> {
  const out = [{ name: "hakv", proc: await spawnHakv(args) }];
  if (requireTool("redis-server")) out.push({ name: "redis-server", proc: await spawnRedis(args) });
  return Object.assign(out, {
    async [Symbol.asyncDispose]() {
      for (const s of out) await s.proc[Symbol.asyncDispose]();
    },
  });
}

const PROTO = "-ERR Protocol error: ";

interface Row {
  name: string;
  send: string;
  reply: string;
  closed: boolean;
  /** For rows that keep the connection: a PING afterwards must answer. */
  pingAfter?: boolean;
}

const ROWS: Row[] = [
  { name: "empty query", send: "\r\n", reply: "", closed: false, pingAfter: true },
  { name: "blank lines", send: "\n  \r\n\t\n", reply: "", closed: false, pingAfter: true },
  { name: "*-10 count", send: "*-10\r\n", reply: "", closed: false, pingAfter: true },
  { name: "*0 count", send: "*0\r\n", reply: "", closed: false, pingAfter: true },
  {
    name: "count above INT_MAX",
    send: "*3000000000\r\n",
    reply: PROTO + "invalid multibulk length\r\n",
    closed: true,
  },
  {
    name: "count not a number",
    send: "*abc\r\n",
    reply: PROTO + "invalid multibulk length\r\n",
    closed: true,
  },
  {
    name: "count with a leading zero",
    send: "*01\r\n$4\r\nPING\r\n",
    reply: PROTO + "invalid multibulk length\r\n",
    closed: true,
  },
  {
    name: "count below LLONG_MIN",
    send: "*-9223372036854775809\r\n",
    reply: PROTO + "invalid multibulk length\r\n",
    closed: true,
  },
  {
    name: "count of LLONG_MIN is ignored",
    send: "*-9223372036854775808\r\n",
    reply: "",
    closed: false,
    pingAfter: true,
  },
  {
    name: "bulk header without $",
    send: "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
    reply: PROTO + "expected '$', got 'f'\r\n",
    closed: true,
  },
  {
    name: "bulk header that is a CR (quoted as a space)",
    send: "*1\r\n\r\n",
    reply: PROTO + "expected '$', got ' '\r\n",
    closed: true,
  },
  {
    name: "negative bulk length",
    send: "*1\r\n$-10\r\n",
    reply: PROTO + "invalid bulk length\r\n",
    closed: true,
  },
  {
    name: "bulk length above proto-max-bulk-len",
    send: "*1\r\n$2000000000\r\n",
    reply: PROTO + "invalid bulk length\r\n",
    closed: true,
  },
  {
    name: "bulk length not a number",
    send: "*1\r\n$blabla\r\n",
    reply: PROTO + "invalid bulk length\r\n",
    closed: true,
  },
  {
    name: "unbalanced quotes",
    send: `set """test-key""" test-value\r\n`,
    reply: PROTO + "unbalanced quotes in request\r\n",
    closed: true,
  },
  {
    name: "unterminated single quote",
    send: `ECHO 'abc\r\n`,
    reply: PROTO + "unbalanced quotes in request\r\n",
    closed: true,
  },
  {
    name: "inline longer than 64 KiB without newline",
    send: "a".repeat(64 * 1024 + 100),
    reply: PROTO + "too big inline request\r\n",
    closed: true,
  },
  {
    name: "count line longer than 64 KiB",
    send: "*" + "1".repeat(70_000),
    reply: PROTO + "too big mbulk count string\r\n",
    closed: true,
  },
  {
    name: "bulk count line longer than 64 KiB",
    send: "*1\r\n$" + "1".repeat(70_000),
    reply: PROTO + "too big bulk count string\r\n",
    closed: true,
  },
  {
    name: "PING with too many arguments (inline)",
    send: "PING x y z\r\n",
    reply: "-ERR wrong number of arguments for 'ping' command\r\n",
    closed: false,
    pingAfter: true,
  },
  {
    name: "PING with too many arguments (multibulk)",
    send: "*4\r\n$4\r\nPING\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n",
    reply: "-ERR wrong number of arguments for 'ping' command\r\n",
    closed: false,
    pingAfter: true,
  },
  {
    name: "unknown command",
    send: "FOO a b\r\n",
    reply: "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n",
    closed: false,
    pingAfter: true,
  },
  {
    name: "inline command starting with $",
    send: "$-10\r\n",
    reply: "-ERR unknown command '$-10', with args beginning with: \r\n",
    closed: false,
    pingAfter: true,
  },
  {
    name: "replies before a protocol error in the same write are sent",
    send: "PING\r\n*1\r\n$4\r\nECHO\r\n*1\r\n$x\r\nPING\r\n",
    reply: "+PONG\r\n-ERR wrong number of arguments for 'echo' command\r\n" + PROTO +
      "invalid bulk length\r\n",
    closed: true,
  },
  {
    name: "the byte after a count line's CR is not checked",
    send: "*1\rx$4\r\nPING\r\n",
    reply: "+PONG\r\n",
    closed: false,
  },
  {
    name: "the two bytes after a bulk body are not checked",
    send: "*1\r\n$4\r\nPINGxxPING\r\n",
    reply: "+PONG\r\n+PONG\r\n",
    closed: false,
  },
  {
    name: "a NUL byte hides an inline line's newline",
    send: "\x00abc\r\nPING\r\n",
    reply: "",
    closed: false,
  },
  {
    name: "inline escapes and quotes",
    send: `ECHO "a\\x41\\n\\"" \r\nECHO 'it\\'s'\r\nECHO a\x0bb\r\n`,
    reply: "$4\r\naA\n\"\r\n$4\r\nit's\r\n$3\r\na\x0bb\r\n",
    closed: false,
  },
];

Deno.test("protocol: each bad input gets Redis's exact reply and connection state", async (t) => {
  await using list = await servers();
  for (const { name, proc } of list) {
    for (const row of ROWS) {
      await t.step(`${name}: ${row.name}`, async () => {
        await using c = await RawConn.open(proc.port);
        await c.write(row.send);
        await c.settle(row.closed ? 3000 : 250);
        assert.equal(c.text(), row.reply);
        assert.equal(c.closed, row.closed, row.closed ? "should close" : "should stay open");
        if (row.pingAfter) {
          await c.write("PING\r\n");
          await c.waitBytes(row.reply.length + 7);
          assert.equal(c.text(), row.reply + "+PONG\r\n");
        }
      });
    }
    await t.step(`${name}: commands after a protocol error are not run`, async () => {
      const key = "after-error";
      const set = `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$1\r\n1\r\n`;
      const out = await exchange(proc.port, "*1\r\n$x\r\n" + set);
      assert.equal(out.reply, PROTO + "invalid bulk length\r\n");
      assert.ok(out.closed);
      assert.equal((await exchange(proc.port, `EXISTS ${key}\r\n`)).reply, ":0\r\n");
    });
  }
});

Deno.test("protocol: unauthenticated clients are limited to 10 arguments of 16 KiB", async (t) => {
  await using list = await servers(["--requirepass", "secret"]);
  for (const { name, proc } of list) {
    await t.step(`${name}: more than 10 arguments`, async () => {
      assert.deepEqual(await exchange(proc.port, "*100\r\n"), {
        reply: PROTO + "unauthenticated multibulk length\r\n",
        closed: true,
      });
      assert.deepEqual(await exchange(proc.port, "*11\r\n"), {
        reply: PROTO + "unauthenticated multibulk length\r\n",
        closed: true,
      });
    });
    await t.step(`${name}: an argument longer than 16384 bytes`, async () => {
      assert.deepEqual(await exchange(proc.port, "*1\r\n$100000000\r\n"), {
        reply: PROTO + "unauthenticated bulk length\r\n",
        closed: true,
      });
      assert.deepEqual(await exchange(proc.port, "*2\r\n$4\r\nECHO\r\n$16385\r\n"), {
        reply: PROTO + "unauthenticated bulk length\r\n",
        closed: true,
      });
    });
    await t.step(`${name}: at the limits the command runs into NOAUTH`, async () => {
      const echo = `*2\r\n$4\r\nECHO\r\n$16384\r\n${"e".repeat(16384)}\r\n`;
      assert.deepEqual(await exchange(proc.port, echo), {
        reply: "-NOAUTH Authentication required.\r\n",
        closed: false,
      });
    });
    await t.step(`${name}: after AUTH the limits are gone`, async () => {
      const keys = Array.from({ length: 11 }, (_, i) => `k${i}`);
      const del = `*12\r\n$3\r\nDEL\r\n` + keys.map((k) => `$${k.length}\r\n${k}\r\n`).join("");
      const big = `*2\r\n$4\r\nECHO\r\n$20000\r\n${"b".repeat(20000)}\r\n`;
      const out = await exchange(proc.port, "AUTH secret\r\n" + del + big);
      assert.equal(out.reply, `+OK\r\n:0\r\n$20000\r\n${"b".repeat(20000)}\r\n`);
      assert.equal(out.closed, false);
    });
  }
});

Deno.test("protocol: a desync (NUL then endless junk) is closed with a protocol error", async (t) => {
  await using list = await servers();
  const cases: [string, string][] = [
    ["\x00", "too big inline request"],
    ["*\x00", "too big mbulk count string"],
    ["$\x00", "too big inline request"],
  ];
  for (const { name, proc } of list) {
    for (const [seq, error] of cases) {
      await t.step(`${name}: ${JSON.stringify(seq)} then junk lines`, async () => {
        await using c = await RawConn.open(proc.port);
        await c.write(seq);
        // Lines of junk: a NUL earlier on the line must hide every newline that follows.
        const payload = raw("A".repeat(1024) + "\r\n");
        const deadline = Date.now() + 30_000;
        while (!c.closed && c.received === 0 && Date.now() < deadline) {
          if (!(await c.write(payload))) break;
          await delay(0);
        }
        await c.settle(200, 5000);
        assert.equal(c.text(), PROTO + error + "\r\n");
        assert.ok(c.closed);
      });
    }
  }
});

Deno.test("protocol: 1000 pipelined commands in one write get 1000 replies in order", async () => {
  await using list = await servers();
  for (const { name, proc } of list) {
    let input = "";
    let expected = "";
    for (let i = 0; i < 1000; i++) {
      const v = `value-${i}`;
      if (i % 3 === 0) {
        input += `*2\r\n$4\r\nECHO\r\n$${v.length}\r\n${v}\r\n`;
        expected += `$${v.length}\r\n${v}\r\n`;
      } else if (i % 3 === 1) {
        input += `INCR pipeline-counter\r\n`;
        expected += `:${Math.floor(i / 3) + 1}\r\n`;
      } else {
        input += `GET pipeline-counter\r\n`;
        const n = String(Math.floor(i / 3) + 1);
        expected += `$${n.length}\r\n${n}\r\n`;
      }
    }
    await using c = await RawConn.open(proc.port);
    await c.write(input);
    await c.waitBytes(expected.length);
    await c.settle(100);
    assert.equal(c.text(), expected, name);
    assert.equal(c.closed, false);
  }
});

Deno.test("protocol: a command written one byte at a time is answered once", async () => {
  await using list = await servers();
  for (const { name, proc } of list) {
    await using c = await RawConn.open(proc.port);
    const input = "*3\r\n$3\r\nSET\r\n$7\r\nbytekey\r\n$11\r\nbyte\r\nvalue\r\nGET bytekey\r\n";
    for (const ch of input) {
      await c.write(ch);
      await delay(1);
    }
    const expected = "+OK\r\n$11\r\nbyte\r\nvalue\r\n";
    await c.waitBytes(expected.length);
    await c.settle(100);
    assert.equal(c.text(), expected, name);
  }
});

Deno.test("protocol: a big argument arriving in many writes is reassembled", async () => {
  await using list = await servers();
  for (const { name, proc } of list) {
    await using c = await RawConn.open(proc.port);
    const value = Array.from({ length: 3 * 1024 * 1024 }, (_, i) => "abcdefgh"[i % 8]).join("");
    const cmd = raw(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${value.length}\r\n${value}\r\n`);
    for (let off = 0; off < cmd.length; off += 100_003) {
      await c.write(cmd.subarray(off, off + 100_003));
    }
    await c.write("STRLEN big\r\n");
    const expected = `+OK\r\n:${value.length}\r\n`;
    await c.waitBytes(expected.length);
    assert.equal(c.text(), expected, name);
  }
});

async function queryBufferLimitCase(proc: Proc): Promise<void> {
  await using victim = await RawConn.open(proc.port);
  await victim.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10000000\r\n");
  const chunk = new Uint8Array(64 * 1024).fill(120);
  let sent = 0;
  while (sent < 4 * 1024 * 1024 && !victim.closed) {
    if (!(await victim.write(chunk))) break;
    sent += chunk.length;
  }
  await victim.settle(200, 5000);
  assert.ok(victim.closed, "the connection past the limit is closed");
  assert.equal(victim.text(), "", "closed without a reply");
  assert.ok(sent >= 1024 * 1024, `closed only after the limit (${sent} bytes sent)`);
  // Everyone else is still served.
  assert.deepEqual(await exchange(proc.port, "PING\r\n"), { reply: "+PONG\r\n", closed: false });
}

Deno.test("protocol: client-query-buffer-limit closes the client without a reply", async (t) => {
  {
    // The first servers stop before the next ones start.
    await using list = await servers(["--client-query-buffer-limit", "1mb"]);
    for (const { name, proc } of list) {
      await t.step(`${name}: set on the command line`, () => queryBufferLimitCase(proc));
    }
  }
  await using later = await servers();
  for (const { name, proc } of later) {
    await t.step(`${name}: set with CONFIG SET`, async () => {
      const set = await exchange(proc.port, "CONFIG SET client-query-buffer-limit 1mb\r\n");
      assert.equal(set.reply, "+OK\r\n");
      await queryBufferLimitCase(proc);
    });
  }
});

function vmRssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const m = status.match(/^VmRSS:\s+(\d+) kB/m);
  assert.ok(m, "VmRSS in /proc status");
  return Number(m[1]);
}

/** RESP-shaped garbage: random bytes, protocol tokens and numbers, from a seeded generator. */
function garbageStreams(count: number, seed: number): Uint8Array[] {
  const token = fc.oneof(
    fc.constantFrom("*", "$", "\r\n", "\r", "\n", "\x00", "-1", "0", " ", '"', "'", "\\x", "PING")
      .map(raw),
    fc.integer({ min: -100, max: 100_000 }).map((n) => raw(String(n))),
    fc.uint8Array({ minLength: 1, maxLength: 64 }),
  );
  const stream = fc.array(token, { minLength: 100, maxLength: 3000 }).map(concatBytes);
  return fc.sample(stream, { numRuns: count, seed });
}

Deno.test("protocol: garbage from many connections never takes the server down", async (t) => {
  await using list = await servers();
  for (const { name, proc } of list) {
    await t.step(name, async () => {
      const pid = proc.child.pid;
      // Warm up so the baseline includes the connection machinery.
      await exchange(proc.port, "PING\r\n");
      const before = vmRssKiB(pid);
      for (let round = 0; round < 3; round++) {
        const streams = garbageStreams(30, 1000 + round);
        await Promise.all(streams.map(async (g) => {
          await using c = await RawConn.open(proc.port);
          for (let off = 0; off < g.length && !c.closed; off += 997) {
            if (!(await c.write(g.subarray(off, off + 997)))) break;
          }
          await c.settle(50, 2000);
        }));
        assert.deepEqual(await exchange(proc.port, "PING\r\n"), {
          reply: "+PONG\r\n",
          closed: false,
        });
      }
      const after = vmRssKiB(pid);
      assert.ok(after - before < 256 * 1024, `RSS grew from ${before} kB to ${after} kB`);
    });
  }
});

Deno.test("protocol: big announced bulks do not cost memory until their bytes arrive", async (t) => {
  await using list = await servers();
  for (const { name, proc } of list) {
    await t.step(name, async () => {
      const pid = proc.child.pid;
      await exchange(proc.port, "PING\r\n");
      const before = vmRssKiB(pid);
      // Eight clients each announce a 400 MB argument and send 200 KB of it.
      const conns = await Promise.all(Array.from({ length: 8 }, () => RawConn.open(proc.port)));
      try {
        const part = new Uint8Array(200 * 1024).fill(97);
        for (const c of conns) {
          await c.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$400000000\r\n");
          await c.write(part);
        }
        assert.deepEqual(await exchange(proc.port, "PING\r\n"), {
          reply: "+PONG\r\n",
          closed: false,
        });
        const during = vmRssKiB(pid);
        assert.ok(during - before < 256 * 1024, `RSS grew from ${before} kB to ${during} kB`);
        for (const c of conns) assert.equal(c.closed, false);
      } finally {
        for (const c of conns) await c[Symbol.asyncDispose]();
      }
    });
  }
});

/** Valid ECHO/PING traffic with a few bytes changed: both servers must answer it alike. */
function mutatedStreams(count: number, seed: number): Uint8Array[] {
  const arg = fc.string({ maxLength: 12 }).map((s) => s.replace(/[^\x20-\x7e]/g, "."));
  const cmd = fc.oneof(
    arg.map((a) => raw(`*2\r\n$4\r\nECHO\r\n$${a.length}\r\n${a}\r\n`)),
    arg.map((a) => raw(`ECHO "${a.replace(/["\\]/g, "")}"\r\n`)),
    fc.constant(raw("PING\r\n")),
    fc.constant(raw("*1\r\n$4\r\nPING\r\n")),
  );
  const mutated = fc.tuple(
    fc.array(cmd, { minLength: 1, maxLength: 6 }),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom(0, 9, 10, 13, 32, 34, 36, 39, 42, 45, 48, 49, 92, 120, 200),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  ).map(([cmds, edits]) => {
    const out = concatBytes(cmds);
    for (const [pos, b] of edits) out[pos % out.length] = b;
    return out;
  });
  return fc.sample(mutated, { numRuns: count, seed });
}

Deno.test("differential: mutated command streams get the same replies as redis-server", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const { hakvProc: hakv, redisProc: redis } = pair;
  const streams = mutatedStreams(Number(Deno.env.get("HAKV_FUZZ_RUNS") ?? 150), 7);
  const differences: string[] = [];
  for (let i = 0; i < streams.length; i += 25) {
    await Promise.all(
      streams.slice(i, i + 25).map(async (s) => {
        const [ours, theirs] = await Promise.all([
          exchange(hakv.port, s, 150),
          exchange(redis.port, s, 150),
        ]);
        if (ours.reply !== theirs.reply || ours.closed !== theirs.closed) {
          differences.push(
            `${JSON.stringify(bin(s))}\n  hakv:  ${JSON.stringify(ours)}\n  redis: ${
              JSON.stringify(theirs)
            }`,
          );
        }
      }),
    );
  }
  assert.deepEqual(
    differences.slice(0, Number(Deno.env.get("HAKV_FUZZ_SHOW") ?? 5)),
    [],
    `${differences.length} streams differ`,
  );
});
