// Keyspace notifications, differentially: a hakv and a redis-server 7.0 run the same command
// sequences while a RESP3 subscriber on each listens to every __keyspace@*__ / __keyevent@*__
// channel; after each command the events received, the reply and the change in
// rdb_changes_since_last_save (dirty count) must be identical. Plus notify-keyspace-events
// parsing (CONFIG SET / GET round trips and errors) and the cost-free disabled path.
//
// Each data-type family adds its sequences to SEQUENCES (one entry per family or scenario).
// Active expiry is off during the run: keys whose TTL passed expire when a command touches them.
import assert from "node:assert/strict";
import { type Cmd, DiffPair, norm, show } from "./_diff.ts";
import { errorText, InProcess, requireTool, RespClient, type RespValue } from "./_harness.ts";
import { encodeCommand } from "../src/resp/mod.ts";
import { rng } from "../src/_util/rng.ts";

interface Sequence {
  name: string;
  /** notify-keyspace-events for this sequence (default KEA). */
  flags?: string;
  cmds: Cmd[];
}

/** Keyspace-event scenarios; families append theirs. FLUSHALL runs before each. */
export const SEQUENCES: Sequence[] = [
  {
    name: "strings: SET and its options",
    cmds: [
      "SET a 1",
      "SET a 2 NX",
      "SET a 3 XX",
      "SET a 4 GET",
      "SET nx 1 XX",
      "SET b 1 EX 100",
      "SET b 1 PX 100000 GET",
      "SET b 2 KEEPTTL",
      "SET c 1 EXAT 99999999999",
      "SET c 1 PXAT 99999999999999",
      "SET a 1 EX 0",
      "SET a 1 NX GET",
      "SETNX d 1",
      "SETNX d 2",
      "SETEX e 100 x",
      "PSETEX f 100000 x",
      "SETEX e 0 x",
      "GETSET a 5",
      "GETSET nokey 5",
    ],
  },
  {
    name: "strings: MSET, MSETNX, GETDEL, GETEX",
    cmds: [
      "MSET m1 1 m2 2 m1 3",
      "MSETNX n1 1 n2 2",
      "MSETNX n2 1 n3 2",
      "GETDEL m1",
      "GETDEL m1",
      "GETEX m2",
      "GETEX m2 EX 100",
      "GETEX m2 PX 100000",
      "GETEX m2 EXAT 99999999999",
      "GETEX m2 PERSIST",
      "GETEX m2 PERSIST",
      "GETEX m2 PXAT 1",
      "GETEX nokey EX 10",
      "SET g 1",
      "GETEX g EXAT 1",
    ],
  },
  {
    name: "strings: counters, APPEND, SETRANGE",
    cmds: [
      "INCR i",
      "DECR i",
      "INCRBY i 10",
      "DECRBY i 3",
      "INCRBY i 0",
      "INCRBYFLOAT f 1.5",
      "INCRBYFLOAT f 0",
      "INCRBYFLOAT i 1e400",
      "SET s abc",
      "INCR s",
      "APPEND s def",
      "APPEND s2 x",
      ["APPEND", "s2", ""],
      "SETRANGE s 1 XY",
      ["SETRANGE", "s", "1", ""],
      ["SETRANGE", "nokey", "3", ""],
      "SETRANGE r 3 hi",
      "STRLEN s",
      "GET s",
    ],
  },
  {
    name: "bitmaps: SETBIT, BITFIELD, BITOP",
    cmds: [
      "SETBIT b 7 1",
      "SETBIT b 7 1",
      "SETBIT b 7 0",
      "SETBIT b 3 0",
      "SETBIT b 100 0",
      "SETBIT nb 0 0",
      ["SET", "e", ""],
      "SETBIT e 0 0",
      "BITFIELD bf SET u8 0 0",
      "BITFIELD bf SET u8 0 0",
      "BITFIELD bf SET u8 0 7 GET u8 0",
      "BITFIELD bf INCRBY u8 0 0",
      "BITFIELD bf INCRBY u8 0 1",
      "BITFIELD bf SET i8 0 -1 SET i8 0 8",
      "BITFIELD bf OVERFLOW FAIL INCRBY u8 0 1000",
      "BITFIELD bf GET u8 0",
      "BITFIELD bf SET u8 64 0",
      "BITFIELD_RO bf GET u8 0",
      "BITOP AND d b bf",
      "BITOP OR d nokey1 nokey2",
      "BITOP OR d nokey1 nokey2",
      "BITOP NOT d2 b",
    ],
  },
  {
    name: "keys: DEL, UNLINK, EXPIRE family, PERSIST",
    cmds: [
      "MSET a 1 b 2 c 3",
      "DEL a nokey b",
      "UNLINK c a",
      "SET k v",
      "EXPIRE k 100",
      "EXPIRE k 200 NX",
      "EXPIRE k 200 XX",
      "EXPIRE k 50 GT",
      "EXPIRE k 50 LT",
      "PEXPIRE k 100000",
      "EXPIREAT k 99999999999",
      "PEXPIREAT k 99999999999999",
      "PERSIST k",
      "PERSIST k",
      "EXPIRE k 100 XX",
      "EXPIRE nokey 100",
      "EXPIRE k -1",
      "SET k v",
      "PEXPIRE k 0",
      "SET k v",
      "EXPIREAT k 1",
      "SET k v",
      "PEXPIREAT k 1",
      "TOUCH k nokey",
    ],
  },
  {
    name: "keys: RENAME, RENAMENX, COPY, MOVE",
    cmds: [
      "SET a 1",
      "RENAME a b",
      "RENAME b b",
      "RENAME nokey x",
      "SET c 3",
      "RENAME b c",
      "SET a 1",
      "RENAMENX a c",
      "RENAMENX a d",
      "SET t 1 EX 100",
      "RENAME t t2",
      "COPY d e",
      "COPY d e",
      "COPY d e REPLACE",
      "COPY d e DB 1",
      "COPY d e DB 1",
      "COPY nokey f",
      "MOVE e 2",
      "MOVE e 2",
      "MOVE d 1",
      "SELECT 1",
      "SET x 1",
      "RENAME x y",
      "DEL y d",
      "SELECT 0",
    ],
  },
  {
    name: "expired keys",
    cmds: [
      "SET x 1 PXAT 1",
      "GET x",
      "SET y 1 EX 100",
      "PEXPIRE y 1",
      "DEBUG SLEEP 0.01",
      "EXISTS y",
      "SET z 1 PX 1",
      "DEBUG SLEEP 0.01",
      "SET z 2 KEEPTTL",
      "GET z",
      "SET w 1 PX 1",
      "DEBUG SLEEP 0.01",
      "SET w 2 EX 100",
      "SETEX w 100 3",
      "INCR w",
      "SET v 1 PX 1",
      "DEBUG SLEEP 0.01",
      "SET v 2",
      "MSET v 3 u 1",
      "PEXPIRE u 1",
      "DEBUG SLEEP 0.01",
      "MSET u 2",
    ],
  },
  {
    name: "new keys and key misses (flags n and m)",
    flags: "KEA",
    cmds: [
      "CONFIG SET notify-keyspace-events KEnm",
      "SET a 1",
      "SET a 2",
      "GET a",
      "GET nokey",
      "MGET a nokey2",
      "INCR counter",
      "APPEND s x",
      "STRLEN nokey",
      "EXISTS nokey",
      "CONFIG SET notify-keyspace-events KEA",
    ],
  },
  {
    name: "server: FLUSHDB, FLUSHALL, SWAPDB report no events",
    cmds: [
      "SET a 1",
      "SELECT 1",
      "SET b 1",
      "SELECT 0",
      "SWAPDB 0 1",
      "SWAPDB 0 0",
      "FLUSHDB",
      "SELECT 1",
      "FLUSHDB",
      "SELECT 0",
      "SET a 1",
      "FLUSHALL",
    ],
  },
  {
    name: "only keyspace events for strings",
    flags: "K$",
    cmds: ["SET a 1", "DEL a", "INCR n", "EXPIRE n 100", "APPEND n 1"],
  },
  {
    name: "only keyevent events for generic commands and expiry",
    flags: "Egx",
    cmds: ["SET a 1", "RENAME a b", "EXPIRE b 100", "SET c 1 PXAT 1", "GET c", "DEL b"],
  },
  {
    name: "classes without K or E publish nothing",
    flags: "A",
    cmds: ["SET a 1", "DEL a"],
  },
  {
    name: "lists: pushes, pops, moves and edits",
    cmds: [
      "RPUSH l a b c d",
      "LPUSH l z",
      "LPUSHX l y",
      "RPUSHX nol y",
      "LPOP l",
      "RPOP l 2",
      "LSET l 0 q",
      "LINSERT l BEFORE q p",
      "LINSERT l AFTER nothere x",
      "LREM l 0 p",
      "LREM l 0 nothere",
      "LTRIM l 0 -1",
      "RPUSH src 1 2",
      "LMOVE src dst LEFT RIGHT",
      "RPOPLPUSH src dst",
      "LMPOP 2 nol dst RIGHT COUNT 5",
      "BLPOP l 0.01",
      "BRPOP nol 0.01",
      "LPOP l",
    ],
  },
  {
    name: "hashes: writes, increments and deletes",
    cmds: [
      "HSET h a 1 b 2",
      "HSET h a 1",
      "HSETNX h a 2",
      "HSETNX h c 3",
      "HMSET h d 4",
      "HINCRBY h a 5",
      "HINCRBYFLOAT h b 1.5",
      "HDEL h nothere",
      "HDEL h a b",
      "HDEL h c d",
    ],
  },
  {
    name: "sets: adds, removes, moves and stores",
    cmds: [
      "SADD s 1 2 3 a",
      "SADD s 1",
      "SREM s 9",
      "SREM s 1",
      "SMOVE s t 2",
      "SMOVE s t 99",
      "SADD u 3 4",
      "SINTERSTORE i s u",
      "SUNIONSTORE un s t",
      "SDIFFSTORE d s u",
      "SINTERSTORE i nothere s",
      "SREM s a",
      "SPOP s",
      "SPOP u 5",
    ],
  },
  {
    name: "sorted sets: adds, increments, range removals, pops and stores",
    cmds: [
      "ZADD z 1 a 2 b 3 c 4 d",
      "ZADD z 1 a",
      "ZADD z XX CH 5 a",
      "ZADD z INCR 1 b",
      "ZINCRBY z 2 c",
      "ZREM z nothere",
      "ZREM z a",
      "ZADD z 6 e 7 f 8 g",
      "ZREMRANGEBYRANK z 0 0",
      "ZREMRANGEBYSCORE z 5 5",
      "ZREMRANGEBYLEX z - (b",
      "ZPOPMIN z",
      "ZPOPMAX z 1",
      "ZADD y 1 a 2 b",
      "ZUNIONSTORE u 2 y z",
      "ZINTERSTORE i 2 y z",
      "ZDIFFSTORE d 1 y",
      "ZRANGESTORE r y 0 -1",
      "ZINTERSTORE i 2 y nothere",
      "ZMPOP 1 y MIN COUNT 9",
      "BZPOPMIN z 0.01",
    ],
  },
  {
    name: "HyperLogLog and SORT STORE",
    cmds: [
      "PFADD hll a b c",
      "PFADD hll a",
      "PFCOUNT hll",
      "PFMERGE m hll",
      "RPUSH l 3 1 2",
      "SORT l STORE sorted",
      "SORT nothere STORE sorted",
    ],
  },
];

