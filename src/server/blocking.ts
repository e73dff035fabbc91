// Blocking commands (BLPOP, BLMOVE, BZPOPMIN...): clients parked on keys, served first come
// first served when a key they wait on becomes ready. (Scaffold: the lists owner fills this in.)
import type { Client } from "./client.ts";
import type { Server } from "./server.ts";

export interface BlockSpec {
  /** Keys waited on, in argument order, in the client's selected database. */
  readonly keys: readonly string[];
  /** Milliseconds to wait; 0 waits forever. */
  readonly timeoutMs: number;
  /**
   * Tries to serve the client from `key`, which just became ready; writes the reply (and does
   * the command's effects) and returns true, or returns false to keep waiting.
   */
  serve(key: string): boolean;
  /** Writes the reply for a timeout (a null array, for most). */
  timedOut(): void;
}

export class Blocking {
  constructor(readonly server: Server) {}

  /**
   * Parks `c` until `spec.serve` succeeds, the timeout passes, CLIENT UNBLOCK or the client
   * goes away. The caller has already tried the keys once. Inside MULTI/EXEC callers must not
   * block: they write the timeout reply at once (see `Client.inExec`).
   */
  block(_c: Client, spec: BlockSpec): Promise<void> {
    spec.timedOut();
    return Promise.resolve();
  }

  /** A list or sorted set now exists at `key` (called by Db.set and pushes). */
  signalReady(_dbIndex: number, _key: string): void {}

  /** Serves clients blocked on keys signalled ready; dispatch calls it after each command. */
  handleReady(): void {}

  /** Forgets a client that disconnected while blocked. */
  removeClient(_c: Client): void {}
}
