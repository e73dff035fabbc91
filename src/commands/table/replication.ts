// Commands about replication a client uses directly (the handshake's are in server.ts).
import { command } from "../spec.ts";

export const REPLICATION_COMMANDS = [
  command("wait", 3, {
    group: "generic",
    summary:
      "Wait for the synchronous replication of all the write commands sent in the context of the current connection",
    flags: ["noscript"],
    acl: ["connection"],
    since: "3.0.0",
    complexity: "O(1)",
    tips: ["request_policy:all_shards", "response_policy:agg_min"],
  }),
] as const;