/** A seeded random mix of string and key commands over a few keys in two databases. */
function randomMix(seed: number, count: number): Cmd[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const keys = ["a", "b", "c", "d"];
  const k = () => pick(keys);
  const n = () => String(Math.floor(rand() * 20) - 5);
  const makers: (() => Cmd)[] = [
    () => `SET ${k()} ${n()}`,
    () => `SET ${k()} ${n()} ${pick(["NX", "XX", "GET", "KEEPTTL", "EX 100", "PX 100000"])}`,
    () => `SETNX ${k()} ${n()}`,
    () => `MSET ${k()} ${n()} ${k()} ${n()}`,
    () => `MSETNX ${k()} ${n()} ${k()} ${n()}`,
    () => `GETSET ${k()} ${n()}`,
    () => `GETDEL ${k()}`,
    () => `GETEX ${k()} ${pick(["EX 100", "PERSIST", "PXAT 1", ""])}`.trim(),
    () => `APPEND ${k()} ${n()}`,
    () => `INCR ${k()}`,
    () => `INCRBY ${k()} ${n()}`,
    () => `INCRBYFLOAT ${k()} 0.5`,
    () => `SETRANGE ${k()} ${Math.floor(rand() * 4)} x`,
    () => `SETBIT ${k()} ${Math.floor(rand() * 16)} ${pick(["0", "1"])}`,
    () => `BITFIELD ${k()} SET u4 ${Math.floor(rand() * 8)} ${Math.floor(rand() * 3)}`,
    () => `BITOP ${pick(["AND", "OR", "XOR"])} ${k()} ${k()} ${k()}`,
    () => `DEL ${k()} ${k()}`,
    () => `UNLINK ${k()}`,
    () => `EXPIRE ${k()} ${pick(["100", "-1", "200 GT", "50 LT", "100 NX", "100 XX"])}`,
    () => `PERSIST ${k()}`,
    () => `RENAME ${k()} ${k()}`,
    () => `RENAMENX ${k()} ${k()}`,
    () => `COPY ${k()} ${k()} ${pick(["", "REPLACE", "DB 1", "DB 1 REPLACE"])}`.trim(),
    () => `MOVE ${k()} ${pick(["0", "1"])}`,
    () => `SELECT ${pick(["0", "1"])}`,
    () => `SWAPDB 0 1`,
  ];
  return Array.from({ length: count }, () => pick(makers)());
}

