// The command registry: one table of specs (./table) and the views derived from it — lookup by
// name, subcommands, ACL categories, key specs and key extraction (COMMAND GETKEYS), and the
// data behind COMMAND INFO / DOCS.
import { KEY_SPECS } from "./key_specs.ts";
import {
  type AclCategory,
  type CommandFlag,
  type CommandSpec,
  index,
  keynum,
  type KeySpec,
  keySpec,
  type KeySpecFlag,
  keyword,
  range,
  type Role,
} from "./spec.ts";
import { COMMANDS } from "./table/mod.ts";

export type { AclCategory, CommandFlag, CommandGroup, CommandSpec, Role } from "./spec.ts";
export type { KeySpec, KeySpecFlag } from "./spec.ts";
export type { CommandName, HandlerName, SentinelHandlerName } from "./table/mod.ts";
export { COMMANDS } from "./table/mod.ts";

/** A spec plus what the registry derives from it. */
export interface Command {
  readonly spec: CommandSpec;
  /** `client|setname` for subcommands, `get` otherwise. */
  readonly fullName: string;
  /** The container, for subcommands. */
  readonly parent: Command | null;
  /** Subcommands by lower-case name (`setname`), empty for plain commands. */
  readonly subcommands: Map<string, Command>;
  readonly flags: ReadonlySet<CommandFlag>;
  readonly isWrite: boolean;
  /** Explicit categories plus those derived from the flags, without '@'. */
  readonly categories: readonly string[];
  /** A dense index, for per-command statistics arrays. */
  readonly id: number;
  /** Redis's key specs for it (generated), or ones derived from the table's key fields. */
  readonly keySpecs: readonly KeySpec[];
  /** COMMAND INFO's `movablekeys`: key positions depend on the arguments. */
  readonly movableKeys: boolean;
  /** COMMAND GETKEYS accepts it: a key spec that names real keys, or a key extractor. */
  readonly hasKeys: boolean;
}

export class Registry {
  readonly #top = new Map<string, Command>();
  readonly #all: Command[] = [];

  constructor(specs: readonly CommandSpec[], role: Role) {
    const serves = (s: CommandSpec) => (s.roles ?? ["server"]).includes(role);
    for (const spec of specs) {
      if (spec.name.includes("|") || !serves(spec)) continue;
      this.#top.set(spec.name, this.#make(spec, null));
    }
    for (const spec of specs) {
      if (!spec.name.includes("|") || !serves(spec)) continue;
      const [parentName, sub] = spec.name.split("|") as [string, string];
      const parent = this.#top.get(parentName);
      if (parent === undefined) throw new Error(`subcommand ${spec.name} has no parent`);
      parent.subcommands.set(sub, this.#make(spec, parent));
    }
  }

  #make(spec: CommandSpec, parent: Command | null): Command {
    const flags = new Set(spec.flags);
    const keySpecs = keySpecsOf(spec);
    const cmd: Command = {
      spec,
      fullName: spec.name,
      parent,
      subcommands: new Map(),
      flags,
      isWrite: flags.has("write"),
      categories: deriveCategories(spec),
      id: this.#all.length,
      keySpecs,
      movableKeys: isMovable(spec),
      hasKeys: keySpecs.some(namesKeys) || KEY_EXTRACTORS.has(spec.name),
    };
    this.#all.push(cmd);
    return cmd;
  }

  /** A top-level command by lower-case name. */
  get(name: string): Command | undefined {
    return this.#top.get(name);
  }

  /** A command or subcommand by full name (`get`, `client|list`). */
  byFullName(fullName: string): Command | undefined {
    const bar = fullName.indexOf("|");
    if (bar < 0) return this.#top.get(fullName);
    return this.#top.get(fullName.slice(0, bar))?.subcommands.get(fullName.slice(bar + 1));
  }

  /** Top-level commands in table order. */
  top(): IterableIterator<Command> {
    return this.#top.values();
  }

  /** Every command and subcommand; `id` indexes this list. */
  all(): readonly Command[] {
    return this.#all;
  }

  get size(): number {
    return this.#top.size;
  }
}

