// Differential test for the HyperLogLog commands: the same commands go to a spawned hakv and a
// spawned redis-server 7.0 and every reply must be identical, including `GET key`, so the HLL
// bytes (sparse opcodes, dense registers, cached cardinality and its stale bit) match exactly.
// Hand-written scenarios cover each command, option and error; seeded random runs mix them.
import assert from "node:assert/strict";
import { rng } from "../src/_util/rng.ts";
import { type Cmd, DiffPair } from "./_diff.ts";
import { requireTool, RespClient } from "./_harness.ts";
import { encodeCommand } from "../src/resp/mod.ts";

/** `n` distinct elements `prefix0`, `prefix1`... as one PFADD. */
function pfadd(key: string, prefix: string, from: number, n: number): Cmd {
  const cmd: (string | number)[] = ["PFADD", key];
  for (let i = from; i < from + n; i++) cmd.push(`${prefix}${i}`);
  return cmd;
}

/** A sparse HLL header (cache valid, 0) followed by `body` bytes. */
function sparse(body: number[]): string {
  return "HYLL\x01\x00\x00\x00" + "\x00".repeat(8) + String.fromCharCode(...body);
}

const SCENARIOS: Record<string, Cmd[]> = {
  "PFADD and PFCOUNT basics": [
    "PFADD h a b c",
    "GET h",
    "PFCOUNT h",
    "GET h",
    "PFADD h a",
    "GET h",
    "PFADD h d",
    "GET h",
    "PFCOUNT h",
    "PFADD new",
    "GET new",
    "PFADD new",
    "PFCOUNT new",
    "PFCOUNT missing",
    "PFADD h a b c d",
    "PFCOUNT h h",
    "PFCOUNT h new missing",
    "TYPE h",
    "STRLEN h",
    ["PFADD", "bin", "\x00", "\xff\xfe", "", "a\x00b", "é"],
    "GET bin",
    "PFCOUNT bin",
  ],
  "arity and type errors": [
    "PFADD",
    "PFCOUNT",
    "PFMERGE",
    "PFDEBUG",
    "PFDEBUG encoding",
    "SET s notanhll",
    "PFADD s a",
    "PFCOUNT s",
    "PFCOUNT h s",
    "PFMERGE s",
    "PFMERGE d s",
    "EXISTS d",
    "LPUSH l a",
    "PFADD l a",
    "PFCOUNT l",
    "PFCOUNT s l",
    "PFCOUNT l s",
    "PFMERGE l",
    "PFMERGE d l",
    "SET n 12345",
    "PFADD n a",
    ["SET", "short", "HYLL\x01"],
    "PFCOUNT short",
    ["SET", "enc2", "HYLL\x02\x00\x00\x00" + "\x00".repeat(8) + "\x7f\xff"],
    "PFADD enc2 a",
    ["SET", "densebad", "HYLL\x00\x00\x00\x00" + "\x00".repeat(8) + "\x00".repeat(100)],
    "PFCOUNT densebad",
    ["SET", "magic", "HYLX\x01\x00\x00\x00" + "\x00".repeat(8) + "\x7f\xff"],
    "PFCOUNT magic",
  ],
  "corrupt sparse values": [
    // Runs cover fewer than 16384 registers.
    ["SET", "c1", sparse([0x40, 0x10])],
    "PFCOUNT c1",
    "PFADD c1 a b c d e f g h i j",
    "GET c1",
    "PFCOUNT c1 c1",
    "PFMERGE d c1",
    "EXISTS d",
    // A stale cache forces the count, which finds the corruption.
    ["SET", "c2", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x40\x10"],
    "PFCOUNT c2",
    // Runs past the end.
    ["SET", "c3", sparse([0x7f, 0xff, 0x83])],
    "PFCOUNT c3 c3",
    "PFMERGE c3",
    "PFDEBUG TODENSE c3",
    "PFDEBUG GETREG c3",
    // A valid cache is answered without reading the body.
    ["SET", "c4", "HYLL\x01\x00\x00\x00\x2a\x00\x00\x00\x00\x00\x00\x00\x40\x10"],
    "PFCOUNT c4",
    // Every register covered, then one more opcode.
    ["SET", "c6", sparse([0x7f, 0xff, 0x00])],
    "PFCOUNT c6 c6",
    "PFDEBUG TODENSE c6",
    ["SET", "c6", sparse([0x7f, 0xff, 0x83])],
    "PFDEBUG TODENSE c6",
    "PFADD c6 a b c zz",
    "PFDEBUG DECODE c6",
    // An XZERO cut short reads its second byte as 0.
    ["SET", "c7", sparse([0x7f])],
    "PFDEBUG DECODE c7",
    "PFADD c7 a b c zz",
    "GET c7",
    "PFDEBUG TODENSE c7",
    // A stale-cached value that is valid.
    ["SET", "c8", "HYLL\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x80\x80\x7f\xfe"],
    "PFCOUNT c8",
    "GET c8",
    // String commands on HLL values.
    "PFADD ap a b",
    "APPEND ap x",
    "PFCOUNT ap",
    "PFADD ap c",
    "GET ap",
    pfadd("dn", "d", 0, 2000),
    "PFCOUNT dn",
    "SETRANGE dn 100 \x3f\x3f",
    "PFCOUNT dn",
    "PFADD dn zzz",
    "PFCOUNT dn",
    "GET dn",
    "APPEND dn x",
    "PFCOUNT dn",
    "GETRANGE dn 0 20",
    // An empty body.
    ["SET", "c5", sparse([])],
    "PFADD c5 x",
    "PFCOUNT c5 c5",
  ],
  "sparse to dense promotion": [
    pfadd("h", "e", 0, 300),
    "PFDEBUG ENCODING h",
    "GET h",
    "PFCOUNT h",
    pfadd("h", "e", 300, 1500),
    "PFDEBUG ENCODING h",
    "GET h",
    "PFCOUNT h",
    "GET h",
    pfadd("h", "f", 0, 20000),
    "PFCOUNT h",
    "GET h",
    "PFDEBUG ENCODING h",
  ],
  "hll-sparse-max-bytes": [
    "CONFIG SET hll-sparse-max-bytes 100",
    pfadd("h", "x", 0, 10),
    "PFDEBUG ENCODING h",
    "GET h",
    pfadd("h", "x", 10, 40),
    "PFDEBUG ENCODING h",
    "GET h",
    "CONFIG SET hll-sparse-max-bytes 0",
    "PFADD z a",
    "PFDEBUG ENCODING z",
    "GET z",
    "CONFIG SET hll-sparse-max-bytes 3000",
  ],
  "PFMERGE": [
    pfadd("a", "a", 0, 50),
    pfadd("b", "b", 0, 50),
    pfadd("big", "c", 0, 5000),
    "PFMERGE m a b",
    "GET m",
    "PFCOUNT m",
    "PFMERGE m",
    "GET m",
    "PFMERGE m2 missing1 missing2",
    "GET m2",
    "PFCOUNT m2",
    "PFMERGE a b",
    "GET a",
    "PFMERGE sd a big",
    "PFDEBUG ENCODING sd",
    "GET sd",
    "PFCOUNT sd",
    "PFMERGE big a",
    "GET big",
    "PFCOUNT a b big",
    "PFCOUNT a",
    "PFMERGE a",
    "GET a",
    "PFCOUNT a",
    "GET a",
  ],
  "PFMERGE promotes a sparse destination": [
    pfadd("a", "p", 0, 700),
    pfadd("b", "q", 0, 700),
    "PFDEBUG ENCODING a",
    "PFDEBUG ENCODING b",
    "PFMERGE d a b",
    "PFDEBUG ENCODING d",
    "GET d",
    "PFCOUNT d",
  ],
  "PFDEBUG": [
    pfadd("h", "e", 0, 20),
    "PFDEBUG ENCODING h",
    "PFDEBUG DECODE h",
    "PFDEBUG encoding h",
    "PFDEBUG TODENSE h",
    "PFDEBUG TODENSE h",
    "PFDEBUG ENCODING h",
    "PFDEBUG DECODE h",
    "GET h",
    "PFDEBUG GETREG h",
    pfadd("s", "e", 0, 5),
    "PFDEBUG GETREG s",
    "GET s",
    "PFDEBUG ENCODING s",
    "PFDEBUG NOPE s",
    "PFDEBUG NOPE missing",
    "PFDEBUG ENCODING missing",
    "SET str x",
    "PFDEBUG ENCODING str",
    "LPUSH l x",
    "PFDEBUG ENCODING l",
  ],
  "expiry is kept": [
    "PFADD h a",
    "EXPIRE h 1000",
    "PFADD h b c",
    "TTL h",
    "PFCOUNT h",
    "TTL h",
    "PFMERGE h x",
    "TTL h",
  ],
};

/** Elements that make registers take every run length, including the >32 ones. */
function randomElement(r: () => number, pool: number): string {
  const n = Math.floor(r() * pool);
  return r() < 0.1 ? `bin\x00${n}\xff` : `el:${n}`;
}

Deno.test("HLL commands match redis-server reply for reply and byte for byte", async (t) => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  for (const [name, cmds] of Object.entries(SCENARIOS)) {
    await t.step(name, async () => {
      await pair.run(cmds, name);
    });
  }
});

