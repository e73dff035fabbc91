// Differential test for the list commands: the same command sequences go to a spawned hakv and
// a spawned redis-server 7.0, and every reply must be identical. Hand-written sequences cover
// each command's options, errors and error order; blocking commands are covered where they
// answer at once (data present, bad arguments, short timeouts, inside MULTI); a seeded fuzzer
// then mixes everything at random. Cross-client blocking is in blocking_test.ts.
import { rng } from "../src/_util/rng.ts";
import { type Arg, type Cmd, DiffPair } from "./_diff.ts";
import { requireTool } from "./_harness.ts";

const BIN = "\x00\x01\x7f\x80\xfe\xff";

const SCENARIOS: Record<string, Cmd[]> = {
  "push and pop": [
    "LPUSH l a b c",
    "RPUSH l d e",
    "LRANGE l 0 -1",
    "LPUSHX l x",
    "RPUSHX l y z",
    "LPUSHX nokey x",
    "RPUSHX nokey x",
    "EXISTS nokey",
    "LLEN l",
    "LLEN nokey",
    "LPOP l",
    "RPOP l",
    "LPOP l 2",
    "RPOP l 2",
    "LPOP l 0",
    "RPOP l 0",
    "LPOP l 100",
    "EXISTS l",
    "LPOP l",
    "RPOP l",
    "LPOP l 0",
    "LPOP l 3",
    "RPOP nokey 1",
    "LPOP l -1",
    "RPOP l abc",
    "LPOP l 1.5",
    "LPOP l 1 2",
    "RPOP l 1 2 3",
    "LPOP",
    "LPUSH l",
    "RPUSH l",
    "RPUSH l a",
    "LPOP l 9223372036854775807",
    "RPUSH l a",
    "LPOP l 9223372036854775808",
    "LPOP l -0",
    "LPOP l 00",
    ["RPUSH", "bin", BIN, "", " sp ace "],
    "LRANGE bin 0 -1",
    "LPOP bin",
    "RPOP bin",
    "LPOP bin",
    "EXISTS bin",
  ],
  "LRANGE and LINDEX": [
    "RPUSH l 0 1 2 3 4 5 6 7 8 9",
    "LRANGE l 0 0",
    "LRANGE l 0 -1",
    "LRANGE l -3 -1",
    "LRANGE l -100 100",
    "LRANGE l 5 2",
    "LRANGE l 10 20",
    "LRANGE l -1 -5",
    "LRANGE l 3 3",
    "LRANGE l -9223372036854775808 9223372036854775807",
    "LRANGE l a 1",
    "LRANGE l 1 b",
    "LRANGE l 9223372036854775808 1",
    "LRANGE nokey 0 -1",
    "LRANGE nokey a b",
    "LINDEX l 0",
    "LINDEX l -1",
    "LINDEX l 9",
    "LINDEX l 10",
    "LINDEX l -10",
    "LINDEX l -11",
    "LINDEX l a",
    "LINDEX nokey 0",
    "LINDEX nokey a",
    "LINDEX l 1.0",
  ],
  "LSET": [
    "LSET nokey 0 a",
    "LSET nokey a a",
    "RPUSH l a b c",
    "LSET l 0 x",
    "LSET l -1 z",
    "LSET l 1 y",
    "LRANGE l 0 -1",
    "LSET l 3 q",
    "LSET l -4 q",
    "LSET l a q",
    ["LSET", "l", "1", BIN],
    "LRANGE l 0 -1",
  ],
  "LINSERT": [
    "LINSERT nokey before a x",
    "LINSERT nokey middle a x",
    "RPUSH l a b c a",
    "LINSERT l before a x",
    "LINSERT l after a y",
    "LINSERT l AFTER c z",
    "LINSERT l BeFoRe b w",
    "LINSERT l before nope x",
    "LINSERT l middle a x",
    "LRANGE l 0 -1",
    "LINSERT l after a",
  ],
  "LREM": [
    "RPUSH l a b a c a b a",
    "LREM l 2 a",
    "LRANGE l 0 -1",
    "LREM l -1 a",
    "LRANGE l 0 -1",
    "LREM l 0 b",
    "LRANGE l 0 -1",
    "LREM l 0 nope",
    "LREM l x a",
    "LREM nokey 1 a",
    "LREM nokey x a",
    "LREM l 0 c",
    "LREM l 0 a",
    "EXISTS l",
    "RPUSH l a a a",
    "LREM l -9223372036854775808 a",
    "EXISTS l",
    "RPUSH l a b a",
    "LREM l 9223372036854775807 a",
    "LRANGE l 0 -1",
  ],
  "LTRIM": [
    "LTRIM nokey 0 1",
    "LTRIM nokey a 1",
    "RPUSH l 0 1 2 3 4 5 6 7 8 9",
    "LTRIM l 1 -2",
    "LRANGE l 0 -1",
    "LTRIM l -3 100",
    "LRANGE l 0 -1",
    "LTRIM l 0 -1",
    "LRANGE l 0 -1",
    "LTRIM l a 1",
    "LTRIM l 1 b",
    "LTRIM l 2 1",
    "EXISTS l",
    "RPUSH l a b c",
    "LTRIM l 5 10",
    "EXISTS l",
    "RPUSH l a b c",
    "LTRIM l -100 -50",
    "EXISTS l",
    "RPUSH l a b c",
    "LTRIM l 1 1",
    "LRANGE l 0 -1",
  ],
  "LPOS": [
    "RPUSH l a b c 1 2 3 c c",
    "LPOS l c",
    "LPOS l c RANK 1",
    "LPOS l c RANK 2",
    "LPOS l c RANK -1",
    "LPOS l c RANK -3",
    "LPOS l c RANK 4",
    "LPOS l c RANK -4",
    "LPOS l c COUNT 0",
    "LPOS l c COUNT 2",
    "LPOS l c COUNT 2 RANK -1",
    "LPOS l c COUNT 0 RANK 2",
    "LPOS l c COUNT 0 MAXLEN 3",
    "LPOS l c COUNT 0 MAXLEN 7",
    "LPOS l c MAXLEN 2",
    "LPOS l c RANK -1 MAXLEN 1",
    "LPOS l c RANK -1 MAXLEN 2 COUNT 0",
    "LPOS l nope",
    "LPOS l nope COUNT 0",
    "LPOS l c RANK 0",
    "LPOS l c RANK abc",
    "LPOS l c RANK",
    "LPOS l c COUNT -1",
    "LPOS l c COUNT abc",
    "LPOS l c MAXLEN -1",
    "LPOS l c MAXLEN abc",
    "LPOS l c FOO 1",
    "LPOS l c RANK 1 RANK 2",
    "LPOS l c rank 1 count 1 maxlen 0",
    "LPOS l c RANK -9223372036854775808",
    "LPOS l c RANK -9223372036854775808 COUNT 2",
    "LPOS l c RANK 9223372036854775807",
    "LPOS l c RANK -9223372036854775807",
    "LPOS l c COUNT 9223372036854775807",
    "LPOS nokey c",
    "LPOS nokey c COUNT 1",
    "LPOS nokey c COUNT 0",
    "LPOS nokey c RANK 0",
    "LPOS nokey c MAXLEN 1",
    "SET s x",
    "LPOS s c",
    "LPOS s c RANK 0",
  ],
  "LMOVE and RPOPLPUSH": [
    "RPUSH src a b c",
    "LMOVE src dst LEFT RIGHT",
    "LMOVE src dst RIGHT LEFT",
    "LRANGE src 0 -1",
    "LRANGE dst 0 -1",
    "LMOVE src dst left left",
    "EXISTS src",
    "LMOVE src dst LEFT LEFT",
    "LMOVE dst dst LEFT RIGHT",
    "LRANGE dst 0 -1",
    "LMOVE dst dst RIGHT LEFT",
    "LRANGE dst 0 -1",
    "LMOVE dst dst UP LEFT",
    "LMOVE dst dst LEFT DOWN",
    "LMOVE nokey dst UP LEFT",
    "RPOPLPUSH dst other",
    "RPOPLPUSH dst other",
    "RPOPLPUSH dst other",
    "RPOPLPUSH dst other",
    "LRANGE other 0 -1",
    "EXISTS dst",
    "RPOPLPUSH other other",
    "LRANGE other 0 -1",
    "RPUSH single x",
    "RPOPLPUSH single single",
    "LRANGE single 0 -1",
    "LMOVE single single LEFT LEFT",
    "LRANGE single 0 -1",
    "SET str v",
    "LMOVE single str LEFT LEFT",
    "LMOVE str single LEFT LEFT",
    "LMOVE nokey str LEFT LEFT",
    "RPOPLPUSH single str",
    "RPOPLPUSH str single",
    "LRANGE single 0 -1",
  ],
  "LMPOP": [
    "RPUSH a 1 2 3",
    "RPUSH b 4 5 6 7",
    "LMPOP 2 a b LEFT",
    "LMPOP 2 nokey b RIGHT",
    "LMPOP 2 a b LEFT COUNT 10",
    "LMPOP 2 a b left count 2",
    "LMPOP 2 a b RIGHT COUNT 1",
    "LMPOP 2 a b RIGHT",
    "LMPOP 1 a LEFT",
    "LMPOP 0 a LEFT",
    "LMPOP -1 a LEFT",
    "LMPOP abc a LEFT",
    "LMPOP 3 a b LEFT",
    "LMPOP 2 a b",
    "LMPOP 1 a MIDDLE",
    "LMPOP 1 a LEFT COUNT",
    "LMPOP 1 a LEFT COUNT 0",
    "LMPOP 1 a LEFT COUNT -1",
    "LMPOP 1 a LEFT COUNT abc",
    "LMPOP 1 a LEFT COUNT 1 COUNT 2",
    "LMPOP 1 a LEFT FOO",
    "LMPOP 9223372036854775807 a LEFT",
    "LMPOP 9223372036854775808 a LEFT",
    "RPUSH c x y",
    "SET s v",
    "LMPOP 2 s c LEFT",
    "LMPOP 2 c s LEFT",
    "LMPOP 2 nokey s LEFT",
    "LMPOP 1 c LEFT COUNT 9223372036854775807",
    "EXISTS c",
    "LMPOP 2 c c LEFT",
  ],
  "blocking commands that answer at once": [
    "RPUSH a 1 2 3",
    "BLPOP nokey a 0",
    "BRPOP nokey a 0",
    "BLPOP a nokey 1.5",
    "BLPOP nokey 0.01",
    "BRPOP nokey nokey2 0.01",
    "BLPOP a -1",
    "BLPOP a abc",
    "BLPOP a -0.0011",
    "BLPOP a 1e400",
    "BLPOP a 1e5000",
    "BLPOP a inf",
    "BLPOP a nan",
    "BLPOP a 9223372036854776",
    ["BLPOP", "a", " 1"],
    "BLPOP a 0x1p-7",
    "BLPOP nokey 0.0001",
    "BLPOP nokey 0.001",
    "SET s v",
    "BLPOP s 0",
    "BLPOP nokey s 0",
    "BLPOP a s 0",
    "RPUSH b x y",
    "BLMOVE b dst LEFT RIGHT 0",
    "BLMOVE b dst RIGHT LEFT 0.5",
    "BLMOVE nokey dst LEFT RIGHT 0.01",
    "BLMOVE b dst UP RIGHT 0",
    "BLMOVE b dst LEFT DOWN 0",
    "BLMOVE b dst LEFT RIGHT -1",
    "BLMOVE b dst LEFT RIGHT abc",
    "BLMOVE s dst LEFT RIGHT 0",
    "RPUSH b z",
    "BLMOVE b s LEFT RIGHT 0",
    "BLMOVE nokey s LEFT RIGHT 0.01",
    "BRPOPLPUSH b dst 0",
    "BRPOPLPUSH nokey dst 0.01",
    "BRPOPLPUSH nokey dst -1",
    "BRPOPLPUSH s dst 0",
    "LRANGE dst 0 -1",
    "RPUSH m 1 2 3 4",
    "BLMPOP 0 2 nokey m LEFT",
    "BLMPOP 0 2 nokey m RIGHT COUNT 2",
    "BLMPOP 0.01 1 nokey LEFT",
    "BLMPOP -1 1 m LEFT",
    "BLMPOP abc 1 m LEFT",
    "BLMPOP 0 0 m LEFT",
    "BLMPOP 0 abc m LEFT",
    "BLMPOP 0 2 m LEFT",
    "BLMPOP 0 1 m MIDDLE",
    "BLMPOP 0 1 m LEFT COUNT 0",
    "BLMPOP 0 1 m LEFT COUNT 1 COUNT 1",
    "BLMPOP 0 2 s m LEFT",
    "BLMPOP 0 2 nokey s LEFT",
    "BLMPOP 0 1 m LEFT COUNT 10",
    "EXISTS m",
  ],
  "blocking commands inside MULTI": [
    "MULTI",
    "BLPOP nokey 0",
    "BRPOP nokey 0",
    "BLMOVE nokey dst LEFT LEFT 0",
    "BRPOPLPUSH nokey dst 0",
    "BLMPOP 0 1 nokey LEFT",
    "RPUSH nokey a b",
    "BLPOP nokey 0",
    "BLMOVE nokey dst LEFT LEFT 0",
    "EXEC",
    "LRANGE dst 0 -1",
  ],
  "RESP3 shapes": [
    "LPOP nokey",
    "LPOP nokey 0",
    "LPOP nokey 2",
    "RPUSH l a b",
    "LPOP l 0",
    "LPOP l 1",
    "LINDEX l 5",
    "LPOS l zz",
    "LPOS l zz COUNT 0",
    "LMPOP 1 nokey LEFT",
    "LMPOP 1 l LEFT",
    "BLPOP nokey 0.01",
    "BLMOVE nokey d LEFT LEFT 0.01",
    "BLMPOP 0.01 1 nokey LEFT",
  ],
  "big lists": [
    ["RPUSH", "big", ...Array.from({ length: 300 }, (_, i) => `item-${i}`)],
    ["LPUSH", "big", ...Array.from({ length: 300 }, (_, i) => `head-${i}`)],
    "LLEN big",
    "LRANGE big 250 350",
    "LINDEX big 300",
    "LINDEX big -1",
    "LINSERT big BEFORE item-150 mid",
    "LINSERT big AFTER head-10 mid2",
    "LPOS big mid",
    "LPOS big mid2",
    "LREM big 0 mid",
    "LTRIM big 100 -100",
    "LLEN big",
    "LRANGE big 0 5",
    "LPOP big 50",
    "RPOP big 50",
    "LRANGE big 0 -1",
    "OBJECT ENCODING big",
    "TYPE big",
  ],
  "WRONGTYPE everywhere": [
    "SET s v",
    "LPUSH s a",
    "RPUSH s a",
    "LPUSHX s a",
    "RPUSHX s a",
    "LPOP s",
    "RPOP s 1",
    "LLEN s",
    "LRANGE s 0 -1",
    "LINDEX s 0",
    "LSET s 0 a",
    "LINSERT s BEFORE a b",
    "LREM s 0 a",
    "LTRIM s 0 1",
    "LPOS s a",
    "LMOVE s d LEFT LEFT",
    "RPOPLPUSH s d",
    "LMPOP 1 s LEFT",
    "BLPOP s 0",
    "BRPOP s 0",
    "BLMOVE s d LEFT LEFT 0",
    "BRPOPLPUSH s d 0",
    "BLMPOP 0 1 s LEFT",
    "GET s",
  ],
};