/** Categories as Redis reports them: the spec's own, then those its flags imply. */
function deriveCategories(spec: CommandSpec): string[] {
  const out: string[] = [];
  const flags = new Set(spec.flags);
  const add = (c: string) => {
    if (!out.includes(c)) out.push(c);
  };
  if (flags.has("write")) add("write");
  if (flags.has("readonly") && !spec.acl.includes("scripting" as AclCategory)) add("read");
  if (flags.has("admin")) {
    add("admin");
    add("dangerous");
  }
  if (flags.has("pubsub")) add("pubsub");
  if (flags.has("fast")) add("fast");
  if (flags.has("blocking")) add("blocking");
  if (!flags.has("fast")) add("slow");
  for (const c of spec.acl) add(c);
  return out;
}

/** The key-spec flags a table entry without generated specs gets: its own, or read/write's. */
function tableKeyFlags(spec: CommandSpec): readonly KeySpecFlag[] {
  if (spec.keyFlags !== undefined) return spec.keyFlags as readonly KeySpecFlag[];
  if (spec.flags.includes("write")) return ["RW", "access", "update"];
  if (spec.flags.includes("readonly")) return ["RO", "access"];
  return ["RO"];
}

/** Key specs of a table entry: Redis's (key_specs.ts), else built from first/last/step/keys. */
export function keySpecsOf(spec: CommandSpec): readonly KeySpec[] {
  if (Object.hasOwn(KEY_SPECS, spec.name)) return KEY_SPECS[spec.name]!;
  const out: KeySpec[] = [];
  const flags = tableKeyFlags(spec);
  if (spec.firstKey > 0) {
    const last = spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey;
    out.push(keySpec(flags, index(spec.firstKey), range(last, spec.step > 0 ? spec.step : 1, 0)));
  }
  const finder = spec.keys;
  if (finder !== undefined && "numkeysAt" in finder) {
    const first = finder.firstAfter - finder.numkeysAt;
    out.push(keySpec(flags, index(finder.numkeysAt), keynum(0, first, 1)));
  } else if (finder !== undefined) {
    out.push(keySpec(flags, keyword(finder.keyword, 1), range(-1, 1, 2)));
  }
  return out;
}

function namesKeys(ks: KeySpec): boolean {
  return !ks.flags.includes("not_key");
}

/** Redis's rule: keys move when any spec is not "at an index, a fixed range from there". */
function isMovable(spec: CommandSpec): boolean {
  const specs = keySpecsOf(spec);
  const fromSpecs = specs.some((ks) =>
    ks.begin === null || !("index" in ks.begin) ||
    ks.find === null || !("lastkey" in ks.find)
  );
  if (Object.hasOwn(KEY_SPECS, spec.name)) return fromSpecs;
  return fromSpecs || spec.flags.includes("movablekeys");
}

/** Flags as COMMAND INFO prints them (movablekeys derived from the key specs). */
export function infoFlags(spec: CommandSpec): string[] {
  const out: string[] = spec.flags.filter((f) => f !== "movablekeys");
  if (isMovable(spec)) out.push("movablekeys");
  return out;
}

// --- Key extraction (COMMAND GETKEYS; cluster and proxy routing) --------------------------------

/** The arguments of one command line as key extraction reads them (`Argv` fits). */
export interface KeyArgs {
  readonly length: number;
  /** Argument i as a binary string; 0 is the command name. */
  str(i: number): string;
}

/** A key argument: its position in the command line (0 = the name) and its key-spec flags. */
export interface KeyRef {
  readonly pos: number;
  readonly flags: readonly KeySpecFlag[];
}

/**
 * Key arguments of a command line, the way Redis 7.0 finds them: from the key specs when they
 * all apply, else (an `unknown`/`incomplete` spec, keys the specs cannot place, or flags that
 * depend on the arguments) from the command's own extractor. Empty when none are found.
 * The caller has checked arity.
 */
export function commandKeys(cmd: Command, args: KeyArgs): KeyRef[] {
  const specs = cmd.keySpecs;
  const variable = specs.some((ks) => ks.flags.includes("variable_flags"));
  if (specs.some(namesKeys) && !variable) {
    const keys = keysFromSpecs(specs, args);
    if (keys !== null) return keys;
  }
  return KEY_EXTRACTORS.get(cmd.fullName)?.(args) ?? [];
}

/**
 * COMMAND GETKEYS for a resolved command: its keys, or Redis's error text. `args` is the
 * command line being asked about (0 = its name).
 */
