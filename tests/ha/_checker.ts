// The HA checker (issue 7): clients write through `hakv proxy` to a sentinel-watched hakv group
// while a nemesis kills, stops and partitions the master; every operation is recorded, and at
// the end the history is checked against what every node holds. Used by bounded_test.ts (the
// suite's one-minute run) and scripts/chaos.ts (long runs).
//
// The group: three data nodes, three hakv sentinels, one hakv proxy. Every data node listens
// behind a FaultProxy of its own and announces that proxy's port (--replica-announce-port), and
// the sentinels monitor the master through it, so every address anyone learns (replicas'
// --replicaof, the sentinels' replica lists, the proxy's master) is a FaultProxy port. A
// partition of a node is a blackhole of its FaultProxy: every link to and from it stops.
// Data nodes run with min-replicas-to-write 1 and a small min-replicas-max-lag, so a master cut
// off from its replicas refuses writes (NOREPLICAS) and a minority side cannot acknowledge one.
//
// Each operation is one pipelined write of `INFO server replication`, `SADD s <unique int>`,
// `WAIT 1 500`, `INFO server replication`: the proxy moves a session only when no reply is
// outstanding, so the four run on one node, and the two INFOs name it (tcp_port) and its term
// as master (master_replid, new at every promotion and every restart).
import { encodeCommand, RespError, type RespValue } from "../../src/resp/mod.ts";
import { rng } from "../../src/_util/rng.ts";
import { TimeoutError, withTimeout } from "../../src/_util/timeout.ts";
import { fieldMap, infoMap } from "../../src/client/mod.ts";
import {
  freePort,
  type Proc,
  RespClient,
  spawnHakv,
  spawnProxy,
  spawnSentinel,
  waitFor,
} from "../_harness.ts";
import { FaultProxy } from "../_proxy.ts";
import { watchEvents } from "../_sentinel.ts";

export type Fault = "kill" | "stop" | "partition";
export const FAULTS: readonly Fault[] = ["kill", "stop", "partition"];

/** ok: SADD replied 1 and WAIT >= 1. failed: a definite error reply (or never sent). */
export type Outcome = "ok" | "failed" | "unknown";

export interface Op {
  value: number;
  client: number;
  /** ms since the run began: before the write, after the last reply (or the give-up). */
  start: number;
  end: number;
  outcome: Outcome;
  /** Why it is failed or unknown (the error text, "WAIT 0", "timeout", "closed"...). */
  why: string;
  /** The node (its own port) and its master term (master_replid) that served it, if known. */
  node?: number;
  term?: string;
}

export interface RunOptions {
  seed: number;
  /** How long the clients write while the nemesis runs. */
  durationMs: number;
  clients?: number;
  /** Faults the nemesis may apply; the first ones applied are each of these once, shuffled. */
  faults?: readonly Fault[];
  /** Quiet time between faults (ms, uniform in [min, max]). */
  quietMs?: [number, number];
  /** min-replicas-max-lag of the data nodes (seconds). */
  maxLag?: number;
  log?: (line: string) => void;
  /** Progress line every this many ms (0: none). */
  progressMs?: number;
  /**
   * Deliberate breakage, to show the checker can fail: "drop-acked" removes one acknowledged
   * element (SREM on the settled master) before the final read; "no-wait" counts an op as
   * acknowledged on SADD's reply alone, without WAIT.
   */
  sabotage?: "drop-acked" | "no-wait";
  /** A directory (which must exist) for history.json and every process's output. */
  dumpDir?: string;
}

export interface Verdict {
  ops: number;
  acknowledged: number;
  failed: number;
  unknown: number;
  /** Acknowledged values missing on some node, with the nodes missing them. */
  lost: { value: number; missingOn: number[] }[];
  /** Definitely failed values present on some node. */
  failedPresent: { value: number; presentOn: number[] }[];
  /** Values present that no client ever tried to add. */
  phantom: number[];
  /** Proofs of two masters accepting writes at once (see splitBrain). */
  splitBrain: string[];
  /** Anything else that should not happen (SADD answering 0 for a fresh value...). */
  anomalies: string[];
}

