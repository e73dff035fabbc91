// COMMAND and its subcommands (COUNT, INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, LIST, HELP): the
// command table as clients see it, in Redis 7.0's reply formats and order.
import type { Command, CommandSpec } from "../../commands/mod.ts";
import { globMatch } from "../../engine/glob.ts";
import { parseInt64 } from "../../engine/values.ts";
import type { Argv, RespWriter } from "../../resp/mod.ts";
import { SYNTAX } from "../errors.ts";
import type { Handlers } from "../handler.ts";
import type { Server } from "../server.ts";
import { help, replyHelp } from "./_help.ts";

type Names =
  | "command"
  | "command|count"
  | "command|info"
  | "command|docs"
  | "command|getkeys"
  | "command|getkeysandflags"
  | "command|list"
  | "command|help";

const COMMAND_HELP = help("COMMAND", [
  "(no subcommand)",
  "    Return details about all Redis commands.",
  "COUNT",
  "    Return the total number of commands in this Redis server.",
  "LIST",
  "    Return a list of all commands in this Redis server.",
  "INFO [<command-name> ...]",
  "    Return details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "DOCS [<command-name> ...]",
  "    Return documentation details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "GETKEYS <full-command>",
  "    Return the keys from a full Redis command.",
  "GETKEYSANDFLAGS <full-command>",
  "    Return the keys and the access flags from a full Redis command.",
]);

/** COMMAND INFO prints flags in Redis's bit order; may_replicate is hidden on purpose. */
const FLAG_ORDER = [
  "write",
  "readonly",
  "denyoom",
  "module",
  "admin",
  "pubsub",
  "noscript",
  "blocking",
  "loading",
  "stale",
  "skip_monitor",
  "skip_slowlog",
  "asking",
  "fast",
  "no_auth",
  "no_mandatory_keys",
  "no_async_loading",
  "no_multi",
  "movablekeys",
  "allow_busy",
];

/** ACL categories in the order of Redis's category table. */
const CATEGORY_ORDER = [
  "keyspace",
  "read",
  "write",
  "set",
  "sortedset",
  "list",
  "hash",
  "string",
  "bitmap",
  "hyperloglog",
  "geo",
  "stream",
  "pubsub",
  "admin",
  "fast",
  "slow",
  "blocking",
  "dangerous",
  "connection",
  "transaction",
  "scripting",
];

function byOrder(order: readonly string[]): (a: string, b: string) => number {
  return (a, b) => order.indexOf(a) - order.indexOf(b);
}

function commandFlags(cmd: Command): string[] {
  if (cmd.spec.container) return [];
  const flags = new Set<string>(cmd.spec.flags);
  if (cmd.spec.keys !== undefined) flags.add("movablekeys");
  return [...flags].filter((f) => FLAG_ORDER.includes(f)).sort(byOrder(FLAG_ORDER));
}

function commandCategories(cmd: Command): string[] {
  // A container's own entry only carries the category its (absent) flags imply.
  if (cmd.spec.container) return ["@slow"];
  return [...cmd.categories].sort(byOrder(CATEGORY_ORDER)).map((c) => `@${c}`);
}

/** Key-spec flags: the table's, or the usual ones for a read or a write. */
function keyFlags(spec: CommandSpec): readonly string[] {
  if (spec.keyFlags !== undefined) return spec.keyFlags;
  if (spec.flags.includes("write")) return ["RW", "access", "update"];
  if (spec.flags.includes("readonly")) return ["RO", "access"];
  return ["RO"];
}

function hasKeys(spec: CommandSpec): boolean {
  return spec.firstKey > 0 || spec.keys !== undefined;
}

/** One key spec map: flags, begin_search and find_keys. */
function writeKeySpec(
  w: RespWriter,
  flags: readonly string[],
  begin: [string, [string, string | number][]],
  find: [string, [string, number][]],
): void {
  w.map(3);
  w.bulk("flags");
  w.set(flags.length);
  for (const f of flags) w.simple(f);
  for (const [label, [type, spec]] of [["begin_search", begin], ["find_keys", find]] as const) {
    w.bulk(label);
    w.map(2);
    w.bulk("type");
    w.bulk(type);
    w.bulk("spec");
    w.map(spec.length);
    for (const [k, v] of spec) {
      w.bulk(k);
      if (typeof v === "number") w.int(v);
      else w.bulk(v);
    }
  }
}

