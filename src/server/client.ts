// One connected client: its protocol state (RESP version, selected db, name, auth) and its
// reply buffer. The socket loop (connection.ts) owns the I/O; handlers only see this.
import type { Db } from "../engine/keyspace.ts";
import { Argv, RespWriter } from "../resp/mod.ts";
import type { Transaction, WatchedKey } from "./multi.ts";

export type ReplyMode = "on" | "off" | "skip";

export class Client {
  /** Where handlers write replies. Swapped with `spare` when a batch is sent, so the next
   * batch can be written while the previous one is still on its way to the socket. */
  w = new RespWriter();
  spare = new RespWriter();
  readonly argv = new Argv();
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  name = "";
  libName = "";
  libVer = "";
  authenticated: boolean;
  user = "default";
  dbIndex = 0;
  db: Db;
  replyMode: ReplyMode = "on";
  /** Skip the reply of the command being run (CLIENT REPLY SKIP applies to the next one). */
  skipNext = false;
  /** Close once the pending replies are written (QUIT, protocol errors, CLIENT KILL). */
  closeAfterReply = false;
  /** Close now, dropping pending replies. */
  closed = false;
  monitor = false;
  /** This connection is a replica's link (PSYNC/SYNC): it gets the replication stream. */
  replica = false;
  /** This client applies the stream from this node's master (a replica's link). */
  master = false;
  /** What the replica announced with REPLCONF before PSYNC: listening-port, capa eof. */
  replPort = 0;
  /** The replication offset just after this client's last propagated write (for WAIT). */
  replOffset = 0;
  replCapaEof = false;
  /** REPLCONF rdb-only 1 (redis-cli --rdb): the image only, then the connection closes. */
  replRdbOnly = false;
  noEvict = false;
  lastCommand = "NULL";
  /** Bytes of the query buffer and of pending output, for CLIENT LIST. */
  queryBufferLength = 0;
  queryBufferPeak = 0;
  /** Commands executed so far. */
  commands = 0;
  /** Set by the socket loop: wakes the connection so it notices a kill. */
  interrupt: () => void = () => {};
  /**
   * Called by the socket loop each time a write to this client completes: a replica's link uses
   * it to hand over the next part of the stream as the socket drains (replication/mod.ts).
   */
  onWritten: (() => void) | null = null;
  /**
   * Set while the client waits in a blocking command, cleared when it resumes: CLIENT UNBLOCK or
   * a change of master calls it with the error to reply, or null for the timeout reply. Also
   * counts as blocked.
   */
  unblock: ((error: string | null) => void) | null = null;
  /** Pub/sub subscriptions (pubsub.ts owns them). */
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  /** True while EXEC runs this client's queued commands: blocking commands must not block. */
  inExec = false;
  /** Commands queued since MULTI; null outside a transaction (multi.ts). */
  multi: Transaction | null = null;
  /** Keys this client WATCHes (multi.ts `Watches` keeps them in step). */
  watched: WatchedKey[] | null = null;
  /** A watched key changed: the next EXEC replies a null array. */
  dirtyCas = false;

  constructor(
    readonly id: number,
    readonly addr: string,
    readonly laddr: string,
    db: Db,
    authenticated: boolean,
  ) {
    this.db = db;
    this.authenticated = authenticated;
  }

  get protocol(): 2 | 3 {
    return this.w.protocol;
  }

  set protocol(p: 2 | 3) {
    this.w.protocol = p;
  }

  /** Subscriptions of every kind: a RESP2 client with any is in subscribed mode. */
  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  /** Flags as CLIENT LIST prints them, in Redis's order. */
  flags(): string {
    let f = "";
    if (this.replica) f += "S";
    if (this.master) f += "M";
    if (this.monitor) f += "O";
    if (this.subscriptionCount > 0) f += "P";
    if (this.multi !== null) f += "x";
    if (this.unblock !== null) f += "b";
    if (this.dirtyCas) f += "d";
    if (this.closeAfterReply) f += "c";
    if (this.noEvict) f += "e";
    return f === "" ? "N" : f;
  }

  /** Drops the connection as soon as possible (CLIENT KILL, shutdown). */
  kill(): void {
    this.closed = true;
    this.interrupt();
  }
}