export function getKeysOf(cmd: Command, args: KeyArgs): KeyRef[] | string {
  if (!cmd.hasKeys) return "ERR The command has no key arguments";
  const { arity } = cmd.spec;
  if ((arity > 0 && arity !== args.length) || args.length < -arity) {
    return "ERR Invalid number of arguments specified for command";
  }
  const keys = commandKeys(cmd, args);
  if (keys.length === 0 && !cmd.flags.has("no_mandatory_keys")) {
    return "ERR Invalid arguments specified for command";
  }
  return keys;
}

/** Keys by key specs; null when a spec cannot be applied to these arguments. */
function keysFromSpecs(specs: readonly KeySpec[], args: KeyArgs): KeyRef[] | null {
  const argc = args.length;
  const out: KeyRef[] = [];
  for (const ks of specs) {
    const { begin, find } = ks;
    if (begin === null || find === null || ks.flags.includes("incomplete")) return null;
    let first: number;
    if ("index" in begin) first = begin.index;
    else {
      const found = findKeyword(args, begin.keyword, begin.startfrom);
      if (found < 0) continue; // an optional keyword that is absent names no keys
      first = found + 1;
    }
    let last: number;
    let step: number;
    if ("lastkey" in find) {
      step = find.keystep;
      if (find.lastkey >= 0) last = first + find.lastkey;
      else if (find.limit <= 1) last = argc + find.lastkey;
      else last = first + Math.trunc((argc - first) / find.limit) + find.lastkey;
    } else {
      const at = first + find.keynumidx;
      if (at >= argc) return null;
      const n = strictInt(args.str(at));
      if (n === null || n < 0n) return null;
      // Redis keeps the count in a C int: 2^32 + 1 keys is one key.
      const count = Number(BigInt.asIntN(32, n));
      first += find.firstkey;
      step = find.keystep;
      last = first + (count - 1) * step;
    }
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) out.push({ pos: i, flags: ks.flags });
  }
  return out;
}

/** Position of `keyword` (any case) searching from `startfrom` (negative: backwards). */
function findKeyword(args: KeyArgs, keyword: string, startfrom: number): number {
  const argc = args.length;
  const word = keyword.toLowerCase();
  if (startfrom > 0) {
    for (let i = startfrom; i < argc; i++) if (args.str(i).toLowerCase() === word) return i;
  } else {
    for (let i = argc + startfrom; i >= 1; i--) {
      if (i < argc && args.str(i).toLowerCase() === word) return i;
    }
  }
  return -1;
}

/** Redis's strict integer syntax (no sign '+', no leading zeros or spaces), int64 range. */
function strictInt(s: string): bigint | null {
  if (!/^(?:0|-?[1-9][0-9]{0,19})$/.test(s)) return null;
  const n = BigInt(s);
  return n === BigInt.asIntN(64, n) ? n : null;
}

/** C's atoi as Redis's extractors use it: lenient prefix parse, long clamp, then int. */
function cInt(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(s)!;
  let n = m[2] === "" ? 0n : BigInt(m[2]!);
  if (m[1] === "-") n = -n;
  const max = (1n << 63n) - 1n;
  if (n > max) n = max;
  else if (n < -max - 1n) n = -max - 1n;
  return Number(BigInt.asIntN(32, n));
}

type KeyExtractor = (args: KeyArgs) => KeyRef[];

const NO_FLAGS: readonly KeySpecFlag[] = [];
const RO_ACCESS: readonly KeySpecFlag[] = ["RO", "access"];
const OW_UPDATE: readonly KeySpecFlag[] = ["OW", "update"];
const RW_ACCESS_UPDATE: readonly KeySpecFlag[] = ["RW", "access", "update"];

/**
 * `numkeys` at `countAt`, keys from `countAt + 1`, optionally a destination at `storeAt` listed
 * last. These extractors report no key flags, as Redis's do.
 */
function numkeysKeys(countAt: number, storeAt = 0): KeyExtractor {
  return (args) => {
    const n = cInt(args.str(countAt));
    const first = countAt + 1;
    if (n < 1 || n > args.length - first) return [];
    const out: KeyRef[] = [];
    for (let k = 0; k < n; k++) out.push({ pos: first + k, flags: NO_FLAGS });
    if (storeAt > 0) out.push({ pos: storeAt, flags: NO_FLAGS });
    return out;
  };
}