function writeKeySpecs(w: RespWriter, spec: CommandSpec): void {
  const specs: (() => void)[] = [];
  const flags = keyFlags(spec);
  if (spec.firstKey > 0) {
    const last = spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey;
    specs.push(() =>
      writeKeySpec(w, flags, ["index", [["index", spec.firstKey]]], ["range", [
        ["lastkey", last],
        ["keystep", spec.step > 0 ? spec.step : 1],
        ["limit", 0],
      ]])
    );
  }
  const finder = spec.keys;
  if (finder !== undefined && "numkeysAt" in finder) {
    specs.push(() =>
      writeKeySpec(w, flags, ["index", [["index", finder.numkeysAt]]], ["keynum", [
        ["keynumidx", 0],
        ["firstkey", finder.firstAfter - finder.numkeysAt],
        ["keystep", 1],
      ]])
    );
  } else if (finder !== undefined) {
    specs.push(() =>
      writeKeySpec(w, flags, ["keyword", [["keyword", finder.keyword], ["startfrom", 1]]], [
        "range",
        [["lastkey", -1], ["keystep", 1], ["limit", 2]],
      ])
    );
  }
  w.array(specs.length);
  for (const write of specs) write();
}

/** One COMMAND INFO entry (Redis 7.0's ten fields). */
function writeCommandInfo(w: RespWriter, cmd: Command): void {
  const spec = cmd.spec;
  w.array(10);
  w.bulk(cmd.fullName);
  w.int(spec.arity);
  const flags = commandFlags(cmd);
  w.set(flags.length);
  for (const f of flags) w.simple(f);
  w.int(spec.firstKey);
  w.int(spec.lastKey);
  w.int(spec.step);
  const cats = commandCategories(cmd);
  w.set(cats.length);
  for (const cat of cats) w.simple(cat);
  const tips = spec.tips ?? [];
  w.set(tips.length);
  for (const t of tips) w.bulk(t);
  writeKeySpecs(w, spec);
  w.array(cmd.subcommands.size);
  for (const sub of cmd.subcommands.values()) writeCommandInfo(w, sub);
}

/** One COMMAND DOCS entry: summary, since, group, complexity, and subcommands' docs. */
function writeCommandDocs(w: RespWriter, cmd: Command): void {
  const spec = cmd.spec;
  const fields: [string, string][] = [
    ["summary", spec.summary],
    ["since", spec.since],
    ["group", spec.group],
  ];
  if (spec.complexity !== "") fields.push(["complexity", spec.complexity]);
  const subs = cmd.subcommands.size > 0;
  w.map(fields.length + (subs ? 1 : 0));
  for (const [k, v] of fields) {
    w.bulk(k);
    w.bulk(v);
  }
  if (subs) {
    w.bulk("subcommands");
    w.map(cmd.subcommands.size);
    for (const sub of cmd.subcommands.values()) {
      w.bulk(sub.fullName);
      writeCommandDocs(w, sub);
    }
  }
}

/** COMMAND INFO / DOCS names: `get` or `client|list`, any case. */
function commandByFullName(server: Server, name: string): Command | undefined {
  const lower = name.toLowerCase();
  const bar = lower.indexOf("|");
  if (bar < 0) return server.registry.get(lower);
  return server.registry.get(lower.slice(0, bar))?.subcommands.get(lower.slice(bar + 1));
}

/** Every command and subcommand, containers first. */
function* allCommands(server: Server): Generator<Command> {
  for (const cmd of server.registry.top()) {
    yield cmd;
    yield* cmd.subcommands.values();
  }
}

/**
 * COMMAND GETKEYS: the key positions of the command in argv[2..], or an error text. Returns
 * positions relative to the target command (0 = its name).
 */
