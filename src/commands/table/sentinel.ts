// The SENTINEL command family, served only by the sentinel role.
import { command, type CommandSpec } from "../spec.ts";

type Extra = Omit<Partial<CommandSpec>, "name" | "arity" | "group" | "summary">;
function sen<const N extends string, const E extends Extra>(
  name: N,
  arity: number,
  summary: string,
  extra: E,
) {
  return command(name, arity, { group: "sentinel", summary, roles: ONLY, ...extra });
}
const ONLY = ["sentinel"] as const;
const ADMIN = { flags: ["admin"], acl: ["dangerous"], since: "2.8.4" } as const;

export const SENTINEL_COMMANDS = [
  sen("sentinel", -2, "A container for Sentinel commands", { ...ADMIN, container: true }),
  sen("sentinel|ckquorum", 3, "Checks whether the monitored master can reach quorum", ADMIN),
  sen("sentinel|config", -3, "Gets or sets the Sentinel's global configuration", {
    ...ADMIN,
    since: "6.2.0",
  }),
  sen("sentinel|debug", -2, "Lists or changes the Sentinel's timing parameters", {
    ...ADMIN,
    since: "7.0.0",
  }),
  sen("sentinel|failover", 3, "Forces a failover without asking other Sentinels", ADMIN),
  sen("sentinel|flushconfig", 2, "Rewrites the Sentinel configuration file", ADMIN),
  sen("sentinel|get-master-addr-by-name", 3, "Returns the address of a monitored master", ADMIN),
  sen("sentinel|help", 2, "Shows the SENTINEL subcommands", {
    flags: ["loading", "stale"],
    since: "6.2.0",
  }),
  sen("sentinel|info-cache", -3, "Returns the cached INFO of a master and its replicas", {
    ...ADMIN,
    since: "3.2.0",
  }),
  sen(
    "sentinel|is-master-down-by-addr",
    6,
    "Tells whether a master is down, and votes for a leader",
    ADMIN,
  ),
  sen("sentinel|master", 3, "Returns the state of a monitored master", ADMIN),
  sen("sentinel|masters", 2, "Lists the monitored masters and their state", ADMIN),
  sen("sentinel|monitor", 6, "Starts monitoring a master", ADMIN),
  sen("sentinel|myid", 2, "Returns the Sentinel's run id", { ...ADMIN, since: "6.2.0" }),
  sen("sentinel|pending-scripts", 2, "Lists the scripts waiting to run", ADMIN),
  sen("sentinel|remove", 3, "Stops monitoring a master", ADMIN),
  sen("sentinel|replicas", 3, "Lists the replicas of a master and their state", {
    ...ADMIN,
    since: "5.0.0",
  }),
  sen("sentinel|reset", 3, "Resets the masters whose names match a pattern", ADMIN),
  sen("sentinel|sentinels", 3, "Lists the other Sentinels of a master and their state", ADMIN),
  sen("sentinel|set", -5, "Changes the configuration of a monitored master", ADMIN),
  sen("sentinel|simulate-failure", -3, "Makes the Sentinel crash at a chosen point", {
    ...ADMIN,
    since: "3.2.0",
  }),
  sen("sentinel|slaves", 3, "Lists the replicas of a master and their state", ADMIN),
] as const;
