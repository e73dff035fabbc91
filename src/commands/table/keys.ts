// Generic keyspace commands: existence, types, renames, expiry, iteration.
import { ALL_KEYS, command, type CommandSpec, KEY1 } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function gen<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "generic", acl: ["keyspace"], summary, ...extra });
}
const TWO_KEYS = { firstKey: 1, lastKey: 2, step: 1 } as const;
const DEL_COMPLEXITY =
  "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).";
const UNLINK_COMPLEXITY =
  "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.";

export const KEY_COMMANDS = [
  gen("del", -2, "Delete a key", {
    tips: ["request_policy:multi_shard", "response_policy:agg_sum"],
    flags: ["write"],
    ...ALL_KEYS,
    complexity: DEL_COMPLEXITY,
  }),
  gen(
    "unlink",
    -2,
    "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.",
    {
      tips: ["request_policy:multi_shard", "response_policy:agg_sum"],
      flags: ["write", "fast"],
      ...ALL_KEYS,
      since: "4.0.0",
      complexity: UNLINK_COMPLEXITY,
    },
  ),
  gen("exists", -2, "Determine if a key exists", {
    tips: ["request_policy:multi_shard", "response_policy:agg_sum"],
    flags: ["readonly", "fast"],
    ...ALL_KEYS,
    complexity: "O(N) where N is the number of keys to check.",
  }),
  gen("type", 2, "Determine the type stored at key", { flags: ["readonly", "fast"], ...KEY1 }),
  gen("keys", 2, "Find all keys matching the given pattern", {
    tips: ["request_policy:all_shards", "nondeterministic_output_order"],
    flags: ["readonly"],
    acl: ["keyspace", "dangerous"],
    complexity:
      "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.",
  }),
  gen("scan", -2, "Incrementally iterate the keys space", {
    tips: ["nondeterministic_output", "request_policy:special"],
    flags: ["readonly"],
    since: "2.8.0",
    complexity:
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.",
  }),
  gen("randomkey", 1, "Return a random key from the keyspace", {
    tips: ["request_policy:all_shards", "nondeterministic_output"],
    flags: ["readonly"],
  }),
  gen("rename", 3, "Rename a key", { flags: ["write"], ...TWO_KEYS }),
  gen("renamenx", 3, "Rename a key, only if the new key does not exist", {
    flags: ["write", "fast"],
    ...TWO_KEYS,
  }),
  gen("copy", -3, "Copy a key", {
    flags: ["write", "denyoom"],
    ...TWO_KEYS,
    since: "6.2.0",
    complexity:
      "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.",
  }),
  gen("dump", 2, "Return a serialized version of the value stored at the specified key.", {
    tips: ["nondeterministic_output"],
    flags: ["readonly"],
    ...KEY1,
    since: "2.6.0",
    complexity:
      "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).",
  }),
  gen(
    "restore",
    -4,
    "Create a key using the provided serialized value, previously obtained using DUMP.",
    {
      acl: ["keyspace", "dangerous"],
      flags: ["write", "denyoom"],
      ...KEY1,
      keyFlags: ["OW", "update"],
      since: "2.6.0",
      complexity:
        "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).",
    },
  ),
  gen("move", 3, "Move a key to another database", { flags: ["write", "fast"], ...KEY1 }),
  gen("expire", -3, "Set a key's time to live in seconds", { flags: ["write", "fast"], ...KEY1 }),
  gen("pexpire", -3, "Set a key's time to live in milliseconds", {
    flags: ["write", "fast"],
    ...KEY1,
    since: "2.6.0",
  }),
  gen("expireat", -3, "Set the expiration for a key as a UNIX timestamp", {
    flags: ["write", "fast"],
    ...KEY1,
    since: "1.2.0",
  }),
  gen(
    "pexpireat",
    -3,
    "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
    {
      flags: ["write", "fast"],
      ...KEY1,
      since: "2.6.0",
    },
  ),
  gen("ttl", 2, "Get the time to live for a key in seconds", {
    tips: ["nondeterministic_output"],
    flags: ["readonly", "fast"],
    ...KEY1,
  }),
  gen("pttl", 2, "Get the time to live for a key in milliseconds", {
    tips: ["nondeterministic_output"],
    flags: ["readonly", "fast"],
    ...KEY1,
    since: "2.6.0",
  }),
  gen("expiretime", 2, "Get the expiration Unix timestamp for a key", {
    flags: ["readonly", "fast"],
    ...KEY1,
    since: "7.0.0",
  }),
  gen("pexpiretime", 2, "Get the expiration Unix timestamp for a key in milliseconds", {
    flags: ["readonly", "fast"],
    ...KEY1,
    since: "7.0.0",
  }),
  gen("persist", 2, "Remove the expiration from a key", {
    flags: ["write", "fast"],
    ...KEY1,
    since: "2.2.0",
  }),
  gen(
    "touch",
    -2,
    "Alters the last access time of a key(s). Returns the number of existing keys specified.",
    {
      tips: ["request_policy:multi_shard", "response_policy:agg_sum"],
      flags: ["readonly", "fast"],
      ...ALL_KEYS,
      since: "3.2.1",
      complexity: "O(N) where N is the number of keys that will be touched.",
    },
  ),
  gen("object", -2, "A container for object introspection commands", {
    container: true,
    // Redis lists only @slow for the container; its subcommands carry @keyspace.
    acl: [],
    since: "2.2.3",
    complexity: "Depends on subcommand.",
  }),
  gen("object|encoding", 3, "Inspect the internal encoding of a Redis object", {
    tips: ["nondeterministic_output"],
    flags: ["readonly"],
    firstKey: 2,
    lastKey: 2,
    step: 1,
    since: "2.2.3",
  }),
  gen("object|freq", 3, "Get the logarithmic access frequency counter of a Redis object", {
    tips: ["nondeterministic_output"],
    flags: ["readonly"],
    firstKey: 2,
    lastKey: 2,
    step: 1,
    since: "4.0.0",
  }),
  gen("object|idletime", 3, "Get the time since a Redis object was last accessed", {
    tips: ["nondeterministic_output"],
    flags: ["readonly"],
    firstKey: 2,
    lastKey: 2,
    step: 1,
    since: "2.2.3",
  }),
  gen("object|refcount", 3, "Get the number of references to the value of the key", {
    tips: ["nondeterministic_output"],
    flags: ["readonly"],
    firstKey: 2,
    lastKey: 2,
    step: 1,
    since: "2.2.3",
  }),
  gen("object|help", 2, "Show helpful text about the different subcommands", {
    flags: ["loading", "stale"],
    since: "6.2.0",
    complexity: "O(1)",
  }),
] as const;
