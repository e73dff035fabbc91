// W9 of `deno task bench`: Sentinel failover. Each run starts a fresh group (one master, two
// replicas, three sentinels with down-after-milliseconds 1000 and failover-timeout 10000, all
// in a fresh temp dir), waits until every sentinel knows both replicas and both other
// sentinels, then `kill -9`s the master. A probe asks the sentinels in turn (every ~10 ms) for
// get-master-addr-by-name and tries a SET there: the failover time is kill to the first OK from
// a node other than the killed one. Alongside: when all three sentinels report the new
// address, when the other replica is online on the new master, and the first +sdown, +odown
// and +switch-master seen on the sentinels' event channels (PSUBSCRIBE *). A second failover
// per run has a writer doing `SET k<i> <i>` + `WAIT 1 500` against the reported master; the
// writes it got acknowledged (OK and WAIT >= 1) are then looked up on the new master.
// The targets: hakv's failover <= 1.5 s; no acknowledged write lost.
import { RespClient, RespError, type RespValue } from "../src/client/mod.ts";
import { V8_FLAGS } from "../src/_util/runtime.ts";
import { withTimeout } from "../src/_util/timeout.ts";
import {
  fmt,
  fmtInt,
  fmtRatio,
  keepTail,
  median,
  ratio,
  type Row,
  type ServerName,
  sleep,
  table,
  verdict,
} from "./bench.ts";

export const HA_ID = "W9";

const ROOT = new URL("..", import.meta.url).pathname;
const OUT_DIR = `${ROOT}.bench`;
const MASTER_NAME = "mymaster";
const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 10_000;
const QUORUM = 2;
/** The issue asks for the median of at least this many failovers per server. */
const MIN_RUNS = 5;
const QUICK_RUNS = 3;
/** Quiet time after the sentinels have found each other, before the kill. */
const SETTLE_MS = 1500;
const PROBE_EVERY_MS = 10;
const CONNECT_TIMEOUT_MS = 100;
const CALL_TIMEOUT_MS = 300;
/** A failover not done by then has failed (a retry would only start after 2x failover-timeout). */
const FAILOVER_LIMIT_MS = 30_000;
/** Spawn to a converged group (every sentinel sees 2 replicas and 2 other sentinels). */
const START_LIMIT_MS = 45_000;
/** The surviving replica must be online on the new master within this after the first write. */
const REPLICA_LIMIT_MS = 20_000;
/** The writer goes on this long once the new master has its replica, then stops. */
const WRITER_TAIL_MS = 500;
/** Ports the tests use; never taken here. */
const TEST_PORTS = [7800, 7899] as const;

export interface HaOptions {
  quick: boolean;
  runs: number;
  names: ServerName[];
  /** The servers in the order they take their turn in the next run. */
  order: () => ServerName[];
}

interface Timing {
  /** Kill to the first OK to a SET on the master the sentinels report; NaN if none came. */
  writeMs: number;
  /** Kill to all three sentinels reporting the new master. */
  allMs: number;
  /** Kill to the other replica listed online in the new master's INFO replication. */
  replicaMs: number;
  sdownMs: number;
  odownMs: number;
  switchMs: number;
}

interface RunResult extends Timing {
  /** Writer runs only. */
  writes?: WriterCount;
  /** Why the run has no (or only part of its) figures. */
  error?: string;
  /** Where the group's logs were saved, for a run that went wrong. */
  logFile?: string;
}

interface WriterCount {
  /** SETs sent. */
  sent: number;
  /** SET OK and WAIT >= 1. */
  acked: number;
  /** Acknowledged keys missing (or holding another value) on the new master. */
  lost: number;
  /** Up to 10 of the lost indexes, for the notes. */
  lostSample: number[];
}

type Phase = "idle" | "writer";

/** Runs W9 with each server, in turns, and returns its report section. */
export async function haWorkload(opts: HaOptions): Promise<string> {
  const runs = Math.max(opts.runs, opts.quick ? QUICK_RUNS : MIN_RUNS);
  const results = new Map<string, RunResult[]>();
  const key = (name: ServerName, phase: Phase) => `${name}/${phase}`;
  for (const name of opts.names) {
    for (const p of ["idle", "writer"]) results.set(`${name}/${p}`, []);
  }
  for (let run = 1; run <= runs; run++) {
    // One turn per run for both failovers, so each server goes first in every other run.
    const order = opts.order();
    for (const phase of ["idle", "writer"] as const) {
      for (const name of order) {
        const r = await groupRun(name, run, phase);
        results.get(key(name, phase))!.push(r);
        console.log(`W9 run ${run}/${runs} ${name.padEnd(5)} ${phase.padEnd(6)} ${describe(r)}`);
      }
    }
  }
  return report(results, opts.names, runs);
}

