// Differential tests of MULTI / EXEC / DISCARD / WATCH / UNWATCH: the same steps go to hakv and
// to a real redis-server 7.0 over two connections each ("a" runs the transactions, "b" changes
// keys under it), and every reply must be identical. Hand-written scenarios cover queueing
// errors, run-time errors, WATCH against writes, expiry, FLUSHDB/FLUSHALL/SWAPDB, DISCARD,
// RESET, RESP3 and pipelining; a seeded random mix interleaves the two connections.
import assert from "node:assert/strict";
import { rng } from "../src/_util/rng.ts";
import { argsOf, type Cmd, DiffPair, norm, show } from "./_diff.ts";
import { requireTool, type RespClient, type RespValue } from "./_harness.ts";

/** DEBUG SET-ACTIVE-EXPIRE keeps expired keys stored until looked up, on both servers. */
const DEBUG = ["--enable-debug-command", "yes"];

/**
 * A command on connection a, on connection b, one on a whose reply may differ (`any`: HELLO
 * shows connection ids), a pause in ms, or a check of fields of a's CLIENT LIST line.
 */
type Step = Cmd | { b: Cmd } | { any: Cmd } | { sleep: number } | { info: string[] };

class Duo {
  /** Connection a's client id on each server (a cannot ask while in MULTI). */
  #ids: [string, string] = ["", ""];

  private constructor(
    readonly pair: DiffPair,
    readonly redisB: RespClient,
    readonly hakvB: RespClient,
  ) {}

  static async start(pair: DiffPair): Promise<Duo> {
    const [redisB, hakvB] = await Promise.all([
      pair.redisProc.client(),
      pair.hakvProc.client(),
    ]);
    return new Duo(pair, redisB, hakvB);
  }

  async onB(cmd: Cmd, label: string): Promise<RespValue> {
    const args = argsOf(cmd);
    const [r, h] = await Promise.all([this.redisB.call(...args), this.hakvB.call(...args)]);
    assert.deepStrictEqual(norm(h), norm(r), `${label} (b) ${show(args)}`);
    return r;
  }

  /** Both connections back to a fresh state, every database empty, active expiry off. */
  async reset(label: string): Promise<void> {
    await this.pair.same("RESET", label);
    await this.onB("RESET", label);
    await this.pair.same("FLUSHALL", label);
    await this.pair.same("DEBUG SET-ACTIVE-EXPIRE 0", label);
    const [r, h] = await this.pair.call("CLIENT", "ID");
    this.#ids = [String(r), String(h)];
  }

  async scenario(label: string, steps: readonly Step[]): Promise<void> {
    await this.reset(label);
    for (const step of steps) {
      if (typeof step === "object" && !Array.isArray(step)) {
        if ("b" in step) await this.onB(step.b, label);
        else if ("any" in step) await this.pair.call(...argsOf(step.any));
        else if ("sleep" in step) await new Promise((r) => setTimeout(r, step.sleep));
        else await this.infoFields(step.info, label);
      } else await this.pair.same(step, label);
    }
  }

