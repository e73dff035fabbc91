// Watching what clients run: SLOWLOG GET / LEN / RESET / HELP (commands over the slowlog
// threshold, newest first) and MONITOR (every command, live), with Redis 7.0's replies.
import type { Handlers } from "../handler.ts";
import { intArg } from "./_args.ts";
import { help, replyHelp, subcommandSyntaxError } from "./_help.ts";

type Names = "slowlog|get" | "slowlog|len" | "slowlog|reset" | "slowlog|help" | "monitor";

const SLOWLOG_COUNT = "ERR count should be greater than or equal to -1";

const SLOWLOG_HELP = help("SLOWLOG", [
  "GET [<count>]",
  "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
  "    Entries are made of:",
  "    id, timestamp, time in microseconds, arguments array, client IP and port,",
  "    client name",
  "LEN",
  "    Return the length of the slowlog.",
  "RESET",
  "    Reset the slowlog.",
]);

export const SLOWLOG_HANDLERS: Handlers<Names> = {
  "slowlog|get"(c, argv, server) {
    if (argv.length > 3) {
      c.w.error(subcommandSyntaxError(argv));
      return;
    }
    let count = 10;
    if (argv.length === 3) {
      const n = intArg(argv, 2);
      if (n === null || n < -1) {
        c.w.error(SLOWLOG_COUNT);
        return;
      }
      count = n;
    }
    const log = server.stats.slowlog;
    const entries = count === -1 ? log : log.slice(0, count);
    c.w.array(entries.length);
    for (const e of entries) {
      c.w.array(6);
      c.w.int(e.id);
      c.w.int(e.time);
      c.w.int(e.micros);
      c.w.bulks(e.args);
      c.w.bulk(e.addr);
      c.w.bulk(e.name);
    }
  },
  "slowlog|len"(c, _argv, server) {
    c.w.int(server.stats.slowlog.length);
  },
  "slowlog|reset"(c, _argv, server) {
    server.stats.slowlog.length = 0;
    c.w.ok();
  },
  "slowlog|help"(c) {
    replyHelp(c, SLOWLOG_HELP);
  },
  monitor(c, _argv, server) {
    // A client already monitoring gets no reply, as in Redis.
    if (c.monitor) return;
    c.monitor = true;
    server.monitors.add(c);
    c.w.ok();
  },
};
