// How the command table looks to clients: COMMAND INFO and COMMAND DOCS entries in Redis 7.0's
// reply formats and order, shared by every role that answers COMMAND.
import type { RespWriter } from "../resp/mod.ts";
import type { Command, KeySpec, Registry } from "./mod.ts";

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
  // Containers carry no flags of their own, except where Redis gives them some (SENTINEL).
  if (cmd.spec.container && cmd.spec.flags.length === 0) return [];
  const flags = new Set<string>(cmd.spec.flags);
  // movablekeys follows the key specs, as in Redis, whatever the table's flags say.
  flags.delete("movablekeys");
  if (cmd.movableKeys) flags.add("movablekeys");
  return [...flags].filter((f) => FLAG_ORDER.includes(f)).sort(byOrder(FLAG_ORDER));
}

function commandCategories(cmd: Command): string[] {
  // A container's own entry only carries the category its (absent) flags imply.
  if (cmd.spec.container && cmd.spec.flags.length === 0) return ["@slow"];
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
export function writeCommandInfo(w: RespWriter, cmd: Command): void {
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
export function writeCommandDocs(w: RespWriter, cmd: Command): void {
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
export function commandByFullName(registry: Registry, name: string): Command | undefined {
  const lower = name.toLowerCase();
  const bar = lower.indexOf("|");
  if (bar < 0) return registry.get(lower);
  return registry.get(lower.slice(0, bar))?.subcommands.get(lower.slice(bar + 1));
}

/** Every command and subcommand, containers first. */
export function* allCommands(registry: Registry): Generator<Command> {
  for (const cmd of registry.top()) {
    yield cmd;
    yield* cmd.subcommands.values();
  }
}
