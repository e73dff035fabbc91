// The processes of one `hakv up` group: their directories and config files, starting them in
// order, reading their state (who is master, replica links and lag, sentinels' views), restarting
// the ones that exit, and stopping them in order.
import { withTimeout } from "../_util/timeout.ts";
import { fieldMap, infoMap, RespClient, RespError, type RespValue } from "../client/mod.ts";
import { type ChildExit, ChildProcess, logTail } from "./_process.ts";
import type { Topology } from "./topology.ts";

export type Kind = "node" | "sentinel" | "proxy";

/** How long a process may take to answer one status question before it counts as not answering. */
const ASK_TIMEOUT_MS = 1000;
/** How long a process gets to exit on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5000;

/** One process of the group and what was last read from it. */
export interface Member {
  readonly kind: Kind;
  readonly port: number;
  /** Its own directory under the topology's dir. */
  readonly dir: string;
  readonly log: string;
  proc: ChildProcess | null;
  lastExit: ChildExit | null;
  restarts: number;
  /** When a restart is due (ms since epoch), 0 when none is planned. */
  restartAt: number;
  conn: RespClient | null;
  /** Answered the last poll. */
  up: boolean;
  /** INFO replication fields (data nodes) or SENTINEL MASTER fields (sentinels). */
  info: Map<string, string>;
  /** The master's port this sentinel reports (sentinels only), 0 if unknown. */
  sees: number;
}

/** `exited with code 1`, `killed by SIGKILL`. */
export function describeExit(e: ChildExit): string {
  return e.signal !== null ? `killed by ${e.signal}` : `exited with code ${e.code}`;
}

function label(kind: Kind): string {
  return kind === "node" ? "data node" : kind;
}

export class Group {
  readonly topo: Topology;
  readonly nodes: Member[];
  readonly sentinels: Member[];
  readonly proxy: Member | null;
  /** The data node the sentinels agree is the master (its port). */
  masterPort: number;
  failovers = 0;
  stopping = false;
  /** Set once healthy: before that a process that exits fails the start-up instead. */
  supervising = false;
  /** Called with a line worth telling the user (an exit, a restart, a failover). */
  onEvent: (line: string) => void = () => {};

  constructor(topo: Topology) {
    this.topo = topo;
    const member = (kind: Kind, port: number): Member => {
      const dir = `${topo.dir}/${kind}-${port}`;
      return {
        kind,
        port,
        dir,
        log: `${dir}/hakv.log`,
        proc: null,
        lastExit: null,
        restarts: 0,
        restartAt: 0,
        conn: null,
        up: false,
        info: new Map(),
        sees: 0,
      };
    };
    this.nodes = [topo.masterPort, ...topo.replicaPorts].map((p) => member("node", p));
    this.sentinels = topo.sentinelPorts.map((p) => member("sentinel", p));
    this.proxy = topo.proxyPort === null ? null : member("proxy", topo.proxyPort);
    this.masterPort = topo.masterPort;
  }

  get members(): Member[] {
    return [...this.nodes, ...this.sentinels, ...(this.proxy === null ? [] : [this.proxy])];
  }

  /** A port of the group that something else listens on already, or null. */
  busyPort(): Member | null {
    for (const m of this.members) {
      try {
        Deno.listen({ hostname: this.topo.host, port: m.port }).close();
      } catch {
        return m;
      }
    }
    return null;
  }

  /**
   * Makes the directories; when the sentinels' config files survive from an earlier run, the
   * master they name (after any failovers) is the master now, not the topology's.
   */
  prepare(): void {
    for (const m of this.members) Deno.mkdirSync(m.dir, { recursive: true });
    for (const s of this.sentinels) {
      let text: string;
      try {
        text = Deno.readTextFileSync(`${s.dir}/sentinel.conf`);
      } catch {
        continue;
      }
      const re = new RegExp(
        `^sentinel monitor ${this.topo.name.replace(/\./g, "\\.")} \\S+ (\\d+)`,
        "m",
      );
      const m = re.exec(text);
      if (m === null) {
        throw new Error(
          `${s.dir}/sentinel.conf monitors no master named ${this.topo.name}: the topology ` +
            `changed since ${this.topo.dir} was made; remove that directory to start afresh`,
        );
      }
      const port = Number(m[1]);
      if (!this.nodes.some((n) => n.port === port)) {
        throw new Error(
          `${s.dir}/sentinel.conf names ${port} as the master, which is not a data node of ` +
            `this topology; remove ${this.topo.dir} to start afresh`,
        );
      }
      this.masterPort = port;
      return;
    }
  }

