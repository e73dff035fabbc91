// `hakv proxy`: one stable endpoint that always reaches the current master. Discovery is in
// discovery.ts, each client's byte pipe in session.ts; this module listens, keeps the sessions
// and tells them when the master changes.
import { Logger } from "../_util/log.ts";
import { loadProxyConf, type ProxyConf, ProxyConfigError } from "./config.ts";
import { addrKey, MasterTracker } from "./discovery.ts";
import { Pool } from "./pool.ts";
import { type ProxyContext, Session } from "./session.ts";

export { loadProxyConf, ProxyConfigError } from "./config.ts";
export type { ProxyConf } from "./config.ts";

export interface RunningProxy {
  readonly port: number;
  readonly tracker: MasterTracker;
  readonly closed: Promise<void>;
  close(): void;
}

export function startProxy(conf: ProxyConf, opts: { signals?: boolean } = {}): RunningProxy {
  const log = new Logger();
  log.role = "P";
  const tracker = new MasterTracker(conf);
  const sessions = new Set<Session>();
  let pool: Pool | null = null;
  const replicaPools = new Map<string, Pool>();
  const linkReady = () => {
    for (const s of [...ctx.waiting]) s.retry();
  };
  const ctx: ProxyContext = {
    tracker,
    switchTimeout: conf.switchTimeout,
    requirepass: conf.requirepass,
    sharing: conf.sharedLinks > 0,
    pool: () => {
      const master = tracker.current;
      if (master === null) return null;
      if (pool === null || pool.addr !== master) {
        pool?.retire(conf.switchTimeout);
        pool = new Pool(master, conf.sharedLinks, true, linkReady, tracker, conf.switchTimeout);
      }
      return pool;
    },
    readFromReplicas: conf.readFromReplicas,
    replicaPool: (n) => {
      const rs = tracker.replicas;
      if (rs.length === 0) return null;
      const r = rs[n % rs.length]!;
      let p = replicaPools.get(addrKey(r));
      if (p === undefined) {
        p = new Pool(r, conf.sharedLinks, false, linkReady, tracker, conf.switchTimeout);
        replicaPools.set(addrKey(r), p);
      }
      return p;
    },
    replicaReads: 0,
    waiting: new Set(),
    nextId: 0,
    dedicated: 0,
    queued: 0,
    infoSection: () =>
      [
        "# Proxy",
        `proxy_mode:${tracker.mode}`,
        `proxy_master:${tracker.current === null ? "none" : addrKey(tracker.current)}`,
        `proxy_master_name:${conf.masterName}`,
        `proxy_switches:${tracker.switches}`,
        `proxy_queued_commands:${ctx.queued}`,
        `proxy_clients:${sessions.size}`,
        `proxy_dedicated_clients:${ctx.dedicated}`,
        `proxy_shared_links:${conf.sharedLinks}`,
        `proxy_read_from_replicas:${conf.readFromReplicas ? "yes" : "no"}`,
        `proxy_read_replicas:${tracker.replicas.map(addrKey).join(",")}`,
        `proxy_replica_reads:${ctx.replicaReads}`,
        "",
      ].join("\r\n"),
  };
  tracker.onChange((addr) => {
    log.notice(addr === null ? "No master: commands wait" : `Master is ${addrKey(addr)}`);
    if (pool !== null && pool.addr !== addr) {
      pool.retire(conf.switchTimeout);
      pool = null;
    }
    for (const s of sessions) s.masterChanged(addr);
  });
  tracker.onReplicas((replicas) => {
    const keep = new Set(replicas.map(addrKey));
    for (const [k, p] of replicaPools) {
      if (keep.has(k)) continue;
      p.retire(conf.switchTimeout);
      replicaPools.delete(k);
    }
    // Reads waiting for a replica that left go to another one, or to the master.
    linkReady();
  });
  const listener = Deno.listen({ hostname: conf.bind, port: conf.port });
  const port = (listener.addr as Deno.NetAddr).port;
  (async () => {
    try {
      for await (const conn of listener) {
        conn.setNoDelay(true);
        const s: Session = new Session(ctx, conn, () => sessions.delete(s));
        sessions.add(s);
        s.serve();
      }
    } catch {
      // listener closed
    }
  })();
  tracker.start();
  log.notice(
    `Proxy listening on ${conf.bind}:${port}, master '${conf.masterName}' from ${
      tracker.mode === "sentinel"
        ? `sentinels ${conf.sentinels.map(addrKey).join(",")}`
        : `backends ${conf.backends.map(addrKey).join(",")}`
    }`,
  );
  let done: () => void = () => {};
  const closed = new Promise<void>((resolve) => (done = resolve));
  let stopping = false;
  const close = () => {
    if (stopping) return;
    stopping = true;
    tracker.stop();
    try {
      listener.close();
    } catch {
      // already closed
    }
    for (const s of [...sessions]) s.close();
    pool?.close();
    for (const p of replicaPools.values()) p.close();
    done();
  };
  if (opts.signals) {
    Deno.addSignalListener("SIGTERM", close);
    Deno.addSignalListener("SIGINT", close);
  }
  return { port, tracker, closed, close };
}

/** `hakv proxy [--config proxy.yaml] [--flag value ...]`; an exit code, or undefined to run. */
export function runProxy(argv: readonly string[]): number | undefined {
  let conf: ProxyConf;
  try {
    conf = loadProxyConf(argv);
  } catch (err) {
    if (err instanceof ProxyConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const running = startProxy(conf, { signals: true });
  running.closed.then(() => setTimeout(() => Deno.exit(0), 0));
  return undefined;
}
