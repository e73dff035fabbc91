// The dispatch pipeline every command goes through: lookup (with subcommands), authentication,
// arity, then the handler, then statistics, the slow log and MONITOR feeds. One entry point,
// `execute`, for the socket loop and for in-process tests. Inside MULTI, commands that pass
// the checks are queued instead of run, and EXEC runs the queue here (`call` per command).
import { type Command, commandKeys } from "../commands/mod.ts";
import type { Argv } from "../resp/mod.ts";
import type { Client } from "./client.ts";
import { arityError, NOAUTH, unknownCommand, unknownSubcommand } from "./errors.ts";
import { DEBUG_NOT_ALLOWED, EXECABORT, NOT_IN_MULTI } from "./multi.ts";
import { allowedBy } from "./handlers/_access.ts";
import { subscribedRefusal } from "./pubsub.ts";
import { LOADING, MISCONF } from "./persistence/mod.ts";
import { NOREPLICAS } from "./replication/mod.ts";
import { replicaRefusal } from "./replication/replica.ts";
import type { SnapshotWalker } from "./persistence/walker.ts";
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

/** Writes a refusal; inside MULTI it also dooms the transaction (EXEC replies EXECABORT). */
function reject(server: Server, c: Client, cmd: Command, error: string): void {
  c.w.error(error);
  server.stats.commands[cmd.id]!.rejected++;
  server.stats.countError(c.w.lastErrorCode);
  if (c.multi !== null) c.multi.aborted = true;
}

/** Runs one command. Returns a promise only when the reply has to wait. */
export function execute(server: Server, c: Client, argv: Argv): void | Promise<void> {
  const cmd = resolve(server, c, argv);
  if (cmd === undefined) {
    server.stats.countError("ERR");
    if (c.multi !== null) c.multi.aborted = true;
    return;
  }
  c.lastCommand = cmd.fullName;
  if (!c.authenticated && !cmd.flags.has("no_auth")) return reject(server, c, cmd, NOAUTH);
  if (!arityOk(cmd.spec.arity, argv.length)) {
    return reject(server, c, cmd, arityError(cmd.fullName));
  }
  // A replica: READONLY writes, MASTERDOWN while the link is down (replica-serve-stale-data no).
  if (server.replicaGate) {
    const refusal = replicaRefusal(server, c, cmd);
    if (refusal !== null) return reject(server, c, cmd, refusal);
  }
  if (c.subscriptionCount > 0 && c.protocol === 2) {
    const refusal = subscribedRefusal(c, cmd);
    if (refusal !== null) return reject(server, c, cmd, refusal);
  }
  // The master's stream is obeyed whatever this node's own write rules say: a write refused
  // here would be gone from this replica while its offset moved on (Redis exempts it too).
  if (server.refuseWrites && (cmd.isWrite || cmd.fullName === "ping") && !c.master) {
    return reject(server, c, cmd, MISCONF);
  }
  if (server.noReplicas && cmd.isWrite && !c.master) return reject(server, c, cmd, NOREPLICAS);
  if (server.loadingData && !cmd.flags.has("loading")) return reject(server, c, cmd, LOADING);
  // The one check the common path pays for transactions.
  if (c.multi !== null) return inMulti(server, c, cmd, argv);
  const pause = server.pauseFor(c, cmd);
  if (pause !== undefined) return waitPause(server, c, argv, pause);
  const result = call(server, c, cmd, argv);
  // Keys that became ready serve their blocked clients before anything else runs.
  server.blocking.handleReady();
  return result;
}

function waitPause(server: Server, c: Client, argv: Argv, pause: Promise<void>): Promise<void> {
  // Keep the arguments: the read buffer may move while this client waits.
  const kept = argv.clone();
  return pause.then(() => execute(server, c, kept));
}

/**
 * Runs a resolved and checked command: the handler, then its statistics, the MONITOR feed and
 * the slow log. EXEC runs its queued commands through here too.
 */
export function call(server: Server, c: Client, cmd: Command, argv: Argv): void | Promise<void> {
  const w = c.w;
  const errorsBefore = w.errors;
  const handler = server.handlerFor(cmd);
  if (server.snapshot !== null && cmd.isWrite) beforeCommand(server.snapshot, c, cmd, argv);
  const mark = server.batchClock;
  const start = mark >= 0 ? mark : performance.now();
  const dirty = server.dirty;
  if (server.repl.active) server.repl.beginCommand();
  const result = handler(c, argv, server);
  // What changed data goes to replicas and the backlog: as it was sent, or as the handler
  // rewrote it (replication/mod.ts `rewrite`).
  if (server.repl.active) propagate(server, c, cmd, argv, dirty);
  const end = performance.now();
  if (mark >= 0) server.batchClock = end;
  const micros = Math.round((end - start) * 1000);
  // Looked up after the handler: CONFIG RESETSTAT replaces the records and counts itself.
  const stats = server.stats.commands[cmd.id]!;
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
  if (
    micros >= server.slowlogThreshold && server.slowlogThreshold >= 0 &&
    !cmd.flags.has("skip_slowlog")
  ) {
    server.logSlow(c, argv, micros, cmd);
  }
  return result;
}

