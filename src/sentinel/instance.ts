// What a sentinel knows about one monitored node (a master, one of its replicas, or another
// sentinel), and the links it keeps to it: a command link for every kind, and for masters and
// replicas a second link subscribed to the hello channel.
import { withTimeout } from "../_util/timeout.ts";
import { RespClient, RespError, type RespValue } from "../client/mod.ts";

export const HELLO_CHANNEL = "__sentinel__:hello";

/** Instance flags, in the order SENTINEL MASTER(S) prints them. */
export const F = {
  S_DOWN: 1 << 0,
  O_DOWN: 1 << 1,
  MASTER: 1 << 2,
  SLAVE: 1 << 3,
  SENTINEL: 1 << 4,
  // "disconnected" (bit 5 in the printed order) comes from the link, not from a flag.
  MASTER_DOWN: 1 << 6,
  FAILOVER_IN_PROGRESS: 1 << 7,
  PROMOTED: 1 << 8,
  RECONF_SENT: 1 << 9,
  RECONF_INPROG: 1 << 10,
  RECONF_DONE: 1 << 11,
  FORCE_FAILOVER: 1 << 12,
  SCRIPT_KILL_SENT: 1 << 13,
  MASTER_REBOOT: 1 << 14,
} as const;

const FLAG_NAMES: readonly [number, string][] = [
  [F.S_DOWN, "s_down"],
  [F.O_DOWN, "o_down"],
  [F.MASTER, "master"],
  [F.SLAVE, "slave"],
  [F.SENTINEL, "sentinel"],
  [-1, "disconnected"],
  [F.MASTER_DOWN, "master_down"],
  [F.FAILOVER_IN_PROGRESS, "failover_in_progress"],
  [F.PROMOTED, "promoted"],
  [F.RECONF_SENT, "reconf_sent"],
  [F.RECONF_INPROG, "reconf_inprog"],
  [F.RECONF_DONE, "reconf_done"],
  [F.FORCE_FAILOVER, "force_failover"],
  [F.SCRIPT_KILL_SENT, "script_kill_sent"],
  [F.MASTER_REBOOT, "master_reboot"],
];

/** The failover states, with the names SENTINEL MASTER prints. */
export type FailoverState =
  | "none"
  | "wait_start"
  | "select_slave"
  | "send_slaveof_noone"
  | "wait_promotion"
  | "reconf_slaves"
  | "update_config";

const STATE_ORDER: readonly FailoverState[] = [
  "none",
  "wait_start",
  "select_slave",
  "send_slaveof_noone",
  "wait_promotion",
  "reconf_slaves",
  "update_config",
];

/** Whether failover state `a` is at or past `b`. */
export function stateAtLeast(a: FailoverState, b: FailoverState): boolean {
  return STATE_ORDER.indexOf(a) >= STATE_ORDER.indexOf(b);
}

export interface Addr {
  host: string;
  port: number;
}

export function sameAddr(a: Addr, b: Addr): boolean {
  return a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase();
}

export function formatAddr(a: Addr): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** How a link authenticates and names itself. */
export interface LinkAuth {
  user: string | null;
  pass: string | null;
  /** `sentinel-<first 8 chars of myid>`; the link adds `-cmd` or `-pubsub`. */
  clientName: string;
  /** rename-command: the name the node knows a command by. */
  rename: (cmd: string) => string;
}

const CONNECT_TIMEOUT_MS = 1000;
/** A link that lived this long before dropping is reopened without waiting. */
const STABLE_LINK_MS = 1000;

async function connectWithTimeout(addr: Addr, ms: number): Promise<RespClient> {
  const connecting = RespClient.connect({ hostname: addr.host, port: addr.port });
  try {
    return await withTimeout(connecting, ms, "connect");
  } catch (err) {
    // A connection that completes after the deadline is closed, never leaked.
    connecting.then((c) => c.close(), () => {});
    throw err;
  }
}

/**
 * The links to one node. Times are epoch milliseconds; 0 means never. The fields follow what
 * SENTINEL MASTER reports: `actPingTime` is when the oldest unanswered PING was sent.
 */
export class Link {
  cmd: RespClient | null = null;
  pubsub: RespClient | null = null;
  #connecting = false;
  pending = 0;
  ccConnTime = 0;
  pcConnTime = 0;
  pcLastActivity = 0;
  lastAvailTime: number;
  lastPingTime = 0;
  actPingTime: number;
  lastPongTime: number;
  lastReconnTime = 0;
  /** The address this sentinel has on the command link (for hello messages). */
  localHost = "";

