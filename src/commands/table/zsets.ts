// Sorted set commands, as COMMAND INFO and COMMAND DOCS of Redis 7.0 describe them.
import { command, type CommandSpec, KEY1 } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function z<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "sorted-set", acl: ["sortedset"], summary, ...extra });
}

const CX1 = "O(log(N)) with N being the number of elements in the sorted set.";
const CX2 =
  "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.";
const CX3 =
  "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).";
const CX4 =
  "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.";
const CX5 =
  "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.";
const CX6 =
  "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.";
const CX7 =
  "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.";
const CX8 =
  "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.";

export const ZSET_COMMANDS = [
  z(
    "zadd",
    -4,
    "Add one or more members to a sorted set, or update its score if it already exists",
    {
      flags: ["write", "denyoom", "fast"],
      ...KEY1,
      since: "1.2.0",
      complexity:
        "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
      keyFlags: ["RW", "update"],
    },
  ),
  z("zincrby", 4, "Increment the score of a member in a sorted set", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
    since: "1.2.0",
    complexity: "O(log(N)) where N is the number of elements in the sorted set.",
  }),
  z("zrem", -3, "Remove one or more members from a sorted set", {
    flags: ["write", "fast"],
    ...KEY1,
    since: "1.2.0",
    complexity:
      "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.",
    keyFlags: ["RW", "delete"],
  }),
  z("zcard", 2, "Get the number of members in a sorted set", {
    flags: ["readonly", "fast"],
    ...KEY1,
    since: "1.2.0",
    complexity: "O(1)",
    keyFlags: ["RO"],
  }),
  z("zscore", 3, "Get the score associated with the given member in a sorted set", {
    flags: ["readonly", "fast"],
    ...KEY1,
    since: "1.2.0",
    complexity: "O(1)",
  }),
  z("zmscore", -3, "Get the score associated with the given members in a sorted set", {
    flags: ["readonly", "fast"],
    ...KEY1,
    since: "6.2.0",
    complexity: "O(N) where N is the number of members being requested.",
  }),
  z("zrank", 3, "Determine the index of a member in a sorted set", {
    flags: ["readonly", "fast"],
    ...KEY1,
    since: "2.0.0",
    complexity: "O(log(N))",
  }),
  z(
    "zrevrank",
    3,
    "Determine the index of a member in a sorted set, with scores ordered from high to low",
    {
      flags: ["readonly", "fast"],
      ...KEY1,
      since: "2.0.0",
      complexity: "O(log(N))",
    },
  ),
  z("zcount", 4, "Count the members in a sorted set with scores within the given values", {
    flags: ["readonly", "fast"],
    ...KEY1,
    since: "2.0.0",
    complexity: CX1,
  }),
  z(
    "zlexcount",
    4,
    "Count the number of members in a sorted set between a given lexicographical range",
    {
      flags: ["readonly", "fast"],
      ...KEY1,
      since: "2.8.9",
      complexity: CX1,
    },
  ),
  z("zrange", -4, "Return a range of members in a sorted set", {
    flags: ["readonly"],
    ...KEY1,
    since: "1.2.0",
    complexity: CX2,
  }),
  z("zrangestore", -5, "Store a range of members from sorted set into another key", {
    flags: ["write", "denyoom"],
    firstKey: 1,
    lastKey: 2,
    step: 1,
    since: "6.2.0",
    complexity:
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.",
    keyFlags: ["OW", "update"],
  }),
  z(
    "zrevrange",
    -4,
    "Return a range of members in a sorted set, by index, with scores ordered from high to low",
    {
      flags: ["readonly"],
      ...KEY1,
      since: "1.2.0",
      complexity: CX2,
    },
  ),
  z("zrangebyscore", -4, "Return a range of members in a sorted set, by score", {
    flags: ["readonly"],
    ...KEY1,
    since: "1.0.5",
    complexity: CX3,
  }),
  z(
    "zrevrangebyscore",
    -4,
    "Return a range of members in a sorted set, by score, with scores ordered from high to low",
    {
      flags: ["readonly"],
      ...KEY1,
      since: "2.2.0",
      complexity: CX3,
    },
  ),
  z("zrangebylex", -4, "Return a range of members in a sorted set, by lexicographical range", {
    flags: ["readonly"],
    ...KEY1,
    since: "2.8.9",
    complexity: CX3,
  }),
  z(
    "zrevrangebylex",
    -4,
    "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.",
    {
      flags: ["readonly"],
      ...KEY1,
      since: "2.8.9",
      complexity: CX3,
    },
  ),
  z("zremrangebyrank", 4, "Remove all members in a sorted set within the given indexes", {
    flags: ["write"],
    ...KEY1,
    since: "2.0.0",
    complexity: CX4,
    keyFlags: ["RW", "delete"],
  }),
  z("zremrangebyscore", 4, "Remove all members in a sorted set within the given scores", {
    flags: ["write"],
    ...KEY1,
    since: "1.2.0",
    complexity: CX4,
    keyFlags: ["RW", "delete"],
  }),
  z(
    "zremrangebylex",
    4,
    "Remove all members in a sorted set between the given lexicographical range",
    {
      flags: ["write"],
      ...KEY1,
      since: "2.8.9",
      complexity: CX4,
      keyFlags: ["RW", "delete"],
    },
  ),
  z("zpopmin", -2, "Remove and return members with the lowest scores in a sorted set", {
    flags: ["write", "fast"],
    ...KEY1,
    since: "5.0.0",
    complexity: CX5,
    keyFlags: ["RW", "access", "delete"],
  }),
  z("zpopmax", -2, "Remove and return members with the highest scores in a sorted set", {
    flags: ["write", "fast"],
    ...KEY1,
    since: "5.0.0",
    complexity: CX5,
    keyFlags: ["RW", "access", "delete"],
  }),
  z("zmpop", -4, "Remove and return members with scores in a sorted set", {
    flags: ["write", "movablekeys"],
    keys: { numkeysAt: 1, firstAfter: 2 },
    since: "7.0.0",
    complexity: CX6,
    keyFlags: ["RW", "access", "delete"],
  }),
  z(
    "bzpopmin",
    -3,
    "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available",
    {
      flags: ["write", "noscript", "blocking", "fast"],
      firstKey: 1,
      lastKey: -2,
      step: 1,
      since: "5.0.0",
      complexity: CX1,
      keyFlags: ["RW", "access", "delete"],
    },
  ),
  z(
    "bzpopmax",
    -3,
    "Remove and return the member with the highest score from one or more sorted sets, or block until one is available",
    {
      flags: ["write", "noscript", "blocking", "fast"],
      firstKey: 1,
      lastKey: -2,
      step: 1,
      since: "5.0.0",
      complexity: CX1,
      keyFlags: ["RW", "access", "delete"],
    },
  ),
  z(
    "bzmpop",
    -5,
    "Remove and return members with scores in a sorted set or block until one is available",
    {
      flags: ["write", "blocking", "movablekeys"],
      keys: { numkeysAt: 2, firstAfter: 3 },
      since: "7.0.0",
      complexity: CX6,
      keyFlags: ["RW", "access", "delete"],
    },
  ),
  z("zrandmember", -2, "Get one or multiple random elements from a sorted set", {
    flags: ["readonly"],
    ...KEY1,
    since: "6.2.0",
    complexity: "O(N) where N is the number of elements returned",
    tips: ["nondeterministic_output"],
  }),
  z("zunion", -3, "Add multiple sorted sets", {
    flags: ["readonly", "movablekeys"],
    keys: { numkeysAt: 1, firstAfter: 2 },
    since: "6.2.0",
    complexity:
      "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
  }),
  z("zunionstore", -4, "Add multiple sorted sets and store the resulting sorted set in a new key", {
    flags: ["write", "denyoom", "movablekeys"],
    ...KEY1,
    keys: { numkeysAt: 2, firstAfter: 3 },
    since: "2.0.0",
    complexity:
      "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.",
    keyFlags: ["OW", "update"],
  }),
  z("zinter", -3, "Intersect multiple sorted sets", {
    flags: ["readonly", "movablekeys"],
    keys: { numkeysAt: 1, firstAfter: 2 },
    since: "6.2.0",
    complexity: CX7,
  }),
  z(
    "zinterstore",
    -4,
    "Intersect multiple sorted sets and store the resulting sorted set in a new key",
    {
      flags: ["write", "denyoom", "movablekeys"],
      ...KEY1,
      keys: { numkeysAt: 2, firstAfter: 3 },
      since: "2.0.0",
      complexity: CX7,
      keyFlags: ["OW", "update"],
    },
  ),
  z("zintercard", -3, "Intersect multiple sorted sets and return the cardinality of the result", {
    flags: ["readonly", "movablekeys"],
    keys: { numkeysAt: 1, firstAfter: 2 },
    since: "7.0.0",
    complexity:
      "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.",
  }),
  z("zdiff", -3, "Subtract multiple sorted sets", {
    flags: ["readonly", "movablekeys"],
    keys: { numkeysAt: 1, firstAfter: 2 },
    since: "6.2.0",
    complexity: CX8,
  }),
  z(
    "zdiffstore",
    -4,
    "Subtract multiple sorted sets and store the resulting sorted set in a new key",
    {
      flags: ["write", "denyoom", "movablekeys"],
      ...KEY1,
      keys: { numkeysAt: 2, firstAfter: 3 },
      since: "6.2.0",
      complexity: CX8,
      keyFlags: ["OW", "update"],
    },
  ),
  z("zscan", -3, "Incrementally iterate sorted sets elements and associated scores", {
    flags: ["readonly"],
    ...KEY1,
    since: "2.8.0",
    complexity:
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..",
    tips: ["nondeterministic_output"],
  }),
] as const satisfies readonly CommandSpec[];
