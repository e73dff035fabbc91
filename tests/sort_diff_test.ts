// Differential test for SORT and SORT_RO: the same commands go to a spawned hakv and a spawned
// redis-server 7.0 and every reply must be identical (stored results are read back with
// LRANGE). Hand-written scenarios cover each option and error; a seeded random mix follows.
// Sets are only sorted in ways whose order Redis defines (not BY nosort without STORE, not
// ALPHA BY with equal weights), since a set's own iteration order is Redis's hash order.
import { rng } from "../src/_util/rng.ts";
import { type Cmd, DiffPair } from "./_diff.ts";
import { requireTool } from "./_harness.ts";

const SETUP: Cmd[] = [
  "RPUSH l 3 1 2 10 -5 1.5 0 7",
  "MSET w_3 30 w_1 10 w_2 20 w_10 5 w_-5 50 w_1.5 1 w_0 0 w_7 70",
  "MSET o_3 three o_1 one o_2 two o_10 ten",
  "HSET h_3 f 3 g c",
  "HSET h_1 f 1 g a",
  "HSET h_2 f 2 g b",
  "HSET h_10 f 10 g j",
  "SADD s 5 3 9 1 7",
  "SADD sa banana apple cherry date",
  "ZADD z 3 a 1 b 2 c 5 d 4 e",
];