const KEYS = ["a", "b", "c"];
const WORDS = ["x", "y", "z", "", "x"];

class Gen {
  readonly #rand: () => number;
  constructor(seed: number) {
    this.#rand = rng(seed);
  }
  int(n: number): number {
    return Math.floor(this.#rand() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  index(): string {
    return String(this.int(14) - 7);
  }
}

function randomCommand(g: Gen): Arg[] {
  const k = g.pick(KEYS);
  const side = () => g.pick(["LEFT", "RIGHT"]);
  const words = () => Array.from({ length: 1 + g.int(4) }, () => g.pick(WORDS));
  switch (g.int(20)) {
    case 0:
      return ["LPUSH", k, ...words()];
    case 1:
      return ["RPUSH", k, ...words()];
    case 2:
      return [g.pick(["LPUSHX", "RPUSHX"]), k, ...words()];
    case 3:
      return g.int(2) === 0 ? ["LPOP", k] : ["LPOP", k, g.int(4)];
    case 4:
      return g.int(2) === 0 ? ["RPOP", k] : ["RPOP", k, g.int(4)];
    case 5:
      return ["LRANGE", k, g.index(), g.index()];
    case 6:
      return ["LINDEX", k, g.index()];
    case 7:
      return ["LSET", k, g.index(), g.pick(WORDS)];
    case 8:
      return ["LINSERT", k, g.pick(["BEFORE", "AFTER"]), g.pick(WORDS), g.pick(WORDS)];
    case 9:
      return ["LREM", k, g.int(7) - 3, g.pick(WORDS)];
    case 10:
      return ["LTRIM", k, g.index(), g.index()];
    case 11: {
      const args: Arg[] = ["LPOS", k, g.pick(WORDS)];
      if (g.int(2) === 0) args.push("RANK", g.pick([1, 2, -1, -2, 3]));
      if (g.int(2) === 0) args.push("COUNT", g.int(3));
      if (g.int(3) === 0) args.push("MAXLEN", g.int(4));
      return args;
    }
    case 12:
      return ["LMOVE", k, g.pick(KEYS), side(), side()];
    case 13:
      return ["RPOPLPUSH", k, g.pick(KEYS)];
    case 14: {
      const n = 1 + g.int(3);
      const args: Arg[] = ["LMPOP", n, ...Array.from({ length: n }, () => g.pick(KEYS)), side()];
      if (g.int(2) === 0) args.push("COUNT", 1 + g.int(3));
      return args;
    }
    case 15:
      return ["BLPOP", k, g.pick(KEYS), "0.001"];
    case 16:
      return ["BLMOVE", k, g.pick(KEYS), side(), side(), "0.001"];
    case 17:
      return ["LLEN", k];
    case 18:
      return g.int(8) === 0 ? ["SET", k, "str"] : ["EXISTS", k];
    default:
      return ["LRANGE", k, 0, -1];
  }
}

Deno.test("lists: hakv answers every list command like redis-server", async (t) => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();

  for (const [name, cmds] of Object.entries(SCENARIOS)) {
    await t.step(name, async () => {
      // HELLO's reply names the server and the connection, so it is not compared.
      if (name.startsWith("RESP3")) await pair.call("HELLO", "3");
      await pair.run(cmds, name);
      if (name.startsWith("RESP3")) await pair.call("HELLO", "2");
    });
  }

  await t.step("COMMAND GETKEYS", async () => {
    for (
      const cmd of [
        "COMMAND GETKEYS LMPOP 2 a b LEFT",
        "COMMAND GETKEYS BLMPOP 0 2 a b LEFT COUNT 2",
        "COMMAND GETKEYS BLPOP a b c 0",
        "COMMAND GETKEYS BLMOVE a b LEFT LEFT 0",
        "COMMAND GETKEYS RPOPLPUSH a b",
        "COMMAND GETKEYS LPUSH a x y",
      ]
    ) await pair.same(cmd);
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    await t.step(`random sequence, seed ${seed}`, async () => {
      const g = new Gen(seed);
      await pair.same("FLUSHALL");
      for (let i = 0; i < 800; i++) await pair.same(randomCommand(g), `seed ${seed} #${i}`);
      for (const k of KEYS) await pair.same(["LRANGE", k, 0, -1], `seed ${seed} final`);
    });
  }
});