SEQUENCES.push(
  { name: "random string/key mix, seed 1", cmds: randomMix(1, 300) },
  { name: "random string/key mix, seed 2", cmds: randomMix(2, 300) },
);

/** A RESP3 subscriber to every keyspace channel on one server. */
class Tap {
  readonly events: string[] = [];
  #waiting: (() => void) | null = null;

  private constructor(readonly client: RespClient) {
    client.onPush = (p) => {
      const [kind, ...rest] = p as string[];
      if (kind === "pmessage") this.events.push(`${rest[1]} ${rest[2]}`);
      this.#waiting?.();
    };
  }

  static async open(port: number): Promise<Tap> {
    const client = await RespClient.connect({ port });
    await client.call("HELLO", "3");
    const tap = new Tap(client);
    await client.write(encodeCommand(["PSUBSCRIBE", "__key*@*__:*"]));
    // The confirmation is a push too; a PING reply then proves it was processed.
    await client.call("PING");
    return tap;
  }

  /** Events up to a marker published after everything sent so far. */
  async collect(publisher: RespClient): Promise<string[]> {
    const mark = `__keyevent@99__:mark ${Math.random()}`;
    const [channel, message] = mark.split(" ") as [string, string];
    await publisher.call("PUBLISH", channel, message);
    while (!this.events.includes(mark)) {
      await new Promise<void>((r) => (this.#waiting = r));
    }
    const i = this.events.indexOf(mark);
    return this.events.splice(0, i + 1).slice(0, i);
  }

  close(): void {
    this.client.close();
  }
}

async function dirty(c: RespClient): Promise<number> {
  const info = await c.call("INFO", "persistence") as string;
  return Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
}

function argsText(cmd: Cmd): string {
  return typeof cmd === "string" ? cmd : show(cmd);
}

Deno.test("keyspace events and dirty counts match redis-server", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start(["--enable-debug-command", "yes"]);
  const [rtap, htap] = await Promise.all([
    Tap.open(pair.redisProc.port),
    Tap.open(pair.hakvProc.port),
  ]);
  try {
    // Keys whose TTL passed expire when touched, not whenever a cycle runs: events stay
    // attached to the command that caused them on both servers.
    await pair.same("DEBUG SET-ACTIVE-EXPIRE 0");
    for (const seq of SEQUENCES) {
      await pair.same(["CONFIG", "SET", "notify-keyspace-events", ""], seq.name);
      await pair.same("FLUSHALL", seq.name);
      await pair.same("SELECT 0", seq.name);
      await pair.same(["CONFIG", "SET", "notify-keyspace-events", seq.flags ?? "KEA"], seq.name);
      await Promise.all([rtap.collect(pair.redis), htap.collect(pair.hakv)]);
      for (const cmd of seq.cmds) {
        const where = `${seq.name}: ${argsText(cmd)}`;
        const [d0r, d0h] = await Promise.all([dirty(pair.redis), dirty(pair.hakv)]);
        await pair.same(cmd, seq.name);
        const [d1r, d1h] = await Promise.all([dirty(pair.redis), dirty(pair.hakv)]);
        const [er, eh] = await Promise.all([
          rtap.collect(pair.redis),
          htap.collect(pair.hakv),
        ]);
        assert.deepEqual(eh, er, `events of ${where}`);
        assert.equal(d1h - d0h, d1r - d0r, `dirty count of ${where}`);
      }
    }
  } finally {
    rtap.close();
    htap.close();
  }
});

Deno.test("notify-keyspace-events round-trips through CONFIG SET / GET as in redis-server", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  const values = [
    "",
    "KEA",
    "AKE",
    "EKA",
    "K",
    "E",
    "A",
    "g$lshzxetd",
    "g$lshzxetdKE",
    "Ag",
    "Am",
    "An",
    "nKE",
    "mnK",
    "xeE",
    "$K",
    "lz",
    "KEAq",
    "k",
    "KEA ",
    "tdmn",
  ];
  for (const v of values) {
    await pair.same(["CONFIG", "SET", "notify-keyspace-events", v], v);
    await pair.same(["CONFIG", "GET", "notify-keyspace-events"], v);
  }
  const r = await pair.hakv.call("CONFIG", "SET", "notify-keyspace-events", "Z") as RespValue;
  assert.equal(
    errorText(r),
    "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
  );
  assert.deepEqual(
    norm(r),
    norm(await pair.redis.call("CONFIG", "SET", "notify-keyspace-events", "Z")),
  );
});