  /** Starts `m`'s process (writing its config file first if it has none). */
  spawn(m: Member): void {
    const t = this.topo;
    let role: string;
    let args: string[];
    if (m.kind === "node") {
      const conf = `${m.dir}/redis.conf`;
      writeOnce(conf, [
        "# Written by hakv up; the sentinels' CONFIG REWRITE keeps it current.",
        `port ${m.port}`,
        `bind ${t.host}`,
        `dir ${m.dir}`,
        `logfile ${m.log}`,
      ]);
      role = "server";
      // The role comes from the sentinels' current view, not from the file: a node restarted
      // after a failover must come back as a replica of the new master, never as a master.
      const of = m.port === this.masterPort ? ["no", "one"] : [t.host, String(this.masterPort)];
      args = [
        ...[conf, "--port", String(m.port), "--replicaof", ...of],
        // From the topology at every start, whatever an older file says.
        ...["--min-replicas-to-write", String(t.minReplicasToWrite)],
        ...["--min-replicas-max-lag", String(t.minReplicasMaxLag)],
      ];
    } else if (m.kind === "sentinel") {
      const conf = `${m.dir}/sentinel.conf`;
      // An existing file holds the sentinel's state (epochs, known replicas and sentinels, the
      // current master) and is reused as it is.
      writeOnce(conf, [
        `port ${m.port}`,
        `bind ${t.host}`,
        `dir ${m.dir}`,
        `logfile ${m.log}`,
        `sentinel monitor ${t.name} ${t.host} ${this.masterPort} ${t.quorum}`,
        `sentinel down-after-milliseconds ${t.name} ${t.downAfter}`,
        `sentinel failover-timeout ${t.name} ${t.failoverTimeout}`,
      ]);
      role = "sentinel";
      args = [conf, "--port", String(m.port)];
    } else {
      role = "proxy";
      args = [
        "--port",
        String(m.port),
        "--bind",
        t.host,
        "--sentinel",
        t.sentinelPorts.map((p) => `${t.host}:${p}`).join(","),
        "--master-name",
        t.name,
      ];
    }
    const proc = new ChildProcess(role, args, { cwd: m.dir, log: m.log });
    m.proc = proc;
    m.restartAt = 0;
    proc.exited.then((e) => this.#exited(m, proc, e));
  }

  #exited(m: Member, proc: ChildProcess, e: ChildExit): void {
    if (m.proc !== proc) return;
    m.lastExit = e;
    m.up = false;
    closeConn(m);
    if (this.stopping || !this.supervising) return;
    const what = `${label(m.kind)} ${this.topo.host}:${m.port}`;
    if (!this.topo.restart) {
      this.onEvent(`${what} ${describeExit(e)}; not restarted (restart: false)`);
      return;
    }
    // Back off when it keeps failing soon after it starts (a bad config, a full disk).
    const lived = Date.now() - proc.startedAt;
    const delay = lived > 10_000 ? 1000 : Math.min(30_000, 1000 * 2 ** Math.min(m.restarts, 5));
    m.restartAt = Date.now() + delay;
    const wait = m.kind === "node" && m.port === this.masterPort
      ? " after the failover"
      : ` in ${Math.round(delay / 1000)} s`;
    this.onEvent(`${what} ${describeExit(e)}; restarting${wait}`);
  }

  /** Restarts the processes whose time has come (a dead master only once it was replaced). */
  restartDue(): void {
    if (this.stopping) return;
    const now = Date.now();
    for (const m of this.members) {
      if (m.proc?.running || m.restartAt === 0 || m.restartAt > now) continue;
      if (m.kind === "node" && m.port === this.masterPort) continue;
      m.restarts++;
      this.onEvent(`${label(m.kind)} ${this.topo.host}:${m.port} restarted`);
      this.spawn(m);
    }
  }

  /** Sends `args` to `m`, null when it doesn't answer in time (the connection is then dropped). */
  async ask(m: Member, ...args: string[]): Promise<RespValue | null> {
    if (!m.proc?.running) return null;
    // A connection kept from the last poll may have been closed since (a failover's CLIENT
    // KILL closes every normal client): one retry on a fresh connection.
    const reused = m.conn !== null;
    const reply = await this.#ask(m, args);
    return reply === null && reused ? await this.#ask(m, args) : reply;
  }

