// SORT and SORT_RO, and where SORT's keys are (the sorted key, and the last STORE target).
import { command, type CommandSpec, KEY1 } from "../spec.ts";

const SORT_COMPLEXITY =
  "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).";

export const SORT_COMMANDS = [
  command("sort", -2, {
    group: "generic",
    acl: ["set", "sortedset", "list", "dangerous"],
    summary: "Sort the elements in a list, set or sorted set",
    flags: ["write", "denyoom", "movablekeys"],
    ...KEY1,
    complexity: SORT_COMPLEXITY,
    keyFlags: ["RO", "access"],
  }),
  command("sort_ro", -2, {
    group: "generic",
    acl: ["set", "sortedset", "list", "dangerous"],
    summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
    flags: ["readonly", "movablekeys"],
    ...KEY1,
    since: "7.0.0",
    complexity: SORT_COMPLEXITY,
  }),
] as const satisfies readonly CommandSpec[];

/** Arguments after each option word that SORT's key finder skips over. */
function skipAfter(word: string): number {
  switch (word) {
    case "limit":
      return 2;
    case "get":
    case "by":
      return 1;
    default:
      return 0;
  }
}

/**
 * The position of SORT's STORE key (the last STORE followed by an argument), or -1. Like
 * Redis, the scan skips LIMIT's two and BY/GET's one argument, so `LIMIT 0 STORE d` hides d.
 * `lower(i)` is argument i lower-cased, `argc` counts the name.
 */
export function sortStoreKeyAt(lower: (i: number) => string, argc: number): number {
  let at = -1;
  for (let i = 2; i < argc; i++) {
    const word = lower(i);
    const skip = skipAfter(word);
    if (skip > 0) {
      i += skip;
      continue;
    }
    // The word after STORE is not skipped: `STORE STORE d` stores into d.
    if (word === "store" && i + 1 < argc) at = i + 1;
  }
  return at;
}