Deno.test("events reach in-process subscribers on every database's channels", async () => {
  await using t = new InProcess();
  const sub = t.client();
  await t.runAs(sub, "PSUBSCRIBE", "__key*__:*");
  await t.run("SET", "a", "1");
  assert.deepEqual(await t.replies(sub, "PING"), [["pong", ""]], "disabled: nothing published");
  await t.run("CONFIG", "SET", "notify-keyspace-events", "KE$g");
  await t.run("SELECT", "3");
  await t.run("SET", "a", "1");
  await t.run("MOVE", "a", "5");
  assert.deepEqual(await t.replies(sub, "PING"), [
    ["pmessage", "__key*__:*", "__keyspace@3__:a", "set"],
    ["pmessage", "__key*__:*", "__keyevent@3__:set", "a"],
    ["pmessage", "__key*__:*", "__keyspace@3__:a", "move_from"],
    ["pmessage", "__key*__:*", "__keyevent@3__:move_from", "a"],
    ["pmessage", "__key*__:*", "__keyspace@5__:a", "move_to"],
    ["pmessage", "__key*__:*", "__keyevent@5__:move_to", "a"],
    ["pong", ""],
  ]);
  assert.equal(t.server.pubsub.notifyFlags !== 0, true);
  await t.run("CONFIG", "SET", "notify-keyspace-events", "");
  assert.equal(t.server.pubsub.notifyFlags, 0);
});