const SCENARIOS: Record<string, Cmd[]> = {
  "numeric, ASC/DESC, LIMIT": [
    ...SETUP,
    "SORT l",
    "SORT l ASC",
    "SORT l DESC",
    "SORT l desc asc",
    "SORT l LIMIT 0 3",
    "SORT l LIMIT 2 3",
    "SORT l LIMIT 2 -1",
    "SORT l LIMIT -3 2",
    "SORT l LIMIT 6 100",
    "SORT l LIMIT 8 1",
    "SORT l LIMIT 100 1",
    "SORT l LIMIT 0 0",
    "SORT l LIMIT 1 0",
    "SORT l LIMIT 0 -5",
    "SORT l LIMIT 9223372036854775807 9223372036854775807",
    "SORT l LIMIT -9223372036854775808 2",
    "SORT l DESC LIMIT 1 2",
    "SORT l LIMIT 1 2 LIMIT 0 1",
    "SORT missing",
    "SORT missing LIMIT 0 1",
    "SORT missing DESC ALPHA",
    "SORT s",
    "SORT s DESC",
    "SORT s LIMIT 1 2",
    "SORT z",
    "SORT z ALPHA",
    "SORT z DESC ALPHA LIMIT 1 3",
  ],
  "ALPHA": [
    ...SETUP,
    "SORT l ALPHA",
    "SORT l ALPHA DESC",
    "SORT sa ALPHA",
    "SORT sa ALPHA DESC LIMIT 1 2",
    "SORT sa",
    "RPUSH bin b\x00z b\x00a a \x00 \xff b",
    ["SORT", "bin", "ALPHA"],
    ["SORT", "bin", "ALPHA", "DESC"],
    ["SORT", "bin", "ALPHA", "STORE", "binout"],
    "LRANGE binout 0 -1",
  ],
  "BY patterns": [
    ...SETUP,
    "SORT l BY w_*",
    "SORT l BY w_* DESC",
    "SORT l BY w_* LIMIT 1 3",
    "SORT l BY w_* DESC LIMIT 0 2",
    "SORT l BY nothing_*",
    "SORT l BY w_* ALPHA",
    "SORT l BY o_* ALPHA",
    "SORT l BY o_* ALPHA DESC",
    "SORT l BY o_*",
    "SORT l BY h_*->f",
    "SORT l BY h_*->f DESC",
    "SORT l BY h_*->g ALPHA",
    "SORT l BY h_*->missing",
    "SORT l BY h_*->",
    "SORT l BY w_*->f",
    "SORT l BY h_*",
    "SORT l BY *",
    "SORT l BY w_* BY nosort",
    "SORT l BY nosort BY w_*",
    "SORT s BY w_*",
    "SORT s BY w_* DESC",
    "SORT z BY w_*",
    "SORT l BY w_*_suffix",
    "SET p_3_s 1",
    "SET p_1_s 2",
    "SORT l BY p_*_s",
    "SORT l BY p_*_s LIMIT 0 2",
  ],
  "BY nosort keeps list and sorted-set order": [
    ...SETUP,
    "SORT l BY nosort",
    "SORT l BY nosort DESC",
    "SORT l BY nosort LIMIT 2 3",
    "SORT l BY nosort DESC LIMIT 2 3",
    "SORT l BY nosort LIMIT 7 5",
    "SORT l BY nosort DESC LIMIT 7 5",
    "SORT l BY nosort LIMIT 8 5",
    "SORT l BY nosort LIMIT 0 0",
    "SORT l BY nosort ALPHA",
    "SORT z BY nosort",
    "SORT z BY nosort DESC",
    "SORT z BY nosort LIMIT 1 2",
    "SORT z BY nosort DESC LIMIT 1 2",
    "SORT z BY nosort DESC LIMIT 4 9",
    "SORT z BY nosort LIMIT 5 1",
    "SORT z BY nosort GET # GET o_*",
    "SORT s BY nosort STORE out",
    "LRANGE out 0 -1",
    "SORT sa BY nosort STORE out",
    "LRANGE out 0 -1",
    "SORT sa BY nosort DESC LIMIT 1 2 STORE out",
    "LRANGE out 0 -1",
  ],
  "GET": [
    ...SETUP,
    "SORT l GET o_*",
    "SORT l GET # GET o_*",
    "SORT l GET o_* GET # GET h_*->g GET w_*",
    "SORT l GET #",
    "SORT l GET nostar",
    "SORT l GET h_*->f LIMIT 1 2",
    "SORT l BY w_* GET o_* DESC",
    "SORT l BY nosort GET o_* LIMIT 0 3",
    "SORT l GET h_*->",
    "SORT l GET h_*",
    "SORT l GET o_*->f",
    "SORT missing GET #",
    "SORT l LIMIT 0 0 GET # GET o_*",
    ["SORT", "l", "GET", "#\x00junk"],
  ],
  "STORE": [
    ...SETUP,
    "SORT l STORE out",
    "LRANGE out 0 -1",
    "TYPE out",
    "SORT l DESC LIMIT 0 3 STORE out",
    "LRANGE out 0 -1",
    "SORT l GET # GET o_* STORE out",
    "LRANGE out 0 -1",
    "SET str x EX 100",
    "SORT l STORE str",
    "TYPE str",
    "TTL str",
    "SORT missing STORE out",
    "EXISTS out",
    "SORT missing STORE out",
    "SORT l LIMIT 0 0 STORE l2",
    "EXISTS l2",
    "SORT l STORE l",
    "LRANGE l 0 -1",
    "SORT s STORE l STORE out2",
    "LRANGE out2 0 -1",
    "EXISTS l",
    "SORT z BY nosort STORE zs",
    "LRANGE zs 0 -1",
    "SORT s BY w_* STORE out3",
    "LRANGE out3 0 -1",
  ],
  "errors": [
    ...SETUP,
    "SORT",
    "SORT_RO",
    "SORT l BOGUS",
    "SORT l LIMIT",
    "SORT l LIMIT 1",
    "SORT l LIMIT a 1",
    "SORT l LIMIT 1 b",
    "SORT l LIMIT 1.5 1",
    "SORT l BY",
    "SORT l GET",
    "SORT l STORE",
    "SORT l ASC BOGUS STORE",
    "SORT_RO l STORE out",
    "EXISTS out",
    "SORT_RO l",
    "SORT_RO l BY w_* GET # GET o_* DESC LIMIT 0 2 ALPHA",
    "SORT_RO z BY nosort DESC",
    "SET str x",
    "SORT str",
    "SORT str BOGUS",
    "HSET hash a b",
    "SORT hash",
    "SORT_RO hash",
    "RPUSH words a b",
    "SORT words",
    "SORT words STORE out",
    "EXISTS out",
    "SORT words LIMIT 0 0",
    "SORT words BY nosort",
    "SORT words BY w_*",
    "SORT words ALPHA",
    "SORT l BY o_*",
    "SORT l BY o_* STORE out",
    "EXISTS out",
  ],
  "ties": [
    "RPUSH t c a b",
    "MSET wt_a 1 wt_b 1 wt_c 1",
    "SORT t BY wt_*",
    "SORT t BY wt_* DESC",
    "SORT t BY wt_* ALPHA",
    "SORT t BY wt_* ALPHA DESC",
    "SORT t BY missing_* ALPHA",
    "SORT t BY missing_*",
    "RPUSH d 1 01 1.0 1e0",
    "SORT d",
    "SORT d DESC",
  ],
  "numeric parsing like strtod": [
    ["RPUSH", "n", "1e-300", ".5", "+3", "5.", "0x1p3", "1E5", "1e5", "infinity", " 7", "\t8"],
    "SORT n",
    "SORT n DESC",
    ["RPUSH", "m", "-inf", "inf", "0", "-0", "0.0", "1e308", "-1e308", "0x10", "0X1.8p1"],
    "SORT m",
    ["RPUSH", "z1", "0e-400", "0x1p-1074", "2.2250738585072014e-308", "3\x00abc", ""],
    "SORT z1",
    // Valid first, then errors, then ERANGE last: Redis reads errno after strtod without
    // clearing it, so after an ERANGE every SORT on the connection fails until some other
    // call resets errno. hakv does not reproduce that leak.
    ...[
      "0x1.0000000000001p-1022",
      "0x1.00000000000001p0",
      "nan",
      "-nan",
      "1 ",
      "1e",
      "e1",
      ".",
      "+",
      "0x",
      "0x1p",
      "1e+",
      "infinit",
      "1_0",
      "1e-310",
      "1e-400",
      "2.2250738585072011e-308",
      "1.7976931348623159e308",
      "1e400",
      "0x1p-1075",
    ].flatMap((v): Cmd[] => [["DEL", "bad"], ["RPUSH", "bad", v], ["SORT", "bad"]]),
  ],
};

