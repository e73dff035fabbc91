// The sentinel's algorithm: the timer that PINGs, INFOs and says hello to every node; failure
// detection (SDOWN, then ODOWN by asking the other sentinels); the epoch-based leader election;
// and the failover state machine that promotes a replica and moves the others to it. It speaks
// to data nodes only through public commands, so it monitors redis-server and hakv alike.
import { RespError } from "../client/mod.ts";
import type { Logger } from "../_util/log.ts";
import {
  type Addr,
  F,
  type FailoverState,
  formatAddr,
  HELLO_CHANNEL,
  Instance,
  type LinkAuth,
  sameAddr,
  stateAtLeast,
  validPingReply,
} from "./instance.ts";
import {
  MASTER_DEFAULTS,
  type MasterConf,
  newMaster,
  quote,
  renderConf,
  type SentinelConf,
  writeAtomically,
} from "./config.ts";
import type { Scripts } from "./scripts.ts";

/** The timing parameters SENTINEL DEBUG lists and changes, in milliseconds. */
export const TIMING_DEFAULTS = {
  "info-period": 10_000,
  "ping-period": 1_000,
  "ask-period": 1_000,
  "publish-period": 2_000,
  "default-down-after": 30_000,
  "default-failover-timeout": 180_000,
  "tilt-trigger": 2_000,
  "tilt-period": 30_000,
  "slave-reconf-timeout": 10_000,
  "min-link-reconnect-period": 15_000,
  "election-timeout": 10_000,
  "script-max-runtime": 60_000,
  "script-retry-delay": 30_000,
} as const;
export type TimingName = keyof typeof TIMING_DEFAULTS;

/** Replies older than this from another sentinel no longer count toward ODOWN or a vote. */
const ASK_FORGET_MS = 5_000;
/** Spread of random delays, so sentinels that see the same failure don't act in lockstep. */
const MAX_DESYNC_MS = 1_000;
/** Commands left unanswered on a link before the sentinel stops adding more. */
const MAX_PENDING = 100;
/**
 * While a master is SDOWN but not yet ODOWN, the other sentinels are asked again this often
 * (Redis waits the full ask period). Agreement is reached as soon as they see the failure too.
 */
const FAST_ASK_MS = 50;
/** A sentinel stands for election at a random moment between these after it sees ODOWN. */
const CANDIDACY_MIN_MS = 10;
const CANDIDACY_JITTER_MS = 200;
/** After a split vote, a new election starts between this and twice this later. */
const SPLIT_RETRY_MS = 250;
/**
 * How long replica selection waits for INFO taken after the master failed, from replicas whose
 * link is up. Answers normally come within milliseconds and the wait ends with the last one; the
 * bound matters only for a replica that is slow to answer (a loaded machine), and choosing
 * without its current offset can pass over the replica that acknowledged the most. It was 500
 * ms until a bounded HA run lost 5 acknowledged writes on this 2-core machine; that run was not
 * reproduced and its cause is not established, but a slow INFO answer is one way to that result.
 */
const FRESH_INFO_WAIT_MS = 2000;
/** While a replaced master still says it is one, it and the master are read this often. */
const DEMOTE_POLL_MS = 250;
/** While waiting for a promotion, the promoted replica's INFO is read this often. */
const PROMOTION_POLL_MS = 100;

export type SimulatedFailure = "crash-after-election" | "crash-after-promotion";

export interface EventSink {
  /** Publishes an event to the sentinel's own Pub/Sub subscribers. */
  publish(channel: string, message: string): void;
}

export class Sentinel {
  readonly conf: SentinelConf;
  readonly log: Logger;
  readonly masters = new Map<string, Instance>();
  readonly timing: Record<TimingName, number> = { ...TIMING_DEFAULTS };
  myid: string;
  currentEpoch: number;
  tilt = false;
  tiltStartTime = 0;
  #previousTime = Date.now();
  readonly simulate = new Set<SimulatedFailure>();
  readonly startTime = Date.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  readonly #sink: EventSink;
  readonly scripts: Scripts;
  /** Replies to is-master-down-by-addr this sentinel is waiting for, by sentinel. */
  readonly #asking = new Set<Instance>();
  readonly #pollingPromotion = new Set<Instance>();

  constructor(conf: SentinelConf, log: Logger, sink: EventSink, scripts: Scripts) {
    this.conf = conf;
    this.log = log;
    this.#sink = sink;
    this.scripts = scripts;
    this.myid = conf.myid ?? randomId();
    this.currentEpoch = conf.currentEpoch;
    const now = Date.now();
    for (const m of conf.masters.values()) this.#addMaster(m, now);
  }

  /** The port this sentinel listens on, once known (for hello messages). */
  port = 0;

  get clientName(): string {
    return `sentinel-${this.myid.slice(0, 8)}`;
  }