function describe(r: RunResult): string {
  const ms = (x: number) => (Number.isFinite(x) ? `${fmt(x, 0)} ms` : "n/a");
  let s = `failover ${ms(r.writeMs)} (+sdown ${ms(r.sdownMs)}, +odown ${ms(r.odownMs)}, ` +
    `+switch-master ${ms(r.switchMs)}, all sentinels ${ms(r.allMs)}, replica online ` +
    `${ms(r.replicaMs)})`;
  if (r.writes !== undefined) {
    s += `; writer ${fmtInt(r.writes.sent)} SETs, ${fmtInt(r.writes.acked)} acknowledged, ` +
      `${r.writes.lost} lost`;
  }
  if (r.error !== undefined) s += `; ${r.error}`;
  if (r.logFile !== undefined) s += ` (logs: ${r.logFile})`;
  return s;
}

// --- Processes ---------------------------------------------------------------------------------

const live = new Set<Proc>();

// bench.ts's SIGINT handler exits at once and knows only its own processes; this one is added
// first (at import), so a group being measured is killed too.
Deno.addSignalListener("SIGINT", () => {
  for (const p of live) p.kill();
});

/** One process of a group, with the tail of its output kept for the notes and logs. */
class Proc {
  readonly #child: Deno.ChildProcess;
  #log = "";
  #exited = false;
  readonly #drained: Promise<unknown>;

  constructor(readonly label: string, readonly port: number, cmd: string, args: string[]) {
    this.#child = new Deno.Command(cmd, {
      args,
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    live.add(this);
    this.#child.status.then(() => (this.#exited = true));
    this.#drained = keepTail(this.#child, 262_144, (text) => this.#log = text);
  }

  get alive(): boolean {
    return !this.#exited;
  }

  get log(): string {
    return this.#log;
  }

  kill(): void {
    if (this.#exited) return;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  async stop(): Promise<void> {
    this.kill();
    await this.#child.status;
    await this.#drained;
    live.delete(this);
  }
}

/** `n` distinct free ports, none of them the tests'. */
function freePorts(n: number): number[] {
  const held: Deno.Listener[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < n) {
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      held.push(l);
      const port = (l.addr as Deno.NetAddr).port;
      if (port < TEST_PORTS[0] || port > TEST_PORTS[1]) ports.push(port);
    }
  } finally {
    for (const l of held) l.close();
  }
  return ports;
}

function dataNode(name: ServerName, port: number, dir: string, masterPort?: number): Proc {
  const args = [
    ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir],
    ...["--save", "", "--appendonly", "no"],
    // Redis 7.0 waits 5 s for more replicas before a diskless full sync: not what is measured.
    ...["--repl-diskless-sync-delay", "0"],
    ...(masterPort === undefined ? [] : ["--replicaof", "127.0.0.1", String(masterPort)]),
  ];
  const label = `${name} ${masterPort === undefined ? "master" : "replica"} :${port}`;
  return name === "redis"
    ? new Proc(label, port, "redis-server", args)
    : new Proc(label, port, Deno.execPath(), ["run", "-A", V8_FLAGS, "main.ts", "server", ...args]);
}

function sentinelNode(name: ServerName, port: number, conf: string): Proc {
  const label = `${name} sentinel :${port}`;
  return name === "redis"
    ? new Proc(label, port, "redis-server", [conf, "--sentinel", "--port", String(port)])
    : new Proc(label, port, Deno.execPath(), [
      ...["run", "-A", "main.ts", "sentinel", conf],
      ...["--port", String(port)],
    ]);
}

function sentinelConf(masterPort: number): string {
  return [
    "bind 127.0.0.1",
    `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} ${QUORUM}`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
    "",
  ].join("\n");
}

// --- Talking to the group ----------------------------------------------------------------------

