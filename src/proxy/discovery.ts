// Which node is the master, as the proxy may route to it. With sentinels: the address a
// majority of them report (get-master-addr-by-name), confirmed by ROLE on the node itself, and
// re-checked every check-interval, and at once when any sentinel publishes +promoted-slave (a
// failover's leader promoted a replica of this master) or +switch-master; a sentinel with a
// newer config epoch naming another node that claims master (a failover under way) means none
// yet. Without: HAProxy-style ROLE checks of static backends, every check-interval, where
// exactly one must claim to be master. Anything less certain (no majority, two claimants, a
// node that denies it) means no master: clients wait, and replies from the last master wait
// until it is confirmed again.
import { withTimeout } from "../_util/timeout.ts";
import { fieldMap, RespClient, type RespValue } from "../client/mod.ts";

export interface Addr {
  host: string;
  port: number;
}

export function addrKey(a: Addr): string {
  return `${a.host}:${a.port}`;
}

export function sameAddr(a: Addr, b: Addr): boolean {
  return a.port === b.port && a.host === b.host;
}

const ASK_TIMEOUT_MS = 500;
/** While there is no master, it is looked for this often. */
const SEARCH_MS = 50;
/** A lost subscription to a sentinel is tried again this often. */
const RESUBSCRIBE_MS = 1000;

/**
 * Sends `commands` down one fresh connection, pipelined; each answer is null on any failure, or
 * when not all came within the timeout.
 */
export async function askAll(
  addr: Addr,
  commands: string[][],
  opts: { password?: string | null; timeout?: number } = {},
): Promise<(RespValue | null)[]> {
  let client: RespClient | null = null;
  const work = (async () => {
    client = await RespClient.connect({ hostname: addr.host, port: addr.port });
    if (opts.password) await client.call("AUTH", opts.password);
    const c = client;
    return await Promise.all(commands.map((args) => c.call(...args)));
  })();
  try {
    return await withTimeout(work, opts.timeout ?? ASK_TIMEOUT_MS);
  } catch {
    return commands.map(() => null);
  } finally {
    work.catch(() => {}).finally(() => (client as RespClient | null)?.close());
  }
}

/** Sends one command on a fresh connection; null on any failure or after the timeout. */
export async function ask(
  addr: Addr,
  args: string[],
  opts: { password?: string | null; timeout?: number } = {},
): Promise<RespValue | null> {
  return (await askAll(addr, [args], opts))[0]!;
}

export async function roleOf(addr: Addr): Promise<string | null> {
  const r = await ask(addr, ["ROLE"]);
  return Array.isArray(r) && typeof r[0] === "string" ? r[0] : null;
}

export interface TrackerOptions {
  sentinels: Addr[];
  masterName: string;
  backends: Addr[];
  checkInterval: number;
  sentinelPassword: string | null;
  /** Also track the master's healthy replicas (for read routing). */
  readFromReplicas: boolean;
}

export class MasterTracker {
  /** The confirmed master, or null while there is none (sessions wait). */
  current: Addr | null = null;
  /** Master changes seen since start. */
  switches = 0;
  /**
   * With read routing: the replicas that, on their last check, said by ROLE that they follow the
   * current master with their link up. Empty otherwise, and while there is no master.
   */
  replicas: Addr[] = [];
  readonly #opts: TrackerOptions;
  readonly #listeners = new Set<(addr: Addr | null) => void>();
  readonly #subscriptions: RespClient[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #checking = false;
  #again = false;

  constructor(opts: TrackerOptions) {
    this.#opts = opts;
  }

  get mode(): "sentinel" | "static" {
    return this.#opts.sentinels.length > 0 ? "sentinel" : "static";
  }

  onChange(fn: (addr: Addr | null) => void): void {
    this.#listeners.add(fn);
  }

  /** Whether `addr` is the master right now. */
  isCurrent(addr: Addr): boolean {
    return this.current !== null && sameAddr(this.current, addr);
  }