  start(): void {
    this.log.warning(`Sentinel ID is ${this.myid}`);
    for (const m of this.masters.values()) {
      this.event("warning", "+monitor", m, "%@ quorum %d", m.quorum);
    }
    this.flushConfig();
    // Time spent starting up is not a stalled timer.
    this.#previousTime = Date.now();
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const m of this.masters.values()) this.#releaseMaster(m, true);
  }

  #schedule(): void {
    if (this.#stopped) return;
    // Redis runs its timer at a randomised rate so sentinels drift apart; so does hakv.
    this.#timer = setTimeout(() => {
      try {
        this.tick();
      } catch (err) {
        this.log.warning(`sentinel timer: ${err instanceof Error ? err.stack : err}`);
      }
      this.#schedule();
    }, 40 + Math.floor(Math.random() * 50));
  }

  // --- Monitoring -------------------------------------------------------------------------

  #addMaster(m: MasterConf, now: number): Instance {
    const ri = new Instance("master", m.name, { ...m.addr }, null, now);
    ri.quorum = m.quorum;
    ri.downAfter = m.downAfter;
    ri.failoverTimeout = m.failoverTimeout;
    ri.parallelSyncs = m.parallelSyncs;
    ri.rebootDownAfterPeriod = m.rebootDownAfterPeriod;
    ri.authPass = m.authPass;
    ri.authUser = m.authUser;
    ri.notificationScript = m.notificationScript;
    ri.clientReconfigScript = m.clientReconfigScript;
    for (const [from, to] of m.renames) ri.renamed.set(from, to);
    ri.configEpoch = m.configEpoch;
    ri.leaderEpoch = m.leaderEpoch;
    this.masters.set(m.name, ri);
    for (const a of m.knownReplicas) this.#addReplica(ri, a, now);
    for (const s of m.knownSentinels) this.#addSentinel(ri, s.addr, s.runid, now);
    return ri;
  }

  /** SENTINEL MONITOR: starts watching a new master. */
  monitor(name: string, addr: Addr, quorum: number): Instance {
    const conf = newMaster(name, addr, quorum);
    conf.downAfter = this.timing["default-down-after"];
    conf.failoverTimeout = this.timing["default-failover-timeout"];
    const ri = this.#addMaster(conf, Date.now());
    this.flushConfig();
    this.event("warning", "+monitor", ri, "%@ quorum %d", quorum);
    return ri;
  }

  /** SENTINEL REMOVE. */
  remove(ri: Instance): void {
    this.event("warning", "-monitor", ri, "%@");
    this.#releaseMaster(ri, true);
    this.masters.delete(ri.name);
    this.flushConfig();
  }

  #addReplica(master: Instance, addr: Addr, now: number): Instance {
    const name = formatAddr(addr);
    const ri = new Instance("slave", name, addr, master, now);
    ri.downAfter = master.downAfter;
    master.replicas.set(name, ri);
    return ri;
  }

  #addSentinel(master: Instance, addr: Addr, runid: string, now: number): Instance {
    const ri = new Instance("sentinel", runid, addr, master, now);
    ri.runid = runid;
    ri.downAfter = master.downAfter;
    master.sentinels.set(runid, ri);
    return ri;
  }

  #release(ri: Instance): void {
    ri.dead = true;
    ri.link.close();
    this.#asking.delete(ri);
  }

  #releaseMaster(m: Instance, withSentinels: boolean): void {
    this.#release(m);
    for (const r of m.replicas.values()) this.#release(r);
    if (withSentinels) { for (const s of m.sentinels.values()) this.#release(s); }
  }

  /** One timer tick; the timer calls it every 40–90 ms, tests may call it with a clock of theirs. */
  tick(now = Date.now()): void {
    this.#checkTilt(now);
    for (const m of [...this.masters.values()]) {
      this.#handle(m, now);
      for (const r of [...m.replicas.values()]) this.#handle(r, now);
      for (const s of [...m.sentinels.values()]) this.#handle(s, now);
      if (m.failoverState === "update_config") this.#switchToPromoted(m);
    }
    this.scripts.tick(now, this.timing);
  }

  #checkTilt(now: number): void {
    const delta = now - this.#previousTime;
    if (delta < 0 || delta > this.timing["tilt-trigger"]) {
      this.tilt = true;
      this.tiltStartTime = now;
      this.event("warning", "+tilt", null, "#tilt mode entered");
    }
    this.#previousTime = now;
  }

  #handle(ri: Instance, now: number): void {
    if (ri.dead) return;
    this.#reconnect(ri, now);
    this.#sendPeriodic(ri, now);
    if (this.tilt) {
      if (now - this.tiltStartTime < this.timing["tilt-period"]) return;
      this.tilt = false;
      this.event("warning", "-tilt", null, "#tilt mode exited");
    }
    this.#checkSubjectivelyDown(ri, now);
    if (ri.kind !== "master") return;
    this.#decide(ri, now);
    this.#askMasterState(ri, now, false);
  }

  /** ODOWN, then starting or advancing a failover. */
  #decide(m: Instance, now: number): void {
    this.#checkObjectivelyDown(m, now);
    if (this.#startFailoverIfNeeded(m, now)) this.#askMasterState(m, now, true);
    this.#failoverStateMachine(m, now);
  }

  #auth(ri: Instance): LinkAuth {
    const m = ri.owner;
    if (ri.kind === "sentinel") {
      return {
        user: this.conf.sentinelUser,
        pass: this.conf.sentinelPass ?? this.conf.requirepass,
        clientName: this.clientName,
        rename: (c) => c,
      };
    }
    return {
      user: m.authUser,
      pass: m.authPass,
      clientName: this.clientName,
      rename: (c) => m.renamed.get(c) ?? c,
    };
  }

  /** The name a data node knows a command by (rename-command). */
  #cmd(ri: Instance, name: string): string {
    if (ri.kind === "sentinel") return name;
    return ri.owner.renamed.get(name) ?? name;
  }

  #reconnect(ri: Instance, now: number): void {
    if (ri.addr.port === 0) return;
    ri.link.reconnect(ri.addr, {
      pubsub: ri.kind !== "sentinel",
      period: this.timing["ping-period"],
      auth: this.#auth(ri),
      onHello: (msg) => this.processHello(msg),
    }, now);
  }

  #sendPeriodic(ri: Instance, now: number): void {
    const link = ri.link;
    if (link.cmd === null || link.pending >= MAX_PENDING) return;
    let infoPeriod = this.timing["info-period"];
    if (ri.kind === "slave") {
      const m = ri.owner;
      if (m.has(F.O_DOWN | F.FAILOVER_IN_PROGRESS) || ri.masterLinkDownTime !== 0) {
        infoPeriod = 1000;
      }
    }
    if (ri.kind === "master" && ri.has(F.MASTER_REBOOT)) infoPeriod = this.timing["ping-period"];
    // A replaced master back as a master is demoted on fresh INFO from both sides: read often.
    if (ri.demoted && ri.roleReported === "master") infoPeriod = DEMOTE_POLL_MS;
    if (ri.kind === "master") {
      for (const r of ri.replicas.values()) {
        if (r.demoted && r.roleReported === "master") infoPeriod = DEMOTE_POLL_MS;
      }
    }
    const pingPeriod = Math.min(ri.downAfter, this.timing["ping-period"]);
    if (ri.kind !== "sentinel" && (ri.infoRefresh === 0 || now - ri.infoRefresh > infoPeriod)) {
      this.#sendInfo(ri);
    }
    // A new link is PINGed at once, so its first reply comes as soon as the node can give it.
    if (
      link.lastPingTime < link.ccConnTime ||
      (now - link.lastPongTime > pingPeriod && now - link.lastPingTime > pingPeriod / 2)
    ) {
      this.#sendPing(ri, now);
    }
    if (now - ri.lastPubTime > this.timing["publish-period"]) this.sendHello(ri, now);
  }

  #infoInflight = new WeakSet<Instance>();

  #sendInfo(ri: Instance): void {
    if (this.#infoInflight.has(ri)) return;
    this.#infoInflight.add(ri);
    const cmd = ri.link.cmd;
    ri.link.send([this.#cmd(ri, "info")]).then((r) => {
      this.#infoInflight.delete(ri);
      // A reply from a connection since replaced (the node moved) describes another node.
      if (typeof r === "string" && !ri.dead && ri.link.cmd === cmd) this.#refreshInfo(ri, r);
    });
  }

  #sendPing(ri: Instance, now: number): void {
    const link = ri.link;
    link.lastPingTime = now;
    if (link.actPingTime === 0) link.actPingTime = now;
    const cmd = link.cmd;
    link.send([this.#cmd(ri, "ping")]).then((r) => {
      if (r === null || ri.dead || link.cmd !== cmd) return;
      const t = Date.now();
      link.lastPongTime = t;
      if (validPingReply(r)) {
        link.lastAvailTime = t;
        link.actPingTime = 0;
      } else if (
        r instanceof RespError && r.message.startsWith("BUSY") && ri.has(F.S_DOWN) &&
        !ri.has(F.SCRIPT_KILL_SENT)
      ) {
        ri.flags |= F.SCRIPT_KILL_SENT;
        link.send([this.#cmd(ri, "script"), "KILL"]);
      }
    });
  }

  /** The address this sentinel gives in hello messages. */
  #announce(ri: Instance): Addr {
    const host = this.conf.announceIp !== "" ? this.conf.announceIp : ri.link.localHost;
    const port = this.conf.announcePort !== 0 ? this.conf.announcePort : this.port;
    return { host, port };
  }

  /** PUBLISHes this sentinel's hello to a master, replica or sentinel. */
  sendHello(ri: Instance, now: number): void {
    if (ri.link.cmd === null) return;
    const m = ri.owner;
    const ma = this.currentMasterAddr(m);
    const me = this.#announce(ri);
    const payload = `${me.host},${me.port},${this.myid},${this.currentEpoch},${m.name},` +
      `${ma.host},${ma.port},${m.configEpoch}`;
    ri.lastPubTime = now;
    ri.link.send([this.#cmd(ri, "publish"), HELLO_CHANNEL, payload]);
  }

  /** The master's address clients should use: the promoted replica once it is promoted. */
  currentMasterAddr(m: Instance): Addr {
    if (m.promoted !== null && stateAtLeast(m.failoverState, "reconf_slaves")) {
      return m.promoted.addr;
    }
    return m.addr;
  }

  /** A hello from another sentinel, received on a data node's channel or by PUBLISH. */
  processHello(text: string): void {
    const h = parseHello(text);
    if (h === null || h.runid === this.myid) return;
    const m = this.masters.get(h.masterName);
    if (m === undefined) return;
    const now = Date.now();
    let si = m.sentinels.get(h.runid);
    if (si !== undefined && !sameAddr(si.addr, h.addr)) {
      // The same sentinel at a new address (a restart behind NAT, a new announce-ip): it
      // moves, in every master's list, and keeps its votes.
      for (const other of this.masters.values()) {
        const moved = other.sentinels.get(h.runid);
        if (moved === undefined) continue;
        moved.link.close();
        moved.addr = { ...h.addr };
        moved.link.lastReconnTime = 0;
        this.event(
          "notice",
          "+sentinel-address-switch",
          other,
          "%@ ip %s port %d for %s",
          h.addr.host,
          h.addr.port,
          h.runid,
        );
      }
      this.flushConfig();
    }
    if (si === undefined) {
      // Another run id at this address is a sentinel that restarted without its config: the
      // old entry can no longer be reached there (port 0), though it still counts as a voter
      // until SENTINEL RESET, as in Redis.
      for (const s of m.sentinels.values()) {
        if (s.addr.port !== 0 && sameAddr(s.addr, h.addr)) {
          s.link.close();
          s.addr = { host: s.addr.host, port: 0 };
          this.event("notice", "+sentinel-invalid-addr", s, "%@");
        }
      }
      si = this.#addSentinel(m, h.addr, h.runid, now);
      this.event("notice", "+sentinel", si, "%@");
      this.flushConfig();
    }
    if (h.epoch > this.currentEpoch) {
      this.currentEpoch = h.epoch;
      this.flushConfig();
      this.event("warning", "+new-epoch", m, "%d", h.epoch);
    }
    if (m.configEpoch < h.masterEpoch) {
      m.configEpoch = h.masterEpoch;
      if (!sameAddr(m.addr, h.masterAddr)) {
        const from = { ...m.addr };
        this.event("warning", "+config-update-from", si, "%@");
        this.#announceSwitch(m, from, h.masterAddr);
        this.#resetMasterAndChangeAddress(m, { ...h.masterAddr });
        this.scripts.clientReconfig(m, "observer", "start", from, h.masterAddr);
      }
      this.flushConfig();
    }
    si.lastHelloTime = now;
  }

  #refreshInfo(ri: Instance, text: string): void {
    const now = Date.now();
    const m = ri.owner;
    const info = parseInfo(text);
    const { role, runid, linkDown, masterHost, masterPort, linkUp, priority, offset, announced } =
      info;
    ri.info = text;
    ri.infoRefresh = now;
    if (runid !== null && runid.length === 40) {
      if (ri.runid !== null && ri.runid !== runid) {
        this.event("notice", "+reboot", ri, "%@");
        if (ri.kind === "master" && m.rebootDownAfterPeriod > 0) {
          ri.flags |= F.MASTER_REBOOT;
          ri.rebootTime = now;
        }
      }
      ri.runid = runid;
    }
    if (ri.kind === "master") {
      for (const a of info.replicas) {
        if (m.replicas.has(formatAddr(a))) continue;
        const r = this.#addReplica(m, a, now);
        this.event("notice", "+slave", r, "%@");
        this.flushConfig();
      }
    }
    if (role === null) return;
    if (role !== ri.roleReported) {
      ri.roleReported = role;
      ri.roleReportedTime = now;
      if (role === "slave") ri.slaveConfChangeTime = now;
      // "+" when the node now says what this sentinel takes it for, "-" when it contradicts it.
      const sign = role === ri.kind ? "+" : "-";
      this.event("verbose", `${sign}role-change`, ri, "%@ new reported role is %s", role);
    }
    if (role === "slave") {
      ri.demoted = false;
      if (masterHost !== ri.slaveMasterHost || masterPort !== ri.slaveMasterPort) {
        ri.slaveConfChangeTime = now;
      }
      ri.slaveMasterHost = masterHost;
      ri.slaveMasterPort = masterPort;
      ri.slaveMasterLinkUp = linkUp;
      ri.masterLinkDownTime = linkUp ? 0 : linkDown;
      ri.slavePriority = priority;
      ri.replOffset = offset;
      ri.replicaAnnounced = announced;
    }
    if (this.tilt) return;
    const wait = this.timing["publish-period"] * 4;

    // A replica that says it is a master: ours, promoted as asked, or one to turn back.
    if (ri.kind === "slave" && role === "master") {
      if (
        ri.has(F.PROMOTED) && m.has(F.FAILOVER_IN_PROGRESS) && m.failoverState === "wait_promotion"
      ) {
        m.configEpoch = m.failoverEpoch;
        m.failoverState = "reconf_slaves";
        m.failoverStateChangeTime = now;
        this.#pollingPromotion.delete(ri);
        this.flushConfig();
        this.event("warning", "+promoted-slave", ri, "%@");
        if (this.simulate.has("crash-after-promotion")) this.#crash();
        this.event("warning", "+failover-state-reconf-slaves", m, "%@");
        this.scripts.clientReconfig(m, "leader", "start", m.addr, ri.addr);
        // Tell everyone at once: the new config epoch makes the others follow.
        this.#forceHello(m);
      } else if (
        !m.has(F.FAILOVER_IN_PROGRESS) && this.#masterLooksSane(m, now) &&
        // At once for the master a failover replaced, but only on word from the current
        // master newer than the claim (another failover may have made the claim true).
        ((ri.demoted && m.infoRefresh > ri.roleReportedTime) ||
          (noDownFor(ri, now, wait) && now - ri.roleReportedTime > wait))
      ) {
        if (this.#sendSlaveOf(ri, this.currentMasterAddr(m))) {
          this.event("notice", "+convert-to-slave", ri, "%@");
        }
      }
    }

    // A replica following the wrong master (or none) is pointed at the right one.
    if (
      ri.kind === "slave" && role === "slave" && !m.has(F.FAILOVER_IN_PROGRESS) &&
      (ri.slaveMasterPort !== m.addr.port || ri.slaveMasterHost === null ||
        !sameAddr({ host: ri.slaveMasterHost, port: ri.slaveMasterPort }, m.addr)) &&
      this.#masterLooksSane(m, now) && noDownFor(ri, now, wait) &&
      now - ri.slaveConfChangeTime > wait
    ) {
      if (this.#sendSlaveOf(ri, m.addr)) this.event("notice", "+fix-slave-config", ri, "%@");
    }

    // Progress of the replicas being moved to a promoted master.
    if (
      ri.kind === "slave" && role === "slave" && m.failoverState === "reconf_slaves" &&
      m.promoted !== null && ri.has(F.RECONF_SENT | F.RECONF_INPROG)
    ) {
      if (
        ri.has(F.RECONF_SENT) && ri.slaveMasterHost !== null &&
        sameAddr({ host: ri.slaveMasterHost, port: ri.slaveMasterPort }, m.promoted.addr)
      ) {
        ri.flags = (ri.flags & ~F.RECONF_SENT) | F.RECONF_INPROG;
        this.event("notice", "+slave-reconf-inprog", ri, "%@");
      }
      if (ri.has(F.RECONF_INPROG) && linkUp) {
        ri.flags = (ri.flags & ~F.RECONF_INPROG) | F.RECONF_DONE;
        this.event("notice", "+slave-reconf-done", ri, "%@");
      }
    }
  }

  #forceHello(m: Instance): void {
    const now = Date.now();
    m.lastPubTime = 0;
    this.sendHello(m, now);
    for (const r of m.replicas.values()) this.sendHello(r, now);
    for (const s of m.sentinels.values()) this.sendHello(s, now);
  }

  #masterLooksSane(m: Instance, now: number): boolean {
    return m.has(F.MASTER) && m.roleReported === "master" && !m.has(F.S_DOWN | F.O_DOWN) &&
      now - m.infoRefresh < this.timing["info-period"] * 2;
  }

  #checkSubjectivelyDown(ri: Instance, now: number): void {
    const link = ri.link;
    let elapsed = 0;
    if (link.actPingTime !== 0) elapsed = now - link.actPingTime;
    else if (link.disconnected) elapsed = now - link.lastAvailTime;
    // A link that stopped answering is reopened, in case only the connection is stuck.
    if (
      link.cmd !== null && now - link.ccConnTime >= this.timing["min-link-reconnect-period"] &&
      link.actPingTime !== 0 && now - link.actPingTime > ri.downAfter / 2 &&
      now - link.lastPongTime > ri.downAfter / 2
    ) {
      link.close("cmd");
    }
    if (
      link.pubsub !== null && now - link.pcConnTime >= this.timing["min-link-reconnect-period"] &&
      now - link.pcLastActivity > this.timing["publish-period"] * 3
    ) {
      link.close("pubsub");
    }
    const down = elapsed > ri.downAfter ||
      (ri.kind === "master" && ri.roleReported === "slave" &&
        now - ri.roleReportedTime > ri.downAfter + 2 * this.timing["info-period"]) ||
      (ri.has(F.MASTER_REBOOT) && now - ri.rebootTime < ri.rebootDownAfterPeriod);
    if (down) {
      if (!ri.has(F.S_DOWN)) {
        this.event("warning", "+sdown", ri, "%@");
        ri.sdownSince = now;
        ri.flags |= F.S_DOWN;
      }
    } else if (ri.has(F.S_DOWN)) {
      this.event("warning", "-sdown", ri, "%@");
      ri.flags &= ~(F.S_DOWN | F.SCRIPT_KILL_SENT);
    }
    if (ri.has(F.MASTER_REBOOT) && now - ri.rebootTime >= ri.rebootDownAfterPeriod) {
      ri.flags &= ~F.MASTER_REBOOT;
    }
  }

  #checkObjectivelyDown(m: Instance, now: number): void {
    let quorum = 0;
    let odown = false;
    if (m.has(F.S_DOWN)) {
      quorum = 1;
      for (const s of m.sentinels.values()) if (s.has(F.MASTER_DOWN)) quorum++;
      odown = quorum >= m.quorum;
    }
    if (odown) {
      if (!m.has(F.O_DOWN)) {
        this.event("warning", "+odown", m, "%@ #quorum %d/%d", quorum, m.quorum);
        m.flags |= F.O_DOWN;
        m.odownSince = now;
      }
    } else if (m.has(F.O_DOWN)) {
      this.event("warning", "-odown", m, "%@");
      m.flags &= ~F.O_DOWN;
    }
  }

  #askMasterState(m: Instance, now: number, forced: boolean): void {
    for (const s of m.sentinels.values()) {
      const elapsed = now - s.lastMasterDownReplyTime;
      if (elapsed > ASK_FORGET_MS) {
        s.flags &= ~F.MASTER_DOWN;
        s.leader = null;
      }
      // A vote request (forced) goes out even while a plain question is unanswered.
      if (!m.has(F.S_DOWN) || s.link.cmd === null || (!forced && this.#asking.has(s))) continue;
      const period = m.has(F.O_DOWN) ? this.timing["ask-period"] : FAST_ASK_MS;
      if (!forced && elapsed < period) continue;
      this.#asking.add(s);
      const runid = m.failoverState !== "none" ? this.myid : "*";
      const asked = { ...m.addr };
      s.link.send([
        "SENTINEL",
        "is-master-down-by-addr",
        m.addr.host,
        m.addr.port,
        this.currentEpoch,
        runid,
      ]).then((r) => {
        this.#asking.delete(s);
        // An answer about the address the master had before it moved says nothing now.
        if (s.dead || !sameAddr(asked, m.addr) || !Array.isArray(r) || r.length !== 3) return;
        const [down, leader, epoch] = r;
        if (typeof down !== "number" || typeof leader !== "string" || typeof epoch !== "number") {
          return;
        }
        s.lastMasterDownReplyTime = Date.now();
        if (down === 1) s.flags |= F.MASTER_DOWN;
        else s.flags &= ~F.MASTER_DOWN;
        if (leader !== "*") {
          s.leader = leader;
          s.leaderEpoch = epoch;
        }
        // Act on the answer now rather than at the next tick: it may complete the quorum
        // for ODOWN, or the majority of an election.
        if (!m.dead && !this.tilt && !this.#stopped) this.#decide(m, Date.now());
      });
    }
  }

  /**
   * SENTINEL is-master-down-by-addr: whether this sentinel sees the master down, and when a
   * run id is given, its vote for that epoch.
   */
  isMasterDownByAddr(
    addr: Addr,
    epoch: number,
    runid: string,
  ): { down: boolean; leader: string | null; leaderEpoch: number } {
    let m: Instance | undefined;
    for (const x of this.masters.values()) if (sameAddr(x.addr, addr)) m = x;
    const down = !this.tilt && m !== undefined && m.has(F.S_DOWN);
    let leader: string | null = null;
    let leaderEpoch = 0;
    if (m !== undefined && runid !== "*") {
      leader = this.voteLeader(m, epoch, runid);
      leaderEpoch = m.leaderEpoch;
    }
    return { down, leader, leaderEpoch };
  }

  /** One vote per epoch, to the first sentinel that asks for it. */
  voteLeader(m: Instance, epoch: number, runid: string): string | null {
    if (epoch > this.currentEpoch) {
      this.currentEpoch = epoch;
      this.flushConfig();
      this.event("warning", "+new-epoch", m, "%d", epoch);
    }
    if (m.leaderEpoch < epoch && this.currentEpoch <= epoch) {
      m.leader = runid;
      m.leaderEpoch = this.currentEpoch;
      this.flushConfig();
      this.event("warning", "+vote-for-leader", m, "%s %d", runid, m.leaderEpoch);
      // Having voted for another, don't start a failover of our own for a while.
      if (runid !== this.myid) {
        m.failoverStartTime = Date.now() + Math.floor(Math.random() * MAX_DESYNC_MS);
        m.retryAt = 0;
      }
    }
    return m.leader;
  }

  /**
   * Whether this epoch's election can no longer be won: every known sentinel has voted in it
   * and no candidate can reach a majority and the quorum.
   */
  #splitVote(m: Instance): boolean {
    const votes = new Map<string, number>();
    for (const s of m.sentinels.values()) {
      if (s.leader === null || s.leaderEpoch !== this.currentEpoch) return false;
      votes.set(s.leader, (votes.get(s.leader) ?? 0) + 1);
    }
    if (m.leader === null || m.leaderEpoch !== this.currentEpoch) return false;
    votes.set(m.leader, (votes.get(m.leader) ?? 0) + 1);
    const needed = Math.max(Math.floor((m.sentinels.size + 1) / 2) + 1, m.quorum);
    return Math.max(...votes.values()) < needed;
  }

  /** The winner of `epoch`'s election, if it has a majority and the quorum. */
  #getLeader(m: Instance, epoch: number): string | null {
    const votes = new Map<string, number>();
    for (const s of m.sentinels.values()) {
      if (s.leader !== null && s.leaderEpoch === this.currentEpoch) {
        votes.set(s.leader, (votes.get(s.leader) ?? 0) + 1);
      }
    }
    const voters = m.sentinels.size + 1;
    let winner: string | null = null;
    let max = 0;
    for (const [id, n] of votes) {
      if (n > max || (n === max && winner !== null && id < winner)) {
        max = n;
        winner = id;
      }
    }
    const mine = this.voteLeader(m, epoch, winner ?? this.myid);
    if (mine !== null && m.leaderEpoch === epoch) {
      const n = (votes.get(mine) ?? 0) + 1;
      votes.set(mine, n);
      if (n > max) {
        max = n;
        winner = mine;
      }
    }
    if (max < Math.floor(voters / 2) + 1 || max < m.quorum) return null;
    return winner;
  }

  // --- Failover ---------------------------------------------------------------------------

  #startFailoverIfNeeded(m: Instance, now: number): boolean {
    if (!m.has(F.O_DOWN)) {
      m.candidacyAt = 0;
      return false;
    }
    if (m.has(F.FAILOVER_IN_PROGRESS)) return false;
    // Sentinels that agree within milliseconds would all stand at once and each vote for
    // itself, a split vote that costs an election timeout and then 2 × failover-timeout. A
    // random wait (Raft's remedy) lets the first one ask for the others' votes before they
    // stand; a sentinel that has voted for another then holds back (voteLeader).
    if (m.candidacyAt === 0) {
      m.candidacyAt = now + CANDIDACY_MIN_MS +
        Math.floor(Math.random() * (CANDIDACY_JITTER_MS - CANDIDACY_MIN_MS));
    }
    if (now < m.candidacyAt) return false;
    if (m.retryAt !== 0 && now >= m.retryAt) {
      m.retryAt = 0;
    } else if (now - m.failoverStartTime < m.failoverTimeout * 2) {
      if (m.failoverDelayLogged !== m.failoverStartTime) {
        m.failoverDelayLogged = m.failoverStartTime;
        const at = new Date(m.failoverStartTime + m.failoverTimeout * 2);
        this.log.warning(
          `Next failover delay: I will not start a failover before ${
            at.toTimeString().slice(0, 8)
          }`,
        );
      }
      return false;
    }
    this.startFailover(m, now);
    return true;
  }

  /** Starts a failover of `m` in a new epoch (SENTINEL FAILOVER forces it without a vote). */
  startFailover(m: Instance, now: number): void {
    m.failoverState = "wait_start";
    m.failoverStateChangeTime = now;
    m.flags |= F.FAILOVER_IN_PROGRESS;
    m.failoverEpoch = ++this.currentEpoch;
    this.flushConfig();
    this.event("warning", "+new-epoch", m, "%d", this.currentEpoch);
    this.event("warning", "+try-failover", m, "%@");
    m.failoverStartTime = now + Math.floor(Math.random() * MAX_DESYNC_MS);
  }

  #abortFailover(m: Instance): void {
    if (!m.has(F.FAILOVER_IN_PROGRESS)) return;
    m.flags &= ~(F.FAILOVER_IN_PROGRESS | F.FORCE_FAILOVER);
    m.failoverState = "none";
    m.failoverStateChangeTime = Date.now();
    if (m.promoted !== null) {
      m.promoted.flags &= ~F.PROMOTED;
      this.#pollingPromotion.delete(m.promoted);
      m.promoted = null;
    }
  }

  #setState(m: Instance, state: FailoverState, now: number): void {
    m.failoverState = state;
    m.failoverStateChangeTime = now;
  }

  #failoverStateMachine(m: Instance, now: number): void {
    if (!m.has(F.FAILOVER_IN_PROGRESS)) return;
    switch (m.failoverState) {
      case "wait_start": {
        const leader = this.#getLeader(m, m.failoverEpoch);
        if (leader !== this.myid && !m.has(F.FORCE_FAILOVER)) {
          const timeout = Math.min(this.timing["election-timeout"], m.failoverTimeout);
          const split = leader === null && this.#splitVote(m);
          if (split || now - m.failoverStartTime > timeout) {
            this.event("warning", "-failover-abort-not-elected", m, "%@");
            this.#abortFailover(m);
            // Nothing was done yet, so a split vote is retried soon, in a new epoch, after a
            // random wait, instead of after 2 × failover-timeout.
            if (split) {
              m.retryAt = now + SPLIT_RETRY_MS + Math.floor(Math.random() * SPLIT_RETRY_MS);
            }
          }
          return;
        }
        this.event("warning", "+elected-leader", m, "%@");
        if (this.simulate.has("crash-after-election")) this.#crash();
        this.#setState(m, "select_slave", now);
        this.event("warning", "+failover-state-select-slave", m, "%@");
        // Fall through at once: every tick saved is failover time.
        return this.#failoverStateMachine(m, now);
      }
      case "select_slave": {
        // Replication offsets decide the choice, and the cached ones may be seconds old: a
        // replica chosen on stale figures can be behind another, which would then lose writes
        // it had acknowledged when it resyncs from the new master. So the replicas are asked
        // again, and the choice waits (briefly) for answers given after the master went down.
        const since = m.has(F.S_DOWN) ? m.sdownSince : m.failoverStateChangeTime;
        let stale = false;
        for (const r of m.replicas.values()) {
          if (r.link.cmd === null || r.infoRefresh > since) continue;
          stale = true;
          this.#sendInfo(r);
        }
        if (stale && now - m.failoverStateChangeTime < FRESH_INFO_WAIT_MS) return;
        const r = this.selectReplica(m, now);
        if (r === null) {
          this.event("warning", "-failover-abort-no-good-slave", m, "%@");
          this.#abortFailover(m);
          return;
        }
        this.event("warning", "+selected-slave", r, "%@");
        r.flags |= F.PROMOTED;
        m.promoted = r;
        this.#setState(m, "send_slaveof_noone", now);
        this.event("notice", "+failover-state-send-slaveof-noone", r, "%@");
        return this.#failoverStateMachine(m, now);
      }
      case "send_slaveof_noone": {
        const r = m.promoted!;
        if (r.link.cmd === null) {
          if (now - m.failoverStateChangeTime > m.failoverTimeout) {
            this.event("warning", "-failover-abort-slave-timeout", m, "%@");
            this.#abortFailover(m);
          }
          return;
        }
        if (!this.#sendSlaveOf(r, null)) return;
        this.event("notice", "+failover-state-wait-promotion", r, "%@");
        this.#setState(m, "wait_promotion", now);
        this.#pollPromotion(r);
        return;
      }
      case "wait_promotion":
        if (now - m.failoverStateChangeTime > m.failoverTimeout) {
          this.event("warning", "-failover-abort-slave-timeout", m, "%@");
          this.#abortFailover(m);
        }
        return;
      case "reconf_slaves":
        this.#reconfNextReplica(m, now);
        return;
    }
  }

  /** Reads the promoted replica's INFO until it reports role:master. */
  #pollPromotion(r: Instance): void {
    if (this.#pollingPromotion.has(r)) return;
    this.#pollingPromotion.add(r);
    const poll = () => {
      if (!this.#pollingPromotion.has(r) || r.dead || this.#stopped) {
        this.#pollingPromotion.delete(r);
        return;
      }
      this.#sendInfo(r);
      setTimeout(poll, PROMOTION_POLL_MS);
    };
    poll();
  }

  /** Redis's choice: good replicas by priority, then replication offset, then run id. */
  selectReplica(m: Instance, now: number): Instance | null {
    const maxDownTime = m.has(F.S_DOWN)
      ? (now - m.sdownSince) + m.downAfter * 10
      : m.downAfter * 10;
    const infoValidity = m.has(F.S_DOWN) ? 5000 : this.timing["info-period"] * 3;
    const candidates: Instance[] = [];
    for (const r of m.replicas.values()) {
      if (r.has(F.S_DOWN | F.O_DOWN) || r.link.disconnected) continue;
      if (now - r.link.lastAvailTime > 5000) continue;
      if (r.slavePriority === 0) continue;
      if (now - r.infoRefresh > infoValidity) continue;
      if (r.masterLinkDownTime > maxDownTime) continue;
      candidates.push(r);
    }
    candidates.sort((a, b) => {
      if (a.slavePriority !== b.slavePriority) return a.slavePriority - b.slavePriority;
      if (a.replOffset !== b.replOffset) return b.replOffset - a.replOffset;
      // A replica that never told its run id goes last, as in Redis.
      if (a.runid === null || b.runid === null) return a.runid === null ? 1 : -1;
      return a.runid < b.runid ? -1 : a.runid > b.runid ? 1 : 0;
    });
    return candidates[0] ?? null;
  }

  /**
   * Points a node at `to` (or makes it a master), as one transaction that also rewrites its
   * config and disconnects its clients so they find the new master. False when the link is down.
   */
  #sendSlaveOf(ri: Instance, to: Addr | null): boolean {
    if (ri.link.cmd === null) return false;
    const c = (name: string) => this.#cmd(ri, name);
    const target = to === null ? ["NO", "ONE"] : [to.host, String(to.port)];
    ri.link.send([c("multi")]);
    ri.link.send([c("slaveof"), ...target]);
    ri.link.send([c("config"), "REWRITE"]);
    ri.link.send([c("client"), "KILL", "TYPE", "normal"]);
    ri.link.send([c("client"), "KILL", "TYPE", "pubsub"]);
    ri.link.send([c("exec")]);
    return true;
  }

  #reconfNextReplica(m: Instance, now: number): void {
    let inProgress = 0;
    for (const r of m.replicas.values()) if (r.has(F.RECONF_SENT | F.RECONF_INPROG)) inProgress++;
    for (const r of m.replicas.values()) {
      if (inProgress >= m.parallelSyncs) break;
      if (r.has(F.PROMOTED | F.RECONF_DONE)) continue;
      if (
        r.has(F.RECONF_SENT) && now - r.reconfSentTime > this.timing["slave-reconf-timeout"]
      ) {
        this.event("notice", "-slave-reconf-sent-timeout", r, "%@");
        r.flags = (r.flags & ~F.RECONF_SENT) | F.RECONF_DONE;
        continue;
      }
      if (r.has(F.RECONF_SENT | F.RECONF_INPROG) || r.link.disconnected) continue;
      if (this.#sendSlaveOf(r, m.promoted!.addr)) {
        r.flags |= F.RECONF_SENT;
        r.reconfSentTime = now;
        this.event("notice", "+slave-reconf-sent", r, "%@");
        inProgress++;
      }
    }
    this.#detectEnd(m, now);
  }

  #detectEnd(m: Instance, now: number): void {
    const p = m.promoted;
    if (p === null || p.has(F.S_DOWN)) return;
    let notReconfigured = 0;
    for (const r of m.replicas.values()) {
      if (r.has(F.PROMOTED | F.RECONF_DONE) || r.has(F.S_DOWN)) continue;
      notReconfigured++;
    }
    let timeout = false;
    if (now - m.failoverStateChangeTime > m.failoverTimeout) {
      notReconfigured = 0;
      timeout = true;
      this.event("warning", "+failover-end-for-timeout", m, "%@");
    }
    if (notReconfigured > 0) return;
    this.event("warning", "+failover-end", m, "%@");
    this.#setState(m, "update_config", now);
    this.scripts.clientReconfig(m, "leader", "end", m.addr, p.addr);
    if (timeout) {
      for (const r of m.replicas.values()) {
        if (r.has(F.PROMOTED | F.RECONF_DONE | F.RECONF_SENT) || r.link.disconnected) continue;
        if (this.#sendSlaveOf(r, p.addr)) this.event("notice", "+slave-reconf-sent-be", r, "%@");
      }
    }
  }

  /** `+switch-master <name> <old-ip> <old-port> <new-ip> <new-port>`, which clients act on. */
  #announceSwitch(m: Instance, from: Addr, to: Addr): void {
    const payload = `${m.name} ${from.host} ${from.port} ${to.host} ${to.port}`;
    this.event("warning", "+switch-master", m, "%s", payload);
  }

  #switchToPromoted(m: Instance): void {
    const p = m.promoted ?? m;
    const from = { ...m.addr };
    this.#announceSwitch(m, from, p.addr);
    this.#resetMasterAndChangeAddress(m, { ...p.addr });
  }

  /**
   * The master moved to `to`: its old address and its other replicas become replicas of the
   * new one, failure state and links start afresh, the sentinels are kept.
   */
  #resetMasterAndChangeAddress(m: Instance, to: Addr): void {
    const replicas: Addr[] = [];
    for (const r of m.replicas.values()) if (!sameAddr(r.addr, to)) replicas.push(r.addr);
    const from = { ...m.addr };
    if (!sameAddr(from, to)) replicas.push(from);
    this.resetMaster(m, { sentinels: false, event: false });
    m.addr = to;
    const now = Date.now();
    for (const a of replicas) {
      const r = this.#addReplica(m, a, now);
      r.demoted = sameAddr(a, from);
      this.event("notice", "+slave", r, "%@");
    }
    this.flushConfig();
  }

  /** SENTINEL RESET (and a master that moved): forget replicas, failure state and links. */
  resetMaster(m: Instance, opts: { sentinels: boolean; event: boolean }): void {
    for (const r of m.replicas.values()) this.#release(r);
    m.replicas.clear();
    if (opts.sentinels) {
      for (const s of m.sentinels.values()) this.#release(s);
      m.sentinels.clear();
    }
    m.link.close();
    const now = Date.now();
    // A fresh link: the node gets a full down-after to answer before it counts as down.
    m.link.lastAvailTime = now;
    m.link.actPingTime = now;
    m.link.lastPongTime = now;
    m.link.lastReconnTime = 0;
    m.flags &= F.MASTER;
    m.leader = null;
    m.failoverState = "none";
    m.failoverStartTime = 0;
    m.failoverStateChangeTime = 0;
    if (m.promoted !== null) this.#pollingPromotion.delete(m.promoted);
    m.promoted = null;
    m.runid = null;
    m.info = "";
    m.infoRefresh = 0;
    m.roleReported = "master";
    m.roleReportedTime = now;
    m.sdownSince = 0;
    m.odownSince = 0;
    if (opts.event) this.event("warning", "+reset-master", m, "%@");
  }

  #crash(): never {
    this.log.warning("Sentinel simulated crash");
    Deno.exit(99);
  }

  // --- Events and state -------------------------------------------------------------------

  /**
   * Logs an event and publishes it on the channel named after it. A format starting with %@
   * begins with the instance's description; the other specifiers are %s and %d.
   */
  event(
    level: "warning" | "notice" | "verbose",
    type: string,
    ri: Instance | null,
    fmt: string,
    ...args: (string | number)[]
  ): void {
    let i = 0;
    let msg = fmt.replace(/%[sd@]/g, (spec) => {
      if (spec === "%@") return ri !== null ? ri.describe() : "";
      return String(args[i++]);
    });
    msg = msg.trim();
    this.log.log(level, `${type} ${msg}`);
    this.#sink.publish(type, msg);
    if (level === "warning" && ri !== null) this.scripts.notify(ri.owner, type, msg);
  }

  /** Writes the config file with the current state; logs (never throws) on failure. */
  flushConfig(): void {
    try {
      const original = Deno.readTextFileSync(this.conf.file);
      writeAtomically(this.conf.file, renderConf(original, this.stateLines()));
    } catch (err) {
      this.log.warning(
        `WARNING: Sentinel was not able to save the new configuration on disk!!!: ${
          err instanceof Error ? err.message : err
        }`,
      );
    }
  }

  /** The sentinel's configuration and state as config lines. */
  stateLines(): string[] {
    const c = this.conf;
    const out: string[] = [];
    out.push(`port ${this.port || c.port}`);
    out.push(`sentinel myid ${this.myid}`);
    if (!c.denyScriptsReconfig) out.push("sentinel deny-scripts-reconfig no");
    if (c.resolveHostnames) out.push("sentinel resolve-hostnames yes");
    if (c.announceHostnames) out.push("sentinel announce-hostnames yes");
    if (c.announceIp !== "") out.push(`sentinel announce-ip ${quote(c.announceIp)}`);
    if (c.announcePort !== 0) out.push(`sentinel announce-port ${c.announcePort}`);
    if (c.sentinelUser !== null) out.push(`sentinel sentinel-user ${quote(c.sentinelUser)}`);
    if (c.sentinelPass !== null) out.push(`sentinel sentinel-pass ${quote(c.sentinelPass)}`);
    for (const m of this.masters.values()) {
      const n = quote(m.name);
      const addr = this.currentMasterAddr(m);
      out.push("");
      out.push(`sentinel monitor ${n} ${addr.host} ${addr.port} ${m.quorum}`);
      if (m.downAfter !== MASTER_DEFAULTS.downAfter) {
        out.push(`sentinel down-after-milliseconds ${n} ${m.downAfter}`);
      }
      if (m.failoverTimeout !== MASTER_DEFAULTS.failoverTimeout) {
        out.push(`sentinel failover-timeout ${n} ${m.failoverTimeout}`);
      }
      if (m.parallelSyncs !== MASTER_DEFAULTS.parallelSyncs) {
        out.push(`sentinel parallel-syncs ${n} ${m.parallelSyncs}`);
      }
      if (m.rebootDownAfterPeriod !== 0) {
        out.push(`sentinel master-reboot-down-after-period ${n} ${m.rebootDownAfterPeriod}`);
      }
      if (m.notificationScript !== null) {
        out.push(`sentinel notification-script ${n} ${quote(m.notificationScript)}`);
      }
      if (m.clientReconfigScript !== null) {
        out.push(`sentinel client-reconfig-script ${n} ${quote(m.clientReconfigScript)}`);
      }
      if (m.authPass !== null) out.push(`sentinel auth-pass ${n} ${quote(m.authPass)}`);
      if (m.authUser !== null) out.push(`sentinel auth-user ${n} ${quote(m.authUser)}`);
      for (const [from, to] of m.renamed) {
        out.push(`sentinel rename-command ${n} ${quote(from)} ${quote(to)}`);
      }
      out.push(`sentinel config-epoch ${n} ${m.configEpoch}`);
      out.push(`sentinel leader-epoch ${n} ${m.leaderEpoch}`);
      for (const r of m.replicas.values()) {
        // While a failover is under way the promoted replica is the master's address, and
        // the master's old address stands in its place among the replicas.
        const a = sameAddr(r.addr, addr) ? m.addr : r.addr;
        out.push(`sentinel known-replica ${n} ${a.host} ${a.port}`);
      }
      for (const s of m.sentinels.values()) {
        if (s.addr.port === 0) continue; // an address found invalid
        out.push(`sentinel known-sentinel ${n} ${s.addr.host} ${s.addr.port} ${s.runid}`);
      }
    }
    out.push("");
    out.push(`sentinel current-epoch ${this.currentEpoch}`);
    return out;
  }
}