function propagate(server: Server, c: Client, cmd: Command, argv: Argv, dirty: number): void {
  const rewrites = server.repl.takeRewrites();
  if (rewrites !== null) {
    for (const args of rewrites) server.repl.propagate(c.dbIndex, args);
  } else if (server.dirty !== dirty && !cmd.flags.has("admin")) {
    // SAVE and DEBUG RELOAD move the counter too (back to 0): they are not replicated.
    server.repl.propagate(c.dbIndex, argv.strings());
  }
  // Inside EXEC the offset moves at its end; WAIT after EXEC covers it either way.
  if (server.repl.endCommand() > 0 || server.dirty !== dirty) c.replOffset = server.repl.offset;
}

/** A background save copies the old values of the keys a write names before it runs. */
function beforeCommand(walker: SnapshotWalker, c: Client, cmd: Command, argv: Argv): void {
  const keys = commandKeys(cmd, { length: argv.length, str: (i) => argv.str(i) });
  for (const k of keys) walker.beforeWrite(c.dbIndex, argv.str(k.pos));
}

/** These run at once inside MULTI; everything else is queued. */
const RUN_IN_MULTI = new Set(["exec", "discard", "multi", "watch", "quit", "reset"]);

/** A checked command from a client in MULTI: refused, queued, or (EXEC and a few) run now. */
function inMulti(server: Server, c: Client, cmd: Command, argv: Argv): void | Promise<void> {
  const tx = c.multi!;
  if (cmd.flags.has("no_multi")) return reject(server, c, cmd, NOT_IN_MULTI);
  // Outside MULTI the DEBUG handler refuses itself; queued, the refusal must come now.
  if (cmd.fullName === "debug" && !allowedBy(server, c, "enable-debug-command")) {
    return reject(server, c, cmd, DEBUG_NOT_ALLOWED);
  }
  // A pause holds what it would hold outside MULTI, and EXEC as its first write would be.
  const pause = server.pauseFor(c, cmd.fullName === "exec" && tx.write !== null ? tx.write : cmd);
  if (pause !== undefined) return waitPause(server, c, argv, pause);
  if (!RUN_IN_MULTI.has(cmd.fullName)) {
    // A doomed transaction keeps nothing (CLIENT LIST shows multi=0), as in Redis.
    if (!tx.aborted && !c.dirtyCas) tx.queue(cmd, argv);
    c.w.simple("QUEUED");
    return;
  }
  const result = cmd.fullName === "exec" ? exec(server, c, cmd, argv) : call(server, c, cmd, argv);
  if (result !== undefined) return result.then(() => server.blocking.handleReady());
  server.blocking.handleReady();
}

/**
 * EXEC of a transaction: EXECABORT if a command was refused while queued, a null array if a
 * watched key changed, else an array of every queued command's reply. Errors of single
 * commands are elements of the array; nothing is rolled back. Clients blocked on keys the
 * transaction fills are served after it (the caller's handleReady), never in the middle.
 */
function exec(server: Server, c: Client, cmd: Command, argv: Argv): void | Promise<void> {
  const tx = c.multi!;
  const w = c.w;
  const start = performance.now();
  server.watches.checkExpired(c);
  // Writes queued before a background save failed are refused as a whole, as in Redis.
  if (!tx.aborted && tx.write !== null && (server.refuseWrites || server.noReplicas)) {
    const why = server.refuseWrites ? MISCONF : NOREPLICAS;
    w.error(`EXECABORT Transaction discarded because of: ${why}`);
    server.watches.resetClient(c);
    execDone(server, c, cmd, argv, start, true);
    return;
  }
  if (tx.aborted || c.dirtyCas) {
    if (tx.aborted) w.error(EXECABORT);
    else w.nilArray();
    server.watches.resetClient(c);
    execDone(server, c, cmd, argv, start, tx.aborted);
    return;
  }
  // Watches matter until EXEC starts; the transaction's own writes must not fail it.
  server.watches.resetClient(c);
  w.array(tx.count);
  c.inExec = true;
  server.repl.beginTransaction();
  const pending = runQueued(server, c, tx.commands, tx.args, 0);
  if (pending === undefined) {
    c.inExec = false;
    server.repl.endTransaction();
    execDone(server, c, cmd, argv, start, false);
    return;
  }
  return pending.then(() => {
    c.inExec = false;
    server.repl.endTransaction();
    execDone(server, c, cmd, argv, start, false);
  });
}

/** Runs queued commands from `from`; continues after any handler that has to wait. */
function runQueued(
  server: Server,
  c: Client,
  commands: Command[],
  args: Argv[],
  from: number,
): void | Promise<void> {
  for (let i = from; i < commands.length; i++) {
    const result = call(server, c, commands[i]!, args[i]!);
    if (result !== undefined) return result.then(() => runQueued(server, c, commands, args, i + 1));
  }
}

/**
 * EXEC's own statistics: counted once (its commands were counted each), failed only for its
 * own error (EXECABORT), shown to MONITOR after its commands, never in the slow log.
 */
function execDone(
  server: Server,
  c: Client,
  cmd: Command,
  argv: Argv,
  start: number,
  failed: boolean,
): void {
  const stats = server.stats.commands[cmd.id]!;
  stats.calls++;
  stats.usec += Math.round((performance.now() - start) * 1000);
  server.stats.commandsProcessed++;
  c.commands++;
  c.lastCommand = cmd.fullName;
  if (failed) {
    stats.failed++;
    server.stats.countError("EXECABORT");
  }
  if (server.monitors.size > 0) server.feedMonitors(c, argv);
}