/** SORT: the sorted key, and the last STORE destination (LIMIT/BY/GET arguments skipped). */
function sortKeys(args: KeyArgs): KeyRef[] {
  const out: KeyRef[] = [{ pos: 1, flags: RO_ACCESS }];
  let store = -1;
  for (let i = 2; i < args.length; i++) {
    const a = args.str(i).toLowerCase();
    if (a === "limit") i += 2;
    else if (a === "get" || a === "by") i += 1;
    else if (a === "store" && i + 1 < args.length) store = i + 1;
  }
  if (store > 0) out.push({ pos: store, flags: OW_UPDATE });
  return out;
}

/** SET: with GET the key is read as well as written. */
function setKeys(args: KeyArgs): KeyRef[] {
  for (let i = 3; i < args.length; i++) {
    // C compares up to a NUL, so "get\0..." counts too.
    if (/^get(?:\0|$)/i.test(args.str(i))) return [{ pos: 1, flags: RW_ACCESS_UPDATE }];
  }
  return [{ pos: 1, flags: OW_UPDATE }];
}

/** BITFIELD: read-only while every operation is a complete GET or OVERFLOW. */
function bitfieldKeys(args: KeyArgs): KeyRef[] {
  let readonly = true;
  for (let i = 2; i < args.length && readonly; i++) {
    const a = args.str(i).toLowerCase();
    const rest = args.length - i - 1;
    if (a === "get" && rest >= 2) i += 2;
    else if (a === "overflow" && rest >= 1) i += 1;
    else readonly = false; // SET/INCRBY, or a syntax error: assume a write
  }
  return [{ pos: 1, flags: readonly ? RO_ACCESS : RW_ACCESS_UPDATE }];
}

/** MIGRATE: the key argument, or (when it is empty) every argument after a non-final KEYS. */
function migrateKeys(args: KeyArgs): KeyRef[] {
  const flags: readonly KeySpecFlag[] = ["RW", "access", "delete"];
  for (let i = 6; i < args.length; i++) {
    const a = args.str(i).toLowerCase();
    if (a === "auth") i += 1;
    else if (a === "auth2") i += 2;
    else if (a === "keys" && i + 1 < args.length) {
      if (args.str(3) !== "") return [];
      const out: KeyRef[] = [];
      for (let k = i + 1; k < args.length; k++) out.push({ pos: k, flags });
      return out;
    }
  }
  return [{ pos: 3, flags }];
}

/** GEORADIUS[BYMEMBER]: the source, and the last STORE/STOREDIST destination from `from` on. */
function georadiusKeys(from: number): KeyExtractor {
  return (args) => {
    let store = -1;
    for (let i = from; i < args.length; i++) {
      const a = args.str(i).toLowerCase();
      if ((a === "store" || a === "storedist") && i + 1 < args.length) store = ++i;
    }
    const out: KeyRef[] = [{ pos: 1, flags: RO_ACCESS }];
    if (store > 0) out.push({ pos: store, flags: OW_UPDATE });
    return out;
  };
}

/** Commands whose own code finds their keys when the key specs cannot (Redis's getkeys procs). */
const KEY_EXTRACTORS: ReadonlyMap<string, KeyExtractor> = new Map([
  ["zunion", numkeysKeys(1)],
  ["zinter", numkeysKeys(1)],
  ["zdiff", numkeysKeys(1)],
  ["zintercard", numkeysKeys(1)],
  ["sintercard", numkeysKeys(1)],
  ["zunionstore", numkeysKeys(2, 1)],
  ["zinterstore", numkeysKeys(2, 1)],
  ["zdiffstore", numkeysKeys(2, 1)],
  ["lmpop", numkeysKeys(1)],
  ["zmpop", numkeysKeys(1)],
  ["blmpop", numkeysKeys(2)],
  ["bzmpop", numkeysKeys(2)],
  ["eval", numkeysKeys(2)],
  ["evalsha", numkeysKeys(2)],
  ["eval_ro", numkeysKeys(2)],
  ["evalsha_ro", numkeysKeys(2)],
  ["fcall", numkeysKeys(2)],
  ["fcall_ro", numkeysKeys(2)],
  ["sort", sortKeys],
  ["sort_ro", (): KeyRef[] => [{ pos: 1, flags: RO_ACCESS }]],
  ["set", setKeys],
  ["bitfield", bitfieldKeys],
  ["migrate", migrateKeys],
  ["georadius", georadiusKeys(6)],
  ["georadiusbymember", georadiusKeys(5)],
]);

/** The default shared registry of the data node. */
export const SERVER_REGISTRY = new Registry(COMMANDS, "server");
export const SENTINEL_REGISTRY = new Registry(COMMANDS, "sentinel");