  /** Compares chosen fields of connection a's CLIENT INFO line, as seen by b's CLIENT LIST. */
  async infoFields(fields: string[], label: string): Promise<void> {
    const pick = async (b: RespClient, id: string) => {
      const line = String(await b.call("CLIENT", "LIST", "ID", id));
      return line.trim().split(" ").filter((f) => fields.includes(f.split("=")[0]!)).join(" ");
    };
    const r = await pick(this.redisB, this.#ids[0]);
    const h = await pick(this.hakvB, this.#ids[1]);
    assert.equal(h, r, `${label}: CLIENT LIST fields ${fields.join(",")}`);
  }

  close(): void {
    this.redisB.close();
    this.hakvB.close();
  }
}

const SCENARIOS: Record<string, Step[]> = {
  "basic": [
    "MULTI",
    "SET k 1",
    "INCR k",
    "GET k",
    "MGET k nokey",
    "EXEC",
    "MULTI",
    "EXEC",
    "GET k",
  ],
  "misplaced": [
    "EXEC",
    "DISCARD",
    "UNWATCH",
    "MULTI",
    "MULTI",
    "WATCH k",
    "SET k v",
    "EXEC",
    "EXEC",
  ],
  "queueing errors abort": [
    "MULTI",
    "SET a 1",
    "NOSUCH x y",
    "GET",
    "SET a",
    "EXEC",
    "GET a",
    "MULTI",
    "CLIENT NOSUCH",
    "EXEC",
    "MULTI",
    "CONFIG",
    "DISCARD",
    "MULTI",
    "SHUTDOWN",
    "EXEC",
    "EXEC",
  ],
  "run-time errors stay in the array": [
    "SET s v",
    "MULTI",
    "INCR s",
    "SETRANGE s -1 x",
    "SET s w",
    "GETEX s PX 0",
    "APPEND s x",
    "EXEC",
    "GET s",
  ],
  "commands that change the connection run inside EXEC": [
    "MULTI",
    "SELECT 3",
    "SET k db3",
    "CLIENT SETNAME tx",
    "ECHO hi",
    "PING",
    "EXEC",
    "GET k",
    "CLIENT GETNAME",
    "SELECT 0",
    "GET k",
  ],
  "discard": [
    "WATCH k",
    "MULTI",
    "SET k 1",
    "DISCARD",
    "GET k",
    "DISCARD",
    { b: "SET k 2" },
    "MULTI",
    "GET k",
    "EXEC",
  ],
  "watch missing key, created by b": [
    "WATCH k",
    { b: "SET k 1" },
    "MULTI",
    "SET k 2",
    "EXEC",
    "GET k",
    "MULTI",
    "SET k 2",
    "EXEC",
  ],
  "watch existing key, changed by b during MULTI": [
    "SET k 1",
    "WATCH k",
    "MULTI",
    "INCR k",
    { b: "INCR k" },
    "EXEC",
    "GET k",
  ],
  "watch existing key, untouched": [
    "SET k 1",
    "WATCH k other",
    { b: "SET unrelated 1" },
    { b: "GET k" },
    "MULTI",
    "INCR k",
    "EXEC",
  ],
  "watch, changed by the same connection": [
    "WATCH k",
    "SET k mine",
    "MULTI",
    "GET k",
    "EXEC",
    "WATCH k",
    "MULTI",
    "SET k 1",
    "SET k 2",
    "EXEC",
  ],
  "writes that change nothing": [
    "SET k 1",
    "WATCH k gone",
    { b: "SETNX k 2" },
    { b: "DEL gone" },
    { b: "EXPIRE gone 10" },
    { b: "PERSIST k" },
    "MULTI",
    "GET k",
    "EXEC",
  ],
  "del and expire touch": [
    "SET k 1",
    "SET j 1",
    "WATCH k",
    { b: "DEL k" },
    "MULTI",
    "EXEC",
    "WATCH j",
    { b: "EXPIRE j 100" },
    "MULTI",
    "EXEC",
  ],
  "unwatch": [
    "WATCH k",
    { b: "SET k 1" },
    "UNWATCH",
    "MULTI",
    "GET k",
    "EXEC",
  ],
  "watch in another database": [
    "SELECT 1",
    "WATCH k",
    "SELECT 0",
    { b: "SET k db0" },
    "MULTI",
    "EXEC",
    "SELECT 1",
    "WATCH k",
    { b: "SELECT 1" },
    { b: "SET k db1" },
    "MULTI",
    "EXEC",
  ],
  "watched key expires before EXEC": [
    "SET k v PX 60",
    "WATCH k",
    { sleep: 120 },
    "MULTI",
    "EXEC",
  ],
  "watched key expires and is removed before EXEC": [
    "SET k v",
    "PEXPIRE k 60",
    "WATCH k",
    { sleep: 120 },
    { b: "GET k" },
    "MULTI",
    "EXEC",
  ],
  "key already expired at WATCH": [
    "SET k v PX 30",
    { sleep: 80 },
    "WATCH k",
    "MULTI",
    "EXEC",
    "SET k v PX 30",
    { sleep: 80 },
    "WATCH k",
    { b: "GET k" },
    "MULTI",
    "EXEC",
    "SET k v PX 30",
    { sleep: 80 },
    "WATCH k",
    { b: "SET k again" },
    "MULTI",
    "EXEC",
  ],
  "flushdb": [
    "WATCH k",
    { b: "SET other 1" },
    { b: "FLUSHDB" },
    "MULTI",
    "EXEC",
    "SET k 1",
    "WATCH k",
    { b: "FLUSHDB" },
    "MULTI",
    "EXEC",
    "SET k 1",
    "SELECT 2",
    "SET k 1",
    "WATCH k",
    "SELECT 0",
    { b: "FLUSHDB" },
    "MULTI",
    "EXEC",
  ],
  "flushall": [
    "SELECT 2",
    "SET k 1",
    "WATCH k",
    "SELECT 0",
    { b: "FLUSHALL" },
    "MULTI",
    "EXEC",
    "WATCH k",
    { b: "FLUSHALL" },
    "MULTI",
    "EXEC",
  ],
  "flushdb and expired keys": [
    "SET k 1 PX 30",
    { sleep: 80 },
    "WATCH k",
    { b: "FLUSHDB" },
    "MULTI",
    "EXEC",
    "SET k 1 PX 60",
    "WATCH k",
    { sleep: 120 },
    { b: "FLUSHDB" },
    "MULTI",
    "EXEC",
  ],
  "swapdb": [
    "WATCH k",
    { b: "SWAPDB 0 1" },
    "MULTI",
    "EXEC",
    { b: "SELECT 1" },
    { b: "SET k 1" },
    "WATCH k",
    { b: "SWAPDB 0 1" },
    "MULTI",
    "EXEC",
    "WATCH k",
    { b: "SWAPDB 1 0" },
    "MULTI",
    "EXEC",
    "SET k same",
    { b: "SET k same" },
    "WATCH k",
    { b: "SWAPDB 0 1" },
    "MULTI",
    "EXEC",
    "WATCH k",
    { b: "SWAPDB 2 3" },
    "MULTI",
    "EXEC",
  ],
  "swapdb and expired keys": [
    { b: "SELECT 1" },
    { b: "SET k 1 PX 30" },
    { sleep: 80 },
    "WATCH k",
    { b: "SWAPDB 0 1" },
    "MULTI",
    "EXEC",
    "FLUSHALL",
    "SET k 1 PX 30",
    { sleep: 80 },
    "WATCH k",
    { b: "SWAPDB 0 1" },
    "MULTI",
    "EXEC",
    "FLUSHALL",
    "SET k 1 PX 30",
    { b: "SET k 1" },
    { sleep: 80 },
    "WATCH k",
    { b: "SWAPDB 0 1" },
    "MULTI",
    "EXEC",
    "FLUSHALL",
    "SET k 1 PX 30",
    { b: "SET k 1 PX 30" },
    { sleep: 80 },
    "WATCH k",
    { b: "SWAPDB 0 1" },
    "MULTI",
    "EXEC",
  ],
  "reset ends MULTI and WATCH": [
    "WATCH k",
    "MULTI",
    "SET k 1",
    "RESET",
    "EXEC",
    { b: "SET k 2" },
    "MULTI",
    "GET k",
    "EXEC",
  ],
  "resp3 null exec": [
    { any: "HELLO 3" },
    "WATCH k",
    { b: "SET k 1" },
    "MULTI",
    "PING",
    "EXEC",
    "MULTI",
    "GET k",
    "EXEC",
    "MULTI",
    "INCR k",
    "SET k x",
    "INCR k",
    "EXEC",
    { any: "HELLO 2" },
  ],
  "client list fields": [
    { info: ["flags", "multi", "multi-mem", "cmd"] },
    "WATCH k",
    { info: ["flags", "multi", "multi-mem", "cmd"] },
    { b: "SET k 1" },
    { info: ["flags", "multi", "multi-mem", "cmd"] },
    "MULTI",
    { info: ["flags", "multi", "multi-mem", "cmd"] },
    "SET a b",
    "CLIENT KILL ID 999",
    ["SET", "x".repeat(100), "y".repeat(1000)],
    { info: ["flags", "multi", "multi-mem", "cmd"] },
    "GET",
    { info: ["flags", "multi", "multi-mem", "cmd"] },
    "EXEC",
    { info: ["flags", "multi", "multi-mem", "cmd"] },
    "MULTI",
    "SET a b",
    ["SET", "x".repeat(100), "y".repeat(1000)],
    { info: ["flags", "multi", "multi-mem", "cmd"] },
    "NOSUCH",
    "SET a c",
    { info: ["flags", "multi", "multi-mem", "cmd"] },
    "EXEC",
    "MULTI",
    "PING",
    "PING",
    "PING",
    { info: ["flags", "multi", "multi-mem", "cmd"] },
    "DISCARD",
    { info: ["flags", "multi", "multi-mem", "cmd"] },
  ],
};

Deno.test("transactions: hand-written scenarios match redis-server", async (t) => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start(DEBUG);
  const duo = await Duo.start(pair);
  try {
    for (const [name, steps] of Object.entries(SCENARIOS)) {
      await t.step(name, () => duo.scenario(name, steps));
    }
  } finally {
    duo.close();
  }
});

Deno.test("transactions: commandstats and errorstats count like redis-server", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start(DEBUG);
  for (
    const cmd of [
      "SET s v",
      "CONFIG RESETSTAT",
      "MULTI",
      "INCR s",
      "SET s w",
      "EXEC",
      "MULTI",
      "GET",
      "NOSUCH",
      "EXEC",
      "MULTI",
      "MULTI",
      "DISCARD",
      "WATCH s",
      "UNWATCH",
    ]
  ) await pair.same(cmd);
  const stats = async (c: RespClient) => {
    const text = String(await c.call("INFO", "commandstats"));
    // INFO commandstats runs before it is counted on one server and after on the other.
    return text.split("\r\n").filter((l) => l.startsWith("cmdstat_") && !l.includes("info"))
      .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, "")).sort();
  };
  assert.deepStrictEqual(await stats(pair.hakv), await stats(pair.redis));
  const errors = async (c: RespClient) => String(await c.call("INFO", "errorstats"));
  assert.equal(await errors(pair.hakv), await errors(pair.redis));
  const total = async (c: RespClient) =>
    String(await c.call("INFO", "stats")).match(/total_error_replies:\d+/)?.[0];
  assert.equal(await total(pair.hakv), await total(pair.redis));
});