export interface RunResult extends Verdict {
  seed: number;
  failovers: number;
  proxySwitches: number;
  faults: string[];
  /** Problems with the group itself (a failover that never completed, no settling). */
  groupProblems: string[];
  passed: boolean;
  history: Op[];
}

// ---------------------------------------------------------------------------------------------
// The group

interface DataNode {
  readonly index: number;
  /** The node's own listening port. */
  readonly port: number;
  /** The FaultProxy in front of it: the only address anyone else uses. */
  readonly fp: FaultProxy;
  proc: Proc | null;
  stopped: boolean;
}

const MASTER_NAME = "mymaster";

export class HaGroup implements AsyncDisposable {
  readonly nodes: DataNode[] = [];
  readonly sentinels: Proc[] = [];
  proxy: Proc | null = null;
  readonly dir: string;
  readonly maxLag: number;

  private constructor(dir: string, maxLag: number) {
    this.dir = dir;
    this.maxLag = maxLag;
  }

  static async start(opts: { maxLag?: number; nodes?: number } = {}): Promise<HaGroup> {
    const dir = await Deno.makeTempDir({ prefix: "hakv-ha-" });
    const g = new HaGroup(dir, opts.maxLag ?? 2);
    try {
      await g.#start(opts.nodes ?? 3);
    } catch (err) {
      await g[Symbol.asyncDispose]();
      throw err;
    }
    return g;
  }

