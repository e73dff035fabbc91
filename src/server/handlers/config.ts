// CONFIG GET / SET / RESETSTAT / REWRITE / HELP: reading and changing directives at runtime,
// and writing them back to the config file. Replies and error texts are Redis 7.0's.
import { ConfigError } from "../config.ts";
import { SYNTAX } from "../errors.ts";
import type { Handlers } from "../handler.ts";
import { allowedBy } from "./_access.ts";
import { help, replyHelp } from "./_help.ts";

type Names =
  | "config|get"
  | "config|set"
  | "config|resetstat"
  | "config|rewrite"
  | "config|help";

const CONFIG_HELP = help("CONFIG", [
  "GET <pattern>",
  "    Return parameters matching the glob-like <pattern> and their values.",
  "SET <directive> <value>",
  "    Set the configuration <directive> to <value>.",
  "RESETSTAT",
  "    Reset statistics reported by the INFO command.",
  "REWRITE",
  "    Rewrite the configuration file.",
]);

export const CONFIG_HANDLERS: Handlers<Names> = {
  "config|get"(c, argv, server) {
    const pairs = server.config.matching(argv.strings(2));
    c.w.map(pairs.length);
    for (const [k, v] of pairs) {
      c.w.bulk(k);
      c.w.bulk(v);
    }
  },
  "config|set"(c, argv, server) {
    if (argv.length % 2 !== 0) {
      c.w.error(SYNTAX);
      return;
    }
    const pairs: [string, string][] = [];
    for (let i = 2; i < argv.length; i += 2) pairs.push([argv.str(i), argv.str(i + 1)]);
    const config = server.config;
    const before = pairs.map(([name]) => [name, config.directive(name) ? config.get(name) : ""]);
    try {
      config.setMany(pairs, { allowProtected: allowedBy(server, c, "enable-protected-configs") });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      c.w.error(`ERR ${err.message}`);
      return;
    }
    const bind = config.get("bind");
    const port = config.int("port");
    if (!server.listening || (bind === server.bound && port === server.port)) {
      c.w.ok();
      return;
    }
    // Moving the listeners waits for the old sockets to close; on failure every value reverts.
    const [arg, why] = bind !== server.bound
      ? ["bind", "Failed to bind to specified addresses."]
      : ["port", "Unable to listen on this port. Check server logs."];
    return server.rebind(bind, port, why).then(() => c.w.ok(), (err: Error) => {
      try {
        config.setMany(before as [string, string][], { allowProtected: true });
      } catch {
        // The old values were valid a moment ago.
      }
      c.w.error(`ERR CONFIG SET failed (possibly related to argument '${arg}') - ${err.message}`);
    });
  },
  "config|resetstat"(c, _argv, server) {
    server.stats.reset();
    const ks = server.keyspace;
    ks.hits = ks.misses = ks.expiredKeys = 0;
    const mem = Deno.memoryUsage();
    server.memoryPeak = mem.heapUsed + mem.external;
    c.w.ok();
  },
  "config|rewrite"(c, _argv, server) {
    try {
      server.config.rewriteFile();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      server.log.warning(`CONFIG REWRITE failed: ${err.message}`);
      c.w.error(`ERR ${err.message}`);
      return;
    }
    server.log.notice("CONFIG REWRITE executed with success.");
    c.w.ok();
  },
  "config|help"(c) {
    replyHelp(c, CONFIG_HELP);
  },
};