Deno.test("an HLL written by redis-server works in hakv and back", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  await pair.same("FLUSHALL");
  for (const n of [3, 200, 3000]) {
    const key = `h${n}`;
    const cmd = pfadd(key, "t", 0, n) as string[];
    await pair.redis.call(...cmd);
    const bytes = await pair.redis.call("GET", key);
    assert.equal(typeof bytes, "string");
    await pair.hakv.call("SET", key, bytes as string);
    await pair.same(`GET ${key}`);
    await pair.same(`PFCOUNT ${key}`);
    await pair.same(`GET ${key}`);
    await pair.same(pfadd(key, "u", 0, 50));
    await pair.same(`GET ${key}`);
    await pair.same(`PFCOUNT ${key}`);
  }
  // And from hakv to redis-server.
  await pair.hakv.call(...(pfadd("back", "v", 0, 900) as string[]));
  const bytes = await pair.hakv.call("GET", "back");
  await pair.redis.call("SET", "back", bytes as string);
  await pair.same("PFCOUNT back");
  await pair.same("GET back");
});

Deno.test("random PFADD/PFMERGE/PFCOUNT sequences leave identical HLL bytes", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const keys = ["h0", "h1", "h2", "h3"];
  for (let seed = 1; seed <= 12; seed++) {
    const r = rng(seed);
    await pair.same("FLUSHALL");
    const pool = [10, 200, 5000, 100000][seed % 4]!;
    await pair.same(`CONFIG SET hll-sparse-max-bytes ${[3000, 500, 3000, 1200][seed % 4]}`);
    for (let step = 0; step < 60; step++) {
      const key = keys[Math.floor(r() * keys.length)]!;
      const x = r();
      let cmd: Cmd;
      if (x < 0.6) {
        const n = 1 + Math.floor(r() * (r() < 0.2 ? 400 : 8));
        const c: string[] = ["PFADD", key];
        for (let i = 0; i < n; i++) c.push(randomElement(r, pool));
        cmd = c;
      } else if (x < 0.75) {
        cmd = ["PFCOUNT", key];
      } else if (x < 0.85) {
        const srcs = keys.filter(() => r() < 0.5);
        cmd = ["PFMERGE", key, ...srcs];
      } else if (x < 0.95) {
        cmd = ["PFCOUNT", ...keys.filter(() => r() < 0.6), key];
      } else {
        cmd = ["PFDEBUG", "TODENSE", key];
      }
      await pair.same(cmd, `seed ${seed} step ${step}`);
      await pair.same(["GET", key], `seed ${seed} step ${step}`);
    }
    for (const k of keys) await pair.same(["PFCOUNT", k], `seed ${seed}`);
    await pair.same(["PFCOUNT", ...keys], `seed ${seed}`);
  }
});

