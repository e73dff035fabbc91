// HyperLogLog commands.
import { ALL_KEYS, command, type CommandSpec, KEY1 } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function hll<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, {
    group: "hyperloglog",
    acl: ["hyperloglog"],
    since: "2.8.9",
    summary,
    ...extra,
  });
}

export const HLL_COMMANDS = [
  hll("pfadd", -2, "Adds the specified elements to the specified HyperLogLog.", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
    complexity: "O(1) to add every element.",
    keyFlags: ["RW", "insert"],
  }),
  hll(
    "pfcount",
    -2,
    "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
    {
      flags: ["readonly"],
      ...ALL_KEYS,
      complexity:
        "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
      // RW: counting may rewrite the cached cardinality.
      keyFlags: ["RW", "access"],
    },
  ),
  hll("pfmerge", -2, "Merge N different HyperLogLogs into a single one.", {
    flags: ["write", "denyoom"],
    ...ALL_KEYS,
    complexity: "O(N) to merge N HyperLogLogs, but with high constant times.",
  }),
  hll("pfdebug", 3, "Internal commands for debugging HyperLogLog values", {
    flags: ["write", "denyoom", "admin"],
    firstKey: 2,
    lastKey: 2,
    step: 1,
    complexity: "N/A",
    keyFlags: ["RW", "access"],
  }),
  hll("pfselftest", 1, "An internal command for testing HyperLogLog values", {
    flags: ["admin"],
    complexity: "N/A",
  }),
] as const satisfies readonly CommandSpec[];