  async #start(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const port = freePort();
      this.nodes.push({ index: i, port, fp: new FaultProxy(port), proc: null, stopped: false });
    }
    const master = this.nodes[0]!;
    for (const n of this.nodes) await this.spawn(n, n === master ? null : master);
    await waitFor(async () => {
      for (const n of this.nodes.slice(1)) {
        const r = await nodeInfo(n.port).catch(() => null);
        if (r?.get("master_link_status") !== "up") return false;
      }
      return true;
    }, 30_000);
    for (let i = 0; i < 3; i++) {
      const conf = `${this.dir}/sentinel-${i}.conf`;
      Deno.writeTextFileSync(
        conf,
        [
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.fp.port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 5000`,
          "",
        ].join("\n"),
      );
      this.sentinels.push(await spawnSentinel("hakv", conf));
    }
    await waitFor(async () => {
      for (const s of this.sentinels) {
        const m = await sentinelMasterFields(s.port).catch(() => null);
        if (m === null) return false;
        if (Number(m.get("num-slaves")) < count - 1) return false;
        if (Number(m.get("num-other-sentinels")) < 2) return false;
      }
      return true;
    }, 30_000);
    this.proxy = await spawnProxy([
      "--sentinel",
      this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(","),
    ]);
  }

  /** Data node arguments: NOREPLICAS when cut off, and every address is the FaultProxy's. */
  nodeArgs(n: DataNode): string[] {
    return [
      "--min-replicas-to-write",
      "1",
      "--min-replicas-max-lag",
      String(this.maxLag),
      "--replica-announce-port",
      String(n.fp.port),
    ];
  }

  /** Starts node `n` on its port (as a replica of `of`, or as a master when null). */
  async spawn(n: DataNode, of: DataNode | null): Promise<void> {
    const args = this.nodeArgs(n);
    if (of !== null) args.push("--replicaof", "127.0.0.1", String(of.fp.port));
    n.proc = await spawnHakv(args, n.port);
    n.stopped = false;
  }

  /** The node behind FaultProxy port `fpPort`. */
  byFp(fpPort: number): DataNode | undefined {
    return this.nodes.find((n) => n.fp.port === fpPort);
  }

  /** The master a majority of sentinels report (null: no majority). */
  async quorumMaster(): Promise<DataNode | null> {
    const votes = new Map<number, number>();
    await Promise.all(this.sentinels.map(async (s) => {
      try {
        await using c = await RespClient.connect({ port: s.port });
        const r = await withTimeout(
          c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME),
          2000,
        );
        if (Array.isArray(r)) votes.set(Number(r[1]), (votes.get(Number(r[1])) ?? 0) + 1);
      } catch {
        // no answer: no vote
      }
    }));
    for (const [port, v] of votes) {
      if (v * 2 > this.sentinels.length) return this.byFp(port) ?? null;
    }
    return null;
  }

  /** Undoes every fault: SIGCONT, links resumed, dead nodes restarted. */
  async healAll(): Promise<void> {
    for (const n of this.nodes) {
      n.fp.resume();
      if (n.proc !== null && n.stopped) {
        n.proc.child.kill("SIGCONT");
        n.stopped = false;
      }
    }
    for (const n of this.nodes) if (n.proc === null) await this.spawn(n, null);
  }

  /**
   * Waits until the sentinels agree on a master that says so, every other node replicates
   * from it with its link up, and every replica has the master's whole stream. Returns the
   * master, or a description of the state when it never settles.
   */
  async settle(ms: number): Promise<DataNode | string> {
    let last = "";
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const m = await this.quorumMaster();
      if (m === null) {
        last = "no master agreed by a majority of sentinels";
      } else {
        last = await this.#settledAround(m);
        if (last === "") return m;
      }
      await sleep(200);
    }
    return last;
  }

  async #settledAround(m: DataNode): Promise<string> {
    const mi = await nodeInfo(m.port).catch(() => null);
    if (mi?.get("role") !== "master") return `sentinels' master ${m.port} is not a master`;
    const offset = Number(mi.get("master_repl_offset"));
    for (const n of this.nodes) {
      if (n === m) continue;
      const ri = await nodeInfo(n.port).catch(() => null);
      if (ri === null) return `node ${n.port} does not answer`;
      if (ri.get("role") !== "slave") return `node ${n.port} is ${ri.get("role")}`;
      if (Number(ri.get("master_port")) !== m.fp.port) {
        return `node ${n.port} replicates from ${ri.get("master_port")}, not ${m.fp.port}`;
      }
      if (ri.get("master_link_status") !== "up") return `node ${n.port} link down`;
      if (Number(ri.get("slave_repl_offset")) < offset) return `node ${n.port} behind`;
    }
    return "";
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.proxy?.kill("SIGKILL");
    for (const s of this.sentinels) await s.kill("SIGKILL");
    for (const n of this.nodes) {
      n.fp.close();
      if (n.proc !== null) {
        if (n.stopped) n.proc.child.kill("SIGCONT");
        await n.proc.kill("SIGKILL");
      }
    }
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// The workload

const OP_TIMEOUT_MS = 8000; // the proxy's switch-timeout (5 s) + WAIT (0.5 s) + slack

class Workload {
  readonly history: Op[] = [];
  readonly #t0: number;
  #next = 1;
  #stop = false;
  readonly #loops: Promise<void>[] = [];

  constructor(t0: number) {
    this.#t0 = t0;
  }

  start(proxyPort: number, clients: number, noWait: boolean): void {
    for (let c = 0; c < clients; c++) this.#loops.push(this.#client(proxyPort, c, noWait));
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await Promise.all(this.#loops);
  }

  async #client(port: number, id: number, noWait: boolean): Promise<void> {
    let conn: RespClient | null = null;
    while (!this.#stop) {
      const value = this.#next++;
      const op: Op = { value, client: id, start: this.#now(), end: 0, outcome: "unknown", why: "" };
      this.history.push(op);
      if (conn === null || conn.closed) {
        try {
          conn = await RespClient.connect({ port });
        } catch (err) {
          conn = null;
          this.#finish(op, "failed", `connect: ${(err as Error).message}`);
          await sleep(50);
          continue;
        }
      }
      await this.#one(conn, op, noWait);
      if (op.outcome === "unknown" && op.why !== "WAIT 0") {
        conn.close();
        conn = null;
      }
      // No busy loop while there is no master, or while it is a closed port behind a FaultProxy
      // (which accepts, then closes: the proxy closes the sessions it sent commands on).
      if (op.outcome !== "ok" && op.why !== "WAIT 0") await sleep(50);
    }
    conn?.close();
  }

  async #one(conn: RespClient, op: Op, noWait: boolean): Promise<void> {
    const info = ["INFO", "server", "replication"];
    const bytes = concat([
      encodeCommand(info),
      encodeCommand(["SADD", "s", op.value]),
      encodeCommand(["WAIT", 1, 500]),
      encodeCommand(info),
    ]);
    // One write: the first reply answers it, the other three come as unread frames.
    const replies: RespValue[] = [];
    const all = (async () => {
      replies.push(await conn.sendRaw(bytes));
      for (let i = 0; i < 3; i++) replies.push(await conn.next());
    })();
    let timedOut = false;
    try {
      await withTimeout(all, OP_TIMEOUT_MS);
    } catch (err) {
      timedOut = err instanceof TimeoutError;
      all.catch(() => {});
    }
    const sadd = replies[1];
    if (sadd === undefined) {
      // No reply to SADD: it may or may not have run.
      return this.#finish(op, "unknown", timedOut ? "timeout" : "closed");
    }
    if (sadd instanceof RespError) return this.#finish(op, "failed", sadd.message);
    if (sadd !== 1) return this.#finish(op, "unknown", `SADD replied ${JSON.stringify(sadd)}`);
    const before = parseInfo(replies[0]);
    const after = parseInfo(replies[3]);
    if (before !== null && after !== null && sameTerm(before, after)) {
      op.node = Number(before.get("tcp_port"));
      op.term = before.get("master_replid") ?? "";
    }
    const wait = replies[2];
    if (noWait) return this.#finish(op, "ok", "");
    if (typeof wait === "number" && wait >= 1) return this.#finish(op, "ok", "");
    this.#finish(op, "unknown", wait === undefined ? "no WAIT reply" : `WAIT ${String(wait)}`);
  }

  #finish(op: Op, outcome: Outcome, why: string): void {
    op.outcome = outcome;
    op.why = why;
    op.end = this.#now();
  }

  #now(): number {
    return performance.now() - this.#t0;
  }
}

function sameTerm(a: Map<string, string>, b: Map<string, string>): boolean {
  return a.get("role") === "master" && a.get("tcp_port") === b.get("tcp_port") &&
    a.get("master_replid") === b.get("master_replid");
}

// ---------------------------------------------------------------------------------------------
// The nemesis

class Nemesis {
  readonly faults: string[] = [];
  readonly problems: string[] = [];
  readonly #g: HaGroup;
  readonly #rand: () => number;
  readonly #log: (line: string) => void;
  readonly #t0: number;
  #stop = false;
  #wake: () => void = () => {};

  constructor(g: HaGroup, seed: number, log: (line: string) => void, t0: number) {
    this.#g = g;
    this.#rand = rng(seed);
    this.#log = log;
    this.#t0 = t0;
  }

  stop(): void {
    this.#stop = true;
    this.#wake();
  }

  async run(kinds: readonly Fault[], quiet: [number, number]): Promise<void> {
    const first = [...kinds];
    for (let i = first.length - 1; i > 0; i--) {
      const j = Math.floor(this.#rand() * (i + 1));
      [first[i], first[j]] = [first[j]!, first[i]!];
    }
    while (!this.#stop) {
      await this.#sleep(this.#between(quiet[0], quiet[1]));
      if (this.#stop) break;
      const kind = first.shift() ?? kinds[Math.floor(this.#rand() * kinds.length)]!;
      const m = await this.#g.quorumMaster();
      if (m === null || m.proc === null) {
        this.#note("no agreed master: fault skipped");
        continue;
      }
      await this.#apply(kind, m);
    }
  }

  async #apply(kind: Fault, m: DataNode): Promise<void> {
    const g = this.#g;
    if (kind === "kill") {
      this.#note(`kill -9 master ${m.port}`);
      await m.proc!.kill("SIGKILL");
      m.proc = null;
      const t = performance.now();
      const next = await this.#newMaster(m, 30_000);
      if (next === null) {
        this.problems.push(`no failover within 30 s after kill -9 of ${m.port}`);
        this.#note("no failover within 30 s");
      } else {
        this.#note(`failover to ${next.port} after ${Math.round(performance.now() - t)} ms`);
      }
      // Restarted only once another master is in place: a node without persistence that came
      // back empty as the master would hand its emptiness to the replicas (Redis's documented
      // hazard), which no failover scheme protects against.
      await this.#sleep(this.#between(500, 2000), true);
      await g.spawn(m, null);
      this.#note(`restarted ${m.port} (empty, as a master: the sentinels must demote it)`);
      this.faults.push("kill");
    } else if (kind === "stop") {
      const hold = this.#between(500, 4000);
      this.#note(`SIGSTOP master ${m.port} for ${hold} ms`);
      m.proc!.child.kill("SIGSTOP");
      m.stopped = true;
      await this.#sleep(hold, true);
      m.proc!.child.kill("SIGCONT");
      m.stopped = false;
      this.#note(`SIGCONT ${m.port}`);
      this.faults.push("stop");
    } else {
      const hold = this.#between(1000, 6000);
      this.#note(`partition master ${m.port} from everyone for ${hold} ms`);
      m.fp.blackhole();
      await this.#sleep(hold, true);
      m.fp.resume();
      this.#note(`partition of ${m.port} healed`);
      this.faults.push("partition");
    }
  }

  async #newMaster(old: DataNode, ms: number): Promise<DataNode | null> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const m = await this.#g.quorumMaster();
      if (m !== null && m !== old) return m;
      await sleep(100);
    }
    return null;
  }

  #between(lo: number, hi: number): number {
    return Math.round(lo + this.#rand() * (hi - lo));
  }

  /** Sleeps `ms`; cut short by stop() unless `always` (a fault's hold runs to its end). */
  #sleep(ms: number, always = false): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      if (!always) {
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      }
    });
  }

  #note(text: string): void {
    this.#log(`[${((performance.now() - this.#t0) / 1000).toFixed(1)}s] nemesis: ${text}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The checks