  /**
   * Whether replies from `addr` may still reach clients. At once while it is the master.
   * While there is none, it waits: true if `addr` is confirmed again, false once another node
   * is, or after `ms` with none. A master in doubt (frozen, cut off, replaced) may answer
   * commands it ran after its replicas were promoted, on a history that will be discarded,
   * and a replica not yet moved to the new master may even acknowledge them to WAIT.
   */
  confirmed(addr: Addr, ms: number): Promise<boolean> {
    if (this.current !== null) return Promise.resolve(this.isCurrent(addr));
    return new Promise((resolve) => {
      const settle = (verdict: boolean) => {
        clearTimeout(timer);
        this.#listeners.delete(watch);
        resolve(verdict);
      };
      const watch = (now: Addr | null) => {
        if (now !== null) settle(sameAddr(now, addr));
      };
      const timer = setTimeout(() => settle(false), ms);
      this.#listeners.add(watch);
    });
  }

  start(): void {
    if (this.mode === "sentinel") {
      for (const s of this.#opts.sentinels) this.#subscribe(s);
    }
    this.#check();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const c of this.#subscriptions) c.close();
  }

  #set(addr: Addr | null): void {
    const same = addr === null
      ? this.current === null
      : this.current !== null && sameAddr(addr, this.current);
    if (same) return;
    if (addr !== null) {
      // A change through "none" to another node is one switch; back to the same node is none.
      if (this.#last !== null && !sameAddr(this.#last, addr)) this.switches++;
      this.#last = addr;
    }
    this.current = addr;
    if (this.replicas.length > 0) {
      this.replicas = [];
      for (const fn of this.#replicaListeners) fn([]);
    }
    for (const fn of this.#listeners) fn(addr);
  }

  /** The last master there was. */
  #last: Addr | null = null;
  /** Bumped by each failover event: a check begun before it may not confirm anything. */
  #generation = 0;

  /** Re-checks now (and again once a check under way ends). */
  #check(): void {
    if (this.#stopped) return;
    if (this.#checking) {
      this.#again = true;
      return;
    }
    this.#checking = true;
    clearTimeout(this.#timer);
    const generation = this.#generation;
    const work = this.mode === "sentinel" ? this.#fromSentinels() : this.#fromBackends();
    work.then(async (addr) => {
      // Answers from before a failover event may name the old master, awake again: they are
      // dropped, and the check is run again.
      if (generation !== this.#generation) {
        this.#again = true;
        return;
      }
      // A master that stays the same is kept; a different one passes through "none" first,
      // so no session moves until the new one has been confirmed.
      if (addr === null || this.current === null || !sameAddr(addr, this.current)) {
        if (this.current !== null && addr !== null) this.#set(null);
        this.#set(addr);
      }
      if (this.#opts.readFromReplicas) await this.#checkReplicas();
    }).finally(() => {
      this.#checking = false;
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        this.#check();
        return;
      }
      // With a master, the sentinels (or backends) and the node are asked every check-interval.
      const next = this.current === null ? SEARCH_MS : this.#opts.checkInterval;
      this.#timer = setTimeout(() => this.#check(), next);
    });
  }

  async #fromSentinels(): Promise<Addr | null> {
    const { sentinels, masterName, sentinelPassword } = this.#opts;
    const answers = await Promise.all(sentinels.map(async (s) => {
      const [addr, master] = await askAll(s, [
        ["SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName],
        ["SENTINEL", "MASTER", masterName],
      ], { password: sentinelPassword });
      const epoch = Number(Array.isArray(master) ? fieldMap(master).get("config-epoch") : NaN);
      return { addr, epoch: Number.isFinite(epoch) ? epoch : -1 };
    }));
    const votes = new Map<string, { addr: Addr; n: number; epoch: number }>();
    for (const { addr: r, epoch } of answers) {
      if (!Array.isArray(r) || r.length !== 2) continue;
      const addr = { host: String(r[0]), port: Number(r[1]) };
      const k = addrKey(addr);
      const v = votes.get(k) ?? { addr, n: 0, epoch: -1 };
      v.n++;
      v.epoch = Math.max(v.epoch, epoch);
      votes.set(k, v);
    }
    const majority = Math.floor(sentinels.length / 2) + 1;
    const winner = [...votes.values()].find((v) => v.n >= majority);
    if (winner === undefined) return null;
    // The node must agree: a promoted replica that has not switched yet is not used. And a
    // newer configuration must not name a node that claims master: a failover's leader names
    // the replica it promoted, with the new config epoch, before the other sentinels follow,
    // and an old master woken up in that window would be confirmed, and its replies delivered,
    // for writes the failover is about to discard. Until they agree there is no master, and its
    // replies wait. An older configuration (a sentinel that missed a failover) changes nothing.
    const newer = [...votes.values()].filter((v) => v !== winner && v.epoch > winner.epoch);
    const roles = await Promise.all([winner, ...newer].map((v) => roleOf(v.addr)));
    if (roles[0] !== "master" || roles.slice(1).includes("master")) return null;
    return winner.addr;
  }

  /** Which replicas may serve reads: those following the current master, link up. */
  async #checkReplicas(): Promise<void> {
    const master = this.current;
    let found: Addr[] = [];
    if (master !== null) {
      const candidates = this.mode === "sentinel"
        ? await this.#replicasFromSentinels()
        : this.#opts.backends.filter((b) => !sameAddr(b, master));
      const roles = await Promise.all(candidates.map((c) => ask(c, ["ROLE"])));
      found = candidates.filter((_, i) => {
        const r = roles[i];
        return Array.isArray(r) && r[0] === "slave" && String(r[1]) === master.host &&
          Number(r[2]) === master.port && r[3] === "connected";
      });
    }
    // Keep the same objects while the set is the same, so callers can compare by identity.
    const same = found.length === this.replicas.length &&
      found.every((a, i) => sameAddr(a, this.replicas[i]!));
    if (same || this.current !== master) return;
    this.replicas = found;
    for (const fn of this.#replicaListeners) fn(found);
  }

  async #replicasFromSentinels(): Promise<Addr[]> {
    const { sentinels, masterName, sentinelPassword } = this.#opts;
    for (const s of sentinels) {
      const r = await ask(s, ["SENTINEL", "REPLICAS", masterName], { password: sentinelPassword });
      if (!Array.isArray(r)) continue;
      return r.map((x) => fieldMap(x)).filter((f) => f.get("flags") === "slave").map((f) => ({
        host: f.get("ip") ?? "",
        port: Number(f.get("port")),
      }));
    }
    return [];
  }

  readonly #replicaListeners = new Set<(replicas: Addr[]) => void>();

  onReplicas(fn: (replicas: Addr[]) => void): void {
    this.#replicaListeners.add(fn);
  }

  async #fromBackends(): Promise<Addr | null> {
    const roles = await Promise.all(this.#opts.backends.map((b) => roleOf(b)));
    const masters = this.#opts.backends.filter((_, i) => roles[i] === "master");
    // Two nodes claiming to be master: neither is used until only one does.
    return masters.length === 1 ? masters[0]! : null;
  }

  #subscribe(s: Addr): void {
    if (this.#stopped) return;
    const retry = () => setTimeout(() => this.#subscribe(s), RESUBSCRIBE_MS);
    (async () => {
      const c = await RespClient.connect({ hostname: s.host, port: s.port });
      this.#subscriptions.push(c);
      if (this.#opts.sentinelPassword) await c.call("AUTH", this.#opts.sentinelPassword);
      await c.call("SUBSCRIBE", "+switch-master", "+promoted-slave");
      for await (const f of c) {
        if (!Array.isArray(f) || f[0] !== "message") continue;
        const payload = String(f[2]);
        // `+switch-master <name> <old-ip> <old-port> <new-ip> <new-port>` ends a failover;
        // `+promoted-slave slave <ip>:<port> <ip> <port> @ <name> <ip> <port>` comes earlier,
        // when the leader's config already names the promoted replica: from then on the old
        // master is in doubt, however long the rest of the failover takes.
        const ours = f[1] === "+switch-master"
          ? payload.startsWith(`${this.#opts.masterName} `)
          : payload.includes(` @ ${this.#opts.masterName} `);
        if (ours) {
          // Stop routing to the old master at once; the check confirms the new one.
          this.#generation++;
          this.#set(null);
          this.#check();
        }
      }
    })().catch(() => {}).finally(() => {
      if (!this.#stopped) retry();
    });
  }
}
