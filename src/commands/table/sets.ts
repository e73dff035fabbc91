// Set commands. Arity, flags, key positions, ACL categories, tips and docs are Redis 7.0's
// (COMMAND INFO / COMMAND DOCS). SINTERSTORE, SUNIONSTORE, SDIFFSTORE and SMOVE have two key
// specs in Redis; the table keeps the first one's flags.
import { ALL_KEYS, command, type CommandSpec, KEY1 } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function set<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "set", acl: ["set"], summary, ...extra });
}

const INTER_COMPLEXITY =
  "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.";
const UNION_COMPLEXITY = "O(N) where N is the total number of elements in all given sets.";
const SCAN_COMPLEXITY =
  "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..";
const ORDER = ["nondeterministic_output_order"] as const;

export const SET_COMMANDS = [
  set("sadd", -3, "Add one or more members to a set", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
    complexity:
      "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.",
    keyFlags: ["RW", "insert"],
  }),
  set("srem", -3, "Remove one or more members from a set", {
    flags: ["write", "fast"],
    ...KEY1,
    complexity: "O(N) where N is the number of members to be removed.",
    keyFlags: ["RW", "delete"],
  }),
  set("scard", 2, "Get the number of members in a set", {
    flags: ["readonly", "fast"],
    ...KEY1,
    keyFlags: ["RO"],
  }),
  set("sismember", 3, "Determine if a given value is a member of a set", {
    flags: ["readonly", "fast"],
    ...KEY1,
    keyFlags: ["RO"],
  }),
  set("smismember", -3, "Returns the membership associated with the given elements for a set", {
    flags: ["readonly", "fast"],
    ...KEY1,
    since: "6.2.0",
    complexity: "O(N) where N is the number of elements being checked for membership",
  }),
  set("smembers", 2, "Get all the members in a set", {
    flags: ["readonly"],
    ...KEY1,
    complexity: "O(N) where N is the set cardinality.",
    tips: ORDER,
  }),
  set("spop", -2, "Remove and return one or multiple random members from a set", {
    flags: ["write", "fast"],
    ...KEY1,
    complexity:
      "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.",
    tips: ["nondeterministic_output"],
    keyFlags: ["RW", "access", "delete"],
  }),
  set("srandmember", -2, "Get one or multiple random members from a set", {
    flags: ["readonly"],
    ...KEY1,
    complexity:
      "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.",
    tips: ["nondeterministic_output"],
  }),
  set("smove", 4, "Move a member from one set to another", {
    flags: ["write", "fast"],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    keyFlags: ["RW", "access", "delete"],
  }),
  set("sinter", -2, "Intersect multiple sets", {
    flags: ["readonly"],
    ...ALL_KEYS,
    complexity: INTER_COMPLEXITY,
    tips: ORDER,
  }),
  set("sintercard", -3, "Intersect multiple sets and return the cardinality of the result", {
    flags: ["readonly", "movablekeys"],
    since: "7.0.0",
    complexity: INTER_COMPLEXITY,
    keys: { numkeysAt: 1, firstAfter: 2 },
  }),
  set("sinterstore", -3, "Intersect multiple sets and store the resulting set in a key", {
    flags: ["write", "denyoom"],
    ...ALL_KEYS,
    complexity: INTER_COMPLEXITY,
    keyFlags: ["RW", "update"],
  }),
  set("sunion", -2, "Add multiple sets", {
    flags: ["readonly"],
    ...ALL_KEYS,
    complexity: UNION_COMPLEXITY,
    tips: ORDER,
  }),
  set("sunionstore", -3, "Add multiple sets and store the resulting set in a key", {
    flags: ["write", "denyoom"],
    ...ALL_KEYS,
    complexity: UNION_COMPLEXITY,
    keyFlags: ["OW", "update"],
  }),
  set("sdiff", -2, "Subtract multiple sets", {
    flags: ["readonly"],
    ...ALL_KEYS,
    complexity: UNION_COMPLEXITY,
    tips: ORDER,
  }),
  set("sdiffstore", -3, "Subtract multiple sets and store the resulting set in a key", {
    flags: ["write", "denyoom"],
    ...ALL_KEYS,
    complexity: UNION_COMPLEXITY,
    keyFlags: ["OW", "update"],
  }),
  set("sscan", -3, "Incrementally iterate Set elements", {
    flags: ["readonly"],
    ...KEY1,
    since: "2.8.0",
    complexity: SCAN_COMPLEXITY,
    tips: ["nondeterministic_output"],
  }),
] as const satisfies readonly CommandSpec[];
