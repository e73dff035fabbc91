// What a command is, as data. Everything else (COMMAND replies, arity errors, ACL categories,
// write refusal on replicas, key extraction) is derived from these records.

export type CommandFlag =
  | "write"
  | "readonly"
  | "denyoom"
  | "admin"
  | "pubsub"
  | "noscript"
  | "blocking"
  | "loading"
  | "stale"
  | "skip_monitor"
  | "skip_slowlog"
  | "fast"
  | "no_auth"
  | "may_replicate"
  | "no_mandatory_keys"
  | "no_async_loading"
  | "no_multi"
  | "movablekeys"
  | "allow_busy";

/** Categories named by the spec; @read, @write, @admin, @fast... are derived from flags. */
export type AclCategory =
  | "keyspace"
  | "string"
  | "bitmap"
  | "list"
  | "hash"
  | "set"
  | "sortedset"
  | "hyperloglog"
  | "geo"
  | "stream"
  | "pubsub"
  | "connection"
  | "transaction"
  | "scripting"
  | "admin"
  | "dangerous";

export type CommandGroup =
  | "generic"
  | "string"
  | "bitmap"
  | "list"
  | "hash"
  | "set"
  | "sorted_set"
  | "hyperloglog"
  | "pubsub"
  | "transactions"
  | "connection"
  | "server"
  | "scripting"
  | "cluster"
  | "sentinel";

export type Role = "server" | "sentinel";

/** How to find key arguments when first/last/step cannot say it. */
export type KeyFinder =
  /** `numkeys` at this index, keys follow it (e.g. ZUNIONSTORE, LMPOP). */
  | { readonly numkeysAt: number; readonly firstAfter: number }
  /** Keys follow a keyword (e.g. `STREAMS`); unused for now. */
  | { readonly keyword: string };

export interface CommandSpec {
  /** Lower case; subcommands are `container|sub` (e.g. `client|setname`). */
  readonly name: string;
  /** Argument count including the name; negative means at least -arity. */
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  /** First key argument (1-based), 0 if none. */
  readonly firstKey: number;
  /** Last key argument; -1 is the last argument, -2 the one before... */
  readonly lastKey: number;
  readonly step: number;
  readonly acl: readonly AclCategory[];
  readonly group: CommandGroup;
  readonly since: string;
  readonly summary: string;
  readonly complexity: string;
  /** Roles that serve it; absent means the data node only. */
  readonly roles?: readonly Role[];
  /** True for containers (CLIENT, CONFIG...) whose work is done by subcommands. */
  readonly container?: true;
  /** Key positions not expressible as first/last/step. */
  readonly keys?: KeyFinder;
  /** COMMAND INFO tips (`nondeterministic_output`, `request_policy:all_shards`...). */
  readonly tips?: readonly string[];
  /** Key-spec flags (`RW`, `access`, `update`...); derived from write/readonly when absent. */
  readonly keyFlags?: readonly string[];
}

type Fields = Omit<Partial<CommandSpec>, "name" | "arity"> & {
  group: CommandGroup;
  summary: string;
};

/** A spec record with sensible defaults for the fields most commands share. */
export function command<const N extends string, const F extends Fields>(
  name: N,
  arity: number,
  fields: F,
):
  & CommandSpec
  & { readonly name: N }
  & (F extends { container: true } ? { readonly container: true }
    : unknown) {
  return {
    name,
    arity,
    flags: fields.flags ?? [],
    firstKey: fields.firstKey ?? 0,
    lastKey: fields.lastKey ?? 0,
    step: fields.step ?? 0,
    acl: fields.acl ?? [],
    group: fields.group,
    since: fields.since ?? "1.0.0",
    summary: fields.summary,
    complexity: fields.complexity ?? "O(1)",
    ...(fields.roles !== undefined ? { roles: fields.roles } : {}),
    ...(fields.container !== undefined ? { container: fields.container } : {}),
    ...(fields.keys !== undefined ? { keys: fields.keys } : {}),
    ...(fields.tips !== undefined ? { tips: fields.tips } : {}),
    ...(fields.keyFlags !== undefined ? { keyFlags: fields.keyFlags } : {}),
  } as
    & CommandSpec
    & { readonly name: N }
    & (F extends { container: true } ? { readonly container: true }
      : unknown);
}

/** A single-key command: key at 1. */
export const KEY1 = { firstKey: 1, lastKey: 1, step: 1 } as const;
/** Every argument from 1 is a key. */
export const ALL_KEYS = { firstKey: 1, lastKey: -1, step: 1 } as const;
