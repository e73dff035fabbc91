// The dispatch pipeline every command goes through: lookup (with subcommands), authentication,
// arity, then the handler, then statistics, the slow log and MONITOR feeds. One entry point,
// `execute`, for the socket loop and for in-process tests.
import type { Command } from "../commands/mod.ts";
import type { Argv } from "../resp/mod.ts";
import type { Client } from "./client.ts";
import { arityError, NOAUTH, unknownCommand, unknownSubcommand } from "./errors.ts";
import { subscribedRefusal } from "./pubsub.ts";
import type { Server } from "./server.ts";

/** Resolves argv to a command or subcommand, or writes the error and returns undefined. */
export function resolve(server: Server, c: Client, argv: Argv): Command | undefined {
  const cmd = server.commandOf(argv);
  if (cmd === undefined) {
    c.w.error(unknownCommand(argv.str(0), argv.strings(1)));
    return undefined;
  }
  if (cmd.subcommands.size > 0) {
    if (argv.length < 2) {
      if (cmd.spec.container !== true) return cmd; // COMMAND alone lists every command
      c.w.error(arityError(cmd.fullName));
      return undefined;
    }
    const sub = cmd.subcommands.get(argv.lower(1));
    if (sub === undefined) {
      c.w.error(unknownSubcommand(argv.str(1), cmd.fullName));
      return undefined;
    }
    return sub;
  }
  return cmd;
}

function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

/** Runs one command. Returns a promise only when the reply has to wait. */
export function execute(server: Server, c: Client, argv: Argv): void | Promise<void> {
  const w = c.w;
  const errorsBefore = w.errors;
  const cmd = resolve(server, c, argv);
  if (cmd === undefined) {
    server.stats.countError("ERR");
    return;
  }
  c.lastCommand = cmd.fullName;
  const stats = server.stats.commands[cmd.id]!;
  if (!c.authenticated && !cmd.flags.has("no_auth")) {
    w.error(NOAUTH);
    stats.rejected++;
    server.stats.countError("NOAUTH");
    return;
  }
  if (!arityOk(cmd.spec.arity, argv.length)) {
    w.error(arityError(cmd.fullName));
    stats.rejected++;
    server.stats.countError("ERR");
    return;
  }
  if (c.subscriptionCount > 0 && c.protocol === 2) {
    const refusal = subscribedRefusal(c, cmd);
    if (refusal !== null) {
      w.error(refusal);
      stats.rejected++;
      server.stats.countError("ERR");
      return;
    }
  }
  const pause = server.pauseFor(c, cmd);
  if (pause !== undefined) {
    // Keep the arguments: the read buffer may move while this client waits.
    const kept = argv.clone();
    return pause.then(() => execute(server, c, kept));
  }
  const handler = server.handlerFor(cmd);
  const start = performance.now();
  const result = handler(c, argv, server);
  const micros = Math.round((performance.now() - start) * 1000);
  stats.calls++;
  stats.usec += micros;
  server.stats.commandsProcessed++;
  c.commands++;
  // Fed after the command runs (so SELECT shows its new db), never for admin commands.
  if (server.monitors.size > 0 && !cmd.flags.has("skip_monitor") && !cmd.flags.has("admin")) {
    server.feedMonitors(c, argv);
  }
  if (w.errors !== errorsBefore) {
    stats.failed++;
    server.stats.countError(w.lastErrorCode);
  }
  if (micros >= server.slowlogThreshold && server.slowlogThreshold >= 0) {
    server.logSlow(c, argv, micros, cmd);
  }
  // Keys that became ready serve their blocked clients before anything else runs.
  server.blocking.handleReady();
  return result;
}
