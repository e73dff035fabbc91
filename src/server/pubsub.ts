// Pub/sub: channel, pattern and shard-channel subscriptions, and message delivery.
// (Scaffold: the pub/sub owner fills this in.)
import type { Command } from "../commands/mod.ts";
import type { Client } from "./client.ts";

export class PubSub {
  /** Channels with at least one subscriber (INFO pubsub_channels). */
  get channelCount(): number {
    return 0;
  }

  /** Patterns with at least one subscriber (INFO pubsub_patterns). */
  get patternCount(): number {
    return 0;
  }

  /** Shard channels with at least one subscriber (INFO pubsubshard_channels). */
  get shardChannelCount(): number {
    return 0;
  }

  /** Delivers `message` to subscribers of `channel` and matching patterns; returns receivers. */
  publish(_channel: string, _message: string): number {
    return 0;
  }

  /** Drops every subscription of a client that is going away (or RESET). */
  removeClient(_c: Client): void {}
}

/**
 * The error for a command a RESP2 client may not run while subscribed, or null if it may.
 */
export function subscribedRefusal(_c: Client, _cmd: Command): string | null {
  return null;
}