/**
 * Checks a history against the final contents of every node (node port -> SMEMBERS s).
 *
 * Two masters: every acknowledged op carries the node and master term (master_replid) that
 * served it. A term is one node's uninterrupted time as master (a promotion or a restart makes
 * a new replid), so if term T1 acknowledged an op that ended before an op of term T2 began,
 * and another that began after that T2 op ended, T1 was accepting writes during the whole T2
 * op: two masters accepting writes at once. This is sound (it never accuses a correct run);
 * it misses overlaps that no pair of acknowledged ops brackets, which the lost check covers
 * whenever the overlap cost a write.
 */
export function check(history: readonly Op[], members: Map<number, Set<number>>): Verdict {
  const v: Verdict = {
    ops: history.length,
    acknowledged: 0,
    failed: 0,
    unknown: 0,
    lost: [],
    failedPresent: [],
    phantom: [],
    splitBrain: [],
    anomalies: [],
  };
  const tried = new Set<number>();
  for (const op of history) {
    tried.add(op.value);
    if (op.outcome === "ok") v.acknowledged++;
    else if (op.outcome === "failed") v.failed++;
    else v.unknown++;
    if (op.why.startsWith("SADD replied")) v.anomalies.push(`value ${op.value}: ${op.why}`);
    const on = [...members].filter(([, s]) => s.has(op.value)).map(([port]) => port);
    if (op.outcome === "ok" && on.length < members.size) {
      v.lost.push({
        value: op.value,
        missingOn: [...members.keys()].filter((p) => !on.includes(p)),
      });
    }
    if (op.outcome === "failed" && on.length > 0) {
      v.failedPresent.push({ value: op.value, presentOn: on });
    }
  }
  const phantom = new Set<number>();
  for (const s of members.values()) for (const x of s) if (!tried.has(x)) phantom.add(x);
  v.phantom = [...phantom].sort((a, b) => a - b);
  v.splitBrain = splitBrain(history);
  return v;
}

