// What a master writes into its replication stream, compared with redis-server 7.0's. A fake
// replica (a raw socket: PSYNC, skip the image, decode the command stream) is attached to both a
// spawned hakv and a spawned redis-server; each scenario step runs on both masters and the
// commands each stream carried for it are compared. Effects that depend on time or randomness
// must reach replicas as their outcome (PEXPIREAT, SET ... PXAT, SREM, LPOP...), never as sent.
import assert from "node:assert/strict";
import { decodeFrame, RespError, type RespValue } from "../src/resp/mod.ts";
import { requireTool, type RespClient, spawnHakv, spawnRedis } from "./_harness.ts";

const latin1 = new TextDecoder("latin1");
const ascii = new TextEncoder();

/** A socket that announced itself as a replica and now reads the master's command stream. */
class FakeReplica {
  #buf = new Uint8Array(0);
  readonly #conn: Deno.TcpConn;
  #ack: ReturnType<typeof setInterval> | undefined;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  /** REPLCONF capa eof, PSYNC ? -1, the image skipped, then REPLCONF ACKs until closed. */
  static async attach(port: number): Promise<FakeReplica> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const r = new FakeReplica(conn);
    await r.#send(["REPLCONF", "capa", "eof", "capa", "psync2"]);
    assert.equal(await r.#line(), "+OK");
    await r.#send(["PSYNC", "?", "-1"]);
    assert.match(await r.#line(), /^\+FULLRESYNC [0-9a-f]{40} \d+$/);
    const header = await r.#line();
    if (header.startsWith("$EOF:")) {
      const mark = ascii.encode(header.slice(5));
      for (;;) {
        const at = indexOf(r.#buf, mark);
        if (at >= 0) {
          r.#buf = r.#buf.subarray(at + mark.length);
          break;
        }
        await r.#fill();
      }
    } else {
      const length = Number(header.slice(1));
      while (r.#buf.length < length) await r.#fill();
      r.#buf = r.#buf.subarray(length);
    }
    // Redis starts the stream on the first ACK after the image; keep acknowledging.
    r.#ack = setInterval(() => r.#send(["REPLCONF", "ACK", "0"]).catch(() => {}), 50);
    return r;
  }

  async #send(args: string[]): Promise<void> {
    let s = `*${args.length}\r\n`;
    for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
    await this.#conn.write(ascii.encode(s));
  }

  async #fill(): Promise<void> {
    const chunk = new Uint8Array(65536);
    const n = await this.#conn.read(chunk);
    if (n === null) throw new Error("the master closed the replication link");
    const joined = new Uint8Array(this.#buf.length + n);
    joined.set(this.#buf);
    joined.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = joined;
  }

  /** One line, skipping the bare newlines a master sends while it prepares the image. */
  async #line(): Promise<string> {
    for (;;) {
      const i = this.#buf.indexOf(10);
      if (i < 0) {
        await this.#fill();
        continue;
      }
      const line = latin1.decode(this.#buf.subarray(0, i)).replace(/\r$/, "");
      this.#buf = this.#buf.subarray(i + 1);
      if (line !== "") return line;
    }
  }

  /** The next command of the stream (binary strings). */
  async next(): Promise<string[]> {
    for (;;) {
      if (this.#buf.length > 0) {
        const d = decodeFrame(this.#buf);
        if (d.length >= 0) {
          this.#buf = this.#buf.subarray(d.length);
          return d.value as string[];
        }
      }
      await this.#fill();
    }
  }

  close(): void {
    clearInterval(this.#ack);
    this.#conn.close();
  }
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** A master with a fake replica attached and a client to drive it. */
interface Master {
  c: RespClient;
  replica: FakeReplica;
}

async function attach(c: RespClient, port: number): Promise<Master> {
  await c.call("FLUSHALL");
  const replica = await FakeReplica.attach(port);
  return { c, replica };
}

const MARK = "__stream_mark__";

/**
 * Everything the stream carried since the last call: a marker write is sent and the stream is
 * read up to it. PINGs and SELECTs (their placement is the stream's business) are dropped.
 */
async function drain(m: Master): Promise<string[][]> {
  await m.c.call("SET", MARK, "1");
  const out: string[][] = [];
  for (;;) {
    const cmd = await m.replica.next();
    if (cmd[0] === "SET" && cmd[1] === MARK) return out;
    const name = cmd[0]!.toUpperCase();
    if (name !== "PING" && name !== "SELECT") out.push(cmd);
  }
}

async function reply(c: RespClient, args: string[]): Promise<RespValue> {
  try {
    return await c.call(...args);
  } catch (e) {
    if (e instanceof RespError) return e;
    throw e;
  }
}

/** Runs one command and returns its reply and what it propagated. */
async function step(m: Master, args: string[]): Promise<[RespValue, string[][]]> {
  const r = await reply(m.c, args);
  return [r, await drain(m)];
}

/** Absolute unix-ms times (now-ish) differ between the two masters by the time between runs. */
function isNowish(s: string): boolean {
  if (!/^\d{13}$/.test(s)) return false;
  return Math.abs(Number(s) - Date.now()) < 10 * 365 * 86_400_000;
}

/** Streams equal, times of now-ish values within a few seconds of each other. */
function sameStream(label: string, redis: string[][], hakv: string[][]): void {
  const show = (s: string[][]) => s.map((c) => c.join(" ")).join(" | ");
  const msg = `${label}\n  redis: ${show(redis)}\n  hakv:  ${show(hakv)}`;
  assert.equal(hakv.length, redis.length, msg);
  for (let i = 0; i < redis.length; i++) {
    const a = redis[i]!;
    const b = hakv[i]!;
    assert.equal(b.length, a.length, msg);
    for (let j = 0; j < a.length; j++) {
      if (isNowish(a[j]!) && isNowish(b[j]!)) {
        assert.ok(Math.abs(Number(a[j]) - Number(b[j])) < 5000, msg);
      } else assert.equal(b[j], a[j], msg);
    }
  }
}

function errorOrValue(r: RespValue): unknown {
  return r instanceof RespError ? `ERR:${r.message}` : r;
}

/** Runs `script` on both masters, one step at a time, and compares replies and streams. */
async function differential(script: string[][], masters: [Master, Master]): Promise<void> {
  const [redis, hakv] = masters;
  for (const args of script) {
    const [ra, rs] = await step(redis, args);
    const [ha, hs] = await step(hakv, args);
    const label = args.map((a) => a.length > 40 ? `<${a.length} bytes>` : a).join(" ");
    assert.deepEqual(errorOrValue(ha), errorOrValue(ra), `reply of ${label}`);
    sameStream(label, rs, hs);
  }
}

async function withMasters(fn: (m: [Master, Master]) => Promise<void>): Promise<void> {
  const debug = ["--enable-debug-command", "yes"];
  await using redis = await spawnRedis(["--repl-diskless-sync-delay", "0", ...debug]);
  await using hakv = await spawnHakv(debug);
  await using rc = await redis.client();
  await using hc = await hakv.client();
  const masters: [Master, Master] = [await attach(rc, redis.port), await attach(hc, hakv.port)];
  try {
    await fn(masters);
  } finally {
    for (const m of masters) m.replica.close();
  }
}

const s = (line: string): string[] => line.split(" ");

const EXPIRES = [
  "SET k v",
  "EXPIRE k 100",
  "PEXPIRE k 100000",
  "EXPIRE k 200 GT",
  "EXPIRE k 100 GT",
  "PEXPIRE k 50000 lt",
  "EXPIREAT k 99999999999",
  "PEXPIREAT k 99999999999000",
  "PEXPIREAT k 99999999998000 XX",
  "PERSIST k",
  "PERSIST k",
  "EXPIRE k 100 NX",
  "EXPIRE k 100 NX",
  "EXPIREAT k 1",
  "EXPIRE nokey 100",
  "SET k v",
  "EXPIRE k -1",
  "SET k v",
  "EXPIRE k 0",
  "SET k v",
  "PEXPIREAT k 1",
  "SET k v",
  "EXPIRE k abc",
  "EXPIRE k 100 XX NX",
].map(s);

const SETS = [
  "SETEX k 100 v",
  "PSETEX k 100000 v",
  "SET k v EX 100",
  "SET k v PX 100000",
  "SET k v EXAT 99999999999",
  "SET k v PXAT 99999999999000",
  "SET k v pxat 99999999999000 xx",
  "SET k v PXAT 99999999999000 GET",
  "SET k v KEEPTTL",
  "SET k v EXAT 1",
  "SET k v XX GET",
  "SET k v XX KEEPTTL GET",
  "SET k v GET GET",
  "SET k v EX 100 get GET",
  "SET k v NX GET",
  "SET k2 v NX GET",
  "SET k v NX EX 100",
  "SET k v XX EX 100",
  "SETEX k 0 v",
  "PSETEX k -1 v",
  "SET k v EX 0",
  "SETNX k3 v",
  "GETSET k v2",
  "GETSET k v2",
  "GETEX k EX 100",
  "GETEX k PX 100000",
  "GETEX k EXAT 99999999999",
  "GETEX k PXAT 99999999999000",
  "GETEX k PERSIST",
  "GETEX k PERSIST",
  "GETEX k",
  "GETEX k EX 0",
  "GETEX k EXAT 1",
  "GETEX nokey EX 10",
  "SET g v",
  "GETDEL g",
  "GETDEL g",
  "SET f 10.5",
  "INCRBYFLOAT f 0.1",
  "SET f 3 EX 100",
  "INCRBYFLOAT f 1e3",
  "INCRBYFLOAT f 0",
  "INCRBYFLOAT f abc",
  "HSET h x 1",
  "HINCRBYFLOAT h x 1.5",
  "HINCRBYFLOAT h y 2",
  "HINCRBYFLOAT h x 0",
  "HINCRBYFLOAT h x abc",
].map(s);

const POPS = [
  "RPUSH l a b c d e f",
  "LMPOP 1 l LEFT COUNT 2",
  "LMPOP 2 nol l RIGHT",
  "lmpop 1 l left count 10",
  "LMPOP 1 l LEFT",
  "RPUSH l a b c d e f",
  "BLPOP l 0",
  "BRPOP nol l 1",
  "BLMOVE l l2 LEFT RIGHT 1",
  "blmove l l2 left right 1",
  "BLMOVE l l2 Left Right 1",
  "BRPOPLPUSH l2 l3 1",
  "BLMPOP 1 1 l3 LEFT COUNT 10",
  "BLPOP nol 0.01",
  "BLMOVE nol l 0 0.01",
  "SET str v",
  "BLMOVE l str LEFT LEFT 1",
  "ZADD z 1 a 2 b 3 c 4 d 5 e 6 f",
  "ZMPOP 1 z MIN COUNT 2",
  "ZMPOP 2 noz z MAX",
  "ZMPOP 1 z MAX COUNT 10",
  "ZMPOP 1 z MAX",
  "ZADD z 1 a 2 b 3 c 4 d",
  "BZPOPMIN z 1",
  "BZPOPMAX noz z 1",
  "BZMPOP 1 1 z MIN COUNT 1",
  "BZMPOP 1 1 z MAX COUNT 5",
  "BZPOPMIN z 0.01",
].map(s);

const OTHERS = [
  "SADD s a b",
  "SMOVE s s2 a",
  "SMOVE s s2 zz",
  "SMOVE s2 s2 a",
  "SET g v",
  "COPY g g2",
  "COPY g g2",
  "MOVE g2 1",
  "RENAME g g3",
  "RENAME g3 g3",
  "RENAMENX g3 g4",
  "PFADD hl a b c",
  "PFCOUNT hl",
  "PFCOUNT hl",
  "PFADD hl a",
  "PFADD hl d",
  "PFCOUNT hl",
  "PFADD hl2 x",
  "PFCOUNT hl hl2",
  "PFMERGE hl3 hl hl2",
  "RPUSH sl 3 1 2",
  "SORT sl STORE sd",
  "SORT sl LIMIT 0 0 STORE sd",
  "SORT nolist STORE sd",
  "SWAPDB 0 1",
  "SWAPDB 0 1",
  "SETRANGE g 0 x",
  "SETRANGE nok 0 x",
  "LTRIM sl 0 -1",
  "LREM sl 0 zz",
  "SREM s zz",
  "HDEL h zz",
  "ZADD z 1 a",
  "ZADD z 1 a",
  "DEL nokey",
  "SINTERSTORE dst nos1 nos2",
  "FLUSHDB",
  "SET a 1",
  "FLUSHALL",
].map(s);

Deno.test("expiries propagate as absolute times, past ones as DEL", async () => {
  if (!requireTool("redis-server")) return;
  await withMasters((m) => differential(EXPIRES, m));
});

Deno.test("SET/GETEX/GETDEL/INCRBYFLOAT/HINCRBYFLOAT propagate their outcome", async () => {
  if (!requireTool("redis-server")) return;
  await withMasters((m) => differential(SETS, m));
});

Deno.test("LMPOP, ZMPOP and blocking pops served at once propagate plain pops", async () => {
  if (!requireTool("redis-server")) return;
  await withMasters((m) => differential(POPS, m));
});

Deno.test("other writes propagate as sent; no-ops and failures propagate nothing", async () => {
  if (!requireTool("redis-server")) return;
  await withMasters((m) => differential(OTHERS, m));
});

Deno.test("lazyfree settings choose UNLINK for deletions they cover", async () => {
  if (!requireTool("redis-server")) return;
  const script = [
    "CONFIG SET lazyfree-lazy-user-del yes",
    "SET e v",
    "GETDEL e",
    "SET e v",
    "EXPIRE e 0",
    "CONFIG SET lazyfree-lazy-user-del no",
    "CONFIG SET lazyfree-lazy-expire yes",
    "SET e v",
    "GETDEL e",
    "SET e v",
    "EXPIRE e 0",
    "SET e v",
    "GETEX e PXAT 1",
    "SADD s a",
    "SPOP s 5",
    "CONFIG SET lazyfree-lazy-expire no",
  ].map(s);
  await withMasters((m) => differential(script, m));
});

Deno.test("RESTORE propagates a relative TTL as ABSTTL and a past one as DEL", async () => {
  if (!requireTool("redis-server")) return;
  await withMasters(async (m) => {
    const dumps: string[] = [];
    for (const master of m) {
      await master.c.call("SET", "src", "v");
      dumps.push(String(await master.c.call("DUMP", "src")));
      await drain(master);
    }
    // Both servers produce the same payload for the same value.
    assert.equal(dumps[1], dumps[0]);
    const d = dumps[0]!;
    await differential([
      ["RESTORE", "r", "100000", d],
      ["RESTORE", "r", "100000", d],
      ["RESTORE", "r", "100000", d, "REPLACE"],
      ["RESTORE", "r", "0", d, "REPLACE"],
      ["RESTORE", "r", "99999999999000", d, "REPLACE", "ABSTTL"],
      ["RESTORE", "r", "1", d, "REPLACE", "ABSTTL"],
      ["RESTORE", "r2", "1", d, "ABSTTL"],
      ["RESTORE", "r", "100000", d, "REPLACE", "IDLETIME", "10"],
      ["RESTORE", "r", "-1", d, "REPLACE"],
    ], m);
  });
});

/** Drops the MULTI/EXEC around a command's several effects (see the ignored test below). */
function unwrapped(stream: string[][]): string[][] {
  return stream.filter((c) => c[0] !== "MULTI" && c[0] !== "EXEC");
}

Deno.test("SPOP propagates SREM of each popped member, or DEL when it empties the set", async () => {
  if (!requireTool("redis-server")) return;
  await withMasters(async (masters) => {
    for (const m of masters) {
      const big: string[] = [];
      for (let i = 0; i < 300; i++) big.push(`m${i}`);
      const sets: [string, string[]][] = [["ints", ["1", "2", "3", "4", "5", "6", "7"]], [
        "big",
        big,
      ]];
      for (const [key, members] of sets) {
        await step(m, ["SADD", key, ...members]);
        const [one, s1] = await step(m, ["SPOP", key]);
        assert.deepEqual(s1, [["SREM", key, one]]);
        for (const count of ["2", "1", "0"]) {
          const [popped, s2] = await step(m, ["SPOP", key, count]);
          const want = (popped as string[]).map((x) => ["SREM", key, x]);
          assert.deepEqual(unwrapped(s2), want);
        }
        const [rest, s3] = await step(m, ["SPOP", key, "100000"]);
        assert.ok((rest as string[]).length > 0);
        assert.deepEqual(s3, [["DEL", key]]);
        assert.deepEqual(await step(m, ["SPOP", key]), [null, []]);
      }
    }
  });
});

Deno.test("blocking pops served after a wait propagate the pop they became", async () => {
  if (!requireTool("redis-server")) return;
  const cases: [string, string[]][] = [
    ["BLPOP l 0", ["RPUSH l a b"]],
    ["BRPOP l2 x 0", ["RPUSH x a b"]],
    ["BLMOVE m m2 RIGHT LEFT 0", ["RPUSH m a b"]],
    ["BLMOVE s s LEFT RIGHT 0", ["RPUSH s a b"]],
    ["BRPOPLPUSH n n2 0", ["LPUSH n a"]],
    ["BLMPOP 0 2 q q2 RIGHT COUNT 5", ["RPUSH q2 a b c"]],
    ["BLMPOP 0 1 q3 LEFT", ["RPUSH q3 a b c"]],
    ["BZPOPMIN z 0", ["ZADD z 1 a 2 b"]],
    ["BZPOPMAX z2 0", ["ZADD z2 1 a 2 b"]],
    ["BZMPOP 0 1 z3 MIN COUNT 5", ["ZADD z3 1 a 2 b"]],
    ["BZMPOP 0 1 z4 MAX", ["ZADD z4 1 a 2 b"]],
    ["BLPOP v 0", ["MULTI", "RPUSH v a", "SET x 1", "EXEC"]],
    ["BLMOVE w str LEFT LEFT 0", ["SET str v", "RPUSH w a"]],
  ];
  await using redis = await spawnRedis(["--repl-diskless-sync-delay", "0"]);
  await using hakv = await spawnHakv();
  const streams: string[][][][] = [];
  for (const proc of [redis, hakv]) {
    await using c = await proc.client();
    await using blocked = await proc.client();
    await blocked.call("SELECT", "3");
    await c.call("SELECT", "3");
    const m = await attach(c, proc.port);
    const out: string[][][] = [];
    try {
      for (const [wait, then] of cases) {
        const pending = reply(blocked, s(wait));
        // Until the client is parked, the push would be served at once.
        for (let i = 0; i < 200; i++) {
          const list = String(await c.call("CLIENT", "LIST"));
          if (/cmd=(blpop|brpop|blmove|brpoplpush|blmpop|bzpopmin|bzpopmax|bzmpop) /.test(list)) {
            break;
          }
          await new Promise((r) => setTimeout(r, 5));
        }
        for (const line of then) await c.call(...s(line));
        await pending;
        out.push(await drain(m));
      }
    } finally {
      m.replica.close();
    }
    streams.push(out);
  }
  for (let i = 0; i < cases.length; i++) {
    sameStream(`${cases[i]![0]} <- ${cases[i]![1].join("; ")}`, streams[0]![i]!, streams[1]![i]!);
  }
});

// Redis 7.0 sends the several commands one command propagates (SPOP's SREMs, the DEL of a key
// found expired and the write that follows it) as one MULTI/EXEC; so does hakv.
Deno.test({
  name: "a command propagating several commands wraps them in MULTI/EXEC",
  async fn() {
    await withMasters(async (m) => {
      // Only a lookup finds the key expired (no active expiry), inside SET's own propagation.
      await differential([s("DEBUG SET-ACTIVE-EXPIRE 0"), s("SET k v PX 1")], m);
      await new Promise((r) => setTimeout(r, 20));
      await differential([s("SET k v2 NX"), s("DEBUG SET-ACTIVE-EXPIRE 1")], m);
      for (const master of m) {
        await step(master, s("SADD t 1 2 3 4 5 6 7 8 9"));
        const [, stream] = await step(master, s("SPOP t 3"));
        assert.deepEqual(stream[0], ["MULTI"]);
        assert.deepEqual(stream.at(-1), ["EXEC"]);
        assert.equal(stream.length, 5);
      }
    });
  },
});
