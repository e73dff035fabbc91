// Keyspace notifications: `notify-keyspace-events` and the __keyspace@N__ / __keyevent@N__
// channels. (Scaffold: the pub/sub owner fills this in.)
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

export type NotifyClass = number;

/** Publishes a keyspace event if `notify-keyspace-events` selects its class. */
export function notifyKeyspaceEvent(
  _server: Server,
  _cls: NotifyClass,
  _event: string,
  _key: string,
  _dbIndex: number,
): void {}