/** A connection, or an error after `ms` (a late connection is closed when it comes). */
async function connect(port: number, ms = CONNECT_TIMEOUT_MS): Promise<RespClient> {
  const p = RespClient.connect({ port });
  try {
    return await withTimeout(p, ms, `connect to :${port}`);
  } catch (err) {
    p.then((c) => c.close(), () => {});
    throw err;
  }
}

/** One call with a deadline; on a timeout the connection is closed (its replies would lag). */
async function timedCall(c: RespClient, ms: number, ...args: string[]): Promise<RespValue> {
  try {
    return await withTimeout(c.call(...args), ms, args[0]!);
  } catch (err) {
    c.close();
    throw err;
  }
}

/** A one-off call on a fresh connection; errors (and error replies) become undefined. */
async function callOnce(port: number, ...args: string[]): Promise<RespValue | undefined> {
  try {
    const c = await connect(port, 1000);
    try {
      const v = await timedCall(c, 2000, ...args);
      return v instanceof RespError ? undefined : v;
    } finally {
      c.close();
    }
  } catch {
    return undefined;
  }
}

/** get-master-addr-by-name through one connection per sentinel, kept until it fails. */
class SentinelAsker {
  readonly #ports: number[];
  readonly #conns: (RespClient | undefined)[];
  #next = 0;

  constructor(ports: number[]) {
    this.#ports = ports;
    this.#conns = ports.map(() => undefined);
  }

  /** The master port the next sentinel in turn reports, or undefined. */
  ask(): Promise<number | undefined> {
    const i = this.#next;
    this.#next = (this.#next + 1) % this.#ports.length;
    return this.askAt(i);
  }

  async askAt(i: number): Promise<number | undefined> {
    try {
      let c = this.#conns[i];
      if (c === undefined || c.closed) c = this.#conns[i] = await connect(this.#ports[i]!);
      const v = await timedCall(
        c,
        CALL_TIMEOUT_MS,
        "SENTINEL",
        "get-master-addr-by-name",
        MASTER_NAME,
      );
      if (!Array.isArray(v) || v.length !== 2) return undefined;
      return Number(v[1]);
    } catch {
      this.#conns[i]?.close();
      this.#conns[i] = undefined;
      return undefined;
    }
  }

  close(): void {
    for (const c of this.#conns) c?.close();
  }
}

/** SENTINEL MASTER / REPLICAS replies as field maps (RESP2 flat arrays). */
function fields(v: RespValue | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (!Array.isArray(v)) return m;
  for (let i = 0; i + 1 < v.length; i += 2) m.set(String(v[i]), String(v[i + 1]));
  return m;
}

/** Every sentinel sees the master up, both replicas up and both other sentinels. */
async function converged(sentinels: Proc[]): Promise<boolean> {
  for (const s of sentinels) {
    const m = fields(await callOnce(s.port, "SENTINEL", "MASTER", MASTER_NAME));
    if (m.get("flags") !== "master") return false;
    if (m.get("num-slaves") !== "2" || m.get("num-other-sentinels") !== "2") return false;
    const replicas = await callOnce(s.port, "SENTINEL", "REPLICAS", MASTER_NAME);
    if (!Array.isArray(replicas) || replicas.length !== 2) return false;
    for (const r of replicas) if (fields(r).get("flags") !== "slave") return false;
  }
  return true;
}

async function waitFor(what: string, limitMs: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!(await ok())) {
    if (performance.now() > deadline) throw new Error(`${what} within ${limitMs / 1000} s`);
    await sleep(50);
  }
}

async function replicationInfo(port: number): Promise<string> {
  return String(await callOnce(port, "INFO", "replication") ?? "");
}

function onlineReplicas(info: string): number {
  return info.split("\n").filter((l) => /^slave\d+:.*state=online/.test(l)).length;
}

// --- The measurements --------------------------------------------------------------------------

interface SentinelEvent {
  at: number;
  type: string;
  payload: string;
}

/** Every sentinel event (PSUBSCRIBE *) of the given sentinels, with its arrival time. */
class EventLog {
  readonly events: SentinelEvent[] = [];
  readonly #clients: RespClient[] = [];
  readonly #loops: Promise<void>[] = [];