function getKeys(server: Server, argv: Argv): { cmd: Command; positions: number[] } | string {
  const argc = argv.length - 2;
  let cmd = server.commandByName(argv.lower(2));
  if (cmd !== undefined && cmd.subcommands.size > 0 && argc >= 2) {
    cmd = cmd.subcommands.get(argv.lower(3));
  }
  if (cmd === undefined) return "ERR Invalid command specified";
  const spec = cmd.spec;
  if (!hasKeys(spec)) return "ERR The command has no key arguments";
  if ((spec.arity > 0 && spec.arity !== argc) || argc < -spec.arity) {
    return "ERR Invalid number of arguments specified for command";
  }
  const positions: number[] = [];
  if (spec.firstKey > 0) {
    const last = spec.lastKey < 0 ? argc + spec.lastKey : spec.lastKey;
    const step = spec.step > 0 ? spec.step : 1;
    for (let i = spec.firstKey; i <= last && i < argc; i += step) positions.push(i);
  }
  const finder = spec.keys;
  if (finder !== undefined && "numkeysAt" in finder) {
    const n = finder.numkeysAt < argc ? parseInt64(argv.str(2 + finder.numkeysAt)) : null;
    if (n === null || n <= 0n || finder.firstAfter + Number(n) > argc) {
      return spec.flags.includes("no_mandatory_keys") && positions.length === 0
        ? { cmd, positions }
        : "ERR Invalid arguments specified for command";
    }
    for (let k = 0; k < Number(n); k++) positions.push(finder.firstAfter + k);
  } else if (finder !== undefined) {
    let at = -1;
    for (let i = 1; i < argc; i++) if (argv.is(2 + i, finder.keyword.toLowerCase())) at = i;
    if (at > 0) {
      const count = Math.floor((argc - at - 1) / 2);
      for (let k = 0; k < count; k++) positions.push(at + 1 + k);
    }
  }
  if (positions.length === 0 && !spec.flags.includes("no_mandatory_keys")) {
    return "ERR Invalid arguments specified for command";
  }
  return { cmd, positions };
}

export const COMMAND_HANDLERS: Handlers<Names> = {
  command(c, _argv, server) {
    c.w.array(server.registry.size);
    for (const cmd of server.registry.top()) writeCommandInfo(c.w, cmd);
  },
  "command|count"(c, _argv, server) {
    c.w.int(server.registry.size);
  },
  "command|info"(c, argv, server) {
    if (argv.length === 2) {
      c.w.array(server.registry.size);
      for (const cmd of server.registry.top()) writeCommandInfo(c.w, cmd);
      return;
    }
    c.w.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const cmd = commandByFullName(server, argv.str(i));
      if (cmd === undefined) c.w.nil();
      else writeCommandInfo(c.w, cmd);
    }
  },
  "command|docs"(c, argv, server) {
    const cmds: Command[] = [];
    if (argv.length === 2) cmds.push(...server.registry.top());
    else {
      for (let i = 2; i < argv.length; i++) {
        const cmd = commandByFullName(server, argv.str(i));
        if (cmd !== undefined) cmds.push(cmd);
      }
    }
    c.w.map(cmds.length);
    for (const cmd of cmds) {
      c.w.bulk(cmd.fullName);
      writeCommandDocs(c.w, cmd);
    }
  },
  "command|getkeys"(c, argv, server) {
    const r = getKeys(server, argv);
    if (typeof r === "string") {
      c.w.error(r);
      return;
    }
    c.w.array(r.positions.length);
    for (const p of r.positions) c.w.bulkBytes(argv.bytes(2 + p));
  },
  "command|getkeysandflags"(c, argv, server) {
    const r = getKeys(server, argv);
    if (typeof r === "string") {
      c.w.error(r);
      return;
    }
    const flags = keyFlags(r.cmd.spec);
    c.w.array(r.positions.length);
    for (const p of r.positions) {
      c.w.array(2);
      c.w.bulkBytes(argv.bytes(2 + p));
      c.w.set(flags.length);
      for (const f of flags) c.w.simple(f);
    }
  },
  "command|list"(c, argv, server) {
    let filter: (cmd: Command) => boolean = () => true;
    if (argv.length !== 2) {
      if (argv.length !== 5 || !argv.is(2, "filterby")) {
        c.w.error(SYNTAX);
        return;
      }
      const value = argv.str(4);
      if (argv.is(3, "module")) filter = () => false;
      else if (argv.is(3, "aclcat")) {
        const cat = value.toLowerCase();
        filter = (cmd) => !cmd.spec.container && cmd.categories.includes(cat);
      } else if (argv.is(3, "pattern")) filter = (cmd) => globMatch(value, cmd.fullName, true);
      else {
        c.w.error(SYNTAX);
        return;
      }
    }
    const names: string[] = [];
    for (const cmd of allCommands(server)) if (filter(cmd)) names.push(cmd.fullName);
    c.w.bulks(names);
  },
  "command|help"(c) {
    replyHelp(c, COMMAND_HELP);
  },
};