interface Hello {
  addr: Addr;
  runid: string;
  epoch: number;
  masterName: string;
  masterAddr: Addr;
  masterEpoch: number;
}

/**
 * `<ip>,<port>,<runid>,<current-epoch>,<master-name>,<master-ip>,<master-port>,<config-epoch>`,
 * or null for anything else: a malformed hello must not become a voter or an address.
 */
function parseHello(text: string): Hello | null {
  const t = text.split(",");
  if (t.length !== 8) return null;
  const [ip, port, runid, epoch, masterName, masterIp, masterPort, masterEpoch] = t as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const p = portNumber(port);
  const mp = portNumber(masterPort);
  if (ip === "" || masterIp === "" || p === null || mp === null) return null;
  if (!/^[0-9a-f]{40}$/i.test(runid)) return null;
  if (!/^\d{1,18}$/.test(epoch) || !/^\d{1,18}$/.test(masterEpoch)) return null;
  return {
    addr: { host: ip, port: p },
    runid,
    epoch: Number(epoch),
    masterName,
    masterAddr: { host: masterIp, port: mp },
    masterEpoch: Number(masterEpoch),
  };
}

function portNumber(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : null;
}

/** The INFO fields a sentinel acts on. */
interface InfoFields {
  role: "master" | "slave" | null;
  runid: string | null;
  /** master_link_down_since_seconds in ms (-1000 for a replica that never connected). */
  linkDown: number;
  masterHost: string | null;
  masterPort: number;
  linkUp: boolean;
  priority: number;
  offset: number;
  announced: boolean;
  /** A master's `slaveN` lines. */
  replicas: Addr[];
}

