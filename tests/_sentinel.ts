// A monitored group for sentinel tests: one master, its replicas and a few sentinels, each a
// real process (hakv or redis-server, for data nodes and sentinels independently), and helpers
// to ask the sentinels what they see.
import {
  type Proc,
  RespClient,
  spawnHakv,
  spawnRedis,
  spawnSentinel,
  waitFor,
} from "./_harness.ts";
import { info, linkUp } from "./_repl.ts";
import { fieldMap } from "../src/client/mod.ts";

export type Kind = "hakv" | "redis";

export interface GroupOptions {
  /** What the data nodes run (default hakv). */
  nodes?: Kind;
  /** What the sentinels run (default hakv). */
  sentinels?: Kind;
  /** Per sentinel, overriding `sentinels`: a mixed group of hakv and Redis sentinels. */
  kinds?: Kind[];
  replicas?: number;
  sentinelCount?: number;
  quorum?: number;
  downAfter?: number;
  failoverTimeout?: number;
  /** Extra `sentinel ...` lines (without the master name's options). */
  extraConf?: string[];
  /** Extra data node arguments, per node index (0 = master). */
  nodeArgs?: (i: number) => string[];
  name?: string;
  /** requirepass/masterauth for the data nodes, and auth-pass for the sentinels. */
  password?: string;
  /** requirepass of the sentinels themselves, and the sentinel-pass they use with each other. */
  sentinelPassword?: string;
}

export class Group implements AsyncDisposable {
  readonly name: string;
  readonly nodes: Proc[] = [];
  readonly sentinels: (Proc | null)[] = [];
  readonly confs: string[] = [];
  readonly dir: string;
  readonly opts:
    & Required<
      Omit<GroupOptions, "extraConf" | "nodeArgs" | "password" | "sentinelPassword" | "kinds">
    >
    & GroupOptions;

  constructor(dir: string, opts: GroupOptions) {
    this.dir = dir;
    this.name = opts.name ?? "mymaster";
    this.opts = {
      nodes: "hakv",
      sentinels: "hakv",
      replicas: 2,
      sentinelCount: 3,
      quorum: 2,
      downAfter: 1000,
      failoverTimeout: 10_000,
      name: this.name,
      ...opts,
    };
  }

  static async start(opts: GroupOptions = {}): Promise<Group> {
    const dir = await Deno.makeTempDir({ prefix: "hakv-sentinel-" });
    const g = new Group(dir, opts);
    try {
      await g.#start();
    } catch (err) {
      await g[Symbol.asyncDispose]();
      throw err;
    }
    return g;
  }

  spawnNode(args: string[], port?: number): Promise<Proc> {
    return this.opts.nodes === "hakv" ? spawnHakv(args, port) : spawnRedis(args, port);
  }

