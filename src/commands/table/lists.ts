// List commands, blocking ones included. Arity, flags, key positions, ACL categories, since,
// summary and complexity are Redis 7.0's (COMMAND INFO / COMMAND DOCS).
import { command, type CommandSpec, KEY1 } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function list<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "list", acl: ["list"], summary, ...extra });
}

const PUSH_COMPLEXITY =
  "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.";
const INSERT = ["RW", "insert"];
const POP = ["RW", "access", "delete"];
const SRC_DST = { firstKey: 1, lastKey: 2, step: 1 } as const;
const BLOCKING_KEYS = { firstKey: 1, lastKey: -2, step: 1 } as const;

export const LIST_COMMANDS = [
  list("lpush", -3, "Prepend one or multiple elements to a list", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
    keyFlags: INSERT,
    complexity: PUSH_COMPLEXITY,
  }),
  list("rpush", -3, "Append one or multiple elements to a list", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
    keyFlags: INSERT,
    complexity: PUSH_COMPLEXITY,
  }),
  list("lpushx", -3, "Prepend an element to a list, only if the list exists", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
    keyFlags: INSERT,
    since: "2.2.0",
    complexity: PUSH_COMPLEXITY,
  }),
  list("rpushx", -3, "Append an element to a list, only if the list exists", {
    flags: ["write", "denyoom", "fast"],
    ...KEY1,
    keyFlags: INSERT,
    since: "2.2.0",
    complexity: PUSH_COMPLEXITY,
  }),
  list("lpop", -2, "Remove and get the first elements in a list", {
    flags: ["write", "fast"],
    ...KEY1,
    keyFlags: POP,
    complexity: "O(N) where N is the number of elements returned",
  }),
  list("rpop", -2, "Remove and get the last elements in a list", {
    flags: ["write", "fast"],
    ...KEY1,
    keyFlags: POP,
    complexity: "O(N) where N is the number of elements returned",
  }),
  list("llen", 2, "Get the length of a list", {
    flags: ["readonly", "fast"],
    ...KEY1,
    keyFlags: ["RO"],
  }),
  list("lrange", 4, "Get a range of elements from a list", {
    flags: ["readonly"],
    ...KEY1,
    complexity:
      "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.",
  }),
  list("lindex", 3, "Get an element from a list by its index", {
    flags: ["readonly"],
    ...KEY1,
    complexity:
      "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).",
  }),
  list("lset", 4, "Set the value of an element in a list by its index", {
    flags: ["write", "denyoom"],
    ...KEY1,
    keyFlags: ["RW", "update"],
    complexity:
      "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).",
  }),
  list("linsert", 5, "Insert an element before or after another element in a list", {
    flags: ["write", "denyoom"],
    ...KEY1,
    keyFlags: INSERT,
    since: "2.2.0",
    complexity:
      "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).",
  }),
  list("lrem", 4, "Remove elements from a list", {
    flags: ["write"],
    ...KEY1,
    keyFlags: ["RW", "delete"],
    complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.",
  }),
  list("ltrim", 4, "Trim a list to the specified range", {
    flags: ["write"],
    ...KEY1,
    keyFlags: ["RW", "delete"],
    complexity: "O(N) where N is the number of elements to be removed by the operation.",
  }),
  list("lpos", -3, "Return the index of matching elements on a list", {
    flags: ["readonly"],
    ...KEY1,
    since: "6.0.6",
    complexity:
      "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.",
  }),
  list("lmove", 5, "Pop an element from a list, push it to another list and return it", {
    flags: ["write", "denyoom"],
    ...SRC_DST,
    keyFlags: POP,
    since: "6.2.0",
  }),
  list(
    "rpoplpush",
    3,
    "Remove the last element in a list, prepend it to another list and return it",
    { flags: ["write", "denyoom"], ...SRC_DST, keyFlags: POP, since: "1.2.0" },
  ),
  list("lmpop", -4, "Pop elements from a list", {
    flags: ["write"],
    keys: { numkeysAt: 1, firstAfter: 2 },
    keyFlags: POP,
    since: "7.0.0",
    complexity:
      "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
  }),
  list(
    "blpop",
    -3,
    "Remove and get the first element in a list, or block until one is available",
    {
      flags: ["write", "noscript", "blocking"],
      ...BLOCKING_KEYS,
      keyFlags: POP,
      since: "2.0.0",
      complexity: "O(N) where N is the number of provided keys.",
    },
  ),
  list(
    "brpop",
    -3,
    "Remove and get the last element in a list, or block until one is available",
    {
      flags: ["write", "noscript", "blocking"],
      ...BLOCKING_KEYS,
      keyFlags: POP,
      since: "2.0.0",
      complexity: "O(N) where N is the number of provided keys.",
    },
  ),
  list(
    "blmove",
    6,
    "Pop an element from a list, push it to another list and return it; or block until one is available",
    {
      flags: ["write", "denyoom", "noscript", "blocking"],
      ...SRC_DST,
      keyFlags: POP,
      since: "6.2.0",
    },
  ),
  list(
    "brpoplpush",
    4,
    "Pop an element from a list, push it to another list and return it; or block until one is available",
    {
      flags: ["write", "denyoom", "noscript", "blocking"],
      ...SRC_DST,
      keyFlags: POP,
      since: "2.2.0",
    },
  ),
  list("blmpop", -5, "Pop elements from a list, or block until one is available", {
    flags: ["write", "blocking"],
    keys: { numkeysAt: 2, firstAfter: 3 },
    keyFlags: POP,
    since: "7.0.0",
    complexity:
      "O(N+M) where N is the number of provided keys and M is the number of elements returned.",
  }),
] as const satisfies readonly CommandSpec[];
