// Transactions: MULTI/EXEC/DISCARD queueing and WATCH's optimistic locks.
// (Scaffold: the transactions owner fills this in.)
import type { Server } from "./server.ts";

export class Watches {
  constructor(readonly server: Server) {}

  /** A key was modified: every client watching it fails its next EXEC (signalModifiedKey). */
  touch(_dbIndex: number, _key: string): void {}
}