  async #start(): Promise<void> {
    const o = this.opts;
    const auth = o.password === undefined
      ? []
      : ["--requirepass", o.password, "--masterauth", o.password];
    const extra = (i: number) => [...auth, ...(o.nodeArgs?.(i) ?? [])];
    const master = await this.spawnNode(extra(0));
    this.nodes.push(master);
    for (let i = 1; i <= o.replicas; i++) {
      const r = await this.spawnNode([
        "--replicaof",
        "127.0.0.1",
        String(master.port),
        ...extra(i),
      ]);
      this.nodes.push(r);
    }
    for (const r of this.nodes.slice(1)) {
      await using c = await r.client();
      if (o.password !== undefined) await c.command("AUTH", o.password);
      await linkUp(c);
    }
    for (let i = 0; i < o.sentinelCount; i++) {
      const conf = `${this.dir}/sentinel-${i}.conf`;
      Deno.writeTextFileSync(conf, this.confText(master.port));
      this.confs.push(conf);
      this.sentinels.push(await spawnSentinel(this.kindOf(i), conf));
    }
    // Every sentinel knows the replicas and the other sentinels before the test begins.
    await waitFor(async () => {
      for (const s of this.sentinels) {
        await using c = await this.sentinelClient(s!);
        const m = fields(await c.command("SENTINEL", "MASTER", this.name));
        if (Number(m.get("num-slaves")) < o.replicas) return false;
        if (Number(m.get("num-other-sentinels")) < o.sentinelCount - 1) return false;
      }
      return true;
    }, 30_000);
  }

  confText(masterPort: number): string {
    const o = this.opts;
    const n = this.name;
    return [
      `sentinel monitor ${n} 127.0.0.1 ${masterPort} ${o.quorum}`,
      `sentinel down-after-milliseconds ${n} ${o.downAfter}`,
      `sentinel failover-timeout ${n} ${o.failoverTimeout}`,
      ...(o.password === undefined ? [] : [`sentinel auth-pass ${n} ${o.password}`]),
      ...(o.sentinelPassword === undefined
        ? []
        : [`requirepass ${o.sentinelPassword}`, `sentinel sentinel-pass ${o.sentinelPassword}`]),
      ...(o.extraConf ?? []),
      "",
    ].join("\n");
  }

  /** What sentinel `i` runs. */
  kindOf(i: number): Kind {
    return this.opts.kinds?.[i] ?? this.opts.sentinels;
  }

  /** A connection to a sentinel, authenticated when the sentinels have a password. */
  async sentinelClient(s: Proc): Promise<RespClient> {
    const c = await s.client();
    if (this.opts.sentinelPassword !== undefined) {
      await c.command("AUTH", this.opts.sentinelPassword);
    }
    return c;
  }

  /** The data node at `port`. */
  node(port: number): Proc {
    const p = this.nodes.find((n) => n.port === port);
    if (p === undefined) throw new Error(`no node on port ${port}`);
    return p;
  }

  /** What sentinel `i` reports as the master's address. */
  async masterAddr(i = 0): Promise<[string, number] | null> {
    await using c = await this.sentinelClient(this.sentinels[i]!);
    const r = await c.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", this.name);
    if (!Array.isArray(r)) return null;
    return [String(r[0]), Number(r[1])];
  }

  /** Waits until every running sentinel reports a master other than `oldPort`; returns it. */
  async waitForNewMaster(oldPort: number, ms = 30_000): Promise<number> {
    let port = oldPort;
    await waitFor(async () => {
      const ports = new Set<number>();
      for (let i = 0; i < this.sentinels.length; i++) {
        if (this.sentinels[i] === null) continue;
        const a = await this.masterAddr(i).catch(() => null);
        if (a === null) return false;
        ports.add(a[1]);
      }
      if (ports.size !== 1) return false;
      port = [...ports][0]!;
      return port !== oldPort;
    }, ms);
    return port;
  }

  /** Every running sentinel's events (see watchEvents). */
  watch(): Promise<{ events: [string, string][]; close(): void }> {
    return watchEvents(...this.sentinels.filter((s): s is Proc => s !== null));
  }

  /** Restarts sentinel `i` from its (rewritten) config file. */
  async restartSentinel(i: number): Promise<Proc> {
    const old = this.sentinels[i];
    const port = old?.port;
    if (old !== null && old !== undefined) await old.kill("SIGKILL");
    const s = await spawnSentinel(this.kindOf(i), this.confs[i]!, port);
    this.sentinels[i] = s;
    return s;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const s of this.sentinels) await s?.kill("SIGKILL");
    for (const n of this.nodes) await n.kill("SIGKILL");
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Polls `fn` until it returns true, counting an exception as "not yet": during a failover the
 * sentinels' CLIENT KILL closes the test's own connections to the data nodes too.
 */
export function settle(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  return waitFor(async () => {
    try {
      return await fn();
    } catch {
      return false;
    }
  }, ms);
}

/** A SENTINEL MASTER style reply (flat array or map) as a Map of strings. */
export const fields = fieldMap;

/** ROLE's first element on a data node. */
export async function role(port: number): Promise<string> {
  const c = await RespClient.connect({ port });
  try {
    const r = await c.command("ROLE");
    return Array.isArray(r) ? String(r[0]) : "";
  } finally {
    c.close();
  }
}

/** Subscribes to every event of the given sentinels; `events` fills as they arrive. */
export async function watchEvents(
  ...sentinels: Proc[]
): Promise<{ events: [string, string][]; close(): void }> {
  const events: [string, string][] = [];
  const clients: RespClient[] = [];
  for (const s of sentinels) {
    const c = await s.client();
    clients.push(c);
    await c.call("PSUBSCRIBE", "*");
    // Subscribed once the confirmation is back, not once the command is written.
    await c.next();
    (async () => {
      try {
        for await (const f of c) {
          if (Array.isArray(f) && f[0] === "pmessage") events.push([String(f[2]), String(f[3])]);
        }
      } catch {
        // closed
      }
    })();
  }
  return { events, close: () => clients.forEach((c) => c.close()) };
}

export { info, linkUp };
