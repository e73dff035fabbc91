// `hakv sentinel`: a drop-in for redis-sentinel. Reads sentinel.conf (and command-line
// directives), refuses to run without a writable config file, listens (port 26379 by default),
// and monitors the configured masters until SHUTDOWN or a signal.
import { Logger } from "../_util/log.ts";
import { checkWritable, loadSentinelConf, type SentinelConf } from "./config.ts";
import { SentinelFront } from "./front.ts";
import { Sentinel } from "./monitor.ts";
import { Scripts } from "./scripts.ts";

export { SentinelConfigError } from "./config.ts";
export type { SentinelConf } from "./config.ts";
export { Sentinel } from "./monitor.ts";

export interface RunningSentinel {
  readonly sentinel: Sentinel;
  readonly port: number;
  /** Settles when the sentinel has stopped (SHUTDOWN, a signal or close()). */
  readonly closed: Promise<void>;
  close(): void;
}

export function startSentinel(
  conf: SentinelConf,
  opts: { signals?: boolean } = {},
): RunningSentinel {
  const log = new Logger();
  log.role = "X";
  log.level = conf.loglevel;
  if (conf.logfile !== "") log.setFile(conf.logfile);
  if (conf.dir !== "") Deno.chdir(conf.dir);
  const scripts = new Scripts(log);
  let front: SentinelFront | null = null;
  const sentinel = new Sentinel(conf, log, {
    publish: (channel, message) => front?.publish(channel, message),
  }, scripts);
  scripts.onEvent = (type, msg) => sentinel.event("warning", type, null, "%s", msg);
  front = new SentinelFront(sentinel);
  const host = conf.bind[0] ?? "0.0.0.0";
  const addr = front.listen(host === "*" ? "0.0.0.0" : host, conf.port);
  sentinel.port = addr.port;
  if (conf.pidfile !== "") {
    try {
      Deno.writeTextFileSync(conf.pidfile, `${Deno.pid}\n`);
    } catch {
      // Redis also carries on without its pid file.
    }
  }
  log.notice(`Running mode=sentinel, port=${addr.port}.`);
  let done: () => void = () => {};
  const closed = new Promise<void>((resolve) => done = resolve);
  let stopping = false;
  const close = () => {
    if (stopping) return;
    stopping = true;
    sentinel.flushConfig();
    sentinel.stop();
    scripts.killAll();
    front!.close();
    if (conf.pidfile !== "") Deno.remove(conf.pidfile).catch(() => {});
    log.warning("Sentinel is now ready to exit, bye bye...");
    done();
  };
  front.onShutdown = () => {
    log.warning("User requested shutdown...");
    close();
  };
  if (opts.signals) {
    const onSignal = (name: string) => () => {
      log.warning(`Received ${name} scheduling shutdown...`);
      close();
    };
    Deno.addSignalListener("SIGTERM", onSignal("SIGTERM"));
    Deno.addSignalListener("SIGINT", onSignal("SIGINT"));
  }
  sentinel.start();
  return { sentinel, port: addr.port, closed, close };
}

/** `hakv sentinel <file> [--directive value ...]`; returns an exit code, or undefined to run. */
export function runSentinel(argv: readonly string[]): number | undefined {
  const file = argv[0] !== undefined && !argv[0].startsWith("--") ? argv[0] : undefined;
  const rest = file === undefined ? argv : argv.slice(1);
  const refusal = checkWritable(file);
  if (refusal !== null) {
    const log = new Logger();
    log.role = "X";
    log.warning(refusal);
    return 1;
  }
  let conf: SentinelConf;
  try {
    conf = loadSentinelConf(file!, rest);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
  const running = startSentinel(conf, { signals: true });
  running.closed.then(() => setTimeout(() => Deno.exit(0), 0));
  return undefined;
}
