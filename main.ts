// The hakv command line: `hakv <role> [args]`. Parses nothing beyond the role; each role reads
// its own arguments.
import { ConfigFileError, loadConfig, startServer } from "./src/server/mod.ts";
import { HAKV_VERSION, REDIS_VERSION } from "./src/server/version.ts";
import { runSentinel } from "./src/sentinel/mod.ts";
import { runUp } from "./src/up/mod.ts";
import { runProxy } from "./src/proxy/mod.ts";

const USAGE = `Usage: hakv <role> [options]

Roles:
  server [/path/to/redis.conf] [--directive value ...]   a Redis-compatible data node
  sentinel /path/to/sentinel.conf [--directive value ...]  Redis-Sentinel-compatible monitoring
  proxy --sentinel host:port,... [--master-name NAME] [--port 6380] [--config proxy.yaml]
                                                          one endpoint that reaches the master
  up [topology.yaml]                                      a local HA group: master, replicas,
                                                          sentinels, proxy (docs/up.md)

  hakv --version | -v     print the version
  hakv --help | -h        print this help
`;

function main(argv: string[]): number | undefined {
  const [role, ...rest] = argv;
  if (role === "--version" || role === "-v") {
    console.log(`hakv v=${HAKV_VERSION} redis-compatible=${REDIS_VERSION}`);
    return 0;
  }
  if (role === "--help" || role === "-h") {
    console.log(USAGE);
    return 0;
  }
  if (role === "server") {
    if (rest[0] === "--version" || rest[0] === "-v") {
      console.log(`hakv server v=${HAKV_VERSION} redis-compatible=${REDIS_VERSION}`);
      return 0;
    }
    try {
      const config = loadConfig(rest);
      const server = startServer(config, { signals: true });
      // A dump that can't be loaded stops hakv (the reason is logged), never an empty start.
      server.ready.catch(() => Deno.exit(1));
      // SHUTDOWN (or a signal) closes the server; the process then exits with its code.
      server.closed.then(() => setTimeout(() => Deno.exit(server.exitCode), 0));
    } catch (err) {
      if (err instanceof ConfigFileError) {
        console.error(err.message);
        return 1;
      }
      console.error(`hakv server: ${err instanceof Error ? err.message : err}`);
      return 1;
    }
    return undefined; // keep running
  }
  if (role === "sentinel") return runSentinel(rest);
  if (role === "up") return runUp(rest);
  if (role === "proxy") return runProxy(rest);
  console.error(USAGE);
  return 2;
}

if (import.meta.main) {
  const code = main(Deno.args);
  if (code !== undefined) Deno.exit(code);
}