function parseInfo(text: string): InfoFields {
  const f: InfoFields = {
    role: null,
    runid: null,
    linkDown: 0,
    masterHost: null,
    masterPort: 0,
    linkUp: false,
    priority: 100,
    offset: 0,
    announced: true,
    replicas: [],
  };
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1);
    switch (key) {
      case "run_id":
        f.runid = value;
        break;
      case "role":
        f.role = value === "master" ? "master" : value === "slave" ? "slave" : null;
        break;
      case "master_link_down_since_seconds":
        f.linkDown = Number(value) * 1000;
        break;
      case "master_host":
        f.masterHost = value;
        break;
      case "master_port":
        f.masterPort = Number(value);
        break;
      case "master_link_status":
        f.linkUp = value === "up";
        break;
      case "slave_priority":
      case "replica_priority":
        f.priority = Number(value);
        break;
      case "slave_repl_offset":
        f.offset = Number(value);
        break;
      case "replica_announced":
        f.announced = value !== "0";
        break;
      default:
        if (/^slave\d+$/.test(key)) {
          const a = parseReplicaLine(value);
          if (a !== null) f.replicas.push(a);
        }
    }
  }
  return f;
}

/** `ip=...,port=...,state=...` from a master's INFO `slaveN` line. */
function parseReplicaLine(value: string): Addr | null {
  let host: string | null = null;
  let port = 0;
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const k = part.slice(0, eq);
    if (k === "ip") host = part.slice(eq + 1);
    else if (k === "port") port = Number(part.slice(eq + 1));
  }
  if (host === null || !(port > 0)) return null;
  return { host, port };
}

function noDownFor(ri: Instance, now: number, ms: number): boolean {
  const recent = Math.max(ri.sdownSince, ri.odownSince);
  return recent === 0 || now - recent > ms;
}

function randomId(): string {
  const b = new Uint8Array(20);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}
