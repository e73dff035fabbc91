// Transaction commands: MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis 7.0's COMMAND INFO/DOCS).
import { ALL_KEYS, command, type CommandSpec } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function tx<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "transactions", acl: ["transaction"], summary, ...extra });
}

const QUICK = ["noscript", "loading", "stale", "fast", "allow_busy"] as const;

export const TRANSACTION_COMMANDS = [
  tx("multi", 1, "Mark the start of a transaction block", { flags: QUICK, since: "1.2.0" }),
  tx("exec", 1, "Execute all commands issued after MULTI", {
    flags: ["noscript", "loading", "stale", "skip_slowlog"],
    since: "1.2.0",
    complexity: "Depends on commands in the transaction",
  }),
  tx("discard", 1, "Discard all commands issued after MULTI", {
    flags: QUICK,
    since: "2.0.0",
    complexity: "O(N), when N is the number of queued commands",
  }),
  tx("watch", -2, "Watch the given keys to determine execution of the MULTI/EXEC block", {
    flags: QUICK,
    ...ALL_KEYS,
    since: "2.2.0",
    complexity: "O(1) for every key.",
    keyFlags: ["RO"],
  }),
  tx("unwatch", 1, "Forget about all watched keys", { flags: QUICK, since: "2.2.0" }),
] as const satisfies readonly CommandSpec[];
