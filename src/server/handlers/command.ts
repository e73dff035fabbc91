// COMMAND and its subcommands (COUNT, INFO, DOCS, GETKEYS, GETKEYSANDFLAGS, LIST, HELP): the
// command table as clients see it, in Redis 7.0's reply formats and order.
import { type Command, getKeysOf, type KeyRef } from "../../commands/mod.ts";
import {
  allCommands,
  commandByFullName,
  writeCommandDocs,
  writeCommandInfo,
} from "../../commands/describe.ts";
import { globMatch } from "../../engine/glob.ts";
import type { Argv } from "../../resp/mod.ts";
import { SYNTAX } from "../errors.ts";
import { COMMAND_HELP } from "../../commands/help.ts";
import type { Handlers } from "../handler.ts";
import type { Server } from "../server.ts";
import { replyHelp } from "./_help.ts";

type Names =
  | "command"
  | "command|count"
  | "command|info"
  | "command|docs"
  | "command|getkeys"
  | "command|getkeysandflags"
  | "command|list"
  | "command|help";

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
      const cmd = commandByFullName(server.registry, argv.str(i));
      if (cmd === undefined) c.w.nil();
      else writeCommandInfo(c.w, cmd);
    }
  },
  "command|docs"(c, argv, server) {
    const cmds: Command[] = [];
    if (argv.length === 2) cmds.push(...server.registry.top());
    else {
      for (let i = 2; i < argv.length; i++) {
        const cmd = commandByFullName(server.registry, argv.str(i));
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
    for (const cmd of allCommands(server.registry)) if (filter(cmd)) names.push(cmd.fullName);
    c.w.bulks(names);
  },
  "command|help"(c) {
    replyHelp(c, COMMAND_HELP);
  },
};
