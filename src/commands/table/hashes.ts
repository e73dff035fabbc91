// Hash commands. Arity, flags, key positions, ACL categories, tips and docs are Redis 7.0's
// (COMMAND INFO / COMMAND DOCS).
import { command, type CommandSpec, KEY1 } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function hash<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "hash", acl: ["hash"], summary, ...extra });
}

const WRITE = ["write", "denyoom", "fast"] as const;
const READ_FAST = ["readonly", "fast"] as const;
const ALL_COMPLEXITY = "O(N) where N is the size of the hash.";
const SCAN_COMPLEXITY =
  "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..";

export const HASH_COMMANDS = [
  hash("hset", -4, "Set the string value of a hash field", {
    flags: WRITE,
    ...KEY1,
    since: "2.0.0",
    complexity:
      "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.",
    keyFlags: ["RW", "update"],
  }),
  hash("hsetnx", 4, "Set the value of a hash field, only if the field does not exist", {
    flags: WRITE,
    ...KEY1,
    since: "2.0.0",
    keyFlags: ["RW", "insert"],
  }),
  hash("hget", 3, "Get the value of a hash field", {
    flags: READ_FAST,
    ...KEY1,
    since: "2.0.0",
  }),
  hash("hmget", -3, "Get the values of all the given hash fields", {
    flags: READ_FAST,
    ...KEY1,
    since: "2.0.0",
    complexity: "O(N) where N is the number of fields being requested.",
  }),
  hash("hmset", -4, "Set multiple hash fields to multiple values", {
    flags: WRITE,
    ...KEY1,
    since: "2.0.0",
    complexity: "O(N) where N is the number of fields being set.",
    keyFlags: ["RW", "update"],
  }),
  hash("hdel", -3, "Delete one or more hash fields", {
    flags: ["write", "fast"],
    ...KEY1,
    since: "2.0.0",
    complexity: "O(N) where N is the number of fields to be removed.",
    keyFlags: ["RW", "delete"],
  }),
  hash("hlen", 2, "Get the number of fields in a hash", {
    flags: READ_FAST,
    ...KEY1,
    since: "2.0.0",
    keyFlags: ["RO"],
  }),
  hash("hstrlen", 3, "Get the length of the value of a hash field", {
    flags: READ_FAST,
    ...KEY1,
    since: "3.2.0",
    keyFlags: ["RO"],
  }),
  hash("hexists", 3, "Determine if a hash field exists", {
    flags: READ_FAST,
    ...KEY1,
    since: "2.0.0",
    keyFlags: ["RO"],
  }),
  hash("hkeys", 2, "Get all the fields in a hash", {
    flags: ["readonly"],
    ...KEY1,
    since: "2.0.0",
    complexity: ALL_COMPLEXITY,
    tips: ["nondeterministic_output_order"],
  }),
  hash("hvals", 2, "Get all the values in a hash", {
    flags: ["readonly"],
    ...KEY1,
    since: "2.0.0",
    complexity: ALL_COMPLEXITY,
    tips: ["nondeterministic_output_order"],
  }),
  hash("hgetall", 2, "Get all the fields and values in a hash", {
    flags: ["readonly"],
    ...KEY1,
    since: "2.0.0",
    complexity: ALL_COMPLEXITY,
    tips: ["nondeterministic_output_order"],
  }),
  hash("hincrby", 4, "Increment the integer value of a hash field by the given number", {
    flags: WRITE,
    ...KEY1,
    since: "2.0.0",
  }),
  hash("hincrbyfloat", 4, "Increment the float value of a hash field by the given amount", {
    flags: WRITE,
    ...KEY1,
    since: "2.6.0",
  }),
  hash("hrandfield", -2, "Get one or multiple random fields from a hash", {
    flags: ["readonly"],
    ...KEY1,
    since: "6.2.0",
    complexity: "O(N) where N is the number of fields returned",
    tips: ["nondeterministic_output"],
  }),
  hash("hscan", -3, "Incrementally iterate hash fields and associated values", {
    flags: ["readonly"],
    ...KEY1,
    since: "2.8.0",
    complexity: SCAN_COMPLEXITY,
    tips: ["nondeterministic_output"],
  }),
] as const satisfies readonly CommandSpec[];
