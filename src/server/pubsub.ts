// Pub/sub: channel, pattern and shard-channel subscriptions, message delivery, and the output
// buffer limits that drop subscribers too slow to read what is published to them.
// Subscriptions are kept twice: per client (Client.channels / patterns / shardChannels, for
// UNSUBSCRIBE, CLIENT LIST and subscribed mode) and here per channel (for delivery).
import type { Command } from "../commands/mod.ts";
import { globMatch } from "../engine/glob.ts";
import { Argv } from "../resp/mod.ts";
import type { Client } from "./client.ts";
import { pendingOutput } from "./connection.ts";
import { clientInfoLine } from "./handlers/client.ts";
import { NOTIFY_KEY_MISS, NOTIFY_NEW, parseKeyspaceEvents } from "./notify.ts";
import type { Server } from "./server.ts";

/** What may run in RESP2 subscribed mode (Redis 7.0's list). */
const SUBSCRIBED_MODE = new Set([
  "ping",
  "subscribe",
  "ssubscribe",
  "unsubscribe",
  "sunsubscribe",
  "psubscribe",
  "punsubscribe",
  "quit",
  "reset",
]);

/** One class of client-output-buffer-limit: bytes, bytes, seconds (0 = no limit). */
interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

const NO_LIMIT: OutputLimit = { hard: 0, soft: 0, softSeconds: 0 };
const NO_ARGS = new Argv();

export class PubSub {
  readonly #channels = new Map<string, Set<Client>>();
  readonly #patterns = new Map<string, Set<Client>>();
  readonly #shardChannels = new Map<string, Set<Client>>();
  #server: Server | null = null;
  /** notify-keyspace-events as bits (notify.ts reads it before anything else). */
  notifyFlags = 0;
  #pubsubLimit = NO_LIMIT;
  #normalLimit = NO_LIMIT;
  /** Clients over their soft limit, and since when (ms). */
  readonly #softSince = new Map<Client, number>();
  /** Subscribers written to since their connection last flushed (woken once per batch). */
  readonly #toWake = new Set<Client>();
  #wakeScheduled = false;
  /** Output-limit disconnections so far. */
  outputLimitDisconnections = 0;

