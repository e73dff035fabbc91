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
  | "sorted-set"
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

/** Key-spec flags, in the order COMMAND INFO prints them. */
export type KeySpecFlag =
  | "RO"
  | "RW"
  | "OW"
  | "RM"
  | "access"
  | "update"
  | "insert"
  | "delete"
  | "not_key"
  | "incomplete"
  | "variable_flags";

/** Where the search for a key spec's keys starts; null is Redis's `unknown`. */
export type BeginSearch =
  /** At a fixed argument (1-based, 0 = the command name). */
  | { readonly index: number }
  /** After the first `keyword` found from `startfrom` (negative: searching backwards from the end). */
  | { readonly keyword: string; readonly startfrom: number }
  | null;

/** Which arguments from the begin-search point are keys; null is Redis's `unknown`. */
export type FindKeys =
  /**
   * `lastkey` relative to the first key (negative: from the end of argv; with `limit` > 1, from
   * the end of the first 1/limit part of the remaining arguments), every `keystep`-th argument.
   */
  | { readonly lastkey: number; readonly keystep: number; readonly limit: number }
  /** A key count at `keynumidx`, keys from `firstkey` (both relative), every `keystep`-th. */
  | { readonly keynumidx: number; readonly firstkey: number; readonly keystep: number }
  | null;

/** One Redis 7.0 key specification (COMMAND INFO's eighth field holds a list of them). */
export interface KeySpec {
  readonly flags: readonly KeySpecFlag[];
  readonly begin: BeginSearch;
  readonly find: FindKeys;
  readonly notes?: string;
}

/** A key spec record (keeps the generated table one line per spec). */
export function keySpec(
  flags: readonly KeySpecFlag[],
  begin: BeginSearch,
  find: FindKeys,
  notes?: string,
): KeySpec {
  return notes === undefined ? { flags, begin, find } : { flags, begin, find, notes };
}

export function index(index: number): BeginSearch {
  return { index };
}

export function keyword(keyword: string, startfrom: number): BeginSearch {
  return { keyword, startfrom };
}

export function range(lastkey: number, keystep: number, limit: number): FindKeys {
  return { lastkey, keystep, limit };
}

export function keynum(keynumidx: number, firstkey: number, keystep: number): FindKeys {
  return { keynumidx, firstkey, keystep };
}

/** Redis's `unknown` begin-search / find-keys type: the command's own code finds the keys. */
export const UNKNOWN = null;

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
    : unknown)
  & (F extends { roles: infer R } ? { readonly roles: R } : unknown) {
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
      : unknown)
    & (F extends { roles: infer R } ? { readonly roles: R } : unknown);
}

/** A single-key command: key at 1. */
export const KEY1 = { firstKey: 1, lastKey: 1, step: 1 } as const;
/** Every argument from 1 is a key. */
export const ALL_KEYS = { firstKey: 1, lastKey: -1, step: 1 } as const;
