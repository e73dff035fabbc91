// Keyspace notifications: `notify-keyspace-events` read as bits, and the events write commands
// report published to __keyspace@<db>__:<key> (message: the event) and
// __keyevent@<db>__:<event> (message: the key). Disabled (the default), an event costs one
// bitmask test.
import type { Server } from "./server.ts";

/** Event classes, as bits; the letters are notify-keyspace-events' flags. */
export const NOTIFY_KEYSPACE = 1 << 0; // K
export const NOTIFY_KEYEVENT = 1 << 1; // E
export const NOTIFY_GENERIC = 1 << 2; // g
export const NOTIFY_STRING = 1 << 3; // $
export const NOTIFY_LIST = 1 << 4; // l
export const NOTIFY_SET = 1 << 5; // s
export const NOTIFY_HASH = 1 << 6; // h
export const NOTIFY_ZSET = 1 << 7; // z
export const NOTIFY_EXPIRED = 1 << 8; // x
export const NOTIFY_EVICTED = 1 << 9; // e
export const NOTIFY_STREAM = 1 << 10; // t
export const NOTIFY_KEY_MISS = 1 << 11; // m
export const NOTIFY_LOADED = 1 << 12; // module only
export const NOTIFY_MODULE = 1 << 13; // d
export const NOTIFY_NEW = 1 << 14; // n
/** `A`: every class but key misses and new keys (as in Redis 7.0). */
export const NOTIFY_ALL = NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET |
  NOTIFY_HASH | NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE;

export type NotifyClass = number;

const FLAG_BITS: Record<string, number> = {
  A: NOTIFY_ALL,
  g: NOTIFY_GENERIC,
  $: NOTIFY_STRING,
  l: NOTIFY_LIST,
  s: NOTIFY_SET,
  h: NOTIFY_HASH,
  z: NOTIFY_ZSET,
  x: NOTIFY_EXPIRED,
  e: NOTIFY_EVICTED,
  K: NOTIFY_KEYSPACE,
  E: NOTIFY_KEYEVENT,
  t: NOTIFY_STREAM,
  m: NOTIFY_KEY_MISS,
  d: NOTIFY_MODULE,
  n: NOTIFY_NEW,
};

/**
 * The bits of a notify-keyspace-events value (config.ts has validated it); 0 if a character is
 * not a flag, or if neither K nor E is set (then nothing is ever published).
 */
export function parseKeyspaceEvents(flags: string): number {
  let bits = 0;
  for (const ch of flags) {
    const b = FLAG_BITS[ch];
    if (b === undefined) return 0;
    bits |= b;
  }
  return bits & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT) ? bits : 0;
}

/** Publishes a keyspace event if `notify-keyspace-events` selects its class. */
export function notifyKeyspaceEvent(
  server: Server,
  cls: NotifyClass,
  event: string,
  key: string,
  dbIndex: number,
): void {
  const flags = server.pubsub.notifyFlags;
  if ((flags & cls) === 0) return;
  if (flags & NOTIFY_KEYSPACE) server.pubsub.publish(`__keyspace@${dbIndex}__:${key}`, event);
  if (flags & NOTIFY_KEYEVENT) server.pubsub.publish(`__keyevent@${dbIndex}__:${event}`, key);
}