Deno.test("cardinalities match from 0 to 200k elements", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  await pair.same("FLUSHALL");
  let added = 0;
  for (const target of [1, 10, 100, 1000, 5000, 20000, 60000, 200000]) {
    while (added < target) {
      const n = Math.min(1000, target - added);
      await pair.same(pfadd("h", "card:", added, n));
      added += n;
    }
    await pair.same("PFCOUNT h");
    await pair.same("GET h");
  }
});

/** rdb_changes_since_last_save: what a command added to the dirty counter. */
async function dirty(c: RespClient): Promise<number> {
  const info = await c.call("INFO", "persistence") as string;
  return Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
}

/** Keyspace events a RESP3 subscriber saw, read up to a marker published after them. */
class Events {
  readonly seen: string[] = [];
  #wake: (() => void) | null = null;

  constructor(readonly client: RespClient) {
    client.onPush = (p) => {
      const [kind, , channel, message] = p as string[];
      if (kind === "pmessage") this.seen.push(`${channel} ${message}`);
      this.#wake?.();
    };
  }

  static async open(port: number): Promise<Events> {
    const client = await RespClient.connect({ port });
    await client.call("HELLO", "3");
    const events = new Events(client);
    await client.write(encodeCommand(["PSUBSCRIBE", "__key*@*__:*"]));
    await client.call("PING");
    return events;
  }