Deno.test("transactions: a pipelined transaction in one write matches redis-server", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start(DEBUG);
  const cmds: string[][] = [["MULTI"]];
  for (let i = 0; i < 200; i++) cmds.push(["SET", `key:${i}`, `value-${i}-${"x".repeat(i)}`]);
  cmds.push(["MGET", "key:0", "key:199"], ["EXEC"]);
  const bytes = new TextEncoder().encode(
    cmds.map((c) => `*${c.length}\r\n` + c.map((a) => `$${a.length}\r\n${a}\r\n`).join(""))
      .join(""),
  );
  const replies = async (c: RespClient) => {
    const out = cmds.map(() => c.next());
    await c.write(bytes);
    return (await Promise.all(out)).map(norm);
  };
  assert.deepStrictEqual(await replies(pair.hakv), await replies(pair.redis));
  await pair.same("GET key:150");
});

const SEEDS = Deno.env.get("TX_SEEDS")?.split(",").map(Number) ?? [1, 2, 3, 4, 5, 6, 7, 8];

/** A random interleaving of transactions on a with writes on b over a few keys. */
function randomSteps(seed: number, n: number): Step[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const keys = ["k1", "k2", "k3", "n"];
  const writes = [
    (k: string) => `SET ${k} ${Math.floor(rand() * 10)}`,
    (k: string) => `SETNX ${k} x`,
    (k: string) => `DEL ${k}`,
    (k: string) => `INCR ${k}`,
    (k: string) => `APPEND ${k} z`,
    (k: string) => `EXPIRE ${k} 100`,
    (k: string) => `PERSIST ${k}`,
    (k: string) => `GETDEL ${k}`,
    (k: string) => `RENAME ${k} ${pick(keys)}`,
  ];
  const reads = [
    (k: string) => `GET ${k}`,
    (k: string) => `EXISTS ${k}`,
    (k: string) => `TTL ${k}`,
  ];
  const bad = ["GET", "NOSUCH", "SET x"];
  const steps: Step[] = [];
  let inMulti = false;
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.15) steps.push({ b: pick(writes)(pick(keys)) });
    else if (r < 0.25) steps.push(`WATCH ${pick(keys)} ${pick(keys)}`);
    else if (r < 0.3) steps.push("UNWATCH");
    else if (r < 0.4) {
      steps.push("MULTI");
      inMulti = true;
    } else if (r < 0.5 && inMulti) {
      steps.push(rand() < 0.85 ? "EXEC" : "DISCARD");
      inMulti = false;
    } else if (r < 0.53) steps.push(pick(bad));
    else if (r < 0.56) steps.push(`SELECT ${Math.floor(rand() * 2)}`);
    else if (r < 0.58) steps.push({ b: pick(["FLUSHDB", "SWAPDB 0 1", "FLUSHALL"]) });
    else if (r < 0.8) steps.push(pick(writes)(pick(keys)));
    else steps.push(pick(reads)(pick(keys)));
  }
  steps.push("EXEC");
  return steps;
}