function splitBrain(history: readonly Op[]): string[] {
  const terms = new Map<string, { node: number; firstEnd: Op; lastStart: Op; ops: Op[] }>();
  for (const op of history) {
    if (op.outcome !== "ok" || op.term === undefined) continue;
    const t = terms.get(op.term);
    if (t === undefined) {
      terms.set(op.term, { node: op.node!, firstEnd: op, lastStart: op, ops: [op] });
      continue;
    }
    t.ops.push(op);
    if (op.end < t.firstEnd.end) t.firstEnd = op;
    if (op.start > t.lastStart.start) t.lastStart = op;
  }
  const out: string[] = [];
  for (const [id1, t1] of terms) {
    for (const [id2, t2] of terms) {
      if (id1 === id2) continue;
      const b = t2.ops.find((op) => op.start > t1.firstEnd.end && op.end < t1.lastStart.start);
      if (b === undefined) continue;
      out.push(
        `node ${t2.node} (term ${id2.slice(0, 8)}) acknowledged ${b.value} at ` +
          `${ms(b.start)}-${ms(b.end)} while node ${t1.node} (term ${id1.slice(0, 8)}) ` +
          `acknowledged ${t1.firstEnd.value} before (ended ${ms(t1.firstEnd.end)}) and ` +
          `${t1.lastStart.value} after (began ${ms(t1.lastStart.start)})`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A whole run

export async function runChecker(opts: RunOptions): Promise<RunResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const clients = opts.clients ?? 5;
  await using g = await HaGroup.start({ maxLag: opts.maxLag ?? 2 });
  log(
    `group: nodes ${g.nodes.map((n) => `${n.port} (via ${n.fp.port})`).join(", ")}; ` +
      `sentinels ${g.sentinels.map((s) => s.port).join(", ")}; proxy ${g.proxy!.port}; ` +
      `min-replicas-to-write 1, min-replicas-max-lag ${g.maxLag}`,
  );
  const watches = await Promise.all(g.sentinels.map((s) => watchEvents(s)));
  const t0 = performance.now();
  const workload = new Workload(t0);
  const nemesis = new Nemesis(g, opts.seed, log, t0);
  workload.start(g.proxy!.port, clients, opts.sabotage === "no-wait");
  const nemesisDone = nemesis.run(opts.faults ?? FAULTS, opts.quietMs ?? [1500, 4000]);
  const progress = (opts.progressMs ?? 0) > 0
    ? setInterval(() => log(progressLine(workload.history, t0)), opts.progressMs)
    : undefined;
  await sleep(opts.durationMs);
  nemesis.stop();
  await nemesisDone;
  await workload.stop();
  clearInterval(progress);
  log(`[${ms(performance.now() - t0)}] writes stopped: ${progressLine(workload.history, t0)}`);

  const groupProblems = [...nemesis.problems];
  await g.healAll();
  const settled = await g.settle(60_000);
  let master: DataNode | null = null;
  if (typeof settled === "string") groupProblems.push(`the group did not settle: ${settled}`);
  else master = settled;
  log(
    `[${ms(performance.now() - t0)}] ${
      master === null ? "not settled" : `settled: master ${master.port}`
    }`,
  );

  const history = workload.history;
  if (opts.sabotage === "drop-acked" && master !== null) {
    const victim = history.find((op) => op.outcome === "ok");
    if (victim !== undefined) {
      await using c = await RespClient.connect({ port: master.port });
      await c.command("SREM", "s", victim.value);
      log(`sabotage: removed acknowledged value ${victim.value} on the master`);
      const again = await g.settle(20_000);
      if (typeof again === "string") groupProblems.push(`not settled after sabotage: ${again}`);
    }
  }

  const members = new Map<number, Set<number>>();
  for (const n of g.nodes) {
    try {
      await using c = await RespClient.connect({ port: n.port });
      const r = await c.command("SMEMBERS", "s");
      members.set(n.port, new Set((r as RespValue[]).map(Number)));
    } catch (err) {
      groupProblems.push(`node ${n.port} could not be read: ${(err as Error).message}`);
      members.set(n.port, new Set());
    }
  }
  let proxySwitches = -1;
  try {
    await using c = await RespClient.connect({ port: g.proxy!.port });
    const text = String(await c.command("INFO", "proxy"));
    proxySwitches = Number(/proxy_switches:(\d+)/.exec(text)?.[1] ?? -1);
  } catch {
    // reported as -1
  }
  const failovers = Math.max(
    ...watches.map((w) => w.events.filter(([ch]) => ch === "+switch-master").length),
  );
  for (const w of watches) w.close();

  if (opts.dumpDir !== undefined) await dump(opts.dumpDir, g, history, members);
  const verdict = check(history, members);
  const passed = verdict.lost.length === 0 && verdict.failedPresent.length === 0 &&
    verdict.phantom.length === 0 && verdict.splitBrain.length === 0 &&
    verdict.anomalies.length === 0 && groupProblems.length === 0 && nemesis.faults.length > 0;
  return {
    ...verdict,
    seed: opts.seed,
    failovers,
    proxySwitches,
    faults: nemesis.faults,
    groupProblems,
    passed,
    history,
  };
}

/** The final counts and every problem, one per line. */
export function report(r: RunResult): string {
  const kinds = FAULTS.map((k) => `${k} ${r.faults.filter((f) => f === k).length}`).join(", ");
  const why = new Map<string, number>();
  for (const op of r.history) {
    if (op.outcome === "ok") continue;
    const key = `${op.outcome}: ${op.why.replace(/\d{3,}/g, "N").slice(0, 60)}`;
    why.set(key, (why.get(key) ?? 0) + 1);
  }
  const lines = [
    `seed ${r.seed}: ops ${r.ops}, acknowledged ${r.acknowledged}, failed ${r.failed}, ` +
    `unknown ${r.unknown}, lost ${r.lost.length}, failed-but-present ${r.failedPresent.length}, ` +
    `phantom ${r.phantom.length}, split-brain ${r.splitBrain.length}, ` +
    `failovers ${r.failovers} (proxy switches ${r.proxySwitches})`,
    `faults: ${r.faults.length} (${kinds})`,
    `not acknowledged, by reason: ${
      [...why].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} x${n}`).join("; ")
    }`,
    ...r.lost.slice(0, 20).map((l) => `LOST ${l.value} (missing on ${l.missingOn.join(", ")})`),
    ...r.failedPresent.slice(0, 20).map((f) =>
      `FAILED BUT PRESENT ${f.value} (on ${f.presentOn.join(", ")})`
    ),
    ...(r.phantom.length > 0 ? [`PHANTOM ${r.phantom.slice(0, 20).join(", ")}`] : []),
    ...r.splitBrain.slice(0, 10).map((s) => `TWO MASTERS: ${s}`),
    ...r.anomalies.slice(0, 10).map((s) => `ANOMALY: ${s}`),
    ...r.groupProblems.map((s) => `GROUP: ${s}`),
    r.passed ? "PASS" : "FAIL",
  ];
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Small helpers

async function dump(
  dir: string,
  g: HaGroup,
  history: readonly Op[],
  members: Map<number, Set<number>>,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/history.json`, JSON.stringify(history));
  const sets = Object.fromEntries([...members].map(([p, s]) => [p, [...s].sort((a, b) => a - b)]));
  await Deno.writeTextFile(`${dir}/members.json`, JSON.stringify(sets));
  for (const n of g.nodes) {
    await Deno.writeTextFile(`${dir}/node-${n.port}.log`, n.proc?.output() ?? "");
  }
  for (const s of g.sentinels) {
    await Deno.writeTextFile(`${dir}/sentinel-${s.port}.log`, s.output());
  }
  await Deno.writeTextFile(`${dir}/proxy.log`, g.proxy?.output() ?? "");
}

function progressLine(history: readonly Op[], t0: number): string {
  let ok = 0, failed = 0, unknown = 0;
  for (const op of history) {
    if (op.end === 0) continue;
    if (op.outcome === "ok") ok++;
    else if (op.outcome === "failed") failed++;
    else unknown++;
  }
  return `[${ms(performance.now() - t0)}] ops ${ok + failed + unknown}, acknowledged ${ok}, ` +
    `failed ${failed}, unknown ${unknown}`;
}

function ms(t: number): string {
  return `${(t / 1000).toFixed(2)}s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function parseInfo(v: RespValue | undefined): Map<string, string> | null {
  return typeof v === "string" ? infoMap(v) : null;
}

async function nodeInfo(port: number): Promise<Map<string, string>> {
  await using c = await RespClient.connect({ port });
  const v = await withTimeout(c.call("INFO", "replication"), 2000);
  const m = parseInfo(v);
  if (m === null) throw new Error(`INFO replied ${JSON.stringify(v)}`);
  return m;
}

async function sentinelMasterFields(port: number): Promise<Map<string, string>> {
  await using c = await RespClient.connect({ port });
  return fieldMap(await c.command("SENTINEL", "MASTER", MASTER_NAME));
}