  /**
   * Reads the directives pub/sub depends on and follows their changes. Idempotent; until it
   * runs nothing can be subscribed, so nothing is published or limited.
   */
  attach(server: Server): void {
    if (this.#server !== null) return;
    this.#server = server;
    server.config.watch(
      "notify-keyspace-events",
      (v) => {
        const flags = this.notifyFlags = parseKeyspaceEvents(v);
        // "new" and "keymiss" need hooks in the keyspace's hot paths: set only while selected.
        const ks = server.keyspace;
        ks.onNew = flags & NOTIFY_NEW
          ? (db, key) => server.notify(NOTIFY_NEW, "new", key, db)
          : null;
        ks.onMiss = flags & NOTIFY_KEY_MISS
          ? (db, key) => server.notify(NOTIFY_KEY_MISS, "keymiss", key, db)
          : null;
      },
    );
    server.config.watch("client-output-buffer-limit", (v) => {
      const w = v.split(" ");
      for (let k = 0; k + 3 < w.length; k += 4) {
        const limit = {
          hard: Number(w[k + 1]),
          soft: Number(w[k + 2]),
          softSeconds: Number(w[k + 3]),
        };
        if (w[k] === "pubsub") this.#pubsubLimit = limit;
        else if (w[k] === "normal") this.#normalLimit = limit;
      }
    });
  }

  /** Channels with at least one subscriber (INFO pubsub_channels). */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** Patterns with at least one subscriber (INFO pubsub_patterns, PUBSUB NUMPAT). */
  get patternCount(): number {
    return this.#patterns.size;
  }

  /** Shard channels with at least one subscriber (INFO pubsubshard_channels). */
  get shardChannelCount(): number {
    return this.#shardChannels.size;
  }

  // --- Subscriptions -------------------------------------------------------------------------

  /** Adds `c` to `channel`; false if it was already subscribed. */
  subscribe(c: Client, channel: string): boolean {
    return add(this.#channels, c.channels, c, channel);
  }

  unsubscribe(c: Client, channel: string): boolean {
    return remove(this.#channels, c.channels, c, channel);
  }

  psubscribe(c: Client, pattern: string): boolean {
    return add(this.#patterns, c.patterns, c, pattern);
  }

  punsubscribe(c: Client, pattern: string): boolean {
    return remove(this.#patterns, c.patterns, c, pattern);
  }

  ssubscribe(c: Client, channel: string): boolean {
    return add(this.#shardChannels, c.shardChannels, c, channel);
  }

  sunsubscribe(c: Client, channel: string): boolean {
    return remove(this.#shardChannels, c.shardChannels, c, channel);
  }

  /** Drops every subscription of a client that is going away (or RESET), silently. */
  removeClient(c: Client): void {
    for (const ch of c.channels) this.unsubscribe(c, ch);
    for (const p of c.patterns) this.punsubscribe(c, p);
    for (const ch of c.shardChannels) this.sunsubscribe(c, ch);
    this.#softSince.delete(c);
  }

  // --- Introspection -------------------------------------------------------------------------

  /** Active channels (or shard channels) matching `pattern` (null: all). */
  channels(pattern: string | null, shard = false): string[] {
    const out: string[] = [];
    for (const ch of (shard ? this.#shardChannels : this.#channels).keys()) {
      if (pattern === null || globMatch(pattern, ch)) out.push(ch);
    }
    return out;
  }

  /** Subscribers of `channel` (patterns not counted). */
  numsub(channel: string, shard = false): number {
    return (shard ? this.#shardChannels : this.#channels).get(channel)?.size ?? 0;
  }

  // --- Delivery ------------------------------------------------------------------------------

  /**
   * Delivers `message` to subscribers of `channel` and of matching patterns; returns how many
   * deliveries were made (a client subscribed both ways counts twice, as in Redis).
   */
  publish(channel: string, message: string): number {
    let n = 0;
    const subs = this.#channels.get(channel);
    if (subs !== undefined) {
      for (const c of subs) {
        if (c.closed) continue;
        const w = c.w;
        w.push(3);
        w.bulk("message");
        w.bulk(channel);
        w.bulk(message);
        this.#delivered(c);
        n++;
      }
    }
    if (this.#patterns.size > 0) {
      for (const [pattern, clients] of this.#patterns) {
        if (!globMatch(pattern, channel)) continue;
        for (const c of clients) {
          if (c.closed) continue;
          const w = c.w;
          w.push(4);
          w.bulk("pmessage");
          w.bulk(pattern);
          w.bulk(channel);
          w.bulk(message);
          this.#delivered(c);
          n++;
        }
      }
    }
    return n;
  }

  /** SPUBLISH: shard-channel subscribers only. */
  spublish(channel: string, message: string): number {
    const subs = this.#shardChannels.get(channel);
    if (subs === undefined) return 0;
    let n = 0;
    for (const c of subs) {
      if (c.closed) continue;
      const w = c.w;
      w.push(3);
      w.bulk("smessage");
      w.bulk(channel);
      w.bulk(message);
      this.#delivered(c);
      n++;
    }
    return n;
  }

  /** After a write to a subscriber: enforce its output limit, then have its socket flush. */
  #delivered(c: Client): void {
    if (this.#overLimit(c, this.#pubsubLimit)) return;
    this.#toWake.add(c);
    if (!this.#wakeScheduled) {
      this.#wakeScheduled = true;
      // Once the publishing batch is done: one socket write per subscriber per batch.
      queueMicrotask(this.#wake);
    }
  }

  readonly #wake = (): void => {
    this.#wakeScheduled = false;
    for (const c of this.#toWake) c.interrupt();
    this.#toWake.clear();
  };

  /**
   * A normal client's output after a batch of its own replies (connection.ts calls this only
   * when the normal class has a limit).
   */
  checkNormalOutput(c: Client): void {
    if (c.subscriptionCount === 0) this.#overLimit(c, this.#normalLimit);
  }

  /** Whether the normal class has an output limit at all. */
  get normalLimited(): boolean {
    return this.#normalLimit.hard > 0 || this.#normalLimit.soft > 0;
  }

  /**
   * Redis's rule: over the hard limit, or over the soft limit for longer than its seconds,
   * closes the client (logged); its subscriptions go at once so nothing more piles up.
   */
  #overLimit(c: Client, limit: OutputLimit): boolean {
    if (limit.hard === 0 && limit.soft === 0) return false;
    const used = pendingOutput(c);
    let close = limit.hard > 0 && used >= limit.hard;
    if (!close && limit.soft > 0 && used >= limit.soft) {
      const now = Date.now();
      const since = this.#softSince.get(c);
      if (since === undefined) this.#softSince.set(c, now);
      else if (now - since > limit.softSeconds * 1000) close = true;
    } else if (this.#softSince.size > 0) this.#softSince.delete(c);
    if (!close) return false;
    this.outputLimitDisconnections++;
    this.#server?.log.warning(
      `Client ${
        clientInfoLine(c, c, NO_ARGS)
      } scheduled to be closed ASAP for overcoming of output buffer limits.`,
    );
    this.removeClient(c);
    c.w.reset();
    c.kill();
    return true;
  }
}

function add(
  index: Map<string, Set<Client>>,
  own: Set<string>,
  c: Client,
  name: string,
): boolean {
  if (own.has(name)) return false;
  own.add(name);
  const subs = index.get(name);
  if (subs === undefined) index.set(name, new Set([c]));
  else subs.add(c);
  return true;
}

function remove(
  index: Map<string, Set<Client>>,
  own: Set<string>,
  c: Client,
  name: string,
): boolean {
  if (!own.delete(name)) return false;
  const subs = index.get(name);
  if (subs !== undefined) {
    subs.delete(c);
    if (subs.size === 0) index.delete(name);
  }
  return true;
}

/**
 * The error for a command a RESP2 client may not run while subscribed, or null if it may.
 */
export function subscribedRefusal(_c: Client, cmd: Command): string | null {
  const top = cmd.parent ?? cmd;
  if (SUBSCRIBED_MODE.has(top.fullName)) return null;
  return `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;
}