Deno.test("transactions: seeded random interleavings match redis-server", async (t) => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start(DEBUG);
  const duo = await Duo.start(pair);
  try {
    for (const seed of SEEDS) {
      await t.step(`seed ${seed}`, () => duo.scenario(`seed ${seed}`, randomSteps(seed, 300)));
    }
  } finally {
    duo.close();
  }
});

Deno.test("transactions: (lists) blocking inside EXEC and wake-ups after it match redis-server", async (t) => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start(DEBUG);
  const duo = await Duo.start(pair);
  try {
    await t.step(
      "BLPOP and BRPOPLPUSH inside MULTI reply at once",
      () =>
        duo.scenario("blocking in multi", [
          "MULTI",
          "BLPOP l 0",
          "BRPOPLPUSH l m 0",
          "LPUSH l a",
          "BLPOP l 0",
          "EXEC",
        ]),
    );
    await t.step("list writes touch watched keys", () =>
      duo.scenario("list watch", [
        "WATCH l",
        { b: "LPUSH l x" },
        "MULTI",
        "LPOP l",
        "EXEC",
        "WATCH l",
        { b: "LPUSHX nothere x" },
        { b: "LPOP nothere" },
        { b: "LPUSH l y" },
        "MULTI",
        "EXEC",
        "WATCH l",
        { b: "RPOP l" },
        { b: "RPOP l" },
        "MULTI",
        "EXEC",
      ]));
    await t.step("a client blocked on a key is served after the EXEC that pushed", async () => {
      await duo.reset("wake");
      const [r, h] = [duo.redisB.call("BLPOP", "l", "0"), duo.hakvB.call("BLPOP", "l", "0")];
      await new Promise((res) => setTimeout(res, 50));
      for (const cmd of ["MULTI", "LPUSH l a", "LLEN l", "LPUSH l b", "LLEN l", "EXEC"]) {
        await pair.same(cmd, "wake");
      }
      assert.deepStrictEqual(norm(await h), norm(await r));
      await pair.same("LRANGE l 0 -1", "wake");
    });
  } finally {
    duo.close();
  }
});
