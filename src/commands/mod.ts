// The command registry: one table of specs (./table) and the views derived from it — lookup by
// name, subcommands, ACL categories, key positions, and the data behind COMMAND INFO / DOCS.
import type { AclCategory, CommandFlag, CommandSpec, Role } from "./spec.ts";
import { COMMANDS } from "./table/mod.ts";

export type { AclCategory, CommandFlag, CommandGroup, CommandSpec, Role } from "./spec.ts";
export type { CommandName, HandlerName } from "./table/mod.ts";
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
    const cmd: Command = {
      spec,
      fullName: spec.name,
      parent,
      subcommands: new Map(),
      flags,
      isWrite: flags.has("write"),
      categories: deriveCategories(spec),
      id: this.#all.length,
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

/** Positions of key arguments in a command's argument list (0 = the name). */
export function keyPositions(spec: CommandSpec, argc: number): number[] {
  const out: number[] = [];
  if (spec.keys !== undefined) return out; // movable keys are resolved by the handler
  if (spec.firstKey <= 0) return out;
  const last = spec.lastKey < 0 ? argc + spec.lastKey : spec.lastKey;
  const step = spec.step > 0 ? spec.step : 1;
  for (let i = spec.firstKey; i <= last && i < argc; i += step) out.push(i);
  return out;
}

/** Flags as COMMAND INFO prints them. */
export function infoFlags(spec: CommandSpec): string[] {
  const out: string[] = spec.flags.filter((f) => f !== "movablekeys");
  if (spec.keys !== undefined) out.push("movablekeys");
  return out;
}

/** The default shared registry of the data node. */
export const SERVER_REGISTRY = new Registry(COMMANDS, "server");
