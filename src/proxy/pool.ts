// Shared connections to the master. Sessions with no connection state of their own (the
// usual case: no SELECT, AUTH, MULTI, SUBSCRIBE, blocking call...) send their commands over a
// few links that every such session uses; each link keeps a queue of who is owed each reply, in
// the order the commands went out, and hands every reply to its session. Many clients' commands
// thus reach the master in one write and their replies come back in one read, where a
// connection per client costs four system calls per command.
import { type Addr, addrKey, type MasterTracker } from "./discovery.ts";
import { FrameReader } from "./frames.ts";
import { Outbox } from "./outbox.ts";

/** A failed connection attempt is retried this often while the address is still the master. */
const RETRY_MS = 50;

/** What a link needs of a session. */
export interface LinkUser {
  /** The reply to the oldest command `user` sent on `link` that is still unanswered. */
  deliver(link: SharedLink, frame: Uint8Array): void;
  /** The link failed: the commands it has not answered have unknown outcomes. */
  linkLost(link: SharedLink): void;
}

/** One connection to the master, shared by many sessions. */
export class SharedLink {
  readonly addr: Addr;
  readonly #pool: Pool;
  #conn: Deno.TcpConn | null = null;
  #out: Outbox | null = null;
  #connecting = false;
  #dead = false;
  /** Who is owed each outstanding reply, oldest first, from `#head`. */
  #owners: LinkUser[] = [];
  #head = 0;

  constructor(pool: Pool, addr: Addr) {
    this.#pool = pool;
    this.addr = addr;
  }

  /** A link to the master (false: to a replica, for reads). */
  get toMaster(): boolean {
    return this.#pool.toMaster;
  }

  get ready(): boolean {
    return this.#conn !== null && !this.#dead;
  }

  get outstanding(): number {
    return this.#owners.length - this.#head;
  }

  /** Bytes waiting to be written to the master. */
  get backlog(): number {
    return this.#out?.pending ?? 0;
  }

  drained(): Promise<void> {
    return this.#out?.drained() ?? Promise.resolve();
  }

  /** Sends `count` whole commands for `user`. Only when ready. */
  send(user: LinkUser, bytes: Uint8Array, count: number): void {
    for (let i = 0; i < count; i++) this.#owners.push(user);
    this.#out!.push(bytes);
  }

  connect(): void {
    if (this.#connecting || this.#conn !== null || this.#dead) return;
    this.#connecting = true;
    Deno.connect({ hostname: this.addr.host, port: this.addr.port }).then((conn) => {
      this.#connecting = false;
      if (this.#dead) {
        conn.close();
        return;
      }
      conn.setNoDelay(true);
      this.#conn = conn;
      this.#out = new Outbox(conn, () => this.#lost(conn));
      this.#read(conn);
      this.#pool.linkReady();
    }, () => {
      this.#connecting = false;
      if (!this.#dead) setTimeout(() => this.connect(), RETRY_MS);
    });
  }

  async #read(conn: Deno.TcpConn): Promise<void> {
    const replies = new FrameReader(conn);
    try {
      while (this.#conn === conn && await replies.fill()) {
        // Replies from a master that is no longer (or not now) the agreed one wait until it is
        // confirmed again; if another node is, they are never delivered: outcomes unknown.
        if (this.toMaster && !this.#pool.isCurrent() && !await this.#pool.confirmed()) break;
        if (this.#conn !== conn) break;
        for (let f = replies.next(); f !== null; f = replies.next()) {
          // A shared link is never subscribed; a push (tracking, say) belongs to nobody.
          if (f[0] !== 62 && this.#head < this.#owners.length) {
            this.#owners[this.#head++]!.deliver(this, f);
          }
        }
        this.#compact();
        if (this.#pool.retired && this.outstanding === 0) break;
      }
    } catch {
      // the master's connection failed
    }
    this.#lost(conn);
  }

  #compact(): void {
    if (this.#head === this.#owners.length) {
      this.#owners = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#owners.length) {
      this.#owners = this.#owners.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The connection is gone: every session still owed a reply is told, once. */
  #lost(conn: Deno.TcpConn): void {
    if (this.#conn !== conn) return;
    this.#conn = null;
    this.#out = null;
    try {
      conn.close();
    } catch {
      // already closed
    }
    const owed = new Set(this.#owners.slice(this.#head));
    this.#owners = [];
    this.#head = 0;
    for (const u of owed) u.linkLost(this);
    // Reconnected on the next command, if this is still the master.
    if (this.#pool.retired) this.#dead = true;
  }

  close(): void {
    this.#dead = true;
    if (this.#conn !== null) this.#lost(this.#conn);
  }
}

/**
 * The shared links to one master. Sessions are spread over them by a number of their own and
 * keep to their link, so each session's replies come back in the order it sent.
 */
export class Pool {
  readonly addr: Addr;
  readonly toMaster: boolean;
  readonly #links: SharedLink[];
  #retired = false;
  /** Called whenever a link comes up (waiting sessions can send). */
  #onReady: () => void;
  readonly #tracker: MasterTracker;
  readonly #switchTimeout: number;

  constructor(
    addr: Addr,
    size: number,
    toMaster: boolean,
    onReady: () => void,
    tracker: MasterTracker,
    switchTimeout: number,
  ) {
    this.addr = addr;
    this.toMaster = toMaster;
    this.#onReady = onReady;
    this.#tracker = tracker;
    this.#switchTimeout = switchTimeout;
    this.#links = Array.from({ length: size }, () => new SharedLink(this, addr));
  }

  get key(): string {
    return addrKey(this.addr);
  }

  get retired(): boolean {
    return this.#retired;
  }

  /** This node is the master now. */
  isCurrent(): boolean {
    return this.#tracker.isCurrent(this.addr);
  }

  /** See MasterTracker.confirmed. */
  confirmed(): Promise<boolean> {
    return this.#tracker.confirmed(this.addr, this.#switchTimeout);
  }

  /** The link for session number `n`, connecting it if needed; null until it is up. */
  link(n: number): SharedLink | null {
    const l = this.#links[n % this.#links.length]!;
    if (l.ready) return l;
    l.connect();
    return null;
  }

  linkReady(): void {
    this.#onReady();
  }

  /**
   * The node moved or left: nothing new is sent; links close once their replies are delivered,
   * or after `graceMs` in any case. A node that stopped answering (SIGSTOP, a partition) would
   * otherwise hold its clients forever; closed, they know the outcome is unknown and reconnect.
   */
  retire(graceMs: number): void {
    this.#retired = true;
    for (const l of this.#links) if (l.outstanding === 0) l.close();
    setTimeout(() => this.close(), graceMs);
  }

  close(): void {
    this.#retired = true;
    for (const l of this.#links) l.close();
  }
}