Deno.test("SORT and SORT_RO match redis-server", async (t) => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  for (const [name, cmds] of Object.entries(SCENARIOS)) {
    await t.step(name, async () => {
      await pair.run(cmds, name);
    });
  }
});

Deno.test("random SORT options over random lists, sets and sorted sets", async () => {
  if (!requireTool("redis-server")) return;
  await using pair = await DiffPair.start();
  for (let seed = 1; seed <= 16; seed++) {
    const r = rng(seed);
    const int = (n: number) => Math.floor(r() * n);
    await pair.same("FLUSHALL");
    const n = 1 + int(60);
    const items = Array.from({ length: n }, () => String(int(1000) - 500));
    const uniq = [...new Set(items)];
    await pair.same(["RPUSH", "l", ...items]);
    await pair.same(["SADD", "s", ...uniq]);
    await pair.same(["ZADD", "z", ...uniq.flatMap((v) => [String(int(50)), v])]);
    // Distinct weights, so ALPHA BY has no ties whose order would come from set iteration.
    for (const [i, v] of uniq.entries()) {
      if (r() < 0.9) await pair.same(["SET", `w_${v}`, String(i * 7 % uniq.length)]);
      if (r() < 0.8) await pair.same(["HSET", `h_${v}`, "f", String(int(100)), "g", `g${v}`]);
    }
    for (let step = 0; step < 60; step++) {
      const key = ["l", "s", "z"][int(3)]!;
      const ro = r() < 0.2;
      const cmd: string[] = [ro ? "SORT_RO" : "SORT", key];
      const by = int(6);
      if (by === 1) cmd.push("BY", "w_*");
      if (by === 2) cmd.push("BY", "h_*->f");
      if (by === 3) cmd.push("BY", "nosort");
      const alpha = r() < 0.3;
      if (alpha) cmd.push("ALPHA");
      if (r() < 0.5) cmd.push(r() < 0.5 ? "DESC" : "ASC");
      const limit = r() < 0.5;
      if (limit) cmd.push("LIMIT", String(int(n + 5) - 2), String(int(n + 5) - 2));
      const gets = int(3);
      for (let g = 0; g < gets; g++) cmd.push("GET", ["#", "w_*", "h_*->g", "nope_*"][int(4)]!);
      const store = !ro && r() < 0.3;
      if (store) cmd.push("STORE", "dst");
      // Where Redis's order is not defined, skip: a set's own order (BY nosort without
      // STORE), and ties of ALPHA BY (missing weights) unless a stable sort of a list sees them.
      if (by === 3 && key === "s" && !store) continue;
      if (alpha && (by === 1 || by === 2) && (key !== "l" || limit)) continue;
      await pair.same(cmd, `seed ${seed} step ${step}`);
      if (store) await pair.same("LRANGE dst 0 -1", `seed ${seed} step ${step}`);
    }
  }
});
