// Connection commands: handshake, authentication, database selection, client management.
import { command, type CommandSpec } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function conn<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "connection", acl: ["connection"], summary, ...extra });
}
const BOTH = ["server", "sentinel"] as const;
const ADMIN_CLIENT = {
  flags: ["admin", "noscript", "loading", "stale"],
  acl: ["connection", "dangerous"],
} as const;
const PLAIN_CLIENT = { flags: ["noscript", "loading", "stale"] } as const;

export const CONNECTION_COMMANDS = [
  conn("ping", -1, "Ping the server", {
    flags: ["fast"],
    roles: BOTH,
    tips: ["request_policy:all_shards", "response_policy:all_succeeded"],
  }),
  conn("echo", 2, "Echo the given string", { flags: ["loading", "stale", "fast"] }),
  conn("quit", -1, "Close the connection", {
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
  }),
  conn("hello", -1, "Handshake with Redis", {
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    since: "6.0.0",
    complexity: "O(1)",
    roles: BOTH,
  }),
  conn("auth", -2, "Authenticate to the server", {
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    complexity: "O(N) where N is the number of passwords defined for the user",
    roles: BOTH,
  }),
  conn("select", 2, "Change the selected database for the current connection", {
    flags: ["loading", "stale", "fast"],
  }),
  conn("reset", 1, "Reset the connection", {
    flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"],
    since: "6.2.0",
  }),
  conn("client", -2, "A container for client connection commands", {
    container: true,
    acl: [],
    since: "2.4.0",
    complexity: "Depends on subcommand.",
    roles: BOTH,
  }),
  conn("client|id", 2, "Returns the client ID for the current connection", {
    ...PLAIN_CLIENT,
    since: "5.0.0",
    roles: BOTH,
  }),
  conn("client|setname", 3, "Set the current connection name", {
    ...PLAIN_CLIENT,
    since: "2.6.9",
    roles: BOTH,
  }),
  conn("client|getname", 2, "Get the current connection name", {
    ...PLAIN_CLIENT,
    since: "2.6.9",
    roles: BOTH,
  }),
  conn("client|setinfo", 4, "Set client or connection specific info", {
    ...PLAIN_CLIENT,
    since: "7.2.0",
    roles: BOTH,
  }),
  conn("client|list", -2, "Get the list of client connections", {
    ...ADMIN_CLIENT,
    since: "2.4.0",
    complexity: "O(N) where N is the number of client connections",
    roles: BOTH,
    tips: ["nondeterministic_output"],
  }),
  conn("client|info", 2, "Returns information about the current client connection.", {
    ...PLAIN_CLIENT,
    since: "6.2.0",
    roles: BOTH,
    tips: ["nondeterministic_output"],
  }),
  conn("client|kill", -3, "Kill the connection of a client", {
    ...ADMIN_CLIENT,
    since: "2.4.0",
    complexity: "O(N) where N is the number of client connections",
    roles: BOTH,
  }),
  conn("client|pause", -3, "Stop processing commands from clients for some time", {
    ...ADMIN_CLIENT,
    since: "2.9.50",
    roles: BOTH,
  }),
  conn("client|unpause", 2, "Resume processing of clients that were paused", {
    ...ADMIN_CLIENT,
    since: "6.2.0",
    complexity: "O(N) Where N is the number of paused clients",
    roles: BOTH,
  }),
  conn("client|reply", 3, "Instruct the server whether to reply to commands", {
    ...PLAIN_CLIENT,
    since: "3.2.0",
    roles: BOTH,
  }),
  conn("client|no-evict", 3, "Set client eviction mode for the current connection", {
    ...ADMIN_CLIENT,
    since: "7.0.0",
    roles: BOTH,
  }),
  conn("client|tracking", -3, "Enable or disable server assisted client side caching support", {
    ...PLAIN_CLIENT,
    since: "6.0.0",
    complexity: "O(1). Some options may introduce additional complexity.",
    roles: BOTH,
  }),
  conn("client|caching", 3, "Instruct the server about tracking or not keys in the next request", {
    ...PLAIN_CLIENT,
    since: "6.0.0",
    roles: BOTH,
  }),
  conn(
    "client|trackinginfo",
    2,
    "Return information about server assisted client side caching for the current connection",
    { ...PLAIN_CLIENT, since: "6.2.0", roles: BOTH },
  ),
  conn("client|getredir", 2, "Get tracking notifications redirection client ID if any", {
    ...PLAIN_CLIENT,
    since: "6.0.0",
    roles: BOTH,
  }),
  conn(
    "client|unblock",
    -3,
    "Unblock a client blocked in a blocking command from a different connection",
    {
      ...ADMIN_CLIENT,
      since: "5.0.0",
      complexity: "O(log N) where N is the number of client connections",
      roles: BOTH,
    },
  ),
  conn("client|help", 2, "Show helpful text about the different subcommands", {
    flags: ["loading", "stale"],
    since: "5.0.0",
    roles: BOTH,
  }),
] as const;