  async take(publisher: RespClient): Promise<string[]> {
    const mark = `__keyevent@9__:mark ${Math.random()}`;
    await publisher.call("PUBLISH", ...mark.split(" "));
    while (!this.seen.includes(mark)) await new Promise<void>((r) => (this.#wake = r));
    const i = this.seen.indexOf(mark);
    return this.seen.splice(0, i + 1).slice(0, i);
  }
}

Deno.test("HLL keyspace events and dirty counts match redis-server", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const [re, he] = await Promise.all([
    Events.open(pair.redisProc.port),
    Events.open(pair.hakvProc.port),
  ]);
  try {
    await pair.same("FLUSHALL");
    await pair.same("CONFIG SET notify-keyspace-events KEA");
    await Promise.all([re.take(pair.redis), he.take(pair.hakv)]);
    const cmds: Cmd[] = [
      "PFADD h a b c",
      "PFADD h a",
      "PFADD h",
      "PFADD e",
      "PFCOUNT h",
      "PFCOUNT h",
      "PFCOUNT h e",
      "PFMERGE m h e",
      "PFMERGE m",
      "PFMERGE n",
      pfadd("h", "x", 0, 2000),
      "PFDEBUG TODENSE m",
      "PFDEBUG TODENSE m",
      "PFDEBUG GETREG e",
      "SET s x",
      "PFADD s a",
      "PFMERGE s h",
    ];
    for (const cmd of cmds) {
      const [d0r, d0h] = await Promise.all([dirty(pair.redis), dirty(pair.hakv)]);
      await pair.same(cmd);
      const [d1r, d1h] = await Promise.all([dirty(pair.redis), dirty(pair.hakv)]);
      const [er, eh] = await Promise.all([re.take(pair.redis), he.take(pair.hakv)]);
      const label = typeof cmd === "string" ? cmd : cmd.slice(0, 3).join(" ");
      assert.deepEqual(eh, er, `events of ${label}`);
      assert.equal(d1h - d0h, d1r - d0r, `dirty count of ${label}`);
    }
  } finally {
    re.client.close();
    he.client.close();
  }
});