  async #ask(m: Member, args: string[]): Promise<RespValue | null> {
    try {
      m.conn ??= await RespClient.connect({ hostname: this.topo.host, port: m.port });
      return await withTimeout(m.conn.call(...args), ASK_TIMEOUT_MS);
    } catch {
      closeConn(m);
      return null;
    }
  }

  /** Reads every process's state and works out the master the sentinels agree on. */
  async poll(): Promise<void> {
    const name = this.topo.name;
    await Promise.all(this.nodes.map(async (n) => {
      const r = await this.ask(n, "INFO", "replication");
      n.up = typeof r === "string";
      n.info = n.up ? infoMap(r as string) : new Map();
    }));
    await Promise.all(this.sentinels.map(async (s) => {
      const [addr, master] = await Promise.all([
        this.ask(s, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", name),
        this.ask(s, "SENTINEL", "MASTER", name),
      ]);
      s.up = Array.isArray(addr) && master !== null && !(master instanceof RespError);
      s.sees = s.up ? Number((addr as RespValue[])[1]) : 0;
      s.info = s.up ? fieldMap(master!) : new Map();
    }));
    if (this.proxy !== null) this.proxy.up = (await this.ask(this.proxy, "PING")) === "PONG";

    // The master is what a majority of the sentinels says; while they disagree (mid-failover)
    // the last agreed one stands.
    const votes = new Map<number, number>();
    for (const s of this.sentinels) if (s.sees > 0) votes.set(s.sees, (votes.get(s.sees) ?? 0) + 1);
    for (const [port, n] of votes) {
      if (n * 2 <= this.sentinels.length || port === this.masterPort) continue;
      const old = this.masterPort;
      this.masterPort = port;
      this.failovers++;
      this.onEvent(
        `failover: master ${this.topo.host}:${old} -> ${this.topo.host}:${port} ` +
          `(failovers so far: ${this.failovers})`,
      );
    }
  }

  master(): Member | undefined {
    return this.nodes.find((n) => n.port === this.masterPort);
  }

  /** Why the group is not healthy yet, or null when it is. */
  unhealthy(): string | null {
    const t = this.topo;
    const master = this.master();
    if (master === undefined || !master.up || master.info.get("role") !== "master") {
      return `master ${t.host}:${this.masterPort} does not answer as a master`;
    }
    for (const n of this.nodes) {
      if (n === master) continue;
      if (!n.up) return `replica ${t.host}:${n.port} does not answer`;
      if (
        n.info.get("role") !== "slave" || n.info.get("master_port") !== String(master.port) ||
        n.info.get("master_link_status") !== "up"
      ) return `replica ${t.host}:${n.port} has no link up to the master`;
    }
    for (const s of this.sentinels) {
      if (!s.up) return `sentinel ${t.host}:${s.port} does not answer`;
      if (s.sees !== master.port) return `sentinel ${t.host}:${s.port} names another master`;
      if (Number(s.info.get("num-slaves")) < this.nodes.length - 1) {
        return `sentinel ${t.host}:${s.port} does not know every replica yet`;
      }
      if (Number(s.info.get("num-other-sentinels")) < this.sentinels.length - 1) {
        return `sentinel ${t.host}:${s.port} does not know every other sentinel yet`;
      }
    }
    if (this.proxy !== null && !this.proxy.up) {
      return `proxy ${t.host}:${this.proxy.port} does not answer`;
    }
    return null;
  }

  /** A process that exited (before the group was healthy), with its log's tail. */
  deadMember(): Member | null {
    return this.members.find((m) => m.proc !== null && !m.proc.running) ?? null;
  }

  describeDeath(m: Member): string {
    const tail = logTail(m.log);
    return `${label(m.kind)} ${this.topo.host}:${m.port} ${
      describeExit(m.lastExit ?? { code: -1, signal: null })
    }` +
      (tail === "" ? "" : `; the end of ${m.log}:\n${tail}`);
  }

  /** Stops the proxy, then the sentinels (so no failover starts), then the data nodes. */
  async stop(): Promise<number> {
    this.stopping = true;
    let stopped = 0;
    const stopAll = async (ms: Member[]) => {
      await Promise.all(ms.map(async (m) => {
        closeConn(m);
        if (m.proc?.running) {
          stopped++;
          await m.proc.stop(STOP_GRACE_MS);
        }
        closeConn(m);
      }));
    };
    if (this.proxy !== null) await stopAll([this.proxy]);
    await stopAll(this.sentinels);
    await stopAll(this.nodes);
    return stopped;
  }

  /** Second Ctrl-C: no more waiting. */
  killAll(): void {
    for (const m of this.members) m.proc?.kill("SIGKILL");
  }
}

function closeConn(m: Member): void {
  m.conn?.close();
  m.conn = null;
}

function writeOnce(path: string, lines: string[]): void {
  try {
    Deno.writeTextFileSync(path, lines.join("\n") + "\n", { createNew: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
}
