// The data node's entry points: build the configuration from redis-server style arguments,
// start serving, and shut down on signals or SHUTDOWN.
import { concatBytes } from "../resp/mod.ts";
import { Config, ConfigFileError } from "./config.ts";
import { Server } from "./server.ts";
import { HAKV_VERSION, REDIS_VERSION } from "./version.ts";

export { Config, ConfigError, ConfigFileError } from "./config.ts";
export { Server } from "./server.ts";
export { execute } from "./dispatch.ts";
export { Client } from "./client.ts";

/**
 * Turns `[config-file] [--name value ...]` into config text, as redis-server does: each `--name`
 * starts a new line and the words after it are its values.
 */
export function argsToConfig(args: readonly string[]): { file: string; text: string } {
  let file = "";
  let i = 0;
  if (args.length > 0 && !args[0]!.startsWith("--")) {
    file = args[0]!;
    i = 1;
  }
  const lines: string[] = [];
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith("--")) lines.push(a.slice(2));
    else if (lines.length === 0) lines.push(a);
    else lines[lines.length - 1] += " " + quoteWord(a);
  }
  return { file, text: lines.join("\n") };
}

function quoteWord(w: string): string {
  if (w !== "" && !/[\s"'\\]/.test(w)) return w;
  return '"' + w.replace(/\\/g, "\\\\").replace(/"/g, '\\"') + '"';
}

/** Builds a Config from redis-server style arguments; throws ConfigFileError. */
export function loadConfig(args: readonly string[]): Config {
  const config = new Config();
  const { file, text } = argsToConfig(args);
  if (file !== "") {
    let body: string;
    try {
      body = file === "-" ? new TextDecoder().decode(readAllStdin()) : Deno.readTextFileSync(file);
    } catch (err) {
      throw new ConfigFileError(
        file,
        0,
        "",
        `Fatal error, can't open config file '${file}': ${
          err instanceof Error ? err.message : err
        }`,
      );
    }
    config.load(body, file);
    config.file = file === "-" ? "" : resolvePath(file);
  }
  if (text !== "") config.load(text, "(command line)");
  return config;
}

function resolvePath(p: string): string {
  return p.startsWith("/") ? p : `${Deno.cwd()}/${p}`;
}

function readAllStdin(): Uint8Array {
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  while (true) {
    const n = Deno.stdin.readSync(buf);
    if (n === null || n === 0) break;
    chunks.push(buf.slice(0, n));
  }
  return concatBytes(chunks);
}

export interface StartOptions {
  /** Install SIGTERM/SIGINT handlers (the CLI does; embedded servers usually not). */
  signals?: boolean;
}

/**
 * Loads `<dir>/<dbfilename>` if it exists, logging as Redis does, while clients already connected
 * get -LOADING. A file that can't be loaded is fatal: the promise rejects (after logging) and the
 * CLI exits non-zero.
 */
async function loadAtStart(server: Server): Promise<void> {
  const log = server.log;
  const t0 = performance.now();
  let loaded;
  try {
    loaded = await server.persistence.loadAtStart();
  } catch (err) {
    log.warning(
      `Fatal error loading the DB: ${err instanceof Error ? err.message : err}. Exiting.`,
    );
    throw err;
  }
  if (loaded === null) return;
  log.notice(`Done loading RDB, keys loaded: ${loaded.keys}, keys expired: ${loaded.expired}.`);
  log.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
}

/** Starts a data node from a loaded Config. */
export function startServer(config: Config, options: StartOptions = {}): Server {
  const server = new Server(config);
  const log = server.log;
  config.watch("logfile", (v) => log.setFile(v));
  log.role = "C";
  log.notice("oO0OoO0OoO0Oo hakv is starting oO0OoO0OoO0Oo");
  log.notice(
    `hakv version=${HAKV_VERSION} (Redis version=${REDIS_VERSION}), bits=64, pid=${Deno.pid}, just started`,
  );
  log.notice(
    config.file === "" ? "Configuration loaded" : `Configuration loaded from ${config.file}`,
  );
  for (const w of config.warnings) log.warning(w);
  log.role = "M";
  server.listen();
  const pidfile = config.get("pidfile");
  if (pidfile !== "") Deno.writeTextFileSync(pidfile, `${Deno.pid}\n`);
  log.notice(`Running mode=standalone, port=${server.port}.`);
  log.notice("Server initialized");
  // Clients that connect meanwhile get -LOADING (commands flagged `loading` still run).
  server.ready = loadAtStart(server).then(() => log.notice("Ready to accept connections tcp"));
  if (options.signals) {
    let shuttingDown = false;
    const onSignal = (name: string) => () => {
      if (shuttingDown) {
        // As Redis: a second SIGINT means "now"; a repeated SIGTERM is already being handled.
        if (name === "SIGINT") {
          log.warning("You insist... exiting now.");
          Deno.exit(1);
        }
        return;
      }
      shuttingDown = true;
      log.warning(`Received ${name} scheduling shutdown...`);
      // shutdown-on-sigterm / shutdown-on-sigint: "default" or flags among save nosave now force.
      const flags = config.get(`shutdown-on-${name.toLowerCase()}`).split(" ");
      server.shutdown({
        save: flags.includes("save"),
        nosave: flags.includes("nosave"),
        force: flags.includes("force"),
      }).then((done) => {
        if (done) Deno.exit(server.exitCode);
        shuttingDown = false;
        log.warning(
          `${name} received but errors trying to shut down the server, check the logs for more information`,
        );
      });
    };
    Deno.addSignalListener("SIGTERM", onSignal("SIGTERM"));
    Deno.addSignalListener("SIGINT", onSignal("SIGINT"));
  }
  return server;
}