  constructor(now: number) {
    // As Redis does, a new link counts as answered now, so a node is not down before it has
    // had down-after-milliseconds to answer.
    this.lastAvailTime = now;
    this.actPingTime = now;
    this.lastPongTime = now;
  }

  get disconnected(): boolean {
    return this.cmd === null || (this.#wantsPubsub && this.pubsub === null);
  }

  #wantsPubsub = false;

  /** Bumped by close(): a connection that completes after it belongs to a closed link. */
  #generation = 0;

  /**
   * Opens whichever link is down. `onHello` receives hello payloads from the pub/sub link.
   * Failed attempts are at most one per `period` ms; a link that was up for a while and
   * dropped is reopened at once.
   */
  reconnect(
    addr: Addr,
    opts: { pubsub: boolean; period: number; auth: LinkAuth; onHello: (msg: string) => void },
    now: number,
  ): void {
    this.#wantsPubsub = opts.pubsub;
    if (this.#connecting || !this.disconnected) return;
    if (now - this.lastReconnTime < opts.period) return;
    this.lastReconnTime = now;
    this.#connecting = true;
    // As in Redis, reopening the command link counts as sending a PING: a node that cannot be
    // reached is down-after-milliseconds from now, not from its last reply (which may be most
    // of a ping period old when the link dropped).
    if (this.cmd === null && this.actPingTime === 0) {
      this.actPingTime = now;
      this.lastPingTime = now;
    }
    const generation = this.#generation;
    const open = async (kind: "cmd" | "pubsub"): Promise<RespClient> => {
      const c = await connectWithTimeout(addr, CONNECT_TIMEOUT_MS);
      if (generation !== this.#generation) {
        // The link was closed (the node moved, or was forgotten) while this connected.
        c.close();
        throw new Error("link closed while connecting");
      }
      const a = opts.auth;
      if (a.pass !== null) {
        const args = a.user !== null ? [a.user, a.pass] : [a.pass];
        c.call(a.rename("auth"), ...args).catch(() => {});
      }
      c.call(a.rename("client"), "SETNAME", `${a.clientName}-${kind}`).catch(() => {});
      return c;
    };
    const tasks: Promise<void>[] = [];
    if (this.cmd === null) {
      tasks.push(
        open("cmd").then((c) => {
          this.cmd = c;
          this.pending = 0;
          this.ccConnTime = Date.now();
          this.localHost = c.localAddr.hostname;
          c.done.finally(() => {
            if (this.cmd !== c) return;
            this.cmd = null;
            // A link that worked and was dropped (CLIENT KILL during a failover, a restart)
            // is reopened at once; one that keeps dropping at once (maxclients) waits.
            if (Date.now() - this.ccConnTime >= STABLE_LINK_MS) this.lastReconnTime = 0;
          });
        }),
      );
    }
    if (opts.pubsub && this.pubsub === null) {
      tasks.push(
        open("pubsub").then(async (c) => {
          this.pubsub = c;
          this.pcConnTime = Date.now();
          this.pcLastActivity = Date.now();
          c.done.finally(() => {
            if (this.pubsub !== c) return;
            this.pubsub = null;
            if (Date.now() - this.pcConnTime >= STABLE_LINK_MS) this.lastReconnTime = 0;
          });
          await c.call(opts.auth.rename("subscribe"), HELLO_CHANNEL);
          (async () => {
            try {
              for await (const frame of c) {
                this.pcLastActivity = Date.now();
                if (!Array.isArray(frame) || frame[0] !== "message") continue;
                if (typeof frame[2] === "string") opts.onHello(frame[2]);
              }
            } catch {
              // closed: the next reconnect opens it again
            }
          })();
        }),
      );
    }
    Promise.allSettled(tasks).then(() => {
      this.#connecting = false;
    });
  }

  /**
   * Sends a command on the command link, counting it as pending until answered. Resolves with
   * the reply, or null when the link is down or fails.
   */
  async send(args: (string | number)[]): Promise<RespValue | null> {
    const c = this.cmd;
    if (c === null) return null;
    this.pending++;
    try {
      return await c.call(...args);
    } catch {
      return null;
    } finally {
      if (this.cmd === c) this.pending--;
    }
  }

  /** Closes both links; the timer opens them again. */
  close(which: "cmd" | "pubsub" | "both" = "both"): void {
    this.#generation++;
    if (which !== "pubsub" && this.cmd !== null) {
      this.cmd.close();
      this.cmd = null;
    }
    if (which !== "cmd" && this.pubsub !== null) {
      this.pubsub.close();
      this.pubsub = null;
    }
  }
}

/** A PING reply that shows the node alive: PONG, or the errors a busy but healthy node gives. */
export function validPingReply(r: RespValue | null): boolean {
  if (r === "PONG") return true;
  return r instanceof RespError &&
    (r.message.startsWith("LOADING") || r.message.startsWith("MASTERDOWN"));
}

export type Kind = "master" | "slave" | "sentinel";

/** One node as this sentinel sees it. Masters own their replicas and the other sentinels. */
export class Instance {
  flags: number;
  /** Removed from the sentinel's tables: late replies about it are ignored. */
  dead = false;
  name: string;
  addr: Addr;
  runid: string | null = null;
  readonly link: Link;
  master: Instance | null;
  downAfter: number;
  sdownSince = 0;
  odownSince = 0;
  lastPubTime = 0;
  lastHelloTime = 0;
  lastMasterDownReplyTime = 0;

  // From INFO (masters and replicas).
  infoRefresh = 0;
  info = "";
  roleReported: "master" | "slave";
  roleReportedTime: number;
  slaveConfChangeTime: number;
  masterLinkDownTime = 0;
  slaveMasterHost: string | null = null;
  slaveMasterPort = 0;
  slaveMasterLinkUp = false;
  slavePriority = 100;
  replicaAnnounced = true;
  replOffset = 0;
  rebootTime = 0;

  // Masters.
  readonly replicas = new Map<string, Instance>();
  readonly sentinels = new Map<string, Instance>();
  quorum = 0;
  parallelSyncs = 1;
  failoverTimeout = 180_000;
  rebootDownAfterPeriod = 0;
  authPass: string | null = null;
  authUser: string | null = null;
  notificationScript: string | null = null;
  clientReconfigScript: string | null = null;
  readonly renamed = new Map<string, string>();
  configEpoch = 0;
  failoverState: FailoverState = "none";
  failoverEpoch = 0;
  failoverStartTime = 0;
  failoverStateChangeTime = 0;
  failoverDelayLogged = 0;
  /** When this sentinel may stand for election, once the master is ODOWN (0: not yet set). */
  candidacyAt = 0;
  /** After a split vote, when a new election may start (0: Redis's 2 × failover-timeout rule). */
  retryAt = 0;
  promoted: Instance | null = null;
  /** The vote this sentinel cast (masters) or learned a sentinel cast (sentinels). */
  leader: string | null = null;
  leaderEpoch = 0;

  // Replicas during reconfiguration.
  reconfSentTime = 0;
  /**
   * The master this replica entry replaced in a failover. Should it come back still a master,
   * it is turned into a replica at once instead of after Redis's grace period: every moment
   * it spends as a second master is a moment clients may write to it.
   */
  demoted = false;

  constructor(kind: Kind, name: string, addr: Addr, master: Instance | null, now: number) {
    this.flags = kind === "master" ? F.MASTER : kind === "slave" ? F.SLAVE : F.SENTINEL;
    this.name = name;
    this.addr = addr;
    this.master = master;
    this.link = new Link(now);
    this.downAfter = master?.downAfter ?? 30_000;
    this.roleReported = kind === "slave" ? "slave" : "master";
    this.roleReportedTime = now;
    this.slaveConfChangeTime = now;
  }

  get kind(): Kind {
    return this.flags & F.MASTER ? "master" : this.flags & F.SLAVE ? "slave" : "sentinel";
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  flagList(): string {
    const out: string[] = [];
    for (const [bit, name] of FLAG_NAMES) {
      if (bit === -1 ? this.link.disconnected : (this.flags & bit) !== 0) out.push(name);
    }
    return out.join(",");
  }

  /** `<type> <name> <ip> <port>` and, for replicas and sentinels, `@ <master> <ip> <port>`. */
  describe(): string {
    let s = `${this.kind} ${this.name} ${this.addr.host} ${this.addr.port}`;
    const m = this.master;
    if (m !== null) s += ` @ ${m.name} ${m.addr.host} ${m.addr.port}`;
    return s;
  }

  /** The master whose settings apply: itself, or the master it belongs to. */
  get owner(): Instance {
    return this.master ?? this;
  }
}
