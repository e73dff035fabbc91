// Server commands: introspection, configuration, administration.
import { command, type CommandSpec } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function srv<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "server", summary, ...extra });
}
const BOTH = ["server", "sentinel"] as const;
const ADMIN = ["admin", "noscript", "loading", "stale"] as const;
const DANGER = ["dangerous"] as const;
const HELP = { flags: ["loading", "stale"], since: "5.0.0" } as const;

export const SERVER_COMMANDS = [
  srv("info", -1, "Get information and statistics about the server", {
    flags: ["loading", "stale"],
    acl: DANGER,
    complexity: "O(1)",
    roles: BOTH,
    tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
  }),
  srv("config", -2, "A container for server configuration commands", {
    container: true,
    since: "2.0.0",
    complexity: "Depends on subcommand.",
  }),
  srv("config|get", -3, "Get the values of configuration parameters", {
    flags: ADMIN,
    acl: DANGER,
    since: "2.0.0",
    complexity: "O(N) when N is the number of configuration parameters provided",
  }),
  srv("config|set", -4, "Set configuration parameters to the given values", {
    flags: ADMIN,
    acl: DANGER,
    since: "2.0.0",
    complexity: "O(N) when N is the number of configuration parameters provided",
    tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
  }),
  srv("config|resetstat", 2, "Reset the stats returned by INFO", {
    flags: ADMIN,
    acl: DANGER,
    since: "2.0.0",
  }),
  srv("config|rewrite", 2, "Rewrite the configuration file with the in memory configuration", {
    flags: ADMIN,
    acl: DANGER,
    since: "2.8.0",
  }),
  srv("config|help", 2, "Show helpful text about the different subcommands", HELP),
  srv("dbsize", 1, "Return the number of keys in the selected database", {
    flags: ["readonly", "fast"],
    acl: ["keyspace"],
    tips: ["request_policy:all_shards", "response_policy:agg_sum"],
  }),
  srv("flushdb", -1, "Remove all keys from the current database", {
    flags: ["write"],
    acl: ["keyspace", "dangerous"],
    complexity: "O(N) where N is the number of keys in the selected database",
    tips: ["request_policy:all_shards", "response_policy:all_succeeded"],
  }),
  srv("flushall", -1, "Remove all keys from all databases", {
    flags: ["write"],
    acl: ["keyspace", "dangerous"],
    complexity: "O(N) where N is the total number of keys in all databases",
    tips: ["request_policy:all_shards", "response_policy:all_succeeded"],
  }),
  srv("swapdb", 3, "Swaps two Redis databases", {
    flags: ["write", "fast"],
    acl: ["keyspace", "dangerous"],
    since: "4.0.0",
    complexity:
      "O(N) where N is the count of clients watching or blocking on keys from both databases.",
  }),
  srv("time", 1, "Return the current server time", {
    flags: ["loading", "stale", "fast"],
    since: "2.6.0",
    tips: ["nondeterministic_output"],
  }),
  srv("save", 1, "Synchronously save the dataset to disk", {
    flags: ["admin", "noscript", "no_async_loading", "no_multi"],
    acl: DANGER,
    complexity: "O(N) where N is the total number of keys in all databases",
  }),
  srv("bgsave", -1, "Asynchronously save the dataset to disk", {
    flags: ["admin", "noscript", "no_async_loading"],
    acl: DANGER,
    since: "1.0.0",
    complexity: "O(1)",
  }),
  srv("psync", -3, "Internal command used for replication", {
    flags: ["admin", "noscript", "no_async_loading", "no_multi"],
    acl: DANGER,
    since: "2.8.0",
    complexity: "",
  }),
  srv("sync", 1, "Internal command used for replication", {
    flags: ["admin", "noscript", "no_async_loading", "no_multi"],
    acl: DANGER,
    since: "1.0.0",
    complexity: "",
  }),
  srv("replconf", -1, "An internal command for configuring the replication stream", {
    flags: ["admin", "noscript", "loading", "stale", "allow_busy"],
    acl: DANGER,
    since: "3.0.0",
    complexity: "O(1)",
  }),
  srv("replicaof", 3, "Make the server a replica of another instance, or promote it as master.", {
    flags: ["admin", "noscript", "stale", "no_async_loading"],
    acl: DANGER,
    since: "5.0.0",
  }),
  srv("slaveof", 3, "Make the server a replica of another instance, or promote it as master.", {
    flags: ["admin", "noscript", "stale", "no_async_loading"],
    acl: DANGER,
  }),
  srv("failover", -1, "Start a coordinated failover between this server and one of its replicas.", {
    flags: ["admin", "noscript", "stale"],
    acl: DANGER,
    since: "6.2.0",
    complexity: "O(1)",
  }),
  srv("role", 1, "Return the role of the instance in the context of replication", {
    flags: ["noscript", "loading", "stale", "fast"],
    acl: ["admin", "dangerous"],
    since: "2.8.12",
    roles: BOTH,
  }),
  srv("lastsave", 1, "Get the UNIX time stamp of the last successful save to disk", {
    flags: ["loading", "stale", "fast"],
    acl: ["admin", "dangerous"],
    tips: ["nondeterministic_output"],
  }),
  srv("shutdown", -1, "Synchronously save the dataset to disk and then shut down the server", {
    flags: [...ADMIN, "no_multi", "allow_busy"],
    acl: DANGER,
    complexity:
      "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)",
    roles: BOTH,
  }),
  srv("command", -1, "Get array of Redis command details", {
    flags: ["loading", "stale"],
    acl: ["connection"],
    since: "2.8.13",
    complexity: "O(N) where N is the total number of Redis commands",
    roles: BOTH,
    tips: ["nondeterministic_output_order"],
  }),
  srv("command|count", 2, "Get total number of Redis commands", {
    flags: ["loading", "stale"],
    acl: ["connection"],
    since: "2.8.13",
    roles: BOTH,
  }),
  srv(
    "command|info",
    -2,
    "Get array of specific Redis command details, or all when no argument is given.",
    {
      flags: ["loading", "stale"],
      acl: ["connection"],
      since: "2.8.13",
      complexity: "O(N) where N is the number of commands to look up",
      roles: BOTH,
      tips: ["nondeterministic_output_order"],
    },
  ),
  srv("command|docs", -2, "Get array of specific Redis command documentation", {
    flags: ["loading", "stale"],
    acl: ["connection"],
    since: "7.0.0",
    complexity: "O(N) where N is the number of commands to look up",
    roles: BOTH,
    tips: ["nondeterministic_output_order"],
  }),
  srv("command|getkeys", -4, "Extract keys given a full Redis command", {
    flags: ["loading", "stale"],
    acl: ["connection"],
    since: "2.8.13",
    complexity: "O(N) where N is the number of arguments to the command",
    roles: BOTH,
  }),
  srv("command|getkeysandflags", -4, "Extract keys and access flags given a full Redis command", {
    flags: ["loading", "stale"],
    acl: ["connection"],
    since: "7.0.0",
    complexity: "O(N) where N is the number of arguments to the command",
    roles: BOTH,
  }),
  srv("command|list", -2, "Get an array of Redis command names", {
    flags: ["loading", "stale"],
    acl: ["connection"],
    since: "7.0.0",
    complexity: "O(N) where N is the total number of Redis commands",
    roles: BOTH,
    tips: ["nondeterministic_output_order"],
  }),
  srv("command|help", 2, "Show helpful text about the different subcommands", {
    ...HELP,
    acl: ["connection"],
    roles: BOTH,
  }),
  srv("debug", -2, "A container for debugging commands", {
    flags: ADMIN,
    acl: DANGER,
    complexity: "Depends on subcommand.",
  }),
  srv("memory", -2, "A container for memory diagnostics commands", {
    container: true,
    since: "4.0.0",
    complexity: "Depends on subcommand.",
  }),
  srv("memory|usage", -3, "Estimate the memory usage of a key", {
    flags: ["readonly"],
    firstKey: 2,
    lastKey: 2,
    step: 1,
    since: "4.0.0",
    complexity: "O(N) where N is the number of samples.",
    keyFlags: ["RO"],
  }),
  srv("memory|stats", 2, "Show memory usage details", {
    since: "4.0.0",
    tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
  }),
  srv("memory|doctor", 2, "Outputs memory problems report", {
    since: "4.0.0",
    tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
  }),
  srv("memory|malloc-stats", 2, "Show allocator internal stats", {
    since: "4.0.0",
    complexity: "Depends on how much memory is allocated, could be slow",
    tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
  }),
  srv("memory|purge", 2, "Ask the allocator to release memory", {
    since: "4.0.0",
    complexity: "Depends on how much memory is allocated, could be slow",
    tips: ["request_policy:all_shards", "response_policy:all_succeeded"],
  }),
  srv("memory|help", 2, "Show helpful text about the different subcommands", {
    ...HELP,
    since: "4.0.0",
  }),
  srv("slowlog", -2, "A container for slow log commands", {
    container: true,
    since: "2.2.12",
    complexity: "Depends on subcommand.",
  }),
  srv("slowlog|get", -2, "Get the slow log's entries", {
    flags: ["admin", "loading", "stale"],
    acl: DANGER,
    since: "2.2.12",
    complexity: "O(N) where N is the number of entries returned",
    tips: ["request_policy:all_nodes", "nondeterministic_output"],
  }),
  srv("slowlog|len", 2, "Get the slow log's length", {
    flags: ["admin", "loading", "stale"],
    acl: DANGER,
    since: "2.2.12",
    tips: ["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"],
  }),
  srv("slowlog|reset", 2, "Clear all entries from the slow log", {
    flags: ["admin", "loading", "stale"],
    acl: DANGER,
    since: "2.2.12",
    complexity: "O(N) where N is the number of entries in the slowlog",
    tips: ["request_policy:all_nodes", "response_policy:all_succeeded"],
  }),
  srv("slowlog|help", 2, "Show helpful text about the different subcommands", {
    ...HELP,
    since: "6.2.0",
  }),
  srv("monitor", 1, "Listen for all requests received by the server in real time", {
    flags: ADMIN,
    acl: DANGER,
    complexity: "",
  }),
] as const;
