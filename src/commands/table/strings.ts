// String and bitmap commands.
import { ALL_KEYS, command, type CommandSpec, KEY1 } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function str<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "string", acl: ["string"], summary, ...extra });
}
function bit<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "bitmap", acl: ["bitmap"], summary, ...extra });
}

const GETRANGE_COMPLEXITY =
  "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.";

export const STRING_COMMANDS = [
  str("get", 2, "Get the value of a key", { flags: ["readonly", "fast"], ...KEY1 }),
  str("set", -3, "Set the string value of a key", {
    flags: ["write", "denyoom"],
    ...KEY1,
    complexity: "O(1)",
  }),
  str("setnx", 3, "Set the value of a key, only if the key does not exist", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
  }),
  str("setex", 4, "Set the value and expiration of a key", {
    flags: ["write", "denyoom"],
    ...KEY1,
    since: "2.0.0",
  }),
  str("psetex", 4, "Set the value and expiration in milliseconds of a key", {
    flags: ["write", "denyoom"],
    ...KEY1,
    since: "2.6.0",
  }),
  str("mget", -2, "Get the values of all the given keys", {
    tips: ["request_policy:multi_shard"],
    flags: ["readonly", "fast"],
    ...ALL_KEYS,
    complexity: "O(N) where N is the number of keys to retrieve.",
  }),
  str("mset", -3, "Set multiple keys to multiple values", {
    tips: ["request_policy:multi_shard", "response_policy:all_succeeded"],
    flags: ["write", "denyoom"],
    firstKey: 1,
    lastKey: -1,
    step: 2,
    since: "1.0.1",
    complexity: "O(N) where N is the number of keys to set.",
  }),
  str("msetnx", -3, "Set multiple keys to multiple values, only if none of the keys exist", {
    tips: ["request_policy:multi_shard", "response_policy:agg_min"],
    flags: ["write", "denyoom"],
    firstKey: 1,
    lastKey: -1,
    step: 2,
    since: "1.0.1",
    complexity: "O(N) where N is the number of keys to set.",
  }),
  str("getset", 3, "Set the string value of a key and return its old value", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
  }),
  str("getdel", 2, "Get the value of a key and delete the key", {
    flags: ["write", "fast"],
    ...KEY1,
    since: "6.2.0",
  }),
  str("getex", -2, "Get the value of a key and optionally set its expiration", {
    flags: ["write", "fast"],
    ...KEY1,
    since: "6.2.0",
  }),
  str("append", 3, "Append a value to a key", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
    since: "2.0.0",
    complexity:
      "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
  }),
  str("strlen", 2, "Get the length of the value stored in a key", {
    flags: ["readonly", "fast"],
    ...KEY1,
    since: "2.2.0",
  }),
  str("incr", 2, "Increment the integer value of a key by one", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
  }),
  str("decr", 2, "Decrement the integer value of a key by one", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
  }),
  str("incrby", 3, "Increment the integer value of a key by the given amount", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
  }),
  str("decrby", 3, "Decrement the integer value of a key by the given number", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
  }),
  str("incrbyfloat", 3, "Increment the float value of a key by the given amount", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
    since: "2.6.0",
  }),
  str("getrange", 4, "Get a substring of the string stored at a key", {
    flags: ["readonly"],
    ...KEY1,
    since: "2.4.0",
    complexity: GETRANGE_COMPLEXITY,
  }),
  str("substr", 4, "Get a substring of the string stored at a key", {
    flags: ["readonly"],
    ...KEY1,
    complexity: GETRANGE_COMPLEXITY,
  }),
  str("setrange", 4, "Overwrite part of a string at key starting at the specified offset", {
    flags: ["write", "denyoom"],
    ...KEY1,
    since: "2.2.0",
    complexity:
      "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
  }),
  str("lcs", -3, "Find longest common substring", {
    flags: ["readonly"],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    since: "7.0.0",
    complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively",
  }),
  bit("setbit", 4, "Sets or clears the bit at offset in the string value stored at key", {
    flags: ["write", "denyoom"],
    ...KEY1,
    since: "2.2.0",
  }),
  bit("getbit", 3, "Returns the bit value at offset in the string value stored at key", {
    flags: ["readonly", "fast"],
    ...KEY1,
    since: "2.2.0",
  }),
  bit("bitcount", -2, "Count set bits in a string", {
    flags: ["readonly"],
    ...KEY1,
    since: "2.6.0",
    complexity: "O(N)",
  }),
  bit("bitpos", -3, "Find first bit set or clear in a string", {
    flags: ["readonly"],
    ...KEY1,
    since: "2.8.7",
    complexity: "O(N)",
  }),
  bit("bitop", -4, "Perform bitwise operations between strings", {
    flags: ["write", "denyoom"],
    firstKey: 2,
    lastKey: -1,
    step: 1,
    since: "2.6.0",
    complexity: "O(N)",
  }),
  bit("bitfield", -2, "Perform arbitrary bitfield integer operations on strings", {
    flags: ["write", "denyoom"],
    ...KEY1,
    since: "3.2.0",
    complexity: "O(1) for each subcommand specified",
  }),
  bit(
    "bitfield_ro",
    -2,
    "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
    {
      flags: ["readonly", "fast"],
      ...KEY1,
      since: "6.0.0",
      complexity: "O(1) for each subcommand specified",
    },
  ),
] as const;
