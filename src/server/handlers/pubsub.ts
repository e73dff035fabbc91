// Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB's
// introspection, with Redis 7.0's reply shapes: each (un)subscription is confirmed by its own
// [kind, channel, count] frame (a push in RESP3), where count is the client's channels plus
// patterns, or its shard channels for the S variants.
import type { Argv } from "../../resp/mod.ts";
import type { Client } from "../client.ts";
import type { Handlers } from "../handler.ts";
import type { Server } from "../server.ts";
import { help, replyHelp, subcommandSyntaxError } from "./_help.ts";

type Names =
  | "subscribe"
  | "unsubscribe"
  | "psubscribe"
  | "punsubscribe"
  | "ssubscribe"
  | "sunsubscribe"
  | "publish"
  | "spublish"
  | "pubsub|channels"
  | "pubsub|numsub"
  | "pubsub|numpat"
  | "pubsub|shardchannels"
  | "pubsub|shardnumsub"
  | "pubsub|help";

const PUBSUB_HELP = help("PUBSUB", [
  "CHANNELS [<pattern>]",
  "    Return the currently active channels matching a <pattern> (default: '*').",
  "NUMPAT",
  "    Return number of subscriptions to patterns.",
  "NUMSUB [<channel> ...]",
  "    Return the number of subscribers for the specified channels, excluding",
  "    pattern subscriptions(default: no channels).",
  "SHARDCHANNELS [<pattern>]",
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  "SHARDNUMSUB [<shardchannel> ...]",
  "    Return the number of subscribers for the specified shard level channel(s)",
]);

const SSUBSCRIBE_DENIED = "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client";

/** Which subscription set a command works on: channels, patterns or shard channels. */
type Kind = 0 | 1 | 2;
const CHANNEL = 0;
const PATTERN = 1;
const SHARD = 2;

const SUBSCRIBED = ["subscribe", "psubscribe", "ssubscribe"] as const;
const UNSUBSCRIBED = ["unsubscribe", "punsubscribe", "sunsubscribe"] as const;

/** The count a confirmation carries. */
function countFor(c: Client, kind: Kind): number {
  return kind === SHARD ? c.shardChannels.size : c.channels.size + c.patterns.size;
}

function confirm(c: Client, what: string, name: string | null, count: number): void {
  const w = c.w;
  w.push(3);
  w.bulk(what);
  if (name === null) w.nil();
  else w.bulk(name);
  w.int(count);
}

function subscribeGeneric(c: Client, argv: Argv, server: Server, kind: Kind): void {
  const ps = server.pubsub;
  ps.attach(server);
  for (let i = 1; i < argv.length; i++) {
    const name = argv.str(i);
    if (kind === CHANNEL) ps.subscribe(c, name);
    else if (kind === PATTERN) ps.psubscribe(c, name);
    else ps.ssubscribe(c, name);
    confirm(c, SUBSCRIBED[kind], name, countFor(c, kind));
  }
}

function unsubscribeGeneric(c: Client, argv: Argv, server: Server, kind: Kind): void {
  const ps = server.pubsub;
  const what = UNSUBSCRIBED[kind];
  const drop = (name: string) => {
    if (kind === CHANNEL) ps.unsubscribe(c, name);
    else if (kind === PATTERN) ps.punsubscribe(c, name);
    else ps.sunsubscribe(c, name);
    confirm(c, what, name, countFor(c, kind));
  };
  if (argv.length > 1) {
    for (let i = 1; i < argv.length; i++) drop(argv.str(i));
    return;
  }
  const own = kind === CHANNEL ? c.channels : kind === PATTERN ? c.patterns : c.shardChannels;
  if (own.size === 0) {
    confirm(c, what, null, countFor(c, kind));
    return;
  }
  for (const name of [...own]) drop(name);
}

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern]. */
function listChannels(c: Client, argv: Argv, server: Server, shard: boolean): void {
  if (argv.length > 3) {
    c.w.error(subcommandSyntaxError(argv));
    return;
  }
  const pattern = argv.length === 3 ? argv.str(2) : null;
  c.w.bulks(server.pubsub.channels(pattern, shard));
}

/** PUBSUB NUMSUB / SHARDNUMSUB channel...: a flat [channel, count, ...] array. */
function countSubscribers(c: Client, argv: Argv, server: Server, shard: boolean): void {
  const w = c.w;
  w.array((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    const ch = argv.str(i);
    w.bulk(ch);
    w.int(server.pubsub.numsub(ch, shard));
  }
}

export const PUBSUB_HANDLERS: Handlers<Names> = {
  subscribe(c, argv, server) {
    subscribeGeneric(c, argv, server, CHANNEL);
  },
  psubscribe(c, argv, server) {
    subscribeGeneric(c, argv, server, PATTERN);
  },
  ssubscribe(c, argv, server) {
    // Inside EXEC a client must get one reply per command (SUBSCRIBE is let through there).
    if (c.inExec) {
      c.w.error(SSUBSCRIBE_DENIED);
      return;
    }
    subscribeGeneric(c, argv, server, SHARD);
  },
  unsubscribe(c, argv, server) {
    unsubscribeGeneric(c, argv, server, CHANNEL);
  },
  punsubscribe(c, argv, server) {
    unsubscribeGeneric(c, argv, server, PATTERN);
  },
  sunsubscribe(c, argv, server) {
    unsubscribeGeneric(c, argv, server, SHARD);
  },
  publish(c, argv, server) {
    c.w.int(server.pubsub.publish(argv.str(1), argv.str(2)));
  },
  spublish(c, argv, server) {
    c.w.int(server.pubsub.spublish(argv.str(1), argv.str(2)));
  },
  "pubsub|channels"(c, argv, server) {
    listChannels(c, argv, server, false);
  },
  "pubsub|shardchannels"(c, argv, server) {
    listChannels(c, argv, server, true);
  },
  "pubsub|numsub"(c, argv, server) {
    countSubscribers(c, argv, server, false);
  },
  "pubsub|shardnumsub"(c, argv, server) {
    countSubscribers(c, argv, server, true);
  },
  "pubsub|numpat"(c, _argv, server) {
    c.w.int(server.pubsub.patternCount);
  },
  "pubsub|help"(c) {
    replyHelp(c, PUBSUB_HELP);
  },
};
