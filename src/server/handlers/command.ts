// COMMAND and its subcommands (COUNT, INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, LIST, HELP): the
// command table as clients see it, in Redis 7.0's reply formats and order.
import { type Command, getKeysOf, type KeyRef, type KeySpec } from "../../commands/mod.ts";
import { globMatch } from "../../engine/glob.ts";
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
  // movablekeys follows the key specs, as in Redis, whatever the table's flags say.
  flags.delete("movablekeys");
  if (cmd.movableKeys) flags.add("movablekeys");
  return [...flags].filter((f) => FLAG_ORDER.includes(f)).sort(byOrder(FLAG_ORDER));
}

function commandCategories(cmd: Command): string[] {
  // A container's own entry only carries the category its (absent) flags imply.
  if (cmd.spec.container) return ["@slow"];
  return [...cmd.categories].sort(byOrder(CATEGORY_ORDER)).map((c) => `@${c}`);
}

/** A begin_search / find_keys map: its type and its spec (empty for `unknown`). */
function writeSearch(w: RespWriter, type: string, spec: Record<string, string | number>): void {
  const entries = Object.entries(spec);
  w.map(2);
  w.bulk("type");
  w.bulk(type);
  w.bulk("spec");
  w.map(entries.length);
  for (const [k, v] of entries) {
    w.bulk(k);
    if (typeof v === "number") w.int(v);
    else w.bulk(v);
  }
}

/** One key spec map, in Redis's field order: notes, flags, begin_search, find_keys. */
function writeKeySpec(w: RespWriter, ks: KeySpec): void {
  w.map(ks.notes === undefined ? 3 : 4);
  if (ks.notes !== undefined) {
    w.bulk("notes");
    w.bulk(ks.notes);
  }
  w.bulk("flags");
  w.set(ks.flags.length);
  for (const f of ks.flags) w.simple(f);
  w.bulk("begin_search");
  const b = ks.begin;
  if (b === null) writeSearch(w, "unknown", {});
  else if ("index" in b) writeSearch(w, "index", { index: b.index });
  else writeSearch(w, "keyword", { keyword: b.keyword, startfrom: b.startfrom });
  w.bulk("find_keys");
  const f = ks.find;
  if (f === null) writeSearch(w, "unknown", {});
  else if ("lastkey" in f) {
    writeSearch(w, "range", { lastkey: f.lastkey, keystep: f.keystep, limit: f.limit });
  } else {
    writeSearch(w, "keynum", { keynumidx: f.keynumidx, firstkey: f.firstkey, keystep: f.keystep });
  }
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
  // RESP3: Redis sends the key specs, and an absent subcommand list, as sets.
  w.set(cmd.keySpecs.length);
  for (const ks of cmd.keySpecs) writeKeySpec(w, ks);
  if (cmd.subcommands.size === 0) w.set(0);
  else w.array(cmd.subcommands.size);
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

/** COMMAND GETKEYS[ANDFLAGS]: the keys of the command line in argv[2..], or an error text. */
function getKeys(server: Server, argv: Argv): KeyRef[] | string {
  const argc = argv.length - 2;
  let cmd = server.commandByName(argv.lower(2));
  if (cmd !== undefined && cmd.subcommands.size > 0 && argc >= 2) {
    cmd = cmd.subcommands.get(argv.lower(3));
  }
  if (cmd === undefined) return "ERR Invalid command specified";
  return getKeysOf(cmd, { length: argc, str: (i) => argv.str(2 + i) });
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
    c.w.array(r.length);
    for (const k of r) c.w.bulkBytes(argv.bytes(2 + k.pos));
  },
  "command|getkeysandflags"(c, argv, server) {
    const r = getKeys(server, argv);
    if (typeof r === "string") {
      c.w.error(r);
      return;
    }
    c.w.array(r.length);
    for (const k of r) {
      c.w.array(2);
      c.w.bulkBytes(argv.bytes(2 + k.pos));
      c.w.set(k.flags.length);
      for (const f of k.flags) c.w.simple(f);
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