  async subscribe(ports: number[]): Promise<void> {
    for (const port of ports) {
      const c = await connect(port, 1000);
      this.#clients.push(c);
      await c.call("PSUBSCRIBE", "*");
      this.#loops.push(this.#read(c));
    }
  }

  async #read(c: RespClient): Promise<void> {
    try {
      for await (const f of c) {
        if (Array.isArray(f) && f[0] === "pmessage" && f.length === 4) {
          this.events.push({ at: performance.now(), type: String(f[2]), payload: String(f[3]) });
        }
      }
    } catch {
      // closed
    }
  }

  /** The first `type` event about the master after `t0`, in ms from `t0`. */
  first(type: string, t0: number): number {
    const e = this.events.find((e) =>
      e.at >= t0 && e.type === type &&
      (e.payload.startsWith(`master ${MASTER_NAME} `) || e.payload.startsWith(`${MASTER_NAME} `))
    );
    return e === undefined ? NaN : e.at - t0;
  }

  async close(): Promise<void> {
    for (const c of this.#clients) c.close();
    await Promise.all(this.#loops);
  }
}

/**
 * Every ~10 ms: ask the next sentinel for the master and SET there (a fresh connection when
 * the address changes or the last try failed). Resolves with the port that said OK, other than
 * the killed one, and when; undefined after the limit.
 */
async function probe(
  sentinelPorts: number[],
  killed: number,
  t0: number,
): Promise<{ port: number; ms: number } | undefined> {
  const asker = new SentinelAsker(sentinelPorts);
  let conn: RespClient | undefined;
  let connPort = -1;
  try {
    for (let n = 0; performance.now() - t0 < FAILOVER_LIMIT_MS; n++) {
      const started = performance.now();
      const port = await asker.ask();
      if (port !== undefined) {
        try {
          if (conn === undefined || conn.closed || connPort !== port) {
            conn?.close();
            conn = undefined;
            connPort = port;
            conn = await connect(port);
          }
          const v = await timedCall(conn, CALL_TIMEOUT_MS, "SET", "w9:probe", String(n));
          if (v === "OK" && port !== killed) return { port, ms: performance.now() - t0 };
          // READONLY from a replica not promoted yet, or anything else: try again afresh.
          if (v !== "OK") conn.close();
        } catch {
          // refused, reset or timed out: try again
          conn?.close();
        }
      }
      await sleep(Math.max(0, PROBE_EVERY_MS - (performance.now() - started)));
    }
    return undefined;
  } finally {
    conn?.close();
    asker.close();
  }
}

/** Kill to the first moment all sentinels name the same master, not the killed one. */
async function agreement(sentinelPorts: number[], killed: number, t0: number): Promise<number> {
  const asker = new SentinelAsker(sentinelPorts);
  try {
    while (performance.now() - t0 < FAILOVER_LIMIT_MS) {
      const started = performance.now();
      const ports = await Promise.all(sentinelPorts.map((_, i) => asker.askAt(i)));
      const first = ports[0];
      if (first !== undefined && first !== killed && ports.every((p) => p === first)) {
        return performance.now() - t0;
      }
      await sleep(Math.max(0, PROBE_EVERY_MS - (performance.now() - started)));
    }
    return NaN;
  } finally {
    asker.close();
  }
}

/**
 * `SET k<i> <i>` then `WAIT 1 500`, back to back, on the master the sentinels report; a write
 * is acknowledged when SET said OK and WAIT counted at least one replica.
 */
class Writer {
  readonly acked: number[] = [];
  sent = 0;
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(sentinelPorts: number[]) {
    this.#done = this.#run(new SentinelAsker(sentinelPorts));
  }

  async #run(asker: SentinelAsker): Promise<void> {
    let conn: RespClient | undefined;
    try {
      while (!this.#stopped) {
        if (conn === undefined || conn.closed) {
          conn = undefined;
          const port = await asker.ask();
          try {
            if (port !== undefined) conn = await connect(port);
          } catch {
            // refused: ask again
          }
          if (conn === undefined) {
            await sleep(PROBE_EVERY_MS);
            continue;
          }
        }
        const i = this.sent++;
        try {
          const set = await timedCall(conn, 1000, "SET", `k${i}`, String(i));
          if (set !== "OK") throw new Error(String(set));
          const wait = await timedCall(conn, 1500, "WAIT", "1", "500");
          if (wait instanceof RespError) throw wait;
          if (typeof wait === "number" && wait >= 1) this.acked.push(i);
        } catch {
          conn.close();
          await sleep(PROBE_EVERY_MS);
        }
      }
    } finally {
      conn?.close();
      asker.close();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }
}

/** Acknowledged keys that the master on `port` lacks or holds another value for. */
async function lostWrites(port: number, acked: number[]): Promise<number[]> {
  const lost: number[] = [];
  const c = await connect(port, 1000);
  try {
    for (let off = 0; off < acked.length; off += 1000) {
      const batch = acked.slice(off, off + 1000);
      const v = await timedCall(c, 10_000, "MGET", ...batch.map((i) => `k${i}`));
      if (!Array.isArray(v)) throw new Error(`MGET on the new master replied ${String(v)}`);
      batch.forEach((i, j) => {
        if (v[j] !== String(i)) lost.push(i);
      });
    }
  } finally {
    c.close();
  }
  return lost;
}

function emptyTiming(): Timing {
  return { writeMs: NaN, allMs: NaN, replicaMs: NaN, sdownMs: NaN, odownMs: NaN, switchMs: NaN };
}

/** One failover on a fresh group of `name` processes. */
async function groupRun(name: ServerName, run: number, phase: Phase): Promise<RunResult> {
  const dir = await Deno.makeTempDir({ prefix: `hakv-bench-w9-${name}-` });
  const procs: Proc[] = [];
  const events = new EventLog();
  let writer: Writer | undefined;
  const result: RunResult = emptyTiming();
  try {
    const [mPort, r1Port, r2Port, ...sPorts] = freePorts(6) as [number, number, number, number];
    const nodeDir = async (n: string) => {
      const d = `${dir}/${n}`;
      await Deno.mkdir(d);
      return d;
    };
    const master = dataNode(name, mPort, await nodeDir("master"));
    procs.push(master);
    await waitFor(`${master.label} did not answer PING`, START_LIMIT_MS, async () => {
      if (!master.alive) throw new Error(`${master.label} exited:\n${master.log}`);
      return (await callOnce(mPort, "PING")) === "PONG";
    });
    for (const [i, p] of [r1Port, r2Port].entries()) {
      procs.push(dataNode(name, p, await nodeDir(`replica${i + 1}`), mPort));
    }
    await waitFor("the replicas did not link up", START_LIMIT_MS, async () => {
      for (const p of procs) if (!p.alive) throw new Error(`${p.label} exited:\n${p.log}`);
      for (const p of [r1Port, r2Port]) {
        if (!/^master_link_status:up\r?$/m.test(await replicationInfo(p))) return false;
      }
      return true;
    });
    const sentinels: Proc[] = [];
    for (const [i, p] of sPorts.entries()) {
      const conf = `${dir}/sentinel${i + 1}.conf`;
      await Deno.writeTextFile(conf, sentinelConf(mPort));
      sentinels.push(sentinelNode(name, p, conf));
    }
    procs.push(...sentinels);
    await waitFor(
      "the sentinels did not all see 2 replicas and 2 sentinels",
      START_LIMIT_MS,
      () => {
        for (const p of procs) if (!p.alive) throw new Error(`${p.label} exited:\n${p.log}`);
        return converged(sentinels);
      },
    );
    await events.subscribe(sPorts);
    if (phase === "writer") writer = new Writer(sPorts);
    await sleep(SETTLE_MS);

    const t0 = performance.now();
    master.kill();
    const [write, allMs] = await Promise.all([
      probe(sPorts, mPort, t0),
      agreement(sPorts, mPort, t0),
    ]);
    result.allMs = allMs;
    if (write === undefined) {
      result.error = `no write succeeded on a new master within ${FAILOVER_LIMIT_MS / 1000} s`;
    } else {
      result.writeMs = write.ms;
      const deadline = performance.now() + REPLICA_LIMIT_MS;
      while (onlineReplicas(await replicationInfo(write.port)) < 1) {
        if (performance.now() > deadline) {
          result.error = `the other replica was not online on the new master within ` +
            `${REPLICA_LIMIT_MS / 1000} s`;
          break;
        }
        await sleep(PROBE_EVERY_MS);
      }
      if (result.error === undefined) result.replicaMs = performance.now() - t0;
    }
    result.sdownMs = events.first("+sdown", t0);
    result.odownMs = events.first("+odown", t0);
    result.switchMs = events.first("+switch-master", t0);
    if (writer !== undefined) {
      await sleep(WRITER_TAIL_MS);
      await writer.stop();
      const w = writer;
      writer = undefined;
      if (write !== undefined) {
        const lost = await lostWrites(write.port, w.acked);
        result.writes = {
          sent: w.sent,
          acked: w.acked.length,
          lost: lost.length,
          lostSample: lost.slice(0, 10),
        };
        if (lost.length > 0) {
          result.error = `${lost.length} acknowledged writes missing on the new master ` +
            `:${write.port} (e.g. ${lost.slice(0, 10).map((i) => `k${i}`).join(" ")})`;
        }
      }
    }
  } catch (err) {
    result.error = (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
  } finally {
    await writer?.stop();
    await events.close();
    for (const p of procs) await p.stop();
    if (result.error !== undefined) {
      const logFile = await saveLogs(name, run, phase, procs, events.events);
      if (logFile !== undefined) result.logFile = logFile;
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  return result;
}

/** A run that went wrong keeps every process's output and the events, for the report. */
async function saveLogs(
  name: ServerName,
  run: number,
  phase: Phase,
  procs: Proc[],
  events: SentinelEvent[],
): Promise<string | undefined> {
  const path = `${OUT_DIR}/w9-${name}-run${run}-${phase}.log`;
  const parts = procs.map((p) => `===== ${p.label}\n${p.log}`);
  const t0 = events[0]?.at ?? 0;
  parts.push(
    "===== events (ms from the first)\n" +
      events.map((e) => `${fmt(e.at - t0, 1)} ${e.type} ${e.payload}`).join("\n"),
  );
  try {
    await Deno.writeTextFile(path, parts.join("\n\n") + "\n");
    return path.slice(ROOT.length);
  } catch {
    return undefined;
  }
}

// --- Report ------------------------------------------------------------------------------------

function report(results: Map<string, RunResult[]>, names: ServerName[], runs: number): string {
  const of = (name: ServerName, phase: Phase) => results.get(`${name}/${phase}`) ?? [];
  const med = (name: ServerName, phase: Phase, f: (r: RunResult) => number) =>
    median(of(name, phase).map(f));
  const label = "W9 failover";
  const rows: Row[] = [];
  const msRow = (metric: string, phase: Phase, f: (r: RunResult) => number, max?: number) => {
    const r = med("redis", phase, f);
    const h = med("hakv", phase, f);
    rows.push({
      cells: [
        label,
        metric,
        fmt(r, 0),
        fmt(h, 0),
        fmtRatio(ratio(h, r)),
        max === undefined ? "—" : `<= ${fmtInt(max)} ms`,
        max === undefined ? "" : verdict(Number.isFinite(h) ? h <= max : undefined),
      ],
    });
  };
  const range = (name: ServerName, phase: Phase) => {
    const xs = of(name, phase).map((r) => r.writeMs).filter(Number.isFinite);
    return xs.length === 0 ? "n/a" : `${fmt(Math.min(...xs), 0)}–${fmt(Math.max(...xs), 0)}`;
  };
  const done = (name: ServerName, phase: Phase) =>
    `${of(name, phase).filter((r) => Number.isFinite(r.writeMs)).length}/${of(name, phase).length}`;
  msRow(
    "failover ms: kill -9 to the first OK write on the reported master",
    "idle",
    (r) => r.writeMs,
    1500,
  );
  rows.push({
    cells: [label, "failover ms, min–max", range("redis", "idle"), range("hakv", "idle")]
      .concat(["", "—", ""]),
  });
  rows.push({
    cells: [label, "failovers completed", done("redis", "idle"), done("hakv", "idle"), ""]
      .concat(["—", ""]),
  });
  msRow("first +sdown (master) ms", "idle", (r) => r.sdownMs);
  msRow("first +odown ms", "idle", (r) => r.odownMs);
  // Detection is bounded below by down-after-milliseconds; what follows is the failover proper.
  msRow("first +sdown to the first OK write ms", "idle", (r) => r.writeMs - r.sdownMs);
  msRow("first +switch-master ms", "idle", (r) => r.switchMs);
  msRow("all 3 sentinels report the new master ms", "idle", (r) => r.allMs);
  msRow("other replica online on the new master ms", "idle", (r) => r.replicaMs);
  msRow("failover ms with the WAIT 1 writer running", "writer", (r) => r.writeMs);
  rows.push({
    cells: [label, "failovers completed with the writer", done("redis", "writer")]
      .concat([done("hakv", "writer"), "", "—", ""]),
  });
  /** Summed over the writer runs that got to count (the others are in the notes). */
  const total = (name: ServerName, f: (w: WriterCount) => number) => {
    const ws = of(name, "writer").flatMap((r) => r.writes ?? []);
    return ws.length === 0 ? NaN : ws.reduce((sum, w) => sum + f(w), 0);
  };
  const counted = (name: ServerName) => of(name, "writer").every((r) => r.writes !== undefined);
  const sumRow = (metric: string, f: (w: WriterCount) => number, target?: string) => {
    const h = total("hakv", f);
    rows.push({
      cells: [
        label,
        metric,
        fmtInt(total("redis", f)),
        fmtInt(h),
        "",
        target ?? "—",
        // A writer run that never saw the new master proves nothing either way.
        target === undefined
          ? ""
          : verdict(Number.isFinite(h) && counted("hakv") ? h === 0 : undefined),
      ],
    });
  };
  sumRow("SETs sent by the writer, total over the failovers", (w) => w.sent);
  sumRow("acknowledged writes (OK + WAIT >= 1), total", (w) => w.acked);
  sumRow("acknowledged writes lost, total", (w) => w.lost, "= 0");

  const notes: string[] = [];
  for (const name of names) {
    for (const phase of ["idle", "writer"] as const) {
      of(name, phase).forEach((r, i) => {
        if (r.error === undefined) return;
        notes.push(
          `- ${name} run ${i + 1} (${phase}): ${r.error}` +
            (r.logFile === undefined ? "" : ` (process logs and events: \`${r.logFile}\`)`),
        );
      });
    }
  }
  return table(["workload", "metric", "redis", "hakv", "hakv/redis", "target", "result"], rows) +
    `\n\nEach failover on a fresh group: one master, two replicas (\`--save "" --appendonly no\`, ` +
    "own temp `--dir`, `--repl-diskless-sync-delay 0`) and three sentinels (`redis-server " +
    "<conf> --sentinel`, or `hakv sentinel <conf>`) with `sentinel monitor mymaster ... " +
    `${QUORUM}\`, \`down-after-milliseconds ${DOWN_AFTER_MS}\` and \`failover-timeout ` +
    `${FAILOVER_TIMEOUT_MS}\`. Once every sentinel lists 2 replicas (flags \`slave\`) and 2 ` +
    `other sentinels, ${SETTLE_MS / 1000} s more, then \`kill -9\` of the master. A probe asks ` +
    `the sentinels in turn every ${PROBE_EVERY_MS} ms for \`get-master-addr-by-name\` and ` +
    "tries `SET` there (a fresh connection when the address changes or a try failed; " +
    "READONLY and refused connections count as failures): failover ms is kill to the first " +
    "OK from a node other than the killed one. The sentinel rows are from the same runs: " +
    "the first event on any sentinel's `PSUBSCRIBE *` (arrival time at the bench), all three " +
    "answering the new address, and the other replica listed `state=online` in the new " +
    "master's INFO; +sdown to the first write is the failover after detection, whatever each " +
    "counts down-after-milliseconds from (Redis from the first PING left unanswered, which it " +
    `sends on reconnecting after the kill). Medians over ${runs} failovers per server (W9 ` +
    `takes at least ${MIN_RUNS} runs, ${QUICK_RUNS} with --quick). A second failover per run has ` +
    "a writer doing `SET k<i> <i>` then `WAIT 1 500` back to back against the reported " +
    "master from 1.5 s before the kill until " +
    `${WRITER_TAIL_MS} ms after the other replica is online on the new master; a write ` +
    "counts as acknowledged when SET replied OK and WAIT at least 1, and is lost when the new " +
    "master then lacks it (MGET). Nothing is pinned to a CPU: seven processes per group " +
    "share the machine with the bench." +
    (notes.length === 0 ? "" : `\n\nNot measured or off:\n\n${notes.join("\n")}`);
}
