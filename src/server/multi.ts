// Transactions: MULTI/EXEC/DISCARD queueing and WATCH's optimistic locks.
// (Scaffold: the transactions owner fills this in.)
import type { Client } from "./client.ts";
import type { Server } from "./server.ts";

export class Watches {
  constructor(readonly server: Server) {}

  /** A key was modified: every client watching it fails its next EXEC (signalModifiedKey). */
  touch(_dbIndex: number, _key: string): void {}

  /** Ends the client's transaction and drops its WATCHes (RESET, disconnection). */
  resetClient(_c: Client): void {}

  /** A key was removed because its TTL passed. */
  expired(_dbIndex: number, _key: string): void {}

  /** FLUSHDB / FLUSHALL (dbIndex -1): watchers of keys that existed fail their EXEC. */
  flushed(_dbIndex: number): void {}

  /** SWAPDB: watchers of keys in either database whose value changes fail their EXEC. */
  swapped(_a: number, _b: number): void {}
}
