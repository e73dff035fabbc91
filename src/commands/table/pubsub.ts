// Pub/sub commands: channel, pattern and shard-channel subscriptions, publishing, and PUBSUB
// introspection. Facts copied from Redis 7.0's COMMAND INFO / COMMAND DOCS.
import { command, type CommandSpec } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function ps<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "pubsub", acl: ["pubsub"], summary, ...extra });
}
/** Sentinel serves these too (its hello channel and event notifications). */
const BOTH = ["server", "sentinel"] as const;
const SUB = ["pubsub", "noscript", "loading", "stale"] as const;
const INTROSPECT = ["pubsub", "loading", "stale"] as const;
/** Shard channels are declared as keys (for cluster slot routing) but are not keys. */
const NOT_KEY = ["not_key"] as const;

export const PUBSUB_COMMANDS = [
  ps("subscribe", -2, "Listen for messages published to the given channels", {
    flags: SUB,
    since: "2.0.0",
    complexity: "O(N) where N is the number of channels to subscribe to.",
    roles: BOTH,
  }),
  ps("unsubscribe", -1, "Stop listening for messages posted to the given channels", {
    flags: SUB,
    since: "2.0.0",
    complexity: "O(N) where N is the number of clients already subscribed to a channel.",
    roles: BOTH,
  }),
  ps("psubscribe", -2, "Listen for messages published to channels matching the given patterns", {
    flags: SUB,
    since: "2.0.0",
    complexity: "O(N) where N is the number of patterns the client is already subscribed to.",
    roles: BOTH,
  }),
  ps(
    "punsubscribe",
    -1,
    "Stop listening for messages posted to channels matching the given patterns",
    {
      flags: SUB,
      since: "2.0.0",
      complexity:
        "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
      roles: BOTH,
    },
  ),
  ps("publish", 3, "Post a message to a channel", {
    flags: ["pubsub", "loading", "stale", "fast"],
    since: "2.0.0",
    complexity:
      "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
    roles: BOTH,
  }),
  ps("pubsub", -2, "A container for Pub/Sub commands", {
    container: true,
    acl: [],
    since: "2.8.0",
    complexity: "Depends on subcommand.",
  }),
  ps("pubsub|channels", -2, "List active channels", {
    flags: INTROSPECT,
    since: "2.8.0",
    complexity:
      "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
  }),
  ps("pubsub|numsub", -2, "Get the count of subscribers for channels", {
    flags: INTROSPECT,
    since: "2.8.0",
    complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
  }),
  ps("pubsub|numpat", 2, "Get the count of unique patterns pattern subscriptions", {
    flags: INTROSPECT,
    since: "2.8.0",
    complexity: "O(1)",
  }),
  ps("pubsub|shardchannels", -2, "List active shard channels", {
    flags: INTROSPECT,
    since: "7.0.0",
    complexity:
      "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
  }),
  ps("pubsub|shardnumsub", -2, "Get the count of subscribers for shard channels", {
    flags: INTROSPECT,
    since: "7.0.0",
    complexity:
      "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
  }),
  ps("pubsub|help", 2, "Show helpful text about the different subcommands", {
    flags: ["loading", "stale"],
    acl: [],
    since: "6.2.0",
    complexity: "O(1)",
  }),
  ps("ssubscribe", -2, "Listen for messages published to the given shard channels", {
    flags: SUB,
    firstKey: 1,
    lastKey: -1,
    step: 1,
    keyFlags: NOT_KEY,
    since: "7.0.0",
    complexity: "O(N) where N is the number of shard channels to subscribe to.",
  }),
  ps("sunsubscribe", -1, "Stop listening for messages posted to the given shard channels", {
    flags: SUB,
    firstKey: 1,
    lastKey: -1,
    step: 1,
    keyFlags: NOT_KEY,
    since: "7.0.0",
    complexity: "O(N) where N is the number of clients already subscribed to a shard channel.",
  }),
  ps("spublish", 3, "Post a message to a shard channel", {
    flags: ["pubsub", "loading", "stale", "fast"],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    keyFlags: NOT_KEY,
    since: "7.0.0",
    complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.",
  }),
] as const satisfies readonly CommandSpec[];
